//! [`InvoiceService`]: issue an order's invoice, void it, record its
//! payment, read one or a customer's. The only place with invoice business
//! logic.

use std::collections::HashMap;

use super::commands::{IssueInvoice, RecordPayment, VoidOrderInvoice};
use super::domain::{GstRate, Invoice, InvoiceStatus, TaxSettings};
use super::error::InvoiceError;
use super::ports::InvoiceRepository;
use super::queries::{CustomerInvoice, CustomerInvoices, GetInvoice, ListInvoices, OrderInvoice};
use crate::orders::OrderRepository;
use crate::shared::Now;

/// Issues and reads invoices, over an [`InvoiceRepository`], reading
/// orders from an [`OrderRepository`].
///
/// Issue, due and payment dates come from the injected [`Now`].
#[derive(Debug, Clone)]
pub struct InvoiceService<I, O> {
    invoices: I,
    orders: O,
    settings: TaxSettings,
    /// Product GST rates that differ from the shop's default, by SKU.
    rates: HashMap<String, GstRate>,
    now: Now,
}

impl<I, O> InvoiceService<I, O>
where
    I: InvoiceRepository,
    O: OrderRepository,
{
    /// A service over `invoices` and `orders`, with the shop's `settings`,
    /// reading the time from `now`.
    #[must_use]
    pub fn new(invoices: I, orders: O, settings: TaxSettings, now: Now) -> Self {
        Self {
            invoices,
            orders,
            settings,
            rates: HashMap::new(),
            now,
        }
    }

    /// Products whose GST rate differs from the shop's default.
    #[must_use]
    pub fn with_rates(mut self, rates: impl IntoIterator<Item = (String, GstRate)>) -> Self {
        self.rates = rates.into_iter().collect();
        self
    }

    /// The order's invoice, issued now if it has none (at most one per
    /// order, however often this runs: a retried job issues nothing new).
    ///
    /// # Errors
    ///
    /// [`InvoiceError::NoSuchOrder`]; [`InvoiceError::OrderNotConfirmed`]
    /// for an order not confirmed (or cancelled before its invoice was
    /// made); [`InvoiceError::Empty`], [`InvoiceError::Money`] from the
    /// domain; [`InvoiceError::Storage`].
    pub async fn issue_invoice(&self, cmd: IssueInvoice) -> Result<Invoice, InvoiceError> {
        let stored = self
            .orders
            .get(cmd.order)
            .await?
            .ok_or(InvoiceError::NoSuchOrder(cmd.order))?;
        let now = self.now.ms();
        self.invoices
            .issue_for_order(cmd.order, |number| {
                Invoice::generate_from_order(
                    number,
                    &stored,
                    &self.settings,
                    |sku| self.rates.get(sku).copied(),
                    now,
                )
                .map(|invoice| invoice.with_buyer(cmd.buyer))
            })
            .await
    }

    /// Voids the invoice of a cancelled order, if it has one that is not
    /// paid. Returns the voided invoice (`None`: no invoice, or paid or
    /// void already).
    ///
    /// # Errors
    ///
    /// [`InvoiceError::Storage`].
    pub async fn void_order_invoice(
        &self,
        cmd: VoidOrderInvoice,
    ) -> Result<Option<Invoice>, InvoiceError> {
        let Some(mut invoice) = self.invoices.for_order(cmd.order).await? else {
            return Ok(None);
        };
        if invoice.void(&cmd.reason).is_err() {
            // Paid or void already: nothing to change.
            return Ok(None);
        }
        Ok(self
            .invoices
            .save_status(&invoice)
            .await?
            .then_some(invoice))
    }

    /// Records the payment of invoice `number` with the payment's
    /// reference. Returns the paid invoice, or `None` when there is no such
    /// invoice.
    ///
    /// # Errors
    ///
    /// [`InvoiceError::AlreadyPaid`], [`InvoiceError::IsVoid`] (also when it
    /// was paid or voided meanwhile), [`InvoiceError::MissingReference`];
    /// [`InvoiceError::Storage`].
    pub async fn record_payment(
        &self,
        cmd: RecordPayment,
    ) -> Result<Option<Invoice>, InvoiceError> {
        let Some(mut invoice) = self.invoices.by_number(cmd.number).await? else {
            return Ok(None);
        };
        invoice.mark_as_paid(&cmd.reference, self.now.ms())?;
        if self.invoices.save_status(&invoice).await? {
            Ok(Some(invoice))
        } else {
            // Paid or voided by someone else meanwhile: say which.
            let now = self.invoices.by_number(cmd.number).await?;
            Err(match now.map(|i| i.status().clone()) {
                Some(InvoiceStatus::Void { .. }) => InvoiceError::IsVoid(cmd.number),
                _ => InvoiceError::AlreadyPaid(cmd.number),
            })
        }
    }

    /// The customer's invoices, newest first.
    ///
    /// # Errors
    ///
    /// [`InvoiceError::Storage`].
    pub async fn customer_invoices(
        &self,
        query: CustomerInvoices,
    ) -> Result<Vec<Invoice>, InvoiceError> {
        Ok(self
            .invoices
            .for_customer(&query.customer, query.limit)
            .await?)
    }

    /// Every customer's invoices, newest first, a page at a time (see
    /// [`ListInvoices`]).
    ///
    /// # Errors
    ///
    /// [`InvoiceError::Storage`].
    pub async fn list_invoices(&self, query: ListInvoices) -> Result<Vec<Invoice>, InvoiceError> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        Ok(self.invoices.list(query.before, query.limit).await?)
    }

    /// The invoice of an order, if it has one.
    ///
    /// # Errors
    ///
    /// [`InvoiceError::Storage`].
    pub async fn order_invoice(
        &self,
        query: OrderInvoice,
    ) -> Result<Option<Invoice>, InvoiceError> {
        Ok(self.invoices.for_order(query.order).await?)
    }

    /// Invoice `number`, whoever's it is.
    ///
    /// # Errors
    ///
    /// [`InvoiceError::Storage`].
    pub async fn get_invoice(&self, query: GetInvoice) -> Result<Option<Invoice>, InvoiceError> {
        Ok(self.invoices.by_number(query.number).await?)
    }

    /// Invoice `number`, if it is the customer's.
    ///
    /// # Errors
    ///
    /// [`InvoiceError::Storage`].
    pub async fn customer_invoice(
        &self,
        query: CustomerInvoice,
    ) -> Result<Option<Invoice>, InvoiceError> {
        Ok(self
            .invoices
            .by_number(query.number)
            .await?
            .filter(|i| i.customer() == &query.customer))
    }
}
