//! `zoho-sync`: the catalog synced from Zoho CRM every `ZOHO_SYNC_EVERY`,
//! by one instance per tick.
//!
//! Ticks are aligned on the epoch (every 15 minutes: :00, :15, …), and a
//! tick's job has the dedup id `zoho-sync:{tick_ms}`, so every instance
//! asking for the same tick makes one job. Each run asks for the next tick
//! (a delayed job) before it syncs; the workers ask for the current tick
//! when they start, so a chain broken by a dead letter is mended by the
//! next start, and a fresh deployment syncs at once. A tick whose sync
//! fails (Zoho down) changes nothing: the last synced catalog keeps
//! serving, and the next tick tries again.

use std::time::Duration;

use framework::BoxError;
use framework::jobs::{Job, JobError};

use super::worker::retryable;
use super::{JobDeps, Queue, ShopJob};

/// The payload of a `zoho-sync` job: the tick it syncs for.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncCatalog {
    /// The tick's start (ms since the epoch, a multiple of the period).
    pub tick_ms: i64,
}

/// The start of the tick `now_ms` falls in.
#[must_use]
pub fn tick_of(now_ms: i64, every: Duration) -> i64 {
    let every = i64::try_from(every.as_millis()).unwrap_or(i64::MAX).max(1);
    now_ms - now_ms.rem_euclid(every)
}

/// Enqueues the sync of the tick starting at `tick_ms`, due then (at once
/// if past), once per tick whoever asks.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(queue: &Queue, tick_ms: i64, now_ms: i64) -> Result<(), BoxError> {
    super::enqueue(
        queue,
        &SyncCatalog { tick_ms },
        format!("zoho-sync:{tick_ms}"),
        super::delay_until(tick_ms, now_ms),
    )
    .await
}

/// Asks for the current tick's sync when Zoho is configured (the workers
/// do as they start).
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn ensure_scheduled(deps: &JobDeps) -> Result<(), BoxError> {
    let Some(zoho) = &deps.zoho else {
        return Ok(());
    };
    let now = deps.clock.now_ms();
    enqueue(&deps.queue, tick_of(now, zoho.sync_every), now).await
}

impl ShopJob for SyncCatalog {
    const QUEUE: &'static str = "zoho-sync";

    /// Asks for the next tick, then syncs; a failed sync is logged and
    /// left to the next tick.
    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        let Some(zoho) = deps.zoho.clone() else {
            tracing::info!("Zoho CRM is not configured; no catalog sync");
            return Ok(());
        };
        let now = deps.clock.now_ms();
        let next = tick_of(now, zoho.sync_every)
            + i64::try_from(zoho.sync_every.as_millis()).unwrap_or(i64::MAX);
        enqueue(&deps.queue, next.max(self.tick_ms + 1), now)
            .await
            .map_err(retryable)?;
        match crate::zoho::sync_catalog(&zoho, &deps.catalog, &deps.db, |_| {}).await {
            Ok(report) => {
                let c = report.outcome.counts;
                tracing::info!(
                    fetched = report.fetched,
                    added = c.added,
                    updated = c.updated,
                    deactivated = c.deactivated,
                    unchanged = c.unchanged,
                    skipped = report.outcome.skipped.len() + report.unusable.len(),
                    "catalog synced from Zoho CRM"
                );
                Ok(())
            }
            Err(e) => {
                metrics::counter!("campanile_zoho_catalog_sync_failures_total").increment(1);
                tracing::warn!(
                    error.message = %e,
                    error.cause_chain = ?e,
                    retryable = e.is_retryable(),
                    "catalog sync from Zoho CRM failed; the last synced catalog keeps serving, the next tick tries again"
                );
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_aligned_on_the_epoch() {
        let quarter = Duration::from_secs(900);
        assert_eq!(tick_of(0, quarter), 0);
        assert_eq!(tick_of(899_999, quarter), 0);
        assert_eq!(tick_of(900_000, quarter), 900_000);
        assert_eq!(tick_of(1_000_000, quarter), 900_000);
    }
}
