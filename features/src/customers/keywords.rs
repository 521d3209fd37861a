//! [`ConsentKeywords`]: the single words that opt a customer out (STOP) or
//! back in (START).
//!
//! The rule (docs/providers.md §8, Twilio's conventions): only a message
//! that is one word and nothing else counts: "STOP" does, "STOP PLEASE"
//! and "stop reminders" do not. The comparison is exact after trimming,
//! without regard to case or accents ("Stop", "STÓP", "ｓｔｏｐ" all
//! count; "STOP." does not).

/// Twilio's opt-out words, the defaults.
pub const DEFAULT_OPT_OUT_WORDS: [&str; 6] =
    ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"];

/// Twilio's opt-in words, the defaults.
pub const DEFAULT_OPT_IN_WORDS: [&str; 3] = ["START", "YES", "UNSTOP"];

/// What a consent keyword asks for, with the word as listed (folded to
/// upper-case ASCII: `STOP`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConsentKeyword {
    /// An opt-out word.
    OptOut(String),
    /// An opt-in word.
    OptIn(String),
}

impl ConsentKeyword {
    /// The word, upper-case (`STOP`, `START`).
    #[must_use]
    pub fn word(&self) -> &str {
        match self {
            Self::OptOut(w) | Self::OptIn(w) => w,
        }
    }
}

/// The opt-out and opt-in words, folded for comparison.
///
/// [`Default`] is Twilio's lists ([`DEFAULT_OPT_OUT_WORDS`],
/// [`DEFAULT_OPT_IN_WORDS`]); a shop adds its customers' words (Hindi
/// "band", Spanish "BAJA") with [`with_opt_out_words`](Self::with_opt_out_words)
/// and [`with_opt_in_words`](Self::with_opt_in_words).
///
/// ```
/// use features::customers::{ConsentKeyword, ConsentKeywords};
///
/// let words = ConsentKeywords::default().with_opt_out_words(["band"]);
/// assert_eq!(words.classify(" Stop "), Some(ConsentKeyword::OptOut("STOP".into())));
/// assert_eq!(words.classify("BAND"), Some(ConsentKeyword::OptOut("BAND".into())));
/// assert_eq!(words.classify("stop please"), None);
/// assert_eq!(words.classify("stop reminders"), None);
/// assert_eq!(words.classify("start"), Some(ConsentKeyword::OptIn("START".into())));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentKeywords {
    opt_out: Vec<String>,
    opt_in: Vec<String>,
}

impl Default for ConsentKeywords {
    fn default() -> Self {
        Self {
            opt_out: DEFAULT_OPT_OUT_WORDS
                .iter()
                .filter_map(|w| fold(w))
                .collect(),
            opt_in: DEFAULT_OPT_IN_WORDS
                .iter()
                .filter_map(|w| fold(w))
                .collect(),
        }
    }
}

impl ConsentKeywords {
    /// These words opt out too. A word that is not one word (empty, or
    /// with a space inside) is ignored: it could never match.
    #[must_use]
    pub fn with_opt_out_words<'a>(mut self, words: impl IntoIterator<Item = &'a str>) -> Self {
        self.opt_out.extend(words.into_iter().filter_map(fold));
        self
    }

    /// These words opt in too (same rule as
    /// [`with_opt_out_words`](Self::with_opt_out_words)).
    #[must_use]
    pub fn with_opt_in_words<'a>(mut self, words: impl IntoIterator<Item = &'a str>) -> Self {
        self.opt_in.extend(words.into_iter().filter_map(fold));
        self
    }

    /// The opt-out words, folded (upper-case ASCII).
    #[must_use]
    pub fn opt_out_words(&self) -> &[String] {
        &self.opt_out
    }

    /// The opt-in words, folded (upper-case ASCII).
    #[must_use]
    pub fn opt_in_words(&self) -> &[String] {
        &self.opt_in
    }

    /// What `message` asks for, if it is exactly one consent word.
    /// Opt-out wins should a word be in both lists.
    #[must_use]
    pub fn classify(&self, message: &str) -> Option<ConsentKeyword> {
        let word = fold(message)?;
        if self.opt_out.contains(&word) {
            Some(ConsentKeyword::OptOut(word))
        } else if self.opt_in.contains(&word) {
            Some(ConsentKeyword::OptIn(word))
        } else {
            None
        }
    }
}

/// `text` trimmed, transliterated to ASCII and upper-cased, if it is one
/// word (nothing else: no space inside).
fn fold(text: &str) -> Option<String> {
    let word = text.trim();
    if word.is_empty() || word.chars().any(char::is_whitespace) {
        return None;
    }
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_uppercase());
        } else {
            // A character with no ASCII spelling stays itself (upper-cased),
            // so an unknown script still compares exactly.
            match deunicode::deunicode_char(c) {
                Some(ascii) if !ascii.trim().is_empty() => {
                    out.extend(ascii.chars().map(|a| a.to_ascii_uppercase()));
                }
                _ => out.extend(c.to_uppercase()),
            }
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(text: &str) -> Option<ConsentKeyword> {
        ConsentKeywords::default().classify(text)
    }

    #[test]
    fn every_default_word_counts_in_any_case_and_with_spaces_around() {
        for word in DEFAULT_OPT_OUT_WORDS {
            for written in [word.to_owned(), word.to_lowercase(), format!("  {word}\n")] {
                assert_eq!(
                    classify(&written),
                    Some(ConsentKeyword::OptOut(word.to_owned())),
                    "{written:?}"
                );
            }
        }
        for word in DEFAULT_OPT_IN_WORDS {
            assert_eq!(
                classify(&word.to_lowercase()),
                Some(ConsentKeyword::OptIn(word.to_owned()))
            );
        }
    }

    #[test]
    fn accents_and_wide_letters_fold_away() {
        assert_eq!(
            classify("Stóp").map(|k| k.word().to_owned()),
            Some("STOP".to_owned())
        );
        assert_eq!(
            classify("ＳＴＯＰ").map(|k| k.word().to_owned()),
            Some("STOP".to_owned())
        );
        assert_eq!(
            classify("Quít").map(|k| k.word().to_owned()),
            Some("QUIT".to_owned())
        );
    }

    #[test]
    fn only_a_single_word_counts() {
        for text in [
            "STOP PLEASE",
            "please stop",
            "stop reminders",
            "stop\tnow",
            "",
            "   ",
            "STOP.",
            "stopp",
            "unsubscribe reminders",
            "cancel order",
        ] {
            assert_eq!(classify(text), None, "{text:?}");
        }
    }

    #[test]
    fn shops_add_words_which_fold_the_same_way() {
        let words = ConsentKeywords::default()
            .with_opt_out_words(["Cancelar", "बंद", "two words", ""])
            .with_opt_in_words(["shuru"]);
        assert_eq!(
            words.classify("CANCELAR"),
            Some(ConsentKeyword::OptOut("CANCELAR".into()))
        );
        assert!(matches!(
            words.classify("बंद"),
            Some(ConsentKeyword::OptOut(_))
        ));
        assert_eq!(words.classify("two words"), None);
        assert_eq!(words.opt_out_words().len(), DEFAULT_OPT_OUT_WORDS.len() + 2);
        assert_eq!(
            words.classify("Shuru"),
            Some(ConsentKeyword::OptIn("SHURU".into()))
        );
    }
}
