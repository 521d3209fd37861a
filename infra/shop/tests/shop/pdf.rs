//! Invoice PDFs, read back with a real PDF parser (lopdf).
//!
//! Set `CAMPANILE_PDF_SAMPLES=/some/folder` to keep each test's PDF there
//! for a look.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use features::catalog::{Sku, Unit};
use features::invoices::{
    GstRate, Invoice, InvoiceLine, InvoiceNumber, InvoiceStatus, PriceBasis, TaxSettings,
};
use features::orders::{OrderLine, OrderStatus};
use features::shared::{Currency, Money, OrderId};
use features::testing::fixtures::{self, NOW_MS};
use infra_shop::pdf::{PdfError, ShopDetails, render_invoice};

fn shop() -> ShopDetails {
    ShopDetails {
        name: "Sharma Building Materials".to_owned(),
        address: vec![
            "12, MG Road, Shivajinagar".to_owned(),
            "Bengaluru, Karnataka 560001".to_owned(),
        ],
        phone: Some("+91 80 4123 4567".to_owned()),
        gstin: Some("29AAAAA0000A1Z5".to_owned()),
        time_zone: None,
    }
}

fn order_line(sku: &str, name: &str, unit: &str, quantity: u32, rupees: i64) -> OrderLine {
    OrderLine::new(
        Sku::parse(sku).unwrap(),
        name.to_owned(),
        Unit::parse(unit).unwrap(),
        quantity,
        fixtures::rupees(rupees),
    )
    .unwrap()
}

/// Invoice INV-00042 for a confirmed order 7 of `lines`, issued at the
/// harness's clock with the shop's defaults (18 %, GST included, 15 days).
fn invoice_of(lines: Vec<OrderLine>) -> Invoice {
    let order = fixtures::order(7, fixtures::customer(), OrderStatus::Confirmed, lines);
    let settings = TaxSettings {
        gstin: Some("29ABCDE1234F1Z5".to_owned()),
        ..TaxSettings::default()
    };
    let sand = GstRate::from_basis_points(500).unwrap();
    Invoice::generate_from_order(
        InvoiceNumber::new(42),
        &order,
        &settings,
        |sku| (sku == "SAND-M").then_some(sand),
        NOW_MS,
    )
    .unwrap()
}

/// Cement, sand (at 5 %) and steel: ₹1,20,000 in all.
fn three_line_invoice() -> Invoice {
    invoice_of(vec![
        order_line("CEM-OPC-53", "Cement OPC 53 grade", "bag", 100, 350),
        order_line("SAND-M", "River sand (M-sand)", "cft", 300, 50),
        order_line("TMT-12", "TMT bar 12 mm", "kg", 1_000, 70),
    ])
}

/// Each page's text, in page order; the PDF is kept as `name.pdf` when
/// `CAMPANILE_PDF_SAMPLES` names a folder.
fn read(name: &str, pdf: &[u8]) -> Vec<String> {
    if let Some(folder) = std::env::var_os("CAMPANILE_PDF_SAMPLES") {
        std::fs::write(
            std::path::Path::new(&folder).join(format!("{name}.pdf")),
            pdf,
        )
        .unwrap();
    }
    let document = lopdf::Document::load_mem(pdf).expect("a PDF lopdf can read");
    document
        .get_pages()
        .keys()
        .map(|page| document.extract_text(&[*page]).unwrap())
        .collect()
}

#[test]
fn pdf_of_a_three_line_invoice_is_one_valid_page_with_its_facts() {
    // Arrange
    let invoice = three_line_invoice();

    // Act
    let pdf = render_invoice(&invoice, &shop()).unwrap();

    // Assert
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
    let pages = read("three-lines", &pdf);
    assert_eq!(pages.len(), 1);
    let text = &pages[0];
    for expected in [
        "Sharma Building Materials",
        "Bengaluru, Karnataka 560001",
        "GSTIN: 29ABCDE1234F1Z5",
        "TAX INVOICE",
        "INV-00042",
        "ORD-00007",
        // 2023-11-14T22:13:20Z is already the 15th in India.
        "2023-11-15",
        "2023-11-30",
        "ISSUED",
        "+919876543210",
        "Cement OPC 53 grade",
        "100 bag",
        "18%",
        "5%",
        "1,20,000.00",
        "Rupees One Lakh Twenty Thousand Only",
        "Page 1 of 1",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    assert_eq!(invoice.total().to_string(), "₹1,20,000");
}

#[test]
fn pdf_dates_are_in_the_shops_time_zone() {
    let invoice = three_line_invoice();
    let california = ShopDetails {
        time_zone: Some("America/Los_Angeles".to_owned()),
        ..shop()
    };
    let text = read(
        "los-angeles",
        &render_invoice(&invoice, &california).unwrap(),
    )
    .join("\n");
    // 2023-11-14T22:13:20Z is still the 14th in California.
    assert!(text.contains("2023-11-14"), "{text}");
    assert!(!text.contains("2023-11-15"), "{text}");
    let nowhere = ShopDetails {
        time_zone: Some("Mars/Olympus".to_owned()),
        ..shop()
    };
    assert!(matches!(
        render_invoice(&invoice, &nowhere),
        Err(PdfError::TimeZone { .. })
    ));
}

#[test]
fn pdf_total_in_words_says_the_paise() {
    let invoice = invoice_of(vec![
        order_line("CEM-OPC-53", "Cement", "bag", 100, 350),
        order_line("SAND-M", "Sand", "cft", 300, 50),
        order_line("TMT-12", "TMT bar", "kg", 1_000, 70),
        OrderLine::new(
            Sku::parse("NAIL-1").unwrap(),
            "Nails".to_owned(),
            Unit::parse("kg").unwrap(),
            1,
            Money::new(50_50, Currency::INR),
        )
        .unwrap(),
    ]);
    assert_eq!(invoice.total().to_string(), "₹1,20,050.50");

    let text = read("paise", &render_invoice(&invoice, &shop()).unwrap()).concat();

    assert!(text.contains("1,20,050.50"), "{text}");
    assert!(
        text.contains("Rupees One Lakh Twenty Thousand Fifty and Fifty Paise Only"),
        "{text}"
    );
}

#[test]
fn pdf_of_120_lines_flows_onto_more_pages_with_the_table_heads_repeated() {
    // Arrange
    let lines = (1..=120)
        .map(|n| {
            order_line(
                &format!("TILE-{n}"),
                &format!("Floor tile design {n:03}"),
                "box",
                n,
                900,
            )
        })
        .collect();
    let invoice = invoice_of(lines);

    // Act
    let pages = read("120-lines", &render_invoice(&invoice, &shop()).unwrap());

    // Assert
    let count = pages.len();
    assert!(count >= 2, "{count} pages");
    for (index, text) in pages.iter().enumerate() {
        assert!(
            text.contains("Unit price") || index + 1 == count,
            "page {index}: {text}"
        );
        assert!(text.contains(&format!("Page {} of {count}", index + 1)));
        assert!(text.contains("INV-00042"));
    }
    let all = pages.concat();
    for n in 1..=120 {
        assert!(
            all.contains(&format!("Floor tile design {n:03}")),
            "line {n} lost"
        );
    }
    assert!(pages[count - 1].contains("Amount in words"));
}

#[test]
fn pdf_shows_what_the_builtin_font_cannot_as_transliterations() {
    let invoice = invoice_of(vec![
        order_line("CEM-1", "Ciment Père ₹", "bag", 2, 400),
        order_line("CEM-2", "Цемент सीमेंट 水泥 🧱", "bag", 1, 400),
    ]);

    let text = read("non-ascii", &render_invoice(&invoice, &shop()).unwrap()).concat();

    assert!(text.contains("Ciment P"), "{text}");
    assert!(text.contains("re Rs."), "{text}");
    assert!(text.contains("Tsement"), "{text}");
}

#[test]
fn pdf_long_item_names_are_wrapped_and_cut() {
    let name = format!("Vitrified tile {} last-word", "glossy ".repeat(60));
    let invoice = invoice_of(vec![order_line("TILE-1", &name, "box", 1, 900)]);

    let text = read("long-name", &render_invoice(&invoice, &shop()).unwrap()).concat();

    assert!(text.contains("Vitrified tile glossy"), "{text}");
    assert!(!text.contains("last-word"), "cut after three lines: {text}");
}

#[test]
fn pdf_paid_and_void_invoices_say_so_across_the_page() {
    let mut paid = three_line_invoice();
    paid.mark_as_paid("UPI-5521", NOW_MS + 86_400_000).unwrap();
    let mut void = three_line_invoice();
    void.void("order returned").unwrap();

    let paid = read("paid", &render_invoice(&paid, &shop()).unwrap()).concat();
    let void = read("void", &render_invoice(&void, &shop()).unwrap()).concat();

    assert!(paid.contains("PAID"), "{paid}");
    assert!(
        paid.contains("Paid on 2023-11-16, reference UPI-5521"),
        "{paid}"
    );
    assert!(void.contains("VOID"), "{void}");
    assert!(void.contains("void (order returned)"), "{void}");
}

#[test]
fn pdf_of_an_invoice_with_an_impossible_date_is_an_error() {
    let line = InvoiceLine::new(
        "Cement",
        1,
        "bag",
        fixtures::rupees(350),
        GstRate::from_basis_points(1800).unwrap(),
        PriceBasis::TaxInclusive,
    )
    .unwrap();
    let invoice = Invoice::restore(
        InvoiceNumber::new(9),
        OrderId::new(1),
        fixtures::customer(),
        Currency::INR,
        vec![line],
        None,
        i64::MAX,
        i64::MAX,
        InvoiceStatus::Issued,
    );

    let error = render_invoice(&invoice, &ShopDetails::default()).unwrap_err();

    assert!(
        matches!(
            error,
            PdfError::Date {
                what: "issue date",
                ..
            }
        ),
        "{error:?}"
    );
}

#[test]
fn pdf_is_billed_to_the_buyer_with_their_gstin_when_they_registered() {
    let invoice = three_line_invoice().with_buyer(Some(features::invoices::Buyer {
        name: "Ravi Kumar".to_owned(),
        business: Some("Kumar Traders".to_owned()),
        gstin: Some("27AAPFU0939F1ZV".to_owned()),
        address: "12 MG Road, Pune 411001".to_owned(),
    }));

    let text = read("buyer", &render_invoice(&invoice, &shop()).unwrap()).concat();

    for expected in [
        "Billed to",
        "Ravi Kumar",
        "Kumar Traders",
        "GSTIN: 27AAPFU0939F1ZV",
        "12 MG Road, Pune 411001",
        "WhatsApp +919876543210",
        // The shop's own GSTIN stays in the shop's block.
        "GSTIN: 29ABCDE1234F1Z5",
    ] {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }
    let unregistered = read(
        "no-buyer",
        &render_invoice(&three_line_invoice(), &shop()).unwrap(),
    )
    .concat();
    assert!(!unregistered.contains("27AAPFU0939F1ZV"));
    assert!(unregistered.contains("WhatsApp +919876543210"));
}
