use axum::body::Body;
use framework::provider::twilio::compute_signature;
use framework::testing::twilio::{BUSINESS_NUMBER, CUSTOMER_NUMBER, TwilioWebhook};
use framework::webhook::{InlineOutbox, WebhookConfig};
use framework::{Content, DeliveryStatus, Provider};
use http::{Request, StatusCode};

use crate::support::{TWILIO_TOKEN, app, config, recording_app, send};

const URL: &str = "https://bot.example.com/webhooks/twilio";

fn hi() -> TwilioWebhook {
    TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "Cement x 100")
}

#[tokio::test]
async fn a_signed_message_is_answered_with_empty_twiml_and_its_reply_goes_to_the_outbox() {
    // Arrange
    let (app, seen, outbox) = recording_app();

    // Act
    let (status, body, content_type) = send(&app, hi().signed_request(TWILIO_TOKEN, URL)).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type.as_deref(), Some("text/xml"));
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>"
    );
    assert_eq!(seen.count(), 1);
    let turns = outbox.turns();
    assert_eq!(turns.len(), 1);
    assert_eq!(turns[0].provider, Provider::Twilio);
    assert_eq!(turns[0].key.customer().as_str(), CUSTOMER_NUMBER);
    assert_eq!(turns[0].key.business().as_str(), BUSINESS_NUMBER);
    assert_eq!(outbox.texts(), ["echo: Cement x 100"]);
}

#[tokio::test]
async fn forged_missing_or_misdirected_signatures_get_403_and_change_nothing() {
    let (app, seen, outbox) = recording_app();
    let webhook = hi();

    let mut forged = webhook.signed_request("not-the-token", URL);
    forged.headers_mut().remove("host");
    let mut unsigned = webhook.signed_request(TWILIO_TOKEN, URL);
    unsigned
        .headers_mut()
        .remove(framework::provider::twilio::SIGNATURE_HEADER);
    // Signed for another URL than the one it arrives at.
    let other_path = webhook.signed_request(TWILIO_TOKEN, "https://bot.example.com/elsewhere");
    let other_path = {
        let (mut parts, body) = other_path.into_parts();
        parts.uri = "/webhooks/twilio".parse().unwrap();
        Request::from_parts(parts, body)
    };
    // The body changed after signing.
    let tampered = {
        let (parts, _) = webhook.signed_request(TWILIO_TOKEN, URL).into_parts();
        let body = webhook
            .clone()
            .with_param("Body", "Cement x 1000")
            .form_body();
        Request::from_parts(parts, Body::from(body))
    };

    for (name, request) in [
        ("forged", forged),
        ("unsigned", unsigned),
        ("other path", other_path),
        ("tampered", tampered),
    ] {
        let (status, body, _) = send(&app, request).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{name}: {body}");
    }
    assert_eq!(seen.count(), 0);
    assert!(outbox.turns().is_empty());
}

#[tokio::test]
async fn the_query_string_is_part_of_the_signed_url() {
    let (app, seen, _) = recording_app();
    let url = format!("{URL}?tenant=sharma&x=1");
    let (status, _, _) = send(&app, hi().signed_request(TWILIO_TOKEN, &url)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen.count(), 1);
}

#[tokio::test]
async fn a_retried_webhook_is_answered_but_handled_once() {
    let (app, seen, outbox) = recording_app();
    let webhook = hi();
    for _ in 0..3 {
        let (status, _, _) = send(&app, webhook.signed_request(TWILIO_TOKEN, URL)).await;
        assert_eq!(status, StatusCode::OK);
    }
    assert_eq!(seen.count(), 1);
    assert_eq!(outbox.turns().len(), 1);
}

#[tokio::test]
async fn status_callbacks_are_recorded() {
    let (app, seen, outbox) = recording_app();
    let callback = TwilioWebhook::status(
        "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "failed",
        Some("63016"),
    );
    let (status, body, _) = send(&app, callback.signed_request(TWILIO_TOKEN, URL)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(seen.count(), 0);
    let statuses = outbox.statuses();
    assert_eq!(statuses.len(), 1);
    let DeliveryStatus::Failed(failure) = &statuses[0].status else {
        panic!("expected failed, got {:?}", statuses[0].status);
    };
    assert_eq!(failure.code.as_deref(), Some("63016"));
}

#[tokio::test]
async fn an_unknown_message_type_is_accepted_and_routed_as_unsupported() {
    let (app, _, outbox) = recording_app();
    let webhook = hi()
        .with_param("MessageType", "ephemeral")
        .without_param("Body");
    let (status, _, _) = send(&app, webhook.signed_request(TWILIO_TOKEN, URL)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outbox.texts(), ["I can't read that kind of message yet."]);
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_never_a_5xx() {
    let (app, seen, _) = recording_app();
    let sign = |body: &[u8]| {
        let params: Vec<(String, String)> = form_urlencoded::parse(body).into_owned().collect();
        compute_signature(TWILIO_TOKEN, URL, &params)
    };
    let post = |body: Vec<u8>, content_type: &str, signature: String| {
        Request::post("/webhooks/twilio")
            .header("content-type", content_type)
            .header("x-twilio-signature", signature)
            .body(Body::from(body))
            .unwrap()
    };
    let form = "application/x-www-form-urlencoded";
    let without_sid = hi().without_param("MessageSid").form_body().into_bytes();
    let bad_from = hi()
        .with_param("From", "whatsapp:+12")
        .form_body()
        .into_bytes();
    let cases: Vec<(&str, Request<Body>, StatusCode)> = vec![
        (
            "empty body",
            post(Vec::new(), form, sign(b"")),
            StatusCode::BAD_REQUEST,
        ),
        (
            "missing MessageSid",
            post(without_sid.clone(), form, sign(&without_sid)),
            StatusCode::BAD_REQUEST,
        ),
        (
            "invalid From",
            post(bad_from.clone(), form, sign(&bad_from)),
            StatusCode::BAD_REQUEST,
        ),
        (
            "non-UTF-8",
            post(
                b"Body=\xff\xfe&From=x".to_vec(),
                form,
                sign(b"Body=\xff\xfe&From=x"),
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            "JSON body",
            post(b"{\"Body\":\"hi\"}".to_vec(), "application/json", sign(b"")),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "no content type",
            Request::post("/webhooks/twilio")
                .body(Body::from("Body=hi"))
                .unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "over 3 MB",
            post(vec![b'a'; 3 * 1024 * 1024 + 1], form, sign(b"")),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
    ];
    for (name, request, expected) in cases {
        let (status, body, _) = send(&app, request).await;
        assert_eq!(status, expected, "{name}: {body}");
        assert!(
            !body.is_empty() || status == StatusCode::PAYLOAD_TOO_LARGE,
            "{name}: the 4xx says why"
        );
    }
    assert_eq!(seen.count(), 0);
}

#[tokio::test]
async fn a_server_without_a_twilio_token_refuses_twilio_webhooks() {
    let (app, seen) = app(
        framework::testing::RecordingOutbox::new(),
        WebhookConfig::new(),
    );
    let (status, body, _) = send(&app, hi().signed_request(TWILIO_TOKEN, URL)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(body.contains("no secret is configured"), "{body}");
    assert_eq!(seen.count(), 0);
}

#[tokio::test]
async fn the_inline_outbox_answers_in_the_twiml_response() {
    let (app, _) = app(InlineOutbox, config());
    let (status, body, _) = send(&app, hi().signed_request(TWILIO_TOKEN, URL)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message><Body>echo: Cement x 100</Body></Message></Response>"
    );
}

#[tokio::test]
async fn when_the_outbox_is_down_the_providers_retry_gets_the_reply() {
    // Review finding 2: the old version of this test never retried. With the
    // recommended stack (deliver inside session) a refused reply fails the
    // turn, the webhook answers 500, and the retry of the same webhook is
    // processed, not dropped as a duplicate.
    // Arrange: the outbox refuses the reply and then the apology.
    let outbox = framework::testing::RecordingOutbox::new();
    let (app, _) = crate::support::app_delivering(outbox.clone(), config());
    outbox.fail_next(2);
    let webhook = hi();

    // Act
    let (first, _, _) = send(&app, webhook.signed_request(TWILIO_TOKEN, URL)).await;
    let (retry, _, _) = send(&app, webhook.signed_request(TWILIO_TOKEN, URL)).await;

    // Assert
    assert_eq!(first, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(retry, StatusCode::OK);
    assert_eq!(outbox.texts(), ["echo: Cement x 100"]);
}

#[tokio::test]
async fn a_status_report_the_outbox_cannot_record_is_retried() {
    let (app, _, outbox) = recording_app();
    outbox.fail_status_next(1);
    let callback = TwilioWebhook::status("SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "delivered", None);
    let (first, _, _) = send(&app, callback.signed_request(TWILIO_TOKEN, URL)).await;
    let (retry, _, _) = send(&app, callback.signed_request(TWILIO_TOKEN, URL)).await;
    assert_eq!(
        (first, retry),
        (StatusCode::INTERNAL_SERVER_ERROR, StatusCode::OK)
    );
    assert_eq!(outbox.statuses().len(), 1);
}

#[tokio::test]
async fn media_and_location_reach_the_pipeline_as_content() {
    let (app, seen, _) = recording_app();
    let media = TwilioWebhook::media(
        CUSTOMER_NUMBER,
        BUSINESS_NUMBER,
        "https://api.twilio.com/m/1",
        "image/jpeg",
    );
    let location = TwilioWebhook::location(CUSTOMER_NUMBER, BUSINESS_NUMBER, 28.6139, 77.209);
    for webhook in [media, location] {
        let (status, _, _) = send(&app, webhook.signed_request(TWILIO_TOKEN, URL)).await;
        assert_eq!(status, StatusCode::OK);
    }
    let contents = seen.contents();
    assert!(matches!(contents[0], Content::Media { .. }), "{contents:?}");
    assert!(matches!(contents[1], Content::Location(_)), "{contents:?}");
}

#[tokio::test]
async fn the_routes_merge_into_an_application_with_its_own_state() {
    #[derive(Clone)]
    struct Shop {
        name: &'static str,
    }
    let (webhooks, seen) =
        crate::support::app_in::<Shop, _>(framework::testing::RecordingOutbox::new(), config());
    let app: axum::Router = axum::Router::new()
        .route(
            "/about",
            axum::routing::get(
                |axum::extract::State(shop): axum::extract::State<Shop>| async move { shop.name },
            ),
        )
        .merge(webhooks)
        .with_state(Shop {
            name: "Sharma Traders",
        });

    let (status, body, _) = send(&app, Request::get("/about").body(Body::empty()).unwrap()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "Sharma Traders"));
    let (status, _, _) = send(&app, hi().signed_request(TWILIO_TOKEN, URL)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen.count(), 1);
}

#[tokio::test]
async fn the_full_webhook_url_works_as_the_public_url_too() {
    // Review: pasting the URL from Twilio's console doubled the path and
    // every webhook got 403.
    let config = WebhookConfig::new().with_twilio(TWILIO_TOKEN, URL);
    let (app, seen) = app(framework::testing::RecordingOutbox::new(), config);
    let (status, _, _) = send(&app, hi().signed_request(TWILIO_TOKEN, URL)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen.count(), 1);
}

/// An inline outbox that counts how often it is asked.
#[derive(Clone, Default)]
struct CountingInline(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl framework::webhook::Outbox for CountingInline {
    async fn deliver(
        &self,
        turn: framework::webhook::OutboundTurn,
    ) -> Result<framework::webhook::Delivery, framework::webhook::OutboxError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(framework::webhook::Delivery::Inline(turn))
    }

    async fn record_status(
        &self,
        _: framework::StatusEvent,
    ) -> Result<(), framework::webhook::OutboxError> {
        Ok(())
    }
}

#[tokio::test]
async fn inline_answers_through_a_deliver_layer_are_offered_once() {
    // Second review, finding 6: the deliver layer and the webhook each
    // offered the same inline turn to the outbox.
    let outbox = CountingInline::default();
    let (app, _) = crate::support::app_delivering(outbox.clone(), config());
    let (status, body, _) = send(&app, hi().signed_request(TWILIO_TOKEN, URL)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<Body>echo: Cement x 100</Body>"), "{body}");
    assert_eq!(outbox.0.load(std::sync::atomic::Ordering::SeqCst), 1);
}

/// A `MessageSid` is `SM` and hex: one with a line break or a NUL is a
/// forgery that would travel on into stores and log lines.
#[tokio::test]
async fn a_message_id_with_control_characters_is_refused_400_naming_the_field() {
    // Arrange
    let (app, seen, outbox) = recording_app();
    let forged_sid = "SM1\n2026-11-22T06:30:00Z  INFO forged\r\0";
    let message = hi().with_param("MessageSid", forged_sid);
    let status =
        TwilioWebhook::status("SM1", "delivered", None).with_param("MessageSid", forged_sid);

    // Act
    let (message_status, body, _) = send(&app, message.signed_request(TWILIO_TOKEN, URL)).await;
    let (status_status, _, _) = send(&app, status.signed_request(TWILIO_TOKEN, URL)).await;

    // Assert
    assert_eq!(message_status, StatusCode::BAD_REQUEST);
    assert_eq!(status_status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body,
        "field MessageSid has an invalid value: a message id cannot contain control characters\n",
        "the reason names the field and does not repeat the value"
    );
    assert_eq!(seen.count(), 0);
    assert!(outbox.turns().is_empty() && outbox.statuses().is_empty());
}

#[tokio::test]
async fn a_quoted_message_id_with_control_characters_is_dropped_not_refused() {
    let (app, seen, _) = recording_app();
    let quoting = hi().with_param("OriginalRepliedMessageSid", "SM0\nforged");

    let (status, _, _) = send(&app, quoting.signed_request(TWILIO_TOKEN, URL)).await;

    assert_eq!(status, StatusCode::OK);
    let seen = seen.0.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].reply_to(), None);
}
