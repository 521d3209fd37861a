//! [`CustomerPhone`]: a customer's WhatsApp number in E.164 form.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A phone number in E.164 form: `+`, then 7 to 15 digits, the first not 0.
///
/// This is how customers are identified: WhatsApp providers deliver the
/// sender as a phone number (Twilio prefixes it with `whatsapp:`).
/// Serialized as its E.164 string.
///
/// # The rule
///
/// One rule for every phone number in Campanile, shared with the
/// framework's `framework::PhoneNumber` (neither crate depends on the other,
/// so each has its own parser; a property test in the `e2e-tests` crate checks
/// that they accept the same inputs with the same result, so a sender the
/// webhook accepts is always a valid customer here):
///
/// - an optional `whatsapp:` prefix (any case), then an optional `+`;
/// - digits, with spaces, `-`, `.` and parentheses ignored; nothing else;
/// - 7 to 15 digits in all, country code included (7 exist: Niue, St Helena);
/// - the first digit is not 0 (no country code starts with 0).
///
/// The canonical form is `+` and the digits.
///
/// ```
/// use features::shared::CustomerPhone;
///
/// let phone = CustomerPhone::parse("whatsapp:+919876543210").unwrap();
/// assert_eq!(phone.as_str(), "+919876543210");
/// assert_eq!(CustomerPhone::parse("91 98765 43210").unwrap(), phone);
/// assert!(CustomerPhone::parse("12345").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CustomerPhone(String);

/// Why a phone number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but spaces (or a bare `whatsapp:` prefix).
    #[error("phone number is empty")]
    Empty,
    /// A character other than digits, a leading `+`, spaces, `-`, `.` or
    /// parentheses.
    #[error("phone number contains {0:?}")]
    InvalidCharacter(char),
    /// Fewer than 7 or more than 15 digits.
    #[error("phone number must have 7 to 15 digits, got {0}")]
    Length(usize),
    /// The country code cannot start with 0.
    #[error("phone number must start with a country code, not 0")]
    LeadingZero,
}

impl CustomerPhone {
    /// Parses a number with or without `+`, with an optional `whatsapp:`
    /// prefix (any case), ignoring spaces, `-`, `.` and parentheses; see
    /// [the rule](Self#the-rule).
    ///
    /// # Errors
    ///
    /// A [`PhoneError`] saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, PhoneError> {
        let mut rest = text.trim();
        if let Some(prefix) = rest.get(..9)
            && prefix.eq_ignore_ascii_case("whatsapp:")
        {
            rest = rest[9..].trim_start();
        }
        let rest = rest.strip_prefix('+').unwrap_or(rest);
        let mut digits = String::with_capacity(16);
        for c in rest.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                other => return Err(PhoneError::InvalidCharacter(other)),
            }
        }
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        if !(7..=15).contains(&digits.len()) {
            return Err(PhoneError::Length(digits.len()));
        }
        if digits.starts_with('0') {
            return Err(PhoneError::LeadingZero);
        }
        Ok(Self(format!("+{digits}")))
    }

    /// The E.164 form, e.g. `"+919876543210"`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for CustomerPhone {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CustomerPhone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<CustomerPhone> for String {
    fn from(phone: CustomerPhone) -> Self {
        phone.0
    }
}

impl TryFrom<String> for CustomerPhone {
    type Error = PhoneError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn accepts_common_spellings() {
        for text in [
            "+919876543210",
            "919876543210",
            "whatsapp:+919876543210",
            "WhatsApp: +91 98765 43210",
            "  +91-98765-43210 ",
            "+91 (98765) 43210",
        ] {
            assert_eq!(
                CustomerPhone::parse(text).unwrap().as_str(),
                "+919876543210",
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_invalid_numbers() {
        assert_eq!(CustomerPhone::parse(""), Err(PhoneError::Empty));
        assert_eq!(CustomerPhone::parse("whatsapp:"), Err(PhoneError::Empty));
        assert_eq!(CustomerPhone::parse("123456"), Err(PhoneError::Length(6)));
        assert_eq!(
            CustomerPhone::parse("1234567890123456"),
            Err(PhoneError::Length(16))
        );
        assert_eq!(
            CustomerPhone::parse("09876543210"),
            Err(PhoneError::LeadingZero)
        );
        assert_eq!(
            CustomerPhone::parse("+91abc"),
            Err(PhoneError::InvalidCharacter('a'))
        );
        assert_eq!(
            CustomerPhone::parse("++919876543210"),
            Err(PhoneError::InvalidCharacter('+'))
        );
    }

    #[test]
    fn multibyte_text_is_refused_not_a_panic() {
        // Regression: the prefix check once sliced inside a character.
        assert_eq!(
            CustomerPhone::parse("a₹₹₹12345678"),
            Err(PhoneError::InvalidCharacter('a'))
        );
    }

    #[test]
    fn boundaries_are_7_and_15_digits() {
        // Niue (+683) and St Helena (+290) have 7-digit numbers; the
        // framework accepts them as senders, so the shop must too.
        assert_eq!(
            CustomerPhone::parse("+6834001").unwrap().as_str(),
            "+6834001"
        );
        assert!(CustomerPhone::parse("12345678").is_ok());
        assert!(CustomerPhone::parse("123456789012345").is_ok());
    }
}
