//! What orders need: storage ([`OrderRepository`]), prices and stock as
//! they are now ([`Pricing`]), and what happens after an order is placed
//! ([`OrderFollowUp`]).

use super::domain::{Order, OrderStatus};
use crate::catalog::{CatalogError, CatalogService, ProductRepository, Quote, QuoteRequest, Sku};
use crate::shared::{CustomerPhone, OrderId, RepositoryError};

/// Order storage, sharing a store with the product repository (confirming
/// takes stock). Implementations only persist; the life-cycle rules live in
/// [`Order`] and [`OrderService`](super::OrderService).
///
/// Every implementation must pass
/// `features::testing::contract::order_repository` (feature `test-util`).
///
/// # Errors
///
/// Every method returns [`RepositoryError::Backend`] when storage fails
/// (wrapped in [`TransitionError::Backend`] for `transition`) and
/// [`RepositoryError::Corrupt`] for stored rows that no longer validate.
pub trait OrderRepository: Clone + Send + Sync + 'static {
    /// Stores a new order (its id must be `None`; otherwise
    /// [`RepositoryError::Backend`]) under `idempotency_key` and returns it
    /// with its id. If an order with that key exists, returns THAT order as
    /// stored (no second order), so a replayed command has one effect. The
    /// key is unique in storage, so concurrent inserts with one key also
    /// yield one order.
    fn insert(
        &self,
        order: &Order,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<Order, RepositoryError>> + Send;

    /// The stored order, if any.
    fn get(
        &self,
        id: OrderId,
    ) -> impl Future<Output = Result<Option<Order>, RepositoryError>> + Send;

    /// The customer's orders, newest first (by `created_at_ms`, then id), at
    /// most `limit`.
    fn list_for_customer(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Order>, RepositoryError>> + Send;

    /// Every customer's orders, newest first (by id, descending), only
    /// those in `status` when given and with an id below `before` when
    /// given, at most `limit`.
    fn list(
        &self,
        status: Option<OrderStatus>,
        before: Option<OrderId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Order>, RepositoryError>> + Send;

    /// Persists `order.status()` (changed by the domain from `from`)
    /// atomically with its stock effect, only if the stored status is still
    /// `from` (else [`TransitionError::Conflict`], also for an unknown id).
    ///
    /// Stock effects, on products whose stock is tracked (untracked stock and
    /// unknown SKUs are left alone):
    /// - Draft → Confirmed takes each line's quantity from the product's
    ///   stock; if any line has not enough,
    ///   [`TransitionError::OutOfStock`] with that SKU and its stock, and
    ///   nothing changes.
    /// - Confirmed → Cancelled returns it.
    /// - Other transitions change only the status.
    fn transition(
        &self,
        order: &Order,
        from: OrderStatus,
    ) -> impl Future<Output = Result<(), TransitionError>> + Send;
}

/// Why [`OrderRepository::transition`] did not happen.
#[derive(Debug, thiserror::Error)]
pub enum TransitionError {
    /// The stored status is no longer the expected `from` (or the order is
    /// not stored).
    #[error("the order changed meanwhile")]
    Conflict,
    /// A line asks for more than the product's stock.
    #[error("only {available} of {sku} in stock")]
    OutOfStock {
        /// The product short of stock (the first one found).
        sku: Sku,
        /// Its stock.
        available: u32,
    },
    /// Storage failed.
    #[error(transparent)]
    Backend(#[from] RepositoryError),
}

/// Prices an order message against the catalog as it is now (products,
/// prices, stock), for [`OrderService::place_order`](super::OrderService::place_order)
/// to see whether the stock changed since the customer's summary.
///
/// [`CatalogService`] is the implementation; a test may use it over
/// in-memory products.
pub trait Pricing: Clone + Send + Sync + 'static {
    /// The quote of `request` now, as
    /// [`CatalogService::quote`] makes it: problems in the message (out of
    /// stock among them) are [`QuoteProblem`](crate::catalog::QuoteProblem)s
    /// inside an `Ok` quote.
    ///
    /// # Errors
    ///
    /// An implementation MUST return [`CatalogError::Request`] when the
    /// message cannot be read (too long, too many items) and
    /// [`CatalogError::Unexpected`] when storage fails.
    fn quote(
        &self,
        request: &QuoteRequest,
    ) -> impl Future<Output = Result<Quote, CatalogError>> + Send;
}

impl<P> Pricing for CatalogService<P>
where
    P: ProductRepository,
{
    async fn quote(&self, request: &QuoteRequest) -> Result<Quote, CatalogError> {
        CatalogService::quote(self, request).await
    }
}

/// What happens once an order is placed: the bot invoices it in a
/// `process-order` job.
///
/// [`OrderService::place_order`](super::OrderService::place_order) asks for
/// the follow-up after the order is confirmed, on every successful call:
/// also when a retried command finds the order confirmed by an earlier
/// try. So:
///
/// - **Idempotent per order.** Asking again for an order whose follow-up
///   was asked for before MUST start nothing new (the bot's job queue
///   deduplicates the job by `order:{id}`).
/// - **Commits with the order.** The follow-up MUST become durable in the
///   same unit of work as the order's confirmation, both or neither: an
///   implementation joins the caller's transaction (the bot's job queue
///   enqueues into the turn's transaction), so a turn that fails after
///   placing the order leaves neither an order without its invoice job nor
///   a job for an order that does not exist.
pub trait OrderFollowUp: Clone + Send + Sync + 'static {
    /// Order `order` was placed (created and confirmed): start what follows
    /// (issue its invoice, send it, schedule its payment reminders).
    ///
    /// # Errors
    ///
    /// [`RepositoryError::Backend`] when the follow-up cannot be stored;
    /// then the caller's unit of work must not commit.
    fn order_placed(
        &self,
        order: OrderId,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Confirmed order `order` was cancelled: tell whoever was told it was
    /// placed (the CRM). Not asked for a draft that was never confirmed.
    /// Does nothing by default.
    ///
    /// # Errors
    ///
    /// As [`order_placed`](Self::order_placed).
    fn order_cancelled(
        &self,
        order: OrderId,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send {
        let _ = order;
        async { Ok(()) }
    }
}
