//! What one phase measured, and the tables.

use std::time::{Duration, Instant};

use crate::fake::PhaseLog;
use crate::load::Sent;
use crate::procs::CpuUse;

/// The kind of load of a phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Load {
    /// This many users, each waiting for its reply.
    Closed(usize),
    /// This many messages a second.
    Open(f64),
    /// This many messages a second, as the flood.
    Flood(f64),
}

impl Load {
    pub(crate) fn name(self) -> String {
        match self {
            Self::Closed(users) => format!("closed {users}"),
            Self::Open(rate) => format!("open {}/s", thousands(rate)),
            Self::Flood(rate) => format!("flood {}/s", thousands(rate)),
        }
    }
}

/// One phase's figures.
#[derive(Debug, Clone)]
pub(crate) struct Phase {
    pub(crate) server: String,
    pub(crate) load: Load,
    /// How long the load was applied.
    pub(crate) window: Duration,
    /// Webhooks answered 2xx, a second, from the start to the last answer.
    pub(crate) webhooks_per_sec: f64,
    /// Webhooks answered another status, and not answered at all.
    pub(crate) refused: u64,
    pub(crate) failed: u64,
    /// Replies that arrived during the window, a second.
    pub(crate) during: f64,
    /// Replies that arrived after the window, a second, until the last one
    /// (`None`: the last came less than a second after the window).
    pub(crate) after: Option<f64>,
    /// How long after the window the last reply came.
    pub(crate) drained_in: Duration,
    /// Acknowledged messages with no reply when the drain gave up.
    pub(crate) unanswered: u64,
    pub(crate) expected: u64,
    /// Webhook-to-reply; `None` when more than the quantile's share of
    /// messages got no reply.
    pub(crate) p50: Option<Duration>,
    pub(crate) p99: Option<Duration>,
    /// Webhook to its 2xx.
    pub(crate) ack_p99: Option<Duration>,
    pub(crate) cpu: CpuUse,
    /// RSS at the start, its peak and at the end (after the drain), KiB.
    pub(crate) rss: (u64, u64, u64),
}

impl Phase {
    /// The figures of a phase whose load started at `start` and lasted
    /// `window`, without its CPU and memory (the caller sets them).
    pub(crate) fn new(
        server: &str,
        load: Load,
        start: Instant,
        window: Duration,
        sent: &Sent,
        log: &PhaseLog,
    ) -> Self {
        let end = start + window;
        let during = log.replies.iter().filter(|(at, _)| *at <= end).count();
        let last = log.replies.iter().map(|(at, _)| *at).max();
        let drained_in = last.map_or(Duration::ZERO, |l| l.saturating_duration_since(end));
        let after = log.replies.len() - during;
        let mut latencies: Vec<Duration> = log.replies.iter().map(|(_, l)| *l).collect();
        latencies.sort_unstable();
        let mut acks = sent.acks.clone();
        acks.sort_unstable();
        let sending = sent
            .last_ack
            .map_or(window, |l| l.saturating_duration_since(start))
            .max(window);
        Self {
            server: server.to_owned(),
            load,
            window,
            webhooks_per_sec: sent.accepted as f64 / sending.as_secs_f64(),
            refused: sent.refused,
            failed: sent.failed,
            during: during as f64 / window.as_secs_f64(),
            // Only a backlog's drain has a rate: a closed loop's last few
            // replies after its window do not.
            after: (after > 0 && drained_in >= Duration::from_secs(1))
                .then(|| after as f64 / drained_in.as_secs_f64()),
            drained_in,
            unanswered: log.expected.saturating_sub(log.replies.len() as u64),
            expected: log.expected,
            p50: quantile(&latencies, log.expected, 0.50),
            p99: quantile(&latencies, log.expected, 0.99),
            ack_p99: quantile(&acks, acks.len() as u64, 0.99),
            cpu: CpuUse::default(),
            rss: (0, 0, 0),
        }
    }

    /// The server's CPU time per reply, in µs.
    pub(crate) fn cpu_per_reply(&self) -> Option<f64> {
        let replies = self.expected - self.unanswered;
        (replies > 0).then(|| self.cpu.server_secs * 1e6 / replies as f64)
    }
}

/// The `q` quantile of `total` values of which `sorted` are known, the
/// others being larger than all of them (messages never answered).
fn quantile(sorted: &[Duration], total: u64, q: f64) -> Option<Duration> {
    if total == 0 {
        return None;
    }
    let rank = ((total as f64 * q).ceil() as usize).max(1);
    sorted.get(rank - 1).copied()
}

/// `1234567.8` as `1,234,568`.
pub(crate) fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(d: Option<Duration>) -> String {
    match d {
        None => "–".to_owned(),
        Some(d) if d < Duration::from_millis(10) => format!("{:.2} ms", d.as_secs_f64() * 1e3),
        Some(d) if d < Duration::from_secs(1) => format!("{:.0} ms", d.as_secs_f64() * 1e3),
        Some(d) => format!("{:.1} s", d.as_secs_f64()),
    }
}

fn mb(kb: u64) -> String {
    format!("{:.0}", kb as f64 / 1024.0)
}

fn pct(p: Option<f64>) -> String {
    p.map_or_else(|| "–".to_owned(), |p| format!("{p:.0} %"))
}

/// The throughput and latency table.
pub(crate) fn print_latency(phases: &[Phase], baseline: &[Phase]) {
    println!(
        "| server | load | webhooks/s | non-2xx / failed | replies/s during | replies/s after | last reply after | unanswered | p50 | p99 | ack p99 | vs baseline |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for p in phases {
        let ratio = baseline
            .iter()
            .find(|b| b.load == p.load && b.server != p.server)
            .filter(|b| b.during > 0.0)
            .map_or_else(String::new, |b| {
                format!("{:.1} %", 100.0 * p.during / b.during)
            });
        // A quantile that falls on a message never answered is unknown.
        let late = |q: Option<Duration>| q.map_or_else(|| "unanswered".to_owned(), |d| ms(Some(d)));
        println!(
            "| {} | {} | {} | {} / {} | {} | {} | {} | {} of {} | {} | {} | {} | {} |",
            p.server,
            p.load.name(),
            thousands(p.webhooks_per_sec),
            p.refused,
            p.failed,
            thousands(p.during),
            p.after.map_or_else(|| "–".to_owned(), thousands),
            ms(Some(p.drained_in)),
            thousands(p.unanswered as f64),
            thousands(p.expected as f64),
            late(p.p50),
            late(p.p99),
            ms(p.ack_p99),
            ratio,
        );
    }
}

/// The resources table: CPU over the phase and its drain, in % of one
/// core, and the server's memory.
pub(crate) fn print_resources(phases: &[Phase]) {
    println!(
        "| server | load | server CPU | server CPU per reply | PostgreSQL CPU | Redis CPU | harness CPU | other CPU | RSS start / peak / end (MB) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for p in phases {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} / {} / {} |",
            p.server,
            p.load.name(),
            pct(Some(p.cpu.server)),
            p.cpu_per_reply()
                .map_or_else(|| "–".to_owned(), |us| format!("{us:.0} µs")),
            pct(p.cpu.database),
            pct(p.cpu.redis),
            pct(Some(p.cpu.harness)),
            pct(Some(p.cpu.other)),
            mb(p.rss.0),
            mb(p.rss.1),
            mb(p.rss.2),
        );
    }
}

/// One backend against the targets.
pub(crate) fn print_verdict(server: &str, phases: &[Phase], sustainable: f64, target: f64) {
    let met = |ok: bool| if ok { "met" } else { "not met" };
    println!(
        "- {server}: sustainable {} replies/s (best closed loop; target ≥ {}: {})",
        thousands(sustainable),
        thousands(target),
        met(sustainable >= target)
    );
    for p in phases {
        match p.load {
            Load::Open(rate) => println!(
                "  - open loop {}/s: p99 {} (target ≤ 50 ms at half the sustainable rate: {})",
                thousands(rate),
                p.p99.map_or_else(
                    || "unknown: messages unanswered".to_owned(),
                    |d| ms(Some(d))
                ),
                met(p.p99.is_some_and(|d| d <= Duration::from_millis(50)))
            ),
            Load::Flood(rate) => println!(
                "  - flood {}/s for {:.0} s: {} replies/s during = {:.0} % of sustainable (target ≥ 80 %: {}); {} of {} unanswered {:.0} s after; RSS {} → peak {} → {} MB",
                thousands(rate),
                p.window.as_secs_f64(),
                thousands(p.during),
                100.0 * p.during / sustainable.max(1e-9),
                met(p.during >= 0.8 * sustainable),
                thousands(p.unanswered as f64),
                thousands(p.expected as f64),
                p.drained_in.as_secs_f64(),
                mb(p.rss.0),
                mb(p.rss.1),
                mb(p.rss.2),
            ),
            Load::Closed(_) => {}
        }
    }
}

/// How flat the resident set stayed over a phase (`BENCH_RSS_EVERY`):
/// the samples' range, their largest distance from the mean against
/// issue 12's ±10 %, and first against last (a leak is a steady rise).
/// Samples of the first `settle` are left out: the server's pools fill, and
/// without Redis its in-memory dedup window (`bot::DEDUP_DONE_TTL`) too.
pub(crate) fn rss_flatness(
    server: &str,
    load: Load,
    samples: &[(Duration, u64)],
    settle: Duration,
) {
    let steady: Vec<u64> = samples
        .iter()
        .filter(|(at, _)| *at >= settle)
        .map(|&(_, kb)| kb)
        .collect();
    let (Some(&first), Some(&last)) = (steady.first(), steady.last()) else {
        println!(
            "{server} {}: no RSS sample after the first {:.0} s",
            load.name(),
            settle.as_secs_f64()
        );
        return;
    };
    let mean = steady.iter().sum::<u64>() as f64 / steady.len() as f64;
    let (low, high) = (
        steady.iter().copied().min().unwrap_or(0),
        steady.iter().copied().max().unwrap_or(0),
    );
    let deviation = steady
        .iter()
        .map(|&kb| (kb as f64 - mean).abs())
        .fold(0.0, f64::max)
        / mean.max(1.0);
    println!(
        "{server} {}: RSS over {} samples after the first {:.0} s: {} to {} MB, first {:.1} → last {:.1} MB, mean {:.1} MB, at most {:.1} % from the mean (target ±10 %: {})",
        load.name(),
        steady.len(),
        settle.as_secs_f64(),
        mb(low),
        mb(high),
        first as f64 / 1024.0,
        last as f64 / 1024.0,
        mean / 1024.0,
        100.0 * deviation,
        if deviation <= 0.10 { "met" } else { "not met" }
    );
}
