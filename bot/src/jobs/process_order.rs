//! `process-order`: a confirmed order's invoice is issued and, in the same
//! transaction, its payment reminders, its sending and the rules on its
//! events (`rule-event`: the order confirmed now, the invoice overdue at
//! its due date) are scheduled.

use std::time::Duration;

use features::customers::GetDetails;
use features::invoices::{Buyer, InvoiceError, IssueInvoice, OrderInvoice};
use features::orders::GetOrder;
use features::reminders::SchedulePaymentReminders;
use features::rules::RuleEvent;
use features::shared::{OrderId, OrderNumber};
use framework::BoxError;
use framework::jobs::{Job, JobError};
use infra_sql::UnitOfWork;

use super::rule_event::{self, RuleEventJob};
use super::worker::{by_kind, retryable};
use super::{JobDeps, Queue, ShopJob, send_invoice, send_reminder};

/// The payload of a `process-order` job: ids only, never the order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessOrder {
    /// The confirmed order.
    pub order_id: i64,
}

/// Enqueues the `process-order` job of a confirmed order, once per order.
/// Inside a turn's unit of work, it commits with the confirmation.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(queue: &Queue, order: OrderId) -> Result<(), BoxError> {
    let payload = ProcessOrder {
        order_id: order.get(),
    };
    let dedup = format!("order:{}", order.get());
    super::enqueue(queue, &payload, dedup, Duration::ZERO).await
}

/// Who the order's invoice is made out to: its customer's registration, if
/// they registered.
async fn buyer_of(deps: &JobDeps, order: OrderId) -> Result<Option<Buyer>, JobError> {
    let Some(order) = deps
        .orders
        .get_order(GetOrder { order_id: order })
        .await
        .map_err(by_kind)?
    else {
        return Ok(None);
    };
    let details = deps
        .customers
        .details(GetDetails {
            customer: order.customer().clone(),
        })
        .await
        .map_err(by_kind)?;
    Ok(details.registration.map(|r| Buyer {
        name: r.name,
        business: r.business,
        gstin: r.gstin.map(|g| g.as_str().to_owned()),
        address: r.address,
    }))
}

impl ShopJob for ProcessOrder {
    const QUEUE: &'static str = "process-order";

    /// Issues the invoice, and with it (one transaction) schedules its
    /// payment reminders and its sending.
    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        let order = OrderId::new(self.order_id);
        let uow = UnitOfWork::new(&deps.db);
        let issued = uow
            .run(async {
                // Issued by an earlier run whose acknowledgement was lost:
                // its reminders exist; only the (deduplicated) send is asked
                // again.
                let earlier = deps
                    .invoices
                    .order_invoice(OrderInvoice { order })
                    .await
                    .map_err(by_kind)?;
                let buyer = match earlier {
                    Some(_) => None,
                    None => buyer_of(&deps, order).await?,
                };
                let invoice = match deps
                    .invoices
                    .issue_invoice(IssueInvoice { order, buyer })
                    .await
                {
                    Ok(invoice) => invoice,
                    // Cancelled before its invoice was made: nothing to
                    // invoice.
                    Err(InvoiceError::OrderNotConfirmed(_)) => return Ok(None),
                    // Storage failed: try again later; no such order, or the
                    // domain refused it: retrying cannot help.
                    Err(e) => return Err(by_kind(e)),
                };
                if earlier.is_none() {
                    let now = deps.clock.now_ms();
                    for scheduled in deps
                        .reminders
                        .schedule_payment_reminders(SchedulePaymentReminders::from(&invoice))
                        .await
                        .map_err(by_kind)?
                    {
                        send_reminder::enqueue(&deps.queue, scheduled.id, scheduled.at_ms, now)
                            .await
                            .map_err(JobError::Retryable)?;
                    }
                }
                send_invoice::enqueue(&deps.queue, invoice.number(), "issued")
                    .await
                    .map_err(JobError::Retryable)?;
                // The rules on events: the confirmation now, the invoice
                // overdue at its due date (if still unpaid then).
                let now = deps.clock.now_ms();
                let confirmed = RuleEventJob::new(
                    RuleEvent::OrderConfirmed,
                    invoice.customer(),
                    OrderNumber::from(order).to_string(),
                    now,
                );
                rule_event::enqueue(&deps.queue, &confirmed, "now", Duration::ZERO)
                    .await
                    .map_err(JobError::Retryable)?;
                let overdue = RuleEventJob::new(
                    RuleEvent::InvoiceOverdue,
                    invoice.customer(),
                    invoice.number().to_string(),
                    invoice.due_at_ms(),
                );
                rule_event::enqueue(
                    &deps.queue,
                    &overdue,
                    "due",
                    super::delay_until(invoice.due_at_ms(), now),
                )
                .await
                .map_err(JobError::Retryable)?;
                Ok(Some((invoice, earlier.is_none())))
            })
            .await?;
        let Some((invoice, new)) = issued else {
            tracing::info!(order = %OrderNumber::from(order), "the order is no longer confirmed; no invoice");
            return Ok(());
        };
        uow.commit().await.map_err(retryable)?;
        tracing::info!(
            invoice = %invoice.number(),
            order = %OrderNumber::from(order),
            total = %invoice.total(),
            new,
            "invoice issued; sending it and scheduling its payment reminders"
        );
        Ok(())
    }
}
