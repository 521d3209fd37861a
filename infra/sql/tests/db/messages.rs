//! The message log: inbound once, outbound stored once per turn, statuses
//! only forward, claims exclusive.

use framework::{
    Content, ConversationKey, DeliveryFailure, DeliveryStatus, InboundMessage, MessageId,
    PhoneNumber, Provider, StatusEvent,
};
use infra_sql::Database;
use infra_sql::messages::{
    DeliveryStatuses, Direction, InboundState, InboundStatus, InboxQueue, MessageQueries,
    NewOutbound, OutboundStatus, OutboxQueue,
};

use infra_sql::testing::{Backend, TestDb};

pub(crate) fn key() -> ConversationKey {
    key_of("+919812345678")
}

pub(crate) fn key_of(customer: &str) -> ConversationKey {
    ConversationKey::new(
        PhoneNumber::parse("+14155238886").unwrap(),
        PhoneNumber::parse(customer).unwrap(),
    )
}

pub(crate) fn inbound(id: &str, text: &str) -> InboundMessage {
    inbound_from("+919812345678", id, text).with_profile_name("Asha")
}

pub(crate) fn inbound_from(customer: &str, id: &str, text: &str) -> InboundMessage {
    InboundMessage::new(
        Provider::Twilio,
        MessageId::new(id),
        key_of(customer),
        Content::Text {
            body: text.to_owned(),
        },
    )
}

pub(crate) fn out(in_reply_to: &str, seq: i32, body: &str) -> NewOutbound {
    NewOutbound {
        provider: Provider::Twilio,
        customer: "+919812345678".to_owned(),
        business: "+14155238886".to_owned(),
        kind: "text".to_owned(),
        body: Some(body.to_owned()),
        in_reply_to: in_reply_to.to_owned(),
        seq,
        request: Some("{}".to_owned()),
        status: OutboundStatus::Pending,
        error: None,
        at_most_once: false,
        fallback: None,
        not_before_ms: None,
    }
}

pub(crate) fn status(id: &str, s: DeliveryStatus) -> StatusEvent {
    StatusEvent {
        provider: Provider::Twilio,
        message_id: MessageId::new(id),
        recipient: None,
        status: s,
        timestamp: None,
        pricing: None,
    }
}

/// The message log's four roles over one database.
#[derive(Clone)]
pub(crate) struct Log {
    pub(crate) inbox: InboxQueue,
    pub(crate) outbox: OutboxQueue,
    pub(crate) statuses: DeliveryStatuses,
    pub(crate) queries: MessageQueries,
}

impl Log {
    pub(crate) fn new(db: &Database) -> Self {
        Self {
            inbox: InboxQueue::new(db.clone()),
            outbox: OutboxQueue::new(db.clone()),
            statuses: DeliveryStatuses::new(db.clone()),
            queries: MessageQueries::new(db.clone()),
        }
    }
}

pub(crate) async fn log_on(backend: Backend) -> (TestDb, Log) {
    let db = TestDb::new(backend).await;
    let log = Log::new(&db.db);
    (db, log)
}

#[tokio::test]
async fn inbound_messages_are_recorded_once() {
    let (db, log) = log_on(Backend::SqliteFile).await;
    let msg = inbound("SM1", "Cement x 100");
    assert_eq!(log.inbox.record(&msg).await.unwrap(), InboundState::New);
    assert_eq!(
        log.inbox.record(&msg).await.unwrap(),
        InboundState::Unfinished,
        "seen, but its turn never finished: run it again"
    );
    log.inbox.mark_handled(&msg).await.unwrap();
    assert_eq!(
        log.inbox.record(&msg).await.unwrap(),
        InboundState::Handled,
        "a retry of a finished turn is a replay"
    );
    let rows = log.queries.recent(None, 10).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].direction(), Direction::In);
    assert_eq!(rows[0].provider_message_id.as_deref(), Some("SM1"));
    assert_eq!(rows[0].body.as_deref(), Some("Cement x 100"));
    assert_eq!(rows[0].status, InboundStatus::Handled);
    db.drop().await;
}

#[tokio::test]
async fn the_log_is_read_a_page_at_a_time() {
    let (db, log) = log_on(Backend::SqliteFile).await;
    let other = "+14155550123";
    for n in 0..5 {
        let msg = inbound(&format!("SM{n}"), &format!("hello {n}"));
        log.inbox.record(&msg).await.unwrap();
        let msg = inbound_from(other, &format!("SX{n}"), &format!("hi {n}"));
        log.inbox.record(&msg).await.unwrap();
    }
    let ids =
        |rows: Vec<infra_sql::messages::LogEntry>| rows.iter().map(|r| r.id).collect::<Vec<_>>();
    let all = ids(log.queries.page(None, None, None, 100).await.unwrap());
    assert_eq!(all.len(), 10);
    assert!(all.windows(2).all(|w| w[0] > w[1]), "newest first: {all:?}");
    assert_eq!(
        ids(log.queries.page(None, None, Some(all[3]), 3).await.unwrap()),
        all[4..7],
        "only rows below `before`, at most `limit`"
    );
    let theirs = log
        .queries
        .page(Some(other), None, Some(all[0]), 100)
        .await
        .unwrap();
    assert_eq!(
        theirs.len(),
        4,
        "one customer's, below `before`: {theirs:?}"
    );
    assert!(theirs.iter().all(|r| r.customer == other));
    assert!(
        log.queries
            .page(None, None, Some(all[9]), 10)
            .await
            .unwrap()
            .is_empty(),
        "nothing below the oldest"
    );
    db.drop().await;
}

async fn a_message_without_a_phone_number_is_kept_once_and_never_runs(backend: Backend) {
    let (db, log) = log_on(backend).await;
    let msg = framework::UnaddressableMessage {
        provider: Provider::Meta,
        message_id: MessageId::new("wamid.BSUID1"),
        user_id: Some("US.13491208655302741918".to_owned()),
        kind: "text".to_owned(),
        channel_id: Some("106540352242922".to_owned()),
    };

    assert!(
        log.inbox.record_unaddressable(&msg).await.unwrap(),
        "first sight"
    );
    assert!(
        !log.inbox.record_unaddressable(&msg).await.unwrap(),
        "a redelivery is no second row"
    );

    let rows = log.queries.recent(None, 10).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].status, InboundStatus::Unsupported);
    assert_eq!(rows[0].customer, "US.13491208655302741918");
    assert!(
        log.inbox.heads(10).await.unwrap().is_empty(),
        "nothing to run: no phone number to answer"
    );
    db.drop().await;
}

#[tokio::test]
async fn a_message_without_a_phone_number_is_kept_once_and_never_runs_on_sqlite() {
    a_message_without_a_phone_number_is_kept_once_and_never_runs(Backend::SqliteFile).await;
}

#[tokio::test]
async fn a_message_without_a_phone_number_is_kept_once_and_never_runs_on_postgres() {
    a_message_without_a_phone_number_is_kept_once_and_never_runs(Backend::Postgres).await;
}

async fn replayed_turns_store_their_replies_once(backend: Backend) {
    let (db, log) = log_on(backend).await;
    let turn = [out("SM1", 0, "summary"), out("SM1", 1, "menu")];
    assert_eq!(log.outbox.enqueue(&turn).await.unwrap(), 2);
    assert_eq!(
        log.outbox.enqueue(&turn).await.unwrap(),
        0,
        "a replay stores nothing new"
    );
    let pending = log.outbox.pending(10).await.unwrap();
    assert_eq!(pending.len(), 2);
    assert!(
        pending[0].id < pending[1].id,
        "sending order is storing order"
    );
    assert!(pending.iter().all(|p| p.due));
    db.drop().await;
}

#[tokio::test]
async fn replayed_turns_store_their_replies_once_on_sqlite() {
    replayed_turns_store_their_replies_once(Backend::SqliteFile).await;
}

#[tokio::test]
async fn replayed_turns_store_their_replies_once_on_postgres() {
    replayed_turns_store_their_replies_once(Backend::Postgres).await;
}

async fn statuses_move_forward_only(backend: Backend) {
    let (db, log) = log_on(backend).await;
    log.outbox
        .enqueue(&[out("SM1", 0, "hello"), out("SM1", 1, "second")])
        .await
        .unwrap();
    let pending = log.outbox.pending(10).await.unwrap();
    let (a, b) = (pending[0].id, pending[1].id);

    // A claim is exclusive while it lasts.
    assert!(
        log.outbox
            .claim(a, db.db.now_ms() + 60_000)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        log.outbox
            .claim(a, db.db.now_ms() + 60_000)
            .await
            .unwrap()
            .is_none(),
        "a claimed row cannot be claimed again"
    );
    assert!(
        !log.outbox.pending(10).await.unwrap()[0].due,
        "a claimed row is not due"
    );

    log.outbox.mark_accepted(a, "SMout1", 1).await.unwrap();
    assert!(
        log.statuses
            .record(&status("SMout1", DeliveryStatus::Delivered))
            .await
            .unwrap()
    );
    assert!(
        !log.statuses
            .record(&status("SMout1", DeliveryStatus::Sent))
            .await
            .unwrap(),
        "a late 'sent' does not move a delivered message back"
    );
    assert!(
        log.statuses
            .record(&status("SMout1", DeliveryStatus::Read))
            .await
            .unwrap()
    );

    // A report that overtakes the send is applied when the send returns.
    assert!(
        !log.statuses
            .record(&status(
                "SMout2",
                DeliveryStatus::Failed(DeliveryFailure {
                    code: Some("63016".to_owned()),
                    message: Some("outside the window".to_owned()),
                })
            ))
            .await
            .unwrap(),
        "no message has that id yet"
    );
    assert!(
        log.outbox
            .claim(b, db.db.now_ms() + 60_000)
            .await
            .unwrap()
            .is_some()
    );
    log.outbox.mark_accepted(b, "SMout2", 1).await.unwrap();

    let rows = log.queries.recent(None, 10).await.unwrap();
    let first = rows.iter().find(|r| r.id == a).unwrap();
    let second = rows.iter().find(|r| r.id == b).unwrap();
    assert_eq!(first.status, OutboundStatus::Read);
    assert_eq!(second.status, OutboundStatus::Failed);
    assert_eq!(second.error.as_deref(), Some("63016: outside the window"));
    assert!(log.outbox.pending(10).await.unwrap().is_empty());
    db.drop().await;
}

#[tokio::test]
async fn statuses_move_forward_only_on_sqlite() {
    statuses_move_forward_only(Backend::SqliteFile).await;
}

#[tokio::test]
async fn statuses_move_forward_only_on_postgres() {
    statuses_move_forward_only(Backend::Postgres).await;
}

#[tokio::test]
async fn retries_wait_until_due() {
    let (db, log) = log_on(Backend::SqliteFile).await;
    log.outbox.enqueue(&[out("SM9", 0, "x")]).await.unwrap();
    let id = log.outbox.pending(1).await.unwrap()[0].id;
    assert!(
        log.outbox
            .claim(id, db.db.now_ms() + 60_000)
            .await
            .unwrap()
            .is_some()
    );
    log.outbox
        .mark_retry(id, 1, db.db.now_ms() + 60_000, "503")
        .await
        .unwrap();
    let row = &log.outbox.pending(1).await.unwrap()[0];
    assert!(!row.due, "not due before its time");
    assert_eq!(row.attempts, 1);
    log.outbox
        .mark_retry(id, 2, db.db.now_ms() - 1, "503")
        .await
        .unwrap();
    assert!(
        log.outbox.pending(1).await.unwrap()[0].due,
        "due once its time passed"
    );
    log.outbox
        .mark_final(id, OutboundStatus::DryRun, 3, None)
        .await
        .unwrap();
    assert!(log.outbox.pending(1).await.unwrap().is_empty());
    db.drop().await;
}

/// Two runs of one message, each in its own unit of work, both storing a
/// reply and marking the message handled: the first to commit wins; the
/// second's mark waits for that commit (PostgreSQL row lock), then finds the
/// row handled, and rolling it back leaves only the winner's reply.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_run_of_a_message_finds_it_handled_at_its_mark_and_rolls_back() {
    use infra_sql::UnitOfWork;
    let (db, log) = log_on(Backend::Postgres).await;
    let msg = inbound("SM-race", "1");
    log.inbox.record(&msg).await.unwrap();

    let first = UnitOfWork::new(&db.db);
    first
        .run(log.outbox.enqueue(&[out("SM-race", 0, "first run")]))
        .await
        .unwrap();
    assert!(first.run(log.inbox.mark_handled(&msg)).await.unwrap());

    // The second run starts while the first has not committed.
    let (log2, msg2, pool) = (log.clone(), msg.clone(), db.db.clone());
    let second = tokio::spawn(async move {
        let uow = UnitOfWork::new(&pool);
        // A different position, so the two inserts do not wait on each
        // other's unique key; only the mark decides.
        uow.run(log2.outbox.enqueue(&[out("SM-race", 1, "second run")]))
            .await
            .unwrap();
        let won = uow.run(log2.inbox.mark_handled(&msg2)).await.unwrap();
        if won {
            uow.commit().await.unwrap();
        }
        won
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !second.is_finished(),
        "the second mark waits for the first run's commit"
    );
    first.commit().await.unwrap();

    assert!(!second.await.unwrap(), "the second run lost");
    let bodies: Vec<_> = log
        .queries
        .recent(None, 10)
        .await
        .unwrap()
        .into_iter()
        .filter(|row| row.direction() == Direction::Out)
        .map(|row| row.body)
        .collect();
    assert_eq!(bodies, [Some("first run".to_owned())]);
    db.drop().await;
}

/// A message recorded before the inbox stored whole messages (no payload),
/// whose turn never finished, becomes runnable when the provider delivers
/// it again, instead of being acknowledged and never run.
#[tokio::test]
async fn a_redelivered_message_recorded_without_its_payload_gets_it() {
    use sea_orm::ConnectionTrait;
    let (db, log) = log_on(Backend::SqliteFile).await;
    let msg = inbound("SM-old", "Cement x 100");
    log.inbox.record(&msg).await.unwrap();
    db.db
        .connection()
        .execute_unprepared("UPDATE messages SET payload = NULL")
        .await
        .unwrap();
    assert!(
        log.inbox
            .head(Provider::Twilio, &key())
            .await
            .unwrap()
            .is_none(),
        "without its payload it cannot run"
    );

    assert_eq!(
        log.inbox.record(&msg).await.unwrap(),
        InboundState::Unfinished
    );
    let head = log
        .inbox
        .head(Provider::Twilio, &key())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(head.message.text(), Some("Cement x 100"));
    db.drop().await;
}

/// The log reads the time from its database's clock only: on a manual
/// clock, rows are stamped with the manual time, and leases and retry times
/// end by it, whatever the wall clock says.
#[tokio::test]
async fn the_log_stamps_and_judges_times_by_the_database_clock() {
    use sea_orm::ConnectionTrait;
    use std::time::Duration;

    // Arrange: 2026-11-22T06:30:00Z, far from any day the test runs on.
    let hand = framework::clock::ManualClock::new(1_795_329_000_000);
    let db = TestDb::new(Backend::SqliteFile).await;
    let log = Log::new(&db.db.clone().with_clock(hand.clock()));
    let at = hand.now_ms();

    // Act: an inbound message recorded, claimed.
    log.inbox
        .record(&inbound("SM-clock", "hello"))
        .await
        .unwrap();
    let head = log
        .inbox
        .head(Provider::Twilio, &key())
        .await
        .unwrap()
        .unwrap();
    let claim = log
        .inbox
        .claim(head.id, hand.now_ms() + 60_000)
        .await
        .unwrap()
        .unwrap();

    // Assert: stamped with the manual time; the lease ends by it.
    let row = db
        .db
        .connection()
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT m.created_at_ms, m.updated_at_ms, c.first_seen_ms, c.last_inbound_ms \
             FROM messages m JOIN customers c ON c.phone = m.customer",
        ))
        .await
        .unwrap()
        .unwrap();
    for column in [
        "created_at_ms",
        "updated_at_ms",
        "first_seen_ms",
        "last_inbound_ms",
    ] {
        assert_eq!(row.try_get::<i64>("", column).unwrap(), at, "{column}");
    }
    let contact = log
        .queries
        .last_contact("+919812345678")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contact.last_inbound_ms, at);
    assert_eq!(claim.until_ms, at + 60_000);
    hand.advance(Duration::from_secs(59));
    assert_eq!(
        log.inbox
            .claim(head.id, hand.now_ms() + 60_000)
            .await
            .unwrap(),
        None,
        "held until its lease ends by the manual clock"
    );
    hand.advance(Duration::from_secs(2));
    let again = log
        .inbox
        .claim(head.id, hand.now_ms() + 60_000)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.attempts, 2, "the lease ended by the manual clock");

    // An outbound retry is due by the manual clock too.
    log.outbox
        .enqueue(&[out("SM-clock", 0, "hi")])
        .await
        .unwrap();
    let id = log.outbox.pending(1).await.unwrap()[0].id;
    assert!(
        log.outbox
            .claim(id, hand.now_ms() + 60_000)
            .await
            .unwrap()
            .is_some()
    );
    log.outbox
        .mark_retry(id, 1, hand.now_ms() + 10_000, "503")
        .await
        .unwrap();
    assert!(!log.outbox.pending(1).await.unwrap()[0].due, "not due yet");
    hand.advance(Duration::from_secs(11));
    assert!(
        log.outbox.pending(1).await.unwrap()[0].due,
        "due by the manual clock"
    );
    db.drop().await;
}
