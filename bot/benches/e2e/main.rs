//! End-to-end benchmark (issue 12): signed Meta webhooks into the
//! `campanile serve` release binary, replies counted where they arrive, at a
//! fake Graph API over HTTP; on the embedded SQLite default and on
//! PostgreSQL + Redis; next to a baseline measured in the same run.
//!
//! ```sh
//! scripts/services.sh       # PostgreSQL and Redis on 127.0.0.1
//! cargo bench --workspace --all-features --bench e2e
//! ```
//!
//! What runs:
//!
//! - **the bot**: the `campanile` binary cargo builds for this bench (the
//!   bench profile: release), started once per backend with `serve`, set
//!   only through its environment: Meta's app secret, verify and access
//!   tokens, `META_API_BASE` at the fake; the embedded default (no
//!   `DATABASE_URL`: a `campanile.db` in a fresh temporary directory) or a
//!   fresh PostgreSQL database (dropped afterwards) with Redis under a fresh
//!   key prefix (deleted afterwards). Everything else at its default: the
//!   dispatcher sends for real (`CAMPANILE_SEND_CONCURRENCY` 64), the job
//!   workers run, logs at `info` go to a file. `CAMPANILE_*` and
//!   `DATABASE_MAX_CONNECTIONS` set when running the bench are passed on.
//! - **the fake Graph API** (`fake.rs`): answers the sends in Meta's wire
//!   format and notes each reply's recipient and arrival.
//! - **the load** (`load.rs`): "hi" from customers taken in turn from a
//!   pool of `BENCH_SENDERS`, each webhook with a fresh wamid, signed
//!   (`X-Hub-Signature-256`) with the framework's test kit. A customer's
//!   reply answers their oldest message still waiting, so each message's
//!   latency is its reply's arrival minus its send time (closed loop) or
//!   its due time on the schedule (open loop: no coordinated omission).
//! - **the baseline** (`baseline.rs`): this executable again as a server
//!   that checks the signature, parses, renders a reply and posts it to the
//!   fake before answering 200: the harness's ceiling.
//!
//! Phases, per server: a warm-up; closed loops (`BENCH_CLOSED` users, each
//! waiting for its reply before writing again); the sustainable rate is the
//! best closed loop's replies/s (or `BENCH_SUSTAINABLE`); open loops at
//! `BENCH_OPEN` × that rate and at `BENCH_RATES`; then the flood,
//! `BENCH_FLOOD_FACTOR` × that rate for `BENCH_FLOOD_SECONDS`. After each
//! phase the bench waits until every acknowledged message has its reply,
//! at most `BENCH_DRAIN_SECONDS`. The baseline runs the closed loops and one
//! open loop at the highest flood rate the bots were offered.
//!
//! With two or more CPUs the bot (and the baseline) run on CPU 0 and this
//! process (load and fake) on CPU 1 (`taskset`; `BENCH_PIN=0` turns it off,
//! `BENCH_BOT_CPUS` and `BENCH_LOAD_CPUS` choose). PostgreSQL and Redis are
//! not pinned.
//!
//! Options (environment), with their defaults: `BENCH_BACKENDS=sqlite,postgres`,
//! `BENCH_BASELINE=1`, `BENCH_SECONDS=10` (each closed and open loop),
//! `BENCH_WARMUP=2`, `BENCH_CLOSED=8,32`, `BENCH_OPEN=0.5`, `BENCH_RATES=`
//! (none), `BENCH_FLOOD_FACTOR=2`, `BENCH_FLOOD_SECONDS=30`,
//! `BENCH_DRAIN_SECONDS=90`, `BENCH_SENDERS=50000`, `BENCH_CONNECTIONS=256`
//! (of an open loop), `BENCH_SUSTAINABLE` (skip the estimate),
//! `BENCH_BOT_LOG=info` (the bot's `RUST_LOG`), `BENCH_DATABASE_PARAMS`
//! (added to the PostgreSQL URL, e.g. `sslmode=disable`), `BENCH_PG_SET`
//! (settings of the scratch database for a diagnosis, e.g.
//! `synchronous_commit=off`; `;` between two), `BENCH_PG_VACUUM` (seconds
//! between two `VACUUM (ANALYZE)` of the scratch database; default 10 when
//! the server's autovacuum is off, as on this project's CI server, else
//! none), `BENCH_TEXT=hi` (what every customer writes; "Cement x 100"
//! leaves each customer a session holding a quote; it must get exactly one
//! reply, as the ledger matches each reply to the customer's oldest
//! waiting message), `BENCH_RSS_EVERY` (seconds: the server's RSS noted
//! that often during each phase's load, not its drain, and how flat it
//! stayed after the first two minutes), `BENCH_KEEP_LOGS` (a
//! directory to copy the bots' logs to), `CAMPANILE_BIN` (another build of
//! the binary). The figures are in docs/benchmarks.md,
//! "End to end (issue 12)".
#![allow(clippy::expect_used, missing_docs)]

mod baseline;
mod fake;
mod knobs;
mod load;
mod procs;
mod report;
mod scratch;
mod servers;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake::{FakeGraph, Ledger};
use knobs::{Backend, Knobs};
use load::{Customers, Driver};
use procs::{RssWatch, Watched};
use report::{Load, Phase, thousands};
use scratch::{Scratch, autovacuum_on, vacuum_every};
use servers::{log_summary, log_tail, passed_on, start_baseline, start_bot};

/// A server under test: where it listens, what is measured.
struct Target {
    name: String,
    addr: SocketAddr,
    watched: Watched,
    rss: RssWatch,
}

/// What every phase shares.
struct Bench {
    knobs: Knobs,
    driver: Driver,
    ticks_per_second: f64,
}

impl Bench {
    /// One phase against `target`, then the drain; prints a line.
    async fn phase(&self, target: &Target, load: Load, window: Duration) -> Phase {
        let ledger = &self.driver.ledger;
        let phase = ledger.new_phase();
        let rss_start = target.rss.reset();
        let cpu = target.watched.snapshot();
        if !self.knobs.rss_every.is_zero() {
            let label = format!("{} {}", target.name, load.name());
            target.rss.note_every(self.knobs.rss_every, label);
        }
        let (start, sent) = match load {
            Load::Closed(users) => {
                let start = Instant::now();
                let sent = self
                    .driver
                    .closed_loop(target.addr, phase, users, window)
                    .await;
                (start, sent)
            }
            Load::Open(rate) | Load::Flood(rate) => {
                // Time to open the connections before the schedule starts.
                let start = Instant::now() + Duration::from_millis(200);
                let sent = self
                    .driver
                    .open_loop(target.addr, phase, rate, window, start)
                    .await;
                (start, sent)
            }
        };
        if !self.knobs.rss_every.is_zero() {
            // Two of the dedup layer's windows: filled, and swept once.
            let settle = 2 * bot::DEDUP_DONE_TTL;
            report::rss_flatness(&target.name, load, &target.rss.noted(), settle);
        }
        load::drain(ledger, phase, self.knobs.drain).await;
        let cpu = target.watched.since(&cpu, self.ticks_per_second);
        let (peak, end) = target.rss.peak_and_now();
        let result = Phase {
            cpu,
            rss: (rss_start, peak, end),
            ..Phase::new(&target.name, load, start, window, &sent, &ledger.log(phase))
        };
        println!(
            "{} {}: {} webhooks/s, {} replies/s during, {} unanswered of {}, p99 {}",
            result.server,
            load.name(),
            thousands(result.webhooks_per_sec),
            thousands(result.during),
            result.unanswered,
            result.expected,
            result
                .p99
                .map_or_else(|| "unknown".to_owned(), |d| format!("{d:.2?}")),
        );
        // Let the last sends' outcomes settle before the next phase.
        tokio::time::sleep(Duration::from_millis(500)).await;
        result
    }

    /// Warm-up, closed loops, open loops, flood; the phases and the
    /// sustainable rate.
    async fn bot_phases(&self, target: &Target) -> (Vec<Phase>, f64) {
        self.warm_up(target).await;
        let mut phases = Vec::new();
        for &users in &self.knobs.closed {
            phases.push(
                self.phase(target, Load::Closed(users), self.knobs.window)
                    .await,
            );
        }
        let sustainable = self
            .knobs
            .sustainable
            .unwrap_or_else(|| phases.iter().map(|p| p.during).fold(0.0, f64::max));
        if sustainable <= 0.0 {
            println!(
                "{}: no replies in the closed loops; no open loop",
                target.name
            );
            return (phases, sustainable);
        }
        let rates = self
            .knobs
            .open
            .iter()
            .map(|f| f * sustainable)
            .chain(self.knobs.rates.iter().copied());
        for rate in rates.collect::<Vec<_>>() {
            phases.push(
                self.phase(target, Load::Open(rate), self.knobs.window)
                    .await,
            );
        }
        if self.knobs.flood_factor > 0.0 && !self.knobs.flood_window.is_zero() {
            let rate = self.knobs.flood_factor * sustainable;
            phases.push(
                self.phase(target, Load::Flood(rate), self.knobs.flood_window)
                    .await,
            );
        }
        (phases, sustainable)
    }

    async fn warm_up(&self, target: &Target) {
        if self.knobs.warmup.is_zero() {
            return;
        }
        let phase = self.driver.ledger.new_phase();
        self.driver
            .closed_loop(target.addr, phase, 4, self.knobs.warmup)
            .await;
        load::drain(&self.driver.ledger, phase, self.knobs.drain).await;
    }
}

/// What one bot's run gave.
struct BotRun {
    phases: Vec<Phase>,
    sustainable: f64,
    /// How it ended: the fake's refusals, the stop, its log's warnings.
    note: String,
}

impl Bench {
    /// The bot on `backend` through every phase, then stopped and its
    /// scratch data removed; `None` when interrupted.
    fn run_bot(
        &self,
        runtime: &tokio::runtime::Runtime,
        fake: &FakeGraph,
        backend: Backend,
    ) -> Option<BotRun> {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let scratch = (backend == Backend::Postgres)
            .then(|| Scratch::create(runtime, &self.knobs.pg_settings));
        let (mut bot, addr, log) =
            start_bot(&self.knobs, backend, dir.path(), fake, scratch.as_ref());
        let ready = runtime.block_on(load::wait_ready(addr, Duration::from_secs(120), || {
            bot.alive()
        }));
        assert!(
            ready,
            "the bot ({}) did not become ready at {addr}; its log ends with:\n{}",
            backend.name(),
            log_tail(&log)
        );
        let target = Target {
            name: backend.name().to_owned(),
            addr,
            watched: Watched {
                server: bot.pid(),
                database: scratch.as_ref().and_then(Scratch::name),
                redis: backend == Backend::Postgres,
            },
            rss: RssWatch::start(bot.pid()),
        };
        println!("{}: ready at {addr} (pid {})", target.name, bot.pid());
        let refused_before = fake.refused();
        // Stands in for autovacuum where the server runs without it.
        let vacuum = scratch
            .as_ref()
            .filter(|_| !self.knobs.pg_vacuum.is_zero())
            .and_then(|s| s.database.as_ref())
            .map(|d| runtime.spawn(vacuum_every(d.url(), self.knobs.pg_vacuum)));
        let ran = interruptible(runtime, self.bot_phases(&target));
        if let Some(vacuum) = vacuum {
            vacuum.abort();
        }
        // Interrupted: the bot, its database and directory go as this
        // function returns.
        let (phases, sustainable) = ran?;
        let stopped = bot.stop();
        let refused = fake.refused() - refused_before;
        let note = format!(
            "{}: the fake refused {refused} sends; stopped on SIGTERM {}\n  {}",
            target.name,
            stopped.map_or_else(|| "no: killed".to_owned(), |d| format!("in {d:.1?}")),
            log_summary(&log),
        );
        if let Some(keep) = &self.knobs.keep_logs {
            let copy = keep.join(format!("{}.log", backend.name()));
            match std::fs::create_dir_all(keep).and_then(|()| std::fs::copy(&log, &copy)) {
                Ok(_) => println!("{}: its log is in {}", target.name, copy.display()),
                Err(e) => println!(
                    "{}: cannot keep its log in {}: {e}",
                    target.name,
                    keep.display()
                ),
            }
        }
        Some(BotRun {
            phases,
            sustainable,
            note,
        })
    }

    /// The baseline through the closed loops and an open loop at `flood`
    /// (the highest rate the bots were offered), if any.
    fn run_baseline(
        &self,
        runtime: &tokio::runtime::Runtime,
        fake: &FakeGraph,
        flood: Option<f64>,
    ) -> Vec<Phase> {
        let (server, addr) = start_baseline(&self.knobs, fake);
        let ready = runtime.block_on(load::wait_ready(addr, Duration::from_secs(30), || true));
        assert!(ready, "the baseline did not become ready at {addr}");
        let target = Target {
            name: "baseline".to_owned(),
            addr,
            watched: Watched {
                server: server.pid(),
                database: None,
                redis: false,
            },
            rss: RssWatch::start(server.pid()),
        };
        let mut phases = Vec::new();
        interruptible(runtime, async {
            self.warm_up(&target).await;
            for &users in &self.knobs.closed {
                phases.push(
                    self.phase(&target, Load::Closed(users), self.knobs.window)
                        .await,
                );
            }
            if let Some(rate) = flood {
                phases.push(
                    self.phase(&target, Load::Open(rate), self.knobs.window)
                        .await,
                );
            }
        });
        drop(server);
        phases
    }
}

fn describe_machine(knobs: &Knobs, pinned: Option<bool>) {
    let read = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    let model = read("/proc/cpuinfo")
        .lines()
        .find_map(|l| {
            l.strip_prefix("model name")
                .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
        })
        .unwrap_or_default();
    let memory = read("/proc/meminfo")
        .lines()
        .next()
        .unwrap_or_default()
        .split_whitespace()
        .nth(1)
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024 / 1024);
    println!("end-to-end benchmark (issue 12)");
    println!(
        "machine: {} CPUs ({model}), {memory} GiB, load average {}",
        knobs.cpus,
        read("/proc/loadavg")
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
    match (&knobs.pin, pinned) {
        (Some((server, load)), Some(true)) => println!(
            "pinned: server under test on CPU {server}, load and fake Graph API on CPU {load}; PostgreSQL and Redis unpinned"
        ),
        (Some(_), _) => println!("not pinned: taskset failed"),
        (None, _) => println!("not pinned"),
    }
    println!("binary: {}", knobs.bin);
    let passed: Vec<String> = passed_on()
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    println!(
        "bot settings passed on: {}",
        if passed.is_empty() {
            "none (defaults)".to_owned()
        } else {
            passed.join(" ")
        }
    );
    if let Some(params) = &knobs.database_params {
        println!("PostgreSQL URL parameters: {params}");
    }
    if !knobs.pg_vacuum.is_zero() && knobs.backends.contains(&Backend::Postgres) {
        println!(
            "PostgreSQL: the bench runs VACUUM (ANALYZE) on its database every {:.0} s (the server's autovacuum is off, or BENCH_PG_VACUUM says so)",
            knobs.pg_vacuum.as_secs_f64()
        );
    }
    if !knobs.pg_settings.is_empty() {
        println!(
            "PostgreSQL settings of the scratch database: {:?}",
            knobs.pg_settings
        );
    }
    println!(
        "phases: {:.0} s each, closed {:?}, open {:?} × sustainable and {:?}/s, flood {} × sustainable for {:.0} s, drain ≤ {:.0} s; {} senders, {} connections per open loop",
        knobs.window.as_secs_f64(),
        knobs.closed,
        knobs.open,
        knobs.rates,
        knobs.flood_factor,
        knobs.flood_window.as_secs_f64(),
        knobs.drain.as_secs_f64(),
        knobs.senders,
        knobs.connections
    );
}

/// Runs `work` unless Ctrl-C comes first (`None`), so that the servers,
/// the scratch database and the key prefix are still removed.
fn interruptible<F: std::future::Future>(
    runtime: &tokio::runtime::Runtime,
    work: F,
) -> Option<F::Output> {
    runtime.block_on(async {
        tokio::select! {
            done = work => Some(done),
            _ = tokio::signal::ctrl_c() => {
                println!("interrupted: stopping the servers and removing the scratch data");
                None
            }
        }
    })
}

fn main() {
    if std::env::var("BENCH_ROLE").as_deref() == Ok("baseline") {
        baseline::run();
        return;
    }
    let mut knobs = Knobs::from_env();
    let pinned = knobs.pin.as_ref().map(|(_, load)| procs::pin_self(load));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the load's runtime");
    if knobs.pg_vacuum == Duration::MAX {
        knobs.pg_vacuum = if knobs.backends.contains(&Backend::Postgres) && !autovacuum_on(&runtime)
        {
            Duration::from_secs(10)
        } else {
            Duration::ZERO
        };
    }
    describe_machine(&knobs, pinned);
    let ledger = Arc::new(Ledger::default());
    let fake = runtime.block_on(fake::start(Arc::clone(&ledger)));
    let bench = Bench {
        driver: Driver {
            ledger: Arc::clone(&ledger),
            customers: Arc::new(Customers::new(knobs.senders)),
            text: Arc::from(knobs.text.as_str()),
            connections: knobs.connections,
        },
        ticks_per_second: procs::ticks_per_second(),
        knobs,
    };

    let mut phases = Vec::new();
    let mut verdicts = Vec::new();
    let mut notes = Vec::new();
    let mut interrupted = false;
    for &backend in &bench.knobs.backends {
        let Some(run) = bench.run_bot(&runtime, &fake, backend) else {
            interrupted = true;
            break;
        };
        verdicts.push((
            backend.name(),
            run.phases.clone(),
            run.sustainable,
            backend.target(),
        ));
        notes.push(run.note);
        phases.extend(run.phases);
    }
    let baseline_phases = if bench.knobs.baseline && !interrupted {
        let floods = phases.iter().filter_map(|p| match p.load {
            Load::Flood(rate) => Some(rate),
            _ => None,
        });
        bench.run_baseline(&runtime, &fake, floods.reduce(f64::max))
    } else {
        Vec::new()
    };

    println!();
    let all: Vec<Phase> = phases.iter().chain(&baseline_phases).cloned().collect();
    report::print_latency(&all, &baseline_phases);
    println!();
    report::print_resources(&all);
    println!();
    for (name, ran, sustainable, target) in &verdicts {
        report::print_verdict(name, ran, *sustainable, *target);
    }
    for note in &notes {
        println!("{note}");
    }
    println!(
        "replies matching no waiting message: {}; load average at the end {}",
        ledger.strays(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
