//! [`RedisJobQueue`]: the job queue on Redis, shared by every instance. It is
//! BullMQ's own Rust port (`bullmq-official`, lib `bullmq`), so the Lua
//! scripts, the keys and the rules are BullMQ's, and BullMQ's tools (Bull
//! Board, a Node `Queue`) can read our queues.
//!
//! # How the contract maps onto BullMQ
//!
//! | [`JobQueue`] | BullMQ |
//! |---|---|
//! | [`JobOptions::delay`] | `delay` (a delayed job) |
//! | [`JobOptions::priority`]: 0 none (runs first), then lower first | `priority`, the same rule (capped at BullMQ's lowest, 2 097 152) |
//! | [`JobOptions::max_attempts`], [`Backoff::Fixed`], [`Backoff::Exponential`] | `attempts`, `backoff` `fixed` / `exponential` |
//! | [`JobOptions::dedup_id`] | `deduplication.id`, with a TTL of a century (below) |
//! | [`Job::attempt`] | `attemptsStarted`: every start counts, also one whose worker died |
//! | [`JobError::Retryable`] | a failure, retried after the backoff while attempts remain |
//! | [`JobError::Permanent`], or a failure of the last attempt | an unrecoverable failure: `failed` at once |
//! | a handler that panics | a retryable failure |
//! | the dead-letter state: [`dead`](JobQueue::dead), [`retry_dead`](JobQueue::retry_dead) | the `failed` set; `retry` with `attemptsMade` and `attemptsStarted` reset |
//! | [`WorkerConfig::concurrency`] | `concurrency` |
//! | [`WorkerConfig::lease`] | `lockDuration`, renewed every third of it; the stalled-job check runs every half of it |
//! | [`WorkerConfig::poll`] | the longest an idle worker blocks on the queue's marker (whole seconds, at least 1); enqueued and due jobs wake it at once, from any instance |
//!
//! - **Dedup ids hold while their job is kept**, as in the table queue. With
//!   a plain `deduplication.id`, BullMQ would forget the id as soon as the
//!   job finishes, and `order:42` enqueued again after it ran would run
//!   again. The TTL makes the id last until the job itself is removed (no
//!   job is removed unless a retention is configured, which we do not do
//!   yet). A duplicate is told apart from a new job by its id: a job with a
//!   dedup id gets an id of our own (`d` and 32 hex digits), and a duplicate
//!   comes back with the first job's id instead; other jobs get BullMQ's
//!   numbers.
//! - **A killed worker**: its jobs' locks run out one lease after their last
//!   renewal, and the stalled-job check of any worker of the queue puts them
//!   back, to run again as their next attempt. A job whose worker died on
//!   its last attempt is failed by the worker that takes it back, without
//!   running it (BullMQ's own limit, `maxStalledCount`, is set out of reach:
//!   attempts are the one limit).
//! - **A dropped `work` future** (its task aborted) behaves like a killed
//!   process: the worker stops fetching, and the jobs it runs are abandoned
//!   without a word to Redis, so they run again elsewhere after their lease.
//!   A worker that cannot renew a lease (the lock is another worker's)
//!   abandons its job the same way.
//! - **Payloads** are JSON: BullMQ stores a job's data as a JSON value, and
//!   the handler gets it back re-serialized (compact; object keys may come
//!   back in another order). [`enqueue`](JobQueue::enqueue) refuses a
//!   payload that is not JSON.
//!
//! # Example
//!
//! ```no_run
//! use framework::jobs::{Backoff, Enqueued, JobOptions, JobQueue};
//! use infra_redis::RedisConfig;
//! use infra_redis::jobs::RedisJobQueue;
//! use std::time::Duration;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let jobs = RedisJobQueue::connect(&RedisConfig::new("redis://127.0.0.1:6379").with_key_prefix("shop")).await?;
//! let options = JobOptions::default()
//!     .with_dedup_id("order:42")
//!     .with_attempts(8, Backoff::Exponential(Duration::from_secs(2)));
//! let first = jobs.enqueue("process-order", r#"{"order_id":42}"#, &options).await?;
//! let again = jobs.enqueue("process-order", r#"{"order_id":42}"#, &options).await?;
//! assert_eq!(again, Enqueued::Duplicate(first.id().clone()));
//! # Ok(())
//! # }
//! ```
//!
//! # Storage
//!
//! BullMQ's prefix is our key prefix, so every key of queue `{queue}` is
//! `{prefix}:{queue}:…`: the lists and sorted sets of its states (`wait`,
//! `active`, `delayed`, `prioritized`, `completed`, `failed`), a hash per job
//! (`{prefix}:{queue}:{id}`) and its lock (`…:{id}:lock`), the dedup ids
//! (`…:de:{dedup id}`), the events stream, `meta`, the id counter and the
//! worker's marker. BullMQ forbids `:` in a prefix, so the key prefix must
//! be free of it ([`RedisJobQueueError::KeyPrefix`]). It forbids it in a
//! queue name too: there `%` and `:` are escaped as `%25` and `%3A`, so
//! queue `a:b` is BullMQ's `a%3Ab`. A queue may not be named after another
//! store's keys (`seen`, `rate`, `session`, `fence`, `lock`, `lockq`,
//! `lockw`, `lockseq`), whose keys it would share.
//! Completed and dead jobs are kept, as in the table queue: they do not
//! expire.
//!
//! # Connections
//!
//! The queue opens one connection of its own (BullMQ's reconnecting,
//! multiplexed one) for enqueueing and reading, shared by its clones. Each
//! running [`work`](JobQueue::work) opens two more: one for its commands and
//! one for its blocking wait (`BZPOPMIN`), which must not share a
//! connection with anything else.

use std::collections::HashMap;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bullmq::options::RedisConnectionOptions;
use bullmq::redis_connection::RedisConnection as BullConnection;
use bullmq::types::BackoffStrategy;
use bullmq::worker::{CancellationToken, WorkerEvent};
use bullmq::{DeduplicationOptions, JobState, QueueOptions, RetryOptions, WorkerOptions};
use framework::jobs::{
    Backoff, DeadJob, Enqueued, Job, JobError, JobId, JobOptions, JobQueue, JobQueueError,
    WorkerConfig,
};
use futures_util::FutureExt as _;
use tokio::sync::watch;
use tower::ServiceExt as _;

use super::connection::RedisConfig;
use super::support::{millis, random_id};

/// Why the Redis job queue failed: the source of its [`JobQueueError`]s,
/// and the error of [`RedisJobQueue::connect`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisJobQueueError {
    /// The key prefix is empty or holds a `:`, which BullMQ refuses (it
    /// parses its keys back by their `:`).
    #[error("the key prefix {0:?} cannot hold job queues: it must be non-empty and free of ':'")]
    KeyPrefix(String),
    /// The queue name is empty or the name of another store's keys.
    #[error(
        "invalid queue name {0:?}: it must be non-empty and not the name of another store's keys"
    )]
    QueueName(String),
    /// The payload given to [`enqueue`](JobQueue::enqueue) is not JSON.
    #[error("the job's payload is not JSON")]
    Payload(#[source] serde_json::Error),
    /// A BullMQ command failed (connection, server, script).
    #[error("bullmq failed")]
    Bullmq(#[from] bullmq::Error),
}

/// The job queue on Redis, on BullMQ; cheap to clone (clones share the
/// connection and the queues' handles).
///
/// See the [module docs](self) for how it maps the contract onto BullMQ.
#[derive(Clone)]
pub struct RedisJobQueue {
    /// Enqueueing and reading; workers open their own.
    conn: BullConnection,
    /// Where workers connect.
    connection: RedisConnectionOptions,
    /// BullMQ's key prefix: ours.
    prefix: Arc<str>,
    /// A BullMQ handle per queue, made on first use (making one writes the
    /// queue's `meta`).
    queues: Arc<Mutex<HashMap<String, bullmq::Queue>>>,
}

impl fmt::Debug for RedisJobQueue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisJobQueue")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisJobQueue {
    /// Connects to the server of `config`; the queues' keys start with its
    /// key prefix.
    ///
    /// # Errors
    ///
    /// [`RedisJobQueueError::KeyPrefix`] when the prefix holds a `:`;
    /// [`RedisJobQueueError::Bullmq`] when the URL is invalid or the server
    /// cannot be reached.
    pub async fn connect(config: &RedisConfig) -> Result<Self, RedisJobQueueError> {
        let prefix = config.key_prefix();
        if prefix.is_empty() || prefix.contains(':') {
            return Err(RedisJobQueueError::KeyPrefix(prefix.to_owned()));
        }
        let connection = RedisConnectionOptions::new().url(config.url());
        let conn = BullConnection::new_managed_only(&connection).await?;
        tracing::debug!(config = ?config, "job queue connected to redis");
        Ok(Self {
            conn,
            connection,
            prefix: Arc::from(prefix),
            queues: Arc::default(),
        })
    }

    /// The key prefix.
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// BullMQ's handle on `name`.
    async fn queue(&self, name: &str) -> Result<bullmq::Queue, RedisJobQueueError> {
        let bullmq_name = bullmq_queue_name(name)?;
        let cached = self
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned();
        if let Some(queue) = cached {
            return Ok(queue);
        }
        let options = QueueOptions::new().prefix(self.prefix.as_ref());
        let queue =
            bullmq::Queue::with_connection(&bullmq_name, self.conn.clone(), options).await?;
        Ok(self
            .queues
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(name.to_owned())
            .or_insert(queue)
            .clone())
    }

    fn worker_options(&self, config: WorkerConfig) -> WorkerOptions {
        let mut options = WorkerOptions::new()
            .connection(self.connection.clone())
            .prefix(self.prefix.as_ref())
            .concurrency(config.concurrency.max(1))
            // Attempts are the one limit (see `Runner::run`).
            .max_stalled_count(u32::MAX)
            // The runner renews the locks of its jobs itself: the renewal
            // ends with the job's future (BullMQ's task renews every job in
            // its active list, also after the worker is dropped), and a lost
            // lock abandons the job (BullMQ's only logs it).
            .skip_lock_renewal();
        options.lock_duration = millis(config.lease);
        options.stalled_interval = millis(config.lease / 2);
        options.drain_delay = u64::try_from(config.poll.as_millis().div_ceil(1000))
            .unwrap_or(u64::MAX)
            .max(1);
        options.run_retry_delay = millis(config.poll);
        options
    }
}

impl JobQueue for RedisJobQueue {
    async fn enqueue(
        &self,
        queue: &str,
        payload: &str,
        options: &JobOptions,
    ) -> Result<Enqueued, JobQueueError> {
        let data: serde_json::Value =
            serde_json::from_str(payload).map_err(|e| backend(RedisJobQueueError::Payload(e)))?;
        let handle = self.queue(queue).await.map_err(backend)?;
        let (options, own_id) = bullmq_options(options);
        let added = handle
            .add(queue, data)
            .options(options)
            .await
            .map_err(backend)?;
        let id = JobId::new(added.id());
        Ok(match own_id {
            Some(own) if own != added.id() => Enqueued::Duplicate(id),
            _ => Enqueued::Added(id),
        })
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
        let bullmq_name = bullmq_queue_name(queue).map_err(backend)?;
        let (alive, abandoned) = watch::channel(());
        let runner = Arc::new(Runner {
            queue: Arc::from(queue),
            lease: config.lease,
            abandoned,
            handler: Mutex::new(handler),
        });
        let processor =
            move |job: bullmq::Job, _cancel: CancellationToken| Arc::clone(&runner).run(job);
        let worker =
            bullmq::Worker::with_options(&bullmq_name, processor, self.worker_options(config))
                .await
                .map_err(backend)?;
        let running = Running {
            worker,
            _alive: alive,
        };

        // Until the shutdown: drain the worker's events (an unbounded
        // channel that would otherwise grow with every job) and log the
        // ones that matter.
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                event = running.worker.next_event() => match event {
                    Some(WorkerEvent::Error(message)) => {
                        tracing::warn!(queue, error.message = %message, "the job worker failed; it carries on");
                    }
                    Some(WorkerEvent::Stalled { job_id }) => {
                        tracing::warn!(queue, job = %job_id, "a job's worker stopped renewing its lease; it runs again");
                    }
                    Some(_) => {}
                    None => {
                        (&mut shutdown).await;
                        break;
                    }
                },
            }
        }
        // Stop fetching, let the running jobs finish, then stop.
        running
            .worker
            .close(millis(CLOSE_WAIT))
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn dead(&self, queue: &str, limit: u32) -> Result<Vec<DeadJob>, JobQueueError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let handle = self.queue(queue).await.map_err(backend)?;
        let failed = handle
            .get_jobs(&["failed"], 0, i64::from(limit) - 1, true)
            .await
            .map_err(backend)?;
        Ok(failed
            .iter()
            .map(|job| DeadJob {
                id: JobId::new(job.id()),
                payload: job.data().to_string(),
                attempts: job.attempts_started(),
                error: Some(job.failed_reason())
                    .filter(|reason| !reason.is_empty())
                    .map(str::to_owned),
            })
            .collect())
    }

    async fn retry_dead(&self, queue: &str, id: &JobId) -> Result<bool, JobQueueError> {
        let handle = self.queue(queue).await.map_err(backend)?;
        let Some(mut job) = handle.get_job(id.as_str()).await.map_err(backend)? else {
            return Ok(false);
        };
        let is_dead = |state: JobState| state == JobState::Failed;
        if !is_dead(job.get_state().await.map_err(backend)?) {
            return Ok(false);
        }
        let reset = RetryOptions {
            reset_attempts_made: true,
            reset_attempts_started: true,
        };
        match job.retry("failed", Some(reset)).await {
            Ok(()) => Ok(true),
            // Retried by someone else since we looked: not dead any more.
            Err(_) if !is_dead(job.get_state().await.map_err(backend)?) => Ok(false),
            Err(e) => Err(backend(e)),
        }
    }
}

/// BullMQ's lowest priority (2^21); ours are capped to it.
const LOWEST_PRIORITY: u32 = 2_097_152;

/// The TTL of a dedup id: a century, so the id lasts as long as its job (see
/// the module docs).
const DEDUP_TTL_MS: u64 = 100 * 365 * 24 * 60 * 60 * 1000;

/// How long a worker that shuts down waits for its running jobs: "until
/// they finish", within what tokio's timer takes.
const CLOSE_WAIT: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The kinds of the other stores' keys (`{prefix}:{kind}:…`, see the
/// [`redis` module docs](super)): a queue by one of these names would share
/// their keys.
const RESERVED_QUEUE_NAMES: [&str; 8] = [
    "seen", "rate", "session", "fence", "lock", "lockq", "lockw", "lockseq",
];

/// What a job that was taken back from a worker that died during its last
/// attempt fails with.
const DIED_ON_LAST_ATTEMPT: &str = "its worker died during its last attempt";

/// A running BullMQ worker, owned by [`RedisJobQueue::work`]'s future.
///
/// The fields drop in this order, which matters when the future is dropped
/// before its shutdown (its task aborted): the worker first (it stops
/// fetching), then `_alive`, whose end makes the running jobs abandon
/// themselves (see [`Runner::run`]).
struct Running {
    worker: bullmq::Worker,
    /// Its receivers see it dropped.
    _alive: watch::Sender<()>,
}

/// Runs BullMQ's jobs through our handler: one per [`RedisJobQueue::work`].
struct Runner<H> {
    queue: Arc<str>,
    lease: Duration,
    /// Ends (its sender is dropped) when the worker's `work` future is
    /// dropped.
    abandoned: watch::Receiver<()>,
    /// BullMQ shares its processor between tasks (`Sync`); services are
    /// only `Send`, so each job clones this one.
    handler: Mutex<H>,
}

impl<H> Runner<H>
where
    H: tower::Service<Job, Response = (), Error = JobError> + Clone + Send + 'static,
    H::Future: Send,
{
    /// Runs one job, renewing its lock meanwhile, and tells BullMQ what
    /// became of it.
    ///
    /// `Err(bullmq::Error::Delayed)` is BullMQ's "the processor moved the job
    /// itself": the worker then writes nothing. We answer it for a job we
    /// abandon (its lock lost, or the worker dropped), which stays active
    /// until its lock runs out and the stalled-job check hands it to another
    /// worker, as if this one had died.
    async fn run(self: Arc<Self>, job: bullmq::Job) -> Result<serde_json::Value, bullmq::Error> {
        let ours = Job {
            id: JobId::new(job.id()),
            queue: self.queue.to_string(),
            payload: job.data().to_string(),
            attempt: job.attempts_started().max(1),
            max_attempts: job.opts().attempts.unwrap_or(1).max(1),
        };
        if ours.attempt > ours.max_attempts {
            // Taken back from a worker that died (or was killed) during its
            // last attempt: dead, not run again.
            tracing::warn!(job = %ours.id, queue = %ours.queue, "{DIED_ON_LAST_ATTEMPT}; dead-lettered");
            count(&ours, "dead");
            return Err(bullmq::Error::Unrecoverable(
                DIED_ON_LAST_ATTEMPT.to_owned(),
            ));
        }
        let Some(token) = job.token().map(str::to_owned) else {
            tracing::error!(job = %ours.id, queue = %ours.queue, "bullmq gave a job without its lock token; abandoning it");
            return Err(bullmq::Error::Delayed);
        };

        let handler = self
            .handler
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let run = AssertUnwindSafe(handler.oneshot(ours.clone()))
            .catch_unwind()
            .map(|ran| {
                ran.unwrap_or_else(|_| {
                    Err(JobError::Retryable("the job's handler panicked".into()))
                })
            });
        let lease_ms = millis(self.lease);
        let renewals = async {
            loop {
                tokio::time::sleep((self.lease / 3).max(Duration::from_millis(1))).await;
                match job.extend_lock(&token, lease_ms).await {
                    Ok(()) => {}
                    Err(bullmq::Error::JobLocked(_)) => return,
                    Err(e) => {
                        tracing::warn!(error.message = %e, error.cause_chain = ?e, job = %ours.id, "cannot renew a job's lease; trying again");
                    }
                }
            }
        };
        let mut alive = self.abandoned.clone();
        let abandoned = async move { while alive.changed().await.is_ok() {} };
        tokio::pin!(run);
        tokio::pin!(renewals);
        tokio::pin!(abandoned);
        let outcome = tokio::select! {
            outcome = &mut run => outcome,
            () = &mut renewals => {
                tracing::warn!(job = %ours.id, queue = %ours.queue, "lost a running job's lease; abandoning it to its new holder");
                return Err(bullmq::Error::Delayed);
            }
            () = &mut abandoned => return Err(bullmq::Error::Delayed),
        };

        match outcome {
            Ok(()) => {
                count(&ours, "completed");
                Ok(serde_json::Value::Null)
            }
            Err(e) => {
                tracing::warn!(job = %ours.id, queue = %ours.queue, attempt = ours.attempt, error.message = %e, "job failed");
                if matches!(e, JobError::Retryable(_)) && ours.attempt < ours.max_attempts {
                    count(&ours, "waiting");
                    Err(bullmq::Error::ProcessingError(e.to_string()))
                } else {
                    // Also for a retryable failure of the last attempt:
                    // BullMQ counts failures, not starts, and would retry a
                    // job whose earlier worker died.
                    count(&ours, "dead");
                    Err(bullmq::Error::Unrecoverable(e.to_string()))
                }
            }
        }
    }
}

/// Counts a job's outcome, as the table queue does.
fn count(job: &Job, status: &'static str) {
    metrics::counter!("campanile_jobs_total", "queue" => job.queue.clone(), "status" => status)
        .increment(1);
}

/// BullMQ's options for ours, and the id we gave the job when it has a
/// dedup id (a duplicate comes back with another).
fn bullmq_options(options: &JobOptions) -> (bullmq::JobOptions, Option<String>) {
    let (backoff, most_attempts) = match options.backoff {
        Backoff::Fixed(delay) => (BackoffStrategy::Fixed(millis(delay)), u32::MAX),
        Backoff::Exponential(base) => {
            let base = millis(base);
            (
                BackoffStrategy::Exponential(base),
                exponential_attempts_limit(base),
            )
        }
    };
    let mut bull = bullmq::JobOptions::new()
        .attempts(options.max_attempts.clamp(1, most_attempts))
        .backoff(backoff);
    if !options.delay.is_zero() {
        bull.delay = Some(millis(options.delay));
    }
    if options.priority > 0 {
        bull.priority = Some(options.priority.min(LOWEST_PRIORITY));
    }
    let own_id = options.dedup_id.as_ref().map(|dedup_id| {
        let id = format!("d{}", random_id());
        bull.job_id = Some(id.clone());
        bull.deduplication = Some(DeduplicationOptions {
            id: dedup_id.clone(),
            ttl: Some(DEDUP_TTL_MS),
            ..DeduplicationOptions::default()
        });
        id
    });
    (bull, own_id)
}

/// The most attempts whose exponential backoff BullMQ can compute: it waits
/// `base × 2^(n − 2)` ms before attempt `n`, in a `u64` that overflows
/// (a panic in its worker) past this. Such a wait is millions of years, so
/// the cap changes nothing a job could live to see.
fn exponential_attempts_limit(base_ms: u64) -> u32 {
    2 + (u64::MAX / base_ms.max(1)).ilog2()
}

/// BullMQ's name for queue `name`: BullMQ refuses a `:` in a queue name,
/// so `%` and `:` are escaped as `%25` and `%3A` (names without them stay as
/// they are).
fn bullmq_queue_name(name: &str) -> Result<String, RedisJobQueueError> {
    if name.is_empty() || RESERVED_QUEUE_NAMES.contains(&name) {
        return Err(RedisJobQueueError::QueueName(name.to_owned()));
    }
    Ok(name.replace('%', "%25").replace(':', "%3A"))
}

fn backend(e: impl Into<RedisJobQueueError>) -> JobQueueError {
    JobQueueError(Box::new(e.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_map_onto_bullmq() {
        let options = JobOptions::default()
            .delayed(Duration::from_millis(1500))
            .with_priority(3)
            .with_attempts(4, Backoff::Fixed(Duration::from_millis(250)));
        let (bull, own_id) = bullmq_options(&options);
        assert_eq!(bull.delay, Some(1500));
        assert_eq!(bull.priority, Some(3));
        assert_eq!(bull.attempts, Some(4));
        assert!(matches!(bull.backoff, Some(BackoffStrategy::Fixed(250))));
        assert!(own_id.is_none() && bull.job_id.is_none() && bull.deduplication.is_none());

        let (bull, _) = bullmq_options(&JobOptions::default());
        assert_eq!((bull.delay, bull.priority), (None, None), "0 is none");
        assert!(matches!(
            bull.backoff,
            Some(BackoffStrategy::Exponential(1000))
        ));
    }

    #[test]
    fn a_dedup_id_holds_while_the_job_is_kept_and_the_job_gets_our_id() {
        let (bull, own_id) = bullmq_options(&JobOptions::default().with_dedup_id("order:42"));
        let dedup = bull.deduplication.unwrap();
        assert_eq!(dedup.id, "order:42");
        assert_eq!(dedup.ttl, Some(DEDUP_TTL_MS), "not BullMQ's until-finished");
        assert_eq!(bull.job_id, own_id);
        let id = own_id.unwrap();
        assert!(id.starts_with('d') && !id.contains(':'), "{id}");
    }

    #[test]
    fn priorities_and_attempts_stay_within_what_bullmq_computes() {
        let (bull, _) = bullmq_options(&JobOptions::default().with_priority(u32::MAX));
        assert_eq!(bull.priority, Some(LOWEST_PRIORITY));
        let (bull, _) = bullmq_options(
            &JobOptions::default().with_attempts(u32::MAX, Backoff::Exponential(Duration::ZERO)),
        );
        assert_eq!(bull.attempts, Some(65), "2^63 ms still fits");
        let limit = exponential_attempts_limit(3_600_000);
        let last_wait = 3_600_000_u64.checked_mul(2_u64.pow(limit - 2));
        assert!(last_wait.is_some(), "the longest wait fits in a u64");
        assert!(
            3_600_000_u64.checked_mul(2_u64.pow(limit - 1)).is_none(),
            "and one more would not"
        );
    }

    #[test]
    fn queue_names_are_escaped_for_bullmq_and_those_that_would_share_keys_are_refused() {
        for name in ["", "seen", "lockseq"] {
            assert!(bullmq_queue_name(name).is_err(), "{name:?}");
        }
        let names = ["process-order", "contract:jobs:1", "a%3Ab", "a:b"]
            .map(|name| bullmq_queue_name(name).unwrap());
        assert_eq!(
            names,
            ["process-order", "contract%3Ajobs%3A1", "a%253Ab", "a%3Ab"]
        );
    }
}
