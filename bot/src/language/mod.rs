//! The customer's language: chosen with buttons on first contact or after
//! "language", remembered on the customer ([`SetLanguage`]), and put on
//! every message as a [`Locale`] by the [`LanguageLayer`], so handlers,
//! forms and replies speak it.
//!
//! On first contact (no language chosen, never offered), the customer gets
//! the choice in every bundled language, once (two instances racing offer
//! it once: [`OfferLanguage`]). What they wrote is kept in the session and
//! answered right after they pick, in the language they picked. A single
//! consent word (STOP, START, …) is never held up by the choice.
//!
//! [`SetLanguage`]: features::customers::SetLanguage
//! [`OfferLanguage`]: features::customers::OfferLanguage

mod layer;

use framework::locale::Locale;
use framework::reply::{Buttons, List, Reply, Row};
use framework::{BoxError, InboundMessage};

pub use self::layer::{LanguageLayer, LanguageService};
use crate::i18n::Texts;

/// Prefix of a language pick's choice id: `lang:hi`.
pub const PICK: &str = "lang:";

/// The words and names that pick or ask for a language, from every
/// bundled language (`language-words`, `language-name`,
/// `language-aliases`), folded for matching.
#[derive(Debug, Clone)]
pub(crate) struct Words {
    /// "language", "भाषा", …: show the choice.
    ask: Vec<String>,
    /// (folded name or alias, the language it picks).
    names: Vec<(String, Locale)>,
}

fn fold(text: &str) -> String {
    framework::handler::normalize_text(text)
}

impl Words {
    pub(crate) fn of(texts: &Texts) -> Self {
        let mut names = Vec::new();
        for (locale, name) in texts.languages() {
            // Never the bare tag: "hi" greets.
            names.push((fold(&name), locale.clone()));
            for alias in texts.words(&locale, "language-aliases") {
                names.push((alias, locale.clone()));
            }
        }
        Self {
            ask: texts.words_everywhere("language-words"),
            names,
        }
    }

    /// The language a message picks: a tapped `lang:` choice, or, while
    /// the choice is `shown`, a typed name ("Hindi", "हिन्दी"; never a bare
    /// tag: "hi" is a greeting).
    pub(crate) fn picked(
        &self,
        texts: &Texts,
        msg: &InboundMessage,
        shown: bool,
    ) -> Option<Locale> {
        if let Some(tag) = msg.choice_id().and_then(|id| id.strip_prefix(PICK)) {
            return Locale::parse(tag).ok().filter(|l| texts.supports(l));
        }
        if !shown {
            return None;
        }
        let typed = fold(msg.text()?);
        self.names
            .iter()
            .find(|(name, _)| *name == typed)
            .map(|(_, locale)| locale.clone())
    }

    /// Whether the message asks to change the language.
    pub(crate) fn asks(&self, msg: &InboundMessage) -> bool {
        msg.text().is_some_and(|t| self.ask.contains(&fold(t)))
    }
}

/// The choice of language: the question in `locale` (in every language,
/// one per line, when `None`: the customer's is not known yet), a button
/// per language (a list beyond three).
pub(crate) fn picker(texts: &Texts, locale: Option<&Locale>) -> Result<Reply, BoxError> {
    let languages = texts.languages();
    let body = match locale {
        Some(locale) => texts.get(locale, "language-choose", &[]),
        None => languages
            .iter()
            .map(|(l, _)| texts.get(l, "language-choose", &[]))
            .collect::<Vec<_>>()
            .join("\n"),
    };
    if languages.len() <= 3 {
        let mut buttons = Buttons::builder(body);
        for (l, name) in &languages {
            buttons = buttons.button(format!("{PICK}{l}"), name.clone());
        }
        return Ok(buttons.build()?.into());
    }
    let shown = locale.unwrap_or_else(|| texts.default_locale());
    let rows = languages
        .iter()
        .take(10)
        .map(|(l, name)| Row::new(format!("{PICK}{l}"), name.clone()));
    Ok(
        List::builder(body, texts.get(shown, "language-button", &[]))
            .rows(rows)
            .build()?
            .into(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use framework::{Content, ConversationKey, MessageId, PhoneNumber, Provider};

    use super::*;

    fn msg(content: Content) -> InboundMessage {
        let key = ConversationKey::new(
            PhoneNumber::parse("+14155238886").unwrap(),
            PhoneNumber::parse("+919812345678").unwrap(),
        );
        InboundMessage::new(Provider::Twilio, MessageId::new("SM1"), key, content)
    }

    fn text(body: &str) -> InboundMessage {
        msg(Content::Text { body: body.into() })
    }

    #[test]
    fn a_language_is_picked_by_its_button_or_its_names_never_by_a_greeting() {
        let texts = Texts::embedded(Locale::parse("en").unwrap()).unwrap();
        let words = Words::of(&texts);
        let picked = |m: &InboundMessage| words.picked(&texts, m, true).map(|l| l.to_string());
        assert_eq!(picked(&text("Hindi")), Some("hi".to_owned()));
        assert_eq!(picked(&text("हिन्दी")), Some("hi".to_owned()));
        assert_eq!(picked(&text("english")), Some("en".to_owned()));
        assert_eq!(picked(&text("hi")), None, "hi greets");
        assert_eq!(picked(&text("Cement x 100")), None);
        let tapped = |id: &str| {
            msg(Content::ButtonReply {
                id: id.into(),
                title: "x".into(),
            })
        };
        assert_eq!(picked(&tapped("lang:hi")), Some("hi".to_owned()));
        assert_eq!(picked(&tapped("lang:fr")), None, "not bundled");
        assert_eq!(picked(&tapped("confirm")), None);
        assert_eq!(
            words.picked(&texts, &text("Hindi"), false),
            None,
            "a name typed when no choice is shown (a form's answer, say)"
        );
        assert!(words.asks(&text("Language")));
        assert!(words.asks(&text("भाषा")));
        assert!(!words.asks(&text("hello")));
    }

    #[test]
    fn the_choice_names_every_language_with_a_button_each() {
        let texts = Texts::embedded(Locale::parse("en").unwrap()).unwrap();
        let reply = picker(&texts, None).unwrap();
        let shown = format!("{reply:?}");
        assert!(
            shown.contains("lang:en") && shown.contains("lang:hi"),
            "{shown}"
        );
        assert!(shown.contains("Which language would you like?"), "{shown}");
    }
}
