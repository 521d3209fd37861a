//! The worker runtime: each job's handler as a tower service (error mapping
//! → 60 s timeout → the handler, run in a `job` span with its queue, id and
//! attempt), on the database queue, or with Redis on BullMQ with the
//! database queue relaying to it. Retries and their backoff are the
//! queue's.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use framework::BoxError;
use framework::jobs::{Enqueued, Job, JobError, JobQueue, WorkerConfig};
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tracing::Instrument as _;

use super::{JobDeps, ShopJob};

/// The longest a job may run before it counts as failed (and is retried).
const JOB_TIMEOUT: Duration = Duration::from_secs(60);

/// A worker running until the shutdown.
pub type Running = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Starts the workers of the jobs [`run`](Self::run) is given, all
/// stopped by one shutdown.
#[derive(Debug)]
pub struct Workers {
    deps: JobDeps,
    stop: CancellationToken,
}

impl Workers {
    /// Workers over `deps`, stopping when `shutdown` resolves.
    pub fn new(deps: JobDeps, shutdown: impl Future<Output = ()> + Send + 'static) -> Self {
        let stop = CancellationToken::new();
        let trigger = stop.clone();
        tokio::spawn(async move {
            shutdown.await;
            trigger.cancel();
        });
        Self { deps, stop }
    }

    /// Runs the worker of `J`'s queue until the shutdown: on the database
    /// queue, or, with Redis, on BullMQ with the database queue relaying
    /// to it.
    #[must_use]
    pub fn run<J: ShopJob>(&self) -> Running {
        let deps = self.deps.clone();
        let stop = self.stop.clone();
        Box::pin(async move {
            match deps.runner.clone() {
                None => work_on::<J, _>(deps.queue.clone(), deps, stop).await,
                Some(redis) => {
                    let relayed = relay_to::<J>(
                        deps.queue.clone(),
                        redis.clone(),
                        Arc::clone(&deps.deployment),
                        stop.clone(),
                    );
                    tokio::join!(relayed, work_on::<J, _>(redis, deps, stop));
                }
            }
        })
    }
}

/// A job handler's error as the queue sees it: a handler's own
/// [`JobError`] as is; anything else (the timeout) is retryable.
fn job_error(e: BoxError) -> JobError {
    match e.downcast::<JobError>() {
        Ok(e) => *e,
        Err(e) => JobError::Retryable(e),
    }
}

/// An error that knows whether retrying can mend it: the features' errors
/// (storage failed, or the domain refused) and the documents'.
pub(crate) trait Failure: Into<BoxError> {
    /// Whether a retry may succeed.
    fn is_retryable(&self) -> bool;
}

impl Failure for features::invoices::InvoiceError {
    fn is_retryable(&self) -> bool {
        Self::is_retryable(self)
    }
}

impl Failure for features::reminders::ReminderError {
    fn is_retryable(&self) -> bool {
        Self::is_retryable(self)
    }
}

impl Failure for features::campaigns::CampaignError {
    fn is_retryable(&self) -> bool {
        Self::is_retryable(self)
    }
}

impl Failure for features::rules::RuleError {
    fn is_retryable(&self) -> bool {
        Self::is_retryable(self)
    }
}

impl Failure for features::customers::CustomerError {
    fn is_retryable(&self) -> bool {
        Self::is_retryable(self)
    }
}

impl Failure for features::handoff::HandoffError {
    fn is_retryable(&self) -> bool {
        Self::is_retryable(self)
    }
}

impl Failure for features::orders::OrderError {
    fn is_retryable(&self) -> bool {
        // Storage failed (or a race): another run may pass.
        matches!(self, Self::Unexpected(_) | Self::Conflict)
    }
}

impl Failure for crate::documents::DocumentError {
    fn is_retryable(&self) -> bool {
        match self {
            Self::Invoice(e) => e.is_retryable(),
            // Rendering the same invoice again fails the same way.
            Self::Pdf(_) => false,
            Self::Write { .. } => true,
        }
    }
}

/// The job's failure as the error says: retried when a retry may mend it,
/// a dead letter at once otherwise.
pub(crate) fn by_kind(e: impl Failure) -> JobError {
    if e.is_retryable() {
        retryable(e)
    } else {
        permanent(e)
    }
}

/// A failure that may pass: the queue retries the job.
pub(crate) fn retryable(e: impl Into<BoxError>) -> JobError {
    JobError::Retryable(e.into())
}

/// A failure that retrying cannot mend: the job is a dead letter at once.
pub(crate) fn permanent(e: impl Into<BoxError>) -> JobError {
    JobError::Permanent(e.into())
}

/// Runs `J`'s handler on `jobs`' queue until `stop`.
async fn work_on<J: ShopJob, Q: JobQueue>(jobs: Q, deps: JobDeps, stop: CancellationToken) {
    tracing::info!(queue = J::QUEUE, "job worker started");
    let handler = move |job: Job| {
        // Every log line of a job's run carries its queue, id and attempt.
        let span =
            tracing::info_span!("job", queue = %job.queue, id = %job.id, attempt = job.attempt);
        let deps = deps.clone();
        async move {
            let payload: J = job.payload()?;
            payload.run(deps, job).await
        }
        .instrument(span)
    };
    serve::<J, _, _, _>(jobs, handler, stop, "job worker").await;
}

/// Runs `handler` behind the job layers (error mapping, timeout) on `jobs`'
/// queue of `J` until `stop`; `what` names it in the log.
async fn serve<J, Q, F, Fut>(jobs: Q, handler: F, stop: CancellationToken, what: &'static str)
where
    J: ShopJob,
    Q: JobQueue,
    F: Fn(Job) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    let handler = ServiceBuilder::new()
        .map_err(job_error)
        .timeout(JOB_TIMEOUT)
        .service_fn(handler);
    if let Err(e) = jobs
        .work(
            J::QUEUE,
            handler,
            WorkerConfig::default(),
            stop.cancelled_owned(),
        )
        .await
    {
        tracing::error!(queue = J::QUEUE, error.message = %e, "{what} stopped on an error");
    }
}

/// Relays `J`'s jobs from the database queue to BullMQ until `stop`: a
/// database job is done once BullMQ holds it (its dedup id is the database
/// job's, so a relay repeated after a crash adds nothing while the first
/// copy is kept).
async fn relay_to<J: ShopJob>(
    relays: infra_sql::jobs::DbJobQueue,
    redis: infra_redis::jobs::RedisJobQueue,
    deployment: Arc<str>,
    stop: CancellationToken,
) {
    let handler = move |job: Job| relay::<J>(redis.clone(), Arc::clone(&deployment), job);
    serve::<J, _, _, _>(relays, handler, stop, "job relay").await;
}

/// Moves one database job to BullMQ.
async fn relay<J: ShopJob>(
    redis: infra_redis::jobs::RedisJobQueue,
    deployment: Arc<str>,
    job: Job,
) -> Result<(), JobError> {
    let options = J::retries().with_dedup_id(format!("db:{deployment}:{}", job.id));
    let added = redis
        .enqueue(&job.queue, &job.payload, &options)
        .await
        .map_err(retryable)?;
    if let Enqueued::Duplicate(held) = &added {
        // A relay repeated after a crash: BullMQ holds (or held) it.
        tracing::warn!(queue = %job.queue, db_job = %job.id, bullmq_job = %held, "job relayed before; not added again");
    }
    tracing::debug!(queue = %job.queue, db_job = %job.id, bullmq_job = %added.id(), "job relayed to BullMQ");
    Ok(())
}

#[cfg(test)]
mod tests {
    use features::invoices::InvoiceError;
    use features::shared::{OrderId, RepositoryError};

    use super::*;
    use crate::documents::DocumentError;

    #[test]
    fn a_job_retries_what_a_retry_may_mend_and_fails_the_rest_at_once() {
        let storage = || InvoiceError::Storage(RepositoryError::Corrupt("x".to_owned()));
        assert!(matches!(by_kind(storage()), JobError::Retryable(_)));
        assert!(matches!(
            by_kind(InvoiceError::NoSuchOrder(OrderId::new(7))),
            JobError::Permanent(_)
        ));
        assert!(matches!(
            by_kind(DocumentError::Invoice(storage())),
            JobError::Retryable(_)
        ));
        assert!(matches!(
            by_kind(DocumentError::Write {
                path: "invoices/INV-00001.pdf".into(),
                source: std::io::Error::other("disk full"),
            }),
            JobError::Retryable(_)
        ));
    }
}
