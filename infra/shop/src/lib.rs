//! The shop's adapters: its repositories on the SQL database of
//! `infra_sql`, its schema history, and invoices as PDF. The only infra
//! crate that knows `features`.
//!
//! | module | implements |
//! |---|---|
//! | [`customers`] | `features::customers::CustomerRepository` (tags, and consent in `infra_sql`'s `marketing_opt_outs`) |
//! | [`products`] | `features::catalog::ProductRepository` |
//! | [`orders`] | `features::orders::OrderRepository` |
//! | [`invoices`] | `features::invoices::InvoiceRepository` |
//! | [`reminders`] | `features::reminders::ReminderRepository` |
//! | [`secrets`] | secrets a deployment makes for itself (invoice link keys) |
//! | [`sync_marks`] | when each sync last succeeded (the Zoho catalog's) |
//! | [`pdf`] | invoices as PDF documents |
//! | [`migrations`] | the shop's schema history ([`Migrator`]), with `infra_sql`'s |
//! | [`schema`] | the shop's tables as the repositories name them |
//!
//! Every repository runs its statements through an [`infra_sql::Database`],
//! so inside a turn's [`UnitOfWork`](infra_sql::UnitOfWork) they join the
//! turn's one transaction.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use features::catalog::{ProductRepository as _, demo};
//! use infra_shop::products::DbProductRepository;
//! use infra_sql::{Database, DatabaseSettings};
//!
//! let db = Database::connect(&DatabaseSettings::in_memory()).await?;
//! db.migrate_with::<infra_shop::Migrator>().await?;
//! let products = DbProductRepository::new(db.clone());
//! products.upsert(demo::products(), false).await?;
//! assert_eq!(products.count().await?, 13);
//! # Ok(())
//! # }
//! ```
//!
//! **Architecture Invariant:** depends on `framework`, `features` and
//! `infra_sql`; nothing reusable lives here.

pub mod campaigns;
pub mod customers;
pub mod handoff;
pub mod invoices;
pub mod migrations;
pub mod orders;
pub mod pdf;
pub mod products;
pub mod reminders;
pub mod rules;
pub mod schema;
pub mod secrets;
pub mod sync_marks;

pub use self::migrations::Migrator;

/// The README's examples, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
