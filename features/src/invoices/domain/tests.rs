use super::*;
use crate::catalog::{Sku, Unit};
use crate::orders::OrderLine;

fn inr(minor: i64) -> Money {
    Money::new(minor, Currency::INR)
}

fn rate(bp: u32) -> GstRate {
    GstRate::from_basis_points(bp).unwrap()
}

#[test]
fn gst_rates_read_as_percentages() {
    for (text, bp) in [
        ("18", 1800),
        ("0.25", 25),
        ("5%", 500),
        (" 12 ", 1200),
        ("3.0", 300),
    ] {
        assert_eq!(text.parse::<GstRate>().ok(), Some(rate(bp)), "{text}");
    }
    for text in ["eighteen", "", "%", "1.234", "-5", ".5"] {
        assert!(
            matches!(text.parse::<GstRate>(), Err(InvoiceError::BadGstRate(t)) if t == text),
            "{text}"
        );
    }
    assert!(matches!(
        "17".parse::<GstRate>(),
        Err(InvoiceError::UnknownGstRate(1700))
    ));

    // The same rate as text and as numbers, as a settings file may write it.
    use serde::Deserialize as _;
    use serde::de::IntoDeserializer as _;
    type Error = serde::de::value::Error;
    let text = |v: &str| GstRate::deserialize(v.into_deserializer()).map_err(|e: Error| e);
    assert_eq!(text("18%").unwrap(), rate(1800));
    assert_eq!(
        GstRate::deserialize(28_u64.into_deserializer()).map_err(|e: Error| e),
        Ok(rate(2800))
    );
    assert_eq!(
        GstRate::deserialize(0.25_f64.into_deserializer()).map_err(|e: Error| e),
        Ok(rate(25))
    );
    let refused = text("17").unwrap_err().to_string();
    assert!(refused.contains("1700 basis points"), "{refused}");
}

fn confirmed_order() -> Order {
    let mut order = Order::draft(
        CustomerPhone::parse("+919812345678").unwrap(),
        Currency::INR,
        0,
    );
    order
        .add_item(
            OrderLine::new(
                Sku::parse("CEM-OPC-53").unwrap(),
                "Cement".to_owned(),
                Unit::parse("bag").unwrap(),
                100,
                inr(35_000),
            )
            .unwrap(),
        )
        .unwrap();
    order
        .add_item(
            OrderLine::new(
                Sku::parse("SAND-M").unwrap(),
                "River Sand".to_owned(),
                Unit::parse("cft").unwrap(),
                3,
                inr(5_000),
            )
            .unwrap(),
        )
        .unwrap();
    let mut order = order.with_id(OrderId::new(42));
    order.confirm().unwrap();
    order
}

#[test]
fn inclusive_prices_keep_the_quoted_total_and_show_the_tax_inside() {
    // ₹35,000 at 18 % inclusive: taxable 35,00,000 × 100/118 paise.
    let line = InvoiceLine::new(
        "Cement",
        100,
        "bag",
        inr(35_000),
        rate(1800),
        PriceBasis::TaxInclusive,
    )
    .unwrap();
    assert_eq!(line.total, inr(3_500_000), "what the customer was quoted");
    assert_eq!(line.taxable, inr(2_966_102));
    assert_eq!(line.cgst.minor() + line.sgst.minor(), 533_898);
    assert_eq!((line.cgst, line.sgst), (inr(266_949), inr(266_949)));
}

#[test]
fn exclusive_prices_add_the_tax_and_an_odd_paisa_goes_to_sgst() {
    let line = InvoiceLine::new(
        "Tile",
        1,
        "piece",
        inr(1_001),
        rate(500),
        PriceBasis::TaxExclusive,
    )
    .unwrap();
    // 5 % of ₹10.01 = 50.05 paise → 50; 25 + 25.
    assert_eq!(line.taxable, inr(1_001));
    assert_eq!((line.cgst, line.sgst), (inr(25), inr(25)));
    assert_eq!(line.total, inr(1_051));
    let odd = InvoiceLine::new(
        "X",
        1,
        "piece",
        inr(1_020),
        rate(500),
        PriceBasis::TaxExclusive,
    )
    .unwrap();
    // 51 paise of tax: 25 CGST, 26 SGST.
    assert_eq!((odd.cgst, odd.sgst), (inr(25), inr(26)));
}

#[test]
fn an_invoice_from_a_confirmed_order_has_its_lines_taxes_and_due_date() {
    let settings = TaxSettings {
        gstin: Some("29ABCDE1234F1Z5".to_owned()),
        ..TaxSettings::default()
    };
    let invoice = Invoice::generate_from_order(
        InvoiceNumber::new(7),
        &confirmed_order(),
        &settings,
        |sku| (sku == "SAND-M").then(|| rate(500)),
        1_000,
    )
    .unwrap();
    assert_eq!(invoice.number().to_string(), "INV-00007");
    assert_eq!(invoice.order(), OrderId::new(42));
    assert_eq!(invoice.lines().len(), 2);
    assert_eq!(invoice.lines()[1].rate, rate(500), "the product's own rate");
    assert_eq!(invoice.lines()[0].rate, rate(1800), "the shop's default");
    assert_eq!(invoice.total(), inr(3_515_000), "the order's total");
    assert_eq!(
        invoice.taxable().minor() + invoice.cgst().minor() + invoice.sgst().minor(),
        invoice.total().minor()
    );
    assert_eq!(invoice.due_at_ms(), 1_000 + 15 * DAY_MS);
    assert_eq!(invoice.gstin(), Some("29ABCDE1234F1Z5"));
    assert!(invoice.awaits_payment());
}

#[test]
fn only_confirmed_orders_are_invoiced() {
    let draft = Order::draft(
        CustomerPhone::parse("+919812345678").unwrap(),
        Currency::INR,
        0,
    )
    .with_id(OrderId::new(3));
    assert!(matches!(
        Invoice::generate_from_order(
            InvoiceNumber::new(1),
            &draft,
            &TaxSettings::default(),
            |_| None,
            0
        ),
        Err(InvoiceError::OrderNotConfirmed(id)) if id == OrderId::new(3)
    ));
}

#[test]
fn paid_and_void_are_final() {
    let new = || {
        Invoice::generate_from_order(
            InvoiceNumber::new(1),
            &confirmed_order(),
            &TaxSettings::default(),
            |_| None,
            0,
        )
        .unwrap()
    };
    let mut paid = new();
    assert!(matches!(
        paid.mark_as_paid("  ", 5),
        Err(InvoiceError::MissingReference)
    ));
    paid.mark_as_paid("UPI-123", 5).unwrap();
    assert_eq!(paid.status().as_str(), "paid");
    assert!(!paid.awaits_payment(), "no reminder for a paid invoice");
    assert!(matches!(
        paid.mark_as_paid("UPI-124", 6),
        Err(InvoiceError::AlreadyPaid(n)) if n == InvoiceNumber::new(1)
    ));
    assert!(matches!(
        paid.void("mistake"),
        Err(InvoiceError::AlreadyPaid(n)) if n == InvoiceNumber::new(1)
    ));

    let mut void = new();
    void.void("order returned").unwrap();
    assert!(!void.awaits_payment(), "no reminder for a void invoice");
    assert!(matches!(
        void.mark_as_paid("UPI-1", 1),
        Err(InvoiceError::IsVoid(n)) if n == InvoiceNumber::new(1)
    ));
}

#[test]
fn invoice_numbers_read_as_customers_type_them() {
    assert_eq!(
        InvoiceNumber::parse("INV-00042"),
        Some(InvoiceNumber::new(42))
    );
    assert_eq!(
        InvoiceNumber::parse("invoice 42"),
        Some(InvoiceNumber::new(42))
    );
    assert_eq!(InvoiceNumber::parse("inv42"), Some(InvoiceNumber::new(42)));
    assert_eq!(InvoiceNumber::parse("INV-0"), None);
    assert_eq!(InvoiceNumber::parse("ORD-42"), None);
    assert_eq!(InvoiceNumber::new(123_456).to_string(), "INV-123456");
}

#[test]
fn only_real_gst_rates_are_accepted() {
    assert_eq!(rate(1800).to_string(), "18%");
    assert_eq!(rate(25).to_string(), "0.25%");
    assert!(matches!(
        GstRate::from_basis_points(1700),
        Err(InvoiceError::UnknownGstRate(1700))
    ));
}
