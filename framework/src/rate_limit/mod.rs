//! Per-conversation rate limit, decided in `call()` and answered with a reply.
//!
//! Each conversation (by default; see [`KeyFn`]) gets a [`Quota`], enforced
//! with GCRA in a [`RateStore`]. A message over the quota is not handled: the
//! customer gets one "please slow down" reply per window (the quota's period),
//! later messages in the window are dropped silently. Neither is an error, so
//! the provider is answered 2xx and does not retry.
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//!
//! use framework::rate_limit::{InMemRateStore, Quota, RateLimitConfig, RateLimitLayer};
//! use framework::{BoxError, InboundMessage, Outcome, Response};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! let config = RateLimitConfig::default().with_quota(Quota::new(2, Duration::from_secs(60)));
//! let bot = ServiceBuilder::new()
//!     .layer(RateLimitLayer::new(InMemRateStore::new(), config))
//!     .service(service_fn(|_msg: InboundMessage| async {
//!         Ok::<_, BoxError>(Response::reply("ok"))
//!     }));
//!
//! let mut outcomes = Vec::new();
//! for _ in 0..4 {
//!     let r = bot.clone().oneshot(framework::doc::text("hi")).await?;
//!     outcomes.push((r.outcome(), r.replies().len()));
//! }
//! assert_eq!(outcomes, [
//!     (Outcome::Handled, 1),
//!     (Outcome::Handled, 1),
//!     (Outcome::RateLimited, 1), // "please slow down", once
//!     (Outcome::RateLimited, 0), // then silence until the window ends
//! ]);
//! # Ok(())
//! # }
//! ```
//!
//! # Why not `tower::limit::RateLimit`
//!
//! tower's rate limit applies global backpressure through `poll_ready`: one noisy
//! customer would stall every conversation behind it. This layer decides per
//! key inside `call()`. Global backpressure belongs on outbound provider clients.
//!
//! # Ordering
//!
//! Inside [`dedup`](crate::dedup) (a provider's retries must not use up the
//! customer's budget) and outside [`session`](crate::session) (a flood must not
//! queue on the conversation's lane or load its session).
//!
//! # Storage
//!
//! [`InMemRateStore`] limits one process. Across instances use the Redis store
//! of `infra_redis` (`RedisRateStore`), which runs GCRA in a Lua script on the server's clock.

mod config;
mod key;
mod layer;
mod service;
mod store;

pub use self::config::{Quota, RateLimitConfig};
pub use self::key::{KeyFn, PerConversation};
pub use self::layer::RateLimitLayer;
pub use self::service::RateLimit;
pub use self::store::{InMemRateStore, RateDecision, RateStore, RateStoreError};
