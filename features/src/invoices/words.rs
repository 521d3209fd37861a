//! Amounts in words, the line Indian invoices print under the total
//! ("Rupees One Lakh Twenty Thousand Fifty and Fifty Paise Only").
//!
//! Rupees are counted the Indian way (thousand, lakh, crore); other
//! currencies the international way (thousand, million, billion), as
//! [`Money`]'s `Display` groups their digits.
//!
//! ```
//! use features::invoices::amount_in_words;
//! use features::shared::{Currency, Money};
//!
//! assert_eq!(
//!     amount_in_words(Money::new(12_005_050, Currency::INR)),
//!     "Rupees One Lakh Twenty Thousand Fifty and Fifty Paise Only"
//! );
//! assert_eq!(
//!     amount_in_words(Money::new(125_000_099, Currency::USD)),
//!     "US Dollars One Million Two Hundred Fifty Thousand and Ninety Nine Cents Only"
//! );
//! ```

use crate::shared::{Currency, Money};

/// `amount` in words, ending in "Only", as invoices and cheques write it.
///
/// - Rupees: `Rupees … and … Paise Only`, in lakh and crore; a whole
///   amount has no paise part (`Rupees Five Hundred Only`), an amount
///   below one rupee no rupee part (`Fifty Paise Only`, `One Paisa Only`),
///   and zero is `Rupees Zero Only`. Beyond 99 crore the crores are
///   counted in words again (`One Hundred Crore`, `One Lakh Crore`).
/// - US dollars, euros and pounds by name (`US Dollars … and … Cents
///   Only`, `Euros …`, `Pounds Sterling … and … Pence Only`), in
///   millions and billions.
/// - Any other currency by its code, with the minor units as a fraction
///   (`AED One Thousand and 50/100 Only`).
///
/// A negative amount (a credit) starts with `Minus`. Every amount
/// [`Money`] can hold is spelled out: this never panics.
#[must_use]
pub fn amount_in_words(amount: Money) -> String {
    let currency = amount.currency();
    let names = Names::of(&currency);
    // `unsigned_abs` keeps `i64::MIN` representable.
    let minor = amount.minor().unsigned_abs();
    let (major, fraction) = (minor / 100, minor % 100);
    let fraction_text = format!("{fraction:02}/100");

    let mut out: Vec<&str> = Vec::new();
    if amount.is_negative() {
        out.push("Minus");
    }
    let fraction_only = major == 0 && fraction != 0 && names.minor.is_named();
    if !fraction_only {
        out.push(names.major);
        if major == 0 {
            out.push("Zero");
        } else if names.indian {
            indian(major, &mut out);
        } else {
            international(major, &mut out);
        }
    }
    if fraction != 0 {
        if !fraction_only {
            out.push("and");
        }
        match names.minor {
            Minor::Named { one, many } => {
                below_hundred(fraction, &mut out);
                out.push(if fraction == 1 { one } else { many });
            }
            Minor::Fraction => out.push(&fraction_text),
        }
    }
    out.push("Only");
    out.join(" ")
}

/// What a currency's units are called, and how its amounts are counted.
struct Names<'a> {
    major: &'a str,
    minor: Minor,
    indian: bool,
}

/// How the minor units are said.
#[derive(Clone, Copy)]
enum Minor {
    /// In words with a name: "Fifty Paise", "One Cent".
    Named {
        one: &'static str,
        many: &'static str,
    },
    /// As a fraction of a hundred: "50/100".
    Fraction,
}

impl Minor {
    fn is_named(self) -> bool {
        matches!(self, Self::Named { .. })
    }
}

impl<'a> Names<'a> {
    fn of(currency: &'a Currency) -> Self {
        let (major, minor) = match currency.code() {
            "INR" => ("Rupees", ("Paisa", "Paise")),
            "USD" => ("US Dollars", ("Cent", "Cents")),
            "EUR" => ("Euros", ("Cent", "Cents")),
            "GBP" => ("Pounds Sterling", ("Penny", "Pence")),
            code => {
                return Self {
                    major: code,
                    minor: Minor::Fraction,
                    indian: false,
                };
            }
        };
        Self {
            major,
            minor: Minor::Named {
                one: minor.0,
                many: minor.1,
            },
            indian: *currency == Currency::INR,
        }
    }
}

/// `n` (> 0) in crore, lakh, thousand and hundreds.
fn indian(n: u64, out: &mut Vec<&str>) {
    let crore = n / 10_000_000;
    let rest = n % 10_000_000;
    if crore > 0 {
        // At most 1.8 × 10¹² crore for a u64: two more levels of recursion.
        indian(crore, out);
        out.push("Crore");
    }
    for (count, name) in [(rest / 100_000, "Lakh"), (rest / 1_000 % 100, "Thousand")] {
        if count > 0 {
            below_hundred(count, out);
            out.push(name);
        }
    }
    below_thousand(rest % 1_000, out);
}

/// `n` (> 0) in quadrillions down to hundreds.
fn international(n: u64, out: &mut Vec<&str>) {
    const QUADRILLION: u64 = 1_000_000_000_000_000;
    let top = n / QUADRILLION;
    if top > 0 {
        // Above 999 only past 10¹⁸: said again in words, like crores.
        international(top, out);
        out.push("Quadrillion");
    }
    for (scale, name) in [
        (1_000_000_000_000, "Trillion"),
        (1_000_000_000, "Billion"),
        (1_000_000, "Million"),
        (1_000, "Thousand"),
    ] {
        let count = n / scale % 1_000;
        if count > 0 {
            below_thousand(count, out);
            out.push(name);
        }
    }
    below_thousand(n % 1_000, out);
}

/// `n` (< 1000) in words; nothing for zero.
fn below_thousand(n: u64, out: &mut Vec<&str>) {
    let hundreds = n / 100 % 10;
    if hundreds > 0 {
        out.push(small(hundreds));
        out.push("Hundred");
    }
    below_hundred(n % 100, out);
}

/// `n` (< 100) in words; nothing for zero.
fn below_hundred(n: u64, out: &mut Vec<&str>) {
    match n {
        0 => {}
        1..=19 => out.push(small(n)),
        _ => {
            out.push(tens(n / 10));
            let units = n % 10;
            if units > 0 {
                out.push(small(units));
            }
        }
    }
}

fn small(n: u64) -> &'static str {
    match n {
        1 => "One",
        2 => "Two",
        3 => "Three",
        4 => "Four",
        5 => "Five",
        6 => "Six",
        7 => "Seven",
        8 => "Eight",
        9 => "Nine",
        10 => "Ten",
        11 => "Eleven",
        12 => "Twelve",
        13 => "Thirteen",
        14 => "Fourteen",
        15 => "Fifteen",
        16 => "Sixteen",
        17 => "Seventeen",
        18 => "Eighteen",
        19 => "Nineteen",
        _ => "Zero",
    }
}

fn tens(n: u64) -> &'static str {
    match n {
        2 => "Twenty",
        3 => "Thirty",
        4 => "Forty",
        5 => "Fifty",
        6 => "Sixty",
        7 => "Seventy",
        8 => "Eighty",
        _ => "Ninety",
    }
}

#[cfg(test)]
// Amounts in minor units are written `major_minor`: `1_20_050_50` is
// ₹1,20,050.50.
#[allow(clippy::unwrap_used, clippy::inconsistent_digit_grouping)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn inr(minor: i64) -> Money {
        Money::new(minor, Currency::INR)
    }

    #[test]
    fn words_rupees_the_indian_way() {
        for (minor, expected) in [
            (
                1_20_050_50,
                "Rupees One Lakh Twenty Thousand Fifty and Fifty Paise Only",
            ),
            (0, "Rupees Zero Only"),
            (1_00, "Rupees One Only"),
            (101_00, "Rupees One Hundred One Only"),
            (
                35_150_00,
                "Rupees Thirty Five Thousand One Hundred Fifty Only",
            ),
            (1_00_000_00, "Rupees One Lakh Only"),
            (10_00_000_00, "Rupees Ten Lakh Only"),
            (
                99_99_999_99,
                "Rupees Ninety Nine Lakh Ninety Nine Thousand Nine Hundred Ninety Nine \
                 and Ninety Nine Paise Only",
            ),
            (1_00_00_000_00, "Rupees One Crore Only"),
            (
                12_34_56_789_00,
                "Rupees Twelve Crore Thirty Four Lakh Fifty Six Thousand Seven Hundred \
                 Eighty Nine Only",
            ),
            (1_00_00_00_000_00, "Rupees One Hundred Crore Only"),
            (1_00_000_00_00_000_00, "Rupees One Lakh Crore Only"),
            (1_010_01, "Rupees One Thousand Ten and One Paisa Only"),
        ] {
            assert_eq!(amount_in_words(inr(minor)), expected, "{minor}");
        }
    }

    #[test]
    fn words_paise_alone_without_rupees() {
        assert_eq!(amount_in_words(inr(50)), "Fifty Paise Only");
        assert_eq!(amount_in_words(inr(1)), "One Paisa Only");
        assert_eq!(amount_in_words(inr(-5)), "Minus Five Paise Only");
    }

    #[test]
    fn words_negative_amounts_start_with_minus() {
        assert_eq!(
            amount_in_words(inr(-500_00)),
            "Minus Rupees Five Hundred Only"
        );
    }

    #[test]
    fn words_other_currencies_by_name_or_code() {
        let usd = Money::new(1_250_000_99, Currency::USD);
        assert_eq!(
            amount_in_words(usd),
            "US Dollars One Million Two Hundred Fifty Thousand and Ninety Nine Cents Only"
        );
        assert_eq!(
            amount_in_words(Money::new(1, Currency::EUR)),
            "One Cent Only"
        );
        let gbp = Currency::parse("GBP").unwrap();
        assert_eq!(
            amount_in_words(Money::new(1_000_50, gbp)),
            "Pounds Sterling One Thousand and Fifty Pence Only"
        );
        let aed = Currency::parse("aed").unwrap();
        assert_eq!(
            amount_in_words(Money::new(1_000_50, aed)),
            "AED One Thousand and 50/100 Only"
        );
        assert_eq!(
            amount_in_words(Money::new(7, aed)),
            "AED Zero and 07/100 Only"
        );
        assert_eq!(
            amount_in_words(Money::new(12_000_000_000_00, Currency::USD)),
            "US Dollars Twelve Billion Only"
        );
    }

    #[test]
    fn words_the_extremes_without_panicking() {
        assert_eq!(
            amount_in_words(inr(i64::MAX)),
            "Rupees Nine Hundred Twenty Two Crore Thirty Three Lakh Seventy Two Thousand \
             Thirty Six Crore Eighty Five Lakh Forty Seven Thousand Seven Hundred Fifty \
             Eight and Seven Paise Only"
        );
        assert!(
            amount_in_words(inr(i64::MIN))
                .starts_with("Minus Rupees Nine Hundred Twenty Two Crore")
        );
        assert_eq!(
            amount_in_words(Money::new(i64::MAX, Currency::USD)),
            "US Dollars Ninety Two Quadrillion Two Hundred Thirty Three Trillion Seven \
             Hundred Twenty Billion Three Hundred Sixty Eight Million Five Hundred Forty \
             Seven Thousand Seven Hundred Fifty Eight and Seven Cents Only"
        );
    }

    proptest! {
        #[test]
        fn words_any_amount_reads_cleanly(
            minor in any::<i64>(),
            code in prop::sample::select(vec!["INR", "USD", "EUR", "GBP", "JPY"]),
        ) {
            let money = Money::new(minor, Currency::parse(code).unwrap());
            let words = amount_in_words(money);
            prop_assert!(words.ends_with(" Only"), "{words}");
            prop_assert_eq!(words.starts_with("Minus "), minor < 0);
            prop_assert!(!words.contains("  ") && !words.starts_with(' '), "{words}");
            if minor.unsigned_abs() >= 100 {
                prop_assert!(!words.contains("Zero"), "{words}");
            }
        }
    }
}
