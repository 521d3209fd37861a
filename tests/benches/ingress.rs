//! Ingress benchmark: signed Twilio webhooks through the whole bot
//! (signature, parsing, dedup, message log, rate limit, session, handler,
//! durable outbox; Redis for dedup, rate limits, sessions and the lane;
//! PostgreSQL for the log, outbox and orders) at
//! increasing concurrency, next to a baseline measured in the same run: a
//! bare axum handler that parses the same form and does one Redis `SET NX`.
//!
//! Run: `cargo bench -p e2e-tests --bench ingress` (needs PostgreSQL on
//! 127.0.0.1:5432 and Redis on 127.0.0.1:6379: `scripts/services.sh`).
//! Options through the environment: `BENCH_SECONDS` per level (default 3),
//! `BENCH_LEVELS` (default `1,8,32,64`), `BENCH_ASYNC_COMMIT=1` (diagnosis:
//! PostgreSQL commits without waiting for the WAL flush).
//!
//! Both servers and the load generator run in this process, on separate
//! runtimes: the generator on one thread, the server under test on one
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

/// LIMIT B: parse the form, `SET processed:<sid> 1 NX EX 604800`, empty TwiML.
async fn baseline_app(prefix: String) -> axum::Router {
    let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
    let redis = redis::aio::ConnectionManager::new(client).await.unwrap();
    axum::Router::new().route(
        "/webhooks/twilio",
        post(move |body: Bytes| {
            let mut redis = redis.clone();
            let prefix = prefix.clone();
            async move {
                let sid = form_urlencoded::parse(&body)
                    .find(|(k, _)| k == "MessageSid")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let _: Option<String> = redis
                    .set_options(
                        format!("{prefix}:processed:{sid}"),
                        1,
                        redis::SetOptions::default()
                            .conditional_set(redis::ExistenceCheck::NX)
                            .with_expiration(redis::SetExpiry::EX(604_800)),
                    )
                    .await
                    .unwrap();
                (
                    StatusCode::OK,
                    [(http::header::CONTENT_TYPE, "text/xml")],
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>",
                )
            }
        }),
    )
}

/// The bot on `db_url`, dispatcher included (dry run: replies are stored
/// and marked, not sent).
fn bot_app(db_url: String, prefix: String) -> SocketAddr {
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
            settings.database = infra::db::DatabaseSettings::new(Some(&db_url));
            settings.twilio.auth_token = Some(TOKEN.into());
            settings.redis = infra::redis::RedisConfig::new(infra::testing::REDIS_URL)
                .with_key_prefix(prefix)
                .into();
            let services = bot::services::Services::build(settings).await.unwrap();
            services.seed_demo_catalog().await.unwrap();
            tx.send(addr).unwrap();
            bot::server::run(&services, listener, std::future::pending())
                .await
                .unwrap();
        });
    });
    rx.recv().unwrap()
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
async fn drain(db: &infra::db::Database) -> Duration {
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

fn main() {
    let secs: f64 = env_or("BENCH_SECONDS", 3.0);
    let levels: Vec<usize> = std::env::var("BENCH_LEVELS")
        .unwrap_or_else(|_| "1,8,32,64".to_owned())
        .split(',')
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let prefix = format!("campanile-bench-{}", infra::testing::random_tag());

    // The load generator: one thread.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let db = rt.block_on(infra::testing::TempDatabase::create("campanile_bench"));
    // Diagnosis only (BENCH_ASYNC_COMMIT=1): without waiting for the WAL
    // flush at each commit, to see how much of a turn is commit latency.
    if std::env::var("BENCH_ASYNC_COMMIT").as_deref() == Ok("1") {
        rt.block_on(async {
            let admin = infra::db::Database::connect(&infra::db::DatabaseSettings::new(Some(
                infra::testing::POSTGRES_ADMIN_URL,
            )))
            .await
            .unwrap();
            sea_orm::ConnectionTrait::execute_unprepared(
                admin.connection(),
                &format!("ALTER DATABASE {} SET synchronous_commit = off", db.name()),
            )
            .await
            .unwrap();
            admin.close().await;
        });
        println!("(diagnosis: synchronous_commit = off)");
    }
    let baseline_prefix = prefix.clone();
    let baseline_addr = serve_on_own_thread(move || baseline_app(baseline_prefix));
    let bot_addr = bot_app(db.url(), prefix.clone());
    // Enough requests for the fastest level; ids unique across levels.
    let budget = 200_000;
    let base_reqs = Arc::new(requests(baseline_addr, budget, "B"));
    let bot_reqs = Arc::new(requests(bot_addr, budget, "P"));
    let (base_next, bot_next) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));

    println!("ingress benchmark: {secs} s per level, levels {levels:?}");
    println!(
        "| concurrency | baseline msg/s | baseline p50 | baseline p99 | pipeline msg/s | pipeline p50 | pipeline p99 | ratio | turns/s | drain | errors |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    rt.block_on(async {
        let log_db =
            infra::db::Database::connect(&infra::db::DatabaseSettings::new(Some(&db.url())))
                .await
                .unwrap();
        // Warm-up: connections, prepared statements, caches.
        drive(baseline_addr, base_reqs.clone(), base_next.clone(), 4, 1.0).await;
        drive(bot_addr, bot_reqs.clone(), bot_next.clone(), 4, 1.0).await;
        drain(&log_db).await;
        for &c in &levels {
            let b = drive(baseline_addr, base_reqs.clone(), base_next.clone(), c, secs).await;
            let p = drive(bot_addr, bot_reqs.clone(), bot_next.clone(), c, secs).await;
            // The webhook answers once a message is recorded; its turn runs
            // after. Turns/s counts the level's messages over the time until
            // the last of them ran.
            let drained = drain(&log_db).await;
            let turns_per_sec = p.per_sec * secs / (secs + drained.as_secs_f64());
            println!(
                "| {} | {:.0} | {:.2} ms | {:.2} ms | {:.0} | {:.2} ms | {:.2} ms | {:.1} % | {:.0} | {:.1} s | {} |",
                c,
                b.per_sec,
                b.p50.as_secs_f64() * 1e3,
                b.p99.as_secs_f64() * 1e3,
                p.per_sec,
                p.p50.as_secs_f64() * 1e3,
                p.p99.as_secs_f64() * 1e3,
                100.0 * p.per_sec / b.per_sec,
                turns_per_sec,
                drained.as_secs_f64(),
                b.errors + p.errors
            );
        }
        log_db.close().await;
    });
    // Clean up after ourselves: the database and the keys.
    rt.block_on(async {
        infra::testing::delete_redis_keys(&prefix).await;
        db.drop().await;
    });
    std::process::exit(0);
}
