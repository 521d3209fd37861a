//! Turn failures into one polite reply and a logged cause chain.
//!
//! The outermost layer (just inside [`trace`](crate::trace)): an error from any
//! layer or handler inside it (a store is down, a handler returned `Err`, a
//! handler panicked) becomes [`Response::failed`](crate::Response::failed) with
//! an apology to the customer, and the error's whole cause chain is logged at
//! `error` level. The provider then gets a 2xx and does not retry a turn that
//! would fail the same way. The service's error type is
//! [`Infallible`](std::convert::Infallible).
//!
//! User mistakes are not errors: handlers answer them with a reply.
//!
//! # Example
//!
//! ```
//! use framework::handle_error::HandleErrorLayer;
//! use framework::{BoxError, InboundMessage, Outcome, Response};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let bot = ServiceBuilder::new()
//!     .layer(HandleErrorLayer::new())
//!     .service(service_fn(|_msg: InboundMessage| async {
//!         Err::<Response, BoxError>("database unreachable".into())
//!     }));
//!
//! let r = bot.oneshot(framework::doc::text("Cement x 100")).await.unwrap();
//! assert_eq!(r.outcome(), Outcome::Failed);
//! assert!(r.replies()[0].body().unwrap().starts_with("Sorry"));
//! # }
//! ```
//!
//! # Ordering
//!
//! Outside everything whose failures it turns into a reply: dedup, rate limit,
//! session, conversation and the handlers. Inside trace, so the trace records
//! the outcome `failed`.
//!
//! # Customization
//!
//! [`HandleErrorLayer::with_apology`] sets the reply.
//! [`HandleErrorLayer::with_retry_when`] names the errors that are
//! transient (a database connection dropped): those are answered
//! [`Response::in_flight`](crate::Response::in_flight), so that the message
//! runs again when it is redelivered, instead of an apology.
//!
//! ```
//! use framework::handle_error::HandleErrorLayer;
//! use framework::{BoxError, InboundMessage, Outcome, Response};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let bot = ServiceBuilder::new()
//!     .layer(HandleErrorLayer::new().with_retry_when(|e| e.is::<std::io::Error>()))
//!     .service(service_fn(|_msg: InboundMessage| async {
//!         let dropped = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
//!         Err::<Response, BoxError>(dropped.into())
//!     }));
//!
//! let r = bot.oneshot(framework::doc::text("Cement x 100")).await.unwrap();
//! assert_eq!(r.outcome(), Outcome::InFlight);
//! assert!(r.replies().is_empty(), "no apology");
//! # }
//! ```

mod service;

pub use self::service::{HandleError, HandleErrorLayer, Transient};
