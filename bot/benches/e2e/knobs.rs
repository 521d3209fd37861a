//! The benchmark's options, read from the environment, and the backends
//! it runs the bot on.

use std::path::PathBuf;
use std::time::Duration;

/// The embedded default or the distributed mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres+redis",
        }
    }

    /// Issue 12's target for sustained replies/s.
    pub(crate) fn target(self) -> f64 {
        match self {
            Self::Sqlite => 4_000.0,
            Self::Postgres => 5_000.0,
        }
    }
}

/// The options, from the environment.
#[derive(Debug)]
pub(crate) struct Knobs {
    pub(crate) backends: Vec<Backend>,
    pub(crate) baseline: bool,
    pub(crate) window: Duration,
    pub(crate) warmup: Duration,
    pub(crate) closed: Vec<usize>,
    pub(crate) open: Vec<f64>,
    pub(crate) rates: Vec<f64>,
    pub(crate) flood_factor: f64,
    pub(crate) flood_window: Duration,
    pub(crate) drain: Duration,
    pub(crate) senders: u64,
    /// What every customer writes (`BENCH_TEXT`, default "hi"; e.g.
    /// "Cement x 100" leaves each customer a session holding a quote). It
    /// must get exactly one reply: the ledger matches each reply to the
    /// customer's oldest waiting message.
    pub(crate) text: String,
    /// How often to note the server's resident set during a phase
    /// (`BENCH_RSS_EVERY`, seconds; zero: never), for a memory test over a
    /// long phase.
    pub(crate) rss_every: Duration,
    pub(crate) connections: usize,
    pub(crate) sustainable: Option<f64>,
    /// CPUs of the server under test and of this process.
    pub(crate) pin: Option<(String, String)>,
    pub(crate) bin: String,
    pub(crate) bot_log: String,
    /// Appended to the PostgreSQL URL's query, e.g. `sslmode=disable`
    /// (`BENCH_DATABASE_PARAMS`).
    pub(crate) database_params: Option<String>,
    /// Settings of the scratch database, for a diagnosis
    /// (`BENCH_PG_SET=synchronous_commit=off;…`).
    pub(crate) pg_settings: Vec<(String, String)>,
    /// How often the bench vacuums and analyzes the scratch database
    /// (`BENCH_PG_VACUUM`, seconds; zero: never). Defaults to 10 s when the
    /// server runs without autovacuum (as this project's CI server does),
    /// else never.
    pub(crate) pg_vacuum: Duration,
    /// Where to copy each bot's log file (`BENCH_KEEP_LOGS`).
    pub(crate) keep_logs: Option<PathBuf>,
    /// The machine's CPUs.
    pub(crate) cpus: usize,
}

pub(crate) fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub(crate) fn number<T: std::str::FromStr>(name: &str, default: T) -> T {
    var(name).map_or(default, |v| {
        v.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a number"))
    })
}

pub(crate) fn list<T: std::str::FromStr>(name: &str, default: &str) -> Vec<T> {
    let value = std::env::var(name).unwrap_or_else(|_| default.to_owned());
    value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}: {v:?} is not a number"))
        })
        .collect()
}

pub(crate) fn seconds(name: &str, default: f64) -> Duration {
    Duration::from_secs_f64(number(name, default))
}

impl Knobs {
    pub(crate) fn from_env() -> Self {
        let backends = std::env::var("BENCH_BACKENDS")
            .unwrap_or_else(|_| "sqlite,postgres".to_owned())
            .split(',')
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(|b| match b {
                "sqlite" => Backend::Sqlite,
                "postgres" => Backend::Postgres,
                other => panic!("BENCH_BACKENDS: {other:?} is neither sqlite nor postgres"),
            })
            .collect();
        // Before this process is pinned: then it sees only its own CPUs.
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pin = (var("BENCH_PIN").map_or(cpus >= 2, |v| v != "0")).then(|| {
            (
                var("BENCH_BOT_CPUS").unwrap_or_else(|| "0".to_owned()),
                var("BENCH_LOAD_CPUS").unwrap_or_else(|| "1".to_owned()),
            )
        });
        Self {
            backends,
            baseline: var("BENCH_BASELINE").is_none_or(|v| v != "0"),
            window: seconds("BENCH_SECONDS", 10.0),
            warmup: seconds("BENCH_WARMUP", 2.0),
            closed: list("BENCH_CLOSED", "8,32"),
            open: list("BENCH_OPEN", "0.5"),
            rates: list("BENCH_RATES", ""),
            flood_factor: number("BENCH_FLOOD_FACTOR", 2.0),
            flood_window: seconds("BENCH_FLOOD_SECONDS", 30.0),
            drain: seconds("BENCH_DRAIN_SECONDS", 90.0),
            senders: number("BENCH_SENDERS", 50_000),
            text: var("BENCH_TEXT").unwrap_or_else(|| "hi".to_owned()),
            rss_every: seconds("BENCH_RSS_EVERY", 0.0),
            connections: number("BENCH_CONNECTIONS", 256),
            sustainable: var("BENCH_SUSTAINABLE").map(|_| number("BENCH_SUSTAINABLE", 0.0)),
            pin,
            bin: var("CAMPANILE_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_campanile").to_owned()),
            bot_log: var("BENCH_BOT_LOG").unwrap_or_else(|| "info".to_owned()),
            database_params: var("BENCH_DATABASE_PARAMS"),
            pg_settings: var("BENCH_PG_SET")
                .unwrap_or_default()
                .split(';')
                .filter_map(|s| s.split_once('='))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect(),
            // Decided once PostgreSQL can be asked (`main`).
            pg_vacuum: var("BENCH_PG_VACUUM")
                .map_or(Duration::MAX, |_| seconds("BENCH_PG_VACUUM", 0.0)),
            keep_logs: var("BENCH_KEEP_LOGS").map(PathBuf::from),
            cpus,
        }
    }

    pub(crate) fn server_cpus(&self) -> Option<&str> {
        self.pin.as_ref().map(|(server, _)| server.as_str())
    }
}
