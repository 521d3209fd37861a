//! The framework's store traits on Redis, so several instances behave as one
//! bot: a message is handled once, a conversation's turns run one at a time
//! in arrival order, and a rate limit holds across all of them.
//!
//! [`connect`] opens one [`RedisConnection`] per process (the redis crate's
//! reconnecting, multiplexed [`ConnectionManager`](redis::aio::ConnectionManager));
//! every store is a cheap clone of it plus the key prefix:
//!
//! | Trait | Redis implementation |
//! |---|---|
//! | [`SeenStore`](framework::dedup::SeenStore) | [`RedisSeenStore`] |
//! | [`RateStore`](framework::rate_limit::RateStore) | [`RedisRateStore`] |
//! | [`SessionStore`](framework::session::SessionStore) | [`RedisSessionStore`] |
//! | [`ConversationLock`](framework::session::ConversationLock) | [`RedisConversationLock`] |
//! | [`JobQueue`](framework::jobs::JobQueue) | [`jobs::RedisJobQueue`] (BullMQ, on connections of its own) |
//!
//! Each passes the framework's contract suite
//! (`framework::testing::contract`, feature `test-util`) against a real
//! server.
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use framework::dedup::{Claim, SeenStore};
//! use framework::session::{ConversationLock, SessionStore};
//! use infra_redis::{RedisConfig, connect};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let redis = connect(&RedisConfig::new("redis://127.0.0.1:6379").with_key_prefix("shop")).await?;
//!
//! // Dedup: the first attempt claims the message, a retry finds it in flight.
//! let seen = redis.seen_store();
//! let Claim::Claimed(token) = seen.claim("wamid.1", Duration::from_secs(60)).await? else {
//!     return Ok(()); // a duplicate
//! };
//! assert_eq!(seen.claim("wamid.1", Duration::from_secs(60)).await?, Claim::InFlight);
//!
//! // A turn: take the conversation's lane, then read and write its session
//! // with the lease's fencing token.
//! let (lock, sessions) = (redis.conversation_lock(), redis.session_store());
//! let lease = lock.acquire("whatsapp:+15550001", Duration::from_secs(30), Duration::from_secs(10)).await?;
//! let before = sessions.load(lease.key(), lease.token()).await?;
//! sessions.save(lease.key(), b"{\"cart\":[]}", Duration::from_secs(24 * 3600), lease.token()).await?;
//! lock.release(&lease).await?;
//!
//! seen.complete("wamid.1", &token, Duration::from_secs(7 * 24 * 3600)).await?;
//! # let _ = before;
//! # Ok(())
//! # }
//! ```
//!
//! # Storage
//!
//! Every key starts with the configured prefix ([`RedisConfig::with_key_prefix`],
//! `campanile` by default); `{key}` is the framework's key (a provider message
//! id, a conversation's storage key). Every key of these stores expires on
//! its own; nothing needs a cleanup job. The job queue's keys are BullMQ's,
//! `{prefix}:{queue}:…`, and are kept (see [`jobs`]).
//!
//! | Key | Type | Holds | Expires |
//! |---|---|---|---|
//! | `{prefix}:seen:{key}` | string | `claim:{token}` while in flight, then `done` | in-flight TTL, then the dedup TTL (caller's; 7 days by default) |
//! | `{prefix}:rate:{key}` | hash | GCRA `tat` and `notice` (µs, server clock) | when both have passed (≤ one period after the last message) |
//! | `{prefix}:session:{key}` | string | the session's bytes | the session TTL (caller's; 24 h by default) |
//! | `{prefix}:fence:{key}` | string | highest fencing token seen (decimal) | the session's remaining TTL + 1 h |
//! | `{prefix}:lock:{key}` | hash | the lease: `token`, `owner` (waiter id) | the lease TTL (caller's; 30 s by default) |
//! | `{prefix}:lockq:{key}` | sorted set | waiting ids, scored by ticket (arrival order) | 6 s after the last poll |
//! | `{prefix}:lockw:{key}` | sorted set | waiting ids, scored by heartbeat deadline (server ms) | 6 s after the last poll |
//! | `{prefix}:lockseq:{key}` | string | the conversation's ticket and fencing counter | 30 days after the last grant |
//!
//! # Atomicity
//!
//! Every operation is one command or one Lua script ([`redis::Script`]:
//! `EVALSHA`, loading the script when the server does not know it), so no
//! read-then-write race exists between instances. Scripts read the time with
//! `TIME`, so only the server's clock matters. Redis 7.0 or newer is needed
//! (`SET NX GET`, `ZRANGE BYSCORE`, effects replication of scripts). The
//! stores need one server (or a primary with replicas, or Sentinel); Redis
//! Cluster is not supported, as the scripts touch several keys of one
//! conversation.
//!
//! # Errors
//!
//! [`connect`] fails with [`RedisError`]. The stores fail with their trait's
//! `Backend` variant, whose source is a [`RedisError`]; the
//! connection reconnects by itself, so the next call may succeed;
//! [`is_transient`] tells such failures from the others.
//!
//! **Architecture Invariant:** depends on `framework` and well-kept crates
//! only; a bot without the shop uses it alone.

mod connection;
mod error;
pub mod jobs;
mod lock;
mod rate;
mod seen;
mod session;
mod support;
#[cfg(feature = "test-util")]
pub mod testing;
mod transient;

pub use self::connection::{RedisConfig, RedisConnection, RedisSettings, connect};
pub use self::error::RedisError;
pub use self::lock::RedisConversationLock;
pub use self::rate::RedisRateStore;
pub use self::seen::RedisSeenStore;
pub use self::session::RedisSessionStore;
pub use self::transient::is_transient;

/// The README's examples, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
