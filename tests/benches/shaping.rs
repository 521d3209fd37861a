//! Throughput shaping benchmark (issue 14): a burst of `REPLIES` replies
//! (default 10,000: 2,000 customers × 5) stored in the outbox of one
//! PostgreSQL database, then sent by **two dispatchers** (two instances:
//! each its own database pool, Redis connection and outbound policy) to one
//! fake Twilio, both shaped to `RATE` messages a second (default 200) for
//! the one sender number, through the GCRA quota they share on Redis.
//!
//! The baseline is the configured rate: every second after the first, the
//! messages the fake accepted that second are reported as a ratio of
//! `RATE` (the target: within ±5 %). It also checks that every reply
//! arrived exactly once (zero doubles, zero lost) and each customer's five
//! replies arrived in order.
//!
//! Run: `cargo bench --workspace --all-features --bench shaping` (needs
//! PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379:
//! `scripts/services.sh`). Options: `REPLIES` (a multiple of 5), `RATE`.
//! Exits 1 when a reply is doubled, lost or out of order.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use framework::reply::Reply;
use framework::webhook::OutboundTurn;
use framework::{ConversationKey, MessageId, Outcome, PhoneNumber, Provider};
use infra_providers::Providers;
use infra_providers::policy::{PolicyConfig, Resilient, ThroughputConfig};
use infra_providers::testing::FakeTwilio;
use infra_providers::twilio::TwilioClient;
use infra_redis::RedisConfig;
use infra_sql::Database;
use infra_sql::outbox::{DbOutbox, DispatchConfig, RenderConfig};
use infra_sql::testing::{Backend, TestDb};

const SID: &str = "AC00000000000000000000000000000014";
const TOKEN: &str = "shaping-token";
const PER_CUSTOMER: usize = 5;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn customer(i: usize) -> String {
    format!("+9198{i:08}")
}

#[tokio::main]
async fn main() {
    let replies = env_usize("REPLIES", 10_000) / PER_CUSTOMER * PER_CUSTOMER;
    let rate = u32::try_from(env_usize("RATE", 200)).unwrap();
    let customers = replies / PER_CUSTOMER;

    let test_db = TestDb::new(Backend::Postgres).await;
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let prefix = format!("bench-shaping-{}:", framework::testing::random_tag());
    let outbox = DbOutbox::new(test_db.db.clone(), RenderConfig::default());

    println!("storing {replies} replies for {customers} customers…");
    let shop = PhoneNumber::parse("+14155238886").unwrap();
    for c in 0..customers {
        let replies = (0..PER_CUSTOMER)
            .map(|n| Reply::text(format!("{c}/{n}")))
            .collect();
        outbox
            .store(OutboundTurn {
                provider: Provider::Twilio,
                key: ConversationKey::new(shop.clone(), PhoneNumber::parse(&customer(c)).unwrap()),
                in_reply_to: MessageId::new(format!("SMbench{c}")),
                channel_id: None,
                outcome: Outcome::Handled,
                replies,
            })
            .await
            .unwrap();
    }

    // Two instances: their own pool, Redis connection and policy.
    let policy = PolicyConfig {
        throughput: ThroughputConfig {
            per_second: rate,
            ..ThroughputConfig::default()
        },
        ..PolicyConfig::default()
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut instances = Vec::new();
    for _ in 0..2 {
        let db = Database::connect(&test_db.settings()).await.unwrap();
        let redis = infra_redis::connect(
            &RedisConfig::new("redis://127.0.0.1:6379").with_key_prefix(prefix.clone()),
        )
        .await
        .unwrap();
        let providers = Providers::new().with_twilio(TwilioClient::new(fake.config()).unwrap());
        let transport = Resilient::new(providers, redis.rate_store())
            .with_policy(Provider::Twilio, policy.clone())
            .unwrap();
        let dispatcher = DbOutbox::new(db, RenderConfig::default())
            .dispatcher(transport, DispatchConfig::default());
        let mut stopped = stopped.clone();
        instances.push(tokio::spawn(dispatcher.run(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })));
    }

    // Count what the fake accepted, once a second.
    let started = Instant::now();
    let deadline = Duration::from_secs(u64::try_from(replies).unwrap() / u64::from(rate) * 2 + 30);
    let mut per_second = Vec::new();
    let mut ticks = tokio::time::interval_at(
        tokio::time::Instant::now() + Duration::from_secs(1),
        Duration::from_secs(1),
    );
    let mut last = 0;
    loop {
        ticks.tick().await;
        let accepted = fake.accepted_count();
        per_second.push(accepted - last);
        last = accepted;
        if accepted >= replies || started.elapsed() > deadline {
            break;
        }
    }
    let elapsed = started.elapsed();
    stop.send(true).unwrap();
    for instance in instances {
        instance.await.unwrap();
    }

    // Exactly once, in order per customer.
    let mut by_customer: HashMap<String, Vec<usize>> = HashMap::new();
    let mut seen = std::collections::HashSet::new();
    let mut doubles = 0;
    for request in fake.accepted() {
        let body = request.field("Body").unwrap_or_default().to_owned();
        if !seen.insert(body.clone()) {
            doubles += 1;
        }
        let (c, n) = body.split_once('/').unwrap();
        by_customer
            .entry(c.to_owned())
            .or_default()
            .push(n.parse().unwrap());
    }
    let lost = replies.saturating_sub(seen.len());
    let out_of_order = by_customer
        .values()
        .filter(|ns| ns.windows(2).any(|w| w[0] > w[1]))
        .count();

    println!("\nsecond  accepted  ratio to {rate}/s");
    for (i, n) in per_second.iter().enumerate() {
        println!("{:>6}  {n:>8}  {:.3}", i + 1, *n as f64 / f64::from(rate));
    }
    // After the first second; the last second is partial (the burst ran out).
    let steady = &per_second[1..per_second.len().saturating_sub(1).max(1)];
    let ratios: Vec<f64> = steady.iter().map(|n| *n as f64 / f64::from(rate)).collect();
    let within = ratios.iter().filter(|r| (0.95..=1.05).contains(*r)).count();
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(0.0, f64::max);
    println!(
        "\n{replies} replies in {:.1} s by 2 instances at {rate}/s: steady seconds {} \
         (2nd to last-but-one), ratio min {min:.3} max {max:.3}, {within} of {} within ±5 %; \
         doubles {doubles}, lost {lost}, customers out of order {out_of_order}",
        elapsed.as_secs_f64(),
        steady.len(),
        steady.len()
    );
    test_db.drop().await;
    if doubles > 0 || lost > 0 || out_of_order > 0 {
        eprintln!("FAILED: every reply must arrive exactly once, in order");
        std::process::exit(1);
    }
}
