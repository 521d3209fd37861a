//! [`InvoiceService`]: issue an order's invoice, list a customer's.

use super::domain::{GstRate, Invoice, InvoiceError, InvoiceNumber, InvoiceStatus, TaxSettings};
use super::ports::{InvoiceRepository, IssueError};
use crate::orders::OrderRepository;
use crate::shared::{CustomerPhone, OrderId, RepositoryError};

/// Errors of the invoice service.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvoiceServiceError {
    /// No such order.
    #[error("order {0} does not exist")]
    NoSuchOrder(i64),
    /// Issuing failed (the order is not confirmed, storage failed).
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// Issues and reads invoices.
#[derive(Debug, Clone)]
pub struct InvoiceService<I, O> {
    invoices: I,
    orders: O,
    settings: TaxSettings,
    /// Product GST rates that differ from the shop's default, by SKU.
    rates: std::collections::HashMap<String, GstRate>,
    clock: fn() -> i64,
}

impl<I: InvoiceRepository, O: OrderRepository> InvoiceService<I, O> {
    /// A service over `invoices` and `orders`, with the shop's `settings`.
    #[must_use]
    pub fn new(invoices: I, orders: O, settings: TaxSettings) -> Self {
        Self {
            invoices,
            orders,
            settings,
            rates: std::collections::HashMap::new(),
            clock: crate::orders::service::system_clock,
        }
    }

    /// Products whose GST rate differs from the shop's default.
    #[must_use]
    pub fn with_rates(mut self, rates: impl IntoIterator<Item = (String, GstRate)>) -> Self {
        self.rates = rates.into_iter().collect();
        self
    }

    /// Uses `clock` (ms since the epoch) for issue and due dates.
    #[must_use]
    pub fn with_clock(mut self, clock: fn() -> i64) -> Self {
        self.clock = clock;
        self
    }

    /// The order's invoice, issued now if it has none (at most one per
    /// order, however often this runs: a retried job issues nothing new).
    ///
    /// # Errors
    ///
    /// [`InvoiceServiceError::NoSuchOrder`], [`InvoiceServiceError::Issue`]
    /// (an order that is not confirmed, storage).
    pub async fn issue_for_order(&self, order: OrderId) -> Result<Invoice, InvoiceServiceError> {
        let stored = self
            .orders
            .get(order)
            .await?
            .ok_or(InvoiceServiceError::NoSuchOrder(order.get()))?;
        let now = (self.clock)();
        let invoice = self
            .invoices
            .issue_for_order(order, |number| {
                Invoice::generate_from_order(
                    number,
                    &stored,
                    &self.settings,
                    |sku| self.rates.get(sku).copied(),
                    now,
                )
            })
            .await?;
        Ok(invoice)
    }

    /// Voids the invoice of a cancelled order, if it has one that is not
    /// paid. Returns the voided invoice.
    ///
    /// # Errors
    ///
    /// [`InvoiceServiceError::Repository`].
    pub async fn void_for_order(
        &self,
        order: OrderId,
        reason: &str,
    ) -> Result<Option<Invoice>, InvoiceServiceError> {
        let Some(mut invoice) = self.invoices.for_order(order).await? else {
            return Ok(None);
        };
        if invoice.void(reason).is_err() {
            // Paid or void already: nothing to change.
            return Ok(None);
        }
        Ok(self
            .invoices
            .save_status(&invoice)
            .await?
            .then_some(invoice))
    }

    /// The customer's invoices, newest first.
    ///
    /// # Errors
    ///
    /// [`InvoiceServiceError::Repository`].
    pub async fn customer_invoices(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> Result<Vec<Invoice>, InvoiceServiceError> {
        Ok(self.invoices.for_customer(customer, limit).await?)
    }

    /// The invoice of `order`, if it has one.
    ///
    /// # Errors
    ///
    /// [`InvoiceServiceError::Repository`].
    pub async fn order_invoice(
        &self,
        order: OrderId,
    ) -> Result<Option<Invoice>, InvoiceServiceError> {
        Ok(self.invoices.for_order(order).await?)
    }

    /// Invoice `number`, whoever's it is.
    ///
    /// # Errors
    ///
    /// [`InvoiceServiceError::Repository`].
    pub async fn invoice(
        &self,
        number: InvoiceNumber,
    ) -> Result<Option<Invoice>, InvoiceServiceError> {
        Ok(self.invoices.by_number(number).await?)
    }

    /// Invoice `number`, if it is the customer's.
    ///
    /// # Errors
    ///
    /// [`InvoiceServiceError::Repository`].
    pub async fn customer_invoice(
        &self,
        customer: &CustomerPhone,
        number: InvoiceNumber,
    ) -> Result<Option<Invoice>, InvoiceServiceError> {
        Ok(self
            .invoices
            .by_number(number)
            .await?
            .filter(|i| i.customer() == customer))
    }

    /// Records the payment of invoice `number` with the payment's
    /// `reference` (a UTR, a cheque number). Returns the paid invoice, or
    /// `None` when there is no such invoice.
    ///
    /// # Errors
    ///
    /// [`InvoiceServiceError::Issue`] with [`InvoiceError`] when the invoice
    /// is void or paid already (or the reference is empty);
    /// [`InvoiceServiceError::Repository`].
    pub async fn record_payment(
        &self,
        number: InvoiceNumber,
        reference: &str,
    ) -> Result<Option<Invoice>, InvoiceServiceError> {
        let Some(mut invoice) = self.invoices.by_number(number).await? else {
            return Ok(None);
        };
        invoice
            .mark_as_paid(reference, (self.clock)())
            .map_err(|e| InvoiceServiceError::Issue(e.into()))?;
        if self.invoices.save_status(&invoice).await? {
            Ok(Some(invoice))
        } else {
            // Paid or voided by someone else meanwhile: say which.
            let now = self.invoices.by_number(number).await?;
            let err = match now.map(|i| i.status().clone()) {
                Some(InvoiceStatus::Void { .. }) => InvoiceError::IsVoid(number),
                _ => InvoiceError::AlreadyPaid(number),
            };
            Err(InvoiceServiceError::Issue(err.into()))
        }
    }
}
