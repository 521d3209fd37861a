//! A database blip (issue 12): PostgreSQL stopped at once (`pg_ctl stop -m
//! immediate`) for 5 s while customers order at 10 a second, then started
//! again. Nothing may be lost or apologised for: the webhooks that could not
//! be recorded are answered 5xx and sent again, as a provider does, and the
//! turns that could not run are run again by the inbox.
//!
//! The database is a cluster of the test's own ([`ScratchPostgres`]); Redis
//! is the shared one, under a fresh key prefix.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use framework::testing::LogBuffer;
use framework::testing::random_tag;
use framework::testing::twilio::TwilioWebhook;
use infra_redis::testing::delete_redis_keys;

use crate::scratch_postgres::ScratchPostgres;
use crate::support::{self, ACCESS_TOKEN, ACCOUNT_SID, BUSINESS, TOKEN};

/// Customers, one arriving every [`ARRIVAL`]: 12 s of orders.
const CUSTOMERS: usize = 120;
/// 10 orders a second.
const ARRIVAL: Duration = Duration::from_millis(100);
/// When the database stops, after the first customer arrived.
const STOP_AT: Duration = Duration::from_secs(3);
/// How long it stays stopped.
const DOWN_FOR: Duration = Duration::from_secs(5);
/// The longest a customer waits for each answer, and keeps sending a
/// webhook the bot did not take.
const PATIENCE: Duration = Duration::from_secs(40);
/// A provider's pause before sending a webhook again.
const RESEND_AFTER: Duration = Duration::from_millis(250);

/// Every answer the bot gave to a webhook, and the webhooks it never
/// answered (the connection failed, or no answer within 30 s).
#[derive(Default)]
struct Answers {
    statuses: Mutex<Vec<u16>>,
    unanswered: Mutex<Vec<String>>,
    slowest: Mutex<Duration>,
}

/// What a customer's order looked like from their side.
struct Journey {
    texts: Vec<String>,
}

struct Shop {
    bot: support::Bot,
    client: reqwest::Client,
    answers: Answers,
}

impl Shop {
    /// Posts `hook` as a provider would: again after a pause while the
    /// answer is not 2xx, until [`PATIENCE`] runs out.
    async fn deliver(&self, hook: &TwilioWebhook) -> Result<(), String> {
        let url = self.bot.twilio_url();
        let deadline = Instant::now() + PATIENCE;
        loop {
            let sent = Instant::now();
            let answer = self
                .client
                .post(&url)
                .header("content-type", "application/x-www-form-urlencoded")
                .header("x-twilio-signature", hook.signature(TOKEN, &url))
                .body(hook.form_body())
                .send()
                .await;
            let took = sent.elapsed();
            {
                let mut slowest = self.answers.slowest.lock().unwrap();
                *slowest = (*slowest).max(took);
            }
            match answer {
                Ok(response) => {
                    let status = response.status().as_u16();
                    self.answers.statuses.lock().unwrap().push(status);
                    if response.status().is_success() {
                        return Ok(());
                    }
                }
                Err(e) => self
                    .answers
                    .unanswered
                    .lock()
                    .unwrap()
                    .push(format!("{} after {took:?}: {e}", hook.sid())),
            }
            if Instant::now() > deadline {
                return Err(format!("webhook {} never taken", hook.sid()));
            }
            tokio::time::sleep(RESEND_AFTER).await;
        }
    }

    /// The texts answering `who` (not the invoices and reminders that jobs
    /// send), once `done` holds for them.
    async fn texts_once(
        &self,
        who: &str,
        done: impl Fn(&[String]) -> bool,
    ) -> Result<Vec<String>, Vec<String>> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let texts = chat_texts(&self.bot, who);
            if done(&texts) {
                return Ok(texts);
            }
            if Instant::now() > deadline {
                return Err(texts);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Customer `i` orders `i % 20 + 1` bags of cement and confirms.
    async fn order(&self, i: usize) -> Result<Journey, String> {
        let who = customer(i);
        let order = TwilioWebhook::text(&who, BUSINESS, &format!("Cement x {}", i % 20 + 1));
        self.deliver(&order).await?;
        self.texts_once(&who, |t| !t.is_empty())
            .await
            .map_err(|t| format!("{who}: no summary: {t:?}"))?;
        self.deliver(&TwilioWebhook::text(&who, BUSINESS, "1"))
            .await?;
        let texts = self
            .texts_once(&who, |t| t.iter().any(|t| t.contains("Order confirmed")))
            .await
            .map_err(|t| format!("{who}: no confirmation: {t:?}"))?;
        Ok(Journey { texts })
    }
}

fn customer(i: usize) -> String {
    format!("+9197{i:08}")
}

fn chat_texts(bot: &support::Bot, who: &str) -> Vec<String> {
    bot.twilio
        .texts_to(who)
        .into_iter()
        .filter(|t| !t.starts_with('🧾') && !t.starts_with('⏰'))
        .collect()
}

/// The unfinished inbound messages, each with what holds it: for a
/// failure's message.
async fn unfinished_messages(url: &str) -> Vec<String> {
    use sea_orm::ConnectionTrait as _;
    let Ok(db) = infra_sql::Database::connect(&infra_sql::DatabaseSettings::new(Some(url))).await
    else {
        return vec!["(the database cannot be read)".to_owned()];
    };
    let rows = db
        .connection()
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT customer, body, attempts, \
                    claimed_until_ms - created_at_ms AS held_for_ms, \
                    next_attempt_at_ms - created_at_ms AS due_after_ms \
             FROM messages WHERE direction = 'in' AND status = 'received' ORDER BY id",
        ))
        .await
        .unwrap_or_default();
    db.close().await;
    rows.iter()
        .map(|r| {
            let customer: String = r.try_get("", "customer").unwrap_or_default();
            let body: Option<String> = r.try_get("", "body").unwrap_or_default();
            let attempts: i32 = r.try_get("", "attempts").unwrap_or_default();
            let held: Option<i64> = r.try_get("", "held_for_ms").unwrap_or_default();
            let due: Option<i64> = r.try_get("", "due_after_ms").unwrap_or_default();
            format!(
                "{customer} {body:?}: {attempts} runs, claimed until {held:?} ms and due {due:?} ms after it arrived"
            )
        })
        .collect()
}

/// The scenario; `BLIP_STOP_MODE=fast` stops the database as a restart
/// does (default `immediate`, as a crash).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_stopped_for_five_seconds_under_ten_orders_a_second_loses_nothing() {
    let logs = LogBuffer::default();
    // Every thread's logs (the bot's tasks run on all four); one test per
    // process under nextest.
    let _ = tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::WARN)
            .with_ansi(false)
            .with_writer({
                let logs = logs.clone();
                move || logs.clone()
            })
            .finish(),
    );
    let mode = std::env::var("BLIP_STOP_MODE").unwrap_or_else(|_| "immediate".to_owned());
    let started = Instant::now();
    let pg = Arc::new(
        tokio::task::spawn_blocking(ScratchPostgres::start)
            .await
            .unwrap(),
    );
    let prefix = format!("campanile-test-{}", random_tag());
    let twilio = Arc::new(infra_providers::testing::FakeTwilio::start(ACCOUNT_SID, TOKEN).await);
    let meta = Arc::new(infra_providers::testing::FakeMeta::start(ACCESS_TOKEN).await);
    let bot = support::spawn_bot_sharing(twilio, meta, |s| {
        s.database = infra_sql::DatabaseSettings::new(Some(&pg.url()));
        s.redis = infra_redis::RedisConfig::new(infra_redis::testing::REDIS_URL)
            .with_key_prefix(prefix.clone())
            .into();
    })
    .await;
    let shop = Shop {
        bot,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        answers: Answers::default(),
    };
    // Warm up: the pool's connections, Redis's scripts.
    let warm = customer(999_999);
    shop.deliver(&TwilioWebhook::text(&warm, BUSINESS, "hi"))
        .await
        .unwrap();
    shop.texts_once(&warm, |t| !t.is_empty()).await.unwrap();
    let ready = started.elapsed();

    // Act: customers arrive every 100 ms; the database stops 3 s in, for 5 s.
    let t0 = tokio::time::Instant::now();
    let orders = futures_util::future::join_all((0..CUSTOMERS).map(|i| {
        let shop = &shop;
        async move {
            tokio::time::sleep_until(t0 + ARRIVAL * u32::try_from(i).unwrap()).await;
            shop.order(i).await
        }
    }));
    let blip = {
        let pg = Arc::clone(&pg);
        async move {
            tokio::time::sleep_until(t0 + STOP_AT).await;
            let stop = Arc::clone(&pg);
            tokio::task::spawn_blocking(move || stop.stop(&mode))
                .await
                .unwrap();
            let stopped = t0.elapsed();
            tokio::time::sleep(DOWN_FOR).await;
            tokio::task::spawn_blocking(move || pg.start_again())
                .await
                .unwrap();
            (stopped, t0.elapsed())
        }
    };
    let (journeys, (stopped, restarted)) = tokio::join!(orders, blip);
    let finished = t0.elapsed();

    // What happened, for the record (shown on failure or with --no-capture).
    let statuses = shop.answers.statuses.lock().unwrap().clone();
    let mut by_status = BTreeMap::<u16, usize>::new();
    for s in &statuses {
        *by_status.entry(*s).or_default() += 1;
    }
    let unanswered = shop.answers.unanswered.lock().unwrap().clone();
    let count = |needle: &str| logs.lines_with(needle).len();
    println!(
        "blip: ready after {ready:?}; stopped at {stopped:?}, accepting again at {restarted:?}; \
         every order done at {finished:?}; webhook answers {by_status:?}, unanswered {}, \
         slowest {:?}; turns that could not run: {} (session), {} (handler); apologies: {}; \
         claims unanswered: {} (inbox), {} (outbox); give-backs that failed: {}",
        unanswered.len(),
        *shop.answers.slowest.lock().unwrap(),
        count("session store failed"),
        count("turn could not run now"),
        count("the customer gets an apology"),
        count("cannot claim an inbound message"),
        count("cannot claim an outbox row"),
        count("cannot give an inbound message back;"),
    );
    for line in logs.lines_with(" ERROR ").iter().take(5) {
        println!("  {line}");
    }

    // Assert: every customer got their summary and confirmation, once each.
    let failed: Vec<&String> = journeys.iter().filter_map(|j| j.as_ref().err()).collect();
    assert!(
        failed.is_empty(),
        "{} of {CUSTOMERS} orders did not complete: {failed:#?}\nunfinished: {:#?}\n\
         warnings:\n{}\nPostgreSQL's log:\n{}",
        failed.len(),
        unfinished_messages(&pg.url()).await,
        logs.lines_with(" WARN ").join("\n"),
        pg.log()
    );
    // Late duplicates (a reply sent twice) would arrive about now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for (i, journey) in journeys.iter().enumerate() {
        let who = customer(i);
        let texts = chat_texts(&shop.bot, &who);
        let journey = journey.as_ref().unwrap();
        assert_eq!(
            texts.len(),
            2,
            "{who}: one summary, one confirmation: {texts:?} (at confirmation: {:?})",
            journey.texts
        );
        assert!(texts[0].contains("Total:"), "{who}: {texts:?}");
        assert!(texts[1].contains("Order confirmed"), "{who}: {texts:?}");
        // Saved exactly once, confirmed, for the bags asked for.
        let orders = shop.bot.orders_of(&who).await;
        assert_eq!(orders.len(), 1, "{who}: exactly one order: {orders:?}");
        assert_eq!(
            orders[0].status,
            features::orders::OrderStatus::Confirmed,
            "{who}"
        );
        let bags = i64::try_from(i % 20 + 1).unwrap();
        assert_eq!(
            orders[0].total,
            features::shared::Money::new(35_000 * bags, features::shared::Currency::INR),
            "{who}"
        );
    }
    // No one was told "sorry": every failure was one a retry mends.
    let apology = bot::i18n::Texts::embedded(
        framework::locale::Locale::parse(bot::i18n::DEFAULT_LANGUAGE).unwrap(),
    )
    .unwrap()
    .get(&framework::locale::Locale::undetermined(), "apology", &[]);
    let apologies: Vec<String> = shop
        .bot
        .twilio
        .accepted()
        .iter()
        .filter(|r| r.text() == Some(apology.as_str()))
        .filter_map(|r| r.recipient().map(str::to_owned))
        .collect();
    assert!(apologies.is_empty(), "apologies sent to {apologies:?}");
    // Every webhook was answered, and every refusal asked for a retry (5xx).
    assert!(
        unanswered.is_empty(),
        "webhooks left without an answer: {unanswered:#?}"
    );
    assert!(
        statuses.iter().all(|s| (200..300).contains(s) || *s >= 500),
        "only 2xx, or 5xx for a retry: {by_status:?}"
    );

    let Shop { bot, .. } = shop;
    bot.stop().await;
    delete_redis_keys(&prefix).await;
    drop(pg);
}
