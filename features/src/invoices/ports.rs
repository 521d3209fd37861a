//! What invoices need from storage: [`InvoiceRepository`].

use super::domain::{Invoice, InvoiceError, InvoiceNumber};
use crate::shared::{CustomerPhone, OrderId, RepositoryError};

/// Why an invoice could not be issued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IssueError {
    /// The domain refused it (the order is not confirmed, …).
    #[error(transparent)]
    Invoice(#[from] InvoiceError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Invoice storage. Implementations only persist; the rules live in
/// [`Invoice`].
pub trait InvoiceRepository: Clone + Send + Sync + 'static {
    /// The invoice of `order`: the stored one if it has one (an order has
    /// at most one invoice, even when several workers issue it at once);
    /// otherwise the shop's next invoice number is taken and
    /// `make(number)` is stored under it, in one transaction, so numbers
    /// have no gaps and no duplicates (a failed `make` or store gives the
    /// number back).
    ///
    /// # Errors
    ///
    /// [`IssueError::Invoice`] from `make`, [`IssueError::Repository`].
    fn issue_for_order<F>(
        &self,
        order: OrderId,
        make: F,
    ) -> impl Future<Output = Result<Invoice, IssueError>> + Send
    where
        F: FnOnce(InvoiceNumber) -> Result<Invoice, InvoiceError> + Send;

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
}
