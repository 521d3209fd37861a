//! What a customer tells the shop about themselves: the language they read
//! ([`Language`]) and, once registered, their [`Registration`] (name,
//! business, GSTIN, delivery address).

use std::fmt;

use crate::shared::Gstin;

/// The most characters of a name, a business name or an address.
pub const MAX_DETAIL_CHARS: usize = 200;

/// A language tag a customer chose (`en`, `hi`, `en-IN`): checked, the
/// language subtag in lower case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

/// Why a text is not a [`Language`] or a [`Registration`] field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DetailsError {
    /// Not a language tag.
    #[error("not a language tag (like \"en\", \"hi\" or \"en-IN\"): {0:?}")]
    Language(String),
    /// A required detail left empty.
    #[error("{0} is empty")]
    Empty(&'static str),
    /// A detail over [`MAX_DETAIL_CHARS`].
    #[error("{0} is longer than {MAX_DETAIL_CHARS} characters")]
    TooLong(&'static str),
}

impl Language {
    /// Checks a language tag: subtags of ASCII letters and digits joined by
    /// `-`, the first of 2 or 3 letters; at most 35 characters.
    ///
    /// # Errors
    ///
    /// [`DetailsError::Language`].
    pub fn parse(tag: &str) -> Result<Self, DetailsError> {
        let tag = tag.trim();
        let bad = || DetailsError::Language(tag.to_owned());
        let mut subtags = tag.split('-');
        let first = subtags.next().unwrap_or_default();
        if tag.len() > 35
            || !(2..=3).contains(&first.len())
            || !first.chars().all(|c| c.is_ascii_alphabetic())
        {
            return Err(bad());
        }
        let mut out = first.to_ascii_lowercase();
        for subtag in subtags {
            if subtag.is_empty() || !subtag.chars().all(|c| c.is_ascii_alphanumeric()) {
                return Err(bad());
            }
            out.push('-');
            out.push_str(subtag);
        }
        Ok(Self(out))
    }

    /// The tag.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The customer's profile, as the register form collects it. The GSTIN
/// goes on their invoices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Registration {
    /// Their name.
    pub name: String,
    /// Their business, if they buy for one.
    pub business: Option<String>,
    /// Their business's GSTIN, if it has one.
    pub gstin: Option<Gstin>,
    /// Where orders are delivered.
    pub address: String,
}

impl Registration {
    /// Checks the details: name and address not empty, every text trimmed
    /// and at most [`MAX_DETAIL_CHARS`]; an empty business is none.
    ///
    /// # Errors
    ///
    /// [`DetailsError::Empty`], [`DetailsError::TooLong`], naming the field.
    pub fn new(
        name: &str,
        business: Option<&str>,
        gstin: Option<Gstin>,
        address: &str,
    ) -> Result<Self, DetailsError> {
        let required = |field: &'static str, text: &str| -> Result<String, DetailsError> {
            let text = text.trim();
            if text.is_empty() {
                return Err(DetailsError::Empty(field));
            }
            if text.chars().count() > MAX_DETAIL_CHARS {
                return Err(DetailsError::TooLong(field));
            }
            Ok(text.to_owned())
        };
        let business = match business.map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(required("business", text)?),
        };
        Ok(Self {
            name: required("name", name)?,
            business,
            gstin,
            address: required("address", address)?,
        })
    }
}

/// What the shop knows of a customer's language and registration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CustomerDetails {
    /// The language they chose, if they did.
    pub language: Option<Language>,
    /// When they were first offered the choice of language (milliseconds
    /// since the epoch), if they were.
    pub language_offered_at_ms: Option<i64>,
    /// Their profile, once they registered.
    pub registration: Option<Registration>,
    /// When they last registered.
    pub registered_at_ms: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_are_checked_tags() {
        assert_eq!(Language::parse(" HI ").map(|l| l.0), Ok("hi".to_owned()));
        assert_eq!(
            Language::parse("en-IN").map(|l| l.0),
            Ok("en-IN".to_owned())
        );
        for bad in ["", "h", "hindi", "hi-", "हि", "hi IN"] {
            assert!(Language::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_registration_is_trimmed_and_needs_a_name_and_an_address() {
        let r = Registration::new(" Asha ", Some("  "), None, " 12 MG Road, Pune ").unwrap();
        assert_eq!(
            (r.name.as_str(), r.business, r.address.as_str()),
            ("Asha", None, "12 MG Road, Pune")
        );
        assert_eq!(
            Registration::new(" ", None, None, "x"),
            Err(DetailsError::Empty("name"))
        );
        assert_eq!(
            Registration::new("a", None, None, &"x".repeat(201)),
            Err(DetailsError::TooLong("address"))
        );
    }
}
