//! [`Money`]: an amount in integer minor units (paise, cents) of a
//! [`Currency`]. Never `f64`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code such as `INR`.
///
/// Every currency is treated as having two minor-unit digits (paise, cents).
/// Serialized as its code string (`"INR"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// Why a currency code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CurrencyError {
    /// The code is not exactly three ASCII letters.
    #[error("a currency code is three letters such as INR, got {0:?}")]
    Invalid(String),
}

impl Currency {
    /// Indian rupee, the shop's default currency.
    pub const INR: Self = Self(*b"INR");
    /// US dollar.
    pub const USD: Self = Self(*b"USD");
    /// Euro.
    pub const EUR: Self = Self(*b"EUR");

    /// Number of minor-unit digits; two for every currency we support.
    pub const MINOR_DIGITS: u32 = 2;

    /// Parses a three-letter code, any case (`"inr"` → `INR`).
    ///
    /// # Errors
    ///
    /// [`CurrencyError::Invalid`] unless the trimmed text is exactly three
    /// ASCII letters.
    pub fn parse(code: &str) -> Result<Self, CurrencyError> {
        let trimmed = code.trim();
        match trimmed.as_bytes() {
            [a, b, c] if [a, b, c].iter().all(|x| x.is_ascii_alphabetic()) => Ok(Self([
                a.to_ascii_uppercase(),
                b.to_ascii_uppercase(),
                c.to_ascii_uppercase(),
            ])),
            _ => Err(CurrencyError::Invalid(code.to_owned())),
        }
    }

    /// The uppercase code, e.g. `"INR"`.
    #[must_use]
    pub fn code(&self) -> &str {
        // Always three ASCII letters (checked by `parse` and the constants).
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// The symbol shown before amounts: `₹`, `$`, `€`, otherwise the code.
    #[must_use]
    pub fn symbol(&self) -> &str {
        match &self.0 {
            b"INR" => "₹",
            b"USD" => "$",
            b"EUR" => "€",
            _ => self.code(),
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> Self {
        currency.code().to_owned()
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;

    fn try_from(code: String) -> Result<Self, Self::Error> {
        Self::parse(&code)
    }
}

/// An amount of money: integer minor units (paise for INR) and a currency.
///
/// Arithmetic is checked ([`Money::checked_add`], [`Money::checked_mul`]);
/// amounts of different currencies never mix.
///
/// `Display` uses the currency's symbol; INR groups digits the Indian way
/// (`₹1,25,000`), other currencies by thousands (`$125,000`). Minor units are
/// shown only when non-zero (`₹1,250.50`).
///
/// ```
/// use features::shared::{Currency, Money};
///
/// let bag = Money::parse_major("350", Currency::INR).unwrap();
/// let total = bag.checked_mul(100).unwrap();
/// assert_eq!(total.minor(), 3_500_000);
/// assert_eq!(total.to_string(), "₹35,000");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Amount in minor units (1/100 of the major unit).
    minor: i64,
    /// The currency; arithmetic refuses to mix currencies.
    currency: Currency,
}

/// Why an amount could not be computed or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The two amounts are in different currencies.
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// The result does not fit in 64-bit minor units.
    #[error("amount too large")]
    Overflow,
    /// A negative amount was given where only zero or more makes sense.
    #[error("amount cannot be negative: {0:?}")]
    Negative(String),
    /// More than two digits after the decimal point.
    #[error("amount has more than two decimal places: {0:?}")]
    TooManyDecimals(String),
    /// The text is not a number.
    #[error("not an amount: {0:?}")]
    Invalid(String),
}

impl Money {
    /// An amount of `minor` units (paise, cents).
    #[must_use]
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    #[must_use]
    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The amount in minor units.
    #[must_use]
    pub const fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is below zero.
    #[must_use]
    pub const fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// `self + other`.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`] or [`MoneyError::Overflow`].
    pub fn checked_add(self, other: Self) -> Result<Self, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            });
        }
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, self.currency))
    }

    /// `self × qty`.
    ///
    /// # Errors
    ///
    /// [`MoneyError::Overflow`].
    pub fn checked_mul(self, qty: u32) -> Result<Self, MoneyError> {
        let minor = self
            .minor
            .checked_mul(i64::from(qty))
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, self.currency))
    }

    /// `self × qty`, clamped to the largest representable amount.
    #[must_use]
    pub fn saturating_mul(self, qty: u32) -> Self {
        Self::new(self.minor.saturating_mul(i64::from(qty)), self.currency)
    }

    /// `self + other` clamped to the representable range; `other` is taken
    /// to be in the same currency (only use where that is guaranteed).
    #[must_use]
    pub(crate) fn saturating_add_same(self, other: Self) -> Self {
        Self::new(self.minor.saturating_add(other.minor), self.currency)
    }

    /// Parses an amount in major units as people and spreadsheets write it:
    /// `"350"`, `"350.5"`, `"350.50"`, `"1,250.00"`, `"1,25,000"` (commas are
    /// ignored), optionally preceded by the currency symbol or code
    /// (`"₹350"`, `"INR 350"`).
    ///
    /// # Errors
    ///
    /// [`MoneyError::Negative`] for negative amounts,
    /// [`MoneyError::TooManyDecimals`] for more than two decimals,
    /// [`MoneyError::Overflow`] when too large, [`MoneyError::Invalid`]
    /// otherwise.
    pub fn parse_major(text: &str, currency: Currency) -> Result<Self, MoneyError> {
        let invalid = || MoneyError::Invalid(text.to_owned());
        let mut rest = text.trim();
        for prefix in [currency.symbol(), currency.code()] {
            if let Some(stripped) = rest.strip_prefix(prefix) {
                rest = stripped.trim_start();
                break;
            }
        }
        if rest.starts_with('-') {
            return Err(MoneyError::Negative(text.to_owned()));
        }
        let rest = rest.strip_prefix('+').unwrap_or(rest);
        let (whole, fraction) = match rest.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (rest, None),
        };
        if whole.starts_with(',') || whole.ends_with(',') || whole.contains(",,") {
            return Err(invalid());
        }
        let digits: String = whole.chars().filter(|c| *c != ',').collect();
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let fraction = fraction.unwrap_or("");
        if !fraction.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        if digits.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        if fraction.len() > 2 {
            return Err(MoneyError::TooManyDecimals(text.to_owned()));
        }
        let major: i64 = if digits.is_empty() {
            0
        } else {
            digits.parse().map_err(|_| MoneyError::Overflow)?
        };
        let minor_part: i64 = match fraction.len() {
            0 => 0,
            1 => i64::from(fraction.as_bytes()[0] - b'0') * 10,
            _ => fraction.parse().map_err(|_| invalid())?,
        };
        let minor = major
            .checked_mul(100)
            .and_then(|m| m.checked_add(minor_part))
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(minor, currency))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let abs = self.minor.unsigned_abs();
        let major = abs / 100;
        let cents = abs % 100;
        let sign = if self.minor < 0 { "-" } else { "" };
        let grouped = if self.currency == Currency::INR {
            group_indian(major)
        } else {
            group_thousands(major)
        };
        write!(f, "{sign}{}{grouped}", self.currency.symbol())?;
        if cents != 0 {
            write!(f, ".{cents:02}")?;
        }
        Ok(())
    }
}

/// `12345678` → `"1,23,45,678"`: the last three digits, then pairs.
fn group_indian(n: u64) -> String {
    let digits = n.to_string();
    if digits.len() <= 3 {
        return digits;
    }
    let (head, last3) = digits.split_at(digits.len() - 3);
    let mut groups: Vec<&str> = Vec::new();
    let mut end = head.len();
    while end > 0 {
        let start = end.saturating_sub(2);
        groups.push(&head[start..end]);
        end = start;
    }
    groups.reverse();
    groups.push(last3);
    groups.join(",")
}

/// `1250000` → `"1,250,000"`.
fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut groups: Vec<&str> = Vec::new();
    let mut end = digits.len();
    while end > 0 {
        let start = end.saturating_sub(3);
        groups.push(&digits[start..end]);
        end = start;
    }
    groups.reverse();
    groups.join(",")
}

#[cfg(test)]
// Amounts in paise are written `rupees_paise`: `350_50` is ₹350.50.
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::inconsistent_digit_grouping
)]
mod tests {
    use super::*;

    fn inr(minor: i64) -> Money {
        Money::new(minor, Currency::INR)
    }

    #[test]
    fn inr_uses_indian_grouping() {
        assert_eq!(inr(0).to_string(), "₹0");
        assert_eq!(inr(500_00).to_string(), "₹500");
        assert_eq!(inr(5_000_00).to_string(), "₹5,000");
        assert_eq!(inr(1_25_000_00).to_string(), "₹1,25,000");
        assert_eq!(inr(12_34_56_789_00).to_string(), "₹12,34,56,789");
    }

    #[test]
    fn minor_units_shown_only_when_non_zero() {
        assert_eq!(inr(1_250_50).to_string(), "₹1,250.50");
        assert_eq!(inr(1_250_05).to_string(), "₹1,250.05");
        assert_eq!(inr(1_250_00).to_string(), "₹1,250");
    }

    #[test]
    fn negative_amounts_put_the_sign_before_the_symbol() {
        assert_eq!(inr(-500_00).to_string(), "-₹500");
        assert_eq!(inr(i64::MIN).to_string(), "-₹92,23,37,20,36,85,47,758.08");
    }

    #[test]
    fn other_currencies_group_by_thousands() {
        let usd = Money::new(1_250_000_00, Currency::USD);
        assert_eq!(usd.to_string(), "$1,250,000");
        let eur = Money::new(99_95, Currency::EUR);
        assert_eq!(eur.to_string(), "€99.95");
        let gbp = Money::new(1_000_00, Currency::parse("gbp").unwrap());
        assert_eq!(gbp.to_string(), "GBP1,000");
    }

    #[test]
    fn parse_major_accepts_common_spellings() {
        for (text, minor) in [
            ("350", 350_00),
            ("350.5", 350_50),
            ("350.50", 350_50),
            ("1,250.00", 1_250_00),
            ("1,25,000", 1_25_000_00),
            (" 42 ", 42_00),
            ("0.05", 5),
            (".5", 50),
            ("7.", 7_00),
            ("₹1,250.50", 1_250_50),
            ("INR 10", 10_00),
            ("+3", 3_00),
        ] {
            assert_eq!(
                Money::parse_major(text, Currency::INR),
                Ok(inr(minor)),
                "{text}"
            );
        }
    }

    #[test]
    fn parse_major_rejects_negatives_decimals_and_garbage() {
        assert!(matches!(
            Money::parse_major("-5", Currency::INR),
            Err(MoneyError::Negative(_))
        ));
        assert!(matches!(
            Money::parse_major("1.005", Currency::INR),
            Err(MoneyError::TooManyDecimals(_))
        ));
        for text in [
            "", "abc", "1.2.3", "1e5", ".", ",100", "100,", "1,,0", "12a", "1. 5",
        ] {
            assert!(
                matches!(
                    Money::parse_major(text, Currency::INR),
                    Err(MoneyError::Invalid(_))
                ),
                "{text}"
            );
        }
        assert_eq!(
            Money::parse_major("999999999999999999999", Currency::INR),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(inr(100).checked_add(inr(250)), Ok(inr(350)));
        assert_eq!(inr(350_00).checked_mul(100), Ok(inr(35_000_00)));
        assert_eq!(inr(i64::MAX).checked_add(inr(1)), Err(MoneyError::Overflow));
        assert_eq!(inr(i64::MAX).checked_mul(2), Err(MoneyError::Overflow));
        assert_eq!(
            inr(1).checked_add(Money::new(1, Currency::USD)),
            Err(MoneyError::CurrencyMismatch {
                left: Currency::INR,
                right: Currency::USD
            })
        );
    }

    #[test]
    fn currency_parses_three_letters_only() {
        assert_eq!(Currency::parse("inr"), Ok(Currency::INR));
        assert_eq!(Currency::parse(" Usd "), Ok(Currency::USD));
        for text in ["", "IN", "INRR", "1NR", "₹"] {
            assert!(Currency::parse(text).is_err(), "{text}");
        }
        assert_eq!(Currency::INR.symbol(), "₹");
        assert_eq!(Currency::parse("JPY").unwrap().symbol(), "JPY");
    }

    #[test]
    fn currency_storage_form_is_its_code() {
        assert_eq!(String::from(Currency::INR), "INR");
        assert_eq!(Currency::try_from("eur".to_owned()), Ok(Currency::EUR));
        assert!(Currency::try_from("euro".to_owned()).is_err());
    }
}
