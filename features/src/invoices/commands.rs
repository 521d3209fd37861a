//! Write intents for invoices: one struct per command.

use super::domain::{Buyer, InvoiceNumber};
use crate::shared::OrderId;

/// Issue the invoice of a confirmed order (at most one per order: issuing
/// again returns the one issued before).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IssueInvoice {
    /// The order to invoice.
    pub order: OrderId,
    /// Who it is made out to: the customer's registration, if any (read
    /// by the caller: invoices know no customers' details).
    pub buyer: Option<Buyer>,
}

/// Void the invoice of a cancelled order, if it has one that is not paid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VoidOrderInvoice {
    /// The cancelled order.
    pub order: OrderId,
    /// Why, as stored on the invoice ("order cancelled by the customer").
    pub reason: String,
}

/// Record that invoice `number` was paid.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecordPayment {
    /// The invoice.
    pub number: InvoiceNumber,
    /// The payment's reference (a UTR, a cheque number); not empty.
    pub reference: String,
}
