//! [`InvoiceError`]: everything the invoices feature can fail with.

use super::domain::InvoiceNumber;
use crate::shared::{MoneyError, OrderId, RepositoryError};

/// Why an invoice operation failed: the invoice life cycle's and the tax
/// arithmetic's rules, a missing or unconfirmed order, storage.
///
/// # Handling
///
/// - [`InvoiceError::is_user_error`]: the customer or the operator must fix
///   the input (an invoice paid already, a payment without reference, a GST
///   rate that does not exist in the settings); the `Display` text is
///   written for them: tell them.
/// - [`InvoiceError::is_retryable`]: storage failed
///   ([`InvoiceError::Storage`]); a job should retry, a chat turn log it
///   and apologise.
/// - Neither ([`InvoiceError::Money`]): retrying cannot help and nobody
///   can fix the input; log the cause chain and give up (a job fails
///   permanently).
///
/// [`InvoiceError::OrderNotConfirmed`] is usually no failure at all for a
/// job issuing an order's invoice: the order was cancelled before, so it
/// gets none.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvoiceError {
    /// Only a confirmed (or later) order is invoiced.
    #[error("order {0} is not confirmed, so it has no invoice")]
    OrderNotConfirmed(OrderId),
    /// No such order.
    #[error("order {0} does not exist")]
    NoSuchOrder(OrderId),
    /// An order without lines.
    #[error("an invoice needs at least one line")]
    Empty,
    /// GST has no such rate.
    #[error("GST has no rate of {0} basis points")]
    UnknownGstRate(u32),
    /// A GST rate not written as a percentage.
    #[error("a GST rate is a percentage like 18 or 0.25, not {0:?}")]
    BadGstRate(String),
    /// The invoice was paid already.
    #[error("invoice {0} is paid already")]
    AlreadyPaid(InvoiceNumber),
    /// The invoice was voided.
    #[error("invoice {0} is void")]
    IsVoid(InvoiceNumber),
    /// A payment needs a reference.
    #[error("a payment needs a reference")]
    MissingReference,
    /// Amounts overflowed.
    #[error(transparent)]
    Money(#[from] MoneyError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

impl InvoiceError {
    /// Whether the customer or the operator must fix the input (`true`:
    /// tell them, the `Display` text is written for them), rather than the
    /// error be logged (`false`).
    #[must_use]
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Money(_) | Self::Storage(_))
    }

    /// Whether trying again later can succeed: storage failed. A job
    /// retries these and fails permanently on the others.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Storage(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_is_retried_money_is_logged_the_rest_is_told() {
        let storage = InvoiceError::from(RepositoryError::Corrupt("x".to_owned()));
        assert!(storage.is_retryable() && !storage.is_user_error());
        let money = InvoiceError::from(MoneyError::Overflow);
        assert!(!money.is_retryable() && !money.is_user_error());
        for told in [
            InvoiceError::OrderNotConfirmed(OrderId::new(1)),
            InvoiceError::NoSuchOrder(OrderId::new(1)),
            InvoiceError::AlreadyPaid(InvoiceNumber::new(1)),
            InvoiceError::MissingReference,
        ] {
            assert!(told.is_user_error() && !told.is_retryable(), "{told:?}");
        }
    }
}
