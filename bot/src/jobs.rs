//! The shop's background jobs: the queues of the seed design and their
//! handlers, each a tower service behind a timeout layer.
//!
//! | queue | enqueued by | does |
//! |---|---|---|
//! | `process-order` | the confirming turn, in its transaction (dedup id `order:{id}`) | issues the order's invoice (at most one per order) |
//! | `send-invoice`, `send-reminder`, `send-campaign-message` | not yet (issue 5 in progress) | – |
//!
//! `campanile serve` runs the workers unless `CAMPANILE_WORKERS=off`;
//! `campanile worker` runs only them.

use std::sync::Arc;
use std::time::Duration;

use features::invoices::{InvoiceError, InvoiceService, InvoiceServiceError, IssueError};
use features::shared::{OrderId, OrderNumber};
use framework::BoxError;
use framework::jobs::{Backoff, Job, JobError, JobOptions, JobQueue, WorkerConfig};
use infra::db::invoices::DbInvoiceRepository;
use infra::db::jobs::DbJobQueue;
use infra::db::orders::DbOrderRepository;
use tower::ServiceBuilder;

/// Issues an order's invoice.
pub const PROCESS_ORDER: &str = "process-order";

/// The longest a job may run before it counts as failed (and is retried).
const JOB_TIMEOUT: Duration = Duration::from_secs(60);

/// The payload of a `process-order` job: ids only, never the order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessOrder {
    /// The confirmed order.
    pub order_id: i64,
}

/// Invoices over the database.
pub type Invoices = InvoiceService<DbInvoiceRepository, DbOrderRepository>;

/// Enqueues the `process-order` job of a confirmed order. Inside a turn's
/// unit of work, it commits with the confirmation.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue_process_order(jobs: &DbJobQueue, order: OrderId) -> Result<(), BoxError> {
    let payload = serde_json::to_string(&ProcessOrder {
        order_id: order.get(),
    })?;
    jobs.enqueue(
        PROCESS_ORDER,
        &payload,
        &JobOptions::default()
            .with_dedup_id(format!("order:{}", order.get()))
            .with_attempts(8, Backoff::Exponential(Duration::from_secs(2))),
    )
    .await?;
    Ok(())
}

/// A job handler's error as the queue sees it: a handler's own
/// [`JobError`] as is; anything else (the timeout) is retryable.
fn job_error(e: BoxError) -> JobError {
    match e.downcast::<JobError>() {
        Ok(e) => *e,
        Err(e) => JobError::Retryable(e),
    }
}

/// The `process-order` handler: issue the invoice, log it.
async fn process_order(invoices: Arc<Invoices>, job: Job) -> Result<(), JobError> {
    let ProcessOrder { order_id } = job.payload()?;
    let order = OrderId::new(order_id);
    match invoices.issue_for_order(order).await {
        Ok(invoice) => {
            tracing::info!(
                invoice = %invoice.number(),
                order = %OrderNumber::from(order),
                total = %invoice.total(),
                "invoice issued"
            );
            Ok(())
        }
        // Cancelled before its invoice was made: nothing to invoice.
        Err(InvoiceServiceError::Issue(IssueError::Invoice(InvoiceError::OrderNotConfirmed(
            _,
        )))) => {
            tracing::info!(order = %OrderNumber::from(order), "the order is no longer confirmed; no invoice");
            Ok(())
        }
        // Retrying cannot help: no such order, or the domain refused it.
        Err(
            e @ (InvoiceServiceError::NoSuchOrder(_)
            | InvoiceServiceError::Issue(IssueError::Invoice(_))),
        ) => Err(JobError::Permanent(Box::new(e))),
        Err(e) => Err(JobError::Retryable(Box::new(e))),
    }
}

/// Runs the workers of every built queue until `shutdown` resolves.
pub async fn run_workers(
    jobs: DbJobQueue,
    invoices: Arc<Invoices>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let handler = ServiceBuilder::new()
        .map_err(job_error)
        .timeout(JOB_TIMEOUT)
        .service_fn(move |job: Job| process_order(Arc::clone(&invoices), job));
    tracing::info!(queue = PROCESS_ORDER, "job worker started");
    if let Err(e) = jobs
        .work(PROCESS_ORDER, handler, WorkerConfig::default(), shutdown)
        .await
    {
        tracing::error!(error.message = %e, "job worker stopped on an error");
    }
}
