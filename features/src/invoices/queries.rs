//! Reads of invoices: one struct per query. Each answers with the
//! [`Invoice`](super::Invoice) itself, the read model the bot lists,
//! renders and sends.

use super::domain::InvoiceNumber;
use crate::shared::{CustomerPhone, OrderId};

/// A customer's invoices, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerInvoices {
    /// Whose invoices.
    pub customer: CustomerPhone,
    /// At most this many.
    pub limit: u32,
}

/// Every customer's invoices, newest first (by number), a page at a time:
/// for the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListInvoices {
    /// Only invoices numbered below this one (the last of the previous page).
    pub before: Option<InvoiceNumber>,
    /// At most this many (0 gives none).
    pub limit: u32,
}

/// Invoice `number`, whoever's it is (for staff and internal use;
/// customers go through [`CustomerInvoice`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetInvoice {
    /// The invoice.
    pub number: InvoiceNumber,
}

/// The invoice of an order, if it has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrderInvoice {
    /// The order.
    pub order: OrderId,
}

/// Invoice `number`, if it is the customer's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerInvoice {
    /// Who asks; must be billed on it.
    pub customer: CustomerPhone,
    /// The invoice.
    pub number: InvoiceNumber,
}
