//! Ingress benchmark: signed Twilio webhooks through the whole bot
//! (signature, parsing, the durable record in the inbox, the 2xx; then the
//! turns: dedup, rate limit, session, handler, outbox) at increasing
//! concurrency, next to baselines measured in the same run:
//!
//! - **Redis `SET NX`**: a bare axum handler that parses the same form and
//!   does one Redis `SET NX`;
//! - **durable insert**: a bare axum handler that parses the same form and
//!   inserts the row the inbox records (the same table, columns and indexes,
//!   made by the bot's migrations) with one statement per webhook, `INSERT …
//!   ON CONFLICT DO NOTHING`, on each backend the bot runs on: PostgreSQL
//!   (synchronous commit on, the server's default) and SQLite (WAL, one
//!   connection, as the bot opens it).
//!
//! Each pipeline is compared with its own backend's insert: the bot on
//! PostgreSQL + Redis (the distributed mode) and the bot on a SQLite file
//! without Redis (the embedded default).
//!
//! Run: `cargo bench --workspace --all-features --bench ingress` (needs PostgreSQL on
//! 127.0.0.1:5432 and Redis on 127.0.0.1:6379: `scripts/services.sh`).
//! Options through the environment: `BENCH_SECONDS` per level (default 3),
//! `BENCH_LEVELS` (default `1,8,32,64`), `BENCH_BACKENDS` (default
//! `postgres,sqlite`), `BENCH_RULES` (default 0: that many automation rules
//! in the bot, one of them acting on every message), `BENCH_ASYNC_COMMIT=1` (diagnosis: PostgreSQL
//! commits without waiting for the WAL flush, the pipeline's and the
//! baseline's databases alike).
//!
//! Every server and the load generator run in this process, on separate
//! runtimes: the generator on one thread, each server under test on one
//! thread (like pinning it to one core). Each request has a unique
//! `MessageSid` and a sender from 1,000 rotating numbers.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::post;
use bot::config::Settings;
use framework::testing::twilio::TwilioWebhook;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use redis::AsyncCommands as _;

mod baselines;

use baselines::*;

const TOKEN: &str = "bench-token";
const BUSINESS: &str = "+14155238886";

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A server on its own single-threaded runtime (one core's worth); the app
/// is built there, so its connections live on that runtime.
fn serve_on_own_thread<F>(make: impl FnOnce() -> F + Send + 'static) -> SocketAddr
where
    F: std::future::Future<Output = axum::Router>,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let app = make().await;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            axum::serve(listener, app).await.unwrap();
        });
    });
    rx.recv().unwrap()
}

/// The bot on `db_url`, with Redis under `redis_prefix` or without Redis
/// (the embedded default), dispatcher included (dry run: replies are
/// stored and marked, not sent).
fn bot_app(db_url: String, redis_prefix: Option<String>) -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut settings = Settings::local(addr);
            settings.database = infra_sql::DatabaseSettings::new(Some(&db_url));
            settings.twilio.auth_token = Some(TOKEN.into());
            if let Some(prefix) = redis_prefix {
                settings.redis = infra_redis::RedisConfig::new(infra_redis::testing::REDIS_URL)
                    .with_key_prefix(prefix)
                    .into();
            }
            let services = bot::services::Services::build(settings).await.unwrap();
            services.seed_demo_catalog().await.unwrap();
            import_rules(&services, env_or("BENCH_RULES", 0)).await;
            tx.send(addr).unwrap();
            bot::server::run(&services, listener, std::future::pending())
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
}

/// `n` enabled automation rules, as a shop might keep: keyword rules that
/// this benchmark's "hi" does not match, and one rule on any message that
/// logs a line (a run logged per message).
async fn import_rules(services: &bot::services::Services, n: usize) {
    if n == 0 {
        return;
    }
    let mut text = String::new();
    for i in 1..n {
        text.push_str(&format!(
            "[[rule]]\nname = \"kw-{i}\"\ntrigger = {{ keyword = \"product {i} price\" }}\nactions = [{{ tag = [\"asked-{i}\"] }}]\n"
        ));
    }
    text.push_str(
        "[[rule]]\nname = \"seen\"\ntrigger = { any_message = true }\nactions = [{ log = \"seen\" }]\n",
    );
    let file = bot::rules::read_rule_file(&text).unwrap();
    services
        .shop
        .rules
        .import(features::rules::ImportRules { file })
        .await
        .unwrap();
}

/// Signed webhooks with unique ids, 1,000 rotating senders.
fn requests(addr: SocketAddr, n: usize, tag: &str) -> Vec<(String, Bytes)> {
    let url = format!("http://{addr}/webhooks/twilio");
    (0..n)
        .map(|i| {
            let from = format!("+9190000{:05}", i % 1000);
            let hook =
                TwilioWebhook::text(&from, BUSINESS, "hi").with_sid(&format!("SM{tag}{i:026}"));
            (hook.signature(TOKEN, &url), Bytes::from(hook.form_body()))
        })
        .collect()
}

struct Level {
    per_sec: f64,
    p50: Duration,
    p99: Duration,
    errors: usize,
}

/// Sends from `reqs` with `concurrency` keep-alive connections for `secs`.
async fn drive(
    addr: SocketAddr,
    reqs: Arc<Vec<(String, Bytes)>>,
    next: Arc<AtomicUsize>,
    concurrency: usize,
    secs: f64,
) -> Level {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let reqs = reqs.clone();
            let next = next.clone();
            tokio::spawn(async move {
                let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
                stream.set_nodelay(true).unwrap();
                let (mut sender, conn) =
                    hyper::client::conn::http1::handshake(TokioIo::new(stream))
                        .await
                        .unwrap();
                tokio::spawn(conn);
                let mut latencies = Vec::new();
                let mut errors = 0;
                while Instant::now() < deadline {
                    // The baseline outruns any list we could build: it wraps
                    // (a repeated id still costs its SET NX round trip).
                    let i = next.fetch_add(1, Ordering::Relaxed) % reqs.len();
                    let (signature, body) = &reqs[i];
                    let request = Request::post("/webhooks/twilio")
                        .header(http::header::HOST, addr.to_string())
                        .header(
                            http::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .header("x-twilio-signature", signature)
                        .body(Full::new(body.clone()))
                        .unwrap();
                    let t = Instant::now();
                    sender.ready().await.unwrap();
                    let response = sender.send_request(request).await.unwrap();
                    let ok = response.status() == StatusCode::OK;
                    let _ = response.into_body().collect().await;
                    latencies.push(t.elapsed());
                    if !ok {
                        errors += 1;
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (l, e) = t.await.unwrap();
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let pick = |q: f64| {
        all.get(((all.len() as f64 * q) as usize).min(all.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Level {
        per_sec: all.len() as f64 / elapsed,
        p50: pick(0.50),
        p99: pick(0.99),
        errors,
    }
}

/// Waits until the bot has run every recorded message (no inbound row left
/// `received`); returns how long that took.
async fn drain(db: &infra_sql::Database) -> Duration {
    use sea_orm::ConnectionTrait as _;
    let start = Instant::now();
    loop {
        let row = db
            .connection()
            .query_one_raw(sea_orm::Statement::from_string(
                db.connection().get_database_backend(),
                "SELECT count(*) AS n FROM messages WHERE direction = 'in' AND status = 'received'",
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = row.try_get("", "n").unwrap();
        if n == 0 {
            return start.elapsed();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A server under load: where it listens, its requests and the next to send.
struct Target {
    addr: SocketAddr,
    reqs: Arc<Vec<(String, Bytes)>>,
    next: Arc<AtomicUsize>,
}

impl Target {
    fn new(addr: SocketAddr, reqs: Arc<Vec<(String, Bytes)>>) -> Self {
        Self {
            addr,
            reqs,
            next: Arc::new(AtomicUsize::new(0)),
        }
    }

    async fn drive(&self, concurrency: usize, secs: f64) -> Level {
        let level = drive(
            self.addr,
            self.reqs.clone(),
            self.next.clone(),
            concurrency,
            secs,
        )
        .await;
        eprintln!(
            "  {} at {concurrency}: {:.0} msg/s",
            self.addr, level.per_sec
        );
        level
    }
}

/// A pipeline under load with its message log, to wait for its turns.
struct Pipeline {
    target: Target,
    log: infra_sql::Database,
}

impl Pipeline {
    /// Its level, then its drain: the time until the level's last message
    /// ran (the webhook answers once a message is recorded; its turn runs
    /// after).
    async fn drive(&self, concurrency: usize, secs: f64) -> (Level, Duration) {
        let level = self.target.drive(concurrency, secs).await;
        let drained = drain(&self.log).await;
        (level, drained)
    }
}

/// A fresh PostgreSQL database, migrated by the bot's migrations.
async fn migrated_postgres(prefix: &str) -> infra_sql::testing::TempDatabase {
    let db = infra_sql::testing::TempDatabase::create(prefix).await;
    migrate(&db.url()).await;
    db
}

async fn migrate(url: &str) {
    let db = infra_sql::Database::connect(&infra_sql::DatabaseSettings::new(Some(url)))
        .await
        .unwrap();
    db.migrate_with::<infra_shop::Migrator>().await.unwrap();
    db.close().await;
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn percent(part: f64, whole: f64) -> String {
    format!("{:.1} %", 100.0 * part / whole)
}

fn main() {
    let secs: f64 = env_or("BENCH_SECONDS", 3.0);
    let levels: Vec<usize> = std::env::var("BENCH_LEVELS")
        .unwrap_or_else(|_| "1,8,32,64".to_owned())
        .split(',')
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let backends = std::env::var("BENCH_BACKENDS").unwrap_or_else(|_| "postgres,sqlite".to_owned());
    let on_postgres = backends.contains("postgres");
    let on_sqlite = backends.contains("sqlite");
    let tag = framework::testing::random_tag();
    let prefix = format!("campanile-bench-{tag}");
    let sqlite_dir = std::env::temp_dir().join(format!("campanile-bench-{tag}"));

    // The load generator: one thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // PostgreSQL: the pipeline's database (the bot migrates it) and the
    // baseline's.
    let postgres = on_postgres.then(|| {
        rt.block_on(async {
            (
                infra_sql::testing::TempDatabase::create("campanile_bench").await,
                migrated_postgres("campanile_bench_insert").await,
            )
        })
    });
    // Diagnosis only (BENCH_ASYNC_COMMIT=1): without waiting for the WAL
    // flush at each commit, to see how much of a turn is commit latency.
    if let Some((bot_db, base_db)) = &postgres
        && std::env::var("BENCH_ASYNC_COMMIT").as_deref() == Ok("1")
    {
        rt.block_on(async {
            let admin = infra_sql::Database::connect(&infra_sql::DatabaseSettings::new(Some(
                infra_sql::testing::POSTGRES_ADMIN_URL,
            )))
            .await
            .unwrap();
            for name in [bot_db.name(), base_db.name()] {
                sea_orm::ConnectionTrait::execute_unprepared(
                    admin.connection(),
                    &format!("ALTER DATABASE {name} SET synchronous_commit = off"),
                )
                .await
                .unwrap();
            }
            admin.close().await;
        });
        println!("(diagnosis: synchronous_commit = off)");
    }
    // SQLite: two files in a directory of their own.
    let sqlite = on_sqlite.then(|| {
        std::fs::create_dir_all(&sqlite_dir).unwrap();
        let url = |file: &str| format!("sqlite://{}?mode=rwc", sqlite_dir.join(file).display());
        let (bot_url, base_url) = (url("bot.db"), url("insert.db"));
        rt.block_on(migrate(&base_url));
        (bot_url, base_url)
    });

    // Enough requests for the fastest level; ids unique across levels. The
    // baselines check no signature: they share one list.
    let budget = 200_000;
    let pipeline_budget = 60_000;
    let base_reqs = Arc::new(requests("127.0.0.1:1".parse().unwrap(), budget, "B"));
    let redis_base = on_postgres.then(|| {
        let prefix = prefix.clone();
        let addr = serve_on_own_thread(move || baseline_app(prefix));
        Target::new(addr, base_reqs.clone())
    });
    let pg = postgres.as_ref().map(|(bot_db, base_db)| {
        let base_url = base_db.url();
        let base = Target::new(
            serve_on_own_thread(move || durable_baseline_app(base_url)),
            base_reqs.clone(),
        );
        let addr = bot_app(bot_db.url(), Some(prefix.clone()));
        let log = rt.block_on(infra_sql::Database::connect(
            &infra_sql::DatabaseSettings::new(Some(&bot_db.url())),
        ));
        let pipeline = Pipeline {
            target: Target::new(addr, Arc::new(requests(addr, pipeline_budget, "P"))),
            log: log.unwrap(),
        };
        (base, pipeline)
    });
    let lite = sqlite.as_ref().map(|(bot_url, base_url)| {
        let base_url = base_url.clone();
        let base = Target::new(
            serve_on_own_thread(move || durable_baseline_app(base_url)),
            base_reqs.clone(),
        );
        let addr = bot_app(bot_url.clone(), None);
        let log = rt.block_on(infra_sql::Database::connect(
            &infra_sql::DatabaseSettings::new(Some(bot_url)),
        ));
        let pipeline = Pipeline {
            target: Target::new(addr, Arc::new(requests(addr, pipeline_budget, "S"))),
            log: log.unwrap(),
        };
        (base, pipeline)
    });

    println!("ingress benchmark: {secs} s per level, levels {levels:?}, backends {backends}");
    let mut pg_rows = Vec::new();
    let mut lite_rows = Vec::new();
    rt.block_on(async {
        // Warm-up: connections, prepared statements, caches.
        if let Some(redis) = &redis_base {
            redis.drive(4, 1.0).await;
        }
        for (base, pipeline) in pg.iter().chain(lite.iter()) {
            base.drive(4, 1.0).await;
            pipeline.drive(4, 1.0).await;
        }
        for &c in &levels {
            if let (Some(redis), Some((base, pipeline))) = (&redis_base, &pg) {
                let r = redis.drive(c, secs).await;
                let b = base.drive(c, secs).await;
                let (p, drained) = pipeline.drive(c, secs).await;
                let turns_per_sec = p.per_sec * secs / (secs + drained.as_secs_f64());
                pg_rows.push(format!(
                    "| {c} | {:.0} | {:.0} | {} | {} | {:.0} | {} | {} | {} | {} | {:.0} | {:.1} s | {} |",
                    r.per_sec,
                    b.per_sec,
                    ms(b.p50),
                    ms(b.p99),
                    p.per_sec,
                    ms(p.p50),
                    ms(p.p99),
                    percent(p.per_sec, r.per_sec),
                    percent(p.per_sec, b.per_sec),
                    turns_per_sec,
                    drained.as_secs_f64(),
                    r.errors + b.errors + p.errors
                ));
            }
            if let Some((base, pipeline)) = &lite {
                let b = base.drive(c, secs).await;
                let (p, drained) = pipeline.drive(c, secs).await;
                let turns_per_sec = p.per_sec * secs / (secs + drained.as_secs_f64());
                lite_rows.push(format!(
                    "| {c} | {:.0} | {} | {} | {:.0} | {} | {} | {} | {:.0} | {:.1} s | {} |",
                    b.per_sec,
                    ms(b.p50),
                    ms(b.p99),
                    p.per_sec,
                    ms(p.p50),
                    ms(p.p99),
                    percent(p.per_sec, b.per_sec),
                    turns_per_sec,
                    drained.as_secs_f64(),
                    b.errors + p.errors
                ));
            }
        }
    });
    if !pg_rows.is_empty() {
        println!("\nPostgreSQL + Redis (distributed):\n");
        println!(
            "| concurrency | Redis SET NX msg/s | PG insert msg/s | insert p50 | insert p99 | pipeline msg/s | pipeline p50 | pipeline p99 | vs SET NX | vs insert | turns/s | drain | errors |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for row in &pg_rows {
            println!("{row}");
        }
    }
    if !lite_rows.is_empty() {
        println!("\nSQLite (embedded):\n");
        println!(
            "| concurrency | SQLite insert msg/s | insert p50 | insert p99 | pipeline msg/s | pipeline p50 | pipeline p99 | vs insert | turns/s | drain | errors |"
        );
        println!("|---|---|---|---|---|---|---|---|---|---|---|");
        for row in &lite_rows {
            println!("{row}");
        }
    }
    // Clean up after ourselves: the databases, the files and the keys.
    rt.block_on(async {
        for (_, pipeline) in pg.iter().chain(lite.iter()) {
            // What the rules did, to show they ran (BENCH_RULES).
            let conn = pipeline.log.connection();
            let row = sea_orm::ConnectionTrait::query_one_raw(
                conn,
                sea_orm::Statement::from_string(
                    conn.get_database_backend(),
                    "SELECT COUNT(*) FROM rule_runs".to_owned(),
                ),
            )
            .await
            .ok()
            .flatten();
            let runs: i64 = row.and_then(|r| r.try_get_by_index(0).ok()).unwrap_or(0);
            println!("rule runs logged: {runs}");
        }
        for (_, pipeline) in pg.into_iter().chain(lite) {
            pipeline.log.close().await;
        }
        infra_redis::testing::delete_redis_keys(&prefix).await;
        if let Some((bot_db, base_db)) = postgres {
            bot_db.drop().await;
            base_db.drop().await;
        }
    });
    let _ = std::fs::remove_dir_all(&sqlite_dir);
    std::process::exit(0);
}
