use axum::body::Body;
use framework::provider::meta::sign;
use framework::testing::meta::{MetaMessage, MetaStatus, MetaWebhook, verification_request};
use framework::webhook::WebhookConfig;
use framework::{DeliveryStatus, Provider};
use http::{Request, StatusCode};
use proptest::prelude::*;

use crate::support::{META_SECRET, VERIFY_TOKEN, app, recording_app, send};

const PATH: &str = "/webhooks/meta";
const PHONE_NUMBER_ID: &str = "106540352242922";

fn webhook() -> MetaWebhook {
    MetaWebhook::new(PHONE_NUMBER_ID, "15550783881")
}

#[tokio::test]
async fn the_subscription_handshake_echoes_the_challenge_only_for_our_token() {
    let (app, _, _) = recording_app();
    let (status, body, _) =
        send(&app, verification_request(PATH, VERIFY_TOKEN, "1158201444")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "1158201444"));
    let (status, _, _) = send(&app, verification_request(PATH, "wrong", "1158201444")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(&app, Request::get(PATH).body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_batched_notification_is_handled_message_by_message_in_order() {
    // Arrange: three customers, one of them writing twice, plus two statuses,
    // spread over two entries.
    let (app, seen, outbox) = recording_app();
    let a1 = MetaMessage::text("919800000001", "a1");
    let b1 = MetaMessage::text("919800000002", "b1");
    let a2 = MetaMessage::text("919800000001", "a2");
    let c1 = MetaMessage::text("919800000003", "c1");
    let batch = webhook()
        .message(a1)
        .message(b1)
        .status(MetaStatus::new("wamid.OUT1", "delivered"))
        .message(a2)
        .message(c1)
        .status(MetaStatus::new("wamid.OUT2", "read"))
        .entries(2);

    // Act
    let (status, body, _) = send(&app, batch.signed_request(META_SECRET, PATH)).await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(seen.count(), 4);
    let turns = outbox.turns();
    assert_eq!(turns.len(), 4);
    assert!(
        turns
            .iter()
            .all(|t| t.provider == Provider::Meta
                && t.channel_id.as_deref() == Some(PHONE_NUMBER_ID))
    );
    let of_a: Vec<&str> = turns
        .iter()
        .filter(|t| t.key.customer().as_str() == "+919800000001")
        .map(|t| t.replies[0].body().unwrap())
        .collect();
    assert_eq!(
        of_a,
        ["echo: a1", "echo: a2"],
        "one customer's messages keep their order"
    );
    let statuses: Vec<_> = outbox.statuses().into_iter().map(|s| s.status).collect();
    assert_eq!(statuses, [DeliveryStatus::Delivered, DeliveryStatus::Read]);
}

#[tokio::test]
async fn forged_or_unsigned_notifications_get_403_and_change_nothing() {
    let (app, seen, outbox) = recording_app();
    let batch = webhook().message(MetaMessage::text("919800000001", "hi"));
    let forged = batch.signed_request(b"another-secret", PATH);
    let mut unsigned = batch.signed_request(META_SECRET, PATH);
    unsigned
        .headers_mut()
        .remove(framework::provider::meta::SIGNATURE_HEADER);
    let tampered = {
        let (parts, _) = batch.signed_request(META_SECRET, PATH).into_parts();
        let other = webhook().message(MetaMessage::text("919800000001", "HI"));
        Request::from_parts(parts, Body::from(other.body()))
    };
    for (name, request) in [
        ("forged", forged),
        ("unsigned", unsigned),
        ("tampered", tampered),
    ] {
        let (status, body, _) = send(&app, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
    }
    assert_eq!(seen.count(), 0);
    assert!(outbox.turns().is_empty() && outbox.statuses().is_empty());
}

fn signed_post(body: Vec<u8>, content_type: &str) -> Request<Body> {
    let signature = sign(META_SECRET, &body);
    Request::post(PATH)
        .header("content-type", content_type)
        .header("x-hub-signature-256", signature)
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_never_a_5xx() {
    let (app, seen, _) = recording_app();
    let cases = [
        ("invalid JSON", signed_post(b"{\"object\":".to_vec(), "application/json"), StatusCode::BAD_REQUEST),
        ("empty", signed_post(Vec::new(), "application/json"), StatusCode::BAD_REQUEST),
        ("non-UTF-8", signed_post(b"{\"object\":\"\xff\"}".to_vec(), "application/json"), StatusCode::BAD_REQUEST),
        ("other object (ignored)", signed_post(b"{\"object\":\"page\",\"entry\":[]}".to_vec(), "application/json"), StatusCode::OK),
        ("missing id", signed_post(
            br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"1"},"messages":[{"from":"16505551234","timestamp":"1","type":"text","text":{"body":"hi"}}]}}]}]}"#.to_vec(),
            "application/json",
        ), StatusCode::BAD_REQUEST),
        ("form body", signed_post(b"a=b".to_vec(), "application/x-www-form-urlencoded"), StatusCode::UNSUPPORTED_MEDIA_TYPE),
        ("over 3 MB", signed_post(vec![b' '; 3 * 1024 * 1024 + 1], "application/json"), StatusCode::PAYLOAD_TOO_LARGE),
    ];
    for (name, request, expected) in cases {
        let (status, body, _) = send(&app, request).await;
        assert_eq!(status, expected, "{name}: {body}");
    }
    assert_eq!(seen.count(), 0);
}

#[tokio::test]
async fn one_malformed_message_does_not_cost_the_batch() {
    // Regression (review finding 5): a location without a longitude made the
    // whole batch a 400, which Meta would retry, and refuse, for a week.
    let (app, seen, outbox) = recording_app();
    let bad = MetaMessage::custom(
        "919800000002",
        "location",
        Some(serde_json::json!({ "latitude": 1.0 })),
    );
    let batch = webhook()
        .message(MetaMessage::text("919800000001", "good"))
        .message(bad);
    let (status, body, _) = send(&app, batch.signed_request(META_SECRET, PATH)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(seen.count(), 1, "the text reached the handler");
    let mut texts = outbox.texts();
    texts.sort();
    assert_eq!(
        texts,
        ["I can't read that kind of message yet.", "echo: good"],
        "and the malformed location was answered as unsupported"
    );
}

#[tokio::test]
async fn unknown_types_are_accepted_and_routed_as_unsupported() {
    let (app, _, outbox) = recording_app();
    let batch = webhook().message(MetaMessage::unknown_type("919800000001", "hologram"));
    let (status, _, _) = send(&app, batch.signed_request(META_SECRET, PATH)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outbox.texts(), ["I can't read that kind of message yet."]);
}

#[tokio::test]
async fn a_server_without_meta_secrets_refuses_meta_webhooks() {
    let (app, _) = app(
        framework::testing::RecordingOutbox::new(),
        WebhookConfig::new(),
    );
    let batch = webhook().message(MetaMessage::text("919800000001", "hi"));
    let (status, _, _) = send(&app, batch.signed_request(META_SECRET, PATH)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = send(&app, verification_request(PATH, VERIFY_TOKEN, "1")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a correctly signed body holds, the answer is 200 or a 4xx.
    #[test]
    fn arbitrary_signed_bodies_never_get_a_5xx(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let status = runtime.block_on(async {
            let (app, _, _) = recording_app();
            send(&app, signed_post(body, "application/json")).await.0
        });
        prop_assert!(status == StatusCode::OK || status.is_client_error(), "{status}");
    }

    /// The same for Twilio forms, signed over whatever parameters they decode to.
    #[test]
    fn arbitrary_signed_twilio_forms_never_get_a_5xx(body in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let url = "https://bot.example.com/webhooks/twilio";
        let params: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
        let signature = framework::provider::twilio::compute_signature(crate::support::TWILIO_TOKEN, url, &params);
        let request = Request::post("/webhooks/twilio")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature)
            .body(Body::from(body))
            .unwrap();
        let status = runtime.block_on(async {
            let (app, _, _) = recording_app();
            send(&app, request).await.0
        });
        prop_assert!(status == StatusCode::OK || status.is_client_error(), "{status}");
    }
}

/// An outbox that cannot accept replies for one customer while `failing` is set.
#[derive(Clone)]
struct FailsFor {
    customer: &'static str,
    failing: std::sync::Arc<std::sync::atomic::AtomicBool>,
    inner: framework::testing::RecordingOutbox,
}

impl framework::webhook::Outbox for FailsFor {
    async fn deliver(
        &self,
        turn: framework::webhook::OutboundTurn,
    ) -> Result<framework::webhook::Delivery, framework::webhook::OutboxError> {
        if turn.key.customer().as_str() == self.customer
            && self.failing.load(std::sync::atomic::Ordering::SeqCst)
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            return Err(framework::webhook::OutboxError::Backend(
                "down for this customer".into(),
            ));
        }
        self.inner.deliver(turn).await
    }

    async fn record_status(
        &self,
        event: framework::StatusEvent,
    ) -> Result<(), framework::webhook::OutboxError> {
        self.inner.record_status(event).await
    }
}

#[tokio::test]
async fn one_failing_conversation_does_not_cost_the_others_their_replies() {
    // Regression (review finding 1): in a batch, a conversation whose replies
    // could not be accepted cancelled its siblings mid-turn, and the retry
    // dropped them all as duplicates.
    // Arrange: B's replies cannot be accepted; A's handler is slow.
    let recorded = framework::testing::RecordingOutbox::new();
    let failing = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let outbox = FailsFor {
        customer: "+919800000002",
        failing: failing.clone(),
        inner: recorded.clone(),
    };
    let (app, _) = crate::support::app_delivering(outbox, crate::support::config());
    let batch = webhook()
        .message(MetaMessage::text("919800000001", "slow"))
        .message(MetaMessage::text("919800000002", "b"));

    // Act: the first delivery fails for B...
    let (first, _, _) = send(&app, batch.signed_request(META_SECRET, PATH)).await;
    let after_first = recorded.texts();
    // ...the provider retries after the outage.
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    let (retry, _, _) = send(&app, batch.signed_request(META_SECRET, PATH)).await;

    // Assert
    assert_eq!(first, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        after_first,
        ["echo: slow"],
        "A's turn ran to its end despite B's failure"
    );
    assert_eq!(retry, StatusCode::OK);
    let mut texts = recorded.texts();
    texts.sort();
    assert_eq!(
        texts,
        ["echo: b", "echo: slow"],
        "each customer answered exactly once"
    );
}

/// Regression (issue 11): a notification whose only message had no phone
/// number (a user known by a business-scoped user id only) was answered 400,
/// and Meta retried it for days.
#[tokio::test]
async fn a_message_without_a_phone_number_is_acknowledged_and_runs_no_turn() {
    // Arrange
    let (app, seen, outbox) = recording_app();
    let body = framework::testing::meta::meta_json(&serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
            "contacts": [{ "profile": { "name": "Ana", "username": "@ana" }, "user_id": "US.13491208655302741918" }],
            "messages": [{
                "from_user_id": "US.13491208655302741918", "id": "wamid.BSUID", "timestamp": "1749416383",
                "type": "text", "text": { "body": "hello" }
            }]
        } }] }]
    }));
    let request = Request::post(PATH)
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sign(META_SECRET, &body))
        .body(Body::from(body))
        .unwrap();

    // Act
    let (status, answer, _) = send(&app, request).await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(seen.count(), 0, "no turn runs for it");
    assert!(outbox.turns().is_empty());
}

/// A wamid with a line break or a NUL is a forgery: the item is skipped like
/// one without an id, and the rest of the notification is processed (a
/// correctly signed notification is not refused for one of its items).
#[tokio::test]
async fn a_message_id_with_control_characters_costs_only_its_item() {
    // Arrange
    let (app, seen, outbox) = recording_app();
    let forged = "wamid.A\n2026-11-22T06:30:00Z  INFO forged\r\0";
    let batch = webhook()
        .message(MetaMessage::text("919800000001", "good"))
        .message(MetaMessage::text("919800000002", "forged").with_id(forged))
        .message(MetaMessage::text("919800000003", "quoting").with_reply_to(forged))
        .status(MetaStatus::new(forged, "delivered"));

    // Act
    let (status, body, _) = send(&app, batch.signed_request(META_SECRET, PATH)).await;

    // Assert
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut texts = outbox.texts();
    texts.sort();
    assert_eq!(texts, ["echo: good", "echo: quoting"]);
    assert!(outbox.statuses().is_empty(), "the forged status is skipped");
    let seen = seen.0.lock().unwrap();
    let quoting = seen.iter().find(|m| m.text() == Some("quoting")).unwrap();
    assert_eq!(quoting.reply_to(), None, "an unusable quote is dropped");
}
