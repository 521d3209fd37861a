//! From order to invoice delivered at the fake Twilio: the PDF at a signed,
//! expiring link; the template outside the 24-hour window; a failed send
//! retried without a second invoice; payment reminders with short
//! configured delays: sent, skipped when paid or after "stop reminders",
//! and held back in quiet hours.

use std::time::Duration;

use features::invoices::InvoiceNumber;
use features::shared::CustomerPhone;
use http::StatusCode;
use infra_providers::testing::{FakeFailure, RecordedRequest};
use sea_orm::{ConnectionTrait, Statement};

use crate::support::{Bot, CUSTOMER, spawn_bot_with, wait_for, wait_for_async};

fn field<'a>(r: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    r.fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Orders 100 bags of cement and confirms.
async fn order_and_confirm(bot: &Bot) {
    bot.ask_twilio("Cement x 100").await;
    let confirmed = bot.ask_twilio("1").await;
    assert!(confirmed.contains("Order confirmed"), "{confirmed}");
}

/// Waits for `n` job messages (invoices, reminders) at the fake Twilio.
async fn job_messages(bot: &Bot, n: usize) -> Vec<RecordedRequest> {
    wait_for(|| {
        let sent = bot.twilio_job_messages();
        (sent.len() >= n).then_some(sent)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "fewer than {n} job messages arrived: {:?}",
            bot.twilio.requests()
        )
    })
}

async fn sql(bot: &Bot, statement: &str) -> Vec<sea_orm::QueryResult> {
    let conn = bot.services.db.connection();
    conn.query_all_raw(Statement::from_string(
        conn.get_database_backend(),
        statement.to_owned(),
    ))
    .await
    .unwrap()
}

/// Moves the customer's messages 25 hours into the past: the 24-hour
/// customer-service window is closed.
async fn close_the_window(bot: &Bot) {
    sql(
        bot,
        "UPDATE messages SET created_at_ms = created_at_ms - 90000000 WHERE direction = 'in'",
    )
    .await;
}

async fn fetch(url: &str) -> (u16, Option<String>, Vec<u8>) {
    let response = reqwest::get(url).await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, kind, response.bytes().await.unwrap().to_vec())
}

async fn invoices_in(bot: &Bot) -> usize {
    bot.services
        .invoices
        .customer_invoices(features::invoices::CustomerInvoices {
            customer: CustomerPhone::parse(CUSTOMER).unwrap(),
            limit: 50,
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_confirmed_order_gets_its_invoice_as_a_pdf_at_a_signed_expiring_link() {
    let bot = spawn_bot_with(|s| {
        s.shop.quiet_hours = None;
        s.shop.twilio_invoice_content_sid = Some("HXinvoice".to_owned());
    })
    .await;
    order_and_confirm(&bot).await;

    let sent = job_messages(&bot, 1).await;
    let body = field(&sent[0], "Body").unwrap();
    assert!(
        body.starts_with("🧾 Invoice INV-00001 for order ORD-00001: ₹35,000, due "),
        "inside the window: a document with a caption: {body}"
    );
    let url = field(&sent[0], "MediaUrl")
        .expect("the PDF is attached")
        .to_owned();
    assert!(
        url.starts_with(&format!(
            "http://{}/invoices/INV-00001.pdf?expires=",
            bot.addr
        )),
        "{url}"
    );

    // The provider can fetch it: a real PDF with the invoice in it.
    let (status, kind, pdf) = fetch(&url).await;
    assert_eq!(status, 200);
    assert_eq!(kind.as_deref(), Some("application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let document = lopdf::Document::load_mem(&pdf).expect("a valid PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).unwrap();
    assert!(text.contains("INV-00001"), "{text}");
    assert!(text.contains("ORD-00001"), "{text}");

    // Anything but the signed link is refused.
    let tampered = url.replace("signature=", "signature=00");
    assert_eq!(fetch(&tampered).await.0, 403);
    let other = url.replace("INV-00001.pdf", "INV-00002.pdf");
    assert_eq!(fetch(&other).await.0, 403, "a link names one invoice");
    let unsigned = url.split('?').next().unwrap().to_owned();
    assert_eq!(fetch(&unsigned).await.0, 403);
    let garbled = format!("{unsigned}?expires=soon&signature=zz");
    assert_eq!(
        fetch(&garbled).await.0,
        403,
        "a malformed link is refused alike"
    );
    let long_ago = bot
        .services
        .documents
        .links
        .url(InvoiceNumber::new(1), 1_000_000_000_000);
    assert_eq!(fetch(&long_ago).await.0, 410, "an expired link");
    let (status, _) = bot.get("/invoices/nothing.pdf").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // "invoice INV-00001" sends it again; still one invoice.
    let again = bot.ask_twilio("invoice INV-00001").await;
    assert!(again.contains("Sending invoice INV-00001 again"), "{again}");
    let sent = job_messages(&bot, 2).await;
    assert!(field(&sent[1], "MediaUrl").is_some());
    let unknown = bot.ask_twilio("invoice INV-00042").await;
    assert!(
        unknown.contains("can't find invoice INV-00042"),
        "{unknown}"
    );

    // Outside the 24-hour window: the invoice template, with the document
    // in its header and number, total and due date as variables.
    close_the_window(&bot).await;
    let deps = bot.services.job_deps();
    bot::jobs::send_invoice::enqueue(&deps.queue, InvoiceNumber::new(1), "outside-window")
        .await
        .unwrap();
    let sent = job_messages(&bot, 3).await;
    assert_eq!(field(&sent[2], "ContentSid"), Some("HXinvoice"));
    assert_eq!(
        field(&sent[2], "Body"),
        None,
        "no free text outside the window"
    );
    let variables: serde_json::Value =
        serde_json::from_str(field(&sent[2], "ContentVariables").unwrap()).unwrap();
    assert_eq!(variables["1"], "INV-00001");
    assert_eq!(variables["2"], "₹35,000");
    let link = variables["4"].as_str().unwrap();
    assert_eq!(fetch(link).await.0, 200, "the link in the template works");

    assert_eq!(
        invoices_in(&bot).await,
        1,
        "one invoice, however often sent"
    );
    bot.stop().await;
}

/// Installs the bot's own subscriber (`bot::telemetry`) writing to `logs`,
/// for this thread: a current-thread test runs the bot's tasks (the job
/// workers') on it.
fn log_to(logs: &framework::testing::LogBuffer) -> tracing::subscriber::DefaultGuard {
    let writer = logs.clone();
    tracing::subscriber::set_default(bot::telemetry::log_subscriber(
        false,
        tracing_subscriber::EnvFilter::new("info"),
        move || writer.clone(),
    ))
}

#[tokio::test]
async fn a_sent_invoice_is_logged_without_its_signature() {
    // Arrange
    let logs = framework::testing::LogBuffer::default();
    let _logging = log_to(&logs);
    let bot = spawn_bot_with(|s| s.shop.quiet_hours = None).await;

    // Act
    order_and_confirm(&bot).await;
    let sent = job_messages(&bot, 1).await;
    wait_for(|| logs.text().contains("invoice sent").then_some(()))
        .await
        .expect("the job logs the send");

    // Assert
    let url = field(&sent[0], "MediaUrl").unwrap();
    let (link, signature) = url.split_once("&signature=").unwrap();
    assert!(signature.len() >= 64, "{url}");
    let text = logs.text();
    assert!(
        !text.contains(signature),
        "the signature is logged:\n{text}"
    );
    let sent_line = text.lines().find(|l| l.contains("invoice sent")).unwrap();
    assert!(
        sent_line.contains(&format!("document={link}&signature=<redacted>")),
        "the link is logged redacted: {sent_line}"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_invoice_send_is_retried_without_a_second_invoice() {
    let bot = spawn_bot_with(|s| {
        s.workers.run = false;
        s.shop.quiet_hours = None;
    })
    .await;
    order_and_confirm(&bot).await;
    // The invoice's first two sends fail (Twilio 500); the workers start
    // now, so those failures meet the invoice.
    bot.twilio.fail_next(FakeFailure::ServerError);
    bot.twilio.fail_next(FakeFailure::ServerError);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let workers = tokio::spawn(bot::jobs::run_workers(bot.services.job_deps(), async {
        let _ = stopped.await;
    }));

    let sent = job_messages(&bot, 1).await;
    assert!(field(&sent[0], "MediaUrl").is_some());
    let tries = bot
        .twilio
        .requests()
        .iter()
        .filter(|r| field(r, "MediaUrl").is_some())
        .count();
    assert_eq!(tries, 3, "two failures, then accepted");
    // Nothing more comes: one invoice, sent once.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(bot.twilio_job_messages().len(), 1);
    assert_eq!(invoices_in(&bot).await, 1);
    let rows = sql(
        &bot,
        "SELECT count(*) AS n FROM jobs WHERE queue = 'send-invoice'",
    )
    .await;
    assert_eq!(rows[0].try_get::<i64>("", "n").unwrap(), 1);
    let _ = stop.send(());
    workers.await.unwrap();
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_invoice_is_reminded_as_text_in_the_window_and_as_a_template_outside() {
    let bot = spawn_bot_with(|s| {
        s.shop.quiet_hours = None;
        s.shop.payment_reminder_after = Some(Duration::from_secs(3));
        s.shop.twilio_reminder_content_sid = Some("HXreminder".to_owned());
    })
    .await;
    order_and_confirm(&bot).await;
    job_messages(&bot, 1).await;
    // A custom reminder in the window, a second after now.
    let deps = bot.services.job_deps();
    let customer = CustomerPhone::parse(CUSTOMER).unwrap();
    let soon = bot.services.clock.ms_after(Duration::from_secs(1));
    bot::jobs::send_reminder::schedule(&deps, &customer, soon, "Your cement is ready for pickup")
        .await
        .unwrap();
    let sent = job_messages(&bot, 2).await;
    assert_eq!(
        field(&sent[1], "Body"),
        Some("⏰ Your cement is ready for pickup")
    );
    // The payment reminder fires 3 s after issue; by then the window is
    // closed: the template.
    close_the_window(&bot).await;
    let sent = job_messages(&bot, 3).await;
    assert_eq!(field(&sent[2], "ContentSid"), Some("HXreminder"));
    let variables: serde_json::Value =
        serde_json::from_str(field(&sent[2], "ContentVariables").unwrap()).unwrap();
    assert_eq!(variables["1"], "INV-00001");
    let rows = sql(
        &bot,
        "SELECT count(*) AS n FROM reminders WHERE status = 'sent'",
    )
    .await;
    assert_eq!(rows[0].try_get::<i64>("", "n").unwrap(), 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_reminder_for_an_invoice_paid_before_it_fires_nor_after_stop_reminders() {
    let bot = spawn_bot_with(|s| {
        s.shop.quiet_hours = None;
        s.shop.payment_reminder_after = Some(Duration::from_secs(2));
    })
    .await;
    // The first invoice is paid at once.
    order_and_confirm(&bot).await;
    job_messages(&bot, 1).await;
    bot.services
        .invoices
        .record_payment(features::invoices::RecordPayment {
            number: InvoiceNumber::new(1),
            reference: "UTR 123456".to_owned(),
        })
        .await
        .unwrap()
        .unwrap();
    // The second order's customer says "stop reminders".
    order_and_confirm(&bot).await;
    job_messages(&bot, 2).await;
    let stopped = bot.ask_twilio("stop reminders").await;
    assert!(stopped.contains("no more reminders"), "{stopped}");

    // Both first reminders fire (2 s after issue) and are skipped, checked
    // when they fire.
    let cancelled = wait_for_async(|| async {
        let rows = sql(
            &bot,
            "SELECT cancel_reason FROM reminders WHERE status = 'cancelled' ORDER BY id",
        )
        .await;
        let reasons: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String>("", "cancel_reason").unwrap())
            .collect();
        (reasons.len() >= 2).then_some(reasons)
    })
    .await
    .expect("both reminders fired");
    assert!(
        cancelled.contains(&"the invoice is paid or void".to_owned()),
        "{cancelled:?}"
    );
    assert!(
        cancelled.contains(&"the customer asked for no reminders".to_owned()),
        "{cancelled:?}"
    );
    assert!(
        bot.twilio_job_messages()
            .iter()
            .all(|r| !field(r, "Body").unwrap_or_default().starts_with('⏰')),
        "no reminder was sent"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_due_in_quiet_hours_waits_for_their_end() {
    // Quiet hours around now, in the shop's time zone, by the clock the bot
    // runs on (the system's: its job workers wait in real time).
    let now = jiff::Timestamp::from_millisecond(framework::clock::Clock::system().now_ms())
        .unwrap()
        .in_tz("Asia/Kolkata")
        .unwrap();
    let hhmm = |z: jiff::Zoned| format!("{:02}:{:02}", z.hour(), z.minute());
    let start = hhmm(
        now.checked_sub(jiff::SignedDuration::from_hours(1))
            .unwrap(),
    );
    let end = now
        .checked_add(jiff::SignedDuration::from_hours(1))
        .unwrap();
    let quiet = format!("{start}-{}", hhmm(end.clone()));
    let bot = spawn_bot_with(|s| {
        s.shop.quiet_hours = features::reminders::QuietHours::parse(&quiet).unwrap();
        s.shop.payment_reminder_after = Some(Duration::from_secs(1));
    })
    .await;
    order_and_confirm(&bot).await;
    job_messages(&bot, 1).await;

    // The reminder fired, found itself in the quiet hours, and was put off
    // to their end (to the minute).
    let put_off = wait_for_async(|| async {
        let rows = sql(
            &bot,
            "SELECT run_at_ms FROM jobs WHERE queue = 'send-reminder' AND status = 'waiting' ORDER BY run_at_ms",
        )
        .await;
        let times: Vec<i64> = rows.iter().map(|r| r.try_get("", "run_at_ms").unwrap()).collect();
        // The second reminder (due + 3 days) and the first, put off.
        let end_ms = end.timestamp().as_millisecond();
        times
            .iter()
            .find(|t| (end_ms - 60_000..=end_ms).contains(t))
            .copied()
    })
    .await;
    assert!(
        put_off.is_some(),
        "the reminder is put off to the end of the quiet hours ({quiet}): {:?}",
        sql(
            &bot,
            "SELECT run_at_ms, status FROM jobs WHERE queue = 'send-reminder'"
        )
        .await
    );
    assert!(
        bot.twilio_job_messages()
            .iter()
            .all(|r| !field(r, "Body").unwrap_or_default().starts_with('⏰')),
        "nothing is sent in the quiet hours"
    );
    let rows = sql(&bot, "SELECT status FROM reminders ORDER BY id").await;
    assert_eq!(
        rows[0].try_get::<String>("", "status").unwrap(),
        "scheduled"
    );
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_meta_the_invoice_is_a_document_and_outside_the_window_a_template_with_it() {
    use crate::meta_flow::{WA_ID, hook};
    use framework::testing::meta::MetaMessage;
    let bot = spawn_bot_with(|s| s.shop.quiet_hours = None).await;
    assert_eq!(
        bot.meta(&hook(MetaMessage::text(WA_ID, "Cement x 100")))
            .await
            .0,
        StatusCode::OK
    );
    bot.meta_texts(CUSTOMER, 1).await;
    assert_eq!(
        bot.meta(&hook(MetaMessage::button_reply(
            WA_ID, "confirm", "Confirm"
        )))
        .await
        .0,
        StatusCode::OK
    );
    let of_kind = |kind: &str| {
        bot.meta
            .accepted()
            .into_iter()
            .filter_map(|r| r.json)
            .filter(|j| j["type"] == kind)
            .collect::<Vec<_>>()
    };
    let documents = wait_for(|| {
        let d = of_kind("document");
        (!d.is_empty()).then_some(d)
    })
    .await
    .expect("the invoice is sent as a document");
    let document = &documents[0]["document"];
    assert_eq!(document["filename"], "INV-00001.pdf");
    assert!(
        document["caption"]
            .as_str()
            .unwrap()
            .starts_with("🧾 Invoice INV-00001"),
        "{document}"
    );
    let (status, kind, pdf) = fetch(document["link"].as_str().unwrap()).await;
    assert_eq!((status, kind.as_deref()), (200, Some("application/pdf")));
    assert!(pdf.starts_with(b"%PDF-"));

    close_the_window(&bot).await;
    bot::jobs::send_invoice::enqueue(&bot.services.jobs, InvoiceNumber::new(1), "later")
        .await
        .unwrap();
    let templates = wait_for(|| {
        let t = of_kind("template");
        (!t.is_empty()).then_some(t)
    })
    .await
    .expect("outside the window, the template");
    let template = &templates[0]["template"];
    assert_eq!(template["name"], "invoice_ready", "{template}");
    let header = &template["components"][0];
    assert_eq!(header["type"], "header", "{template}");
    assert_eq!(header["parameters"][0]["type"], "document", "{template}");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_window_without_a_twilio_template_the_invoice_job_is_a_dead_letter() {
    use framework::jobs::JobQueue as _;
    let bot = spawn_bot_with(|s| s.shop.quiet_hours = None).await;
    order_and_confirm(&bot).await;
    job_messages(&bot, 1).await;
    close_the_window(&bot).await;
    bot::jobs::send_invoice::enqueue(&bot.services.jobs, InvoiceNumber::new(1), "no-sid")
        .await
        .unwrap();
    let dead = wait_for_async(|| async {
        let dead = bot.services.jobs.dead("send-invoice", 10).await.unwrap();
        (!dead.is_empty()).then_some(dead)
    })
    .await
    .expect("the job is a dead letter, not a message stored as failed");
    let error = dead[0].error.clone().unwrap_or_default();
    assert!(error.contains("TWILIO_CONTENT_SID_INVOICE"), "{error}");
    assert_eq!(bot.twilio_job_messages().len(), 1, "nothing else was sent");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_a_new_database_behind_an_old_prefix_still_gets_its_jobs_run() {
    // BullMQ on a prefix that outlives the database (a reset SQLite file, a
    // restored PostgreSQL): the new database's job ids start again at 1.
    let prefix = format!("campanile-e2e-{}", framework::testing::random_tag());
    let redis = infra_redis::RedisConfig::new(infra_redis::testing::REDIS_URL)
        .with_key_prefix(prefix.clone());
    for run in 0..2 {
        let config = redis.clone();
        let bot = spawn_bot_with(move |s| {
            s.shop.quiet_hours = None;
            s.redis = config.into();
        })
        .await;
        assert!(bot.services.job_runner.is_some(), "jobs run on BullMQ");
        order_and_confirm(&bot).await;
        let sent = job_messages(&bot, 1).await;
        assert!(
            field(&sent[0], "Body")
                .unwrap()
                .starts_with("🧾 Invoice INV-00001"),
            "run {run}: the new database's first invoice is sent"
        );
        bot.stop().await;
    }
    let client = redis::Client::open(infra_redis::testing::REDIS_URL).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut conn)
            .await
            .unwrap();
    }
}
