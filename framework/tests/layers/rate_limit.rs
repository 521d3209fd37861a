use std::time::Duration;

use framework::rate_limit::{InMemRateStore, Quota, RateLimitConfig, RateLimitLayer};
use framework::{InboundMessage, Outcome};
use tower::Layer;

use crate::support::{Recorder, call};

fn layer(limit: u32) -> RateLimitLayer<InMemRateStore> {
    RateLimitLayer::new(
        InMemRateStore::new(),
        RateLimitConfig::default().with_quota(Quota::new(limit, Duration::from_secs(60))),
    )
}

#[tokio::test(start_paused = true)]
async fn a_flood_gets_one_notice_per_window_and_no_error() {
    // Arrange
    let rec = Recorder::default();
    let svc = layer(3).layer(rec.service(Duration::ZERO));

    // Act: 10 messages at once.
    let mut outcomes = Vec::new();
    for i in 0..10 {
        let r = call(&svc, framework::doc::text(&format!("m{i}")))
            .await
            .unwrap();
        outcomes.push((r.outcome(), r.replies().len()));
    }

    // Assert
    assert_eq!(rec.ids().len(), 3);
    assert_eq!(&outcomes[..3], &[(Outcome::Handled, 1); 3]);
    assert_eq!(outcomes[3], (Outcome::RateLimited, 1), "one notice");
    assert!(
        outcomes[4..]
            .iter()
            .all(|o| *o == (Outcome::RateLimited, 0)),
        "then silence: {outcomes:?}"
    );

    // A minute later the customer may write again, and a new flood gets a new notice.
    tokio::time::advance(Duration::from_secs(61)).await;
    for _ in 0..3 {
        assert_eq!(
            call(&svc, framework::doc::text("again"))
                .await
                .unwrap()
                .outcome(),
            Outcome::Handled
        );
    }
    let r = call(&svc, framework::doc::text("too much")).await.unwrap();
    assert_eq!((r.outcome(), r.replies().len()), (Outcome::RateLimited, 1));
}

#[tokio::test(start_paused = true)]
async fn one_noisy_customer_does_not_slow_down_another() {
    let rec = Recorder::default();
    let svc = layer(2).layer(rec.service(Duration::ZERO));
    for _ in 0..5 {
        call(&svc, framework::doc::text("spam")).await.unwrap();
    }
    let other = InboundMessage::new(
        framework::Provider::Local,
        framework::doc::fresh_id(),
        framework::doc::key_for("+919900000001"),
        framework::Content::Text {
            body: "hello".to_owned(),
        },
    );
    assert_eq!(call(&svc, other).await.unwrap().outcome(), Outcome::Handled);
}

#[tokio::test(start_paused = true)]
async fn exempt_messages_and_silent_notices() {
    let rec = Recorder::default();
    let svc = RateLimitLayer::new(
        InMemRateStore::new(),
        RateLimitConfig::default()
            .with_quota(Quota::new(1, Duration::from_secs(60)))
            .with_notice(None),
    )
    .with_key(|msg: &InboundMessage| (msg.text() != Some("vip")).then(|| msg.key().storage_key()))
    .layer(rec.service(Duration::ZERO));

    call(&svc, framework::doc::text("one")).await.unwrap();
    let limited = call(&svc, framework::doc::text("two")).await.unwrap();
    assert_eq!(
        (limited.outcome(), limited.replies().len()),
        (Outcome::RateLimited, 0)
    );
    for _ in 0..3 {
        assert_eq!(
            call(&svc, framework::doc::text("vip"))
                .await
                .unwrap()
                .outcome(),
            Outcome::Handled
        );
    }
}

#[tokio::test(start_paused = true)]
async fn extreme_quotas_neither_panic_nor_switch_the_limit_off() {
    // Regression (review finding 7): a limit above the period's nanoseconds
    // gave a zero interval, which never limits; Duration::MAX overflowed.
    assert!(Quota::new(u32::MAX, Duration::from_millis(1)).interval() > Duration::ZERO);
    let rec = Recorder::default();
    let forever = RateLimitLayer::new(
        InMemRateStore::new(),
        RateLimitConfig::default().with_quota(Quota::new(1, Duration::MAX)),
    )
    .layer(rec.service(Duration::ZERO));
    assert_eq!(
        call(&forever, framework::doc::text("x"))
            .await
            .unwrap()
            .outcome(),
        Outcome::Handled
    );
    assert_eq!(
        call(&forever, framework::doc::text("x"))
            .await
            .unwrap()
            .outcome(),
        Outcome::RateLimited
    );
}
