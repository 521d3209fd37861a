//! Every language has every message, and every message formats with the
//! arguments the code gives; English reads as before the bundles.

use super::*;

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
