//! `rules-tick`: once a minute, across the whole cluster, the timed rules
//! that fire in that minute (a schedule, a birthday greeting) are handed to
//! their fan-out.
//!
//! A minute's job has the dedup id `rules-tick:{minute_ms}`, so every
//! instance asking for the same minute makes one job. Each run asks for
//! the next minute and for the first page of each due rule's fan-out
//! (dedup `rule-fan-out:{rule}:{occurrence}:start`) in one transaction: a
//! run killed before its commit runs again, and asks for nothing twice.
//! The workers ask for the current minute as they start, so a fresh
//! deployment starts ticking at once and a broken chain is mended by the
//! next start. After an outage, ticks catch up minute by minute for up to
//! [`CATCH_UP`]; older minutes are skipped (and logged).

use std::time::Duration;

use features::rules::DueRules;
use framework::BoxError;
use framework::jobs::{Backoff, Job, JobError, JobOptions};
use infra_sql::UnitOfWork;

use super::rule_fan_out::RuleFanOut;
use super::worker::{by_kind, retryable};
use super::{JobDeps, Queue, ShopJob};

/// A minute, in milliseconds.
const MINUTE_MS: i64 = 60_000;

/// How far behind the clock ticks catch up after an outage.
pub const CATCH_UP: Duration = Duration::from_secs(60 * 60);

/// The payload of a `rules-tick` job: the minute it looks at.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RulesTick {
    /// The minute's start (ms since the epoch, a multiple of 60,000).
    pub minute_ms: i64,
}

/// The start of the minute `at_ms` falls in.
#[must_use]
pub fn minute_of(at_ms: i64) -> i64 {
    features::rules::domain::minute_start_ms(at_ms)
}

/// Enqueues the tick of the minute starting at `minute_ms`, due then (at
/// once if past), once per minute whoever asks.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(queue: &Queue, minute_ms: i64, now_ms: i64) -> Result<(), BoxError> {
    super::enqueue(
        queue,
        &RulesTick { minute_ms },
        format!("rules-tick:{minute_ms}"),
        super::delay_until(minute_ms, now_ms),
    )
    .await
}

/// Asks for the current minute's tick (the workers do as they start).
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn ensure_scheduled(deps: &JobDeps) -> Result<(), BoxError> {
    let now = deps.clock.now_ms();
    enqueue(&deps.queue, minute_of(now), now).await
}

/// The minute after `minute_ms`, or the current one when `minute_ms` is
/// more than [`CATCH_UP`] behind `now_ms`.
#[must_use]
pub fn next_minute(minute_ms: i64, now_ms: i64) -> i64 {
    let catch_up = i64::try_from(CATCH_UP.as_millis()).unwrap_or(i64::MAX);
    if now_ms - minute_ms > catch_up {
        minute_of(now_ms)
    } else {
        minute_ms + MINUTE_MS
    }
}

impl ShopJob for RulesTick {
    const QUEUE: &'static str = "rules-tick";

    /// Retried every 10 seconds while it fails (a database outage, for
    /// up to about four months): a dead tick would stop every timed rule
    /// until the next start.
    fn retries() -> JobOptions {
        JobOptions::default().with_attempts(1_000_000, Backoff::Fixed(Duration::from_secs(10)))
    }

    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        let now = deps.clock.now_ms();
        let next = next_minute(self.minute_ms, now);
        if next > self.minute_ms + MINUTE_MS {
            tracing::warn!(
                from_ms = self.minute_ms,
                to_ms = next,
                "rules: ticks more than an hour behind are skipped"
            );
        }
        let due = deps
            .rules
            .due(DueRules {
                at_ms: self.minute_ms,
            })
            .await
            .map_err(by_kind)?;
        let uow = UnitOfWork::new(&deps.db);
        uow.run(async {
            enqueue(&deps.queue, next, now).await.map_err(retryable)?;
            for due in &due {
                tracing::info!(rule = %due.rule, occurrence = %due.occurrence, "rule due: fanning out");
                super::rule_fan_out::enqueue(
                    &deps.queue,
                    &RuleFanOut {
                        rule: due.rule.clone(),
                        occurrence: due.occurrence.clone(),
                        at_ms: due.at_ms,
                        after: None,
                    },
                    "start",
                    Duration::ZERO,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_follow_each_other_and_skip_what_is_too_old() {
        assert_eq!(minute_of(119_999), 60_000);
        assert_eq!(next_minute(60_000, 61_000), 120_000);
        let hour = 3_600_000;
        assert_eq!(
            next_minute(60_000, 60_000 + hour),
            120_000,
            "an hour behind catches up"
        );
        assert_eq!(
            next_minute(60_000, 60_001 + hour + 59_999),
            minute_of(60_001 + hour + 59_999)
        );
    }
}
