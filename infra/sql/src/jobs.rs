//! [`DbJobQueue`]: the job queue of the embedded default, a table in the
//! database (SQLite or PostgreSQL); see docs/adr/0010-job-queue.md for why
//! a small table queue rather than apalis-sqlite.
//!
//! - A job is a row (`jobs`): queue, JSON payload, priority, due time,
//!   status (`waiting`, `active`, `completed`, `dead`), attempts, backoff,
//!   an optional dedup id (unique per queue while the row is kept;
//!   completed jobs are kept), the lease of the worker running it.
//! - A worker claims the next due job with one `UPDATE … WHERE id =
//!   COALESCE((SELECT … lapsed lease …), (SELECT … waiting and due …))`,
//!   each select `ORDER BY priority, due time, id LIMIT 1` on the index, so
//!   a claim costs the same whatever the backlog; on PostgreSQL the inner
//!   selects lock with `FOR UPDATE SKIP LOCKED`, so workers of several
//!   instances take different jobs, and the outer `WHERE` checks the state
//!   again. An `active` job whose lease ran out (its worker died) is due
//!   again. Every claim counts an attempt; the attempt number fences the
//!   worker's later writes (renewal, completion, failure), so a worker that
//!   lost its job cannot finish it over the new holder.
//! - A job enqueued in a [`UnitOfWork`](super::UnitOfWork) is visible (and
//!   wakes the workers of this process) when the unit commits: a job and
//!   the domain change it follows commit together.

use std::sync::Arc;
use std::time::Duration;

use framework::jobs::{
    Backoff, DeadJob, Enqueued, Job, JobError, JobId, JobOptions, JobQueue, JobQueueError,
    WorkerConfig,
};
use sea_orm::DbBackend;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LockBehavior, LockType, OnConflict, Order, Query};
use tokio::sync::{Notify, Semaphore};
use tower::ServiceExt;

use super::schema::Jobs;
use super::{Database, DbError};

fn backend_error(e: impl Into<DbError>) -> JobQueueError {
    JobQueueError(Box::new(e.into()))
}

fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The job queue in the database; cheap to clone (clones share the wake-up
/// of this process's workers).
#[derive(Debug, Clone)]
pub struct DbJobQueue {
    db: Database,
    wake: Arc<Notify>,
}

/// A job a worker holds; its claim number fences its writes.
struct Claimed {
    job: Job,
    claims: i64,
    backoff: Backoff,
}

/// What a claim found.
enum Claim {
    /// A job to run.
    Run(Claimed),
    /// A job past its attempts (its worker died on the last one), now dead.
    Spent,
}

impl DbJobQueue {
    /// The queue in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self {
            db,
            wake: Arc::new(Notify::new()),
        }
    }

    /// Claims `queue`'s next due job for `lease`.
    async fn claim(&self, queue: &str, lease: Duration) -> Result<Option<Claim>, DbError> {
        let now = self.db.now_ms();
        let waiting = Expr::col(Jobs::Status)
            .eq("waiting")
            .and(Expr::col(Jobs::RunAtMs).lte(now));
        let lapsed = Expr::col(Jobs::Status)
            .eq("active")
            .and(Expr::col(Jobs::LockedUntilMs).lte(now));
        // Two ordered probes of the index `jobs_queue_order` (queue,
        // status, priority, due time, id; migration m0007), each reading
        // its first rows, instead of one select of "waiting or lapsed" that
        // no index returns in order (it sorted the whole backlog for every
        // claim: 21 ms with 50,000 jobs waiting). A job whose worker died
        // comes first, whatever its priority: it was started once already
        // (before, all due jobs were ordered by priority together).
        let first = |due: Expr| {
            let mut next = Query::select()
                .column(Jobs::Id)
                .from(Jobs::Table)
                .and_where(Expr::col(Jobs::Queue).eq(queue))
                .and_where(due)
                .order_by(Jobs::Priority, Order::Asc)
                .order_by(Jobs::RunAtMs, Order::Asc)
                .order_by(Jobs::Id, Order::Asc)
                .limit(1)
                .to_owned();
            if self.db.backend() == DbBackend::Postgres {
                next.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
            }
            Expr::SubQuery(None, Box::new(next.into()))
        };
        let next = Func::coalesce([first(lapsed.clone()), first(waiting.clone())]);
        let due = waiting.or(lapsed);
        let update = Query::update()
            .table(Jobs::Table)
            .value(Jobs::Status, "active")
            .value(Jobs::Attempts, Expr::col(Jobs::Attempts).add(1))
            .value(Jobs::Claims, Expr::col(Jobs::Claims).add(1))
            .value(Jobs::LockedUntilMs, now.saturating_add(millis(lease)))
            .value(Jobs::UpdatedAtMs, now)
            // `=` a scalar subquery, evaluated once: `IN (…)` may be
            // evaluated again per row on PostgreSQL and claim two jobs.
            .and_where(Expr::col(Jobs::Id).eq(next))
            .and_where(due)
            .returning(Query::returning().columns([
                Jobs::Id,
                Jobs::Payload,
                Jobs::Attempts,
                Jobs::Claims,
                Jobs::MaxAttempts,
                Jobs::BackoffKind,
                Jobs::BackoffMs,
            ]))
            .to_owned();
        let Some(row) = self.db.one(&update).await? else {
            return Ok(None);
        };
        let id: i64 = row.try_get("", "id")?;
        let attempts: i64 = row.try_get("", "attempts")?;
        let claims: i64 = row.try_get("", "claims")?;
        let max_attempts: i64 = row.try_get("", "max_attempts")?;
        let kind: String = row.try_get("", "backoff_kind")?;
        let backoff_ms: i64 = row.try_get("", "backoff_ms")?;
        let delay = Duration::from_millis(u64::try_from(backoff_ms).unwrap_or(0));
        let claimed = Claimed {
            claims,
            job: Job {
                id: JobId::new(id.to_string()),
                queue: queue.to_owned(),
                payload: row.try_get("", "payload")?,
                attempt: u32::try_from(attempts).unwrap_or(u32::MAX),
                max_attempts: u32::try_from(max_attempts).unwrap_or(1),
            },
            backoff: if kind == "fixed" {
                Backoff::Fixed(delay)
            } else {
                Backoff::Exponential(delay)
            },
        };
        if attempts > max_attempts {
            // Taken back from a worker that died (or whose job panicked
            // the process) during its last attempt: dead, not run again.
            self.finish(
                &claimed,
                Err(JobError::Permanent(
                    "its worker died during its last attempt".into(),
                )),
            )
            .await?;
            return Ok(Some(Claim::Spent));
        }
        Ok(Some(Claim::Run(claimed)))
    }

    /// The held job's row, if the claim is still this worker's.
    fn held(claimed: &Claimed) -> sea_orm::sea_query::UpdateStatement {
        Query::update()
            .table(Jobs::Table)
            .and_where(Expr::col(Jobs::Id).eq(claimed.job.id.as_str().parse::<i64>().unwrap_or(-1)))
            .and_where(Expr::col(Jobs::Status).eq("active"))
            .and_where(Expr::col(Jobs::Claims).eq(claimed.claims))
            .to_owned()
    }

    async fn renew(&self, claimed: &Claimed, lease: Duration) -> Result<bool, DbError> {
        let update = Self::held(claimed)
            .value(
                Jobs::LockedUntilMs,
                self.db.now_ms().saturating_add(millis(lease)),
            )
            .to_owned();
        Ok(self.db.exec(&update).await? == 1)
    }

    /// Records a run's outcome; returns the job's new status.
    async fn finish(
        &self,
        claimed: &Claimed,
        outcome: Result<(), JobError>,
    ) -> Result<&'static str, DbError> {
        let job = &claimed.job;
        let now = self.db.now_ms();
        let mut update = Self::held(claimed)
            .value(Jobs::LockedUntilMs, Option::<i64>::None)
            .value(Jobs::UpdatedAtMs, now)
            .to_owned();
        let status = match &outcome {
            Ok(()) => "completed",
            Err(JobError::Retryable(_)) if job.attempt < job.max_attempts => "waiting",
            Err(_) => "dead",
        };
        update.value(Jobs::Status, status);
        if let Err(e) = &outcome {
            update.value(Jobs::LastError, e.to_string());
        }
        if status == "waiting" {
            let wait = claimed.backoff.delay_before(job.attempt.saturating_add(1));
            update.value(Jobs::RunAtMs, now.saturating_add(millis(wait)));
        }
        if self.db.exec(&update).await? != 1 {
            tracing::warn!(job = %job.id, queue = %job.queue, "a job's outcome came after its lease ran out; another worker has it");
        }
        Ok(status)
    }

    /// Runs one claimed job through `handler`, renewing its lease meanwhile.
    /// A handler that panics counts as a retryable failure; a job whose
    /// lease is lost (another worker may have it) is abandoned at once.
    async fn run<H>(&self, claimed: Claimed, handler: H, lease: Duration)
    where
        H: tower::Service<Job, Response = (), Error = JobError> + Send,
        H::Future: Send,
    {
        use futures_util::FutureExt as _;
        let job = claimed.job.clone();
        let run = std::panic::AssertUnwindSafe(handler.oneshot(job.clone()))
            .catch_unwind()
            .map(|ran| {
                ran.unwrap_or_else(|_| {
                    Err(JobError::Retryable("the job's handler panicked".into()))
                })
            });
        let renewals = async {
            loop {
                tokio::time::sleep(lease / 3).await;
                match self.renew(&claimed, lease).await {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        tracing::warn!(error.message = %e, job = %job.id, "cannot renew a job's lease; trying again")
                    }
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
        match self.finish(&claimed, outcome).await {
            Ok(status) => {
                metrics::counter!("campanile_jobs_total", "queue" => job.queue.clone(), "status" => status)
                    .increment(1);
            }
            Err(e) => {
                tracing::warn!(error.message = %e, job = %job.id, "cannot record a job's outcome; it runs again after its lease");
            }
        }
    }
}

impl JobQueue for DbJobQueue {
    async fn enqueue(
        &self,
        queue: &str,
        payload: &str,
        options: &JobOptions,
    ) -> Result<Enqueued, JobQueueError> {
        let now = self.db.now_ms();
        let (kind, backoff) = match options.backoff {
            Backoff::Fixed(d) => ("fixed", d),
            Backoff::Exponential(d) => ("exponential", d),
        };
        let insert = Query::insert()
            .into_table(Jobs::Table)
            .columns([
                Jobs::Queue,
                Jobs::Payload,
                Jobs::Priority,
                Jobs::RunAtMs,
                Jobs::Status,
                Jobs::Attempts,
                Jobs::Claims,
                Jobs::MaxAttempts,
                Jobs::BackoffKind,
                Jobs::BackoffMs,
                Jobs::DedupId,
                Jobs::CreatedAtMs,
                Jobs::UpdatedAtMs,
            ])
            .values([
                queue.into(),
                payload.into(),
                i64::from(options.priority).into(),
                now.saturating_add(millis(options.delay)).into(),
                "waiting".into(),
                0_i64.into(),
                0_i64.into(),
                i64::from(Ord::max(options.max_attempts, 1)).into(),
                kind.into(),
                millis(backoff).into(),
                options.dedup_id.clone().into(),
                now.into(),
                now.into(),
            ])
            .map_err(backend_error)?
            .on_conflict(
                OnConflict::columns([Jobs::Queue, Jobs::DedupId])
                    .do_nothing()
                    .to_owned(),
            )
            .returning_col(Jobs::Id)
            .to_owned();
        let enqueued = match self.db.one(&insert).await.map_err(backend_error)? {
            Some(row) => {
                let id: i64 = row.try_get("", "id").map_err(backend_error)?;
                Enqueued::Added(JobId::new(id.to_string()))
            }
            None => {
                let select = Query::select()
                    .column(Jobs::Id)
                    .from(Jobs::Table)
                    .and_where(Expr::col(Jobs::Queue).eq(queue))
                    .and_where(Expr::col(Jobs::DedupId).eq(options.dedup_id.clone()))
                    .to_owned();
                let row = self
                    .db
                    .one(&select)
                    .await
                    .map_err(backend_error)?
                    .ok_or_else(|| {
                        backend_error(super::corrupt(
                            "jobs",
                            "a dedup id conflicted but no job holds it",
                        ))
                    })?;
                let id: i64 = row.try_get("", "id").map_err(backend_error)?;
                return Ok(Enqueued::Duplicate(JobId::new(id.to_string())));
            }
        };
        let wake = Arc::clone(&self.wake);
        self.db.after_commit(move || wake.notify_waiters());
        Ok(enqueued)
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
        // Jobs run on a set owned by this future: a worker that is dropped
        // (its task aborted) stops its jobs, as a dead process would; they
        // run again elsewhere after their lease.
        let mut running = tokio::task::JoinSet::new();
        tokio::pin!(shutdown);
        loop {
            while let Some(done) = running.try_join_next() {
                if let Err(e) = done {
                    tracing::error!(error.message = %e, queue, "a job task failed");
                }
            }
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
            let woken = self.wake.notified();
            tokio::pin!(woken);
            woken.as_mut().enable();
            match self.claim(queue, config.lease).await {
                Ok(Some(Claim::Spent)) => continue,
                Ok(Some(Claim::Run(claimed))) => {
                    let (me, handler) = (self.clone(), handler.clone());
                    running.spawn(async move {
                        me.run(claimed, handler, config.lease).await;
                        drop(permit);
                    });
                    continue;
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error.message = %e, queue, "cannot claim a job; trying again")
                }
            }
            drop(permit);
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                () = &mut woken => {}
                () = tokio::time::sleep(config.poll) => {}
            }
        }
        while running.join_next().await.is_some() {}
        Ok(())
    }

    async fn dead(&self, queue: &str, limit: u32) -> Result<Vec<DeadJob>, JobQueueError> {
        let select = Query::select()
            .columns([Jobs::Id, Jobs::Payload, Jobs::Attempts, Jobs::LastError])
            .from(Jobs::Table)
            .and_where(Expr::col(Jobs::Queue).eq(queue))
            .and_where(Expr::col(Jobs::Status).eq("dead"))
            .order_by(Jobs::UpdatedAtMs, Order::Asc)
            .order_by(Jobs::Id, Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        let rows = self.db.all(&select).await.map_err(backend_error)?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.try_get("", "id")?;
                let attempts: i64 = row.try_get("", "attempts")?;
                Ok(DeadJob {
                    id: JobId::new(id.to_string()),
                    payload: row.try_get("", "payload")?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    error: row.try_get("", "last_error")?,
                })
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(backend_error)
    }

    async fn retry_dead(&self, queue: &str, id: &JobId) -> Result<bool, JobQueueError> {
        let Ok(id) = id.as_str().parse::<i64>() else {
            return Ok(false);
        };
        let now = self.db.now_ms();
        let update = Query::update()
            .table(Jobs::Table)
            .value(Jobs::Status, "waiting")
            .value(Jobs::Attempts, 0_i64)
            .value(Jobs::RunAtMs, now)
            .value(Jobs::UpdatedAtMs, now)
            .and_where(Expr::col(Jobs::Queue).eq(queue))
            .and_where(Expr::col(Jobs::Id).eq(id))
            .and_where(Expr::col(Jobs::Status).eq("dead"))
            .to_owned();
        let retried = self.db.exec(&update).await.map_err(backend_error)? == 1;
        if retried {
            let wake = Arc::clone(&self.wake);
            self.db.after_commit(move || wake.notify_waiters());
        }
        Ok(retried)
    }
}
