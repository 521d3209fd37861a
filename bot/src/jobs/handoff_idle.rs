//! `handoff-idle`: once a minute, across the whole cluster, the handoffs
//! nobody wrote in for `CAMPANILE_HANDOFF_IDLE` go back to the bot, and
//! each of their customers is told, in their language.
//!
//! Like `rules-tick`, a minute's job has the dedup id
//! `handoff-idle:{minute_ms}`; each run asks for the next minute in the
//! same transaction as its releases and notices, and the workers ask for
//! the current minute as they start.

use std::time::Duration;

use features::handoff::{ReleaseIdle, ReleaseReason};
use framework::BoxError;
use framework::jobs::{Backoff, Job, JobError, JobOptions};
use infra_sql::UnitOfWork;

use super::rules_tick::minute_of;
use super::worker::{by_kind, retryable};
use super::{JobDeps, Queue, ShopJob};

const MINUTE_MS: i64 = 60_000;

/// The payload: the minute it checks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HandoffIdle {
    /// The start of the minute (ms since the epoch).
    pub minute_ms: i64,
}

/// Enqueues the check of `minute_ms`, once however many instances ask.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(queue: &Queue, minute_ms: i64, now_ms: i64) -> Result<(), BoxError> {
    super::enqueue(
        queue,
        &HandoffIdle { minute_ms },
        format!("handoff-idle:{minute_ms}"),
        super::delay_until(minute_ms, now_ms),
    )
    .await
}

/// Asks for this minute's check (a worker starting mends a broken chain).
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn ensure_scheduled(deps: &JobDeps) -> Result<(), BoxError> {
    let now = deps.clock.now_ms();
    enqueue(&deps.queue, minute_of(now), now).await
}

impl ShopJob for HandoffIdle {
    const QUEUE: &'static str = "handoff-idle";

    /// A failed minute is tried again every 10 seconds, for good: the
    /// chain must not die.
    fn retries() -> JobOptions {
        JobOptions::default().with_attempts(1_000_000, Backoff::Fixed(Duration::from_secs(10)))
    }

    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        let now = deps.clock.now_ms();
        // After an outage, one check covers the time missed.
        let next = (self.minute_ms + MINUTE_MS).max(minute_of(now));
        let uow = UnitOfWork::new(&deps.db);
        uow.run(async {
            enqueue(&deps.queue, next, now).await.map_err(retryable)?;
            let released = deps
                .handoffs
                .release_idle(ReleaseIdle {
                    idle_for: deps.handoff_idle,
                })
                .await
                .map_err(by_kind)?;
            for handoff in released {
                tracing::info!(
                    handoff = handoff.id.get(),
                    "handoff idle: back with the bot"
                );
                let locale = super::channel::customer_locale(&deps, &handoff.customer).await;
                crate::handoff::tell_released(
                    &deps.sender,
                    &deps.texts,
                    &locale,
                    &handoff.customer,
                    ReleaseReason::Idle,
                    format!("handoff:{}:released", handoff.id.get()),
                )
                .await
                .map_err(retryable)?;
            }
            Ok::<_, JobError>(())
        })
        .await?;
        uow.commit().await.map_err(retryable)
    }
}
