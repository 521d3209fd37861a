//! The in-memory queue on a paused clock: exact delays, backoffs, leases
//! and shutdowns (the contract suite checks the rest on a real clock).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep};

use super::*;
use crate::jobs::Backoff;

/// What a handler saw: (payload, attempt, seconds since the start).
type Runs = Arc<Mutex<Vec<(String, u32, u64)>>>;

/// A worker whose handler records each run, waits `takes`, then answers
/// with `outcome(attempt)`.
struct Worker {
    runs: Runs,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), JobQueueError>>,
}

fn worker(
    queue: &InMemJobQueue,
    name: &str,
    config: WorkerConfig,
    takes: Duration,
    outcome: fn(u32) -> Result<(), JobError>,
) -> Worker {
    let runs: Runs = Arc::default();
    let start = Instant::now();
    let seen = runs.clone();
    let handler = tower::service_fn(move |job: Job| {
        seen.lock()
            .unwrap()
            .push((job.payload.clone(), job.attempt, start.elapsed().as_secs()));
        async move {
            sleep(takes).await;
            outcome(job.attempt)
        }
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let (queue, name) = (queue.clone(), name.to_owned());
    let task = tokio::spawn(async move {
        let shutdown = async move {
            let _ = stopped.await;
        };
        queue.work(&name, handler, config, shutdown).await
    });
    Worker { runs, stop, task }
}

impl Worker {
    fn runs(&self) -> Vec<(String, u32, u64)> {
        self.runs.lock().unwrap().clone()
    }

    async fn stop(self) -> Vec<(String, u32, u64)> {
        let _ = self.stop.send(());
        self.task.await.unwrap().unwrap();
        self.runs.lock().unwrap().clone()
    }
}

fn config(concurrency: usize) -> WorkerConfig {
    WorkerConfig {
        concurrency,
        ..WorkerConfig::default()
    }
}

fn ok(_: u32) -> Result<(), JobError> {
    Ok(())
}

async fn add(queue: &InMemJobQueue, name: &str, payload: &str, options: JobOptions) -> JobId {
    queue
        .enqueue(name, payload, &options)
        .await
        .unwrap()
        .id()
        .clone()
}

#[tokio::test(start_paused = true)]
async fn a_delayed_job_runs_when_it_is_due_not_before() {
    let queue = InMemJobQueue::new();
    let w = worker(&queue, "q", config(1), Duration::ZERO, ok);
    add(
        &queue,
        "q",
        "later",
        JobOptions::default().delayed(Duration::from_secs(3600)),
    )
    .await;
    add(&queue, "q", "now", JobOptions::default()).await;

    sleep(Duration::from_secs(3599)).await;
    assert_eq!(w.runs(), [("now".to_owned(), 1, 0)]);
    sleep(Duration::from_secs(2)).await;
    assert_eq!(w.stop().await[1], ("later".to_owned(), 1, 3600));
}

#[tokio::test(start_paused = true)]
async fn retries_wait_their_backoff_then_the_job_is_dead() {
    let queue = InMemJobQueue::new();
    let w = worker(&queue, "q", config(1), Duration::ZERO, |_| {
        Err(JobError::Retryable("provider down".into()))
    });
    add(
        &queue,
        "q",
        "flaky",
        JobOptions::default().with_attempts(3, Backoff::Exponential(Duration::from_secs(10))),
    )
    .await;

    sleep(Duration::from_secs(600)).await;
    let runs = w.stop().await;
    let at: Vec<_> = runs.iter().map(|r| (r.1, r.2)).collect();
    assert_eq!(at, [(1, 0), (2, 10), (3, 30)], "10 s, then 20 s, no fourth");
    let dead = queue.dead("q", 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!((dead[0].payload.as_str(), dead[0].attempts), ("flaky", 3));
    assert_eq!(dead[0].error.as_deref(), Some("retryable: provider down"));
}

#[tokio::test(start_paused = true)]
async fn a_permanent_error_is_dead_at_once_and_retry_dead_runs_it_afresh() {
    let queue = InMemJobQueue::new();
    // Fails on its first run only (attempts are reset for the second).
    static FIRST: AtomicBool = AtomicBool::new(true);
    let w = worker(&queue, "q", config(1), Duration::ZERO, |_| {
        if FIRST.swap(false, Ordering::SeqCst) {
            Err(JobError::Permanent("invoice voided".into()))
        } else {
            Ok(())
        }
    });
    let id = add(&queue, "q", "doomed", JobOptions::default()).await;
    sleep(Duration::from_secs(60)).await;
    assert_eq!(w.runs().len(), 1, "not retried");
    let dead = queue.dead("q", 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(
        (&dead[0].id, dead[0].attempts, dead[0].error.as_deref()),
        (&id, 1, Some("permanent: invoice voided"))
    );

    assert!(
        !queue.retry_dead("other", &id).await.unwrap(),
        "another queue's"
    );
    assert!(!queue.retry_dead("q", &JobId::new("nope")).await.unwrap());
    assert!(queue.retry_dead("q", &id).await.unwrap());
    assert!(!queue.retry_dead("q", &id).await.unwrap(), "no longer dead");
    sleep(Duration::from_secs(1)).await;
    let runs = w.stop().await;
    assert_eq!(runs[1], ("doomed".to_owned(), 1, 60), "attempts reset");
    assert!(queue.dead("q", 10).await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn dead_lists_the_oldest_first_up_to_the_limit() {
    let queue = InMemJobQueue::new();
    let once = JobOptions::default().with_attempts(1, Backoff::Fixed(Duration::ZERO));
    for (payload, delay) in [("second", 20), ("first", 10), ("third", 30)] {
        add(
            &queue,
            "q",
            payload,
            once.clone().delayed(Duration::from_secs(delay)),
        )
        .await;
    }
    let w = worker(&queue, "q", config(1), Duration::ZERO, |_| {
        Err(JobError::Retryable("down".into()))
    });
    sleep(Duration::from_secs(60)).await;
    w.stop().await;

    let dead = queue.dead("q", 2).await.unwrap();
    let payloads: Vec<_> = dead.iter().map(|d| d.payload.as_str()).collect();
    assert_eq!(payloads, ["first", "second"]);
    assert!(queue.dead("other", 10).await.unwrap().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_dedup_id_holds_after_its_job_completed_and_only_it_is_kept() {
    let queue = InMemJobQueue::new();
    let options = JobOptions::default().with_dedup_id("invoice:42");
    let first = add(&queue, "q", "one", options.clone()).await;
    add(&queue, "q", "plain", JobOptions::default()).await;
    let in_other_queue = queue.enqueue("other", "one", &options).await.unwrap();
    assert!(matches!(in_other_queue, Enqueued::Added(_)), "per queue");
    let w = worker(&queue, "q", config(1), Duration::ZERO, ok);
    sleep(Duration::from_secs(1)).await;

    let again = queue.enqueue("q", "two", &options).await.unwrap();
    assert_eq!(again, Enqueued::Duplicate(first));
    sleep(Duration::from_secs(1)).await;
    assert_eq!(w.stop().await.len(), 2, "one and plain, not two");
    let (jobs, dedup) = queue.with_state(|s| {
        let q = &s.queues["q"];
        (q.jobs.len(), q.dedup.len())
    });
    assert_eq!((jobs, dedup), (0, 1), "completed jobs are dropped");
}

#[tokio::test(start_paused = true)]
async fn shutdown_lets_the_jobs_in_progress_finish_and_starts_no_more() {
    let queue = InMemJobQueue::new();
    add(&queue, "q", "long", JobOptions::default()).await;
    let w = worker(&queue, "q", config(1), Duration::from_secs(120), ok);
    sleep(Duration::from_secs(1)).await;
    add(&queue, "q", "next", JobOptions::default()).await;

    let started = Instant::now();
    let runs = w.stop().await;
    assert_eq!(started.elapsed(), Duration::from_secs(119), "it waited");
    assert_eq!(runs.len(), 1, "and did not start the next job");
    let next = worker(&queue, "q", config(1), Duration::ZERO, ok);
    sleep(Duration::from_secs(1)).await;
    let runs = next.stop().await;
    assert_eq!(runs.len(), 1, "the long job completed: {runs:?}");
    assert_eq!(runs[0].0, "next");
}

#[tokio::test(start_paused = true)]
async fn a_job_outliving_its_lease_is_renewed_not_taken_over() {
    let queue = InMemJobQueue::new();
    let lease = WorkerConfig {
        lease: Duration::from_secs(30),
        ..config(1)
    };
    let a = worker(&queue, "q", lease, Duration::from_secs(300), ok);
    let b = worker(&queue, "q", lease, Duration::from_secs(300), ok);
    add(&queue, "q", "slow", JobOptions::default()).await;
    sleep(Duration::from_secs(400)).await;
    let (a, b) = (a.stop().await, b.stop().await);
    assert_eq!(a.len() + b.len(), 1, "{a:?} {b:?}");
}

#[tokio::test(start_paused = true)]
async fn an_aborted_workers_job_runs_again_after_its_lease() {
    let queue = InMemJobQueue::new();
    let lease = WorkerConfig {
        lease: Duration::from_secs(30),
        ..config(1)
    };
    let doomed = worker(&queue, "q", lease, Duration::MAX, ok);
    add(&queue, "q", "survivor", JobOptions::default()).await;
    // Renewed at 10, 20, 30, 40 s; the worker dies at 45 s.
    sleep(Duration::from_secs(45)).await;
    doomed.task.abort();

    let rescuer = worker(&queue, "q", lease, Duration::ZERO, ok);
    sleep(Duration::from_secs(24)).await;
    assert!(rescuer.runs().is_empty(), "not before the lease ran out");
    sleep(Duration::from_secs(2)).await;
    assert_eq!(
        rescuer.stop().await,
        [("survivor".to_owned(), 2, 25)],
        "its second attempt, 30 s after the last renewal"
    );
}

#[tokio::test(start_paused = true)]
async fn a_worker_runs_at_most_its_concurrency_at_once() {
    let queue = InMemJobQueue::new();
    for i in 0..5 {
        add(&queue, "q", &format!("job-{i}"), JobOptions::default()).await;
    }
    let w = worker(&queue, "q", config(2), Duration::from_secs(10), ok);
    sleep(Duration::from_secs(60)).await;
    let started: Vec<_> = w.stop().await.iter().map(|r| r.2).collect();
    assert_eq!(started, [0, 0, 10, 10, 20], "two at a time");
}

#[tokio::test(start_paused = true)]
async fn queues_are_independent() {
    let queue = InMemJobQueue::new();
    add(&queue, "a", "for-a", JobOptions::default()).await;
    add(&queue, "b", "for-b", JobOptions::default()).await;
    let w = worker(&queue, "a", config(1), Duration::ZERO, ok);
    sleep(Duration::from_secs(1)).await;
    assert_eq!(w.stop().await, [("for-a".to_owned(), 1, 0)]);
}
