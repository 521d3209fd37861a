//! Invoices: generated from a confirmed order, with GST per line (the
//! CGST/SGST split shown), totals and a due date; issued, then paid or
//! void.
//!
//! Issue 5 is in progress: the domain, the [`InvoiceRepository`] port
//! (per-shop, gap-free numbering; one invoice per order) and the
//! [`InvoiceService`] (issue an order's invoice, list a customer's, void the
//! invoice of a cancelled order) exist; an order cancelled before its
//! invoice is made gets none. Not built yet: a way to record a payment
//! (the repository stores it, nothing calls it), the PDF, the jobs that
//! send it.
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

pub mod domain;
pub mod ports;
pub mod service;

pub use domain::{
    GstRate, Invoice, InvoiceError, InvoiceLine, InvoiceNumber, InvoiceStatus, PriceBasis,
    TaxSettings,
};
pub use ports::{InvoiceRepository, IssueError};
pub use service::{InvoiceService, InvoiceServiceError};
