//! Several bot instances as one bot: separate in-process apps with separate
//! in-process state, sharing only a fresh PostgreSQL database and a fresh
//! Redis key prefix, with fake providers shared by all. And the database
//! under them failing: a PostgreSQL cluster of the test's own stopped for
//! seconds under load ([`blip`]).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod blip;
mod campaign_kill;
mod child;
mod handoff;
mod outage;
mod rule_kill;
mod scratch_postgres;
#[path = "../e2e/support.rs"]
#[allow(dead_code)]
mod support;

use std::sync::Arc;
use std::time::Duration;

use framework::testing::random_tag;
use framework::testing::twilio::TwilioWebhook;
use http::StatusCode;
use infra_providers::testing::{FakeMeta, FakeTwilio};
use infra_redis::testing::delete_redis_keys;
use infra_sql::testing::TempDatabase;
use support::{ACCESS_TOKEN, ACCOUNT_SID, BUSINESS, Bot, TOKEN, send, spawn_bot_sharing};

/// N instances over one fresh database and one fresh Redis prefix.
struct Cluster {
    bots: Vec<Bot>,
    db: TempDatabase,
    prefix: String,
}

impl Cluster {
    async fn start(n: usize) -> Self {
        Self::start_with(n, |_| {}).await
    }

    /// [`start`](Self::start), each instance's settings changed by `tweak`.
    async fn start_with(n: usize, tweak: impl Fn(&mut bot::config::Settings) + Clone) -> Self {
        let db = TempDatabase::create("campanile_cluster").await;
        let url = db.url();
        let prefix = format!("campanile-test-{}", random_tag());
        let twilio = Arc::new(FakeTwilio::start(ACCOUNT_SID, TOKEN).await);
        let meta = Arc::new(FakeMeta::start(ACCESS_TOKEN).await);
        // The instances start together, as behind a load balancer.
        let starts = (0..n).map(|_| {
            let (url, prefix, tweak) = (url.clone(), prefix.clone(), tweak.clone());
            spawn_bot_sharing(twilio.clone(), meta.clone(), move |s| {
                tweak(s);
                s.database = infra_sql::DatabaseSettings::new(Some(&url)).with_max_connections(8);
                s.redis = infra_redis::RedisConfig::new("redis://127.0.0.1:6379")
                    .with_key_prefix(prefix)
                    .into();
            })
        });
        let bots = futures_util::future::join_all(starts).await;
        let cluster = Self { bots, db, prefix };
        // Warm each instance (database connections, scripts loaded in Redis)
        // with a message of its own, as a running deployment would be.
        for i in 0..n {
            let hook = TwilioWebhook::text(&customer(900_000 + i), BUSINESS, "hi");
            assert_eq!(cluster.deliver(i, &hook).await, StatusCode::OK);
        }
        // The webhook answers once a message is recorded: wait for the
        // warm-up turns to have run, so they do not overlap a test's.
        for i in 0..n {
            let who = customer(900_000 + i);
            support::wait_for(|| (!cluster.chat_texts(&who).is_empty()).then_some(()))
                .await
                .expect("the warm-up message was answered");
        }
        cluster
    }

    fn twilio(&self) -> &FakeTwilio {
        &self.bots[0].twilio
    }

    /// The texts answering `who`'s messages, in order: not the invoices and
    /// reminders background jobs send whenever they run.
    fn chat_texts(&self, who: &str) -> Vec<String> {
        self.twilio()
            .texts_to(who)
            .into_iter()
            .filter(|t| !t.starts_with('🧾') && !t.starts_with('⏰'))
            .collect()
    }

    /// The invoices sent to `who` (their captions), in order.
    fn invoice_texts(&self, who: &str) -> Vec<String> {
        self.twilio()
            .texts_to(who)
            .into_iter()
            .filter(|t| t.starts_with('🧾'))
            .collect()
    }

    /// Delivers `hook` to instance `i` (mod the cluster size) like the
    /// provider: on a retryable answer (5xx, or no answer), again after a
    /// short pause, to the next instance, until a 2xx.
    async fn deliver(&self, i: usize, hook: &TwilioWebhook) -> StatusCode {
        for attempt in 0..200 {
            let bot = &self.bots[(i + attempt) % self.bots.len()];
            let (status, _) = send(bot.addr, hook.signed_request(TOKEN, &bot.twilio_url())).await;
            if status.is_success() || status.is_client_error() {
                return status;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the webhook was never accepted");
    }

    async fn stop(self) {
        for bot in self.bots {
            bot.stop().await;
        }
        delete_redis_keys(&self.prefix).await;
        self.db.drop().await;
    }
}

fn customer(i: usize) -> String {
    format!("+9198{i:08}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_webhook_fifty_times_across_instances_makes_one_order_and_one_reply() {
    let cluster = Cluster::start(3).await;
    let who = customer(1);
    let order = TwilioWebhook::text(&who, BUSINESS, "Cement x 100");
    assert_eq!(cluster.deliver(0, &order).await, StatusCode::OK);
    support::wait_for(|| (cluster.chat_texts(&who).len() == 1).then_some(()))
        .await
        .unwrap();

    // Act: one "confirm" delivered 50 times at once, spread over instances.
    let handled_before = handled_turns(&cluster).await;
    let confirm = TwilioWebhook::text(&who, BUSINESS, "1");
    let statuses = futures_util::future::join_all((0..50).map(|i| {
        let bot = &cluster.bots[i % cluster.bots.len()];
        send(bot.addr, confirm.signed_request(TOKEN, &bot.twilio_url()))
    }))
    .await;

    // Assert
    assert!(
        statuses
            .iter()
            .all(|(s, _)| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
        "only 200 (done or duplicate) or 503 (in flight: retry) {:?}",
        statuses.iter().map(|(s, _)| s.as_u16()).collect::<Vec<_>>()
    );
    // A provider retries the 503s until they get a 200.
    assert_eq!(cluster.deliver(0, &confirm).await, StatusCode::OK);
    let texts = support::wait_for(|| {
        let t = cluster.chat_texts(&who);
        (t.len() >= 2).then_some(t)
    })
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let texts_after = cluster.chat_texts(&who);
    assert_eq!(
        texts_after.len(),
        2,
        "one summary, one confirmation: {texts_after:?}"
    );
    // And one invoice, sent once.
    support::wait_for(|| (!cluster.invoice_texts(&who).is_empty()).then_some(()))
        .await
        .expect("the invoice is sent");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(cluster.invoice_texts(&who).len(), 1);
    assert!(texts[1].contains("Order confirmed"), "{texts:?}");
    assert_eq!(
        cluster.bots[0].orders_of(&who).await.len(),
        1,
        "exactly one order"
    );
    // And the turn itself ran once (keyed orders and replies would hide a
    // second run; the turn counter does not).
    assert_eq!(
        handled_turns(&cluster).await - handled_before,
        1,
        "one handled turn for fifty deliveries"
    );
    cluster.stop().await;
}

/// Handled Twilio turns so far, from `/metrics` (one recorder per test
/// process, shared by the instances of this test), once the count is
/// steady: a turn's reply can reach the provider a moment before its turn
/// is counted.
async fn handled_turns(cluster: &Cluster) -> u64 {
    let read = || async {
        let (_, metrics) = cluster.bots[0].get("/metrics").await;
        metrics
            .lines()
            .find(|l| {
                l.starts_with("campanile_turns_total{provider=\"twilio\",outcome=\"handled\"}")
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let mut last = read().await;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let now = read().await;
        if now == last {
            return now;
        }
        last = now;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_quick_messages_alternating_instances_are_answered_in_order() {
    let cluster = Cluster::start(2).await;
    let who = customer(2);
    // Each message is sent as soon as the previous webhook was acknowledged
    // (the provider's order), alternating instances, without waiting for
    // any reply: the turns run on alternating instances, and the replies
    // are sent by both instances' dispatchers.
    for n in 1..=20 {
        let hook = TwilioWebhook::text(&who, BUSINESS, &format!("Cement x {n}"));
        assert_eq!(cluster.deliver(n, &hook).await, StatusCode::OK);
    }
    let texts = support::wait_for(|| {
        let t = cluster.chat_texts(&who);
        (t.len() >= 20).then_some(t)
    })
    .await
    .unwrap();
    for (i, text) in texts.iter().enumerate() {
        let n = i + 1;
        let bags = if n == 1 {
            "1 bag ".to_owned()
        } else {
            format!("{n} bags")
        };
        assert!(
            text.contains(&bags),
            "reply {n} answers message {n}: {text}"
        );
    }
    // The session ends as a sequential run leaves it: the last cart.
    assert_eq!(
        cluster
            .deliver(0, &TwilioWebhook::text(&who, BUSINESS, "confirm"))
            .await,
        StatusCode::OK
    );
    let last = support::wait_for(|| cluster.chat_texts(&who).get(20).cloned())
        .await
        .unwrap();
    assert!(
        last.contains("Order confirmed") && last.contains("₹7,000"),
        "20 bags: {last}"
    );
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_messages_of_one_customer_run_one_at_a_time() {
    let cluster = Cluster::start(2).await;
    let who = customer(4);
    // All at once, alternating instances: which runs first is up to the
    // lane, but they run one at a time, each exactly once, and the replies
    // come out in the order the turns ran.
    let sends = (1..=20).map(|n| {
        let cluster = &cluster;
        let who = who.clone();
        async move {
            let hook = TwilioWebhook::text(&who, BUSINESS, &format!("Cement x {n}"));
            cluster.deliver(n, &hook).await
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let texts = support::wait_for(|| {
        let t = cluster.chat_texts(&who);
        (t.len() >= 20).then_some(t)
    })
    .await
    .unwrap();
    let mut quantities: Vec<u32> = texts
        .iter()
        .map(|t| {
            let after = t.split("Cement: ").nth(1).unwrap();
            after.split(' ').next().unwrap().parse().unwrap()
        })
        .collect();
    let last_reply = *quantities.last().unwrap();
    quantities.sort_unstable();
    assert_eq!(
        quantities,
        (1..=20).collect::<Vec<u32>>(),
        "each message answered once"
    );
    // The last reply sent is the last turn run: confirming orders its cart.
    assert_eq!(
        cluster
            .deliver(0, &TwilioWebhook::text(&who, BUSINESS, "confirm"))
            .await,
        StatusCode::OK
    );
    let confirmation = support::wait_for(|| cluster.chat_texts(&who).get(20).cloned())
        .await
        .unwrap();
    let total = features::shared::Money::new(
        35_000 * i64::from(last_reply),
        features::shared::Currency::INR,
    );
    assert!(
        confirmation.contains(&total.to_string()),
        "the session holds the cart of the last turn ({last_reply} bags): {confirmation}"
    );
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_customers_at_once_all_complete() {
    let cluster = Cluster::start(3).await;
    let orders = (0..200).map(|i| {
        let cluster = &cluster;
        async move {
            let who = customer(1000 + i);
            let hook = TwilioWebhook::text(&who, BUSINESS, &format!("Cement x {}", i % 20 + 1));
            cluster.deliver(i, &hook).await
        }
    });
    let statuses = futures_util::future::join_all(orders).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::OK));
    let confirms = (0..200).map(|i| {
        let cluster = &cluster;
        async move {
            let who = customer(1000 + i);
            // Wait for this customer's summary before confirming.
            support::wait_for(|| (!cluster.chat_texts(&who).is_empty()).then_some(()))
                .await
                .unwrap();
            cluster
                .deliver(i + 1, &TwilioWebhook::text(&who, BUSINESS, "1"))
                .await
        }
    });
    let statuses = futures_util::future::join_all(confirms).await;
    assert!(statuses.iter().all(|s| *s == StatusCode::OK));
    for i in 0..200 {
        let who = customer(1000 + i);
        let texts = support::wait_for(|| {
            let t = cluster.chat_texts(&who);
            (t.len() >= 2).then_some(t)
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "customer {i} did not get two replies: {:?}",
                cluster.chat_texts(&who)
            )
        });
        assert_eq!(texts.len(), 2, "{texts:?}");
        let total = features::shared::Money::new(
            35_000 * (i as i64 % 20 + 1),
            features::shared::Currency::INR,
        );
        assert!(texts[0].contains(&format!("Total: {total}")), "{texts:?}");
        assert!(texts[1].contains("Order confirmed"), "{texts:?}");
    }
    // Every instance runs invoice workers on the shared database: 200
    // orders, 200 invoices, numbered 1 to 200 with no gap and no repeat.
    let numbers = support::wait_for_async(|| async {
        let mut numbers = Vec::new();
        for i in 0..200 {
            let who = features::shared::CustomerPhone::parse(&customer(1000 + i)).unwrap();
            let found = cluster.bots[i % cluster.bots.len()]
                .services
                .invoices
                .customer_invoices(features::invoices::CustomerInvoices {
                    customer: who.clone(),
                    limit: 10,
                })
                .await
                .unwrap();
            numbers.extend(found.iter().map(|inv| inv.number().seq()));
        }
        (numbers.len() >= 200).then_some(numbers)
    })
    .await
    .expect("every confirmed order got its invoice");
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=200).collect::<Vec<u64>>(),
        "one invoice per order, numbers without gaps or repeats"
    );
    // Each customer is sent their own invoice, once, by whichever instance
    // ran its job.
    let sent = support::wait_for(|| {
        let sent: Vec<Vec<String>> = (0..200)
            .map(|i| cluster.invoice_texts(&customer(1000 + i)))
            .collect();
        sent.iter().all(|s| !s.is_empty()).then_some(sent)
    })
    .await
    .expect("every invoice was sent");
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (i, texts) in sent.iter().enumerate() {
        let again = cluster.invoice_texts(&customer(1000 + i));
        assert_eq!(
            again.len(),
            1,
            "customer {i}: one invoice message: {again:?}"
        );
        let total = features::shared::Money::new(
            35_000 * (i as i64 % 20 + 1),
            features::shared::Currency::INR,
        );
        assert!(texts[0].contains(&format!(": {total}, due ")), "{texts:?}");
    }
    cluster.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_rate_limit_holds_across_instances() {
    let cluster = Cluster::start(2).await;
    let who = customer(3);
    // 40 messages in a minute, alternating instances: the default quota is
    // 30 per minute per conversation, for the whole cluster.
    for n in 0..40 {
        let hook = TwilioWebhook::text(&who, BUSINESS, "hi");
        assert_eq!(cluster.deliver(n, &hook).await, StatusCode::OK);
    }
    support::wait_for(|| (cluster.chat_texts(&who).len() >= 31).then_some(()))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let texts = cluster.chat_texts(&who);
    let greetings = texts.iter().filter(|t| t.contains("Welcome")).count();
    assert_eq!(
        greetings, 30,
        "30 handled in total, not 30 per instance: {texts:?}"
    );
    assert_eq!(texts.len(), 31, "plus one 'slow down' notice: {texts:?}");
    cluster.stop().await;
}

/// A fault injected into the database at one point of a turn: a PostgreSQL
/// trigger that raises, as a crash or an outage there would stop the turn.
struct Fault {
    name: &'static str,
    /// Creates the trigger (function `campanile_fault` exists).
    trigger: &'static str,
}

const FAULTS: [Fault; 5] = [
    Fault {
        name: "the order's lines",
        trigger: "CREATE TRIGGER fault BEFORE INSERT ON order_lines \
                  FOR EACH ROW EXECUTE FUNCTION campanile_fault()",
    },
    Fault {
        name: "the stock taken by the confirmation",
        trigger: "CREATE TRIGGER fault BEFORE UPDATE ON products \
                  FOR EACH ROW EXECUTE FUNCTION campanile_fault()",
    },
    Fault {
        name: "the replies stored in the outbox",
        trigger: "CREATE TRIGGER fault BEFORE INSERT ON messages \
                  FOR EACH ROW WHEN (NEW.direction = 'out') EXECUTE FUNCTION campanile_fault()",
    },
    Fault {
        name: "the 'handled' mark",
        trigger: "CREATE TRIGGER fault BEFORE UPDATE ON messages \
                  FOR EACH ROW WHEN (NEW.status = 'handled') EXECUTE FUNCTION campanile_fault()",
    },
    Fault {
        name: "the commit itself",
        trigger: "CREATE CONSTRAINT TRIGGER fault AFTER INSERT ON orders \
                  DEFERRABLE INITIALLY DEFERRED \
                  FOR EACH ROW EXECUTE FUNCTION campanile_fault()",
    },
];

/// For each point of a confirming turn (the order, the stock, the replies,
/// the mark, the commit), a failure there leaves nothing of the turn: no
/// order, no reply, the cart still waiting. The inbox's own retry (or, when
/// the customer got the apology, their next "confirm") then makes exactly
/// one order and one confirmation.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_turn_that_fails_at_any_point_leaves_nothing_and_its_retry_makes_one_order() {
    let cluster = Cluster::start(2).await;
    let sql =
        infra_sql::Database::connect(&infra_sql::DatabaseSettings::new(Some(&cluster.db.url())))
            .await
            .unwrap();
    let exec = |q: String| {
        let sql = sql.clone();
        async move {
            use sea_orm::ConnectionTrait;
            sql.connection().execute_unprepared(&q).await.unwrap();
        }
    };
    exec(
        "CREATE FUNCTION campanile_fault() RETURNS trigger LANGUAGE plpgsql AS \
          $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$"
            .to_owned(),
    )
    .await;

    for (n, fault) in FAULTS.iter().enumerate() {
        let who = customer(4000 + n);
        let order = TwilioWebhook::text(&who, BUSINESS, "Cement x 100");
        assert_eq!(cluster.deliver(n, &order).await, StatusCode::OK);
        support::wait_for(|| (cluster.chat_texts(&who).len() == 1).then_some(()))
            .await
            .unwrap();

        // Act: the confirmation's turn fails at the fault.
        exec(fault.trigger.to_owned()).await;
        let confirm = TwilioWebhook::text(&who, BUSINESS, "1");
        let bot = &cluster.bots[n % 2];
        let (status, _) = send(bot.addr, confirm.signed_request(TOKEN, &bot.twilio_url())).await;

        // Wait until the fault fired: the turn failed and either ended with
        // the apology (the message marked handled) or was given back and
        // ran again (a second run).
        let confirm_sid = confirm.sid().to_owned();
        let mut fired = None;
        for _ in 0..200 {
            let (status, attempts) = inbound_row(&sql, &confirm_sid).await;
            if status == "handled" || attempts >= 2 {
                fired = Some((status, attempts));
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let (row_status, _) = fired
            .unwrap_or_else(|| panic!("{}: the confirmation never ran into the fault", fault.name));

        // Assert: nothing of the turn is kept.
        assert!(
            cluster.bots[0].orders_of(&who).await.is_empty(),
            "{}: no order survives a failed turn",
            fault.name
        );
        let texts = if row_status == "handled" {
            // The apology is on its way.
            support::wait_for(|| {
                let t = cluster.chat_texts(&who);
                t.iter().any(|t| t.contains("Sorry")).then_some(t)
            })
            .await
            .unwrap_or_else(|| {
                panic!(
                    "{}: a failed turn marked handled got no apology",
                    fault.name
                )
            })
        } else {
            cluster.chat_texts(&who)
        };
        assert!(
            !texts.iter().any(|t| t.contains("Order confirmed")),
            "{}: no confirmation of a rolled-back order: {texts:?}",
            fault.name
        );
        exec("DROP TRIGGER fault ON ".to_owned() + table_of(fault.trigger)).await;

        // The webhook was answered once the message was recorded. A turn
        // that failed in the handler got the apology, so the customer says
        // "1" again (a new message); one that failed later (storing its
        // replies, the mark, the commit) is run again by the inbox itself,
        // with backoff, until it succeeds, or, when the fault went away
        // in the middle of a run, ends with the apology too.
        assert_eq!(
            status,
            StatusCode::OK,
            "{}: recorded, so acknowledged",
            fault.name
        );
        let confirmed = |cluster: &Cluster| {
            cluster
                .twilio()
                .texts_to(&who)
                .iter()
                .any(|t| t.contains("Order confirmed"))
        };
        let apologised = support::wait_for_async(|| async {
            if confirmed(&cluster) {
                return Some(false);
            }
            let (status, _) = inbound_row(&sql, &confirm_sid).await;
            let sorry = cluster
                .twilio()
                .texts_to(&who)
                .iter()
                .any(|t| t.contains("Sorry"));
            (status == "handled" && sorry).then_some(true)
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "{}: the message neither ran again nor got the apology: {:?}",
                fault.name,
                cluster.chat_texts(&who)
            )
        });
        if apologised {
            let again = TwilioWebhook::text(&who, BUSINESS, "1");
            assert_eq!(cluster.deliver(n + 1, &again).await, StatusCode::OK);
        }
        support::wait_for(|| confirmed(&cluster).then_some(()))
            .await
            .unwrap_or_else(|| {
                panic!(
                    "{}: no confirmation after the retry: {:?}",
                    fault.name,
                    cluster.chat_texts(&who)
                )
            });
        tokio::time::sleep(Duration::from_millis(300)).await;
        let orders = cluster.bots[0].orders_of(&who).await;
        assert_eq!(orders.len(), 1, "{}: exactly one order", fault.name);
        let confirmations = cluster
            .twilio()
            .texts_to(&who)
            .iter()
            .filter(|t| t.contains("Order confirmed"))
            .count();
        assert_eq!(confirmations, 1, "{}: exactly one confirmation", fault.name);
    }
    sql.close().await;
    cluster.stop().await;
}

/// The status and run count of an inbound message, by provider id.
async fn inbound_row(sql: &infra_sql::Database, sid: &str) -> (String, i32) {
    use sea_orm::ConnectionTrait;
    let row = sql
        .connection()
        .query_one_raw(sea_orm::Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "SELECT status, attempts FROM messages WHERE direction = 'in' AND provider_message_id = $1",
            [sid.into()],
        ))
        .await
        .unwrap();
    match row {
        Some(row) => (
            row.try_get("", "status").unwrap(),
            row.try_get("", "attempts").unwrap(),
        ),
        None => (String::new(), 0),
    }
}

/// The table a `CREATE [CONSTRAINT] TRIGGER … ON table …` statement names.
fn table_of(trigger: &str) -> &str {
    trigger
        .split_whitespace()
        .skip_while(|w| *w != "ON")
        .nth(1)
        .unwrap()
}
