//! `infra_providers::policy::Resilient`: each provider behind deadline →
//! retry → circuit breaker → shaper, against the fakes.

use std::time::Duration;

use framework::Provider;
use framework::rate_limit::InMemRateStore;
use infra_providers::meta::MetaClient;
use infra_providers::policy::{
    BreakerConfig, BreakerState, PolicyConfig, Resilient, ThroughputConfig,
};
use infra_providers::testing::{FakeFailure, FakeMeta, FakeTwilio};
use infra_providers::twilio::TwilioClient;
use infra_providers::{OutboundRequest, Providers, SendError, Transport};

use super::{ACCESS_TOKEN, ACCOUNT_SID, AUTH_TOKEN, CUSTOMER, PHONE_NUMBER_ID, SHOP, fields};

/// A policy with a quick breaker and no pacing, so tests stay short.
fn quick() -> PolicyConfig {
    PolicyConfig {
        retries: 0,
        breaker: BreakerConfig {
            failure_threshold: 3,
            open_for: Duration::from_millis(400),
            ..BreakerConfig::default()
        },
        throughput: ThroughputConfig {
            per_second: 0,
            pair: None,
            ..ThroughputConfig::default()
        },
        ..PolicyConfig::default()
    }
}

async fn twilio(config: PolicyConfig) -> (FakeTwilio, Resilient<InMemRateStore>) {
    let fake = FakeTwilio::start(ACCOUNT_SID, AUTH_TOKEN).await;
    let providers = Providers::new().with_twilio(TwilioClient::new(fake.config()).unwrap());
    let resilient = Resilient::new(providers, InMemRateStore::new())
        .with_policy(Provider::Twilio, config)
        .unwrap();
    (fake, resilient)
}

fn text(body: &str) -> OutboundRequest {
    OutboundRequest::Twilio {
        fields: fields(&[
            ("To", &format!("whatsapp:{CUSTOMER}")),
            ("From", &format!("whatsapp:{SHOP}")),
            ("Body", body),
        ]),
    }
}

fn state(resilient: &Resilient<InMemRateStore>) -> BreakerState {
    resilient.breakers()[0].state
}

#[tokio::test]
async fn the_breaker_opens_after_the_threshold_and_nothing_reaches_the_provider_but_the_probe() {
    let (fake, resilient) = twilio(quick()).await;
    for _ in 0..3 {
        fake.fail_next(FakeFailure::ServerError);
    }
    for _ in 0..3 {
        let err = resilient.send(&text("hi")).await.unwrap_err();
        assert!(matches!(err, SendError::Retryable { .. }), "{err:?}");
    }
    assert_eq!(state(&resilient), BreakerState::Open);
    assert!(resilient.refusing(Provider::Twilio).is_some());

    // Open: refused here, with no request to Twilio.
    for _ in 0..5 {
        let err = resilient.send(&text("hi")).await.unwrap_err();
        assert!(
            matches!(
                err,
                SendError::CircuitOpen {
                    target: "twilio",
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_retryable());
    }
    assert_eq!(fake.requests().len(), 3);

    // After its open time, one probe goes; Twilio has recovered: closed.
    tokio::time::sleep(Duration::from_millis(450)).await;
    assert_eq!(resilient.refusing(Provider::Twilio), None);
    resilient.send(&text("probe")).await.unwrap();
    assert_eq!(fake.requests().len(), 4);
    assert_eq!(state(&resilient), BreakerState::Closed);
    resilient.send(&text("after")).await.unwrap();
    assert_eq!(fake.texts_to(CUSTOMER), ["probe", "after"]);
    assert_eq!(resilient.breakers()[0].openings, 1);
}

#[tokio::test]
async fn a_failed_probe_opens_the_breaker_again() {
    let (fake, resilient) = twilio(quick()).await;
    for _ in 0..4 {
        fake.fail_next(FakeFailure::ServerError);
    }
    for _ in 0..3 {
        resilient.send(&text("hi")).await.unwrap_err();
    }
    tokio::time::sleep(Duration::from_millis(450)).await;

    let probe = resilient.send(&text("probe")).await.unwrap_err();

    assert!(matches!(probe, SendError::Retryable { .. }), "{probe:?}");
    assert_eq!(state(&resilient), BreakerState::Open);
    assert!(matches!(
        resilient.send(&text("hi")).await.unwrap_err(),
        SendError::CircuitOpen { .. }
    ));
    assert_eq!(fake.requests().len(), 4);
    assert_eq!(resilient.breakers()[0].openings, 2);
}

#[tokio::test]
async fn validation_errors_and_throughput_answers_never_trip_the_breaker() {
    let (fake, resilient) = twilio(quick()).await;
    for _ in 0..4 {
        fake.fail_next(FakeFailure::InvalidRecipient);
        fake.fail_next(FakeFailure::OutsideWindow);
        fake.fail_next(FakeFailure::RateLimited {
            retry_after_secs: None,
        });
    }

    for _ in 0..12 {
        resilient.send(&text("hi")).await.unwrap_err();
    }

    assert_eq!(state(&resilient), BreakerState::Closed);
    assert_eq!(fake.requests().len(), 12);
    resilient
        .send(&text("still open for business"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_server_error_is_retried_here_and_the_message_goes_once() {
    let mut config = quick();
    config.retries = 2;
    config.retry_backoff = Duration::from_millis(10);
    let (fake, resilient) = twilio(config).await;
    fake.fail_next(FakeFailure::ServerError);
    fake.fail_next(FakeFailure::ServerError);

    resilient.send(&text("third time")).await.unwrap();

    assert_eq!(fake.requests().len(), 3);
    assert_eq!(fake.texts_to(CUSTOMER), ["third time"]);
}

#[tokio::test]
async fn a_retry_after_longer_than_the_retry_budget_goes_back_to_the_caller() {
    let mut config = quick();
    config.retries = 3;
    let (fake, resilient) = twilio(config).await;
    fake.fail_next(FakeFailure::RateLimited {
        retry_after_secs: Some(30),
    });

    let err = resilient.send(&text("hi")).await.unwrap_err();

    assert!(err.is_throttled(), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_timeout_after_the_request_was_written_is_unknown_and_never_retried_here() {
    let mut config = quick();
    config.retries = 3;
    let fake = FakeTwilio::start(ACCOUNT_SID, AUTH_TOKEN).await;
    let client = TwilioClient::new(fake.config().with_timeout(Duration::from_millis(300))).unwrap();
    let resilient = Resilient::new(Providers::new().with_twilio(client), InMemRateStore::new())
        .with_policy(Provider::Twilio, config)
        .unwrap();
    fake.fail_next(FakeFailure::Hang(Duration::from_secs(30)));

    let err = resilient.send(&text("hi")).await.unwrap_err();

    assert!(err.is_unknown(), "{err:?}");
    // The fake took it: sending it again here would deliver it twice.
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(fake.accepted().len(), 1);
}

#[tokio::test]
async fn no_retry_starts_that_could_outlast_the_sends_budget() {
    // The client's own timeout is 10 s and the budget 5 s: the budget is
    // one whole call, and a retry would end after it.
    let config = PolicyConfig {
        retries: 3,
        timeout: Duration::from_secs(5),
        ..quick()
    };
    let (fake, resilient) = twilio(config).await;
    fake.fail_next(FakeFailure::ServerError);

    let err = resilient.send(&text("hi")).await.unwrap_err();

    assert!(matches!(err, SendError::Retryable { .. }), "{err:?}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_throughput_wait_past_the_budget_is_answered_without_sending() {
    let config = PolicyConfig {
        timeout: Duration::from_secs(12),
        ..quick()
    };
    let (fake, resilient) = twilio(config).await;
    // Twilio asks to wait 30 s: this sender is paused past the next send's
    // budget.
    fake.fail_next(FakeFailure::RateLimited {
        retry_after_secs: Some(30),
    });
    resilient.send(&text("first")).await.unwrap_err();

    let err = resilient.send(&text("second")).await.unwrap_err();

    assert!(err.is_throttled(), "{err:?}");
    assert!(
        err.retry_after().unwrap() > Duration::from_secs(25),
        "{err:?}"
    );
    assert_eq!(fake.requests().len(), 1, "the second was not sent");
}

#[tokio::test]
async fn meta_has_its_own_breaker() {
    let twilio_fake = FakeTwilio::start(ACCOUNT_SID, AUTH_TOKEN).await;
    let meta_fake = FakeMeta::start(ACCESS_TOKEN).await;
    let providers = Providers::new()
        .with_twilio(TwilioClient::new(twilio_fake.config()).unwrap())
        .with_meta(MetaClient::new(meta_fake.config()).unwrap());
    let resilient = Resilient::new(providers, InMemRateStore::new())
        .with_policy(Provider::Twilio, quick())
        .unwrap()
        .with_policy(Provider::Meta, quick())
        .unwrap();
    let meta_text = OutboundRequest::Meta {
        phone_number_id: PHONE_NUMBER_ID.to_owned(),
        body: serde_json::json!({
            "messaging_product": "whatsapp", "to": CUSTOMER, "type": "text",
            "text": {"body": "hi"}
        }),
    };
    for _ in 0..3 {
        meta_fake.fail_next(FakeFailure::ServerError);
        resilient.send(&meta_text).await.unwrap_err();
    }

    let states: Vec<_> = resilient
        .breakers()
        .iter()
        .map(|b| (b.target, b.state))
        .collect();
    assert_eq!(
        states,
        [
            ("meta", BreakerState::Open),
            ("twilio", BreakerState::Closed)
        ]
    );
    resilient.send(&text("twilio still works")).await.unwrap();
    assert_eq!(twilio_fake.accepted().len(), 1);
}

#[tokio::test]
async fn an_unconfigured_provider_is_still_a_dry_run() {
    let resilient = Resilient::new(Providers::new(), InMemRateStore::new());

    let err = resilient.send(&text("hi")).await.unwrap_err();

    assert!(matches!(err, SendError::NotConfigured(Provider::Twilio)));
    assert!(resilient.breakers().is_empty());
}
