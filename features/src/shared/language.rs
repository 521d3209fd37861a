//! [`Language`]: a language tag as customers choose it and the FAQ is
//! written in.

use std::fmt;

/// A language tag, BCP 47-like: a primary language of 2 or 3 letters and
/// optional subtags (`en`, `hi`, `mr`, `en-IN`). Kept in lower case, so
/// `en-IN` and `en-in` are one language.
///
/// ```
/// use features::shared::Language;
///
/// let tag = Language::parse("en_IN")?;
/// assert_eq!((tag.as_str(), tag.primary()), ("en-in", "en"));
/// assert!(Language::parse("hindi").is_err());
/// # Ok::<(), features::shared::LanguageError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

/// Why a text is not a [`Language`]: the text (lower-cased).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a language tag (en, hi, mr, en-IN)")]
pub struct LanguageError(pub String);

impl Language {
    /// `tag` checked: 2 or 3 ASCII letters, then subtags of 1 to 8 ASCII
    /// letters or digits, each after a `-` (`_` is read as `-`).
    ///
    /// # Errors
    ///
    /// [`LanguageError`] for anything else.
    pub fn parse(tag: &str) -> Result<Self, LanguageError> {
        let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
        let mut parts = tag.split('-');
        let primary_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase())
        });
        let subtags_ok = parts
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && subtags_ok {
            Ok(Self(tag))
        } else {
            Err(LanguageError(tag))
        }
    }

    /// The tag, lower case: `en-in`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language: `en` for `en-in`.
    #[must_use]
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Language {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_checked_and_lower_cased() {
        assert_eq!(Language::parse(" HI ").map(|l| l.0), Ok("hi".to_owned()));
        assert_eq!(
            Language::parse("en_IN").map(|l| l.0),
            Ok("en-in".to_owned())
        );
        for bad in ["", "h", "hindi", "hi-", "हि", "hi IN", "hi-toolongsubtag"] {
            assert!(Language::parse(bad).is_err(), "{bad:?}");
        }
    }
}
