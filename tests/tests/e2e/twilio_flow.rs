//! The shop conversation over Twilio: numbered menus, replies sent through
//! the Messages API (the fake), empty TwiML answers.

use features::catalog::ImportCatalog;
use features::shared::Currency;
use framework::testing::twilio::TwilioWebhook;
use http::StatusCode;
use infra_sql::messages::Direction;

use crate::support::{BUSINESS, CUSTOMER, spawn_bot, spawn_bot_with};

#[tokio::test]
async fn cement_x_100_to_order_confirmed_then_listed_and_cancelled() {
    let bot = spawn_bot().await;

    // Customer: "Cement x 100" → the summary with prices, total and a numbered menu.
    let summary = bot.ask_twilio("Cement x 100").await;
    assert!(summary.contains("Cement"), "{summary}");
    assert!(summary.contains("100 bags"), "{summary}");
    assert!(summary.contains("₹350"), "unit price: {summary}");
    assert!(
        summary.contains("Total: ₹35,000"),
        "Indian-formatted total: {summary}"
    );
    assert!(
        summary.contains("1. Confirm") && summary.contains("2. Cancel"),
        "{summary}"
    );
    assert!(
        !summary.contains("Edit"),
        "Twilio's menu is confirm/cancel: {summary}"
    );

    // "1" confirms.
    let confirmed = bot.ask_twilio("1").await;
    assert!(confirmed.contains("Order confirmed"), "{confirmed}");
    assert!(confirmed.contains("ORD-00001"), "{confirmed}");
    assert!(confirmed.contains("₹35,000"), "{confirmed}");

    // The order is stored with its lines and prices.
    let orders = bot.orders_of(CUSTOMER).await;
    assert_eq!(orders.len(), 1);
    assert_eq!(orders[0].status, features::orders::OrderStatus::Confirmed);
    assert_eq!(orders[0].total.minor(), 3_500_000);

    let list = bot.ask_twilio("my orders").await;
    assert!(
        list.contains("ORD-00001") && list.contains("confirmed"),
        "{list}"
    );

    let cancelled = bot.ask_twilio("cancel order ORD-00001").await;
    assert!(cancelled.contains("ORD-00001 is cancelled"), "{cancelled}");
    let again = bot.ask_twilio("cancel order 1").await;
    assert!(again.contains("already cancelled"), "{again}");
    bot.stop().await;
}

#[tokio::test]
async fn several_items_typos_and_a_total() {
    let bot = spawn_bot().await;
    let products = bot
        .services
        .shop
        .catalog
        .list(features::catalog::ListProducts)
        .await
        .unwrap();
    let price = |needle: &str| {
        products
            .iter()
            .find(|p| p.name().to_lowercase() == needle)
            .unwrap_or_else(|| {
                panic!(
                    "demo catalog has {needle}: {:?}",
                    products.iter().map(|p| p.name()).collect::<Vec<_>>()
                )
            })
            .price()
    };
    let expected = price("cement")
        .checked_mul(2)
        .unwrap()
        .checked_add(price("steel rod").checked_mul(5).unwrap())
        .unwrap()
        .checked_add(price("red bricks").checked_mul(10).unwrap())
        .unwrap();

    let summary = bot
        .ask_twilio("2 bags cemnt, 5 steel rods and 10 brics")
        .await;
    assert!(
        summary.contains(&format!("Total: {expected}")),
        "expected {expected}: {summary}"
    );
    assert!(
        summary.contains("2 bags") && summary.contains("5 rods") && summary.contains("10 pieces"),
        "{summary}"
    );

    // "cancel" discards the cart.
    let discarded = bot.ask_twilio("2").await;
    assert!(discarded.contains("discarded"), "{discarded}");
    let nothing = bot.ask_twilio("confirm").await;
    assert!(nothing.contains("no order waiting"), "{nothing}");
    bot.stop().await;
}

#[tokio::test]
async fn unknown_ambiguous_and_bad_quantities_get_clear_answers_and_no_order() {
    let bot = spawn_bot_with(|s| s.shop.max_quantity = 500).await;

    let unknown = bot.ask_twilio("unobtainium x 5").await;
    assert!(unknown.contains("couldn't find"), "{unknown}");

    // Not close enough to match, close enough to suggest.
    let suggestion = bot.ask_twilio("briks mortar x 5").await;
    assert!(
        suggestion.contains("Did you mean \"Red Bricks\"?"),
        "{suggestion}"
    );

    let zero = bot.ask_twilio("cement x 0").await;
    assert!(zero.contains("can't be zero"), "{zero}");

    let negative = bot.ask_twilio("cement x -5").await;
    assert!(negative.contains("negative"), "{negative}");

    let absurd = bot.ask_twilio("cement x 100000").await;
    assert!(absurd.contains("at most 500"), "{absurd}");

    let missing = bot.ask_twilio("cement").await;
    assert!(missing.contains("How many"), "{missing}");

    // A question the FAQ cannot answer (and no order in it): how to order,
    // and the offer of a person.
    let gibberish = bot.ask_twilio("what is the weather like?").await;
    assert!(
        gibberish.contains("talk to a person") && gibberish.contains("Cement x 100"),
        "{gibberish}"
    );

    // Ambiguous: the bot asks which one (a numbered list on Twilio); "2" picks.
    let question = bot.ask_twilio("pipe x 3").await;
    assert!(question.contains("Which one"), "{question}");
    assert!(
        question.contains("1.") && question.contains("2."),
        "numbered: {question}"
    );
    let summary = bot.ask_twilio("2").await;
    assert!(summary.contains("3 "), "{summary}");
    assert!(summary.contains("Total:"), "{summary}");

    let orders = bot.orders_of(CUSTOMER).await;
    assert!(orders.is_empty(), "no order from any of these: {orders:?}");
    bot.stop().await;
}

#[tokio::test]
async fn out_of_stock_is_refused_at_quote_and_at_confirm() {
    let bot = spawn_bot().await;
    let csv = "sku,name,aliases,unit,price,stock\nRARE-1,Rare Marble,marble,piece,1200,5\n";
    bot.services
        .shop
        .catalog
        .import(ImportCatalog {
            csv: csv.to_owned(),
            currency: Currency::INR,
            replace: false,
        })
        .await
        .unwrap();

    let refused = bot.ask_twilio("marble x 6").await;
    assert!(refused.contains("only have 5"), "{refused}");

    // Two customers race for the last 5: the second confirm finds them gone.
    let summary = bot.ask_twilio("marble x 5").await;
    assert!(summary.contains("Total: ₹6,000"), "{summary}");
    let other = TwilioWebhook::text("+919800000001", BUSINESS, "marble x 4");
    assert_eq!(bot.twilio(&other).await.0, StatusCode::OK);
    let other_confirm = TwilioWebhook::text("+919800000001", BUSINESS, "confirm");
    assert_eq!(bot.twilio(&other_confirm).await.0, StatusCode::OK);
    // The webhook answers once a message is recorded: wait for the other
    // customer's confirmation to have run.
    crate::support::wait_for(|| {
        bot.twilio
            .texts_to("+919800000001")
            .iter()
            .any(|t| t.contains("Order confirmed"))
            .then_some(())
    })
    .await
    .expect("the other customer's order was confirmed");
    let late = bot.ask_twilio("confirm").await;
    assert!(late.contains("only have 1"), "{late}");
    bot.stop().await;
}

#[tokio::test]
async fn a_duplicate_webhook_gets_one_reply() {
    let bot = spawn_bot().await;
    let order = TwilioWebhook::text(CUSTOMER, BUSINESS, "Cement x 100");
    assert_eq!(bot.twilio(&order).await.0, StatusCode::OK);
    assert_eq!(
        bot.twilio(&order).await.0,
        StatusCode::OK,
        "a retry is acknowledged"
    );
    bot.twilio_texts(1).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        bot.twilio.texts_to(CUSTOMER).len(),
        1,
        "one reply: {:?}",
        bot.twilio.texts_to(CUSTOMER)
    );
    let inbound = bot
        .log()
        .await
        .into_iter()
        .filter(|r| r.direction() == Direction::In)
        .count();
    assert_eq!(inbound, 1, "logged once");
    bot.stop().await;
}

#[tokio::test]
async fn the_cart_lives_as_long_as_the_session() {
    // Real time (the server runs on its own clock): a TTL long enough for
    // two round trips under load, and a wait well past it.
    let bot = spawn_bot_with(|s| s.pipeline.session_ttl = std::time::Duration::from_secs(2)).await;
    bot.ask_twilio("Cement x 10").await;
    tokio::time::sleep(std::time::Duration::from_millis(2600)).await;
    let later = bot.ask_twilio("confirm").await;
    assert!(
        later.contains("no order waiting"),
        "the cart expired with the session: {later}"
    );

    bot.ask_twilio("Cement x 10").await;
    let soon = bot.ask_twilio("confirm").await;
    assert!(
        soon.contains("Order confirmed"),
        "within the TTL the cart is kept: {soon}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn media_and_greetings() {
    let bot = spawn_bot().await;
    let hello = bot.ask_twilio("hi").await;
    assert!(hello.starts_with("Hi Asha!"), "{hello}");
    assert!(
        hello.contains("Cement x 100"),
        "the greeting says how to order: {hello}"
    );

    let before = bot.twilio.texts_to(CUSTOMER).len();
    let photo = TwilioWebhook::media(
        CUSTOMER,
        BUSINESS,
        "https://api.twilio.com/media/ME1",
        "image/jpeg",
    );
    assert_eq!(bot.twilio(&photo).await.0, StatusCode::OK);
    let texts = bot.twilio_texts(before + 1).await;
    assert!(texts[before].contains("as text"), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn an_order_too_long_to_read_gets_a_clear_answer_not_an_apology() {
    let bot = spawn_bot().await;
    let items: Vec<String> = (1..=60).map(|i| format!("cement x {i}")).collect();
    let answer = bot.ask_twilio(&items.join(", ")).await;
    assert!(!answer.contains("went wrong"), "{answer}");
    assert!(answer.contains("50"), "says the limit: {answer}");
    bot.stop().await;
}

#[tokio::test]
async fn cancel_order_without_a_number_discards_the_open_cart() {
    let bot = spawn_bot().await;
    bot.ask_twilio("Cement x 10").await;
    let problem = bot.ask_twilio("unobtainium x 2").await;
    assert!(
        problem.contains("still waiting"),
        "the open cart is mentioned: {problem}"
    );
    let cancelled = bot.ask_twilio("cancel my order").await;
    assert!(cancelled.contains("discarded"), "{cancelled}");
    bot.ask_twilio("Cement x 10").await;
    let cancelled = bot.ask_twilio("cancel order").await;
    assert!(cancelled.contains("discarded"), "{cancelled}");
    let nothing = bot.ask_twilio("yes").await;
    assert!(nothing.contains("no order waiting"), "{nothing}");
    bot.stop().await;
}

/// A confirmed order gets its invoice in the background (the
/// `process-order` job, enqueued in the confirming turn), with GST inside
/// the quoted total; "my invoices" lists it.
#[tokio::test]
async fn a_confirmed_order_gets_one_invoice_listed_by_my_invoices() {
    let bot = spawn_bot().await;
    bot.ask_twilio("Cement x 100").await;
    let confirmed = bot.ask_twilio("1").await;
    assert!(confirmed.contains("my invoices"), "{confirmed}");

    let customer = features::shared::CustomerPhone::parse(CUSTOMER).unwrap();
    let invoices = crate::support::wait_for_async(|| async {
        let found = bot
            .services
            .invoices
            .customer_invoices(features::invoices::CustomerInvoices {
                customer: customer.clone(),
                limit: 10,
            })
            .await
            .unwrap();
        (!found.is_empty()).then_some(found)
    })
    .await
    .expect("the invoice was issued within seconds");
    assert_eq!(invoices.len(), 1, "one invoice per order");
    let invoice = &invoices[0];
    assert_eq!(invoice.number().to_string(), "INV-00001");
    assert_eq!(invoice.total().to_string(), "₹35,000", "the quoted total");
    assert_eq!(
        invoice.taxable().minor() + invoice.cgst().minor() + invoice.sgst().minor(),
        3_500_000
    );

    let listed = bot.ask_twilio("my invoices").await;
    assert!(
        listed.contains("INV-00001 for ORD-00001: ₹35,000 (incl. GST ₹5,338.98)"),
        "{listed}"
    );

    // Cancelling the order voids its invoice, in the same turn.
    let cancelled = bot.ask_twilio("cancel order ORD-00001").await;
    assert!(
        cancelled.contains("cancelled, and its invoice INV-00001 is void"),
        "{cancelled}"
    );
    let listed = bot.ask_twilio("my invoices").await;
    assert!(
        listed.contains("INV-00001") && listed.contains("void"),
        "{listed}"
    );
    bot.stop().await;
}
