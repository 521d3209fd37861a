//! [`InMemJobQueue`]: a [`JobQueue`] in this process's memory.
//!
//! - Each queue keeps its jobs in a map, with two indexes: jobs waiting for
//!   their time (by due time) and jobs due now (by priority, then due time,
//!   then id), so a claim costs the same whatever the backlog.
//! - A claim counts an attempt and bumps the job's claim number; the claim
//!   number fences the worker's later writes (renewal, outcome), so a
//!   worker whose lease was taken over cannot finish the job over its new
//!   holder.
//! - An idle worker sleeps until the next event it knows of (a delayed job
//!   becoming due, a running job's lease running out) or until a job is
//!   enqueued, retried or rescheduled; all of them happen in this process,
//!   so it never needs to poll.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures_util::FutureExt as _;
use tokio::sync::{Notify, Semaphore};
use tokio::time::Instant;
use tower::ServiceExt as _;

use super::{
    DeadJob, Enqueued, Job, JobError, JobId, JobOptions, JobQueue, JobQueueError, WorkerConfig,
};
use crate::time::after;

use self::book::{Entry, Queue, Status};

mod book;

/// A [`JobQueue`] in process memory, for tests and for single-process bots
/// whose jobs need not survive a restart.
///
/// **Its jobs are lost when the process stops**: waiting, running and
/// dead-lettered ones alike. A bot whose jobs must survive a restart, or
/// that runs on several instances, needs a durable queue (the database
/// queue of `infra_sql`, BullMQ in `infra_redis`).
///
/// Otherwise it keeps every rule of the trait and passes
/// [`crate::testing::contract::job_queue`]: delays, priorities, dedup ids,
/// attempts with their [`Backoff`](super::Backoff), [`JobError::Permanent`] to the dead
/// letters at once, [`dead`](JobQueue::dead) and
/// [`retry_dead`](JobQueue::retry_dead), leases renewed while a job runs
/// (a worker whose task is aborted loses its jobs to another worker after
/// their lease), a panicking handler counted as a failed attempt, and a
/// shutdown that lets the jobs in progress finish.
///
/// - Time is [`tokio::time`], so tests on a paused clock move delays,
///   backoffs and leases with `tokio::time::advance`.
/// - [`WorkerConfig::poll`] is not used: every job is enqueued in this
///   process, so an idle worker is woken at once, or sleeps exactly until
///   the next delayed job or lease is due.
/// - A dedup id holds for good, as in the table queue: a completed job's
///   payload is dropped, but its dedup id is kept (memory grows with the
///   number of dedup ids, not with the number of jobs). Dead jobs are kept
///   until retried.
/// - Clones share the same jobs.
///
/// # Example
///
/// ```
/// use framework::jobs::{InMemJobQueue, Job, JobError, JobOptions, JobQueue, WorkerConfig};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let queue = InMemJobQueue::new();
/// queue
///     .enqueue("send-invoice", r#"{"invoice_id":42}"#, &JobOptions::default())
///     .await?;
///
/// // A worker, stopped once it ran the job.
/// let (ran_tx, mut ran) = tokio::sync::mpsc::unbounded_channel();
/// let handler = tower::service_fn(move |job: Job| {
///     let _ = ran_tx.send(job.payload);
///     async { Ok::<(), JobError>(()) }
/// });
/// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
/// let worker = tokio::spawn({
///     let queue = queue.clone();
///     async move {
///         let shutdown = async move {
///             let _ = stopped.await;
///         };
///         queue
///             .work("send-invoice", handler, WorkerConfig::default(), shutdown)
///             .await
///     }
/// });
///
/// assert_eq!(ran.recv().await.as_deref(), Some(r#"{"invoice_id":42}"#));
/// let _ = stop.send(());
/// worker.await??;
/// # Ok(())
/// # }
/// ```
///
/// On a paused clock, an hour's delay passes at once:
///
/// ```
/// use std::time::Duration;
/// use framework::jobs::{InMemJobQueue, Job, JobError, JobOptions, JobQueue, WorkerConfig};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let queue = InMemJobQueue::new();
/// let later = JobOptions::default().delayed(Duration::from_secs(3600));
/// queue.enqueue("remind", r#"{"order_id":7}"#, &later).await?;
///
/// let (ran_tx, mut ran) = tokio::sync::mpsc::unbounded_channel();
/// let handler = tower::service_fn(move |_job: Job| {
///     let _ = ran_tx.send(tokio::time::Instant::now());
///     async { Ok::<(), JobError>(()) }
/// });
/// let start = tokio::time::Instant::now();
/// tokio::spawn(async move {
///     let forever = std::future::pending();
///     queue.work("remind", handler, WorkerConfig::default(), forever).await
/// });
/// let ran_at = ran.recv().await;
/// assert_eq!(ran_at.map(|at| at - start), Some(Duration::from_secs(3600)));
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct InMemJobQueue {
    state: Arc<Mutex<State>>,
}

/// Every queue's jobs.
#[derive(Debug, Default)]
struct State {
    queues: HashMap<String, Queue>,
    /// The last job id given out (ids are unique across queues).
    last_id: u64,
}

/// A job a worker holds.
#[derive(Debug)]
struct Claimed {
    job: Job,
    /// The claim number that fences this worker's writes.
    claims: u64,
}

/// What a worker's look at its queue found.
enum Claim {
    /// A job to run.
    Run(Claimed),
    /// A job whose worker died during its last attempt, now dead: look again.
    Spent,
    /// Nothing due; the next job or lease is due at this time, if any.
    Idle(Option<Instant>),
}

impl InMemJobQueue {
    /// An empty queue.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn with_state<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        // A poisoned lock only means another thread panicked between two
        // plain map updates of ours, none of which can panic midway.
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut state)
    }

    /// The notifier that wakes `queue`'s idle workers.
    fn wake_of(&self, queue: &str) -> Arc<Notify> {
        self.with_state(|s| Arc::clone(&s.queues.entry(queue.to_owned()).or_default().wake))
    }

    /// Takes `queue`'s next due job for `lease`: first a job whose worker
    /// died (it was started once already), then the due jobs by priority.
    fn claim(&self, queue: &str, lease: Duration) -> Claim {
        let now = Instant::now();
        self.with_state(|state| {
            let Some(q) = state.queues.get_mut(queue) else {
                return Claim::Idle(None);
            };
            q.promote(now);
            let id = if let Some(id) = q.lapsed(now) {
                id
            } else if let Some((_, _, id)) = q.ready.pop_first() {
                id
            } else {
                return Claim::Idle(q.next_event());
            };
            let Some(entry) = q.jobs.get_mut(&id) else {
                return Claim::Spent;
            };
            if entry.attempts >= entry.max_attempts {
                // Taken back from a worker that died during its last
                // attempt: dead, not run again.
                q.kill(id, "its worker died during its last attempt".to_owned());
                return Claim::Spent;
            }
            entry.attempts += 1;
            entry.claims += 1;
            entry.status = Status::Active(after(now, lease));
            q.active.insert(id);
            Claim::Run(Claimed {
                claims: entry.claims,
                job: Job {
                    id: JobId::new(id.to_string()),
                    queue: queue.to_owned(),
                    payload: entry.payload.clone(),
                    attempt: entry.attempts,
                    max_attempts: entry.max_attempts,
                },
            })
        })
    }

    /// Runs `f` on the held job, if `claimed` still holds it.
    fn held<T>(&self, claimed: &Claimed, f: impl FnOnce(&mut State, u64) -> T) -> Option<T> {
        let id = claimed.job.id.as_str().parse::<u64>().ok()?;
        self.with_state(|state| {
            let q = state.queues.get(&claimed.job.queue)?;
            let entry = q.jobs.get(&id)?;
            let holds = entry.claims == claimed.claims && matches!(entry.status, Status::Active(_));
            holds.then(|| f(state, id))
        })
    }

    /// Extends the held job's lease; `false` when another worker took it.
    /// A lease that ran out but was not taken over is still this worker's.
    fn renew(&self, claimed: &Claimed, lease: Duration) -> bool {
        let until = after(Instant::now(), lease);
        self.held(claimed, |state, id| {
            if let Some(entry) = state
                .queues
                .get_mut(&claimed.job.queue)
                .and_then(|q| q.jobs.get_mut(&id))
            {
                entry.status = Status::Active(until);
            }
        })
        .is_some()
    }

    /// Records a run's outcome; the job's new status, or `None` when the
    /// claim was lost.
    fn finish(&self, claimed: &Claimed, outcome: &Result<(), JobError>) -> Option<&'static str> {
        let now = Instant::now();
        let job = &claimed.job;
        self.held(claimed, |state, id| {
            let Some(q) = state.queues.get_mut(&job.queue) else {
                return "completed";
            };
            match outcome {
                Ok(()) => {
                    // Only the dedup id outlives a completed job.
                    q.active.remove(&id);
                    q.jobs.remove(&id);
                    "completed"
                }
                Err(e @ JobError::Retryable(_)) if job.attempt < job.max_attempts => {
                    q.active.remove(&id);
                    let Some(entry) = q.jobs.get_mut(&id) else {
                        return "waiting";
                    };
                    entry.last_error = Some(e.to_string());
                    let wait = entry.backoff.delay_before(job.attempt.saturating_add(1));
                    q.schedule(id, after(now, wait), now);
                    q.wake.notify_waiters();
                    "waiting"
                }
                Err(e) => {
                    q.kill(id, e.to_string());
                    "dead"
                }
            }
        })
    }

    /// Runs one claimed job through `handler`, renewing its lease meanwhile.
    /// A handler that panics counts as a retryable failure; a job whose
    /// lease is lost (another worker has it) is abandoned at once.
    async fn run<H>(&self, claimed: Claimed, handler: H, lease: Duration)
    where
        H: tower::Service<Job, Response = (), Error = JobError> + Send,
        H::Future: Send,
    {
        let job = claimed.job.clone();
        let run = std::panic::AssertUnwindSafe(handler.oneshot(job.clone()))
            .catch_unwind()
            .map(|ran| {
                ran.unwrap_or_else(|_| {
                    Err(JobError::Retryable("the job's handler panicked".into()))
                })
            });
        // Renewals beside the run, every third of the lease; they end only
        // when the lease was lost.
        let every = (lease / 3).max(crate::lease::MIN_PERIOD);
        let renewals = async {
            loop {
                tokio::time::sleep(every).await;
                if !self.renew(&claimed, lease) {
                    return;
                }
            }
        };
        tokio::pin!(run);
        tokio::pin!(renewals);
        let outcome = tokio::select! {
            outcome = &mut run => outcome,
            () = &mut renewals => {
                tracing::warn!(job = %job.id, queue = %job.queue, "lost a running job's lease; abandoning it to its new holder");
                return;
            }
        };
        if let Err(e) = &outcome {
            tracing::warn!(job = %job.id, queue = %job.queue, attempt = job.attempt, error.message = %e, "job failed");
        }
        match self.finish(&claimed, &outcome) {
            Some(status) => {
                metrics::counter!("campanile_jobs_total", "queue" => job.queue.clone(), "status" => status)
                    .increment(1);
            }
            None => {
                tracing::warn!(job = %job.id, queue = %job.queue, "a job's outcome came after its lease ran out; another worker has it");
            }
        }
    }
}

impl JobQueue for InMemJobQueue {
    async fn enqueue(
        &self,
        queue: &str,
        payload: &str,
        options: &JobOptions,
    ) -> Result<Enqueued, JobQueueError> {
        let now = Instant::now();
        Ok(self.with_state(|state| {
            let q = state.queues.entry(queue.to_owned()).or_default();
            if let Some(id) = options.dedup_id.as_ref().and_then(|d| q.dedup.get(d)) {
                return Enqueued::Duplicate(JobId::new(id.to_string()));
            }
            state.last_id += 1;
            let id = state.last_id;
            let q = state.queues.entry(queue.to_owned()).or_default();
            if let Some(dedup_id) = &options.dedup_id {
                q.dedup.insert(dedup_id.clone(), id);
            }
            let due = after(now, options.delay);
            q.jobs.insert(
                id,
                Entry {
                    payload: payload.to_owned(),
                    priority: options.priority,
                    max_attempts: options.max_attempts.max(1),
                    backoff: options.backoff,
                    attempts: 0,
                    claims: 0,
                    last_error: None,
                    status: Status::Waiting,
                },
            );
            q.schedule(id, due, now);
            q.wake.notify_waiters();
            Enqueued::Added(JobId::new(id.to_string()))
        }))
    }

    async fn work<H>(
        &self,
        queue: &str,
        handler: H,
        config: WorkerConfig,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), JobQueueError>
    where
        H: tower::Service<Job, Response = (), Error = JobError> + Clone + Send + 'static,
        H::Future: Send,
    {
        let slots = Arc::new(Semaphore::new(config.concurrency.max(1)));
        let wake = self.wake_of(queue);
        // Jobs run on a set owned by this future: a worker that is dropped
        // (its task aborted) stops its jobs, as a dead process would; they
        // run again on another worker after their lease.
        let mut running = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            while let Some(done) = running.try_join_next() {
                if let Err(e) = done {
                    tracing::error!(error.message = %e, queue, "a job task failed");
                }
            }
            // A free slot first, so a job is only claimed when it can run.
            let permit = tokio::select! {
                biased;
                () = &mut shutdown => break,
                permit = Arc::clone(&slots).acquire_owned() => match permit {
                    Ok(permit) => permit,
                    Err(_) => break,
                },
            };
            // Registered before the claim: a job enqueued between an empty
            // claim and the wait still wakes this worker.
            let woken = wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            let next = match self.claim(queue, config.lease) {
                Claim::Run(claimed) => {
                    let (me, handler) = (self.clone(), handler.clone());
                    running.spawn(async move {
                        me.run(claimed, handler, config.lease).await;
                        drop(permit);
                    });
                    continue;
                }
                Claim::Spent => continue,
                Claim::Idle(next) => next,
            };
            drop(permit);
            let until_next = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = &mut woken => {}
                () = until_next => {}
            }
        }
        // Shutting down: no new jobs, but the ones in progress finish (and
        // keep renewing their leases meanwhile).
        while let Some(done) = running.join_next().await {
            if let Err(e) = done {
                tracing::error!(error.message = %e, queue, "a job task failed");
            }
        }
        Ok(())
    }

    async fn dead(&self, queue: &str, limit: u32) -> Result<Vec<DeadJob>, JobQueueError> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(self.with_state(|state| {
            let Some(q) = state.queues.get(queue) else {
                return Vec::new();
            };
            q.dead
                .values()
                .filter_map(|id| Some(q.jobs.get(id)?.dead_job(*id)))
                .take(limit)
                .collect()
        }))
    }

    async fn retry_dead(&self, queue: &str, id: &JobId) -> Result<bool, JobQueueError> {
        let Ok(id) = id.as_str().parse::<u64>() else {
            return Ok(false);
        };
        let now = Instant::now();
        Ok(self.with_state(|state| {
            let Some(q) = state.queues.get_mut(queue) else {
                return false;
            };
            let Some(entry) = q.jobs.get_mut(&id) else {
                return false;
            };
            let Status::Dead(death) = entry.status else {
                return false;
            };
            entry.attempts = 0;
            q.dead.remove(&death);
            q.schedule(id, now, now);
            q.wake.notify_waiters();
            true
        }))
    }
}

#[cfg(test)]
mod tests;
