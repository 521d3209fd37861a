//! The SIGKILL scenario both queues run (`db/kill.rs`, `redis/kill.rs`):
//! a worker in a child process takes a slow job and is killed with
//! SIGKILL; a worker of this process must run the job again after the
//! lease, exactly once, as its second attempt.
//!
//! The child is the test binary run again (`--exact kill::child_worker
//! --ignored --nocapture`) with an environment variable naming its queue; each binary's
//! `child_worker` test calls [`run_child`] when that variable is set.

use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use framework::jobs::{Backoff, Job, JobError, JobOptions, JobQueue, WorkerConfig};
use tokio::sync::mpsc;

/// The child's test, by its full name.
const CHILD_TEST: &str = "kill::child_worker";
/// What the child prints when its handler starts a job: `{STARTED} {id} {attempt}`.
const STARTED: &str = "KILL-TEST-STARTED";
const QUEUE: &str = "kill";
const LEASE: Duration = Duration::from_secs(1);

fn config() -> WorkerConfig {
    WorkerConfig {
        concurrency: 1,
        lease: LEASE,
        poll: Duration::from_millis(50),
    }
}

/// The child's work: takes the job and runs it slowly, until it is killed
/// (or, if nobody kills it, stops by itself within two minutes).
pub(crate) async fn run_child<Q: JobQueue>(queue: Q) {
    let slow = tower::service_fn(|job: Job| async move {
        println!("{STARTED} {} {}", job.id, job.attempt);
        let _ = std::io::stdout().flush();
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<(), JobError>(())
    });
    let shutdown = tokio::time::sleep(Duration::from_secs(60));
    queue.work(QUEUE, slow, config(), shutdown).await.unwrap();
}

/// The scenario on `queue`; the child finds its queue through `var` =
/// `value`.
pub(crate) async fn killed_and_rescued<Q: JobQueue>(queue: &Q, var: &str, value: &str) {
    // Arrange: one job, taken by a child process.
    let id = queue
        .enqueue(
            QUEUE,
            "\"slow\"",
            &JobOptions::default().with_attempts(3, Backoff::Fixed(Duration::from_millis(100))),
        )
        .await
        .unwrap()
        .id()
        .clone();
    let mut child = ChildWorker::spawn(var, value);
    let (started, attempt) = child.started(Duration::from_secs(30)).await;
    assert_eq!(
        (started.as_str(), attempt),
        (id.as_str(), 1),
        "the child runs the job"
    );

    // Act: SIGKILL the child, then run a worker here.
    let killed = child.kill();
    let killed_at = Instant::now();
    assert_eq!(killed.signal(), Some(9), "killed by SIGKILL: {killed:?}");
    let rescuer = Rescuer::start(queue);
    let runs = rescuer.wait_for(1, Duration::from_secs(15)).await;
    // Long enough for a second, wrong run (two more leases).
    tokio::time::sleep(LEASE * 2 + Duration::from_millis(500)).await;
    let runs_after = rescuer.stop().await;
    let dead = queue.dead(QUEUE, 10).await.unwrap();

    // Assert
    assert_eq!(runs.len(), 1, "the job ran again: {runs:?}");
    let (ran, attempt, at) = runs[0].clone();
    assert_eq!(ran, id.as_str(), "the same job");
    assert_eq!(attempt, 2, "as its second attempt");
    let since_kill = at.duration_since(killed_at);
    assert!(
        since_kill >= LEASE / 2,
        "not before the lease ran out ({since_kill:?} after the kill)"
    );
    assert_eq!(runs_after.len(), 1, "exactly once more: {runs_after:?}");
    assert!(dead.is_empty(), "and it completed: {dead:?}");
}

/// The child process; killed and reaped when dropped, so a failing test
/// leaves none behind.
struct ChildWorker {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
}

impl ChildWorker {
    /// This test binary again, running only [`CHILD_TEST`], with `var` set
    /// to `value`.
    fn spawn(var: &str, value: &str) -> Self {
        let mut child = Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                "--exact",
                CHILD_TEST,
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(var, value)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn the child worker");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self { child, lines }
    }

    /// The job the child started, and its attempt.
    async fn started(&mut self, within: Duration) -> (String, u32) {
        let until = tokio::time::Instant::now() + within;
        loop {
            let line = tokio::time::timeout_at(until, self.lines.recv())
                .await
                .expect("the child starts the job in time")
                .expect("the child starts the job before it exits");
            // Anywhere in the line: libtest prints `test {name} ... ` before it.
            if let Some((_, rest)) = line.split_once(STARTED) {
                let mut words = rest.split_whitespace();
                let id = words.next().expect("an id").to_owned();
                let attempt = words
                    .next()
                    .and_then(|a| a.parse().ok())
                    .expect("an attempt");
                return (id, attempt);
            }
        }
    }

    /// SIGKILL, then reap it.
    fn kill(&mut self) -> std::process::ExitStatus {
        self.child.kill().expect("SIGKILL the child");
        self.child.wait().expect("reap the child")
    }
}

impl Drop for ChildWorker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a rescuer ran: (job id, attempt, when).
type Runs = Arc<Mutex<Vec<(String, u32, Instant)>>>;

/// A worker in this process that records its runs.
struct Rescuer {
    runs: Runs,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Rescuer {
    fn start<Q: JobQueue>(queue: &Q) -> Self {
        let runs = Runs::default();
        let seen = runs.clone();
        let record = tower::service_fn(move |job: Job| {
            seen.lock().unwrap_or_else(PoisonError::into_inner).push((
                job.id.to_string(),
                job.attempt,
                Instant::now(),
            ));
            async { Ok::<(), JobError>(()) }
        });
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let queue = queue.clone();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            queue.work(QUEUE, record, config(), shutdown).await.unwrap();
        });
        Self { runs, stop, task }
    }

    fn runs(&self) -> Vec<(String, u32, Instant)> {
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    async fn wait_for(&self, n: usize, within: Duration) -> Vec<(String, u32, Instant)> {
        let until = Instant::now() + within;
        loop {
            let runs = self.runs();
            if runs.len() >= n || Instant::now() > until {
                return runs;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops it (within 10 seconds) and returns its runs.
    async fn stop(self) -> Vec<(String, u32, Instant)> {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the rescuer stops")
            .expect("the rescuer did not fail");
        self.runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
