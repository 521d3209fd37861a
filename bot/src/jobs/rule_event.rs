//! `rule-event`: the rules that fire on an event of the shop, for its
//! customer: an order confirmed (enqueued by `process-order` as the
//! order's invoice is issued) and an invoice overdue (enqueued by
//! `process-order` too, delayed until the invoice's due date; when it
//! comes, a paid or void invoice fires nothing).
//!
//! Its dedup id is `rule-event:{event}:{order or invoice number}:{step}`;
//! each rule acts at most once per customer and occurrence (the run log,
//! in the job's transaction), and in the quiet hours the job waits for
//! their end.

use std::time::Duration;

use features::invoices::{GetInvoice, InvoiceNumber, InvoiceStatus};
use features::rules::{EventStep, RuleEvent, RunEventRules};
use features::shared::CustomerPhone;
use framework::BoxError;
use framework::jobs::{Job, JobError};
use infra_sql::UnitOfWork;

use super::worker::{by_kind, permanent, retryable};
use super::{JobDeps, Queue, ShopJob, delay_until};
use crate::rules::ShopRuleEffects;

/// The payload of a `rule-event` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleEventJob {
    /// `order_confirmed` or `invoice_overdue`.
    pub event: String,
    /// The customer.
    pub customer: String,
    /// The order's or the invoice's number.
    pub occurrence: String,
    /// When it happened (ms): the order's confirmation, the invoice's due
    /// date.
    pub at_ms: i64,
}

impl RuleEventJob {
    /// The job of `event` for `customer`.
    #[must_use]
    pub fn new(event: RuleEvent, customer: &CustomerPhone, occurrence: String, at_ms: i64) -> Self {
        Self {
            event: event.as_str().to_owned(),
            customer: customer.as_str().to_owned(),
            occurrence,
            at_ms,
        }
    }
}

/// Enqueues `job` after `delay`, once per event and `step`.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(
    queue: &Queue,
    job: &RuleEventJob,
    step: &str,
    delay: Duration,
) -> Result<(), BoxError> {
    let dedup = format!("rule-event:{}:{}:{step}", job.event, job.occurrence);
    super::enqueue(queue, job, dedup, delay).await
}

fn event_of(text: &str) -> Option<RuleEvent> {
    [RuleEvent::OrderConfirmed, RuleEvent::InvoiceOverdue]
        .into_iter()
        .find(|e| e.as_str() == text)
}

impl ShopJob for RuleEventJob {
    const QUEUE: &'static str = "rule-event";

    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        let event = event_of(&self.event)
            .ok_or_else(|| permanent(format!("unknown rule event {:?}", self.event)))?;
        let customer = CustomerPhone::parse(&self.customer).map_err(permanent)?;
        if event == RuleEvent::InvoiceOverdue {
            let number = InvoiceNumber::parse(&self.occurrence).ok_or_else(|| {
                permanent(format!("not an invoice number: {:?}", self.occurrence))
            })?;
            let invoice = deps
                .invoices
                .get_invoice(GetInvoice { number })
                .await
                .map_err(by_kind)?;
            if !invoice.is_some_and(|i| matches!(i.status(), InvoiceStatus::Issued)) {
                tracing::info!(invoice = %self.occurrence, "paid or void by its due date: no overdue rules");
                return Ok(());
            }
        }
        let effects = ShopRuleEffects::in_job(&deps);
        let uow = UnitOfWork::new(&deps.db);
        uow.run(async {
            let step = deps
                .rules
                .on_event(
                    RunEventRules {
                        event,
                        customer,
                        occurrence: self.occurrence.clone(),
                        at_ms: self.at_ms,
                    },
                    &effects,
                )
                .await
                .map_err(by_kind)?;
            match step {
                EventStep::Done(acted) => {
                    if !acted.is_empty() {
                        tracing::info!(event = %self.event, occurrence = %self.occurrence, rules = ?acted, "rules acted on an event");
                    }
                }
                EventStep::WaitUntil(at) => {
                    enqueue(
                        &deps.queue,
                        &self,
                        &format!("wait:{at}"),
                        delay_until(at, deps.clock.now_ms()),
                    )
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
