//! The inbox's conversation queues: a queue runs from its head, one claim
//! at a time; held and waiting heads hide no runnable one; a renewed claim
//! holds, and only its holder renews.

use framework::Provider;
use infra_sql::testing::{Backend, TestDb};

use crate::messages::{Log, inbound, inbound_from, key, log_on};

/// The inbox: a conversation's queue runs from its head, one claim at a
/// time; a message given back waits for its time and holds the messages
/// behind it; the stored message comes back whole.
async fn the_inbox_queue_runs_in_order_one_claim_at_a_time(backend: Backend) {
    let (db, log) = log_on(backend).await;
    let first = inbound("SM-q1", "Cement x 100").with_channel_id("MG1");
    let second = inbound("SM-q2", "1");
    log.inbox.record(&first).await.unwrap();
    log.inbox.record(&second).await.unwrap();

    let head = log
        .inbox
        .head(Provider::Twilio, &key())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.message.id().as_str(), "SM-q1", "the oldest first");
    assert_eq!(head.message.text(), Some("Cement x 100"));
    assert_eq!(head.message.profile_name(), Some("Asha"), "stored whole");
    assert_eq!(head.message.channel_id(), Some("MG1"));
    assert!(head.runnable);

    let claim = log
        .inbox
        .claim(head.id, db.db.now_ms() + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claim.attempts, 1);
    assert_eq!(
        log.inbox
            .claim(head.id, db.db.now_ms() + 60_000)
            .await
            .unwrap(),
        None,
        "one worker at a time"
    );
    let held = log
        .inbox
        .head(Provider::Twilio, &key())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(held.id, head.id, "the second waits behind the first");
    assert!(!held.runnable);
    assert_eq!(
        log.inbox
            .claim(head.id + 1, db.db.now_ms() + 60_000)
            .await
            .unwrap(),
        None,
        "a message behind an unfinished one cannot be claimed"
    );

    // Given back for later: still the head, not runnable until then.
    log.inbox.retry(&claim, db.db.now_ms() + 300).await.unwrap();
    let waiting = log.inbox.heads(10).await.unwrap();
    assert_eq!(waiting.len(), 1, "one conversation, one head");
    assert!(!waiting[0].runnable);
    assert_eq!(
        log.inbox
            .claim(head.id, db.db.now_ms() + 60_000)
            .await
            .unwrap(),
        None,
        "not due"
    );

    // Due again: claimed (second run). A stale holder's give-back (its
    // claim is not the current one) changes nothing.
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let again = log
        .inbox
        .claim(head.id, db.db.now_ms() + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2);
    log.inbox.retry(&claim, 0).await.unwrap();
    assert_eq!(
        log.inbox
            .claim(head.id, db.db.now_ms() + 60_000)
            .await
            .unwrap(),
        None,
        "still held by the second run"
    );
    assert!(log.inbox.mark_handled(&first).await.unwrap());
    let next = log
        .inbox
        .head(Provider::Twilio, &key())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(next.message.id().as_str(), "SM-q2");
    db.drop().await;
}

#[tokio::test]
async fn the_inbox_queue_runs_in_order_one_claim_at_a_time_sqlite() {
    the_inbox_queue_runs_in_order_one_claim_at_a_time(Backend::SqliteFile).await;
}

#[tokio::test]
async fn the_inbox_queue_runs_in_order_one_claim_at_a_time_postgres() {
    the_inbox_queue_runs_in_order_one_claim_at_a_time(Backend::Postgres).await;
}

/// The sweep's heads: those held by a worker or waiting for their retry
/// time never take the places of runnable ones, however many come first.
async fn held_and_waiting_heads_do_not_hide_runnable_ones(backend: Backend) {
    let (db, log) = log_on(backend).await;
    let from = |customer: &str, id: &str| inbound_from(customer, id, "hi");
    let held = from("+919800000001", "SM-held");
    let waiting = from("+919800000002", "SM-waiting");
    let runnable = from("+919800000003", "SM-runnable");
    // Each held back by its conversation's head, whatever that head's state.
    let behind_held = from("+919800000001", "SM-behind-held");
    let behind_waiting = from("+919800000002", "SM-behind-waiting");
    for message in [&held, &waiting, &runnable, &behind_held, &behind_waiting] {
        log.inbox.record(message).await.unwrap();
    }
    let heads = log.inbox.heads(10).await.unwrap();
    assert_eq!(heads.len(), 3);
    let until = db.db.now_ms() + 60_000;
    log.inbox.claim(heads[0].id, until).await.unwrap().unwrap();
    let claim = log.inbox.claim(heads[1].id, until).await.unwrap().unwrap();
    log.inbox.retry(&claim, until).await.unwrap();

    let first = log.inbox.runnable_heads(1).await.unwrap();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].message.id().as_str(), "SM-runnable");
    assert!(first[0].runnable);
    let all: Vec<_> = log
        .inbox
        .runnable_heads(10)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.message.id().as_str().to_owned())
        .collect();
    assert_eq!(
        all,
        ["SM-runnable"],
        "the messages behind a held or waiting head never run before it"
    );
    assert_eq!(
        log.inbox.heads(1).await.unwrap()[0].message.id().as_str(),
        "SM-held",
        "all heads, oldest first, held or not"
    );
    db.drop().await;
}

#[tokio::test]
async fn held_and_waiting_heads_do_not_hide_runnable_ones_sqlite() {
    held_and_waiting_heads_do_not_hide_runnable_ones(Backend::SqliteFile).await;
}

#[tokio::test]
async fn held_and_waiting_heads_do_not_hide_runnable_ones_postgres() {
    held_and_waiting_heads_do_not_hide_runnable_ones(Backend::Postgres).await;
}

/// A renewed claim holds past its first lease, by the database's clock;
/// only the claim that holds the row renews it or gives it back.
async fn a_renewed_claim_holds_and_only_its_holder_renews(backend: Backend) {
    use std::time::Duration;

    // Arrange: a claimed message, on a manual clock far from any test day.
    let hand = framework::clock::ManualClock::new(1_795_329_000_000);
    let db = TestDb::new(backend).await;
    let log = Log::new(&db.db.clone().with_clock(hand.clock()));
    log.inbox.record(&inbound("SM-renew", "hi")).await.unwrap();
    let head = log
        .inbox
        .head(Provider::Twilio, &key())
        .await
        .unwrap()
        .unwrap();
    let claim = log
        .inbox
        .claim(head.id, hand.now_ms() + 10_000)
        .await
        .unwrap()
        .unwrap();

    // Act: renewed twice while it runs, 8 s apart.
    hand.advance(Duration::from_secs(8));
    assert!(log.inbox.renew(&claim, 10_000).await.unwrap());
    hand.advance(Duration::from_secs(8));
    assert!(log.inbox.renew(&claim, 10_000).await.unwrap());

    // Assert: 16 s after the claim, its 10 s lease still holds.
    hand.advance(Duration::from_secs(8));
    assert_eq!(
        log.inbox
            .claim(head.id, hand.now_ms() + 10_000)
            .await
            .unwrap(),
        None,
        "a renewed claim holds past its first lease"
    );
    // Once it lapses, another worker claims the row; the first can then
    // neither renew nor give it back.
    hand.advance(Duration::from_secs(3));
    let taken = log
        .inbox
        .claim(head.id, hand.now_ms() + 10_000)
        .await
        .unwrap()
        .unwrap();
    assert!(
        !log.inbox.renew(&claim, 10_000).await.unwrap(),
        "a claim taken over is not renewed by its first holder"
    );
    log.inbox.retry(&claim, hand.now_ms()).await.unwrap();
    assert_eq!(
        log.inbox
            .claim(head.id, hand.now_ms() + 10_000)
            .await
            .unwrap(),
        None,
        "a claim taken over is not given back by its first holder"
    );
    // A claim whose answer was lost is known by its exact end: one that
    // counts the same run but ends at another time is not given back.
    let lost = infra_sql::messages::InboundClaim::unanswered(
        head.id,
        taken.until_ms + 1,
        taken.attempts - 1,
    );
    log.inbox.retry(&lost, hand.now_ms()).await.unwrap();
    assert_eq!(
        log.inbox
            .claim(head.id, hand.now_ms() + 10_000)
            .await
            .unwrap(),
        None,
        "an unanswered claim does not give back another worker's claim of the same run"
    );
    let lost =
        infra_sql::messages::InboundClaim::unanswered(head.id, taken.until_ms, taken.attempts - 1);
    log.inbox.retry(&lost, hand.now_ms()).await.unwrap();
    assert!(
        log.inbox
            .claim(head.id, hand.now_ms() + 10_000)
            .await
            .unwrap()
            .is_some(),
        "an unanswered claim that took is given back"
    );
    db.drop().await;
}

#[tokio::test]
async fn a_renewed_claim_holds_and_only_its_holder_renews_sqlite() {
    a_renewed_claim_holds_and_only_its_holder_renews(Backend::SqliteFile).await;
}

#[tokio::test]
async fn a_renewed_claim_holds_and_only_its_holder_renews_postgres() {
    a_renewed_claim_holds_and_only_its_holder_renews(Backend::Postgres).await;
}
