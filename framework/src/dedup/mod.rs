//! Drop replayed webhooks by provider message id.
//!
//! Providers deliver webhooks at least once: Twilio retries on timeouts, Meta
//! retries for up to 7 days and sends to every subscribed app. The dedup layer
//! claims each message's [dedup key](crate::InboundMessage::dedup_key) in a
//! [`SeenStore`] before anything else touches it; a message seen before is
//! answered with [`Response::duplicate`](crate::Response::duplicate) and nothing
//! runs. It also drops messages older than a maximum age (a week-late retry must
//! not get a fresh answer) with [`Response::stale`](crate::Response::stale).
//!
//! # Example
//!
//! ```
//! use framework::dedup::{DedupLayer, InMemSeenStore};
//! use framework::{BoxError, InboundMessage, Outcome, Response};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! let bot = ServiceBuilder::new()
//!     .layer(DedupLayer::new(InMemSeenStore::new()))
//!     .service(service_fn(|_msg: InboundMessage| async {
//!         Ok::<_, BoxError>(Response::reply("Got it"))
//!     }));
//!
//! let msg = framework::doc::text("Cement x 100");
//! let first = bot.clone().oneshot(msg.clone()).await?;
//! let retry = bot.oneshot(msg).await?;
//! assert_eq!(first.outcome(), Outcome::Handled);
//! assert_eq!(retry.outcome(), Outcome::Duplicate);
//! assert!(retry.replies().is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! # Ordering
//!
//! Put dedup outside the rate limit and the session: a provider's retry storm
//! then neither uses up the customer's rate budget nor touches their session.
//! Put it inside [`handle_error`](crate::handle_error), whose apology must also
//! cover a failing dedup store.
//!
//! # Storage
//!
//! [`InMemSeenStore`] serves one process. Several instances share a Redis
//! implementation from `infra_redis`; every implementation passes
//! [`crate::testing::contract::seen_store`].
//!
//! # Errors
//!
//! A store failure is an error, and the message is not processed. When the
//! inner service fails, or the turn's future is dropped before it ends, the
//! claim is released so a later delivery of the message is processed; when it
//! succeeds, the key is kept for [`DedupConfig::ttl`].
//!
//! A turn that is cut off after its replies reached the outbox (a timeout
//! wrapped around the pipeline, say) also gives its claim back, and a later
//! delivery would send them again; bound turns with the session layer's
//! [`with_max_turn`](crate::session::SessionConfig::with_max_turn) instead.
//!
//! The in-flight claim is short (10 s by default) and renewed every third of
//! it while the turn runs ([`lease::renewing`](crate::lease::renewing)), so a
//! long turn keeps its claim and a crashed worker's message may run again
//! soon after.
//!
//! With [`handle_error`](crate::handle_error) outside this layer (as
//! recommended), a failed turn is answered with an apology and a 2xx, so the
//! provider does not retry it; the release matters for retries the provider
//! makes anyway (a timeout, a second subscribed app) and for pipelines that
//! let errors reach the webhook (it then answers 500 and the provider
//! retries).

mod layer;
mod service;
mod store;

pub use self::layer::{DedupConfig, DedupLayer};
pub use self::service::Dedup;
pub use self::store::{Claim, ClaimToken, InMemSeenStore, SeenStore, SeenStoreError};
