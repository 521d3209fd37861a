//! Numbers, amounts and dates as a language writes them: digit grouping
//! and the calendar day in the shop's time zone (the month's name comes
//! from the bundle's `date` message).

use features::shared::{Currency, Money};

/// How a language groups the digits of a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Grouping {
    /// Numbers as plain digits (`1234567`), amounts as their currency shows
    /// them ([`Money`]'s `Display`: `₹12,34,567`, `$1,234,567`).
    #[default]
    Plain,
    /// The Indian system for numbers and amounts alike: the last three
    /// digits, then pairs (`12,34,567`), in Latin digits.
    Indian,
}

impl Grouping {
    /// A bundle's `number-grouping` message: `indian` or `plain`.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "plain" => Some(Self::Plain),
            "indian" => Some(Self::Indian),
            _ => None,
        }
    }

    /// `n` with its digits grouped.
    pub(crate) fn number(self, n: u64) -> String {
        match self {
            Self::Plain => n.to_string(),
            Self::Indian => indian(n),
        }
    }

    /// `money` with its digits grouped: the sign, the currency's symbol,
    /// the major units, and the minor units when there are any
    /// (`-₹1,23,456.50`).
    pub(crate) fn money(self, money: Money) -> String {
        match self {
            Self::Plain => money.to_string(),
            Self::Indian => {
                let minor = money.minor();
                let abs = minor.unsigned_abs();
                let scale = 10_u64.pow(Currency::MINOR_DIGITS);
                let sign = if minor < 0 { "-" } else { "" };
                let major = indian(abs / scale);
                let symbol = money.currency();
                let symbol = symbol.symbol();
                match abs % scale {
                    0 => format!("{sign}{symbol}{major}"),
                    cents => format!("{sign}{symbol}{major}.{cents:02}"),
                }
            }
        }
    }
}

/// `12345678` → `1,23,45,678`: the last three digits, then pairs.
fn indian(n: u64) -> String {
    let digits = n.to_string();
    let Some(head_len) = digits.len().checked_sub(3).filter(|len| *len > 0) else {
        return digits;
    };
    let (head, last3) = digits.split_at(head_len);
    let mut out = String::with_capacity(digits.len() + digits.len() / 2);
    // An odd-length head starts with a group of one digit.
    for (i, digit) in head.chars().enumerate() {
        if i > 0 && (head_len - i) % 2 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out.push(',');
    out.push_str(last3);
    out
}

/// The calendar day of `ms` (milliseconds since the epoch) in `tz`: day of
/// the month, month (1 to 12), year.
pub(crate) fn day_month_year(ms: i64, tz: &jiff::tz::TimeZone) -> (i8, i8, i16) {
    let zoned = jiff::Timestamp::from_millisecond(ms)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone());
    (zoned.day(), zoned.month(), zoned.year())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indian_grouping_keeps_three_digits_then_pairs() {
        for (n, shown) in [
            (0, "0"),
            (999, "999"),
            (1_000, "1,000"),
            (12_345, "12,345"),
            (123_456, "1,23,456"),
            (1_234_567, "12,34,567"),
            (12_345_678, "1,23,45,678"),
            (u64::MAX, "1,84,46,74,40,73,70,95,51,615"),
        ] {
            assert_eq!(Grouping::Indian.number(n), shown);
        }
        assert_eq!(Grouping::Plain.number(1_234_567), "1234567");
    }

    #[test]
    fn amounts_group_by_language_and_keep_their_sign_and_paise() {
        let inr = |minor| Money::new(minor, Currency::INR);
        let usd = |minor| Money::new(minor, Currency::USD);
        assert_eq!(Grouping::Indian.money(inr(123_456_750)), "₹12,34,567.50");
        assert_eq!(Grouping::Indian.money(inr(-100_000)), "-₹1,000");
        assert_eq!(Grouping::Indian.money(usd(123_456_700)), "$12,34,567");
        // Plain is the currency's own: what English showed before bundles.
        for money in [inr(123_456_750), inr(-100_000), usd(123_456_700), inr(0)] {
            assert_eq!(Grouping::Plain.money(money), money.to_string());
        }
        // INR is grouped the Indian way in every language.
        assert_eq!(
            Grouping::Plain.money(inr(123_456_750)),
            Grouping::Indian.money(inr(123_456_750))
        );
    }

    #[test]
    fn the_day_is_the_shops() {
        let utc = jiff::tz::TimeZone::UTC;
        let kolkata = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
        assert_eq!(day_month_year(1_795_348_800_000, &utc), (22, 11, 2026));
        assert_eq!(day_month_year(0, &utc), (1, 1, 1970));
        // 2026-11-22T20:00:00Z is already the 23rd in India.
        assert_eq!(day_month_year(1_795_377_600_000, &kolkata), (23, 11, 2026));
        // Out of jiff's range: the epoch, never a panic.
        assert_eq!(day_month_year(i64::MAX, &utc), (1, 1, 1970));
    }
}
