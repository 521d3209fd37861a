//! The durable outbox: replies rendered and stored, then sent by the
//! dispatcher through the fake providers, in order, with retries.

use std::time::Duration;

use framework::reply::{Buttons, Reply};
use framework::webhook::{Delivery, OutboundTurn, Outbox};
use framework::{ConversationKey, MessageId, Outcome, PhoneNumber, Provider};
use infra_providers::Providers;
use infra_providers::testing::{FakeFailure, FakeMeta, FakeTwilio};
use infra_providers::twilio::TwilioClient;
use infra_sql::messages::OutboundStatus;
use infra_sql::outbox::{DbOutbox, DispatchConfig, RenderConfig};

use crate::messages::Log;
use infra_sql::testing::{Backend, TestDb};

const SID: &str = "AC00000000000000000000000000000009";
const TOKEN: &str = "outbox-token";

pub(crate) fn turn(
    provider: Provider,
    customer: &str,
    in_reply_to: &str,
    replies: Vec<Reply>,
) -> OutboundTurn {
    OutboundTurn {
        provider,
        key: ConversationKey::new(
            PhoneNumber::parse("+14155238886").unwrap(),
            PhoneNumber::parse(customer).unwrap(),
        ),
        in_reply_to: MessageId::new(in_reply_to),
        channel_id: (provider == Provider::Meta).then(|| "1065403".to_owned()),
        outcome: Outcome::Handled,
        replies,
    }
}

fn fast() -> DispatchConfig {
    DispatchConfig {
        backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
        max_attempts: 3,
        ..DispatchConfig::default()
    }
}

async fn setup() -> (TestDb, Log, DbOutbox, FakeTwilio) {
    setup_on(Backend::SqliteFile).await
}

async fn setup_on(backend: Backend) -> (TestDb, Log, DbOutbox, FakeTwilio) {
    let db = TestDb::new(backend).await;
    let log = Log::new(&db.db);
    let outbox = DbOutbox::new(
        db.db.clone(),
        RenderConfig {
            twilio_status_callback: Some("https://bot.example.com/webhooks/twilio".to_owned()),
            ..RenderConfig::default()
        },
    );
    let twilio = FakeTwilio::start(SID, TOKEN).await;
    (db, log, outbox, twilio)
}

#[tokio::test]
async fn replies_are_stored_then_sent_in_order_with_the_status_callback() {
    let (db, log, outbox, twilio) = setup().await;
    let menu = Buttons::builder("Confirm?")
        .button("confirm", "Confirm")
        .button("cancel", "Cancel")
        .build()
        .unwrap();
    let delivered = outbox
        .deliver(turn(
            Provider::Twilio,
            "+919812345678",
            "SMin1",
            vec![Reply::text("first"), menu.into()],
        ))
        .await
        .unwrap();
    assert_eq!(delivered, Delivery::Accepted);
    assert_eq!(
        log.outbox.pending(10).await.unwrap().len(),
        2,
        "stored before any send"
    );

    let providers = Providers::new().with_twilio(TwilioClient::new(twilio.config()).unwrap());
    let report = outbox
        .dispatcher(providers, fast())
        .run_once()
        .await
        .unwrap();
    assert_eq!(report.sent, 2);
    let sent = twilio.accepted();
    assert_eq!(sent[0].field("Body"), Some("first"));
    assert!(
        sent[1].field("Body").unwrap().contains("1. Confirm"),
        "{:?}",
        sent[1]
    );
    assert_eq!(sent[0].field("From"), Some("whatsapp:+14155238886"));
    assert_eq!(
        sent[0].field("StatusCallback"),
        Some("https://bot.example.com/webhooks/twilio")
    );
    let rows = log.queries.recent(None, 10).await.unwrap();
    assert!(
        rows.iter()
            .all(|r| r.status == OutboundStatus::Queued && r.provider_message_id.is_some()),
        "{rows:?}"
    );
    db.drop().await;
}

#[tokio::test]
async fn a_customer_waits_for_their_earlier_reply_but_others_do_not() {
    let (db, log, outbox, twilio) = setup().await;
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000001",
            "SMa",
            vec![Reply::text("a1"), Reply::text("a2")],
        ))
        .await
        .unwrap();
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000002",
            "SMb",
            vec![Reply::text("b1")],
        ))
        .await
        .unwrap();
    // The first send (a1) fails: a2 must not overtake it; b1 goes on.
    twilio.fail_next(FakeFailure::ServerError);
    let dispatcher = outbox.dispatcher(
        Providers::new().with_twilio(TwilioClient::new(twilio.config()).unwrap()),
        DispatchConfig {
            concurrency: 1,
            ..fast()
        },
    );
    let first = dispatcher.run_once().await.unwrap();
    assert_eq!((first.retrying, first.sent), (1, 1), "{first:?}");
    assert_eq!(twilio.texts_to("+919800000001"), Vec::<String>::new());
    assert_eq!(twilio.texts_to("+919800000002"), ["b1"]);

    // Wait for the retry to come due (backoff plus jitter), sending as it does.
    let mut sent = 0;
    for _ in 0..100 {
        sent += dispatcher.run_once().await.unwrap().sent;
        if sent >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sent, 2);
    assert_eq!(
        twilio.texts_to("+919800000001"),
        ["a1", "a2"],
        "in order after the retry"
    );
    assert!(log.outbox.pending(10).await.unwrap().is_empty());
    db.drop().await;
}

#[tokio::test]
async fn retries_stop_at_the_limit_and_permanent_errors_at_once() {
    let (db, log, outbox, twilio) = setup().await;
    for _ in 0..3 {
        twilio.fail_next(FakeFailure::ServerError);
    }
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000003",
            "SMc",
            vec![Reply::text("c")],
        ))
        .await
        .unwrap();
    let dispatcher = outbox.dispatcher(
        Providers::new().with_twilio(TwilioClient::new(twilio.config()).unwrap()),
        fast(),
    );
    for _ in 0..20 {
        dispatcher.run_once().await.unwrap();
        if log.outbox.pending(1).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let row = log.queries.recent(None, 1).await.unwrap().remove(0);
    assert_eq!(
        (row.status.as_str(), row.attempts),
        ("failed", 3),
        "{row:?}"
    );
    assert_eq!(twilio.requests().len(), 3);

    twilio.fail_next(FakeFailure::OutsideWindow);
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000004",
            "SMd",
            vec![Reply::text("d")],
        ))
        .await
        .unwrap();
    dispatcher.run_once().await.unwrap();
    let row = log.queries.recent(None, 1).await.unwrap().remove(0);
    assert_eq!(
        (row.status.as_str(), row.attempts),
        ("failed", 1),
        "{row:?}"
    );
    assert!(row.error.unwrap_or_default().contains("63016"));
    db.drop().await;
}

#[tokio::test]
async fn no_credentials_is_a_dry_run_and_local_chats_are_never_sent() {
    let (db, log, outbox, twilio) = setup().await;
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000005",
            "SMe",
            vec![Reply::text("dry")],
        ))
        .await
        .unwrap();
    outbox
        .deliver(turn(
            Provider::Local,
            "+919800000006",
            "local-1",
            vec![Reply::text("shown")],
        ))
        .await
        .unwrap();
    let report = outbox
        .dispatcher(Providers::new(), fast())
        .run_once()
        .await
        .unwrap();
    assert_eq!(report.dry_run, 1);
    let rows = log.queries.recent(None, 10).await.unwrap();
    let status = |body: &str| {
        rows.iter()
            .find(|r| r.body.as_deref() == Some(body))
            .unwrap()
            .status
    };
    assert_eq!(status("dry"), OutboundStatus::DryRun);
    assert_eq!(status("shown"), OutboundStatus::Local);
    assert!(twilio.requests().is_empty());
    db.drop().await;
}

#[tokio::test]
async fn meta_replies_go_from_the_webhooks_number() {
    let (db, log, outbox, _twilio) = setup().await;
    let meta = FakeMeta::start("EAAtoken").await;
    outbox
        .deliver(turn(
            Provider::Meta,
            "+919800000007",
            "wamid.in",
            vec![Reply::text("hello")],
        ))
        .await
        .unwrap();
    let providers =
        Providers::new().with_meta(infra_providers::meta::MetaClient::new(meta.config()).unwrap());
    let report = outbox
        .dispatcher(providers, fast())
        .run_once()
        .await
        .unwrap();
    assert_eq!(report.sent, 1);
    let sent = meta.accepted();
    assert_eq!(sent[0].phone_number_id.as_deref(), Some("1065403"));
    assert_eq!(meta.texts_to("+919800000007"), ["hello"]);
    let row = log.queries.recent(None, 1).await.unwrap().remove(0);
    assert!(row.provider_message_id.unwrap().starts_with("wamid."));
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_never_send_a_row_twice_on_sqlite() {
    two_dispatchers_never_send_a_row_twice(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dispatchers_never_send_a_row_twice_on_postgres() {
    two_dispatchers_never_send_a_row_twice(Backend::Postgres).await;
}

async fn two_dispatchers_never_send_a_row_twice(backend: Backend) {
    let (db, log, outbox, twilio) = setup_on(backend).await;
    for i in 0..30 {
        outbox
            .deliver(turn(
                Provider::Twilio,
                &format!("+9198000001{i:02}"),
                &format!("SMpar{i}"),
                vec![Reply::text(format!("m{i}"))],
            ))
            .await
            .unwrap();
    }
    let client = TwilioClient::new(twilio.config()).unwrap();
    let a = outbox.dispatcher(Providers::new().with_twilio(client.clone()), fast());
    let b = outbox.dispatcher(Providers::new().with_twilio(client), fast());
    let (ra, rb) = tokio::join!(a.run_once(), b.run_once());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.sent + rb.sent, 30, "{ra:?} {rb:?}");
    assert_eq!(twilio.accepted().len(), 30, "each row sent exactly once");
    assert!(log.outbox.pending(100).await.unwrap().is_empty());
    db.drop().await;
}

#[tokio::test]
async fn rows_waiting_for_a_retry_never_hide_other_customers_due_rows() {
    // Regression: the dispatcher read the oldest `batch` pending rows, due or
    // not; a backlog of rows waiting for retries stalled every new reply.
    let (db, log, outbox, twilio) = setup().await;
    // Five customers, each with a reply waiting an hour for its retry.
    for i in 0..5 {
        outbox
            .deliver(turn(
                Provider::Twilio,
                &format!("+91980000002{i}"),
                &format!("SMold{i}"),
                vec![Reply::text(format!("old{i}"))],
            ))
            .await
            .unwrap();
    }
    for row in log.outbox.pending(10).await.unwrap() {
        assert!(
            log.outbox
                .claim(row.id, db.db.now_ms() + 60_000)
                .await
                .unwrap()
                .is_some()
        );
        log.outbox
            .mark_retry(row.id, 1, db.db.now_ms() + 3_600_000, "503")
            .await
            .unwrap();
    }
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000011",
            "SMnew",
            vec![Reply::text("new")],
        ))
        .await
        .unwrap();
    let dispatcher = outbox.dispatcher(
        Providers::new().with_twilio(TwilioClient::new(twilio.config()).unwrap()),
        DispatchConfig { batch: 3, ..fast() },
    );
    let report = dispatcher.run_once().await.unwrap();
    assert_eq!(report.sent, 1, "{report:?}");
    assert_eq!(twilio.texts_to("+919800000011"), ["new"]);
    for i in 0..5 {
        let old = format!("+91980000002{i}");
        assert!(twilio.texts_to(&old).is_empty(), "not due yet");
    }
    db.drop().await;
}

#[tokio::test]
async fn an_apology_and_the_later_successful_answer_are_both_kept() {
    // Regression: both used position 0 of the same inbound message, so the
    // successful retry's answer was taken for a replay and dropped.
    let (db, log, outbox, _twilio) = setup().await;
    let mut apology = turn(
        Provider::Twilio,
        "+919800000012",
        "SMflaky",
        vec![Reply::text("sorry")],
    );
    apology.outcome = Outcome::Failed;
    outbox.deliver(apology).await.unwrap();
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000012",
            "SMflaky",
            vec![Reply::text("the answer")],
        ))
        .await
        .unwrap();
    let bodies: Vec<String> = log
        .outbox
        .pending(10)
        .await
        .unwrap()
        .iter()
        .map(|r| r.in_reply_to.clone().unwrap_or_default())
        .collect();
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    db.drop().await;
}

/// A provider whose sends of the text "hang" do not return until released;
/// every other send is accepted at once.
#[derive(Clone, Default)]
struct HangingProvider {
    sent: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    hanging: std::sync::Arc<std::sync::atomic::AtomicBool>,
    release: std::sync::Arc<tokio::sync::Notify>,
}

impl infra_providers::Transport for HangingProvider {
    async fn send(
        &self,
        request: &infra_providers::OutboundRequest,
    ) -> Result<infra_providers::Accepted, infra_providers::SendError> {
        let text = request.summary();
        if text == "hang" {
            self.hanging
                .store(true, std::sync::atomic::Ordering::SeqCst);
            self.release.notified().await;
        }
        let mut sent = self.sent.lock().unwrap();
        sent.push(text);
        Ok(infra_providers::Accepted {
            provider_message_id: format!("SM{:032}", sent.len()),
            status: "queued".to_owned(),
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_send_holds_only_its_own_customer() {
    // Regression (issue 12): the dispatcher worked in rounds, and a round
    // waited for its slowest send, so one hung provider request held every
    // customer's replies until it timed out.
    let (db, _log, outbox, _twilio) = setup_on(Backend::Postgres).await;
    let deliver = |customer: String, id: String, text: String| {
        let outbox = outbox.clone();
        async move {
            outbox
                .deliver(turn(
                    Provider::Twilio,
                    &customer,
                    &id,
                    vec![Reply::text(text)],
                ))
                .await
                .unwrap();
        }
    };
    deliver("+919800000300".into(), "SMhang".into(), "hang".into()).await;
    deliver(
        "+919800000300".into(),
        "SMhang2".into(),
        "after hang".into(),
    )
    .await;
    let provider = HangingProvider::default();
    let dispatcher = outbox.dispatcher(
        provider.clone(),
        DispatchConfig {
            concurrency: 4,
            poll: Duration::from_millis(50),
            ..fast()
        },
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(dispatcher.run(async {
        let _ = stopped.await;
    }));
    // Other customers' replies arrive while the first send hangs.
    for _ in 0..400 {
        if provider.hanging.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(
        provider.hanging.load(std::sync::atomic::Ordering::SeqCst),
        "the first send starts"
    );
    for i in 0..20 {
        deliver(
            format!("+9198000003{:02}", i + 1),
            format!("SMo{i}"),
            format!("other {i}"),
        )
        .await;
    }

    // Every other customer is answered while the first send hangs.
    let others = || {
        provider
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter(|t| t.starts_with("other"))
            .count()
    };
    for _ in 0..200 {
        if others() == 20 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(others(), 20, "{:?}", provider.sent.lock().unwrap());
    assert!(
        !provider
            .sent
            .lock()
            .unwrap()
            .iter()
            .any(|t| t.contains("hang")),
        "the hung customer's replies wait, in order"
    );

    // Released, the hung send and the one behind it go, in order.
    provider.release.notify_one();
    for _ in 0..200 {
        if provider.sent.lock().unwrap().len() == 22 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let sent = provider.sent.lock().unwrap().clone();
    let hung: Vec<&String> = sent.iter().filter(|t| t.contains("hang")).collect();
    assert_eq!(hung, ["hang", "after hang"], "{sent:?}");
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the dispatcher stops when asked")
        .unwrap();
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_longer_than_its_lease_keeps_its_claim() {
    // The lease is 300 ms and the send hangs: renewed while it runs, the
    // claim holds, so no other dispatcher sends the reply beside it.
    let (db, log, outbox, _twilio) = setup_on(Backend::SqliteFile).await;
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000700",
            "SMlong",
            vec![Reply::text("hang")],
        ))
        .await
        .unwrap();
    let row = log.outbox.pending(10).await.unwrap()[0].id;
    let provider = HangingProvider::default();
    let dispatcher = outbox.dispatcher(
        provider.clone(),
        DispatchConfig {
            lease: Duration::from_millis(300),
            poll: Duration::from_millis(50),
            ..fast()
        },
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(dispatcher.run(async {
        let _ = stopped.await;
    }));
    for _ in 0..400 {
        if provider.hanging.load(std::sync::atomic::Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(provider.hanging.load(std::sync::atomic::Ordering::SeqCst));

    // Three leases later, the claim still holds.
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        log.outbox
            .claim(row, db.db.now_ms() + 60_000)
            .await
            .unwrap(),
        None,
        "a send in progress keeps its claim past its lease"
    );
    provider.release.notify_one();
    for _ in 0..200 {
        if !provider.sent.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the dispatcher stops when asked")
        .unwrap();
    assert_eq!(*provider.sent.lock().unwrap(), ["hang"], "sent once");
    db.drop().await;
}

async fn a_claim_never_sends_early_or_out_of_order(backend: Backend) {
    // A dispatcher may act on an older read of the queue (its own, or
    // another instance's): the claim itself must refuse a reply whose
    // customer has an earlier unsent one, and one waiting for its retry.
    let (db, log, outbox, _twilio) = setup_on(backend).await;
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000501",
            "SMorder",
            vec![Reply::text("first"), Reply::text("second")],
        ))
        .await
        .unwrap();
    let rows = log.outbox.pending(10).await.unwrap();
    let (first, second) = (rows[0].id, rows[1].id);
    let until = db.db.now_ms() + 60_000;

    assert_eq!(
        log.outbox.claim(second, until).await.unwrap(),
        None,
        "the first goes first"
    );
    let attempts = log.outbox.claim(first, until).await.unwrap().expect("due");
    assert_eq!(
        log.outbox.claim(first, until).await.unwrap(),
        None,
        "claimed once"
    );
    let later = db.db.clock().ms_after(Duration::from_secs(3600));
    log.outbox
        .mark_retry(first, attempts, later, "503")
        .await
        .unwrap();
    assert_eq!(
        log.outbox.claim(first, until).await.unwrap(),
        None,
        "waits for its retry"
    );
    assert_eq!(
        log.outbox.claim(second, until).await.unwrap(),
        None,
        "and so does the second"
    );
    db.drop().await;
}

#[tokio::test]
async fn a_claim_never_sends_early_or_out_of_order_on_sqlite() {
    a_claim_never_sends_early_or_out_of_order(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_never_sends_early_or_out_of_order_on_postgres() {
    a_claim_never_sends_early_or_out_of_order(Backend::Postgres).await;
}

async fn a_claim_given_back_unused_is_due_again(backend: Backend) {
    // A dispatcher whose claim failed gives back the claim it may hold
    // (committed, its answer lost to a dropped connection): only that claim.
    let (db, log, outbox, _twilio) = setup_on(backend).await;
    outbox
        .deliver(turn(
            Provider::Twilio,
            "+919800000601",
            "SMrelease",
            vec![Reply::text("hello")],
        ))
        .await
        .unwrap();
    let row = log.outbox.pending(10).await.unwrap()[0].id;
    let until = db.db.now_ms() + 60_000;
    assert_eq!(log.outbox.claim(row, until).await.unwrap(), Some(1));

    log.outbox.release(row, until + 1, 1).await.unwrap();
    assert_eq!(
        log.outbox.claim(row, until + 5).await.unwrap(),
        None,
        "another claim's release leaves the row held"
    );
    log.outbox.release(row, until, 2).await.unwrap();
    assert_eq!(
        log.outbox.claim(row, until + 5).await.unwrap(),
        None,
        "a release that counts another attempt leaves the row held"
    );
    log.outbox.release(row, until, 1).await.unwrap();
    assert_eq!(
        log.outbox.claim(row, until + 5).await.unwrap(),
        Some(2),
        "its own makes it due at once, the attempt counted"
    );
    db.drop().await;
}

#[tokio::test]
async fn a_claim_given_back_unused_is_due_again_on_sqlite() {
    a_claim_given_back_unused_is_due_again(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_claim_given_back_unused_is_due_again_on_postgres() {
    a_claim_given_back_unused_is_due_again(Backend::Postgres).await;
}
