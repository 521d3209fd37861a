//! Every parser of outside input returns an error instead of panicking.

use features::catalog::{Sku, Unit, parse_csv};
use features::shared::{Currency, CustomerPhone, OrderNumber};
use proptest::prelude::*;

proptest! {
    #[test]
    fn value_parsers_never_panic(text in "\\PC{0,40}") {
        let _ = CustomerPhone::parse(&text);
        let _ = OrderNumber::parse(&text);
        let _ = Currency::parse(&text);
        let _ = Sku::parse(&text);
        let _ = Unit::parse(&text);
    }

    #[test]
    fn phone_parse_accepts_every_e164_number(first in 1..=9u8, rest in "[0-9]{7,14}") {
        let e164 = format!("+{first}{rest}");
        let phone = CustomerPhone::parse(&format!("whatsapp:{e164}")).unwrap();
        prop_assert_eq!(phone.as_str(), e164.as_str());
    }

    #[test]
    fn csv_import_never_panics(body in "[a-zA-Z0-9,|\" \\n.\\-₹]{0,300}") {
        let csv = format!("sku,name,aliases,unit,price,stock\n{body}");
        let report = parse_csv(&csv, Currency::INR).unwrap();
        for row in report.rejected {
            prop_assert!(row.line >= 2, "line {}", row.line);
            prop_assert!(!row.reason.is_empty());
        }
    }
}
