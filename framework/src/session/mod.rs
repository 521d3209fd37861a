//! Load a conversation's session before the turn, save it after, and run one
//! turn per conversation at a time.
//!
//! The layer takes the conversation's lane from a [`ConversationLock`] (turns
//! of one customer never run at once, and run in arrival order), loads the
//! [`Session`] from a [`SessionStore`], puts it in the message's extensions,
//! calls the inner service, saves the session (restarting its time to live),
//! and frees the lane. A failed turn saves nothing.
//!
//! With [`SessionLayer::with_turn_scope`], the load, the inner service and
//! the save run as one unit of a [`TurnScope`] (the bot's is one database
//! transaction), committed before the lane is freed.
//!
//! # Example
//!
//! ```
//! use framework::session::{InMemConversationLock, InMemSessionStore, Session, SessionLayer};
//! use framework::{BoxError, InboundMessage, Response};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! // Counts the customer's messages.
//! let bot = ServiceBuilder::new()
//!     .layer(SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new()))
//!     .service(service_fn(|msg: InboundMessage| async move {
//!         let session = msg.extensions().get::<Session>().cloned().unwrap_or_default();
//!         let seen: u32 = session.get("seen")?.unwrap_or(0) + 1;
//!         session.insert("seen", &seen)?;
//!         Ok::<_, BoxError>(Response::reply(format!("message #{seen}")))
//!     }));
//!
//! bot.clone().oneshot(framework::doc::text("hi")).await?;
//! let second = bot.oneshot(framework::doc::text("hi again")).await?;
//! assert_eq!(second.replies()[0].body(), Some("message #2"));
//! # Ok(())
//! # }
//! ```
//!
//! # Ordering
//!
//! Inside [`dedup`](crate::dedup) and [`rate_limit`](crate::rate_limit) (replays
//! and floods must not take the lane or touch state), outside
//! [`conversation`](crate::conversation), which keeps its state in the session.
//!
//! # Storage
//!
//! [`InMemSessionStore`] and [`InMemConversationLock`] serve one process. With
//! several instances, use the Redis implementations of `infra_redis`: a lease
//! with expiry and fencing tokens, so a crashed holder frees the lane after the
//! lease TTL and a stale holder's writes are refused. Every implementation
//! passes [`crate::testing::contract::session_store`] and
//! [`crate::testing::contract::conversation_lock`].
//!
//! # Errors
//!
//! [`SessionError`] when the lane stays busy for longer than the configured
//! wait, or the store fails. A stored session that is not valid JSON is logged
//! and replaced by an empty one rather than failing every turn of the customer.

mod data;
mod layer;
mod lock;
mod scope;
mod service;
mod store;

pub use self::data::{Session, SessionDataError};
pub use self::layer::{SessionConfig, SessionLayer};
pub use self::lock::{ConversationLock, InMemConversationLock, Lease, LockError};
pub use self::scope::{TurnScope, Unscoped};
pub use self::service::{SessionError, SessionService};
pub use self::store::{FencingToken, InMemSessionStore, SessionStore, SessionStoreError};
