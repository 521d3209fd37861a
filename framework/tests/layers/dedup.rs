use std::time::{Duration, SystemTime};

use framework::dedup::{DedupConfig, DedupLayer, InMemSeenStore};
use framework::{BoxError, InboundMessage, Outcome, Response};
use futures_util::future::join_all;
use tower::{Layer, service_fn};

use crate::support::{Recorder, call};

#[tokio::test]
async fn a_retried_message_runs_once() {
    // Arrange
    let rec = Recorder::default();
    let svc = DedupLayer::new(InMemSeenStore::new()).layer(rec.service(Duration::ZERO));
    let msg = framework::doc::text("Cement x 100");

    // Act
    let first = call(&svc, msg.clone()).await.unwrap();
    let retry = call(&svc, msg.clone()).await.unwrap();

    // Assert
    assert_eq!(first.outcome(), Outcome::Handled);
    assert_eq!(retry.outcome(), Outcome::Duplicate);
    assert!(retry.replies().is_empty());
    assert_eq!(rec.ids(), [msg.id().to_string()]);
}

#[tokio::test(start_paused = true)]
async fn fifty_concurrent_deliveries_of_one_message_run_once() {
    let rec = Recorder::default();
    let svc = DedupLayer::new(InMemSeenStore::new()).layer(rec.service(Duration::from_millis(50)));
    let msg = framework::doc::text("hi");

    let results = join_all((0..50).map(|_| call(&svc, msg.clone()))).await;

    let handled = results
        .iter()
        .filter(|r| r.as_ref().unwrap().outcome() == Outcome::Handled)
        .count();
    assert_eq!(handled, 1);
    assert_eq!(rec.ids().len(), 1);
    // The others arrived while the first ran: in flight, so the webhook asks
    // the provider to retry (a crashed worker's message is not lost).
    let in_flight = results
        .iter()
        .filter(|r| r.as_ref().unwrap().outcome() == Outcome::InFlight)
        .count();
    assert_eq!(in_flight, 49);
}

#[tokio::test(start_paused = true)]
async fn a_turn_longer_than_the_in_flight_ttl_keeps_its_claim() {
    // The claim lasts 3 s and the turn 10 s: renewed while the turn runs, a
    // delivery at 5 s still finds the message in flight (without renewal
    // it would run the message a second time beside the first).
    let rec = Recorder::default();
    let svc = DedupLayer::new(InMemSeenStore::new())
        .with_config(DedupConfig::default().with_in_flight_ttl(Duration::from_secs(3)))
        .layer(rec.service(Duration::from_secs(10)));
    let msg = framework::doc::text("hi");

    let (first, second) = tokio::join!(call(&svc, msg.clone()), async {
        tokio::time::sleep(Duration::from_secs(5)).await;
        call(&svc, msg.clone()).await
    });

    assert_eq!(second.unwrap().outcome(), Outcome::InFlight);
    assert_eq!(first.unwrap().outcome(), Outcome::Handled);
    assert_eq!(rec.ids(), [msg.id().to_string()]);
}

#[tokio::test]
async fn a_failed_turn_can_be_retried() {
    // The first attempt fails (e.g. a database hiccup); the provider's retry
    // must be processed, not dropped as a duplicate.
    let attempts = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = attempts.clone();
    let svc =
        DedupLayer::new(InMemSeenStore::new()).layer(service_fn(move |_msg: InboundMessage| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                if n == 0 {
                    Err::<Response, BoxError>("transient".into())
                } else {
                    Ok(Response::reply("done"))
                }
            }
        }));
    let msg = framework::doc::text("hi");

    assert!(call(&svc, msg.clone()).await.is_err());
    let retry = call(&svc, msg.clone()).await.unwrap();
    assert_eq!(retry.outcome(), Outcome::Handled);
    let again = call(&svc, msg).await.unwrap();
    assert_eq!(again.outcome(), Outcome::Duplicate);
}

#[tokio::test(start_paused = true)]
async fn ids_are_remembered_for_seven_days_by_default() {
    let rec = Recorder::default();
    let svc = DedupLayer::new(InMemSeenStore::new()).layer(rec.service(Duration::ZERO));
    let msg = framework::doc::text("hi");
    call(&svc, msg.clone()).await.unwrap();

    tokio::time::advance(Duration::from_secs(7 * 86_400 - 60)).await;
    assert_eq!(
        call(&svc, msg.clone()).await.unwrap().outcome(),
        Outcome::Duplicate
    );

    tokio::time::advance(Duration::from_secs(120)).await;
    assert_eq!(call(&svc, msg).await.unwrap().outcome(), Outcome::Handled);
}

#[tokio::test]
async fn a_week_late_replay_gets_no_fresh_answer() {
    let rec = Recorder::default();
    let svc = DedupLayer::new(InMemSeenStore::new()).layer(rec.service(Duration::ZERO));
    let old = framework::doc::text("hi")
        .with_timestamp(SystemTime::now() - Duration::from_secs(6 * 86_400));

    let r = call(&svc, old.clone()).await.unwrap();

    assert_eq!(r.outcome(), Outcome::Stale);
    assert!(rec.ids().is_empty());

    // The check can be turned off.
    let svc = DedupLayer::new(InMemSeenStore::new())
        .with_config(DedupConfig::default().with_max_age(None))
        .layer(rec.service(Duration::ZERO));
    assert_eq!(call(&svc, old).await.unwrap().outcome(), Outcome::Handled);
}

#[tokio::test]
async fn a_message_s_age_is_judged_by_the_layer_s_clock() {
    use framework::clock::ManualClock;
    // Arrange: a message sent at a fixed instant, and a clock pinned a day
    // and a minute later (the real date does not matter).
    let sent = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_329_000);
    let msg = framework::doc::text("hi").with_timestamp(sent);
    let hand = ManualClock::new(1_795_329_000_000 + 23 * 3_600_000);
    let rec = Recorder::default();
    let svc = DedupLayer::new(InMemSeenStore::new())
        .with_config(DedupConfig::default().with_clock(hand.clock()))
        .layer(rec.service(Duration::ZERO));

    // Act + Assert: 23 hours old runs; once the clock passes 24 hours, a
    // new delivery of it is stale.
    assert_eq!(
        call(&svc, msg.clone()).await.unwrap().outcome(),
        Outcome::Handled
    );
    hand.advance(Duration::from_secs(2 * 3_600));
    let later = framework::doc::text("hi again").with_timestamp(sent);
    assert_eq!(call(&svc, later).await.unwrap().outcome(), Outcome::Stale);
}

#[tokio::test]
async fn twilio_and_meta_ids_do_not_collide() {
    use framework::{Content, MessageId, Provider};
    let rec = Recorder::default();
    let svc = DedupLayer::new(InMemSeenStore::new()).layer(rec.service(Duration::ZERO));
    let content = Content::Text {
        body: "hi".to_owned(),
    };
    let twilio = InboundMessage::new(
        Provider::Twilio,
        MessageId::new("same"),
        framework::doc::key(),
        content.clone(),
    );
    let meta = InboundMessage::new(
        Provider::Meta,
        MessageId::new("same"),
        framework::doc::key(),
        content,
    )
    .with_channel_id("106540352242922");

    assert_eq!(
        call(&svc, twilio).await.unwrap().outcome(),
        Outcome::Handled
    );
    assert_eq!(call(&svc, meta).await.unwrap().outcome(), Outcome::Handled);
}

/// A store whose backend is down.
#[derive(Clone)]
struct DownStore;

impl framework::dedup::SeenStore for DownStore {
    async fn claim(
        &self,
        _key: &str,
        _in_flight_ttl: Duration,
    ) -> Result<framework::dedup::Claim, framework::dedup::SeenStoreError> {
        Err(framework::dedup::SeenStoreError::Backend(
            "connection refused".into(),
        ))
    }

    async fn complete(
        &self,
        _key: &str,
        _token: &framework::dedup::ClaimToken,
        _ttl: Duration,
    ) -> Result<(), framework::dedup::SeenStoreError> {
        Ok(())
    }

    async fn renew(
        &self,
        _key: &str,
        _token: &framework::dedup::ClaimToken,
        _in_flight_ttl: Duration,
    ) -> Result<bool, framework::dedup::SeenStoreError> {
        Ok(false)
    }

    async fn release(
        &self,
        _key: &str,
        _token: &framework::dedup::ClaimToken,
    ) -> Result<(), framework::dedup::SeenStoreError> {
        Ok(())
    }
}

#[tokio::test]
async fn a_store_that_is_down_runs_nothing_and_asks_for_a_retry() {
    // Regression (review of issue 4): a failed claim became an apology and a
    // 2xx, so the provider stopped retrying a message nothing had recorded.
    let rec = Recorder::default();
    let svc = DedupLayer::new(DownStore).layer(rec.service(Duration::ZERO));

    let response = call(&svc, framework::doc::text("hi")).await.unwrap();

    assert_eq!(response.outcome(), Outcome::InFlight);
    assert!(rec.ids().is_empty(), "the handler did not run");
}
