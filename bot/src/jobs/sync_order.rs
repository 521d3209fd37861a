//! `sync-order`: a confirmed or cancelled order written to Zoho CRM
//! (`ZOHO_ORDERS_MODULE`), upserted by its number, so a retried or
//! repeated job updates the one record.

use std::time::Duration;

use features::orders::OrderFollowUp;
use features::shared::{OrderId, OrderNumber, RepositoryError};
use framework::BoxError;
use framework::jobs::{Job, JobError};
use infra_providers::zoho::ZohoError;

use super::worker::{permanent, retryable};
use super::{JobDeps, Queue, ShopJob, process_order};
use crate::zoho;

/// The payload of a `sync-order` job: the order's id only; the job sends
/// the order as it is when it runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyncOrder {
    /// The order.
    pub order_id: i64,
}

/// Enqueues the `sync-order` job of `order` for the change `what`
/// (`confirmed`, `cancelled`), once per order and change. Inside a turn's
/// unit of work, it commits with the change.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(queue: &Queue, order: OrderId, what: &str) -> Result<(), BoxError> {
    let payload = SyncOrder {
        order_id: order.get(),
    };
    let dedup = format!("sync-order:{}:{what}", order.get());
    super::enqueue(queue, &payload, dedup, Duration::ZERO).await
}

/// The orders' [`OrderFollowUp`] port on the job queue: a placed order's
/// `process-order` job and, with Zoho configured, its `sync-order`; a
/// cancelled order's `sync-order`. Enqueued into the unit of work in
/// progress, so inside a turn they commit with the order's change, or
/// nothing does.
#[derive(Debug, Clone)]
pub struct OrderJobs {
    queue: Queue,
    zoho: bool,
}

impl OrderJobs {
    /// Follow-ups enqueued on `queue`; `sync-order` jobs only when `zoho`
    /// (Zoho CRM is configured).
    #[must_use]
    pub fn new(queue: Queue, zoho: bool) -> Self {
        Self { queue, zoho }
    }
}

fn backend(e: BoxError) -> RepositoryError {
    RepositoryError::Backend(anyhow::Error::from_boxed(e))
}

impl OrderFollowUp for OrderJobs {
    async fn order_placed(&self, order: OrderId) -> Result<(), RepositoryError> {
        process_order::enqueue(&self.queue, order)
            .await
            .map_err(backend)?;
        if self.zoho {
            enqueue(&self.queue, order, "confirmed")
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    async fn order_cancelled(&self, order: OrderId) -> Result<(), RepositoryError> {
        if self.zoho {
            enqueue(&self.queue, order, "cancelled")
                .await
                .map_err(backend)?;
        }
        Ok(())
    }
}

/// A Zoho failure as the queue sees it: retried while a retry may help (an
/// unknown outcome too: the upsert converges), a dead letter otherwise
/// (credentials, a refused record).
fn by_zoho(e: ZohoError) -> JobError {
    if e.is_retryable() || matches!(e, ZohoError::UnknownOutcome { .. }) {
        retryable(e)
    } else {
        permanent(e)
    }
}

impl ShopJob for SyncOrder {
    const QUEUE: &'static str = "sync-order";

    /// Upserts the order as it is now (a cancelled order's earlier
    /// confirmation job sends it cancelled: both converge).
    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        let Some(zoho) = deps.zoho.as_ref() else {
            return Err(permanent(
                "Zoho CRM is not configured (ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN)",
            ));
        };
        let id = OrderId::new(self.order_id);
        let order = deps
            .orders
            .get_order(features::orders::GetOrder { order_id: id })
            .await
            .map_err(|e| {
                if e.is_user_error() {
                    permanent(e)
                } else {
                    retryable(e)
                }
            })?
            .ok_or_else(|| permanent(format!("no order {}", OrderNumber::from(id))))?;
        let record = zoho::order_record(&order, zoho.orders_module)
            .ok_or_else(|| permanent("the order has no number"))?;
        let upserted = zoho
            .client
            .upsert_order(
                zoho.orders_module.as_str(),
                &record,
                zoho::duplicate_check_field(zoho.orders_module),
            )
            .await
            .map_err(by_zoho)?;
        tracing::info!(
            order = %OrderNumber::from(id),
            status = order.status().as_str(),
            module = %zoho.orders_module,
            zoho_id = %upserted.id,
            action = ?upserted.action,
            "order synced to Zoho CRM"
        );
        Ok(())
    }
}
