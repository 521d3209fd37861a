//! Campanile's domain: the shop's bounded contexts, each with the shape
//! domain / commands / queries / ports / service / error.
//!
//! Pure logic: no IO, no async runtime. Services are generic over the
//! repository traits (ports) each feature declares; `infra` implements them
//! on a database, `testing` (feature `test-util`) in memory.
//!
//! **Architecture Invariant:** this crate depends on no workspace crate.
//!
//! # Layout
//!
//! - [`shared`]: value objects used by every feature: `Money` (integer
//!   minor units, never `f64`) and `Currency`, `CustomerPhone` (E.164),
//!   `OrderId`/`OrderNumber`, and `RepositoryError`.
//! - [`catalog`]: products, reading order messages ("Cement x 100, 10
//!   bricks"), fuzzy product matching, quotes, CSV import, a demo catalog.
//! - [`orders`]: the order life cycle (draft → confirmed → dispatched →
//!   delivered, or cancelled) and the stock it takes.
//! - [`invoices`]: invoices from confirmed orders, GST per line with the
//!   CGST/SGST split, due dates, paid or void.
//! - [`reminders`]: payment and custom reminders, checked when they fire,
//!   quiet hours in the shop's time zone (the domain so far).
//! - `testing` (feature `test-util`): in-memory repositories, a
//!   given/when/then harness per service, fixtures, and the repository
//!   contract suites every storage implementation must pass.
//!
//! # Errors
//!
//! Each module that can fail has its own `thiserror` enum. Service errors
//! (`CatalogError`, `OrderError`) have `is_user_error()`: `true` means the
//! message is written for the customer, `false` means log the cause chain
//! and apologise. Repository failures reach services as
//! `RepositoryError` and leave them as `Unexpected`.

pub mod catalog;
pub mod invoices;
pub mod orders;
pub mod reminders;
pub mod shared;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
