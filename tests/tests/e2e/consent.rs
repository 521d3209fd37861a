//! Opt-out everywhere (issue 15): STOP is confirmed once, replies still
//! work, START opts back in; CANCEL and YES keep their order meanings when
//! a cart is open.

use features::customers::{Consent, ConsentSource, GetConsent, OptOutScope};
use features::shared::CustomerPhone;

use crate::support::{CUSTOMER, spawn_bot};

const CONFIRMATION: &str =
    "You won't get offers or campaign messages from us any more. Reply START to opt back in.";

fn customer() -> CustomerPhone {
    CustomerPhone::parse(CUSTOMER).unwrap()
}

#[tokio::test]
async fn stop_is_confirmed_once_replies_still_work_and_start_opts_back_in() {
    let bot = spawn_bot().await;
    let customers = &bot.services.shop.customers;
    assert!(customers.may_receive_marketing(&customer()).await.unwrap());

    let stopped = bot.ask_twilio("STOP").await;
    assert!(stopped.contains(CONFIRMATION), "{stopped}");
    let Consent::OptedOut(opt_out) = customers
        .consent(GetConsent {
            customer: customer(),
        })
        .await
        .unwrap()
    else {
        panic!("STOP opts out");
    };
    assert_eq!(opt_out.scope, OptOutScope::All);
    assert_eq!(opt_out.source, ConsentSource::Keyword("STOP".to_owned()));
    assert!(!customers.may_receive_marketing(&customer()).await.unwrap());

    // Again (any case, spaces around): no second confirmation.
    let again = bot.ask_twilio("  stop ").await;
    assert!(again.contains("already opted out"), "{again}");
    assert!(!again.contains(CONFIRMATION), "{again}");

    // Their own messages still get answers.
    let summary = bot.ask_twilio("Cement x 100").await;
    assert!(
        summary.contains("Cement") && summary.contains("Total: ₹35,000"),
        "{summary}"
    );
    // Two words are no keyword; "stop reminders" is its own opt-out.
    let please = bot.ask_twilio("STOP PLEASE").await;
    assert!(!please.contains("opted out"), "{please}");
    let reminders = bot.ask_twilio("stop reminders").await;
    assert!(reminders.contains("no more reminders"), "{reminders}");

    let started = bot.ask_twilio("Start").await;
    assert!(started.contains("Welcome back"), "{started}");
    assert!(customers.may_receive_marketing(&customer()).await.unwrap());
    // START again is the greeting it always was.
    let hello = bot.ask_twilio("START").await;
    assert!(!hello.contains("Welcome back"), "{hello}");

    let all = bot.twilio_texts(0).await;
    assert_eq!(
        all.iter().filter(|t| t.contains(CONFIRMATION)).count(),
        1,
        "confirmed once: {all:#?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn cancel_discards_an_open_cart_and_opts_out_without_one_and_yes_opts_back_in() {
    let bot = spawn_bot().await;
    let customers = &bot.services.shop.customers;

    let summary = bot.ask_twilio("Cement x 10").await;
    assert!(summary.contains("Cement"), "{summary}");
    let discarded = bot.ask_twilio("cancel").await;
    assert!(discarded.contains("discarded"), "{discarded}");
    assert!(
        customers.may_receive_marketing(&customer()).await.unwrap(),
        "a cart's cancel is no opt-out"
    );

    let cancelled = bot.ask_twilio("Cancel").await;
    assert!(cancelled.contains(CONFIRMATION), "{cancelled}");
    assert!(
        cancelled.contains("cancel order"),
        "how to cancel an order: {cancelled}"
    );
    assert!(!customers.may_receive_marketing(&customer()).await.unwrap());

    let yes = bot.ask_twilio("yes").await;
    assert!(yes.contains("Welcome back"), "{yes}");
    assert!(customers.may_receive_marketing(&customer()).await.unwrap());
    bot.stop().await;
}
