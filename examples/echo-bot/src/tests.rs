//! The echo bot end to end on both providers: signed webhooks in, the echo
//! stored in the SQLite outbox, sent by the dispatcher through the real API
//! clients to fake Twilio and Meta servers that speak their wire format.

use axum::body::{self, Body};
use axum::http::{Request, StatusCode};
use framework::testing::meta::{MetaMessage, MetaWebhook};
use framework::testing::twilio::{BUSINESS_NUMBER, CUSTOMER_NUMBER, TwilioWebhook};
use infra_providers::testing::{FakeFailure, FakeMeta, FakeTwilio};
use tower::ServiceExt as _;

use super::{Bot, Settings, bot};

const SID: &str = "AC0123456789abcdef0123456789abcdef";
const TOKEN: &str = "test-auth-token";
const APP_SECRET: &str = "test-app-secret";
const ACCESS_TOKEN: &str = "test-access-token";
const PUBLIC_URL: &str = "https://bot.example.com";
/// The URL Twilio calls, and signs.
const WEBHOOK_URL: &str = "https://bot.example.com/webhooks/twilio";

struct Setup {
    twilio: FakeTwilio,
    meta: FakeMeta,
    settings: Settings,
    _dir: tempfile::TempDir,
}

async fn setup() -> Setup {
    let twilio = FakeTwilio::start(SID, TOKEN).await;
    let meta = FakeMeta::start(ACCESS_TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = Settings {
        public_url: PUBLIC_URL.to_owned(),
        database_url: format!("sqlite://{}?mode=rwc", dir.path().join("echo.db").display()),
        twilio: Some((SID.to_owned(), TOKEN.to_owned())),
        twilio_api_base: Some(twilio.base_url()),
        meta: Some((
            APP_SECRET.to_owned(),
            "verify".to_owned(),
            ACCESS_TOKEN.to_owned(),
        )),
        meta_api_base: Some(meta.base_url()),
    };
    Setup {
        twilio,
        meta,
        settings,
        _dir: dir,
    }
}

/// Sends rounds until `sent` replies went out (the turn runs on a task of
/// the inbox after the webhook's answer) or a few seconds passed.
async fn send_until(bot: &Bot, sent: u64) -> u64 {
    let mut total = 0;
    for _ in 0..100 {
        total += bot.dispatcher.run_once().await.unwrap().sent;
        if total >= sent {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    total
}

async fn status_of(app: axum::Router, request: Request<Body>) -> (StatusCode, String) {
    let response = app.oneshot(request).await.unwrap();
    let status = response.status();
    let body = body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn a_twilio_message_is_echoed_through_the_messages_api() {
    let s = setup().await;
    let bot = bot(&s.settings).await.unwrap();
    let hook = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "Cement x 100");

    let (status, body) = status_of(bot.app.clone(), hook.signed_request(TOKEN, WEBHOOK_URL)).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    assert_eq!(send_until(&bot, 1).await, 1);
    assert_eq!(
        s.twilio.texts_to(CUSTOMER_NUMBER),
        ["You said: Cement x 100"]
    );
}

#[tokio::test]
async fn a_meta_message_is_echoed_through_the_cloud_api() {
    let s = setup().await;
    let bot = bot(&s.settings).await.unwrap();
    let hook = MetaWebhook::new("106540352242922", "15551234567")
        .message(MetaMessage::text("919812345678", "Sand x 20"));

    let (status, body) = status_of(
        bot.app.clone(),
        hook.signed_request(APP_SECRET.as_bytes(), "/webhooks/meta"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    assert_eq!(send_until(&bot, 1).await, 1);
    assert_eq!(s.meta.texts_to("919812345678"), ["You said: Sand x 20"]);
}

#[tokio::test]
async fn a_forged_signature_is_refused_and_nothing_is_sent() {
    let s = setup().await;
    let bot = bot(&s.settings).await.unwrap();
    let hook = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "Cement x 100");

    let (status, _) = status_of(
        bot.app.clone(),
        hook.signed_request("not-the-token", WEBHOOK_URL),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    assert_eq!(bot.inbox.sweep().await, 0, "nothing was recorded");
    let sent = bot.dispatcher.run_once().await.unwrap();
    assert_eq!(sent.sent, 0, "{sent:?}");
    assert!(s.twilio.requests().is_empty());
}

#[tokio::test]
async fn a_reply_the_provider_refused_for_now_is_sent_after_a_restart() {
    let s = setup().await;
    let first = bot(&s.settings).await.unwrap();
    s.twilio.fail_next(FakeFailure::ServerError);
    let hook = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "Cement x 100");
    let (status, _) = status_of(first.app.clone(), hook.signed_request(TOKEN, WEBHOOK_URL)).await;
    assert_eq!(status, StatusCode::OK);
    for _ in 0..100 {
        if !s.twilio.requests().is_empty() {
            break;
        }
        first.dispatcher.run_once().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        s.twilio.requests().len(),
        1,
        "tried once, refused with a 500"
    );
    drop(first);

    // A new process on the same file: the stored echo is still there and
    // goes out once its retry is due.
    let second = bot(&s.settings).await.unwrap();
    assert_eq!(send_until(&second, 1).await, 1);
    assert_eq!(
        s.twilio.texts_to(CUSTOMER_NUMBER),
        ["You said: Cement x 100"]
    );
}

#[tokio::test]
async fn a_customer_who_wrote_can_be_sent_a_proactive_message() {
    use framework::PhoneNumber;
    use framework::reply::Reply;
    use infra_sql::sender::{Sender, Sent};

    let s = setup().await;
    let bot = bot(&s.settings).await.unwrap();
    let hook = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "hi");
    status_of(bot.app.clone(), hook.signed_request(TOKEN, WEBHOOK_URL)).await;
    assert_eq!(send_until(&bot, 1).await, 1, "the echo");

    let sender = Sender::new(bot.outbox.clone());
    let customer = PhoneNumber::parse(CUSTOMER_NUMBER).unwrap();
    let sent = sender
        .send(&customer, Reply::text("Your cement shipped"))
        .await
        .unwrap();
    assert_eq!(sent, Sent::FreeForm, "inside the 24-hour window");
    assert_eq!(send_until(&bot, 1).await, 1);
    assert_eq!(
        s.twilio.texts_to(CUSTOMER_NUMBER),
        ["You said: hi", "Your cement shipped"]
    );
}
