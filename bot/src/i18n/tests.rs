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

fn locale(tag: &str) -> Locale {
    Locale::parse(tag).unwrap()
}

fn texts() -> Texts {
    Texts::embedded(locale("en")).unwrap()
}

fn inr(minor: i64) -> Money {
    Money::new(minor, Currency::INR)
}

fn line(name: &str, unit: &str, quantity: u32, unit_price: Money) -> QuoteLine {
    QuoteLine {
        sku: Sku::parse(&name.to_uppercase()).unwrap(),
        name: name.to_owned(),
        unit: Unit::parse(unit).unwrap(),
        quantity,
        unit_price,
    }
}

fn quote(lines: Vec<QuoteLine>, problems: Vec<QuoteProblem>) -> Quote {
    Quote::new(Currency::INR, lines, problems).unwrap()
}

fn phone() -> CustomerPhone {
    CustomerPhone::parse("+919812345678").unwrap()
}

fn order(id: Option<i64>) -> Order {
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

fn invoice(status: InvoiceStatus) -> Invoice {
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
const NOV_22: i64 = 1_795_348_800_000;

/// Every problem a quote can have, each once.
fn every_problem() -> Vec<QuoteProblem> {
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
fn say_everything(texts: &Texts, locale: &Locale) -> Vec<String> {
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
const SUPPORT_IDS: [&str; 33] = [
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
const FORM_KEYS: [&str; 30] = [
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

#[test]
fn every_language_has_every_message_of_the_default_and_no_other() {
    let texts = texts();
    let default: BTreeSet<&String> = texts.0.default.ids.keys().collect();
    assert!(!texts.0.others.is_empty(), "only one language");
    for bundle in &texts.0.others {
        let ids: BTreeSet<&String> = bundle.ids.keys().collect();
        let missing: Vec<_> = default.difference(&ids).collect();
        let extra: Vec<_> = ids.difference(&default).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", bundle.locale);
        assert!(
            extra.is_empty(),
            "{} has {extra:?}, not in the default",
            bundle.locale
        );
    }
}

#[test]
fn every_message_formats_with_the_arguments_the_code_gives() {
    let texts = texts();
    for (locale, _) in texts.languages() {
        for text in say_everything(&texts, &locale) {
            assert!(!text.trim().is_empty(), "{locale}: an empty text");
        }
        for key in FORM_KEYS {
            assert!(texts.text(&locale, key).is_some(), "{locale} lacks {key}");
        }
    }
    let formatted = tests_only::formatted();
    for bundle in texts.all() {
        for id in bundle.ids.keys() {
            let errors = formatted
                .get(&(bundle.locale.to_string(), id.clone()))
                .unwrap_or_else(|| panic!("{}: {id} is never sent", bundle.locale));
            assert!(errors.is_empty(), "{}: {id}: {errors:?}", bundle.locale);
        }
    }
    // Every form-* message is a key the forms look up.
    let form_ids: BTreeSet<&str> = texts
        .0
        .default
        .ids
        .keys()
        .map(String::as_str)
        .filter(|id| id.starts_with("form-"))
        .collect();
    assert_eq!(form_ids, FORM_KEYS.into_iter().collect());
}

#[test]
fn english_reads_as_it_did_before_the_bundles() {
    let texts = texts();
    let say = texts.say(&Locale::undetermined());
    let tz = jiff::tz::TimeZone::UTC;
    assert_eq!(
        say.greeting(Some("Asha"), true),
        "Hi Asha! Welcome to the Campanile shop! I can take your order right here.\n\n\
• To order, send products and quantities, e.g. \"Cement x 100\" or \"2 bags cement, 5 steel rods and 10 bricks\".\n\
• \"my orders\" shows your recent orders.\n\
• \"cancel order ORD-00012\" cancels an order that hasn't been dispatched.\n\n\
You have an order waiting: reply \"confirm\" to place it or \"cancel\" to discard it."
    );
    assert_eq!(
        say.summary(&quote(
            vec![
                line("Cement", "bag", 1000, inr(35_000)),
                line("Brick", "piece", 1, inr(800)),
            ],
            Vec::new()
        )),
        "Your order summary:\n• Cement: 1000 bags × ₹350 = ₹3,50,000\n• Brick: 1 piece × ₹8 = ₹8\nTotal: ₹3,50,008"
    );
    assert_eq!(
        say.how_to_confirm(false),
        "Tap Confirm to place the order, Edit to change it, or Cancel to discard it."
    );
    assert_eq!(
        say.problems(&quote(Vec::new(), every_problem())),
        "I couldn't find \"sement\" in our catalog.\n\
I couldn't find \"sement\". Did you mean \"Cement\" or \"Cement PPC\"?\n\
\"pipe\" (x 3) could be \"PVC pipe\", \"GI pipe\" or \"CPVC pipe\". Which one?\n\
\"pipe\" could be \"PVC pipe\". Which one?\n\
How many bags of Cement? Send it with the quantity, e.g. \"Cement x 10\".\n\
The quantity of Cement can't be zero.\n\
The quantity of Cement can't be negative.\n\
Cement is sold in whole units; please send a whole number.\n\
That's more Cement than we take in one order over WhatsApp (at most 5000). For bulk orders, please call the shop.\n\
Sorry, Cement is out of stock right now.\n\
Sorry, we only have 1500 of Cement in stock right now.\n\
Sorry, I didn't understand that. To order, send products with quantities, e.g. \"Cement x 100\". Say \"menu\" for help."
    );
    assert_eq!(
        say.confirmed(&order(Some(42))),
        "✅ Order confirmed! Your order number is ORD-00042.\nTotal: ₹35,000.\nYour invoice is being prepared: say \"my invoices\" to see it, \"my orders\" for the order."
    );
    assert!(say.confirmed(&order(None)).contains("number is (pending)."));
    let summary = |items| OrderSummary {
        id: OrderId::new(42),
        number: OrderNumber::from(OrderId::new(42)),
        status: OrderStatus::Confirmed,
        total: inr(3_500_000),
        items,
        created_at_ms: NOV_22,
    };
    assert_eq!(
        say.order_list(&[summary(1), summary(2)], &tz),
        "Your recent orders:\n\
• ORD-00042: confirmed, ₹35,000 (1 item), 22 Nov 2026\n\
• ORD-00042: confirmed, ₹35,000 (2 items), 22 Nov 2026\n\
To cancel one, say \"cancel order <number>\"."
    );
    assert_eq!(
        say.invoice_list(
            &[
                invoice(InvoiceStatus::Issued),
                invoice(InvoiceStatus::Void {
                    reason: "x".to_owned()
                })
            ],
            &tz
        ),
        "Your invoices:\n\
• INV-00007 for ORD-00042: ₹35,000 (incl. GST ₹5,338.98), due 22 Nov 2026\n\
• INV-00007 for ORD-00042: ₹35,000 (incl. GST ₹5,338.98), void"
    );
    assert_eq!(
        say.fix_and_try_again(
            &say.catalog_problem(&CatalogError::Request(ParseError::TooLong {
                chars: 1234,
                max: 1000
            }))
        ),
        "the message is too long (1234 characters, at most 1000). Please send the order again, e.g. \"Cement x 100, 10 bricks\"."
    );
    // The reasons read as the errors' own English.
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
        OrderError::Request(ParseError::TooManyItems { max: 20 }),
    ] {
        assert_eq!(say.order_problem(&error), error.to_string());
    }
    assert_eq!(
        say.invoice_file(
            &say.invoice_summary(
                InvoiceNumber::new(7),
                OrderNumber::from(OrderId::new(42)),
                inr(3_500_000),
                &say.date(NOV_22, &tz)
            ),
            "/tmp/x.pdf"
        ),
        "🧾 Invoice INV-00007 for order ORD-00042: ₹35,000, due 22 Nov 2026.\nPDF: /tmp/x.pdf"
    );
    assert_eq!(
        say.earlier_order_waiting(inr(3_500_000)),
        "\n\nYour earlier order (₹35,000) is still waiting: reply \"confirm\" to place it or \"cancel\" to discard it."
    );
}

#[test]
fn a_hindi_summary_groups_numbers_and_money_the_indian_way() {
    let texts = texts();
    let say = texts.say(&locale("hi"));
    assert_eq!(
        say.summary(&quote(
            vec![
                line("Steel", "rod", 250, inr(493_827)),
                line("Brick", "piece", 1500, inr(800)),
            ],
            Vec::new()
        )),
        "आपके ऑर्डर का सारांश:\n\
• Steel: 250 rods × ₹4,938.27 = ₹12,34,567.50\n\
• Brick: 1,500 pieces × ₹8 = ₹12,000\n\
कुल: ₹12,46,567.50"
    );
    // Whatever the currency, and in English in India too.
    let usd = Money::new(123_456_700, Currency::USD);
    assert_eq!(texts.money(&locale("hi"), usd), "$12,34,567");
    assert_eq!(texts.money(&locale("en-IN"), usd), "$12,34,567");
    assert_eq!(texts.money(&locale("en"), usd), "$1,234,567");
    assert_eq!(texts.number(&locale("en-IN"), 1_234_567), "12,34,567");
    assert_eq!(texts.number(&locale("en"), 1_234_567), "1234567");
    assert_eq!(texts.number(&locale("hi-IN"), 1_234_567), "12,34,567");
}

#[test]
fn a_hindi_date_names_its_month_in_hindi() {
    let texts = texts();
    let utc = jiff::tz::TimeZone::UTC;
    let kolkata = jiff::tz::TimeZone::get("Asia/Kolkata").unwrap();
    assert_eq!(texts.date(&locale("hi"), NOV_22, &utc), "22 नवंबर 2026");
    assert_eq!(texts.date(&locale("hi"), 0, &utc), "1 जनवरी 1970");
    assert_eq!(texts.date(&locale("en"), NOV_22, &utc), "22 Nov 2026");
    assert_eq!(texts.date(&locale("en"), 0, &utc), "1 Jan 1970");
    // 2026-11-22T20:00:00Z is already the 23rd in India.
    assert_eq!(
        texts.date(&locale("hi"), 1_795_377_600_000, &kolkata),
        "23 नवंबर 2026"
    );
    assert_eq!(
        texts.date(&locale("en"), 1_795_377_600_000, &utc),
        "22 Nov 2026"
    );
    let months: Vec<String> = (1..=12)
        .map(|month| {
            let ms = jiff::civil::date(2026, month, 1)
                .to_zoned(utc.clone())
                .unwrap()
                .timestamp()
                .as_millisecond();
            texts.date(&locale("hi"), ms, &utc)
        })
        .collect();
    assert_eq!(months[1], "1 फ़रवरी 2026");
    assert_eq!(months[11], "1 दिसंबर 2026");
    assert_eq!(months.iter().collect::<BTreeSet<_>>().len(), 12);
}

fn sources<'a>(files: &[(&'a str, &'a str)]) -> Vec<Source<'a>> {
    files
        .iter()
        .map(|(language, text)| Source {
            language,
            file: format!("{language}/shop.ftl"),
            text,
        })
        .collect()
}

#[test]
fn a_message_a_language_lacks_comes_from_the_default_language() {
    let texts = Texts::from_sources(
        locale("en"),
        &sources(&[
            (
                "en",
                "language-name = English\nhello = Hello { $name }\nbye = Bye",
            ),
            ("fr", "language-name = Français\nhello = Bonjour { $name }"),
        ]),
    )
    .unwrap();
    let fr = locale("fr");
    assert_eq!(
        texts.get(&fr, "hello", &[("name", "Asha".into())]),
        "Bonjour Asha"
    );
    assert_eq!(texts.get(&fr, "bye", &[]), "Bye");
    // Nowhere: its id, never a panic.
    assert_eq!(texts.get(&fr, "nowhere", &[]), "nowhere");
    // An argument missing: Fluent's best, never a panic.
    assert_eq!(texts.get(&fr, "hello", &[]), "Bonjour {$name}");
}

#[test]
fn an_unknown_locale_is_answered_in_the_default_language() {
    let texts = texts();
    for tag in ["fr", "und", "zh-Hant-TW"] {
        let unknown = locale(tag);
        assert!(!texts.supports(&unknown), "{tag}");
        assert_eq!(texts.resolve(&unknown), locale("en"), "{tag}");
        assert_eq!(texts.say(&unknown).title(Title::Cancel), "Cancel");
    }
    assert_eq!(texts.resolve(&Locale::undetermined()), locale("en"));
    for (tag, resolved) in [("hi", "hi"), ("hi-IN", "hi"), ("HI", "hi"), ("en-IN", "en")] {
        assert!(texts.supports(&locale(tag)), "{tag}");
        assert_eq!(texts.resolve(&locale(tag)), locale(resolved), "{tag}");
    }
    assert_eq!(texts.say(&locale("hi-IN")).title(Title::Cancel), "रद्द करें");
}

#[test]
fn languages_are_listed_by_their_own_names_the_default_first() {
    assert_eq!(
        texts().languages(),
        vec![
            (locale("en"), "English".to_owned()),
            (locale("hi"), "हिन्दी".to_owned()),
        ]
    );
    let hindi_first = Texts::embedded(locale("hi")).unwrap();
    assert_eq!(hindi_first.languages()[0].1, "हिन्दी");
    assert_eq!(hindi_first.default_locale(), &locale("hi"));
    assert_eq!(hindi_first.get(&locale("fr"), "button-edit", &[]), "बदलें");
}

#[test]
fn forms_get_their_texts_with_the_placeholders_left_to_fill() {
    let texts = texts();
    let hi = locale("hi");
    assert_eq!(
        texts.text(&locale("en"), "form-retry").as_deref(),
        Some("{reason}\n\n{question}")
    );
    assert_eq!(
        texts.text(&hi, "form-number-range").as_deref(),
        Some("कृपया {min} से {max} तक की कोई संख्या भेजें।")
    );
    assert_eq!(
        texts.text(&hi, "form-summary-line").as_deref(),
        Some("*{label}:* {answer}")
    );
    assert_eq!(
        texts.text(&hi, "form-use-the-buttons").as_deref(),
        Some("कृपया \"पुष्टि करें\", \"बदलें\" या \"रद्द करें\" दबाएँ।")
    );
    assert_eq!(texts.text(&hi, "signup-name-question"), None);
    // English matches the framework's own defaults.
    let defaults = framework::form::FormTexts::default();
    let en = locale("en");
    for (key, own) in [
        ("form-retry", &defaults.retry),
        ("form-optional-question", &defaults.optional_question),
        ("form-not-a-number", &defaults.not_a_number),
        ("form-summary", &defaults.summary),
        ("form-summary-line", &defaults.summary_line),
        ("form-use-the-buttons", &defaults.use_the_buttons),
        ("form-cancelled", &defaults.cancelled),
        ("form-lost", &defaults.lost),
        ("form-not-a-date", &defaults.not_a_date),
    ] {
        assert_eq!(texts.text(&en, key).as_ref(), Some(own), "{key}");
    }
}

#[test]
fn a_bad_bundle_is_refused_naming_the_file_and_the_message() {
    let en = || locale("en");
    let build = |files: &[(&str, &str)]| Texts::from_sources(en(), &sources(files)).unwrap_err();
    let broken = build(&[("en", "language-name = English\n\nbroken = { $x\n")]);
    assert!(
        matches!(&broken, I18nError::Syntax { file, line: 3, .. } if file == "en/shop.ftl"),
        "{broken:?}"
    );
    assert!(
        build(&[("en", "language-name = English\n\nbroken = { $x\n")])
            .to_string()
            .starts_with("locales/en/shop.ftl:3: ")
    );
    assert_eq!(
        build(&[("en", "language-name = English\nhi = a\nhi = b")]),
        I18nError::Duplicate {
            file: "en/shop.ftl".to_owned(),
            id: "hi".to_owned()
        }
    );
    assert_eq!(
        build(&[("en", "hello = Hello")]),
        I18nError::NoLanguageName {
            language: "en".to_owned()
        }
    );
    assert_eq!(
        build(&[("en", "language-name = English\nnumber-grouping = lakh")]),
        I18nError::Grouping {
            language: "en".to_owned(),
            value: "lakh".to_owned()
        }
    );
    assert_eq!(
        build(&[("english", "language-name = English")]),
        I18nError::Language {
            dir: "english".to_owned()
        }
    );
    assert_eq!(
        build(&[("hi", "language-name = हिन्दी")]),
        I18nError::NoDefault { default: en() }
    );
}
