//! [`OrderService`]: creating, confirming, cancelling and placing orders.
//! The only place with order business logic.

use anyhow::anyhow;

use super::commands::{CancelOrder, ConfirmOrder, CreateOrder, PlaceOrder};
use super::domain::{Order, OrderStatus};
use super::error::OrderError;
use super::ports::{OrderFollowUp, OrderRepository, Pricing, TransitionError};
use super::queries::{CustomerOrders, GetOrder, ListOrders, OrderSummary};
use crate::catalog::{CatalogError, QuoteProblem};
use crate::shared::{CustomerPhone, Now, OrderId, OrderNumber};

/// Longest accepted idempotency key, in bytes.
pub const MAX_IDEMPOTENCY_KEY_BYTES: usize = 200;

/// The order use cases over an [`OrderRepository`], pricing requests again
/// with a [`Pricing`] port and following placed orders up through an
/// [`OrderFollowUp`].
///
/// New orders are stamped with the injected [`Now`].
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct OrderService<R, P, F> {
    /// Where orders (and the stock they take) are stored.
    repo: R,
    /// The catalog as it is now, to place an order.
    pricing: P,
    /// What happens after an order is placed.
    follow_up: F,
    /// The time, for `created_at_ms`.
    now: Now,
}

impl<R, P, F> OrderService<R, P, F>
where
    R: OrderRepository,
    P: Pricing,
    F: OrderFollowUp,
{
    /// A service over `repo`, pricing with `pricing`, following placed
    /// orders up with `follow_up`, reading the time from `now`.
    #[must_use]
    pub fn new(repo: R, pricing: P, follow_up: F, now: Now) -> Self {
        Self {
            repo,
            pricing,
            follow_up,
            now,
        }
    }

    /// Places the customer's order from the summary they accepted, in the
    /// steps a "confirm" takes:
    ///
    /// 1. The request is priced again ([`Pricing`]): if a product is short
    ///    of stock now, [`OrderError::StockChanged`], and no order is made.
    /// 2. The draft is created from the command's lines under the key
    ///    `cart:{cart}` ([`create_order`](Self::create_order)), so a retried
    ///    command finds the order the first try created.
    /// 3. It is confirmed, taking its stock
    ///    ([`confirm_order`](Self::confirm_order)); if that is refused for a
    ///    reason to tell the customer, the draft is cancelled, so no draft
    ///    is left behind.
    /// 4. The follow-up is asked for ([`OrderFollowUp::order_placed`]): on
    ///    every successful call, also a retry that finds the order
    ///    confirmed; the port makes that idempotent per order and commits it
    ///    with the confirmation.
    ///
    /// Returns the confirmed order.
    ///
    /// # Example
    ///
    /// ```
    /// use features::catalog::{CatalogService, OrderLimits, QuoteRequest};
    /// use features::orders::{OrderError, OrderLine, OrderService, OrderStatus, PlaceOrder};
    /// use features::shared::{CustomerPhone, Now};
    /// use features::testing::{InMemOrderRepository, InMemProductRepository, RecordingFollowUp};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let products = InMemProductRepository::default();
    /// let catalog = CatalogService::new(products.clone(), OrderLimits::default());
    /// catalog.seed_demo().await?;
    /// let follow_up = RecordingFollowUp::default();
    /// let orders = OrderService::new(
    ///     InMemOrderRepository::new(products.clone()),
    ///     catalog.clone(),   // prices the request again
    ///     follow_up.clone(), // the bot enqueues the invoice job here
    ///     Now::fixed(1_700_000_000_000),
    /// );
    ///
    /// // The customer saw the summary of this request and confirms it.
    /// let request = QuoteRequest::new("white cement x 10");
    /// let summary = catalog.quote(&request).await?;
    /// let place = PlaceOrder {
    ///     customer: CustomerPhone::parse("whatsapp:+919876543210")?,
    ///     currency: summary.currency(),
    ///     request,
    ///     lines: summary.lines().iter().map(OrderLine::from).collect(),
    ///     cart: "c1".to_owned(),
    /// };
    /// let order = orders.place_order(place.clone()).await?;
    /// assert_eq!(order.status(), OrderStatus::Confirmed);
    /// assert_eq!(follow_up.orders(), [order.id().expect("stored")]);
    ///
    /// // The same summary for 35 more bags: only 30 are left now.
    /// let more = PlaceOrder {
    ///     request: QuoteRequest::new("white cement x 35"),
    ///     cart: "c2".to_owned(),
    ///     ..place
    /// };
    /// let refused = orders.place_order(more).await.unwrap_err();
    /// assert!(matches!(refused, OrderError::StockChanged { available: 30, .. }));
    /// assert_eq!(refused.to_string(), "only 30 of White Cement left in stock");
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// User errors (tell the customer; nothing was ordered):
    /// [`OrderError::StockChanged`] with the product's name (also when the
    /// stock ran out between the new price and the confirmation),
    /// [`OrderError::Request`], and the errors of creating and confirming
    /// ([`OrderError::EmptyOrder`], [`OrderError::InvalidQuantity`],
    /// [`OrderError::InvalidTransition`], [`OrderError::Conflict`], ...).
    /// [`OrderError::Unexpected`] when pricing, storage or the follow-up
    /// fail, or when the draft of a refused order cannot be cancelled: the
    /// caller's unit of work must then not commit.
    pub async fn place_order(&self, cmd: PlaceOrder) -> Result<Order, OrderError> {
        // Stock may have changed since the summary: look again before making
        // the order, so a shortfall is told without leaving a refused order.
        let fresh = self
            .pricing
            .quote(&cmd.request)
            .await
            .map_err(|e| match e {
                CatalogError::Request(e) => OrderError::Request(e),
                e => OrderError::Unexpected(anyhow::Error::new(e)),
            })?;
        if let Some(QuoteProblem::OutOfStock { product, available }) = fresh
            .problems()
            .iter()
            .find(|p| matches!(p, QuoteProblem::OutOfStock { .. }))
        {
            return Err(OrderError::StockChanged {
                product: product.clone(),
                available: *available,
            });
        }
        let names: Vec<_> = cmd
            .lines
            .iter()
            .map(|l| (l.sku().clone(), l.name().to_owned()))
            .collect();
        let draft = self
            .create_order(CreateOrder {
                customer: cmd.customer.clone(),
                currency: cmd.currency,
                lines: cmd.lines,
                idempotency_key: format!("cart:{}", cmd.cart),
            })
            .await?;
        let order_id = draft
            .id()
            .ok_or_else(|| anyhow!("a stored order has no id"))?;
        let confirmed = self
            .confirm_order(ConfirmOrder {
                order_id,
                customer: cmd.customer.clone(),
            })
            .await;
        match confirmed {
            Ok(order) => {
                self.follow_up.order_placed(order_id).await?;
                Ok(order)
            }
            Err(refused) if refused.is_user_error() => {
                // Leave no draft behind an order that could not be placed.
                // Cancelling fails as a user error only when the order
                // moved meanwhile (then it is not our draft to clean up);
                // a storage failure fails the command, so the caller's unit
                // of work, draft included, does not commit.
                match self
                    .cancel_order(CancelOrder {
                        order_id,
                        customer: cmd.customer,
                    })
                    .await
                {
                    Err(e) if !e.is_user_error() => return Err(e),
                    Ok(_) | Err(_) => {}
                }
                Err(match refused {
                    OrderError::OutOfStock { sku, available } => OrderError::StockChanged {
                        product: names
                            .into_iter()
                            .find(|(s, _)| *s == sku)
                            .map_or_else(|| sku.to_string(), |(_, name)| name),
                        available,
                    },
                    refused => refused,
                })
            }
            Err(e) => Err(e),
        }
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
        let mut order = Order::draft(cmd.customer, cmd.currency, self.now.ms());
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
    /// stock is returned and the follow-up told
    /// ([`OrderFollowUp::order_cancelled`]).
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
            Ok(()) => {
                if from == OrderStatus::Confirmed
                    && let Some(id) = order.id()
                {
                    self.follow_up.order_cancelled(id).await?;
                }
                Ok(order)
            }
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

    /// Every customer's orders, newest first, a page at a time (see
    /// [`ListOrders`]).
    ///
    /// # Errors
    ///
    /// [`OrderError::Unexpected`] when storage fails.
    pub async fn list_orders(&self, query: ListOrders) -> Result<Vec<Order>, OrderError> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .repo
            .list(query.status, query.before, query.limit)
            .await?)
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
