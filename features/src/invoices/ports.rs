//! What invoices need from storage: [`InvoiceRepository`].

use super::domain::{Invoice, InvoiceNumber};
use super::error::InvoiceError;
use crate::shared::{CustomerPhone, OrderId, RepositoryError};

/// Invoice storage. Implementations only persist; the rules live in
/// [`Invoice`].
pub trait InvoiceRepository: Clone + Send + Sync + 'static {
    /// The invoice of `order`: the stored one if it has one (an order has
    /// at most one invoice, even when several workers issue it at once);
    /// otherwise the shop's next invoice number is taken and
    /// `make(number)` is stored under it, in one transaction, so numbers
    /// have no gaps and no duplicates (a failed `make` or store gives the
    /// number back). The order must still be confirmed (or later) in that
    /// transaction, so an order cancelled meanwhile gets no invoice
    /// ([`InvoiceError::OrderNotConfirmed`]).
    ///
    /// # Errors
    ///
    /// An implementation MUST return `make`'s error as it is,
    /// [`InvoiceError::OrderNotConfirmed`] when the order is not (or no
    /// longer) confirmed or does not exist, and [`InvoiceError::Storage`]
    /// when storage fails.
    fn issue_for_order<F>(
        &self,
        order: OrderId,
        make: F,
    ) -> impl Future<Output = Result<Invoice, InvoiceError>> + Send
    where
        F: FnOnce(InvoiceNumber) -> Result<Invoice, InvoiceError> + Send;

    /// The invoice of `order`, if it has one.
    ///
    /// # Errors
    ///
    /// [`RepositoryError`].
    fn for_order(
        &self,
        order: OrderId,
    ) -> impl Future<Output = Result<Option<Invoice>, RepositoryError>> + Send;

    /// Stores an issued invoice's new status (paid or void). Returns
    /// `false` when the stored invoice is not `issued` any more (paid and
    /// void are final: the first change wins).
    ///
    /// # Errors
    ///
    /// [`RepositoryError`].
    fn save_status(
        &self,
        invoice: &Invoice,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// The invoice numbered `number`, if any.
    ///
    /// # Errors
    ///
    /// [`RepositoryError`].
    fn by_number(
        &self,
        number: InvoiceNumber,
    ) -> impl Future<Output = Result<Option<Invoice>, RepositoryError>> + Send;

    /// The customer's invoices, newest first, at most `limit`.
    ///
    /// # Errors
    ///
    /// [`RepositoryError`].
    fn for_customer(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Invoice>, RepositoryError>> + Send;

    /// Every customer's invoices, newest first (by number, descending),
    /// only those numbered below `before` when given, at most `limit`.
    ///
    /// # Errors
    ///
    /// [`RepositoryError`].
    fn list(
        &self,
        before: Option<InvoiceNumber>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Invoice>, RepositoryError>> + Send;
}
