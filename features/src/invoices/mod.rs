//! Invoices: generated from a confirmed order, with GST per line (the
//! CGST/SGST split shown), totals and a due date; issued, then paid or
//! void.
//!
//! The bot issues invoices in a `process-order` job, renders the PDF
//! (`infra_shop::pdf`) and sends it in a `send-invoice` job.
//!
//! # Example
//!
//! ```
//! use features::invoices::{GstRate, InvoiceLine, PriceBasis};
//! use features::shared::{Currency, Money};
//!
//! // 100 bags at ₹350, GST included at 18 %: the customer pays ₹35,000,
//! // of which ₹5,338.98 is tax, split between CGST and SGST.
//! let line = InvoiceLine::new(
//!     "Cement",
//!     100,
//!     "bag",
//!     Money::new(35_000, Currency::INR),
//!     GstRate::from_basis_points(1800)?,
//!     PriceBasis::TaxInclusive,
//! )?;
//! assert_eq!(line.total.to_string(), "₹35,000");
//! assert_eq!(line.taxable.minor() + line.cgst.minor() + line.sgst.minor(), 3_500_000);
//! assert_eq!(line.cgst, line.sgst);
//! # Ok::<(), features::invoices::InvoiceError>(())
//! ```
//!
//! # Layout
//!
//! - [`domain`]: [`Invoice::generate_from_order`], `mark_as_paid` (with a
//!   payment reference), `void`; [`InvoiceNumber`] (`INV-00042`); GST
//!   ([`GstRate`], [`InvoiceLine`], [`TaxSettings`]); [`words`]: the total
//!   in words ([`amount_in_words`], Indian numbering).
//! - [`commands`]: [`IssueInvoice`], [`VoidOrderInvoice`],
//!   [`RecordPayment`]; [`queries`]: [`CustomerInvoices`], [`GetInvoice`],
//!   [`OrderInvoice`], [`CustomerInvoice`].
//! - [`ports`]: the [`InvoiceRepository`]: per-shop, gap-free numbering;
//!   one invoice per order.
//! - [`service`]: the [`InvoiceService`]: issue an order's invoice (an
//!   order cancelled before gets none), void the invoice of a cancelled
//!   order, record a payment, read one or a customer's.
//! - [`error`]: [`InvoiceError`], with `is_user_error()` and
//!   `is_retryable()`.

pub mod commands;
pub mod domain;
pub mod error;
pub mod ports;
pub mod queries;
pub mod service;
pub mod words;

pub use commands::{IssueInvoice, RecordPayment, VoidOrderInvoice};
pub use domain::{
    Buyer, GstRate, Invoice, InvoiceLine, InvoiceNumber, InvoiceStatus, PriceBasis, TaxSettings,
};
pub use error::InvoiceError;
pub use ports::InvoiceRepository;
pub use queries::{CustomerInvoice, CustomerInvoices, GetInvoice, ListInvoices, OrderInvoice};
pub use service::InvoiceService;
pub use words::amount_in_words;
