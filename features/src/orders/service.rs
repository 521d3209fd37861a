//! [`OrderService`]: creating, confirming and cancelling orders. The only
//! place with order business logic.

use anyhow::anyhow;

use super::commands::{CancelOrder, ConfirmOrder, CreateOrder};
use super::domain::{Order, OrderStatus};
use super::error::OrderError;
use super::ports::{OrderRepository, TransitionError};
use super::queries::{CustomerOrders, GetOrder, OrderSummary};
use crate::shared::{CustomerPhone, OrderId, OrderNumber};

/// Longest accepted idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 200;

/// The order use cases over an [`OrderRepository`].
///
/// New orders are stamped with the service's clock: the system clock by
/// default, or a fixed one in tests ([`OrderService::with_clock`]).
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct OrderService<R> {
    /// Where orders (and the stock they take) are stored.
    repo: R,
    /// Milliseconds since the Unix epoch, for `created_at_ms`.
    clock: fn() -> i64,
}

/// Milliseconds since the Unix epoch by the system clock (0 if the clock is
/// before 1970).
#[must_use]
pub fn system_clock() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl<R> OrderService<R>
where
    R: OrderRepository,
{
    /// A service over `repo` using the [system clock](system_clock).
    #[must_use]
    pub fn new(repo: R) -> Self {
        Self {
            repo,
            clock: system_clock,
        }
    }

    /// The same service reading time from `clock` (milliseconds since the
    /// Unix epoch).
    #[must_use]
    pub fn with_clock(mut self, clock: fn() -> i64) -> Self {
        self.clock = clock;
        self
    }

    /// Creates a draft order from the command's lines, stored under its
    /// idempotency key. Replaying a command (same key) returns the order
    /// the first one created, unchanged.
    ///
    /// # Errors
    ///
    /// [`OrderError::EmptyOrder`] without lines; [`OrderError::InvalidQuantity`]
    /// or [`OrderError::CurrencyMismatch`] for a bad line;
    /// [`OrderError::Unexpected`] for an empty or over-long key, a key
    /// already used by another customer, or a storage failure.
    pub async fn create_order(&self, cmd: CreateOrder) -> Result<Order, OrderError> {
        if cmd.idempotency_key.is_empty() || cmd.idempotency_key.len() > MAX_IDEMPOTENCY_KEY_BYTES {
            return Err(
                anyhow!("idempotency key must be 1 to {MAX_IDEMPOTENCY_KEY_BYTES} bytes").into(),
            );
        }
        if cmd.lines.is_empty() {
            return Err(OrderError::EmptyOrder);
        }
        let mut order = Order::draft(cmd.customer, cmd.currency, (self.clock)());
        for line in cmd.lines {
            order.add_item(line)?;
        }
        let stored = self.repo.insert(&order, &cmd.idempotency_key).await?;
        if stored.customer() != order.customer() {
            return Err(anyhow!(
                "idempotency key {:?} belongs to another customer's order",
                cmd.idempotency_key
            )
            .into());
        }
        if stored.id().is_none() {
            return Err(anyhow!("the order repository returned an order without id").into());
        }
        Ok(stored)
    }

    /// Confirms the customer's draft order, taking its stock. Confirming a
    /// confirmed order returns it unchanged, so a repeated "yes" is
    /// harmless.
    ///
    /// # Errors
    ///
    /// [`OrderError::NotFound`] if the order does not exist or belongs to
    /// another customer; [`OrderError::EmptyOrder`];
    /// [`OrderError::InvalidTransition`] for cancelled, dispatched or
    /// delivered orders; [`OrderError::OutOfStock`] (nothing changes);
    /// [`OrderError::Conflict`] if the order changed meanwhile to something
    /// other than confirmed; [`OrderError::Unexpected`].
    pub async fn confirm_order(&self, cmd: ConfirmOrder) -> Result<Order, OrderError> {
        let mut order = self.owned(cmd.order_id, &cmd.customer).await?;
        if order.status() == OrderStatus::Confirmed {
            return Ok(order);
        }
        let from = order.status();
        order.confirm()?;
        match self.repo.transition(&order, from).await {
            Ok(()) => Ok(order),
            Err(TransitionError::Conflict) => {
                // Someone else moved the order first; a concurrent confirm
                // counts as success.
                let current = self.owned(cmd.order_id, &cmd.customer).await?;
                if current.status() == OrderStatus::Confirmed {
                    Ok(current)
                } else {
                    Err(OrderError::Conflict)
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Cancels the customer's draft or confirmed order; a confirmed order's
    /// stock is returned.
    ///
    /// # Errors
    ///
    /// [`OrderError::NotFound`] as for confirming;
    /// [`OrderError::AlreadyCancelled`]; [`OrderError::CannotCancel`] once
    /// dispatched or delivered; [`OrderError::Conflict`] if the order changed
    /// meanwhile; [`OrderError::Unexpected`].
    pub async fn cancel_order(&self, cmd: CancelOrder) -> Result<Order, OrderError> {
        let mut order = self.owned(cmd.order_id, &cmd.customer).await?;
        let from = order.status();
        order.cancel()?;
        match self.repo.transition(&order, from).await {
            Ok(()) => Ok(order),
            Err(TransitionError::Conflict) => {
                let current = self.owned(cmd.order_id, &cmd.customer).await?;
                Err(match current.status() {
                    OrderStatus::Cancelled => OrderError::AlreadyCancelled,
                    status @ (OrderStatus::Dispatched | OrderStatus::Delivered) => {
                        OrderError::CannotCancel { status }
                    }
                    OrderStatus::Draft | OrderStatus::Confirmed => OrderError::Conflict,
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One order by id, whoever owns it.
    ///
    /// # Errors
    ///
    /// [`OrderError::Unexpected`] when storage fails.
    pub async fn get_order(&self, query: GetOrder) -> Result<Option<Order>, OrderError> {
        Ok(self.repo.get(query.order_id).await?)
    }

    /// The customer's most recent orders, newest first.
    ///
    /// # Errors
    ///
    /// [`OrderError::Unexpected`] when storage fails.
    pub async fn customer_orders(
        &self,
        query: CustomerOrders,
    ) -> Result<Vec<OrderSummary>, OrderError> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let orders = self
            .repo
            .list_for_customer(&query.customer, query.limit)
            .await?;
        orders
            .iter()
            .map(|order| {
                let id = order
                    .id()
                    .ok_or_else(|| anyhow!("a stored order has no id"))?;
                Ok(OrderSummary {
                    id,
                    number: OrderNumber::from(id),
                    status: order.status(),
                    total: order.total(),
                    items: order.lines().len(),
                    created_at_ms: order.created_at_ms(),
                })
            })
            .collect()
    }

    /// The order, if it exists and belongs to `customer`.
    async fn owned(&self, id: OrderId, customer: &CustomerPhone) -> Result<Order, OrderError> {
        match self.repo.get(id).await? {
            Some(order) if order.customer() == customer => Ok(order),
            _ => Err(OrderError::NotFound),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
