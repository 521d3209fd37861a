//! The [`JobQueue`] contract, on a real clock (queues keep time in their
//! storage). Each check uses queues of its own, so the suite can share a
//! database or a Redis server with other tests.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::unique;
use crate::jobs::{Backoff, Enqueued, Job, JobError, JobOptions, JobQueue, WorkerConfig};

/// What a handler saw: (payload, attempt, when, since the start).
type Runs = Arc<Mutex<Vec<(String, u32, Duration)>>>;

/// A worker on `queue` recording its runs; `fail` decides each run's error.
struct Worker {
    runs: Runs,
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    fn start<Q: JobQueue>(
        queue: &Q,
        name: &str,
        config: WorkerConfig,
        fail: impl Fn(&Job) -> Option<JobError> + Send + Sync + 'static,
    ) -> Self {
        let runs: Runs = Arc::default();
        let start = Instant::now();
        let fail = Arc::new(fail);
        let seen = runs.clone();
        let handler = tower::service_fn(move |job: Job| {
            let (seen, fail) = (seen.clone(), fail.clone());
            async move {
                seen.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push((job.payload.clone(), job.attempt, start.elapsed()));
                match fail(&job) {
                    Some(e) => Err(e),
                    None => Ok(()),
                }
            }
        });
        let (stop, mut stopped) = watch::channel(false);
        let (queue, name) = (queue.clone(), name.to_owned());
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            if let Err(e) = queue.work(&name, handler, config, shutdown).await {
                panic!("the worker failed: {e}");
            }
        });
        Self { runs, stop, task }
    }

    fn runs(&self) -> Vec<(String, u32, Duration)> {
        self.runs
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    async fn wait_for(&self, n: usize, within: Duration) -> Vec<(String, u32, Duration)> {
        let until = Instant::now() + within;
        loop {
            let runs = self.runs();
            if runs.len() >= n || Instant::now() > until {
                return runs;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

fn quick() -> WorkerConfig {
    WorkerConfig {
        concurrency: 1,
        lease: Duration::from_secs(5),
        poll: Duration::from_millis(50),
    }
}

async fn add<Q: JobQueue>(queue: &Q, name: &str, payload: &str, options: JobOptions) -> Enqueued {
    queue
        .enqueue(name, &format!("{payload:?}"), &options)
        .await
        .unwrap_or_else(|e| panic!("enqueue failed: {e}"))
}

/// Runs every check of the contract against `queue`.
///
/// # Panics
///
/// When `queue` breaks a rule; the message names it.
pub async fn job_queue<Q: JobQueue>(queue: Q) {
    runs_a_job_once(&queue).await;
    honours_the_delay(&queue).await;
    runs_by_priority(&queue).await;
    retries_with_backoff_then_dead_letters(&queue).await;
    permanent_errors_dead_letter_at_once_and_can_be_retried(&queue).await;
    deduplicates(&queue).await;
    two_workers_never_run_a_job_twice(&queue).await;
    a_dead_workers_job_runs_again_after_its_lease(&queue).await;
    a_panicking_handler_is_a_failure(&queue).await;
}

async fn a_panicking_handler_is_a_failure<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-panic");
    let worker = Worker::start(queue, &name, quick(), |_| panic!("handler bug"));
    add(
        queue,
        &name,
        "boom",
        JobOptions::default().with_attempts(2, Backoff::Fixed(Duration::from_millis(100))),
    )
    .await;
    worker.wait_for(2, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let runs = worker.runs();
    worker.stop().await;
    assert_eq!(
        runs.len(),
        2,
        "a panic counts as a failed attempt, within the maximum: {runs:?}"
    );
    assert_eq!(
        queue.dead(&name, 10).await.unwrap_or_default().len(),
        1,
        "then the job is dead, not run for ever"
    );
}

async fn runs_a_job_once<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-once");
    let worker = Worker::start(queue, &name, quick(), |_| None);
    add(queue, &name, "a", JobOptions::default()).await;
    let runs = worker.wait_for(1, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let runs_after = worker.runs();
    worker.stop().await;
    assert_eq!(runs.len(), 1, "an enqueued job runs");
    assert_eq!(runs_after.len(), 1, "and only once: {runs_after:?}");
    assert_eq!(runs[0].1, 1, "its first attempt");
}

async fn honours_the_delay<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-delay");
    let worker = Worker::start(queue, &name, quick(), |_| None);
    let enqueued_at = Instant::now();
    add(
        queue,
        &name,
        "later",
        JobOptions::default().delayed(Duration::from_millis(1500)),
    )
    .await;
    let runs = worker.wait_for(1, Duration::from_secs(5)).await;
    let waited = enqueued_at.elapsed();
    worker.stop().await;
    assert_eq!(runs.len(), 1, "a delayed job runs");
    assert!(
        waited >= Duration::from_millis(1500),
        "not before its delay ({waited:?})"
    );
    assert!(
        waited < Duration::from_millis(2500),
        "within a second of its delay ({waited:?})"
    );
}

async fn runs_by_priority<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-priority");
    for (payload, priority) in [("p5", 5), ("p1", 1), ("none", 0), ("p3", 3)] {
        add(
            queue,
            &name,
            payload,
            JobOptions::default().with_priority(priority),
        )
        .await;
    }
    let worker = Worker::start(queue, &name, quick(), |_| None);
    let runs = worker.wait_for(4, Duration::from_secs(5)).await;
    worker.stop().await;
    let order: Vec<_> = runs
        .iter()
        .map(|r| r.0.trim_matches('"').to_owned())
        .collect();
    assert_eq!(
        order,
        ["none", "p1", "p3", "p5"],
        "no priority first, then lower first"
    );
}

async fn retries_with_backoff_then_dead_letters<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-backoff");
    let worker = Worker::start(queue, &name, quick(), |_| {
        Some(JobError::Retryable("provider down".into()))
    });
    add(
        queue,
        &name,
        "flaky",
        JobOptions::default().with_attempts(3, Backoff::Exponential(Duration::from_millis(300))),
    )
    .await;
    let runs = worker.wait_for(3, Duration::from_secs(6)).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let runs_after = worker.runs();
    worker.stop().await;
    assert_eq!(runs.len(), 3, "three attempts: {runs:?}");
    assert_eq!(runs_after.len(), 3, "and no fourth: {runs_after:?}");
    assert_eq!(
        runs.iter().map(|r| r.1).collect::<Vec<_>>(),
        [1, 2, 3],
        "numbered"
    );
    let (first, second) = (runs[1].2 - runs[0].2, runs[2].2 - runs[1].2);
    assert!(
        first >= Duration::from_millis(300) && first < Duration::from_millis(1300),
        "300 ms before the first retry, give or take a poll ({first:?})"
    );
    assert!(
        second >= Duration::from_millis(600) && second < Duration::from_millis(1600),
        "600 ms before the second ({second:?})"
    );
    let dead = queue.dead(&name, 10).await.unwrap_or_default();
    assert_eq!(dead.len(), 1, "dead-lettered after its last attempt");
    assert_eq!(dead[0].attempts, 3);
    assert!(
        dead[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("provider down")),
        "with its last error: {:?}",
        dead[0].error
    );
}

async fn permanent_errors_dead_letter_at_once_and_can_be_retried<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-permanent");
    let fail_first = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = fail_first.clone();
    let worker = Worker::start(queue, &name, quick(), move |_| {
        flag.swap(false, std::sync::atomic::Ordering::SeqCst)
            .then(|| JobError::Permanent("invoice voided".into()))
    });
    let id = add(queue, &name, "doomed", JobOptions::default()).await;
    worker.wait_for(1, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(worker.runs().len(), 1, "a permanent error is not retried");
    let dead = queue.dead(&name, 10).await.unwrap_or_default();
    assert_eq!(
        dead.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
        [id.id().clone()]
    );

    assert!(
        queue.retry_dead(&name, id.id()).await.unwrap_or(false),
        "a dead job can be retried"
    );
    let runs = worker.wait_for(2, Duration::from_secs(5)).await;
    worker.stop().await;
    assert_eq!(runs.len(), 2, "and runs again");
    assert_eq!(runs[1].1, 1, "with its attempts reset");
    assert!(queue.dead(&name, 10).await.unwrap_or_default().is_empty());
}

async fn deduplicates<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-dedup");
    let options = JobOptions::default()
        .delayed(Duration::from_millis(300))
        .with_dedup_id("invoice:42");
    let first = add(queue, &name, "one", options.clone()).await;
    let second = add(queue, &name, "two", options).await;
    assert!(matches!(first, Enqueued::Added(_)), "{first:?}");
    assert_eq!(
        second,
        Enqueued::Duplicate(first.id().clone()),
        "the same dedup id gives the first job"
    );
    let worker = Worker::start(queue, &name, quick(), |_| None);
    worker.wait_for(1, Duration::from_secs(5)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let runs = worker.runs();
    worker.stop().await;
    assert_eq!(runs.len(), 1, "one run: {runs:?}");
    assert!(runs[0].0.contains("one"));
}

async fn two_workers_never_run_a_job_twice<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-two-workers");
    let config = WorkerConfig {
        concurrency: 4,
        ..quick()
    };
    let a = Worker::start(queue, &name, config, |_| None);
    let b = Worker::start(queue, &name, config, |_| None);
    for i in 0..40 {
        add(queue, &name, &format!("job-{i}"), JobOptions::default()).await;
    }
    let until = Instant::now() + Duration::from_secs(10);
    while a.runs().len() + b.runs().len() < 40 && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut all: Vec<_> = a.runs().into_iter().chain(b.runs()).map(|r| r.0).collect();
    a.stop().await;
    b.stop().await;
    all.sort();
    let total = all.len();
    all.dedup();
    assert_eq!(total, 40, "every job ran, none twice");
    assert_eq!(all.len(), 40, "forty different jobs");
}

/// A worker that takes a job and never finishes it (until it is aborted,
/// like a killed process); the receiver fires when it took the job.
fn doomed_worker<Q: JobQueue>(
    queue: &Q,
    name: &str,
    config: WorkerConfig,
) -> (
    tokio::task::JoinHandle<()>,
    tokio::sync::oneshot::Receiver<()>,
) {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let started_tx = Arc::new(Mutex::new(Some(started_tx)));
    let stuck = tower::service_fn(move |_job: Job| {
        let started_tx = started_tx.clone();
        async move {
            if let Some(tx) = started_tx
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
            {
                let _ = tx.send(());
            }
            std::future::pending::<Result<(), JobError>>().await
        }
    });
    let (q, n) = (queue.clone(), name.to_owned());
    let doomed = tokio::spawn(async move {
        let _ = q.work(&n, stuck, config, std::future::pending()).await;
    });
    (doomed, started_rx)
}

async fn a_dead_workers_job_runs_again_after_its_lease<Q: JobQueue>(queue: &Q) {
    let name = unique("jobs-dead-worker");
    let short = WorkerConfig {
        lease: Duration::from_millis(900),
        ..quick()
    };
    // A worker that takes the job and never finishes it, then dies.
    let (doomed, started_rx) = doomed_worker(queue, &name, short);
    add(queue, &name, "survivor", JobOptions::default()).await;
    assert!(
        tokio::time::timeout(Duration::from_secs(5), started_rx)
            .await
            .is_ok(),
        "the doomed worker took the job"
    );
    doomed.abort();

    let rescuer = Worker::start(queue, &name, short, |_| None);
    let runs = rescuer.wait_for(1, Duration::from_secs(6)).await;
    rescuer.stop().await;
    assert_eq!(runs.len(), 1, "another worker ran it");
    assert_eq!(runs[0].1, 2, "as its second attempt");
    assert!(
        runs[0].2 >= Duration::from_millis(500),
        "not before the dead worker's lease ran out ({:?} after it died)",
        runs[0].2
    );

    // A job whose worker dies on its last attempt is dead, not run again.
    let name = unique("jobs-dead-worker-last");
    let (doomed, started_rx) = doomed_worker(queue, &name, short);
    add(
        queue,
        &name,
        "once",
        JobOptions::default().with_attempts(1, Backoff::Fixed(Duration::from_millis(100))),
    )
    .await;
    assert!(
        tokio::time::timeout(Duration::from_secs(5), started_rx)
            .await
            .is_ok(),
        "the doomed worker took the one-attempt job"
    );
    doomed.abort();
    let rescuer = Worker::start(queue, &name, short, |_| None);
    let until = Instant::now() + Duration::from_secs(5);
    let mut dead = Vec::new();
    while dead.is_empty() && Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(50)).await;
        dead = queue.dead(&name, 10).await.unwrap_or_default();
    }
    let reruns = rescuer.runs();
    rescuer.stop().await;
    assert_eq!(
        dead.len(),
        1,
        "dead after its worker died on its only attempt"
    );
    assert!(reruns.is_empty(), "and not run again: {reruns:?}");
}
