//! The order-message parser: every phrasing of every demo product gives the
//! quantity and a phrase that finds the product; random input never panics.

use features::catalog::{Catalog, ProductMatch, QuantitySpec, demo, parse_request};
use proptest::prelude::*;

/// `1234567` as written by people: plain, `1,234,567` or `12,34,567`.
fn written(q: u64, style: u8) -> String {
    let plain = q.to_string();
    if plain.len() <= 3 || style == 0 {
        return plain;
    }
    let (head, last3) = plain.split_at(plain.len() - 3);
    let size = if style == 1 { 3 } else { 2 };
    let mut groups: Vec<&str> = Vec::new();
    let mut end = head.len();
    while end > 0 {
        let start = end.saturating_sub(size);
        groups.push(&head[start..end]);
        end = start;
    }
    groups.reverse();
    groups.push(last3);
    groups.join(",")
}

/// The supported phrasings of `q` units of `name`.
fn phrasings(name: &str, q: &str, units: &str) -> Vec<String> {
    vec![
        format!("{name} x {q}"),
        format!("{name} x{q}"),
        format!("{q} {name}"),
        format!("{name} {q}"),
        format!("{name} {q} {units}"),
        format!("{q} {units} of {name}"),
        format!("{q} {units} {name}"),
        format!("{} X {q}", name.to_uppercase()),
        format!("{name}: {q}"),
        format!("{q}x {name}"),
        format!("{name} - {q}"),
        format!("{name} × {q}"),
        format!("{name} ×{q}"),
        format!("please send {q} {units} of {name}"),
        format!("mujhe {name} {q} {units} chahiye"),
        format!("I need {name} x {q} pls"),
    ]
}

fn assert_finds(catalog: &Catalog, phrase: &str, name: &str) -> Result<(), TestCaseError> {
    match catalog.find(phrase) {
        ProductMatch::Found(product) => {
            prop_assert_eq!(product.name(), name, "phrase {:?}", phrase)
        }
        other => prop_assert!(false, "phrase {phrase:?} for {name}: {other:?}"),
    }
    Ok(())
}

proptest! {
    #[test]
    fn every_phrasing_gives_the_quantity_and_the_product(
        index in 0..demo::products().len(),
        quantity in 1..=100_000u64,
        phrasing in 0..16usize,
        style in 0..3u8,
    ) {
        let products = demo::products();
        let catalog = Catalog::new(products.clone());
        let product = &products[index];
        let units = product.unit().plural(quantity);
        let text = &phrasings(product.name(), &written(quantity, style), &units)[phrasing];

        let items = parse_request(text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(items.len(), 1, "{:?}: {:?}", text, items);
        prop_assert_eq!(&items[0].quantity, &QuantitySpec::Amount(quantity), "{:?}", text);
        assert_finds(&catalog, &items[0].phrase, product.name())?;
    }

    #[test]
    fn two_items_are_both_read(
        first in 0..demo::products().len(),
        second in 0..demo::products().len(),
        q1 in 1..=100_000u64,
        q2 in 1..=100_000u64,
        separator in prop::sample::select(vec![", ", "; ", " and ", " & ", " + ", "\n", " aur "]),
        phrasing in 0..16usize,
    ) {
        let products = demo::products();
        let catalog = Catalog::new(products.clone());
        let (a, b) = (&products[first], &products[second]);
        let text = format!(
            "{}{separator}{}",
            phrasings(a.name(), &q1.to_string(), &a.unit().plural(q1))[phrasing],
            phrasings(b.name(), &q2.to_string(), &b.unit().plural(q2))[phrasing],
        );
        let items = parse_request(&text).map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
        prop_assert_eq!(items.len(), 2, "{:?}: {:?}", text, items);
        prop_assert_eq!(&items[0].quantity, &QuantitySpec::Amount(q1), "{:?}", text);
        prop_assert_eq!(&items[1].quantity, &QuantitySpec::Amount(q2), "{:?}", text);
        assert_finds(&catalog, &items[0].phrase, a.name())?;
        assert_finds(&catalog, &items[1].phrase, b.name())?;
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let catalog = Catalog::new(demo::products());
        if let Ok(items) = parse_request(&text) {
            prop_assert!(!items.is_empty());
            for item in items {
                prop_assert!(!item.phrase.is_empty());
                let _ = catalog.find(&item.phrase);
            }
        }
        let _ = catalog.find(&text);
    }

    #[test]
    fn order_like_noise_never_panics(text in "[0-9a-z ,.;:x×*=+&\\-\\n]{0,120}") {
        let catalog = Catalog::new(demo::products());
        if let Ok(items) = parse_request(&text) {
            for item in items {
                let _ = catalog.find(&item.phrase);
            }
        }
    }
}
