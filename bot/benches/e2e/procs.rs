//! The processes under test: starting and pinning them, stopping them on
//! every way out, and reading their memory and CPU time from `/proc`.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A child process, stopped (SIGTERM, then SIGKILL after 10 s) when
/// dropped: at the end of its backend, or when the bench panics.
#[derive(Debug)]
pub(crate) struct Proc {
    child: Child,
}

impl Proc {
    /// Starts `command`.
    pub(crate) fn spawn(command: &mut Command) -> Self {
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
        Self { child }
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn child(&mut self) -> &mut Child {
        &mut self.child
    }

    /// Whether it still runs.
    pub(crate) fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Stops it and says how long the graceful stop took (`None`: it had
    /// to be killed, or had stopped before).
    pub(crate) fn stop(mut self) -> Option<Duration> {
        self.terminate()
    }

    fn terminate(&mut self) -> Option<Duration> {
        if !self.alive() {
            return None;
        }
        let asked = Instant::now();
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        while asked.elapsed() < Duration::from_secs(10) {
            if !self.alive() {
                return Some(asked.elapsed());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        None
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// `program` run on `cpus` (a `taskset` list such as `0`), or anywhere when
/// `None`.
pub(crate) fn command_on(program: &str, cpus: Option<&str>) -> Command {
    match cpus {
        Some(cpus) => {
            let mut command = Command::new("taskset");
            command.args(["-c", cpus, program]);
            command
        }
        None => Command::new(program),
    }
}

/// Pins this process, all its threads and those it starts later, to
/// `cpus`; whether `taskset` did it.
pub(crate) fn pin_self(cpus: &str) -> bool {
    Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &std::process::id().to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// The resident set of `pid` in KiB (`VmRSS`).
pub(crate) fn rss_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// User + system CPU time of `pid`, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command's `)`: state is the first field, utime the 12th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(utime + stime)
}

/// Busy clock ticks of the whole machine (all but idle and iowait).
fn machine_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let ticks: Vec<u64> = cpu
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …
    let busy: u64 = ticks.iter().take(8).sum();
    Some(busy - ticks.get(3)? - ticks.get(4)?)
}

/// Clock ticks a second (`getconf CLK_TCK`; 100 on Linux).
pub(crate) fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Every process id with its command line (arguments joined by spaces).
fn processes() -> Vec<(u32, String)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|entry| {
        let pid: u32 = entry.ok()?.file_name().to_str()?.parse().ok()?;
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        Some((pid, cmdline))
    })
    .collect()
}

/// Who is measured: the server under test, PostgreSQL (the backends of its
/// database, known by their process titles, and the server's WAL writer,
/// checkpointer and background writer), Redis, and this process.
#[derive(Debug, Clone)]
pub(crate) struct Watched {
    pub(crate) server: u32,
    pub(crate) database: Option<String>,
    pub(crate) redis: bool,
}

/// CPU times at one moment.
#[derive(Debug, Clone)]
pub(crate) struct CpuSnapshot {
    at: Instant,
    server: u64,
    database: HashMap<u32, u64>,
    redis: HashMap<u32, u64>,
    harness: u64,
    machine: u64,
}

/// CPU used between two snapshots, in % of one core.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct CpuUse {
    pub(crate) server: f64,
    /// `None` when there is no database process (SQLite runs in the bot).
    pub(crate) database: Option<f64>,
    pub(crate) redis: Option<f64>,
    pub(crate) harness: f64,
    /// The machine's busy time not accounted for above: other builds,
    /// PostgreSQL's own background processes, the system.
    pub(crate) other: f64,
    /// The server's CPU time in seconds.
    pub(crate) server_secs: f64,
}

impl Watched {
    pub(crate) fn snapshot(&self) -> CpuSnapshot {
        let procs = if self.database.is_some() || self.redis {
            processes()
        } else {
            Vec::new()
        };
        let ticks = |pred: &dyn Fn(&str) -> bool| -> HashMap<u32, u64> {
            procs
                .iter()
                .filter(|(_, cmd)| pred(cmd))
                .filter_map(|(pid, _)| Some((*pid, cpu_ticks(*pid)?)))
                .collect()
        };
        let database = match &self.database {
            // Its backends (the title names the database) and the server's
            // writers, which write its WAL and pages.
            Some(name) => ticks(&|cmd: &str| {
                cmd.starts_with("postgres: ")
                    && (cmd.split_whitespace().any(|w| w == name)
                        || ["walwriter", "checkpointer", "background writer"]
                            .iter()
                            .any(|aux| cmd.contains(aux)))
            }),
            None => HashMap::new(),
        };
        let redis = if self.redis {
            ticks(&|cmd: &str| cmd.starts_with("redis-server"))
        } else {
            HashMap::new()
        };
        CpuSnapshot {
            at: Instant::now(),
            server: cpu_ticks(self.server).unwrap_or(0),
            database,
            redis,
            harness: cpu_ticks(std::process::id()).unwrap_or(0),
            machine: machine_busy_ticks().unwrap_or(0),
        }
    }

    pub(crate) fn since(&self, before: &CpuSnapshot, ticks_per_second: f64) -> CpuUse {
        let now = self.snapshot();
        let secs = now.at.duration_since(before.at).as_secs_f64().max(1e-3);
        let pct = |ticks: u64| ticks as f64 / ticks_per_second / secs * 100.0;
        // A process that started in between counts from zero.
        let grown = |after: &HashMap<u32, u64>, before: &HashMap<u32, u64>| -> u64 {
            after
                .iter()
                .map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or(0)))
                .sum()
        };
        let server = now.server.saturating_sub(before.server);
        let database = grown(&now.database, &before.database);
        let redis = grown(&now.redis, &before.redis);
        let harness = now.harness.saturating_sub(before.harness);
        let machine = now.machine.saturating_sub(before.machine);
        CpuUse {
            server: pct(server),
            database: self.database.as_ref().map(|_| pct(database)),
            redis: self.redis.then(|| pct(redis)),
            harness: pct(harness),
            other: pct(machine.saturating_sub(server + database + redis + harness)),
            server_secs: server as f64 / ticks_per_second,
        }
    }
}

/// The peak resident set of a process, sampled every 200 ms on a thread of
/// its own (so a busy runtime does not skip samples).
#[derive(Debug)]
pub(crate) struct RssWatch {
    pid: u32,
    peak: Arc<AtomicU64>,
    timeline: Arc<Mutex<Option<Timeline>>>,
    stop: Arc<AtomicBool>,
}

/// The resident set noted (and printed) at a fixed period during a phase,
/// for a memory test over a long one (`BENCH_RSS_EVERY`).
#[derive(Debug)]
struct Timeline {
    start: Instant,
    every: Duration,
    next: Instant,
    label: String,
    samples: Vec<(Duration, u64)>,
}

impl Timeline {
    /// Notes `kb`, read at `now`, when a sample is due.
    fn offer(&mut self, now: Instant, kb: u64) {
        if now < self.next {
            return;
        }
        self.next += self.every;
        let at = now - self.start;
        println!(
            "{}: RSS {:.1} MB at {:.0} s",
            self.label,
            kb as f64 / 1024.0,
            at.as_secs_f64()
        );
        self.samples.push((at, kb));
    }
}

impl RssWatch {
    pub(crate) fn start(pid: u32) -> Self {
        let peak = Arc::new(AtomicU64::new(rss_kb(pid).unwrap_or(0)));
        let timeline: Arc<Mutex<Option<Timeline>>> = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        // A thread of its own, so that a busy runtime does not skip samples.
        std::thread::spawn({
            let (peak, timeline, stop) =
                (Arc::clone(&peak), Arc::clone(&timeline), Arc::clone(&stop));
            move || {
                while !stop.load(Ordering::Relaxed) {
                    // The server gone: no sample rather than a zero.
                    if let Some(kb) = rss_kb(pid) {
                        peak.fetch_max(kb, Ordering::Relaxed);
                        if let Some(timeline) = timeline.lock().expect("RSS timeline").as_mut() {
                            timeline.offer(Instant::now(), kb);
                        }
                    }
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        });
        Self {
            pid,
            peak,
            timeline,
            stop,
        }
    }

    /// The resident set now, and the peak starts again from it.
    pub(crate) fn reset(&self) -> u64 {
        let now = rss_kb(self.pid).unwrap_or(0);
        self.peak.store(now, Ordering::Relaxed);
        now
    }

    /// The peak since the last [`reset`](Self::reset), and the resident
    /// set now.
    pub(crate) fn peak_and_now(&self) -> (u64, u64) {
        let now = rss_kb(self.pid).unwrap_or(0);
        (self.peak.load(Ordering::Relaxed).max(now), now)
    }

    /// From now on, also notes (and prints after `label`) the resident set
    /// every `every`, the first `every` from now, until [`noted`](Self::noted).
    pub(crate) fn note_every(&self, every: Duration, label: String) {
        let start = Instant::now();
        *self.timeline.lock().expect("RSS timeline") = Some(Timeline {
            start,
            every,
            next: start + every,
            label,
            samples: Vec::new(),
        });
    }

    /// Stops noting; the samples since [`note_every`](Self::note_every)
    /// (when, in KiB), oldest first.
    pub(crate) fn noted(&self) -> Vec<(Duration, u64)> {
        self.timeline
            .lock()
            .expect("RSS timeline")
            .take()
            .map(|t| t.samples)
            .unwrap_or_default()
    }
}

impl Drop for RssWatch {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
