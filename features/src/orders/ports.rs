//! What orders need from storage: [`OrderRepository`].

use super::domain::{Order, OrderStatus};
use crate::catalog::Sku;
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
