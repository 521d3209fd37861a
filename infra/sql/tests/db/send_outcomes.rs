//! The outbox's decisions when a provider misbehaves: unknown outcomes per
//! kind of message, lapsed claims, open circuit breakers, throughput.

use std::time::Duration;

use framework::Provider;
use framework::clock::ManualClock;
use framework::rate_limit::InMemRateStore;
use framework::reply::Reply;
use framework::webhook::Outbox;
use infra_providers::Providers;
use infra_providers::policy::{
    BreakerConfig, BreakerState, PolicyConfig, Resilient, ThroughputConfig,
};
use infra_providers::testing::{FakeFailure, FakeTwilio};
use infra_providers::twilio::TwilioClient;
use infra_sql::messages::{LogEntry, OutboundStatus};
use infra_sql::outbox::{DbOutbox, DispatchConfig, Dispatcher, RoundReport};
use infra_sql::testing::{Backend, TestDb};

use crate::messages::Log;
use crate::outbox::turn;

const SID: &str = "AC00000000000000000000000000000009";
const TOKEN: &str = "outbox-token";
pub(crate) const CUSTOMER: &str = "+919812345678";

pub(crate) fn config() -> DispatchConfig {
    DispatchConfig {
        backoff: Duration::from_millis(20),
        max_backoff: Duration::from_millis(40),
        max_attempts: 8,
        ..DispatchConfig::default()
    }
}

pub(crate) struct Setup {
    pub(crate) db: TestDb,
    pub(crate) log: Log,
    pub(crate) outbox: DbOutbox,
    pub(crate) twilio: FakeTwilio,
}

/// A day on a test's own clock (any day works: nothing reads another).
pub(crate) const MIDDAY_MS: i64 = 1_795_329_000_000;

/// [`setup`] on a database whose clock is `hand` (the clock the outbox
/// judges leases by).
pub(crate) async fn setup_clocked(backend: Backend, hand: &ManualClock) -> Setup {
    let mut db = TestDb::new(backend).await;
    db.db = db.db.clone().with_clock(hand.clock());
    setup_on(db).await
}

pub(crate) async fn setup(backend: Backend) -> Setup {
    setup_on(TestDb::new(backend).await).await
}

/// [`setup`] on `db` (its clock, say).
pub(crate) async fn setup_on(db: TestDb) -> Setup {
    let log = Log::new(&db.db);
    let outbox = DbOutbox::new(db.db.clone(), infra_sql::outbox::RenderConfig::default());
    let twilio = FakeTwilio::start(SID, TOKEN).await;
    Setup {
        db,
        log,
        outbox,
        twilio,
    }
}

impl Setup {
    /// A client that gives up after 300 ms: a hang is an unknown outcome.
    pub(crate) fn providers(&self) -> Providers {
        let config = self
            .twilio
            .config()
            .with_timeout(Duration::from_millis(300));
        Providers::new().with_twilio(TwilioClient::new(config).unwrap())
    }

    pub(crate) async fn reply(&self, in_reply_to: &str, texts: &[&str]) {
        let replies = texts.iter().map(|t| Reply::text(*t)).collect();
        self.outbox
            .deliver(turn(Provider::Twilio, CUSTOMER, in_reply_to, replies))
            .await
            .unwrap();
    }

    pub(crate) async fn proactive(&self, key: &str, text: &str) {
        self.proactive_or_template(key, text, None).await;
    }

    pub(crate) async fn proactive_or_template(
        &self,
        key: &str,
        text: &str,
        template: Option<Reply>,
    ) {
        self.outbox
            .store_proactive(
                turn(Provider::Twilio, CUSTOMER, key, vec![Reply::text(text)]),
                template,
            )
            .await
            .unwrap();
    }

    pub(crate) async fn rows(&self) -> Vec<LogEntry> {
        let mut rows = self.log.queries.recent(None, 50).await.unwrap();
        rows.sort_by_key(|r| r.id);
        rows
    }

    pub(crate) async fn status_of(&self, body: &str) -> OutboundStatus {
        let rows = self.rows().await;
        let row = rows
            .iter()
            .find(|r| r.body.as_deref() == Some(body))
            .unwrap_or_else(|| panic!("no row {body}: {rows:?}"));
        match row.status {
            infra_sql::messages::MessageStatus::Out(s) => s,
            other @ infra_sql::messages::MessageStatus::In(_) => panic!("{other:?}"),
        }
    }
}

/// Runs rounds until `done` holds for the last report, for at most 10 s.
pub(crate) async fn rounds_until<T: infra_providers::Transport>(
    dispatcher: &Dispatcher<T>,
    mut done: impl FnMut(&RoundReport) -> bool,
) -> RoundReport {
    let mut total = RoundReport::default();
    for _ in 0..200 {
        let report = dispatcher.run_once().await.unwrap();
        total.sent += report.sent;
        total.unknown += report.unknown;
        total.held += report.held;
        total.retrying += report.retrying;
        total.failed += report.failed;
        if done(&total) {
            return total;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("not done after 10 s: {total:?}");
}

/// The two ways a send's outcome is lost after the request was written:
/// no answer in time, and a connection dropped before the answer.
fn unknown_outcomes() -> [FakeFailure; 2] {
    [
        FakeFailure::Hang(Duration::from_secs(30)),
        FakeFailure::Dropped,
    ]
}

#[tokio::test]
async fn a_reply_whose_outcome_is_unknown_is_sent_again_once() {
    for unknown in unknown_outcomes() {
        let s = setup(Backend::SqliteFile).await;
        s.reply("SMu1", &["your total is 500"]).await;
        s.twilio.fail_next(unknown.clone());
        let dispatcher = s.outbox.dispatcher(s.providers(), config());

        let first = dispatcher.run_once().await.unwrap();
        assert_eq!((first.sent, first.retrying), (0, 1), "{first:?}");
        rounds_until(&dispatcher, |r| r.sent == 1).await;

        // Twilio took it twice: the price of at-least-once, paid once at most.
        assert_eq!(s.twilio.requests().len(), 2);
        assert_eq!(
            s.status_of("your total is 500").await,
            OutboundStatus::Queued
        );
        s.db.drop().await;
    }
}

#[tokio::test]
async fn a_second_unknown_outcome_ends_the_reply_unknown_and_frees_the_customers_next_reply() {
    for unknown in unknown_outcomes() {
        let s = setup(Backend::SqliteFile).await;
        s.reply("SMu2", &["first", "second"]).await;
        s.twilio.fail_next(unknown.clone());
        s.twilio.fail_next(unknown.clone());
        let dispatcher = s.outbox.dispatcher(s.providers(), config());

        let total = rounds_until(&dispatcher, |r| r.sent == 1).await;

        assert_eq!(total.unknown, 1, "{total:?}");
        assert_eq!(s.status_of("first").await, OutboundStatus::Unknown);
        assert_eq!(s.status_of("second").await, OutboundStatus::Queued);
        assert_eq!(s.twilio.requests().len(), 3);
        s.db.drop().await;
    }
}

#[tokio::test]
async fn a_proactive_message_whose_outcome_is_unknown_is_never_sent_again() {
    for unknown in unknown_outcomes() {
        let s = setup(Backend::SqliteFile).await;
        s.proactive("reminder:inv-7", "invoice 7 is due").await;
        s.proactive("reminder:inv-8", "invoice 8 is due").await;
        s.twilio.fail_next(unknown.clone());
        let dispatcher = s.outbox.dispatcher(s.providers(), config());

        let total = rounds_until(&dispatcher, |r| r.sent == 1).await;

        assert_eq!(total.unknown, 1, "{total:?}");
        assert_eq!(
            s.status_of("invoice 7 is due").await,
            OutboundStatus::Unknown
        );
        assert_eq!(
            s.status_of("invoice 8 is due").await,
            OutboundStatus::Queued
        );
        // One request each: the unknown one was not repeated.
        assert_eq!(s.twilio.requests().len(), 2);
        s.db.drop().await;
    }
}

/// The row's count of unknown outcomes, read from the table.
async fn unknown_outcomes_of(s: &Setup, body: &str) -> i32 {
    use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};
    let select = Query::select()
        .column(Alias::new("unknown_outcomes"))
        .from(Alias::new("messages"))
        .and_where(Expr::col(Alias::new("body")).eq(body))
        .to_owned();
    let row = s.db.db.one(&select).await.unwrap().unwrap();
    row.try_get("", "unknown_outcomes").unwrap()
}

/// A dispatcher that died mid-send left its claim of the first row to
/// lapse (`hand` moves past its lease).
async fn lapsed_claim_of_first_row(s: &Setup, hand: &ManualClock) {
    let rows = s.log.outbox.pending(10).await.unwrap();
    let until = s.db.db.now_ms() + 50;
    s.log
        .outbox
        .claim(rows[0].id, until)
        .await
        .unwrap()
        .unwrap();
    hand.advance(Duration::from_millis(100));
}

#[tokio::test]
async fn a_lapsed_claim_sends_a_reply_again_once_and_a_proactive_message_never() {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        // A reply.
        let hand = ManualClock::new(MIDDAY_MS);
        let s = setup_clocked(backend, &hand).await;
        s.reply("SMl1", &["lapsed reply"]).await;
        lapsed_claim_of_first_row(&s, &hand).await;
        let dispatcher = s.outbox.dispatcher(s.providers(), config());
        let report = dispatcher.run_once().await.unwrap();
        assert_eq!(report.sent, 1, "{backend:?}: {report:?}");
        assert_eq!(s.twilio.texts_to(CUSTOMER), ["lapsed reply"]);
        assert_eq!(
            unknown_outcomes_of(&s, "lapsed reply").await,
            1,
            "{backend:?}: the lapse was counted"
        );
        s.db.drop().await;

        // A proactive message.
        let hand = ManualClock::new(MIDDAY_MS);
        let s = setup_clocked(backend, &hand).await;
        s.proactive("campaign:7", "lapsed offer").await;
        s.proactive("campaign:8", "next offer").await;
        lapsed_claim_of_first_row(&s, &hand).await;
        let dispatcher = s.outbox.dispatcher(s.providers(), config());
        let report = dispatcher.run_once().await.unwrap();
        assert_eq!(
            (report.unknown, report.sent),
            (1, 1),
            "{backend:?}: {report:?}"
        );
        assert_eq!(s.status_of("lapsed offer").await, OutboundStatus::Unknown);
        assert_eq!(s.twilio.texts_to(CUSTOMER), ["next offer"]);
        s.db.drop().await;
    }
}

#[tokio::test]
async fn an_open_breaker_holds_replies_in_the_outbox_and_they_go_in_order_when_it_closes() {
    let s = setup(Backend::SqliteFile).await;
    let policy = PolicyConfig {
        retries: 0,
        breaker: BreakerConfig {
            failure_threshold: 2,
            open_for: Duration::from_millis(600),
            ..BreakerConfig::default()
        },
        throughput: ThroughputConfig {
            per_second: 0,
            pair: None,
            ..ThroughputConfig::default()
        },
        ..PolicyConfig::default()
    };
    let resilient = Resilient::new(s.providers(), InMemRateStore::new())
        .with_policy(Provider::Twilio, policy)
        .unwrap();
    let dispatcher = s.outbox.dispatcher(resilient.clone(), config());
    s.reply("SMb1", &["one", "two", "three"]).await;
    s.twilio.fail_next(FakeFailure::ServerError);
    s.twilio.fail_next(FakeFailure::ServerError);

    // Two failures open the breaker.
    rounds_until(&dispatcher, |_| {
        resilient.breakers()[0].state == BreakerState::Open
    })
    .await;
    assert_eq!(s.twilio.requests().len(), 2);

    // While it is open the rows stay in the outbox, unclaimed; Twilio sees
    // nothing.
    // (The first row comes due after its backoff, then is held.)
    let held = rounds_until(&dispatcher, |r| r.held >= 1).await;
    assert_eq!(held.sent, 0, "{held:?}");
    assert_eq!(resilient.breakers()[0].state, BreakerState::Open);
    assert_eq!(s.log.outbox.pending(10).await.unwrap().len(), 3);
    assert_eq!(s.twilio.requests().len(), 2);

    // Once it may probe, the probe succeeds and the rest follow in order.
    rounds_until(&dispatcher, |r| r.sent == 3).await;
    assert_eq!(s.twilio.texts_to(CUSTOMER), ["one", "two", "three"]);
    assert_eq!(s.twilio.requests().len(), 5);
    assert_eq!(resilient.breakers()[0].state, BreakerState::Closed);
    let first = s
        .rows()
        .await
        .into_iter()
        .find(|r| r.body.as_deref() == Some("one"))
        .unwrap();
    assert_eq!(first.attempts, 3, "two failures and the probe");
    s.db.drop().await;
}

#[tokio::test]
async fn a_throughput_answer_waits_without_counting_an_attempt() {
    let s = setup(Backend::SqliteFile).await;
    s.reply("SMt1", &["slow down"]).await;
    for _ in 0..3 {
        s.twilio.fail_next(FakeFailure::RateLimited {
            retry_after_secs: Some(0),
        });
    }
    let dispatcher = s.outbox.dispatcher(
        s.providers(),
        DispatchConfig {
            max_attempts: 2,
            ..config()
        },
    );

    // Three throttles then a success, though only 2 attempts are allowed:
    // throttles are the provider's pace, not the message's failures.
    rounds_until(&dispatcher, |r| r.sent == 1).await;

    assert_eq!(s.twilio.requests().len(), 4);
    let row = s
        .rows()
        .await
        .into_iter()
        .find(|r| r.body.as_deref() == Some("slow down"))
        .unwrap();
    assert_eq!(row.attempts, 1);
    s.db.drop().await;
}

#[tokio::test]
async fn withdrawing_by_key_takes_back_the_unsent_rows_and_leaves_the_claimed_ones_to_their_dispatcher()
 {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        let hand = ManualClock::new(MIDDAY_MS);
        let s = setup_clocked(backend, &hand).await;
        s.proactive("campaign:7:a", "claimed offer").await;
        s.proactive("campaign:7:b", "unsent offer").await;
        s.proactive("campaign:70:a", "another campaign's").await;
        // A dispatcher claims the first, then dies: its claim lapses.
        lapsed_claim_of_first_row(&s, &hand).await;

        let withdrawn = s
            .log
            .outbox
            .withdraw_keyed("campaign:7:", "cancelled")
            .await
            .unwrap();
        assert_eq!(withdrawn, 1, "{backend:?}");
        assert_eq!(s.status_of("unsent offer").await, OutboundStatus::Failed);
        let rows = s.rows().await;
        let unsent = rows
            .iter()
            .find(|r| r.body.as_deref() == Some("unsent offer"));
        assert_eq!(
            unsent.and_then(|r| r.error.as_deref()),
            Some("cancelled"),
            "{backend:?}"
        );
        assert!(
            s.log
                .outbox
                .is_withdrawn("campaign:7:b:capped")
                .await
                .unwrap()
        );
        assert!(
            !s.log.outbox.is_withdrawn("campaign:70:a").await.unwrap(),
            "{backend:?}: a prefix ends at its colon"
        );
        // Withdrawn again (a second cancel): nothing more, no error.
        let again = s
            .log
            .outbox
            .withdraw_keyed("campaign:7:", "cancelled")
            .await;
        assert_eq!(again.unwrap(), 0, "{backend:?}");

        // The lapsed claim may have sent its message: it ends unknown, as
        // any other; the other campaign's goes.
        let report = s
            .outbox
            .dispatcher(s.providers(), config())
            .run_once()
            .await
            .unwrap();
        assert_eq!(
            (report.unknown, report.sent),
            (1, 1),
            "{backend:?}: {report:?}"
        );
        assert_eq!(s.status_of("claimed offer").await, OutboundStatus::Unknown);
        assert_eq!(s.twilio.texts_to(CUSTOMER), ["another campaign's"]);
        s.db.drop().await;
    }
}

#[tokio::test]
async fn withdrawing_a_customers_keyed_rows_leaves_everyone_elses() {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        let s = setup(backend).await;
        // Keyed per customer, as the `Sender` keys them.
        s.proactive(&format!("campaign:7:{CUSTOMER}"), "offer")
            .await;
        s.proactive("job:send-invoice:1", "invoice").await;
        s.outbox
            .store_proactive(
                turn(
                    Provider::Twilio,
                    "+919800000001",
                    "campaign:7:+919800000001",
                    vec![Reply::text("their offer")],
                ),
                None,
            )
            .await
            .unwrap();

        let withdrawn = s
            .log
            .outbox
            .withdraw_customer_keyed(CUSTOMER, "campaign:", "opted out")
            .await
            .unwrap();
        assert_eq!(withdrawn, 1, "{backend:?}");
        assert_eq!(s.status_of("offer").await, OutboundStatus::Failed);
        assert_eq!(
            s.status_of("invoice").await,
            OutboundStatus::Pending,
            "not marketing"
        );
        assert_eq!(
            s.status_of("their offer").await,
            OutboundStatus::Pending,
            "{backend:?}: another customer's"
        );
        assert!(
            !s.log.outbox.is_withdrawn("campaign:7:x").await.unwrap(),
            "{backend:?}: the key stays usable"
        );
        s.db.drop().await;
    }
}
