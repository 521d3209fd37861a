//! Refused webhooks are all counted, and a flood of them logs a few lines.
//!
//! Each test runs on one thread (`#[tokio::test]`), with a log subscriber and
//! a metrics recorder local to it, on virtual time.

use std::time::Duration;

use axum::body::Body;
use framework::testing::meta::{MetaMessage, MetaWebhook};
use framework::testing::twilio::{BUSINESS_NUMBER, CUSTOMER_NUMBER, TwilioWebhook};
use framework::webhook::{REFUSAL_LOG_INTERVAL, REFUSED_METRIC};
use http::{Request, StatusCode};

use framework::testing::LogBuffer;

use crate::support::{Counters, TWILIO_TOKEN, config, recording_app, send};

const URL: &str = "https://bot.example.com/webhooks/twilio";

fn hi() -> TwilioWebhook {
    TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "Cement x 100")
}

fn refused(counters: &Counters, provider: &str, reason: &str) -> u64 {
    counters.get(&format!(
        "{REFUSED_METRIC}{{provider={provider},reason={reason}}}"
    ))
}

#[tokio::test(start_paused = true)]
async fn a_thousand_forged_webhooks_are_all_counted_and_logged_twice() {
    // Arrange
    let logs = LogBuffer::default();
    let _logging = logs.install();
    let counters = Counters::default();
    let _recording = metrics::set_default_local_recorder(&counters);
    let (app, seen, _) = recording_app();
    let forged = || hi().signed_request("not-the-token", URL);

    // Act: a flood, then one more after the interval.
    for _ in 0..1_000 {
        assert_eq!(send(&app, forged()).await.0, StatusCode::FORBIDDEN);
    }
    let during = logs.lines_with("webhook refused");
    tokio::time::advance(REFUSAL_LOG_INTERVAL).await;
    assert_eq!(send(&app, forged()).await.0, StatusCode::FORBIDDEN);

    // Assert
    assert_eq!(during.len(), 1, "the first refusal only: {during:?}");
    assert!(during[0].contains("WARN"), "{}", during[0]);
    assert!(during[0].contains("reason=\"signature\""), "{}", during[0]);
    let lines = logs.lines_with("webhook refused");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[1].contains("suppressed=999"),
        "the next line tells how many were not logged: {}",
        lines[1]
    );
    assert_eq!(refused(&counters, "twilio", "signature"), 1_001);
    assert_eq!(seen.count(), 0, "nothing forged was processed");
}

#[tokio::test(start_paused = true)]
async fn each_provider_and_reason_has_its_own_allowance() {
    // Arrange
    let logs = LogBuffer::default();
    let _logging = logs.install();
    let counters = Counters::default();
    let _recording = metrics::set_default_local_recorder(&counters);
    let (app, _, _) = recording_app();
    let meta = MetaWebhook::new("106540352242922", "15550783881")
        .message(MetaMessage::text("16505551234", "hi"));
    let wrong_type = || {
        let (parts, body) = hi().signed_request(TWILIO_TOKEN, URL).into_parts();
        let mut request = Request::from_parts(parts, body);
        request
            .headers_mut()
            .insert("content-type", "text/plain".parse().unwrap());
        request
    };

    // Act
    for _ in 0..10 {
        send(&app, hi().signed_request("not-the-token", URL)).await;
        send(&app, meta.signed_request(b"wrong-secret", "/webhooks/meta")).await;
        assert_eq!(
            send(&app, wrong_type()).await.0,
            StatusCode::UNSUPPORTED_MEDIA_TYPE
        );
    }
    tokio::time::advance(REFUSAL_LOG_INTERVAL - Duration::from_millis(1)).await;
    send(&app, hi().signed_request("not-the-token", URL)).await;

    // Assert: one line each, still within the interval.
    let lines = logs.lines_with("webhook refused");
    assert_eq!(lines.len(), 3, "{lines:#?}");
    assert!(lines[0].contains("provider=\"twilio\"") && lines[0].contains("signature"));
    assert!(lines[1].contains("provider=\"meta\"") && lines[1].contains("signature"));
    assert!(lines[2].contains("INFO") && lines[2].contains("content_type"));
    assert_eq!(refused(&counters, "twilio", "signature"), 11);
    assert_eq!(refused(&counters, "meta", "signature"), 10);
    assert_eq!(refused(&counters, "twilio", "content_type"), 10);
}

#[tokio::test(start_paused = true)]
async fn an_oversized_body_is_refused_413_and_counted() {
    // Arrange
    let logs = LogBuffer::default();
    let _logging = logs.install();
    let counters = Counters::default();
    let _recording = metrics::set_default_local_recorder(&counters);
    let (app, _) = crate::support::app(
        framework::testing::RecordingOutbox::new(),
        config().with_body_limit(1_024),
    );
    let big = || {
        Request::post("/webhooks/meta")
            .header("content-type", "application/json")
            .body(Body::from(vec![b' '; 4_096]))
            .unwrap()
    };

    // Act
    let (status, body, _) = send(&app, big()).await;
    send(&app, big()).await;

    // Assert
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body.contains("length limit"), "{body}");
    assert_eq!(refused(&counters, "meta", "too_large"), 2);
    assert_eq!(logs.lines_with("too_large").len(), 1);
}

#[tokio::test(start_paused = true)]
async fn signed_but_malformed_webhooks_are_each_logged() {
    // Arrange
    let logs = LogBuffer::default();
    let _logging = logs.install();
    let counters = Counters::default();
    let _recording = metrics::set_default_local_recorder(&counters);
    let (app, _, _) = recording_app();

    // Act: only a holder of the secret can send these; each may differ.
    for _ in 0..3 {
        let malformed = hi()
            .without_param("MessageSid")
            .signed_request(TWILIO_TOKEN, URL);
        assert_eq!(send(&app, malformed).await.0, StatusCode::BAD_REQUEST);
    }

    // Assert
    assert_eq!(logs.lines_with("reason=\"malformed\"").len(), 3);
    assert_eq!(refused(&counters, "twilio", "malformed"), 3);
}
