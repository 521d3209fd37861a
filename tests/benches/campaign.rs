//! Campaign benchmark (issue 15): a campaign of `RECIPIENTS` (default
//! 100,000) numbers, started from the CLI, sent by the real `campanile`
//! binary to a fake Twilio (in this process) at a configured `RATE`
//! messages a second (default 500), in two set-ups:
//!
//! - `embedded`: one instance on the embedded default (a SQLite file);
//! - `cluster`: two instances on one PostgreSQL database and Redis.
//!
//! The baseline is the configured rate: every second after the first, the
//! messages the fake accepted that second are reported as a ratio of
//! `RATE` (the target: the whole run within ±2 %), with each instance's
//! resident memory at the start and the end of the sending. It also checks
//! that every recipient got the campaign exactly once (zero doubles, zero
//! lost).
//!
//! Run: `cargo build --bin campanile && cargo bench --workspace
//! --all-features --bench campaign` (the cluster needs PostgreSQL on
//! 127.0.0.1:5432 and Redis on 127.0.0.1:6379: `scripts/services.sh`).
//! Options: `RECIPIENTS`, `RATE`, `MODE` (`embedded`, `cluster` or
//! `both`), `CAMPANILE_BIN` (the binary; default `target/debug/campanile`).
//! Exits 1 when a recipient is doubled or lost.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use infra_providers::testing::FakeTwilio;
use infra_sql::testing::TempDatabase;

const SID: &str = "AC00000000000000000000000000000015";
const TOKEN: &str = "campaign-bench-token";
const SHOP: &str = "+14155238886";
const CONTENT_SID: &str = "HX000000000000000000000000000bench";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn binary() -> PathBuf {
    if let Ok(bin) = std::env::var("CAMPANILE_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(
        |_| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
        PathBuf::from,
    );
    target.join("debug/campanile")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Resident memory of process `pid`, in MiB.
fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

/// An instance of the real binary; killed when dropped.
struct Instance(Child);

impl Drop for Instance {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn ready(port: u16) -> bool {
    reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .is_ok_and(|r| r.status().is_success())
}

struct Setup {
    name: &'static str,
    env: Vec<(String, String)>,
    instances: usize,
}

async fn run(setup: &Setup, recipients: usize, rate: usize, dir: &Path) -> bool {
    let fake = FakeTwilio::start(SID, TOKEN).await;
    let mut env = setup.env.clone();
    env.extend(
        [
            ("TWILIO_ACCOUNT_SID", SID.to_owned()),
            ("TWILIO_AUTH_TOKEN", TOKEN.to_owned()),
            ("TWILIO_API_BASE", fake.base_url()),
            ("TWILIO_WHATSAPP_FROM", SHOP.to_owned()),
            ("CAMPANILE_TWILIO_MPS", rate.to_string()),
            // Half a second of sends per batch.
            ("CAMPANILE_CAMPAIGN_BATCH", (rate / 2).max(1).to_string()),
            ("CAMPANILE_MESSAGING_LIMIT", recipients.to_string()),
            ("CAMPANILE_QUIET_HOURS", String::new()),
            ("RUST_LOG", "warn".to_owned()),
        ]
        .map(|(k, v)| (k.to_owned(), v)),
    );
    let bin = binary();
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build --bin campanile` first",
        bin.display()
    );
    let mut instances = Vec::new();
    let mut ports = Vec::new();
    for i in 0..setup.instances {
        let port = free_port();
        let log = std::fs::File::create(dir.join(format!("{}-{i}.log", setup.name))).unwrap();
        let child = Command::new(&bin)
            .arg("serve")
            .envs(env.iter().cloned())
            .env("CAMPANILE_ADDR", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        instances.push(Instance(child));
        ports.push(port);
        // One at a time: the first migrates the database.
        let deadline = Instant::now() + Duration::from_secs(120);
        while !ready(port).await {
            assert!(Instant::now() < deadline, "instance {i} never got ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let numbers = dir.join(format!("{}-numbers.csv", setup.name));
    let list: String = (0..recipients).map(|i| format!("+91933{i:07}\n")).collect();
    std::fs::write(&numbers, format!("phone\n{list}")).unwrap();
    let cli = |args: &[&str]| {
        let out = Command::new(&bin)
            .arg("campaign")
            .args(args)
            .envs(env.iter().cloned())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "campaign {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    cli(&[
        "create",
        "--name",
        "bench",
        "--numbers",
        numbers.to_str().unwrap(),
        "--template",
        "offer",
        "--content-sid",
        CONTENT_SID,
    ]);
    cli(&["start", "1"]);

    let started = Instant::now();
    let deadline = Duration::from_secs((recipients / rate) as u64 * 2 + 60);
    let mut per_second = Vec::new();
    let mut memory = Vec::new();
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
        memory.push(
            instances
                .iter()
                .map(|i| rss_mib(i.0.id()))
                .collect::<Vec<_>>(),
        );
        if accepted >= recipients || started.elapsed() > deadline {
            break;
        }
    }
    let elapsed = started.elapsed();
    drop(instances);

    let mut by_recipient: HashMap<String, usize> = HashMap::new();
    for r in fake.accepted() {
        *by_recipient
            .entry(r.field("To").unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    let doubles: usize = by_recipient.values().map(|n| n - 1).sum();
    let lost = recipients.saturating_sub(by_recipient.len());

    // From the first second with a send to the last full one.
    let first = per_second.iter().position(|n| *n > 0).unwrap_or(0);
    let steady = &per_second[(first + 1).min(per_second.len())..per_second.len().saturating_sub(1)];
    let ratios: Vec<f64> = steady.iter().map(|n| *n as f64 / rate as f64).collect();
    let total: usize = steady.iter().sum();
    let overall = total as f64 / steady.len().max(1) as f64 / rate as f64;
    let within = ratios.iter().filter(|r| (0.98..=1.02).contains(*r)).count();
    let min = ratios.iter().copied().fold(f64::INFINITY, f64::min);
    let max = ratios.iter().copied().fold(0.0, f64::max);
    let sending = &memory[first.min(memory.len() - 1)..];
    let mem_start = &sending[0];
    let mem_end = &sending[sending.len() - 1];
    let quartiles: Vec<String> = (1..=3)
        .map(|q| {
            let v = &sending[(sending.len() * q / 4).min(sending.len() - 1)];
            v.iter()
                .map(|m| format!("{m:.0}"))
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    let mib = |v: &[f64]| {
        v.iter()
            .map(|m| format!("{m:.0}"))
            .collect::<Vec<_>>()
            .join("/")
    };
    println!(
        "{}: {recipients} recipients in {:.1} s by {} instance(s) at {rate}/s: steady seconds {}, \
         overall ratio {overall:.4}, per second min {min:.3} max {max:.3} ({within} of {} within ±2 %); \
         memory MiB at start {}, at each quarter {}, at end {}; doubles {doubles}, lost {lost}",
        setup.name,
        elapsed.as_secs_f64(),
        setup.instances,
        steady.len(),
        steady.len(),
        mib(mem_start),
        quartiles.join(", "),
        mib(mem_end),
    );
    doubles == 0 && lost == 0
}

#[tokio::main]
async fn main() {
    let recipients = env_usize("RECIPIENTS", 100_000);
    let rate = env_usize("RATE", 500);
    let mode = std::env::var("MODE").unwrap_or_else(|_| "both".to_owned());
    let dir = std::env::temp_dir().join(format!(
        "campanile-bench-campaign-{}",
        framework::testing::random_tag()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    println!("logs and lists in {}", dir.display());
    let mut ok = true;
    if mode == "embedded" || mode == "both" {
        let setup = Setup {
            name: "embedded",
            env: vec![(
                "DATABASE_URL".to_owned(),
                format!("sqlite://{}/shop.db?mode=rwc", dir.display()),
            )],
            instances: 1,
        };
        ok &= run(&setup, recipients, rate, &dir).await;
    }
    if mode == "cluster" || mode == "both" {
        let db = TempDatabase::create("campanile_bench_campaign").await;
        let prefix = format!("bench-campaign-{}", framework::testing::random_tag());
        let setup = Setup {
            name: "cluster",
            env: vec![
                ("DATABASE_URL".to_owned(), db.url()),
                ("REDIS_URL".to_owned(), "redis://127.0.0.1:6379".to_owned()),
                ("REDIS_KEY_PREFIX".to_owned(), prefix.clone()),
            ],
            instances: 2,
        };
        ok &= run(&setup, recipients, rate, &dir).await;
        infra_redis::testing::delete_redis_keys(&prefix).await;
        db.drop().await;
    }
    if !ok {
        eprintln!("FAILED: every recipient must get the campaign exactly once");
        std::process::exit(1);
    }
}
