//! Templates outside the 24-hour window in the customer's language where
//! the shop has them approved in it (`CAMPANILE_TEMPLATE_LANGUAGES`, issue
//! 17): a customer who reads Hindi gets the `hi` invoice template with a
//! Hindi due date on Meta, and the Hindi Content SID on Twilio
//! (`TWILIO_CONTENT_SIDS`); without a Hindi SID for a template, the English
//! one (never a dead letter); with the setting unset, English as before.

use std::time::Duration;

use features::customers::{Language, SetLanguage};
use features::invoices::InvoiceNumber;
use features::shared::CustomerPhone;
use framework::testing::meta::MetaMessage;
use http::StatusCode;
use infra_providers::testing::RecordedRequest;
use sea_orm::{ConnectionTrait, Statement};

use crate::meta_flow::{WA_ID, hook};
use crate::support::{Bot, CUSTOMER, spawn_bot_with, wait_for};

/// Whether `text` has Devanagari in it (a date with a Hindi month name).
fn devanagari(text: &str) -> bool {
    text.chars().any(|c| ('\u{0900}'..='\u{097F}').contains(&c))
}

/// The customer reads Hindi from now on.
async fn reads_hindi(bot: &Bot) {
    bot.services
        .shop
        .customers
        .set_language(SetLanguage {
            customer: CustomerPhone::parse(CUSTOMER).unwrap(),
            language: Language::parse("hi").unwrap(),
        })
        .await
        .unwrap();
}

/// Moves the customer's messages 25 hours into the past: the 24-hour
/// customer-service window is closed.
async fn close_the_window(bot: &Bot) {
    let conn = bot.services.db.connection();
    conn.execute_raw(Statement::from_string(
        conn.get_database_backend(),
        "UPDATE messages SET created_at_ms = created_at_ms - 90000000 WHERE direction = 'in'"
            .to_owned(),
    ))
    .await
    .unwrap();
}

/// The messages of `kind` the fake Meta accepted, as JSON.
fn meta_of_kind(bot: &Bot, kind: &str) -> Vec<serde_json::Value> {
    bot.meta
        .accepted()
        .into_iter()
        .filter_map(|r| r.json)
        .filter(|j| j["type"] == kind)
        .collect()
}

/// Over Meta: orders and confirms, waits for the invoice's document (in the
/// window), makes the customer a Hindi reader, closes the window and sends
/// the invoice again; returns its template.
async fn invoice_template_over_meta(bot: &Bot) -> serde_json::Value {
    let (status, _) = bot
        .meta(&hook(MetaMessage::text(WA_ID, "Cement x 100")))
        .await;
    assert_eq!(status, StatusCode::OK);
    bot.meta_texts(CUSTOMER, 1).await;
    let (status, _) = bot
        .meta(&hook(MetaMessage::button_reply(
            WA_ID, "confirm", "Confirm",
        )))
        .await;
    assert_eq!(status, StatusCode::OK);
    wait_for(|| (!meta_of_kind(bot, "document").is_empty()).then_some(()))
        .await
        .expect("inside the window the invoice is a document");
    reads_hindi(bot).await;
    close_the_window(bot).await;
    bot::jobs::send_invoice::enqueue(&bot.services.jobs, InvoiceNumber::new(1), "later")
        .await
        .unwrap();
    let templates = wait_for(|| {
        let t = meta_of_kind(bot, "template");
        (!t.is_empty()).then_some(t)
    })
    .await
    .expect("outside the window, the template");
    assert_eq!(templates.len(), 1, "{templates:?}");
    templates[0]["template"].clone()
}

/// The template's body parameters' texts.
fn body_texts(template: &serde_json::Value) -> Vec<String> {
    template["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "body")
        .and_then(|c| c["parameters"].as_array())
        .unwrap()
        .iter()
        .map(|p| p["text"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_meta_a_hindi_reader_gets_the_hindi_template_where_it_is_approved() {
    let bot = spawn_bot_with(|s| {
        s.shop.quiet_hours = None;
        s.shop.template_languages = vec!["en".to_owned(), "hi".to_owned()];
    })
    .await;
    let template = invoice_template_over_meta(&bot).await;
    assert_eq!(template["name"], "invoice_ready", "{template}");
    assert_eq!(template["language"]["code"], "hi", "{template}");
    let values = body_texts(&template);
    assert_eq!(values[0], "INV-00001", "{template}");
    assert!(devanagari(&values[2]), "the due date in Hindi: {template}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_meta_without_template_languages_the_template_stays_english() {
    let bot = spawn_bot_with(|s| s.shop.quiet_hours = None).await;
    let template = invoice_template_over_meta(&bot).await;
    assert_eq!(template["name"], "invoice_ready", "{template}");
    assert_eq!(template["language"]["code"], "en", "{template}");
    let due = &body_texts(&template)[2];
    assert!(
        due.is_ascii() && !due.is_empty(),
        "the due date in English: {template}"
    );
    bot.stop().await;
}

fn field<'a>(r: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    r.fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Waits for `n` job messages (invoices, reminders) at the fake Twilio.
async fn twilio_job_messages(bot: &Bot, n: usize) -> Vec<RecordedRequest> {
    wait_for(|| {
        let sent = bot.twilio_job_messages();
        (sent.len() >= n).then_some(sent)
    })
    .await
    .unwrap_or_else(|| panic!("fewer than {n} job messages: {:?}", bot.twilio.requests()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_twilio_a_hindi_reader_gets_the_hindi_sid_else_the_english_one() {
    let bot = spawn_bot_with(|s| {
        s.shop.quiet_hours = None;
        s.shop.payment_reminder_after = Some(Duration::from_secs(4));
        s.shop.template_languages = vec!["en".to_owned(), "hi".to_owned()];
        s.shop.twilio_invoice_content_sid = Some("HXinvoice".to_owned());
        s.shop.twilio_reminder_content_sid = Some("HXreminder".to_owned());
        // A Hindi invoice template; no Hindi payment reminder.
        s.shop.twilio_content_sids = vec!["invoice_ready:hi=HXinvoicehi".parse().unwrap()];
    })
    .await;
    bot.ask_twilio("Cement x 100").await;
    let confirmed = bot.ask_twilio("1").await;
    assert!(confirmed.contains("Order confirmed"), "{confirmed}");
    let sent = twilio_job_messages(&bot, 1).await;
    assert!(
        field(&sent[0], "ContentSid").is_none(),
        "in the window: the document"
    );
    reads_hindi(&bot).await;
    close_the_window(&bot).await;

    // The invoice again: the Hindi template, its due date in Hindi.
    bot::jobs::send_invoice::enqueue(&bot.services.jobs, InvoiceNumber::new(1), "later")
        .await
        .unwrap();
    let sent = twilio_job_messages(&bot, 2).await;
    assert_eq!(field(&sent[1], "ContentSid"), Some("HXinvoicehi"));
    let variables: serde_json::Value =
        serde_json::from_str(field(&sent[1], "ContentVariables").unwrap()).unwrap();
    assert_eq!(variables["1"], "INV-00001");
    assert!(
        devanagari(variables["3"].as_str().unwrap()),
        "the due date in Hindi: {variables}"
    );

    // The payment reminder has no Hindi SID: the English template, its
    // due date in English; sent, not a dead letter.
    let sent = twilio_job_messages(&bot, 3).await;
    assert_eq!(field(&sent[2], "ContentSid"), Some("HXreminder"));
    let variables: serde_json::Value =
        serde_json::from_str(field(&sent[2], "ContentVariables").unwrap()).unwrap();
    assert_eq!(variables["1"], "INV-00001");
    assert!(
        variables["3"].as_str().unwrap().is_ascii(),
        "the English template's due date in English: {variables}"
    );
    bot.stop().await;
}
