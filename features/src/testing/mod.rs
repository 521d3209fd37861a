//! Test helpers shipped with the crate (feature `test-util`): in-memory
//! port fakes, a given/when/then harness per service, fixtures, and the
//! repository contract suites every storage implementation must pass.
//!
//! # Example
//!
//! ```
//! use features::orders::{ConfirmOrder, OrderError, OrderStatus};
//! use features::testing::{fixtures, orders};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let cement = fixtures::product("CEM", "Cement", 350, Some(10));
//! let draft = fixtures::order(1, fixtures::customer(), OrderStatus::Draft, vec![fixtures::line(&cement, 4)]);
//!
//! orders::given(vec![draft])
//!     .with_products(vec![cement])
//!     .when(|svc| async move {
//!         svc.confirm_order(ConfirmOrder { order_id: fixtures::order_id(1), customer: fixtures::customer() })
//!             .await
//!     })
//!     .await
//!     .then_expect(|order| assert_eq!(order.status(), OrderStatus::Confirmed))
//!     .then_stock("CEM", Some(6));
//!
//! orders::given(vec![])
//!     .when(|svc| async move {
//!         svc.confirm_order(ConfirmOrder { order_id: fixtures::order_id(7), customer: fixtures::customer() })
//!             .await
//!     })
//!     .await
//!     .then_expect_error(|e| matches!(e, OrderError::NotFound));
//! # }
//! ```
//!
//! # Layout
//!
//! - [`InMemProductRepository`], [`InMemOrderRepository`]: one shared
//!   in-memory store, with the stock effects a database applies.
//! - [`InMemCustomerRepository`]: customers' tags and opt-outs.
//! - [`InMemCampaigns`], [`FixedAudience`], [`OptOutList`], [`NoReports`]:
//!   the campaigns' ports in memory.
//! - [`InMemRules`], [`InMemSubjects`], [`RecordingEffects`]: the
//!   rules' ports in memory.
//! - [`RecordingFollowUp`]: the [`OrderFollowUp`](crate::orders::OrderFollowUp)
//!   port, recording the orders it is asked to follow up.
//! - [`InMemOrderService`]: the order service over these fakes (pricing
//!   with a catalog over the same products).
//! - [`orders::given`], [`catalog::given`]: the harness; both end in a
//!   [`Then`].
//! - [`fixtures`]: phones, products, lines and orders for tests, and the
//!   one pinned time ([`fixtures::now`], [`fixtures::NOW_MS`]).
//! - [`contract`]: `product_repository`, `order_repository` and
//!   `customer_repository` suites.

// Test helpers report failures by panicking, like `assert!`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::missing_panics_doc)]

mod campaigns;
pub mod contract;
mod customers;
pub mod fixtures;
mod follow_up;
pub mod handoff;
mod harness;
mod inmem;
mod rules;
pub mod support;

pub use campaigns::{FixedAudience, InMemCampaigns, NoReports, OptOutList};
pub use customers::InMemCustomerRepository;
pub use follow_up::RecordingFollowUp;
pub use harness::{Then, catalog, orders};
pub use inmem::{InMemOrderRepository, InMemProductRepository};
pub use rules::{Effect, InMemRules, InMemSubjects, RecordingEffects};

/// The [`OrderService`](crate::orders::OrderService) over the in-memory
/// fakes: orders in an [`InMemOrderRepository`], pricing by a
/// [`CatalogService`](crate::catalog::CatalogService) over the same
/// products, follow-ups recorded by a [`RecordingFollowUp`].
pub type InMemOrderService = crate::orders::OrderService<
    InMemOrderRepository,
    crate::catalog::CatalogService<InMemProductRepository>,
    RecordingFollowUp,
>;
