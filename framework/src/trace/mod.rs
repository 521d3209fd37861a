//! A span per message, a log line per turn, and turn metrics.
//!
//! Each message runs inside a `turn` span carrying the provider, a
//! **pseudonym** of the conversation key (a keyed hash, see
//! [`set_pseudonym_key`]: phone numbers stay out of logs), the provider
//! message id and the content kind; when the turn ends the span gets its
//! outcome and latency and one `info` line is logged. It also records, through
//! the [`metrics`] facade (a no-op until the application installs a recorder,
//! e.g. a Prometheus exporter):
//!
//! - `campanile_turns_total{provider, outcome}` (counter),
//! - `campanile_turn_duration_seconds{provider}` (histogram).
//!
//! # Example
//!
//! ```
//! use framework::trace::TraceLayer;
//! use framework::{BoxError, InboundMessage, Response};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! let bot = ServiceBuilder::new()
//!     .layer(TraceLayer::new())
//!     .service(service_fn(|_msg: InboundMessage| async {
//!         Ok::<_, BoxError>(Response::reply("hello"))
//!     }));
//! // logs: turn{provider=local conversation=3f2a… message_id=doc-1 kind=text}: turn finished outcome=handled latency_ms=0 replies=1
//! bot.oneshot(framework::doc::text("hi")).await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Ordering
//!
//! Outermost, so the span covers every other layer and the latency is the
//! whole turn's.
//!
//! # Fields recorded
//!
//! | field | when | value |
//! |---|---|---|
//! | `provider` | start | `twilio`, `meta`, `local` |
//! | `conversation` | start | [`ConversationKey::pseudonym`](crate::ConversationKey::pseudonym) |
//! | `message_id` | start | the provider's message id |
//! | `kind` | start | [`Content::kind`](crate::Content::kind) |
//! | `outcome` | end | [`Outcome`](crate::Outcome) or `error` |
//! | `latency_ms` | end | milliseconds in the pipeline |

mod pseudonym;
mod service;

pub(crate) use self::pseudonym::pseudonym_key;
pub use self::pseudonym::{MIN_PSEUDONYM_KEY_LEN, set_pseudonym_key};
pub use self::service::{ResponseFuture, Trace, TraceLayer};
