//! The customer's language: a [`Locale`] on the message, and a
//! [`Localizer`] that finds a text in it.
//!
//! The framework does not decide a customer's language: your own layer (or
//! handler) knows it — from a stored profile, a button the customer tapped —
//! and puts a [`Locale`] in the message's
//! [`extensions`](crate::InboundMessage::extensions). Handlers then take it
//! as an argument, and [forms](crate::form) given a [`Localizer`] ask their
//! questions in it.
//!
//! ```
//! use framework::locale::Locale;
//! use framework::{Content, ConversationKey, InboundMessage, MessageId, PhoneNumber, Provider};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = ConversationKey::new(PhoneNumber::parse("+14155550100")?, PhoneNumber::parse("+919812345678")?);
//! let mut msg = InboundMessage::new(Provider::Twilio, MessageId::new("SM1"), key, Content::Text { body: "namaste".into() });
//! msg.extensions_mut().insert(Locale::parse("hi")?);
//! assert_eq!(Locale::of(&msg).map(Locale::as_str), Some("hi"));
//! # Ok(()) }
//! ```

use std::convert::Infallible;
use std::fmt;

use crate::InboundMessage;
use crate::handler::FromMessage;

/// A language tag (BCP 47, as `hi`, `en-IN`, `mr`): which language to
/// answer in.
///
/// Kept as given but checked: 1 to 35 characters, subtags of ASCII letters
/// and digits separated by `-`, the first of 2 or 3 letters (stored in lower
/// case). `und` ([`Locale::UNDETERMINED`]) stands for "not known".
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Locale(String);

/// Why a text is not a [`Locale`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a language tag (like \"en\", \"hi\" or \"en-IN\"): {0:?}")]
pub struct LocaleError(pub String);

impl Locale {
    /// Not known: `und`.
    pub const UNDETERMINED: &'static str = "und";

    /// Checks a language tag.
    ///
    /// # Errors
    ///
    /// [`LocaleError`] for an empty tag, one over 35 characters, a first
    /// subtag that is not 2 or 3 letters, or an empty or non-alphanumeric
    /// subtag.
    pub fn parse(tag: &str) -> Result<Self, LocaleError> {
        let tag = tag.trim();
        let bad = || LocaleError(tag.to_owned());
        if tag.is_empty() || tag.len() > 35 {
            return Err(bad());
        }
        let mut subtags = tag.split(['-', '_']);
        let language = subtags.next().ok_or_else(bad)?;
        if !(2..=3).contains(&language.len()) || !language.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(bad());
        }
        let mut out = language.to_ascii_lowercase();
        for subtag in subtags {
            if subtag.is_empty() || !subtag.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad());
            }
            out.push('-');
            out.push_str(subtag);
        }
        Ok(Self(out))
    }

    /// `und`: the language is not known.
    #[must_use]
    pub fn undetermined() -> Self {
        Self(Self::UNDETERMINED.to_owned())
    }

    /// The tag.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language subtag: `hi` of `hi-IN`.
    #[must_use]
    pub fn language(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }

    /// Whether this is `und`.
    #[must_use]
    pub fn is_undetermined(&self) -> bool {
        self.0 == Self::UNDETERMINED
    }

    /// The locale a layer put on the message, if any.
    #[must_use]
    pub fn of(msg: &InboundMessage) -> Option<&Self> {
        msg.extensions().get::<Self>()
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Locale {
    type Err = LocaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// A handler argument: the message's locale, or `und` when no layer set one.
impl<S: Sync> FromMessage<S> for Locale {
    type Rejection = Infallible;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, Infallible> {
        Ok(Self::of(msg).cloned().unwrap_or_else(Self::undetermined))
    }
}

/// Finds a text by key in a language: the bridge to your translations
/// (Fluent bundles, gettext catalogs, a map).
///
/// `None` means "no translation": the caller keeps its own text. Texts may
/// hold `{name}` placeholders that the caller fills (see each caller's
/// keys, as [`FormBuilder::localizer`](crate::form::FormBuilder::localizer)).
pub trait Localizer: Send + Sync + 'static {
    /// The text of `key` in `locale`, if there is one.
    fn text(&self, locale: &Locale, key: &str) -> Option<String>;
}

impl<F> Localizer for F
where
    F: Fn(&Locale, &str) -> Option<String> + Send + Sync + 'static,
{
    fn text(&self, locale: &Locale, key: &str) -> Option<String> {
        self(locale, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_checked_and_the_language_lower_cased() {
        assert_eq!(Locale::parse("HI").map(|l| l.0), Ok("hi".to_owned()));
        assert_eq!(Locale::parse("en-IN").map(|l| l.0), Ok("en-IN".to_owned()));
        assert_eq!(Locale::parse("en_IN").map(|l| l.0), Ok("en-IN".to_owned()));
        assert_eq!(
            Locale::parse("en-IN").map(|l| l.language().to_owned()),
            Ok("en".to_owned())
        );
        for bad in ["", "e", "english", "hi-", "hi--IN", "हि", "en IN", "1a"] {
            assert!(Locale::parse(bad).is_err(), "{bad:?}");
        }
        assert!(Locale::undetermined().is_undetermined());
    }
}
