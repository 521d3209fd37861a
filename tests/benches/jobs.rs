//! Job queue benchmark (issue 12): `JOBS` no-op jobs enqueued, then
//! processed by one worker of concurrency `CONCURRENCY`, on
//!
//! - **ours on Redis**: [`RedisJobQueue`] (BullMQ's Rust port under our
//!   `JobQueue` contract), a fresh key prefix;
//! - **Node's BullMQ** (npm `bullmq`, `benches/bullmq-node/bench.js`) on the
//!   same Redis, a fresh prefix, run as a child process in the same run:
//!   the baseline; the ratio is ours over it;
//! - **the table queue** ([`DbJobQueue`]) on a fresh PostgreSQL database and
//!   on a fresh SQLite file, both migrated as `campanile migrate` does.
//!
//! Each is the same work: `CONCURRENCY` producers each with one enqueue in
//! flight (job `{"n": i}`, 3 attempts, exponential backoff from 1 s: our
//! default options), then the worker starts and the clock stops when every
//! job is completed (looked for every `POLL_MS`, in the store, the same
//! way for all). Completed jobs are kept, as both queues do by default.
//!
//! Run: `scripts/bench-jobs` (installs the Node half with `npm ci` when it
//! is missing, then `cargo bench --workspace --all-features --bench jobs`).
//! Needs Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432
//! (`scripts/services.sh`). Options through the environment:
//!
//! - `JOBS`: jobs per run on Redis (default 100,000);
//! - `CONCURRENCY`: producers, and the worker's concurrency (default 50);
//! - `BENCH_ROUNDS`: runs of ours and Node's, the order swapped every round
//!   (default 3; the ratio reported is each round's, and their median);
//! - `TABLE_JOBS`: jobs per run of the table queue (default 10,000, at most
//!   `JOBS`: its claim sorts the whole backlog, see docs/benchmarks.md);
//! - `BENCH_QUEUES`: which to run (default `redis,node,postgres,sqlite`);
//! - `POLL_MS`: how often the end is looked for (default 10);
//! - `TIMEOUT_SECS`: the longest one run's processing may take (default 600).
//!
//! Besides jobs/s it reports each run's client CPU time per job (this
//! process for ours and the table queue, the Node process for Node's) and
//! the Redis server's main-thread CPU time per job (other clients of the
//! server included).
//!
//! Our half runs on tokio's multi-threaded runtime with a worker thread per
//! core, as the bot's `main` does.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use framework::jobs::{Job, JobError, JobOptions, JobQueue, WorkerConfig};
use infra_redis::RedisConfig;
use infra_redis::jobs::RedisJobQueue;
use infra_sql::jobs::DbJobQueue;
use infra_sql::{Database, DatabaseSettings};
use sea_orm::ConnectionTrait as _;

/// The one queue every run uses (in its own prefix or database).
const QUEUE: &str = "noop";

/// The table queue's jobs by default (at most `JOBS`): each of its claims
/// sorts every waiting job (see docs/benchmarks.md), so 100,000 would take
/// most of an hour.
const DEFAULT_TABLE_JOBS: usize = 10_000;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Debug, Clone, Copy)]
struct Settings {
    /// Jobs per run on Redis (ours and Node's).
    jobs: usize,
    /// Jobs per run of the table queue.
    table_jobs: usize,
    concurrency: usize,
    /// Runs of ours and Node's, in alternating order.
    rounds: usize,
    poll: Duration,
    timeout: Duration,
}

/// One run's figures.
#[derive(Debug, Clone)]
struct Figures {
    name: String,
    jobs: usize,
    enqueue: Duration,
    process: Duration,
    /// The client's CPU time over both phases (this process for ours and
    /// the table queue, the Node process for Node's).
    client_cpu: Option<Duration>,
    /// The Redis server's main thread over both phases (other clients of
    /// the server included).
    redis_cpu: Option<Duration>,
}

impl Figures {
    fn total(&self) -> Duration {
        self.enqueue + self.process
    }

    fn per_sec(&self, took: Duration) -> f64 {
        self.jobs as f64 / took.as_secs_f64()
    }

    fn micros_per_job(&self, cpu: Option<Duration>) -> String {
        cpu.map_or_else(
            || "–".to_owned(),
            |cpu| format!("{:.0}", cpu.as_secs_f64() * 1e6 / self.jobs as f64),
        )
    }
}

/// This process's CPU time (user + system, every thread), from
/// `/proc/self/stat` in clock ticks of 1/100 s (Linux's `USER_HZ`).
fn own_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command's closing parenthesis; utime and stime
    // are the 14th and 15th of the line.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// The Redis server's main-thread CPU time so far (`INFO cpu`).
async fn redis_cpu(conn: &mut redis::aio::MultiplexedConnection) -> Option<Duration> {
    let info: String = redis::cmd("INFO").arg("cpu").query_async(conn).await.ok()?;
    let field = |name: &str| {
        info.lines().find_map(|line| {
            line.strip_prefix(name)?
                .strip_prefix(':')?
                .trim()
                .parse::<f64>()
                .ok()
        })
    };
    let seconds = field("used_cpu_user_main_thread")? + field("used_cpu_sys_main_thread")?;
    Some(Duration::from_secs_f64(seconds))
}

async fn redis_probe() -> redis::aio::MultiplexedConnection {
    redis::Client::open(infra_redis::testing::REDIS_URL)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis on 127.0.0.1:6379 (scripts/services.sh)")
}

/// Enqueues `jobs` no-op jobs with `concurrency` producers, one enqueue in
/// flight each; returns how long it took.
async fn enqueue_all<Q: JobQueue>(queue: &Q, jobs: usize, s: Settings) -> Duration {
    let next = Arc::new(AtomicUsize::new(0));
    let options = JobOptions::default();
    let started = Instant::now();
    let producers: Vec<_> = (0..s.concurrency)
        .map(|_| {
            let (queue, next, options) = (queue.clone(), Arc::clone(&next), options.clone());
            tokio::spawn(async move {
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= jobs {
                        return;
                    }
                    queue
                        .enqueue(QUEUE, &format!("{{\"n\":{n}}}"), &options)
                        .await
                        .expect("enqueue");
                }
            })
        })
        .collect();
    for producer in producers {
        producer.await.unwrap();
    }
    started.elapsed()
}

/// Starts a worker of `s.concurrency` with a no-op handler, waits until
/// `done` says every job is finished, stops the worker; returns how long
/// the processing took.
async fn process_all<Q, F, Fut>(queue: &Q, s: Settings, mut done: F) -> Duration
where
    Q: JobQueue,
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let noop = tower::service_fn(|_job: Job| async { Ok::<(), JobError>(()) });
    let config = WorkerConfig {
        concurrency: s.concurrency,
        ..WorkerConfig::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let started = Instant::now();
    let worker = {
        let queue = queue.clone();
        tokio::spawn(async move {
            queue
                .work(QUEUE, noop, config, async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    while !done().await {
        assert!(
            started.elapsed() < s.timeout,
            "the jobs were not all done within {:?}",
            s.timeout
        );
        tokio::time::sleep(s.poll).await;
    }
    let took = started.elapsed();
    let _ = stop.send(());
    worker.await.unwrap().expect("the worker stops cleanly");
    took
}

async fn ours_on_redis(s: Settings) -> Figures {
    let prefix = format!("campanile-bench-{}", framework::testing::random_tag());
    let config = RedisConfig::new(infra_redis::testing::REDIS_URL).with_key_prefix(prefix.clone());
    let queue = RedisJobQueue::connect(&config)
        .await
        .expect("Redis on 127.0.0.1:6379 (scripts/services.sh)");
    let mut probe = redis_probe().await;
    let key = |set: &str| format!("{prefix}:{QUEUE}:{set}");

    let (cpu_before, redis_before) = (own_cpu(), redis_cpu(&mut probe).await);
    let enqueue = enqueue_all(&queue, s.jobs, s).await;
    let completed = key("completed");
    let process = process_all(&queue, s, || {
        let (mut probe, completed) = (probe.clone(), completed.clone());
        async move {
            let n: usize = redis::cmd("ZCARD")
                .arg(&completed)
                .query_async(&mut probe)
                .await
                .unwrap();
            n >= s.jobs
        }
    })
    .await;
    let (cpu_after, redis_after) = (own_cpu(), redis_cpu(&mut probe).await);
    let dead: usize = redis::cmd("ZCARD")
        .arg(key("failed"))
        .query_async(&mut probe)
        .await
        .unwrap();
    assert_eq!(dead, 0, "no job fails");
    infra_redis::testing::delete_redis_keys(&prefix).await;
    Figures {
        name: "ours: BullMQ (Rust) on Redis".to_owned(),
        jobs: s.jobs,
        enqueue,
        process,
        client_cpu: cpu_after.zip(cpu_before).map(|(a, b)| a.saturating_sub(b)),
        redis_cpu: redis_after
            .zip(redis_before)
            .map(|(a, b)| a.saturating_sub(b)),
    }
}

/// Node's BullMQ, run by `node benches/bullmq-node/bench.js`; `None` when
/// its packages are not installed.
fn node_on_redis(rt: &tokio::runtime::Runtime, s: Settings) -> Option<Figures> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bullmq-node");
    if !dir.join("node_modules/bullmq").is_dir() {
        eprintln!(
            "jobs: Node's bullmq is not installed: run `npm ci` in {} (scripts/bench-jobs does); skipped",
            dir.display()
        );
        return None;
    }
    let prefix = format!("campanile-bench-node-{}", framework::testing::random_tag());
    let mut probe = rt.block_on(redis_probe());
    let redis_before = rt.block_on(redis_cpu(&mut probe));
    let mut child = Command::new("node")
        .arg("bench.js")
        .current_dir(&dir)
        .env("JOBS", s.jobs.to_string())
        .env("CONCURRENCY", s.concurrency.to_string())
        .env("PREFIX", &prefix)
        .env("QUEUE", QUEUE)
        .env("REDIS_URL", infra_redis::testing::REDIS_URL)
        .env("POLL_MS", s.poll.as_millis().to_string())
        .env("TIMEOUT_MS", s.timeout.as_millis().to_string())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run node (Node 20 or later)");
    // Its own timeout covers the processing; this, a run that hangs anyway.
    let deadline = Instant::now() + s.timeout * 2;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            rt.block_on(infra_redis::testing::delete_redis_keys(&prefix));
            panic!("node bench.js did not finish; killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let redis_after = rt.block_on(redis_cpu(&mut probe));
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    rt.block_on(infra_redis::testing::delete_redis_keys(&prefix));
    assert!(status.success(), "node bench.js failed ({status})");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).expect("bench.js's JSON");
    let ms = |field: &str| Duration::from_secs_f64(report[field].as_f64().unwrap() / 1000.0);
    Some(Figures {
        name: format!(
            "Node: bullmq {} on Redis",
            report["bullmq"].as_str().unwrap_or("?")
        ),
        jobs: s.jobs,
        enqueue: ms("enqueue_ms"),
        process: ms("process_ms"),
        client_cpu: Some(ms("cpu_ms")),
        redis_cpu: redis_after
            .zip(redis_before)
            .map(|(a, b)| a.saturating_sub(b)),
    })
}

/// The table queue on `db` (migrated here).
async fn table_queue(name: &str, db: Database, s: Settings) -> Figures {
    db.migrate().await.expect("migrate");
    let queue = DbJobQueue::new(db.clone());
    let cpu_before = own_cpu();
    let enqueue = enqueue_all(&queue, s.table_jobs, s).await;
    let backend = db.connection().get_database_backend();
    let left = |sql: &str| sea_orm::Statement::from_string(backend, sql.to_owned());
    // Cheap on the jobs' (queue, status, …) index: is any job left to run?
    let unfinished = format!(
        "SELECT id FROM jobs WHERE queue = '{QUEUE}' AND status IN ('waiting', 'active') LIMIT 1"
    );
    let process = process_all(&queue, s, || {
        let (db, statement) = (db.clone(), left(&unfinished));
        async move {
            db.connection()
                .query_one_raw(statement)
                .await
                .unwrap()
                .is_none()
        }
    })
    .await;
    let cpu_after = own_cpu();
    let completed = db
        .connection()
        .query_one_raw(left(&format!(
            "SELECT count(*) AS n FROM jobs WHERE queue = '{QUEUE}' AND status = 'completed'"
        )))
        .await
        .unwrap()
        .unwrap();
    let completed: i64 = completed.try_get("", "n").unwrap();
    assert_eq!(completed, s.table_jobs as i64, "every job completed");
    db.close().await;
    Figures {
        name: name.to_owned(),
        jobs: s.table_jobs,
        enqueue,
        process,
        // The database's own CPU is not counted.
        client_cpu: cpu_after.zip(cpu_before).map(|(a, b)| a.saturating_sub(b)),
        redis_cpu: None,
    }
}

async fn table_on_postgres(s: Settings) -> Figures {
    let temp = infra_sql::testing::TempDatabase::create("campanile_bench_jobs").await;
    let db = Database::connect(&DatabaseSettings::new(Some(&temp.url())))
        .await
        .unwrap();
    let figures = table_queue("table queue on PostgreSQL", db, s).await;
    temp.drop().await;
    figures
}

async fn table_on_sqlite(s: Settings) -> Figures {
    let file = std::env::temp_dir().join(format!(
        "campanile-bench-jobs-{}.db",
        framework::testing::random_tag()
    ));
    let url = format!("sqlite://{}?mode=rwc", file.display());
    let db = Database::connect(&DatabaseSettings::new(Some(&url)))
        .await
        .unwrap();
    let figures = table_queue("table queue on SQLite (file)", db, s).await;
    for suffix in ["", "-wal", "-shm"] {
        let mut path = PathBuf::from(&file).into_os_string();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
    figures
}

fn row(round: &str, f: &Figures) {
    println!(
        "| {round} | {} | {} | {:.0} | {:.0} | {:.0} | {:.2} s | {} | {} |",
        f.name,
        f.jobs,
        f.per_sec(f.enqueue),
        f.per_sec(f.process),
        f.per_sec(f.total()),
        f.total().as_secs_f64(),
        f.micros_per_job(f.client_cpu),
        f.micros_per_job(f.redis_cpu),
    );
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        f64::midpoint(values[mid - 1], values[mid])
    } else {
        values[mid]
    }
}

fn print(s: Settings, rounds: &[Vec<Figures>], tables: &[Figures]) {
    println!();
    println!(
        "jobs: no-op jobs, concurrency {c} ({c} producers with one enqueue in flight each, then one worker of concurrency {c})",
        c = s.concurrency
    );
    println!(
        "| round | queue | jobs | enqueue jobs/s | process jobs/s | total jobs/s | total | client CPU µs/job | Redis CPU µs/job |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (i, round) in rounds.iter().enumerate() {
        for f in round {
            row(&(i + 1).to_string(), f);
        }
    }
    for f in tables {
        row("", f);
    }
    // Ours over Node's, per round, then the median.
    let ratios: Vec<[f64; 3]> = rounds
        .iter()
        .filter_map(|round| {
            let ours = round.iter().find(|f| f.name.starts_with("ours"))?;
            let node = round.iter().find(|f| f.name.starts_with("Node"))?;
            let ratio = |a: Duration, b: Duration| b.as_secs_f64() / a.as_secs_f64();
            Some([
                ratio(ours.enqueue, node.enqueue),
                ratio(ours.process, node.process),
                ratio(ours.total(), node.total()),
            ])
        })
        .collect();
    for (i, [enqueue, process, total]) in ratios.iter().enumerate() {
        println!(
            "round {}: ours / Node (jobs/s): enqueue {enqueue:.2}x, process {process:.2}x, total {total:.2}x",
            i + 1
        );
    }
    if ratios.len() > 1 {
        let column = |k: usize| median(ratios.iter().map(|r| r[k]).collect());
        println!(
            "median of {} rounds: ours / Node (jobs/s): enqueue {:.2}x, process {:.2}x, total {:.2}x",
            ratios.len(),
            column(0),
            column(1),
            column(2)
        );
    }
}

fn main() {
    let jobs = env_or("JOBS", 100_000_usize).max(1);
    let s = Settings {
        jobs,
        table_jobs: env_or("TABLE_JOBS", DEFAULT_TABLE_JOBS.min(jobs)).max(1),
        concurrency: env_or("CONCURRENCY", 50_usize).max(1),
        rounds: env_or("BENCH_ROUNDS", 3_usize).max(1),
        poll: Duration::from_millis(env_or("POLL_MS", 10)),
        timeout: Duration::from_secs(env_or("TIMEOUT_SECS", 600)),
    };
    let queues =
        std::env::var("BENCH_QUEUES").unwrap_or_else(|_| "redis,node,postgres,sqlite".to_owned());
    let queues: Vec<&str> = queues.split(',').map(str::trim).collect();
    if let Some(other) = queues
        .iter()
        .find(|q| !["redis", "node", "postgres", "sqlite"].contains(q))
    {
        panic!("BENCH_QUEUES: unknown queue {other:?} (redis, node, postgres, sqlite)");
    }
    // As the bot's `#[tokio::main]`: a worker thread per core.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();

    // Ours and Node's, in turn, the order swapped every round: neither
    // always runs on a Redis the other just filled and emptied.
    let mut rounds = Vec::new();
    for round in 0..s.rounds {
        let mut order = ["redis", "node"];
        if round % 2 == 1 {
            order.reverse();
        }
        let mut figures = Vec::new();
        for queue in order.into_iter().filter(|q| queues.contains(q)) {
            eprintln!("jobs: round {}, {queue}: {} jobs…", round + 1, s.jobs);
            figures.extend(match queue {
                "redis" => Some(rt.block_on(ours_on_redis(s))),
                _ => node_on_redis(&rt, s),
            });
        }
        rounds.push(figures);
    }
    let mut tables = Vec::new();
    if queues.contains(&"postgres") {
        eprintln!("jobs: table queue, postgres: {} jobs…", s.table_jobs);
        tables.push(rt.block_on(table_on_postgres(s)));
    }
    if queues.contains(&"sqlite") {
        eprintln!("jobs: table queue, sqlite: {} jobs…", s.table_jobs);
        tables.push(rt.block_on(table_on_sqlite(s)));
    }
    print(s, &rounds, &tables);
}
