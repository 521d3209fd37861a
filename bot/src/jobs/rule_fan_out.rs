//! `rule-fan-out`: a timed rule's occurrence, a page of customers at a
//! time.
//!
//! Each page runs in one transaction: for each customer the rule's run is
//! logged once per rule, customer and occurrence (`rule_runs`), its
//! messages stored in the outbox under `rule:{name}:{occurrence}` (the
//! sender adds the number),
//! and the next page's job (dedup `rule-fan-out:{rule}:{occurrence}:{last
//! number}`) enqueued. A page killed before its commit runs again from the
//! same customer; one killed after it is done. So each customer gets an
//! occurrence's actions at most once, whichever instances die. During the
//! shop's quiet hours the page waits for their end.

use std::time::Duration;

use features::rules::{FanOut, FanOutStep};
use features::shared::CustomerPhone;
use framework::BoxError;
use framework::jobs::{Job, JobError};
use infra_sql::UnitOfWork;

use super::worker::{by_kind, permanent, retryable};
use super::{JobDeps, Queue, ShopJob, delay_until};
use crate::rules::ShopRuleEffects;

/// Customers per page.
pub const PAGE: u32 = 200;

/// The payload of a `rule-fan-out` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleFanOut {
    /// The rule's name.
    pub rule: String,
    /// The occurrence (a local minute, a date).
    pub occurrence: String,
    /// The start of the minute it fired in (ms): what its runs are judged
    /// and logged at.
    pub at_ms: i64,
    /// The last customer of the page before.
    pub after: Option<String>,
}

/// Enqueues a page, once per `step` of it.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(
    queue: &Queue,
    page: &RuleFanOut,
    step: &str,
    delay: Duration,
) -> Result<(), BoxError> {
    super::enqueue(
        queue,
        page,
        format!("rule-fan-out:{}:{}:{step}", page.rule, page.occurrence),
        delay,
    )
    .await
}

impl ShopJob for RuleFanOut {
    const QUEUE: &'static str = "rule-fan-out";

    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        let after = self
            .after
            .as_deref()
            .map(CustomerPhone::parse)
            .transpose()
            .map_err(permanent)?;
        let effects = ShopRuleEffects::in_job(&deps);
        let uow = UnitOfWork::new(&deps.db);
        uow.run(async {
            let step = deps
                .rules
                .fan_out(
                    FanOut {
                        rule: self.rule.clone(),
                        occurrence: self.occurrence.clone(),
                        at_ms: self.at_ms,
                        after,
                        limit: PAGE,
                    },
                    &effects,
                )
                .await
                .map_err(by_kind)?;
            match step {
                FanOutStep::Finished => {
                    tracing::info!(rule = %self.rule, occurrence = %self.occurrence, "rule fan-out done");
                }
                FanOutStep::Next(last) => {
                    let next = RuleFanOut {
                        after: Some(last.as_str().to_owned()),
                        ..self.clone()
                    };
                    enqueue(&deps.queue, &next, last.as_str(), Duration::ZERO)
                        .await
                        .map_err(retryable)?;
                }
                FanOutStep::WaitUntil(at) => {
                    tracing::info!(rule = %self.rule, until_ms = at, "quiet hours: the rule's fan-out waits");
                    let step = format!("{}:wait:{at}", self.after.as_deref().unwrap_or("start"));
                    enqueue(&deps.queue, &self, &step, delay_until(at, deps.clock.now_ms()))
                        .await
                        .map_err(retryable)?;
                }
            }
            Ok::<_, JobError>(())
        })
        .await?;
        uow.commit().await.map_err(retryable)
    }
}
