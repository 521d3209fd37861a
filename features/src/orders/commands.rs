//! Write intents for orders: one struct per command.

use super::domain::OrderLine;
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
