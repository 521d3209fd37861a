//! `Money` formatting and parsing round-trip for every amount.

use features::shared::{Currency, Money};
use proptest::prelude::*;

/// The integer part's digit groups of a formatted amount.
fn groups(formatted: &str, symbol: &str) -> Vec<String> {
    let body = formatted.trim_start_matches('-').trim_start_matches(symbol);
    let whole = body.split('.').next().unwrap();
    whole.split(',').map(str::to_owned).collect()
}

proptest! {
    #[test]
    fn indian_format_shows_the_number(minor in 0..=i64::MAX) {
        let shown = Money::new(minor, Currency::INR).to_string();
        prop_assert!(shown.starts_with('₹'), "{shown}");
        let digits: String = shown.trim_start_matches('₹').chars().filter(|c| *c != ',').collect();
        let expected = if minor % 100 == 0 {
            (minor / 100).to_string()
        } else {
            format!("{}.{:02}", minor / 100, minor % 100)
        };
        prop_assert_eq!(digits, expected);
    }

    #[test]
    fn indian_groups_are_three_then_twos(minor in 0..=i64::MAX) {
        let shown = Money::new(minor, Currency::INR).to_string();
        let groups = groups(&shown, "₹");
        let (first, rest) = groups.split_first().unwrap();
        prop_assert!(!first.is_empty() && first.len() <= 3, "{shown}");
        if let Some((last, middle)) = rest.split_last() {
            prop_assert_eq!(last.len(), 3, "{}", shown);
            prop_assert!(first.len() <= 2, "{shown}");
            prop_assert!(middle.iter().all(|g| g.len() == 2), "{shown}");
        }
        prop_assert!(!first.starts_with('0') || groups.len() == 1, "{shown}");
    }

    #[test]
    fn thousands_groups_for_other_currencies(minor in 0..=i64::MAX) {
        let shown = Money::new(minor, Currency::USD).to_string();
        let groups = groups(&shown, "$");
        let (first, rest) = groups.split_first().unwrap();
        prop_assert!(!first.is_empty() && first.len() <= 3, "{shown}");
        prop_assert!(rest.iter().all(|g| g.len() == 3), "{shown}");
    }

    #[test]
    fn parse_major_reads_back_the_format(minor in 0..=i64::MAX, usd in any::<bool>()) {
        let currency = if usd { Currency::USD } else { Currency::INR };
        let money = Money::new(minor, currency);
        prop_assert_eq!(Money::parse_major(&money.to_string(), currency), Ok(money));
    }

    #[test]
    fn negative_amounts_are_the_positive_with_a_sign(minor in (i64::MIN + 1)..0) {
        let negative = Money::new(minor, Currency::INR).to_string();
        let positive = Money::new(-minor, Currency::INR).to_string();
        prop_assert_eq!(negative, format!("-{positive}"));
    }

    #[test]
    fn parse_major_never_panics(text in "\\PC{0,40}") {
        let _ = Money::parse_major(&text, Currency::INR);
    }
}
