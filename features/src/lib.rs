//! Campanile's domain: the shop's bounded contexts, each with the shape
//! domain / commands / queries / ports / service / error.
//!
//! Pure logic: no IO, no async runtime. Services are generic over the
//! repository traits (ports) each feature declares; `infra_shop` implements them
//! on a database, `testing` (feature `test-util`) in memory.
//!
//! **Architecture Invariant:** this crate depends on no workspace crate.
//!
//! # Layout
//!
//! - [`shared`]: value objects used by every feature: `Money` (integer
//!   minor units, never `f64`) and `Currency`, `CustomerPhone` (E.164),
//!   `OrderId`/`OrderNumber`, `RepositoryError`, and `Now`, the injected
//!   time.
//! - [`catalog`]: products, reading order messages ("Cement x 100, 10
//!   bricks"), fuzzy product matching, quotes, CSV import, a demo catalog.
//! - [`customers`]: customers' tags, and their consent: STOP / START and
//!   provider opt-outs, with scope, source and time;
//!   `may_receive_marketing`, the question campaigns ask.
//! - [`orders`]: the order life cycle (draft → confirmed → dispatched →
//!   delivered, or cancelled) and the stock it takes; placing an order
//!   (price again, create, confirm, follow up).
//! - [`invoices`]: invoices from confirmed orders, GST per line with the
//!   CGST/SGST split, due dates, paid or void.
//! - [`reminders`]: payment and custom reminders, checked when they fire,
//!   quiet hours in the shop's time zone.
//! - [`campaigns`]: a message to an audience of customers, each at most
//!   once, paced and reported exactly.
//! - `testing` (feature `test-util`): in-memory repositories, a
//!   given/when/then harness per service, fixtures, and the repository
//!   contract suites every storage implementation must pass.
//!
//! # Time
//!
//! This crate never reads the system clock. Services that stamp or compare
//! times take a [`shared::Now`] in their constructor; give them all the
//! same one (the bot wraps its one clock, tests pin one time).
//!
//! # Errors
//!
//! Each feature has one `thiserror` enum in its `error` module
//! (`CatalogError`, `CustomerError`, `OrderError`, `InvoiceError`,
//! `ReminderError`, `CampaignError`) with
//! `is_user_error()`: `true` means the message is written for the customer
//! (or the operator), `false` means log the cause chain and apologise.
//! Repository failures reach services as `RepositoryError` and leave them
//! as `Unexpected` (catalog, orders) or `Storage` (invoices, reminders,
//! whose errors also say `is_retryable()`, for the jobs that run them).

pub mod campaigns;
pub mod catalog;
pub mod customers;
pub mod handoff;
pub mod invoices;
pub mod orders;
pub mod reminders;
pub mod rules;
pub mod shared;
pub mod support;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;
