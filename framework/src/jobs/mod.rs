//! Background jobs: a durable queue and the workers that run its jobs.
//!
//! A [`JobQueue`] takes jobs (a queue name, a JSON payload that carries ids,
//! never whole entities, and [`JobOptions`]: delay, priority, a dedup id, a
//! maximum of attempts and a [`Backoff`]) and runs them with
//! [`JobQueue::work`]: a worker calls a handler, a tower
//! [`Service<Job>`](tower::Service), for each job that is due, so job
//! handlers get the same layers as message handlers (trace, timeout, …).
//!
//! - A handler's [`JobError::Retryable`] runs the job again after its
//!   backoff, until its attempts are used up; [`JobError::Permanent`] (or
//!   the last attempt) moves it to the dead-letter state, where
//!   [`JobQueue::dead`] lists it and [`JobQueue::retry_dead`] runs it again.
//! - Priority: jobs without one (0) run first, then 1, 2, … (lower first),
//!   each in the order they became due (BullMQ's rule).
//! - A job enqueued again with the same dedup id while the first is kept is
//!   not added twice ([`Enqueued::Duplicate`]; the table queue keeps
//!   completed jobs, so its dedup ids hold for good).
//! - At least once: a job whose worker died runs again on another worker
//!   after its lease (unless that was its last attempt: then it is dead).
//!   While its worker lives, the lease is renewed as the job runs; a worker
//!   that cannot renew it for a whole lease (its database unreachable) may
//!   see it taken over, and then abandons it.
//!
//! Durable implementations live in `infra_sql` (a table in the database
//! for the embedded default) and `infra_redis` (BullMQ, for many
//! instances). [`InMemJobQueue`] keeps its jobs in process memory, for
//! tests and single-process bots whose jobs need not survive a restart.
//! Each passes
//! [`crate::testing::contract::job_queue`].
//!
//! # Example
//!
//! ```
//! use framework::jobs::{Backoff, JobOptions};
//! use std::time::Duration;
//!
//! let reminder = JobOptions::default()
//!     .delayed(Duration::from_secs(3600))
//!     .with_dedup_id("reminder:INV-00042:first")
//!     .with_attempts(5, Backoff::Exponential(Duration::from_secs(2)));
//! assert_eq!(reminder.backoff.delay_before(3), Duration::from_secs(4));
//! ```

use std::future::Future;
use std::time::Duration;

use crate::BoxError;
pub use crate::backoff::Backoff;

mod memory;

pub use self::memory::InMemJobQueue;

/// A job's id, unique in its queue.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(String);

impl JobId {
    /// An id.
    #[must_use]
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a job is run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobOptions {
    /// Not before this long after it is enqueued.
    pub delay: Duration,
    /// 0: none (runs first); otherwise lower runs first.
    pub priority: u32,
    /// A job with the same dedup id in the same queue is not added twice.
    pub dedup_id: Option<String>,
    /// Runs at most this many times (at least 1).
    pub max_attempts: u32,
    /// The wait before each retry.
    pub backoff: Backoff,
}

impl Default for JobOptions {
    /// Now, no priority, no dedup id, 3 attempts, exponential backoff from
    /// 1 second.
    fn default() -> Self {
        Self {
            delay: Duration::ZERO,
            priority: 0,
            dedup_id: None,
            max_attempts: 3,
            backoff: Backoff::Exponential(Duration::from_secs(1)),
        }
    }
}

impl JobOptions {
    /// Runs no sooner than `delay` from now.
    #[must_use]
    pub fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Sets the priority (0: none, runs first; otherwise lower first).
    #[must_use]
    pub fn with_priority(mut self, priority: u32) -> Self {
        self.priority = priority;
        self
    }

    /// Sets the dedup id.
    #[must_use]
    pub fn with_dedup_id(mut self, id: impl Into<String>) -> Self {
        self.dedup_id = Some(id.into());
        self
    }

    /// Sets the maximum of attempts (at least 1) and the backoff.
    #[must_use]
    pub fn with_attempts(mut self, max_attempts: u32, backoff: Backoff) -> Self {
        self.max_attempts = max_attempts.max(1);
        self.backoff = backoff;
        self
    }
}

/// A job as a worker runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Its id.
    pub id: JobId,
    /// Its queue.
    pub queue: String,
    /// Its payload (JSON).
    pub payload: String,
    /// This run's number, from 1.
    pub attempt: u32,
    /// The most runs it gets.
    pub max_attempts: u32,
}

impl Job {
    /// The payload, deserialized.
    ///
    /// # Errors
    ///
    /// [`JobError::Permanent`] when the payload does not match `T`: running
    /// it again cannot help.
    pub fn payload<T: serde::de::DeserializeOwned>(&self) -> Result<T, JobError> {
        serde_json::from_str(&self.payload).map_err(|e| JobError::Permanent(Box::new(e)))
    }
}

/// Why a job's run failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JobError {
    /// It may succeed later (a provider down, a timeout): run it again after
    /// its backoff, while attempts remain.
    #[error("retryable: {0}")]
    Retryable(#[source] BoxError),
    /// It cannot succeed (bad payload, a voided invoice): dead-letter it now.
    #[error("permanent: {0}")]
    Permanent(#[source] BoxError),
}

/// What [`JobQueue::enqueue`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enqueued {
    /// Added as this job.
    Added(JobId),
    /// A job with the same dedup id exists: this one.
    Duplicate(JobId),
}

impl Enqueued {
    /// The job's id, added or found.
    #[must_use]
    pub fn id(&self) -> &JobId {
        match self {
            Self::Added(id) | Self::Duplicate(id) => id,
        }
    }
}

/// A job in the dead-letter state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadJob {
    /// Its id.
    pub id: JobId,
    /// Its payload.
    pub payload: String,
    /// How many times it ran.
    pub attempts: u32,
    /// The last failure.
    pub error: Option<String>,
}

/// How a worker runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerConfig {
    /// Jobs run at once by this worker.
    pub concurrency: usize,
    /// How long a running job stays this worker's without renewal; renewed
    /// every third of it while the job runs. After a worker dies, its jobs
    /// run again elsewhere this long after the last renewal.
    pub lease: Duration,
    /// How often an idle worker looks for due jobs (jobs enqueued in the
    /// same process wake it at once).
    pub poll: Duration,
}

impl Default for WorkerConfig {
    /// 4 at once, a 30-second lease, polling every 200 ms.
    fn default() -> Self {
        Self {
            concurrency: 4,
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(200),
        }
    }
}

/// The queue's storage failed.
#[derive(Debug, thiserror::Error)]
#[error("job queue backend failed")]
pub struct JobQueueError(#[source] pub BoxError);

/// A job queue; see the [module docs](self).
pub trait JobQueue: Clone + Send + Sync + 'static {
    /// Adds a job to `queue`.
    ///
    /// # Errors
    ///
    /// [`JobQueueError`] when it cannot be stored.
    fn enqueue(
        &self,
        queue: &str,
        payload: &str,
        options: &JobOptions,
    ) -> impl Future<Output = Result<Enqueued, JobQueueError>> + Send;

    /// Runs `queue`'s due jobs through `handler` until `shutdown` resolves,
    /// then lets the jobs in progress finish and returns.
    ///
    /// # Errors
    ///
    /// [`JobQueueError`] when the storage fails for good; passing failures
    /// are logged and retried.
    fn work<H>(
        &self,
        queue: &str,
        handler: H,
        config: WorkerConfig,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> impl Future<Output = Result<(), JobQueueError>> + Send
    where
        H: tower::Service<Job, Response = (), Error = JobError> + Clone + Send + 'static,
        H::Future: Send;

    /// Up to `limit` dead-lettered jobs of `queue`, oldest first.
    ///
    /// # Errors
    ///
    /// [`JobQueueError`].
    fn dead(
        &self,
        queue: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<DeadJob>, JobQueueError>> + Send;

    /// Runs a dead-lettered job again, with its attempts reset. Returns
    /// whether it was dead.
    ///
    /// # Errors
    ///
    /// [`JobQueueError`].
    fn retry_dead(
        &self,
        queue: &str,
        id: &JobId,
    ) -> impl Future<Output = Result<bool, JobQueueError>> + Send;
}
