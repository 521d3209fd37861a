//! The servers under test, started as child processes: the bot on a
//! backend (set only through its environment) and the baseline (this
//! executable again); what their logs say.

use std::io::{BufRead as _, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use crate::baseline;
use crate::fake::{ACCESS_TOKEN, FakeGraph};
use crate::knobs::{Backend, Knobs, var};
use crate::load::APP_SECRET;
use crate::procs::{self, Proc};
use crate::scratch::Scratch;

/// The bot on `backend`, its log file and its address, once it is ready.
pub(crate) fn start_bot(
    knobs: &Knobs,
    backend: Backend,
    dir: &Path,
    fake: &FakeGraph,
    scratch: Option<&Scratch>,
) -> (Proc, SocketAddr, PathBuf) {
    let addr = free_address();
    let log = dir.join("campanile.log");
    let file = std::fs::File::create(&log).expect("create the bot's log file");
    let mut command = procs::command_on(&knobs.bin, knobs.server_cpus());
    command
        .args(["serve", "--addr", &addr.to_string()])
        .current_dir(dir)
        .env_clear();
    for keep in ["PATH", "HOME", "TMPDIR", "LANG"] {
        if let Some(value) = var(keep) {
            command.env(keep, value);
        }
    }
    command
        .env("RUST_LOG", &knobs.bot_log)
        .env("NO_COLOR", "1")
        .env("META_APP_SECRET", APP_SECRET)
        .env("META_VERIFY_TOKEN", "bench-verify-token")
        .env("META_ACCESS_TOKEN", ACCESS_TOKEN)
        .env("META_API_BASE", &fake.base_url)
        .envs(passed_on());
    if backend == Backend::Postgres {
        let scratch = scratch.expect("a scratch database for PostgreSQL");
        let url = scratch
            .database
            .as_ref()
            .map(infra_sql::testing::TempDatabase::url)
            .expect("the scratch database");
        let url = match &knobs.database_params {
            Some(params) => format!("{url}?{params}"),
            None => url,
        };
        command
            .env("DATABASE_URL", url)
            .env("REDIS_URL", infra_redis::testing::REDIS_URL)
            .env("REDIS_KEY_PREFIX", &scratch.prefix);
    }
    command
        .stdout(file.try_clone().expect("the bot's log file"))
        .stderr(file);
    (Proc::spawn(&mut command), addr, log)
}

/// The bench's own `CAMPANILE_*` and `DATABASE_MAX_CONNECTIONS` settings,
/// for the bot.
pub(crate) fn passed_on() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(name, _)| {
            (name.starts_with("CAMPANILE_")
                && !["CAMPANILE_BIN", "CAMPANILE_ADDR", "CAMPANILE_CONFIG"]
                    .contains(&name.as_str()))
                || name == "DATABASE_MAX_CONNECTIONS"
        })
        .collect()
}

/// A port of 127.0.0.1 free a moment ago.
fn free_address() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port on 127.0.0.1")
}

/// The baseline server, on the server's CPUs.
pub(crate) fn start_baseline(knobs: &Knobs, fake: &FakeGraph) -> (Proc, SocketAddr) {
    let exe = std::env::current_exe().expect("this bench's executable");
    let exe = exe.to_str().expect("a UTF-8 path to this bench");
    let mut command = procs::command_on(exe, knobs.server_cpus());
    command
        .env("BENCH_ROLE", "baseline")
        .env(baseline::API_VARIABLE, &fake.base_url)
        .stdout(Stdio::piped());
    let mut proc = Proc::spawn(&mut command);
    let stdout = proc.child().stdout.take().expect("the baseline's stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the baseline's address");
    let addr = line
        .trim()
        .strip_prefix("listening ")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("the baseline did not start: {line:?}"));
    (proc, addr)
}

/// Warnings and errors in the bot's log: how many, and the first of each.
pub(crate) fn log_summary(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut out = Vec::new();
    for level in ["ERROR", "WARN"] {
        let mut lines = text.lines().filter(|l| l.contains(&format!(" {level} ")));
        if let Some(first) = lines.next() {
            let first: String = first.chars().take(300).collect();
            out.push(format!(
                "{} {level} lines, the first: {first}",
                lines.count() + 1
            ));
        }
    }
    if out.is_empty() {
        "no warnings or errors in its log".to_owned()
    } else {
        out.join("\n  ")
    }
}

/// The last lines of the bot's log, for a bot that did not start.
pub(crate) fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}
