//! Write intents for orders: one struct per command.

use super::domain::OrderLine;
use crate::catalog::QuoteRequest;
use crate::shared::{Currency, CustomerPhone, OrderId};

/// Place a draft order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CreateOrder {
    /// Who orders.
    pub customer: CustomerPhone,
    /// Currency of every line.
    pub currency: Currency,
    /// What is ordered (lines for the same SKU are merged).
    pub lines: Vec<OrderLine>,
    /// Unique per intent (e.g. derived from the provider's message id), so
    /// a replayed message creates no second order.
    pub idempotency_key: String,
}

/// The customer accepts their draft order; its stock is taken.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConfirmOrder {
    /// The order.
    pub order_id: OrderId,
    /// Who asks; must own the order.
    pub customer: CustomerPhone,
}

/// The customer calls off their order; confirmed stock is returned.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CancelOrder {
    /// The order.
    pub order_id: OrderId,
    /// Who asks; must own the order.
    pub customer: CustomerPhone,
}

/// The customer accepts the summary of their cart: the request is priced
/// again (stock may have changed since the summary), and the order is
/// created, confirmed (its stock taken) and followed up (invoiced) in one
/// step. See [`OrderService::place_order`](super::OrderService::place_order).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlaceOrder {
    /// Who orders.
    pub customer: CustomerPhone,
    /// Currency of every line (the shop's).
    pub currency: Currency,
    /// The order message as quoted for the summary, priced again now.
    pub request: QuoteRequest,
    /// What the customer accepted: the summary's lines, at its prices.
    pub lines: Vec<OrderLine>,
    /// The cart's id, unique per summary shown. The order is stored under
    /// the idempotency key `cart:{cart}`, so a retried confirmation finds
    /// the order the first try created.
    pub cart: String,
}
