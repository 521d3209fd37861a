//! A scheduled rule fanned out to 1,000 customers, its instance SIGKILLed
//! mid-fan-out: another instance finishes the occurrence, and each
//! customer's run is logged once and their message stored once; nobody is
//! messaged twice.
//!
//! The killed instance is this test binary run again (its ignored
//! `child_instance` test, as in [`campaign_kill`](super::campaign_kill)).
//! A page of the fan-out commits its customers' runs, their messages and
//! the next page's job together, so the page the kill interrupts runs
//! again from its first customer. Rule messages are proactive (at most
//! once): a send the dispatcher had claimed at the kill ends `unknown`
//! and reached the customer once or not at all.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bot::jobs::rules_tick;
use features::rules::{RuleSpec, SaveRule};
use infra_providers::testing::{FakeMeta, FakeTwilio};
use infra_sql::testing::TempDatabase;
use sea_orm::{ConnectionTrait, Statement};

use crate::child::ChildInstance;
use crate::support::{ACCESS_TOKEN, ACCOUNT_SID, BUSINESS, TOKEN, spawn_bot_sharing};

const CHILD_TEST: &str = "rule_kill::child_instance";
const CHILD_DATABASE: &str = "CAMPANILE_RULE_KILL_DATABASE_URL";
const CHILD_TWILIO: &str = "CAMPANILE_RULE_KILL_TWILIO";
const READY: &str = "RULE-KILL-CHILD-READY";
const CONTENT_SID: &str = "HX00000000000000000000000000rulekill";
const CUSTOMERS: usize = 1_000;

fn tweak(s: &mut bot::config::Settings, url: &str, twilio: &str) {
    s.database = infra_sql::DatabaseSettings::new(Some(url)).with_max_connections(4);
    s.twilio.api_base = twilio.to_owned();
    s.twilio.whatsapp_from = Some(framework::PhoneNumber::parse(BUSINESS).unwrap());
    s.shop.quiet_hours = None;
    s.outbound.twilio_mps = 200;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the rule SIGKILL scenario's child process; run by the scenario"]
async fn child_instance() {
    crate::child::serve_child(CHILD_DATABASE, CHILD_TWILIO, READY, tweak).await;
}

fn number(i: usize) -> String {
    format!("+91970{i:07}")
}

/// Whom the fake Twilio got the rule's template for, once per message.
fn messaged(twilio: &FakeTwilio) -> Vec<String> {
    twilio
        .accepted()
        .iter()
        .filter(|r| r.field("ContentSid") == Some(CONTENT_SID))
        .filter_map(|r| {
            r.field("To")
                .map(|t| t.trim_start_matches("whatsapp:").to_owned())
        })
        .collect()
}

async fn count(db: &infra_sql::Database, sql: &str) -> i64 {
    let conn = db.connection();
    let row = conn
        .query_one_raw(Statement::from_string(
            conn.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_rule_whose_instance_is_killed_mid_fan_out_reaches_each_customer_once() {
    let db = TempDatabase::create("campanile_rule_kill").await;
    let url = db.url();
    let twilio = Arc::new(FakeTwilio::start(ACCOUNT_SID, TOKEN).await);
    let meta = Arc::new(FakeMeta::start(ACCESS_TOKEN).await);

    // An operator's instance (no workers): the customers, and the rule for
    // this minute.
    let operator = spawn_bot_sharing(twilio.clone(), meta.clone(), {
        let (url, base) = (url.clone(), twilio.base_url());
        move |s| {
            tweak(s, &url, &base);
            s.workers.run = false;
        }
    })
    .await;
    let conn = operator.services.db.connection();
    for chunk in (0..CUSTOMERS).collect::<Vec<_>>().chunks(250) {
        let values: Vec<String> = chunk
            .iter()
            .map(|i| format!("('{}', 'Customer {i}', 0, 0)", number(*i)))
            .collect();
        conn.execute_raw(Statement::from_string(
            conn.get_database_backend(),
            format!(
                "INSERT INTO customers (phone, profile_name, first_seen_ms, last_inbound_ms) VALUES {}",
                values.join(", ")
            ),
        ))
        .await
        .unwrap();
    }
    // Not in the last seconds of a minute: the rule's minute is the tick's.
    while jiff::Timestamp::now().as_second().rem_euclid(60) > 45 {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let now = operator.services.clock.now_ms();
    let minute = rules_tick::minute_of(now);
    let local = jiff::Timestamp::from_millisecond(minute)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Kolkata").unwrap())
        .strftime("%Y-%m-%dT%H:%M")
        .to_string();
    let spec: RuleSpec = serde_json::from_value(serde_json::json!({
        "name": "stock-now",
        "trigger": { "once": local },
        "actions": [{ "send": { "template": {
            "name": "stock_update", "content_sid": CONTENT_SID, "variables": ["{{name}}"]
        } } }]
    }))
    .unwrap();
    operator
        .services
        .shop
        .rules
        .save(SaveRule { spec })
        .await
        .unwrap();
    rules_tick::enqueue(&operator.services.jobs, minute, now)
        .await
        .unwrap();

    // The child fans out; SIGKILL once its first page has committed.
    let runs_sql = "SELECT COUNT(*) FROM rule_runs WHERE rule = 'stock-now'";
    let mut child = ChildInstance::spawn(
        CHILD_TEST,
        &[(CHILD_DATABASE, &url), (CHILD_TWILIO, &twilio.base_url())],
        READY,
    );
    let started = Instant::now();
    while count(&operator.services.db, runs_sql).await == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the child never fanned out"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = child.kill();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&killed),
        Some(9)
    );
    let runs_at_kill = count(&operator.services.db, runs_sql).await;
    assert!(
        runs_at_kill < CUSTOMERS as i64,
        "killed mid-fan-out ({runs_at_kill} runs)"
    );

    // Another instance finishes it.
    let rescuer = spawn_bot_sharing(twilio.clone(), meta.clone(), {
        let (url, base) = (url.clone(), twilio.base_url());
        move |s| tweak(s, &url, &base)
    })
    .await;
    let unsettled = "SELECT COUNT(*) FROM messages WHERE direction = 'out' \
        AND in_reply_to LIKE 'rule:stock-now:%' AND status = 'pending'";
    let started = Instant::now();
    loop {
        let runs = count(&rescuer.services.db, runs_sql).await;
        let pending = count(&rescuer.services.db, unsettled).await;
        if runs == CUSTOMERS as i64 && pending == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "not finished after the kill: {runs} runs, {pending} pending"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let stored = count(
        &rescuer.services.db,
        "SELECT COUNT(DISTINCT customer) FROM messages WHERE direction = 'out' \
         AND in_reply_to LIKE 'rule:stock-now:%'",
    )
    .await;
    let rows = count(
        &rescuer.services.db,
        "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND in_reply_to LIKE 'rule:stock-now:%'",
    )
    .await;
    assert_eq!(
        (stored, rows),
        (CUSTOMERS as i64, CUSTOMERS as i64),
        "one message stored per customer"
    );
    let done = count(
        &rescuer.services.db,
        "SELECT COUNT(DISTINCT phone) FROM rule_runs WHERE rule = 'stock-now' AND result = 'done'",
    )
    .await;
    assert_eq!(
        done, CUSTOMERS as i64,
        "every customer's run logged once, done"
    );
    let unknown = count(
        &rescuer.services.db,
        "SELECT COUNT(*) FROM messages WHERE direction = 'out' \
         AND in_reply_to LIKE 'rule:stock-now:%' AND status = 'unknown'",
    )
    .await;
    let sent = messaged(&twilio);
    let distinct: HashSet<_> = sent.iter().collect();
    assert_eq!(distinct.len(), sent.len(), "nobody messaged twice");
    assert!(
        (CUSTOMERS as i64 - unknown..=CUSTOMERS as i64).contains(&(sent.len() as i64)),
        "every customer messaged once but for sends claimed at the kill: {} messaged, {unknown} unknown",
        sent.len()
    );
    println!(
        "rule kill: {runs_at_kill} runs before the kill; {} messaged, {unknown} unknown",
        sent.len()
    );
    rescuer.stop().await;
    operator.stop().await;
    db.drop().await;
}
