//! Reads of orders: one struct per query, and the read models returned.

use serde::{Deserialize, Serialize};

use super::domain::OrderStatus;
use crate::shared::{CustomerPhone, Money, OrderId, OrderNumber};

/// One order by id, whoever owns it (for staff and internal use; customers
/// go through [`CustomerOrders`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetOrder {
    /// The order.
    pub order_id: OrderId,
}

/// A customer's recent orders, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerOrders {
    /// Whose orders.
    pub customer: CustomerPhone,
    /// At most this many (0 gives none).
    pub limit: u32,
}

/// Every customer's orders, newest first (by id), a page at a time: for
/// the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListOrders {
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Only orders older than this one (the last of the previous page).
    pub before: Option<OrderId>,
    /// At most this many (0 gives none).
    pub limit: u32,
}

/// An order as listed to its customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OrderSummary {
    /// Storage id.
    pub id: OrderId,
    /// Number shown to the customer.
    pub number: OrderNumber,
    /// Where it is in its life.
    pub status: OrderStatus,
    /// Sum of its lines.
    pub total: Money,
    /// Number of lines (products).
    pub items: usize,
    /// Creation time, milliseconds since the Unix epoch.
    pub created_at_ms: i64,
}
