//! Identities: providers, phone numbers, conversation keys and message ids.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The messaging provider a message came from or goes to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Provider {
    /// Twilio Programmable Messaging (WhatsApp channel).
    Twilio,
    /// Meta WhatsApp Cloud API.
    Meta,
    /// A local channel without a provider (terminal chat, tests, emulators).
    Local,
}

impl Provider {
    /// The provider's lower-case name, as used in logs, metrics and storage keys.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Twilio => "twilio",
            Self::Meta => "meta",
            Self::Local => "local",
        }
    }

    /// Whether the provider renders reply buttons and lists natively.
    ///
    /// Twilio needs pre-approved Content Templates for interactive messages, so
    /// free-form buttons and lists are rendered as a numbered text menu there.
    #[must_use]
    pub const fn supports_interactive(self) -> bool {
        matches!(self, Self::Meta | Self::Local)
    }
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a phone number could not be parsed.
///
/// The messages do not repeat the input (errors end up in logs, and phone
/// numbers must not); the `input` fields keep it for callers that need it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneNumberError {
    /// The input held no digits at all.
    #[error("the phone number has no digits")]
    Empty(String),
    /// The input held a character that cannot appear in a phone number.
    #[error(
        "the phone number contains {found:?}, which is not a digit, space, '-', '.', '(' or ')'"
    )]
    InvalidCharacter {
        /// The rejected input.
        input: String,
        /// The first offending character.
        found: char,
    },
    /// E.164 numbers have between 7 and 15 digits (country code included).
    #[error("the phone number has {digits} digits; E.164 allows 7 to 15")]
    Length {
        /// The rejected input.
        input: String,
        /// How many digits it had.
        digits: usize,
    },
    /// The first digit is 0: E.164 numbers start with a country code, and no
    /// country code starts with 0 (a national trunk prefix such as `0` in
    /// `020 7946 0018` is not part of the international form).
    #[error("the phone number starts with 0; E.164 numbers start with a country code")]
    LeadingZero(String),
}

/// A phone number in E.164 form: `+`, then 7 to 15 digits, the first not 0.
///
/// Providers spell numbers differently (`whatsapp:+14155238886`, `14155238886`,
/// `+1 415-523-8886`); [`PhoneNumber::parse`] accepts all of them and keeps only
/// the canonical form.
///
/// # The rule
///
/// One rule for every phone number in Campanile, shared with the shop's
/// `features::shared::CustomerPhone` (the two crates do not depend on each
/// other, so each has its own parser; a property test in the `e2e-tests` crate
/// checks that they accept the same inputs with the same result):
///
/// - an optional `whatsapp:` prefix (any case), then an optional `+`;
/// - digits, with spaces, `-`, `.` and parentheses ignored; nothing else;
/// - 7 to 15 digits in all, country code included (7 exist: Niue, St Helena);
/// - the first digit is not 0 (no country code starts with 0).
///
/// The canonical form is `+` and the digits. A sender the webhook accepts is
/// therefore always a valid customer of the shop.
///
/// ```
/// use framework::PhoneNumber;
///
/// let n = PhoneNumber::parse("whatsapp:+1 (415) 523-8886").unwrap();
/// assert_eq!(n.as_str(), "+14155238886");
/// assert_eq!(n.digits(), "14155238886");
/// ```
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PhoneNumber> for String {
    fn from(n: PhoneNumber) -> Self {
        n.0
    }
}

impl PhoneNumber {
    /// Parses a phone number, accepting an optional `whatsapp:` prefix (any
    /// case), an optional leading `+` and the usual separators (spaces, `-`,
    /// `.`, parentheses); see [the rule](Self#the-rule).
    ///
    /// # Errors
    ///
    /// [`PhoneNumberError`] when the input has no digits, a character that is not
    /// part of a phone number, fewer than 7 / more than 15 digits, or a first
    /// digit 0.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        const PREFIX: &str = "whatsapp:";
        let mut rest = input.trim();
        // `get` rather than slicing: the input may have a multi-byte
        // character where the prefix would end.
        if let Some(prefix) = rest.get(..PREFIX.len())
            && prefix.eq_ignore_ascii_case(PREFIX)
        {
            rest = rest.get(PREFIX.len()..).unwrap_or_default().trim_start();
        }
        let rest = rest.strip_prefix('+').unwrap_or(rest);
        let mut canonical = String::with_capacity(rest.len() + 1);
        canonical.push('+');
        for c in rest.chars() {
            match c {
                '0'..='9' => canonical.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                other => {
                    return Err(PhoneNumberError::InvalidCharacter {
                        input: input.to_owned(),
                        found: other,
                    });
                }
            }
        }
        let digits = canonical.len() - 1;
        if digits == 0 {
            return Err(PhoneNumberError::Empty(input.to_owned()));
        }
        if !(7..=15).contains(&digits) {
            return Err(PhoneNumberError::Length {
                input: input.to_owned(),
                digits,
            });
        }
        if canonical.as_bytes().get(1) == Some(&b'0') {
            return Err(PhoneNumberError::LeadingZero(input.to_owned()));
        }
        Ok(Self(canonical))
    }

    /// The number with its leading `+`, e.g. `+14155238886`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits only, without `+` (Meta's `wa_id` form), e.g. `14155238886`.
    #[must_use]
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for PhoneNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for PhoneNumber {
    type Err = PhoneNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Identifies one conversation: the business number a customer wrote to and the
/// customer's number.
///
/// Sessions, conversation state, rate limits and the per-conversation lane are
/// all keyed by it.
///
/// ```
/// use framework::{ConversationKey, PhoneNumber};
///
/// let key = ConversationKey::new(
///     PhoneNumber::parse("+14155238886").unwrap(),
///     PhoneNumber::parse("+919812345678").unwrap(),
/// );
/// assert_eq!(key.storage_key(), "+14155238886/+919812345678");
/// assert_eq!(key.pseudonym().len(), 16);
/// ```
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct ConversationKey {
    business: PhoneNumber,
    customer: PhoneNumber,
}

impl ConversationKey {
    /// A key from the business number and the customer number.
    #[must_use]
    pub fn new(business: PhoneNumber, customer: PhoneNumber) -> Self {
        Self { business, customer }
    }

    /// The business (shop) number the customer wrote to.
    #[must_use]
    pub fn business(&self) -> &PhoneNumber {
        &self.business
    }

    /// The customer's number.
    #[must_use]
    pub fn customer(&self) -> &PhoneNumber {
        &self.customer
    }

    /// A stable string form for storage keys: `+<business>/+<customer>`.
    #[must_use]
    pub fn storage_key(&self) -> String {
        let mut key = String::with_capacity(self.business.0.len() + self.customer.0.len() + 1);
        key.push_str(&self.business.0);
        key.push('/');
        key.push_str(&self.customer.0);
        key
    }

    /// A pseudonym for logs and metrics: 16 hex characters of an HMAC-SHA256
    /// of the key under a secret, so phone numbers stay out of logs and cannot
    /// be recovered by trying every number.
    ///
    /// The secret is random per process unless
    /// [`trace::set_pseudonym_key`](crate::trace::set_pseudonym_key) set one
    /// (to correlate a conversation across instances and restarts).
    #[must_use]
    pub fn pseudonym(&self) -> String {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(crate::trace::pseudonym_key())
            .unwrap_or_else(|_| <Hmac<Sha256> as KeyInit>::new(&Default::default()));
        mac.update(self.business.0.as_bytes());
        mac.update(b"/");
        mac.update(self.customer.0.as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..8])
    }
}

impl fmt::Display for ConversationKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.business, self.customer)
    }
}

/// A provider's id for one message: Twilio's `MessageSid` (`SM…`/`MM…`) or Meta's
/// `wamid.…`.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct MessageId(String);

impl MessageId {
    /// Wraps a provider message id.
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as the provider spelled it.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for MessageId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_provider_spellings_to_one_canonical_form() {
        for input in [
            "whatsapp:+14155238886",
            "+14155238886",
            "14155238886",
            "+1 (415) 523-8886",
            " whatsapp: +1.415.523.8886 ",
            "WhatsApp:+14155238886",
        ] {
            assert_eq!(
                PhoneNumber::parse(input).unwrap().as_str(),
                "+14155238886",
                "{input}"
            );
        }
    }

    #[test]
    fn rejects_what_is_not_a_phone_number() {
        assert!(matches!(
            PhoneNumber::parse(""),
            Err(PhoneNumberError::Empty(_))
        ));
        assert!(matches!(
            PhoneNumber::parse("+1415abc"),
            Err(PhoneNumberError::InvalidCharacter { found: 'a', .. })
        ));
        assert!(matches!(
            PhoneNumber::parse("+123"),
            Err(PhoneNumberError::Length { digits: 3, .. })
        ));
        assert!(matches!(
            PhoneNumber::parse("+1234567890123456"),
            Err(PhoneNumberError::Length { digits: 16, .. })
        ));
        assert!(matches!(
            PhoneNumber::parse("+0919812345678"),
            Err(PhoneNumberError::LeadingZero(_))
        ));
        assert!(matches!(
            PhoneNumber::parse("whatsapp:(0) 98123 45678"),
            Err(PhoneNumberError::LeadingZero(_))
        ));
    }

    #[test]
    fn boundaries_are_7_and_15_digits() {
        // Niue (+683) and St Helena (+290) have 7-digit numbers.
        assert_eq!(PhoneNumber::parse("+6834001").unwrap().as_str(), "+6834001");
        assert!(PhoneNumber::parse("+123456789012345").is_ok());
        assert!(matches!(
            PhoneNumber::parse("+123456"),
            Err(PhoneNumberError::Length { digits: 6, .. })
        ));
    }

    #[test]
    fn multibyte_text_where_the_prefix_would_end_is_refused_not_a_panic() {
        assert!(matches!(
            PhoneNumber::parse("whatsapp₹12345678"),
            Err(PhoneNumberError::InvalidCharacter { found: 'w', .. })
        ));
        assert!(matches!(
            PhoneNumber::parse("whatsap₹:12345678"),
            Err(PhoneNumberError::InvalidCharacter { found: 'w', .. })
        ));
    }

    #[test]
    fn errors_do_not_repeat_the_number() {
        // Errors end up in logs; phone numbers must not.
        for bad in [
            "+9198abc12345",
            "+91981",
            "+919812345678901234",
            "+0919812345678",
        ] {
            let e = PhoneNumber::parse(bad).unwrap_err();
            assert!(!e.to_string().contains("98"), "{e}");
        }
    }

    #[test]
    fn the_pseudonym_is_stable_and_hides_the_numbers() {
        let key = ConversationKey::new(
            PhoneNumber::parse("+14155238886").unwrap(),
            PhoneNumber::parse("+919812345678").unwrap(),
        );
        let h = key.pseudonym();
        assert_eq!(h, key.clone().pseudonym());
        assert!(!h.contains("9812345678"));
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
