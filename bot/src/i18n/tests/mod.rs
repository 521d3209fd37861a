//! The bundles' tests: every language complete and every message formatted
//! with what the code gives (`coverage`), numbers, money and dates per
//! language (`formatting`), and what happens when a message, a language or
//! a bundle is missing or wrong (`fallback`). The fixtures below are theirs.

mod coverage;
mod fallback;
mod formatting;

use std::collections::BTreeSet;

use features::catalog::{
    CatalogError, ParseError, QuantitySpec, Quote, QuoteLine, QuoteProblem, Sku, Unit,
};
use features::invoices::{GstRate, Invoice, InvoiceLine, InvoiceNumber, InvoiceStatus, PriceBasis};
use features::orders::{Order, OrderError, OrderLine, OrderStatus, OrderSummary};
use features::shared::{Currency, CustomerPhone, Money, OrderId, OrderNumber};
use framework::locale::{Locale, Localizer};

use super::bundles::{Source, tests_only};
use super::*;

pub(super) fn locale(tag: &str) -> Locale {
    Locale::parse(tag).unwrap()
}

pub(super) fn texts() -> Texts {
    Texts::embedded(locale("en")).unwrap()
}

pub(super) fn inr(minor: i64) -> Money {
    Money::new(minor, Currency::INR)
}

pub(super) fn line(name: &str, unit: &str, quantity: u32, unit_price: Money) -> QuoteLine {
    QuoteLine {
        sku: Sku::parse(&name.to_uppercase()).unwrap(),
        name: name.to_owned(),
        unit: Unit::parse(unit).unwrap(),
        quantity,
        unit_price,
    }
}

pub(super) fn quote(lines: Vec<QuoteLine>, problems: Vec<QuoteProblem>) -> Quote {
    Quote::new(Currency::INR, lines, problems).unwrap()
}

pub(super) fn phone() -> CustomerPhone {
    CustomerPhone::parse("+919812345678").unwrap()
}

pub(super) fn order(id: Option<i64>) -> Order {
    let lines = vec![
        OrderLine::new(
            Sku::parse("CEMENT").unwrap(),
            "Cement".to_owned(),
            Unit::parse("bag").unwrap(),
            100,
            inr(35_000),
        )
        .unwrap(),
    ];
    match id {
        Some(id) => Order::restore(
            OrderId::new(id),
            phone(),
            Currency::INR,
            OrderStatus::Confirmed,
            lines,
            0,
        ),
        None => Order::draft(phone(), Currency::INR, 0),
    }
}

pub(super) fn invoice(status: InvoiceStatus) -> Invoice {
    let line = InvoiceLine::new(
        "Cement",
        100,
        "bag",
        inr(35_000),
        GstRate::from_basis_points(1800).unwrap(),
        PriceBasis::TaxInclusive,
    )
    .unwrap();
    Invoice::restore(
        InvoiceNumber::new(7),
        OrderId::new(42),
        phone(),
        Currency::INR,
        vec![line],
        None,
        0,
        NOV_22,
        status,
    )
}

/// 2026-11-22T12:00:00Z.
pub(super) const NOV_22: i64 = 1_795_348_800_000;

/// Every problem a quote can have, each once.
pub(super) fn every_problem() -> Vec<QuoteProblem> {
    let product = || "Cement".to_owned();
    vec![
        QuoteProblem::NotFound {
            phrase: "sement".to_owned(),
            suggestions: Vec::new(),
        },
        QuoteProblem::NotFound {
            phrase: "sement".to_owned(),
            suggestions: vec!["Cement".to_owned(), "Cement PPC".to_owned()],
        },
        QuoteProblem::Ambiguous {
            phrase: "pipe".to_owned(),
            quantity: QuantitySpec::Amount(3),
            options: vec![
                (Sku::parse("PVC").unwrap(), "PVC pipe".to_owned()),
                (Sku::parse("GI").unwrap(), "GI pipe".to_owned()),
                (Sku::parse("CPVC").unwrap(), "CPVC pipe".to_owned()),
            ],
        },
        QuoteProblem::Ambiguous {
            phrase: "pipe".to_owned(),
            quantity: QuantitySpec::Missing,
            options: vec![(Sku::parse("PVC").unwrap(), "PVC pipe".to_owned())],
        },
        QuoteProblem::MissingQuantity {
            product: product(),
            unit: Unit::parse("bag").unwrap(),
        },
        QuoteProblem::ZeroQuantity { product: product() },
        QuoteProblem::NegativeQuantity { product: product() },
        QuoteProblem::FractionalQuantity { product: product() },
        QuoteProblem::TooMany {
            product: product(),
            max: 5000,
        },
        QuoteProblem::OutOfStock {
            product: product(),
            available: 0,
        },
        QuoteProblem::OutOfStock {
            product: product(),
            available: 1500,
        },
        QuoteProblem::NotUnderstood,
    ]
}

/// Every text the code sends, through every method, in `locale`.
pub(super) fn say_everything(texts: &Texts, locale: &Locale) -> Vec<String> {
    let say = texts.say(locale);
    let tz = jiff::tz::TimeZone::UTC;
    let number = InvoiceNumber::new(7);
    let order_number = OrderNumber::from(OrderId::new(42));
    let summary = say.invoice_summary(number, order_number, inr(3_500_000), &say.date(NOV_22, &tz));
    let summary_of = |status, items| OrderSummary {
        id: OrderId::new(42),
        number: order_number,
        status,
        total: inr(3_500_000),
        items,
        created_at_ms: NOV_22,
    };
    let mut out = vec![
        say.greeting(None, false),
        say.greeting(Some("Asha"), true),
        say.place_this_order(),
        say.how_to_confirm(true),
        say.how_to_confirm(false),
        say.summary(&quote(
            vec![line("Cement", "bag", 100, inr(35_000))],
            Vec::new(),
        )),
        say.problems(&quote(Vec::new(), every_problem())),
        say.not_understood(),
        say.try_again(),
        say.text_only(),
        say.earlier_order_waiting(inr(3_500_000)),
        say.discarded(),
        say.nothing_to_discard(),
        say.nothing_to_edit(),
        say.send_the_correction(),
        say.nothing_to_confirm(),
        say.out_of_stock_now(3, "Cement"),
        say.which_order(),
        say.order_cancelled(order_number, None),
        say.order_cancelled(order_number, Some(number)),
        say.order_not_found(order_number),
        say.order_already_cancelled(order_number),
        say.order_cannot_be_cancelled(order_number, OrderStatus::Dispatched),
        say.confirmed(&order(Some(42))),
        say.confirmed(&order(None)),
        say.order_list(&[], &tz),
        say.order_list(
            &[
                summary_of(OrderStatus::Confirmed, 1),
                summary_of(OrderStatus::Delivered, 3),
            ],
            &tz,
        ),
        say.invoice_list(&[], &tz),
        say.invoice_list(
            &[
                invoice(InvoiceStatus::Issued),
                invoice(InvoiceStatus::Paid {
                    reference: "UPI-1".to_owned(),
                    paid_at_ms: NOV_22,
                }),
                invoice(InvoiceStatus::Void {
                    reason: "order cancelled".to_owned(),
                }),
            ],
            &tz,
        ),
        say.invoice_list_and_how_to_resend("…"),
        say.invoice_not_found(number),
        say.invoice_void(number),
        say.sending_invoice_again(number),
        say.invoice_caption(&summary),
        say.invoice_file(&summary, "/tmp/INV-00007.pdf"),
        summary,
        say.opted_out(),
        say.already_opted_out(),
        say.discarded_on_opt_out(),
        say.how_to_cancel_an_order(),
        say.opted_in(),
        say.already_opted_in(),
        say.reminders_stopped(),
        say.reminders_started(),
        say.payment_reminder(number, inr(3_500_000), "22 Nov 2026"),
        say.shop_reminder("The shop is closed on Sunday."),
        say.apology(),
        say.slow_down(),
    ];
    out.extend([Title::Confirm, Title::Edit, Title::Cancel, Title::Choose].map(|t| say.title(t)));
    for status in OrderStatus::ALL {
        out.push(say.order_status(status));
    }
    for error in [
        ParseError::Nothing,
        ParseError::TooLong {
            chars: 1234,
            max: 1000,
        },
        ParseError::TooManyItems { max: 20 },
    ] {
        out.push(
            say.fix_and_try_again(&say.catalog_problem(&CatalogError::Request(error.clone()))),
        );
        out.push(say.cannot_place(&say.order_problem(&OrderError::Request(error))));
    }
    for error in [
        OrderError::EmptyOrder,
        OrderError::InvalidQuantity,
        OrderError::InvalidTransition {
            from: OrderStatus::Cancelled,
            to: OrderStatus::Confirmed,
        },
        OrderError::CannotCancel {
            status: OrderStatus::Delivered,
        },
        OrderError::AlreadyCancelled,
        OrderError::NotFound,
        OrderError::OutOfStock {
            sku: Sku::parse("CEMENT").unwrap(),
            available: 2,
        },
        OrderError::StockChanged {
            product: "Cement".to_owned(),
            available: 2,
        },
        OrderError::Conflict,
    ] {
        out.push(say.cannot_place(&say.order_problem(&error)));
    }
    // support.ftl: the language choice, the profile form, support and
    // handoff, as `language`, `flows::profile`, `flows::support` and
    // `handoff` ask for them (the form's through its localizer).
    for id in SUPPORT_IDS {
        out.push(texts.get(locale, id, &[]));
    }
    out.push(texts.get(locale, "profile-saved", &[("name", "Asha".into())]));
    out
}

/// The messages of support.ftl that take no argument.
pub(super) const SUPPORT_IDS: [&str; 33] = [
    "language-choose",
    "language-button",
    "language-set",
    "language-words",
    "language-aliases",
    "profile-start-words",
    "profile-before-first-order",
    "profile-name-question",
    "profile-name-label",
    "profile-business-question",
    "profile-business-label",
    "profile-gstin-question",
    "profile-gstin-label",
    "profile-address-question",
    "profile-address-label",
    "profile-language-question",
    "profile-language-label",
    "gstin-length",
    "gstin-state",
    "gstin-pan",
    "gstin-entity",
    "gstin-check",
    "handoff-offer",
    "handoff-offer-yes",
    "handoff-offer-no",
    "handoff-declined",
    "handoff-words",
    "handoff-bot-words",
    "handoff-opened",
    "handoff-already",
    "handoff-released",
    "handoff-released-idle",
    "handoff-left",
];

/// The keys of `framework::form::localize` that every language gives.
pub(super) const FORM_KEYS: [&str; 30] = [
    "form-retry",
    "form-optional-question",
    "form-first-question",
    "form-cannot-skip",
    "form-not-text",
    "form-text-length",
    "form-not-a-number",
    "form-number-range",
    "form-not-an-option",
    "form-not-a-date",
    "form-date-range",
    "form-not-a-phone",
    "form-not-an-email",
    "form-no-match",
    "form-summary",
    "form-summary-line",
    "form-skipped",
    "form-use-the-buttons",
    "form-confirm-button",
    "form-edit-button",
    "form-cancel-button",
    "form-pick-field",
    "form-list-button",
    "form-cancelled",
    "form-too-many-attempts",
    "form-expired",
    "form-lost",
    "form-back-words",
    "form-skip-words",
    "form-cancel-words",
];
