//! The catalog: what the shop sells, and turning a customer's order message
//! into a priced [`Quote`].
//!
//! # Example
//!
//! ```
//! use features::catalog::{CatalogService, OrderLimits, QuoteProblem, QuoteRequest};
//! use features::testing::InMemProductRepository;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), features::catalog::CatalogError> {
//! let catalog = CatalogService::new(InMemProductRepository::default(), OrderLimits::default());
//! catalog.seed_demo().await?;
//!
//! let quote = catalog.quote(&QuoteRequest::new("Cement x 100, 10 bricks")).await?;
//! assert!(quote.is_orderable());
//! assert_eq!(quote.lines()[0].name, "Cement");
//! assert_eq!(quote.total().to_string(), "₹35,080");
//!
//! // "pipe" could be either PVC pipe: the customer must choose.
//! let quote = catalog.quote(&QuoteRequest::new("pipe x 10")).await?;
//! let QuoteProblem::Ambiguous { phrase, options, .. } = &quote.problems()[0] else {
//!     panic!("expected a choice");
//! };
//! let choice = options[0].0.clone();
//! let quote = catalog
//!     .quote(&QuoteRequest::new("pipe x 10").with_resolved(phrase.clone(), choice))
//!     .await?;
//! assert_eq!(quote.lines()[0].name, "PVC Pipe 1 inch");
//! # Ok(())
//! # }
//! ```
//!
//! (`features::testing` needs the `test-util` feature; this crate's own
//! tests and doctests enable it.)
//!
//! # Layout
//!
//! - [`domain`]: [`Sku`], [`Unit`], [`Product`], [`OrderLimits`].
//! - [`parse`]: order message → [`RequestedItem`]s.
//! - [`matching`]: phrase → [`Product`] ([`Catalog::find`]).
//! - [`quote`]: [`Quote`], [`QuoteLine`], [`QuoteProblem`].
//! - [`import`]: CSV → products ([`parse_csv`]).
//! - [`demo`]: a demo construction-materials catalog.
//! - [`sync`]: keeping the catalog in step with an external one (the
//!   shop's CRM): [`SyncedProduct`], the rules.
//! - [`commands`], [`queries`], [`ports`], [`service`], [`error`]: the
//!   usual feature shape.
//!
//! # Errors
//!
//! Problems in a customer's message are not errors: they are
//! [`QuoteProblem`]s inside an `Ok` quote. [`CatalogError`] is for
//! operations that could not be carried out.

pub mod commands;
pub mod demo;
pub mod domain;
pub mod error;
pub mod import;
pub mod matching;
pub mod parse;
pub mod ports;
pub mod queries;
pub mod quote;
pub mod service;
pub mod sync;
pub(crate) mod text;

pub use commands::{ImportCatalog, ImportOutcome, SeedDemoCatalog, SyncCatalog, SyncOutcome};
pub use domain::{OrderLimits, Product, ProductDraft, Sku, Unit};
pub use error::{CatalogError, ProductError};
pub use import::{CsvReport, ImportError, RejectedRow, parse_csv};
pub use matching::{Catalog, ProductMatch};
pub use parse::{ParseError, QuantitySpec, RequestedItem, parse_request};
pub use ports::{ProductRepository, SourcedProduct, SyncChanges, UpsertCounts};
pub use queries::{ListProducts, QuoteRequest};
pub use quote::{Quote, QuoteLine, QuoteProblem};
pub use service::CatalogService;
pub use sync::{SkippedProduct, SyncCounts, SyncedProduct};
