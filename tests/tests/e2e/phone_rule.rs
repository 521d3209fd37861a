//! One phone-number rule: the framework's `PhoneNumber` (every sender the
//! webhooks accept) and the shop's `CustomerPhone` (every customer of an
//! order) agree on every input.
//!
//! Regression (issue 11): `PhoneNumber` took 7 digits and a leading 0,
//! `CustomerPhone` neither, so a sender the webhook accepted could fail in a
//! handler and get an apology. Neither crate may depend on the other, so the
//! two parsers stay separate and this test, in a crate that sees both, keeps
//! them equal.

use features::shared::CustomerPhone;
use framework::PhoneNumber;
use proptest::prelude::*;

/// What the framework makes of `input`: its canonical form, or refused.
fn framework(input: &str) -> Option<String> {
    PhoneNumber::parse(input)
        .ok()
        .map(|n| n.as_str().to_owned())
}

/// What the shop makes of `input`: its canonical form, or refused.
fn shop(input: &str) -> Option<String> {
    CustomerPhone::parse(input)
        .ok()
        .map(|n| n.as_str().to_owned())
}

/// Pieces of phone-number-like text: digits most of the time, separators,
/// prefixes in several spellings, and characters no number has.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        12 => "[0-9]{1,4}",
        3 => prop::sample::select(vec![" ", "-", ".", "(", ")", "+"]).prop_map(str::to_owned),
        2 => prop::sample::select(vec![
            "whatsapp:", "WhatsApp:", "WHATSAPP:", "whatsapp: ", "whatsapp", "whatsap:", "wa:",
        ])
        .prop_map(str::to_owned),
        1 => prop::sample::select(vec![
            "\t", "\n", "\u{a0}", "\u{3000}", "/", "#", "*", "x", "e", "₹", "٣", "０", "😀",
        ])
        .prop_map(str::to_owned),
    ]
}

/// Text built from [`piece`]s after an optional prefix and with optional
/// surrounding space: mostly phone-number-like, often valid.
fn number_like() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec![
            "",
            "",
            "",
            "+",
            "whatsapp:",
            "whatsapp:+",
            "WhatsApp: +",
            " whatsapp:+",
            "++",
            "0",
        ]),
        prop::collection::vec(piece(), 0..8),
        prop::sample::select(vec!["", "", " ", "\n"]),
    )
        .prop_map(|(prefix, pieces, suffix)| format!("{prefix}{}{suffix}", pieces.concat()))
}

/// A valid number (7 to 15 digits, no leading 0) spelled with separators
/// between its digits, and its canonical form.
fn spelled_valid_number() -> impl Strategy<Value = (String, String)> {
    (
        "[1-9][0-9]{6,14}",
        prop::collection::vec(
            prop::sample::select(vec!["", "", "", " ", "-", ".", "(", ")"]),
            15,
        ),
        prop::sample::select(vec!["", "+", "whatsapp:+", "WhatsApp: +"]),
    )
        .prop_map(|(digits, separators, prefix)| {
            let spelled: String = digits
                .chars()
                .zip(separators)
                .map(|(d, s)| format!("{d}{s}"))
                .collect();
            (format!("{prefix}{spelled}"), format!("+{digits}"))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn both_parsers_agree_on_arbitrary_text(input in any::<String>()) {
        prop_assert_eq!(framework(&input), shop(&input), "input {:?}", input);
    }

    #[test]
    fn both_parsers_agree_on_number_like_text(input in number_like()) {
        let (f, s) = (framework(&input), shop(&input));
        prop_assert_eq!(&f, &s, "input {:?}", input);
        // What is accepted is canonical for both: it parses to itself.
        if let Some(canonical) = f {
            prop_assert_eq!(framework(&canonical), Some(canonical.clone()));
            prop_assert_eq!(shop(&canonical), Some(canonical.clone()));
        }
    }

    #[test]
    fn both_accept_every_valid_number_however_it_is_spelled(
        (input, canonical) in spelled_valid_number(),
    ) {
        prop_assert_eq!(framework(&input), Some(canonical.clone()), "input {:?}", input);
        prop_assert_eq!(shop(&input), Some(canonical), "input {:?}", input);
    }

    #[test]
    fn both_refuse_a_leading_zero_and_lengths_outside_7_to_15(
        zero in "0[0-9]{6,14}",
        short in "[1-9][0-9]{0,5}",
        long in "[1-9][0-9]{15,20}",
    ) {
        for input in [zero, short, long] {
            for spelled in [input.clone(), format!("+{input}"), format!("whatsapp:+{input}")] {
                prop_assert_eq!(framework(&spelled), None, "input {:?}", spelled);
                prop_assert_eq!(shop(&spelled), None, "input {:?}", spelled);
            }
        }
    }
}

#[test]
fn the_rule_at_its_edges() {
    for (input, expected) in [
        // 7 digits exist (Niue +683, St Helena +290).
        ("+6834001", Some("+6834001")),
        ("+290 22 001", Some("+29022001")),
        ("+123456789012345", Some("+123456789012345")),
        ("+1234567890123456", None),
        ("+123456", None),
        ("+0123456789", None),
        ("whatsapp:+0123456789", None),
        ("WHATSAPP: +91 (98123) 45-678", Some("+919812345678")),
        ("whatsapp:", None),
        ("+", None),
        ("", None),
        // Only one `+`, only ASCII digits.
        ("++919812345678", None),
        ("+91981234567٨", None),
    ] {
        assert_eq!(
            framework(input).as_deref(),
            expected,
            "framework: {input:?}"
        );
        assert_eq!(shop(input).as_deref(), expected, "shop: {input:?}");
    }
}
