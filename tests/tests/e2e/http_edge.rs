//! The HTTP edge: health, readiness, metrics, signatures and bad input.

use framework::testing::meta::{MetaMessage, MetaWebhook, verification_request};
use framework::testing::twilio::TwilioWebhook;
use http::{Request, StatusCode};

use crate::support::{BUSINESS, CUSTOMER, PHONE_NUMBER_ID, VERIFY, send, spawn_bot};

#[tokio::test]
async fn health_readiness_and_metrics() {
    let bot = spawn_bot().await;
    assert_eq!(
        bot.get("/healthz").await,
        (StatusCode::OK, "ok\n".to_owned())
    );
    assert_eq!(bot.get("/readyz").await.0, StatusCode::OK);

    // A turn, so the counters exist.
    bot.ask_twilio("hi").await;
    let (status, metrics) = bot.get("/metrics").await;
    assert_eq!(status, StatusCode::OK);
    for name in [
        "campanile_messages_in_total",
        "campanile_turns_total",
        "campanile_turn_duration_seconds_bucket",
        "campanile_messages_out_total",
        "campanile_http_connections",
    ] {
        assert!(
            metrics.contains(name),
            "{name} missing from /metrics:\n{metrics}"
        );
    }
    assert!(
        metrics.contains("provider=\"twilio\""),
        "labelled by provider:\n{metrics}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn forged_and_unsigned_webhooks_are_refused_and_change_nothing() {
    let bot = spawn_bot().await;
    let order = TwilioWebhook::text(CUSTOMER, BUSINESS, "Cement x 100");
    let forged = send(bot.addr, order.signed_request("guess", &bot.twilio_url())).await;
    assert_eq!(forged.0, StatusCode::FORBIDDEN);

    let mut unsigned = order.signed_request("guess", &bot.twilio_url());
    unsigned.headers_mut().remove("x-twilio-signature");
    assert_eq!(send(bot.addr, unsigned).await.0, StatusCode::FORBIDDEN);

    let meta = MetaWebhook::new(PHONE_NUMBER_ID, "15550783881")
        .message(MetaMessage::text("919812345678", "Cement x 100"));
    let forged_meta = send(
        bot.addr,
        meta.signed_request(b"wrong-secret", "/webhooks/meta"),
    )
    .await;
    assert_eq!(forged_meta.0, StatusCode::FORBIDDEN);

    // Counted, whether logged or not.
    let (_, metrics) = bot.get("/metrics").await;
    for provider in ["twilio", "meta"] {
        assert!(
            metrics.contains(&format!(
                "campanile_webhooks_refused_total{{provider=\"{provider}\",reason=\"signature\"}}"
            )),
            "{provider} refusals counted:\n{metrics}"
        );
    }

    assert!(
        bot.log().await.is_empty(),
        "nothing recorded: {:?}",
        bot.log().await
    );
    assert!(bot.orders_of(CUSTOMER).await.is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        bot.twilio.requests().is_empty() && bot.meta.requests().is_empty(),
        "nothing sent"
    );
    bot.stop().await;
}

#[tokio::test]
async fn bad_input_gets_a_clear_4xx_never_a_5xx() {
    let bot = spawn_bot().await;
    let url = bot.twilio_url();
    // Not a form.
    let mut json =
        TwilioWebhook::text(CUSTOMER, BUSINESS, "hi").signed_request(crate::support::TOKEN, &url);
    json.headers_mut().insert(
        http::header::CONTENT_TYPE,
        "application/json".parse().unwrap(),
    );
    let (status, _) = send(bot.addr, json).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Signed, but not a message Twilio would send (no From).
    let broken = TwilioWebhook::text(CUSTOMER, BUSINESS, "hi").without_param("From");
    let (status, body) = bot.twilio(&broken).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Meta: signed garbage.
    let garbage = Request::post("/webhooks/meta")
        .header("content-type", "application/json")
        .header(
            "x-hub-signature-256",
            framework::provider::meta::sign(crate::support::SECRET.as_bytes(), b"{not json"),
        )
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    let (status, _) = send(bot.addr, garbage).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Unknown paths and methods.
    assert_eq!(
        bot.get("/webhooks/twilio").await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(bot.get("/nope").await.0, StatusCode::NOT_FOUND);
    bot.stop().await;
}

#[tokio::test]
async fn meta_subscription_handshake() {
    let bot = spawn_bot().await;
    let ok = send(
        bot.addr,
        verification_request("/webhooks/meta", VERIFY, "4242"),
    )
    .await;
    assert_eq!(ok, (StatusCode::OK, "4242".to_owned()));
    let wrong = send(
        bot.addr,
        verification_request("/webhooks/meta", "nope", "4242"),
    )
    .await;
    assert_eq!(wrong.0, StatusCode::FORBIDDEN);
    bot.stop().await;
}
