//! Orders: a customer's draft, confirmed, cancelled, dispatched and
//! delivered orders, and the stock they take.
//!
//! # Example
//!
//! ```
//! use features::catalog::{CatalogService, OrderLimits, QuoteRequest};
//! use features::orders::{ConfirmOrder, CreateOrder, OrderLine, OrderService, OrderStatus};
//! use features::shared::{CustomerPhone, Now};
//! use features::testing::{InMemOrderRepository, InMemProductRepository, RecordingFollowUp};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let products = InMemProductRepository::default();
//! let catalog = CatalogService::new(products.clone(), OrderLimits::default());
//! catalog.seed_demo().await?;
//! let orders = OrderService::new(
//!     InMemOrderRepository::new(products.clone()),
//!     catalog.clone(),
//!     RecordingFollowUp::default(),
//!     Now::fixed(1_700_000_000_000),
//! );
//!
//! let customer = CustomerPhone::parse("whatsapp:+919876543210")?;
//! let quote = catalog.quote(&QuoteRequest::new("white cement x 10")).await?;
//! let order = orders
//!     .create_order(CreateOrder {
//!         customer: customer.clone(),
//!         currency: quote.currency(),
//!         lines: quote.lines().iter().map(OrderLine::from).collect(),
//!         idempotency_key: "wamid.123".to_owned(),
//!     })
//!     .await?;
//! assert_eq!(order.status(), OrderStatus::Draft);
//!
//! let id = order.id().expect("stored orders have an id");
//! let order = orders.confirm_order(ConfirmOrder { order_id: id, customer }).await?;
//! assert_eq!(order.status(), OrderStatus::Confirmed);
//! assert_eq!(order.total().to_string(), "₹9,500");
//! // The 10 bags were taken from White Cement's stock of 40.
//! # let stock = products.stock_of("CEM-WHITE");
//! # assert_eq!(stock, Some(30));
//! # Ok(())
//! # }
//! ```
//!
//! A customer's "confirm" is [`OrderService::place_order`], which does
//! these steps and more (see its example).
//!
//! # Layout
//!
//! - [`domain`]: [`Order`] and its life cycle, [`OrderLine`], [`OrderStatus`].
//! - [`commands`], [`queries`]: one struct per intent / read.
//! - [`ports`]: [`OrderRepository`] (stock effects happen in storage,
//!   atomically with the status change), [`Pricing`] (the catalog as it is
//!   now), [`OrderFollowUp`] (what follows a placed order; it commits with
//!   the order).
//! - [`service`]: the [`OrderService`]; [`OrderService::place_order`] is
//!   the customer's "confirm".
//! - [`error`]: [`OrderError`], with `is_user_error()`.

pub mod commands;
pub mod domain;
pub mod error;
pub mod ports;
pub mod queries;
pub mod service;

pub use commands::{CancelOrder, ConfirmOrder, CreateOrder, PlaceOrder};
pub use domain::{Order, OrderLine, OrderStatus};
pub use error::OrderError;
pub use ports::{OrderFollowUp, OrderRepository, Pricing, TransitionError};
pub use queries::{CustomerOrders, GetOrder, ListOrders, OrderSummary};
pub use service::OrderService;
