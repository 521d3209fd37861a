//! The real webhook routes (`framework::webhook::routes`) with signed requests
//! built by the test kit, and a `RecordingOutbox` in place of the provider's
//! API: what the bot would send is recorded, nothing leaves the process.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use example_testing_a_flow::pipeline;
use framework::testing::RecordingOutbox;
use framework::testing::meta::{MetaMessage, MetaWebhook};
use framework::testing::twilio::{BUSINESS_NUMBER, CUSTOMER_NUMBER, TwilioWebhook};
use framework::webhook::{self, WebhookConfig};
use framework::{Outcome, Provider};
use tower::ServiceExt;

const TWILIO_TOKEN: &str = "test-auth-token";
const PUBLIC_URL: &str = "https://bot.example.com";
const TWILIO_URL: &str = "https://bot.example.com/webhooks/twilio";
const META_SECRET: &str = "test-app-secret";
const META_PATH: &str = "/webhooks/meta";
/// Our business number's Cloud API id.
const PHONE_NUMBER_ID: &str = "106540352242922";
/// The customer, digits only, as Meta writes numbers.
const CUSTOMER_WA_ID: &str = "919812345678";

fn app(outbox: RecordingOutbox) -> axum::Router {
    let config = WebhookConfig::new()
        .with_twilio(TWILIO_TOKEN, PUBLIC_URL)
        .with_meta(META_SECRET, "verify-token");
    webhook::routes(pipeline(), outbox, config)
}

async fn status_of(app: &axum::Router, request: Request<Body>) -> StatusCode {
    app.clone().oneshot(request).await.unwrap().status()
}

fn meta(message: MetaMessage) -> MetaWebhook {
    MetaWebhook::new(PHONE_NUMBER_ID, "15550783881").message(message)
}

#[tokio::test]
async fn a_signed_twilio_message_is_answered_through_the_outbox() {
    // Arrange
    let outbox = RecordingOutbox::new();
    let app = app(outbox.clone());
    let hi = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "hi").with_profile_name("Asha");

    // Act
    let status = status_of(&app, hi.signed_request(TWILIO_TOKEN, TWILIO_URL)).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    let turns = outbox.turns();
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0].provider, Provider::Twilio);
    assert_eq!(turns[0].outcome, Outcome::Handled);
    assert_eq!(turns[0].key.customer().as_str(), CUSTOMER_NUMBER);
    assert_eq!(outbox.texts(), ["Hi Asha! What do you need today?"]);
}

#[tokio::test]
async fn a_whole_order_over_signed_meta_webhooks() {
    // Arrange
    let outbox = RecordingOutbox::new();
    let app = app(outbox.clone());
    let messages = [
        MetaMessage::text(CUSTOMER_WA_ID, "hi").with_profile_name("Asha"),
        MetaMessage::button_reply(CUSTOMER_WA_ID, "cement", "Cement"),
        MetaMessage::text(CUSTOMER_WA_ID, "20"),
        MetaMessage::button_reply(CUSTOMER_WA_ID, "place", "Place order"),
    ];

    // Act: one webhook per message, as the customer sends them.
    for message in messages {
        let request = meta(message).signed_request(META_SECRET.as_bytes(), META_PATH);
        assert_eq!(status_of(&app, request).await, StatusCode::OK);
    }

    // Assert
    assert_eq!(
        outbox.texts(),
        [
            "Hi Asha! What do you need today?",
            "How many bags of cement?",
            "20 bags of cement. Shall I place the order?",
            "Order placed: 20 bags of cement. We'll confirm the delivery time soon.",
        ]
    );
    let turns = outbox.turns();
    assert!(
        turns
            .iter()
            .all(|t| t.provider == Provider::Meta
                && t.channel_id.as_deref() == Some(PHONE_NUMBER_ID))
    );
}

#[tokio::test]
async fn forged_webhooks_are_refused_and_reach_no_one() {
    let outbox = RecordingOutbox::new();
    let app = app(outbox.clone());
    let twilio = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "hi")
        .signed_request("not-our-token", TWILIO_URL);
    let meta =
        meta(MetaMessage::text(CUSTOMER_WA_ID, "hi")).signed_request(b"not-our-secret", META_PATH);

    assert_eq!(status_of(&app, twilio).await, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, meta).await, StatusCode::FORBIDDEN);
    assert!(outbox.turns().is_empty());
}
