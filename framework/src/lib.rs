//! Campanile: WhatsApp bots as [tower] services.
//!
//! A message from Twilio or the Meta WhatsApp Cloud API is verified and
//! translated into a provider-neutral [`InboundMessage`], passes through an
//! ordered stack of tower layers, and reaches your handlers, plain `async fn`s
//! whose arguments are extractors. Their answers ([`Reply`](reply::Reply)s,
//! validated against WhatsApp's limits) go back out through an
//! [`Outbox`](webhook::Outbox).
//!
//! # An echo bot
//!
//! ```no_run
//! use framework::dedup::InMemSeenStore;
//! use framework::handler::{Router, Text};
//! use framework::webhook::{self, InlineOutbox, WebhookConfig};
//! use framework::ServiceBuilderExt;
//! use tower::ServiceBuilder;
//!
//! async fn echo(Text(text): Text) -> String {
//!     format!("You said: {text}")
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let bot = ServiceBuilder::new()
//!         .trace()
//!         .handle_errors()
//!         .dedup(InMemSeenStore::new())
//!         .service(Router::new().fallback(echo).into_service());
//!     let config = WebhookConfig::new()
//!         .with_twilio(std::env::var("TWILIO_AUTH_TOKEN")?, "https://bot.example.com");
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//!     // InlineOutbox answers Twilio in the webhook's TwiML: no API client needed.
//!     axum::serve(listener, webhook::routes(bot, InlineOutbox, config)).await?;
//!     Ok(())
//! }
//! ```
//!
//! # The pipeline
//!
//! ```text
//!        webhook (verified, parsed)            replies -> Outbox
//!               |                                   ^
//!   +-----------v-----------------------------------+----------+
//!   | trace          span, log line, metrics per turn          |
//!   | +--------------------------------------------------------+
//!   | | handle_error   errors and panics -> one apology        |
//!   | | +------------------------------------------------------+
//!   | | | dedup          provider retries -> Duplicate         |
//!   | | | +----------------------------------------------------+
//!   | | | | rate_limit     per conversation, GCRA, one notice  |
//!   | | | | +--------------------------------------------------+
//!   | | | | | session        lane + load / save, TTL         |
//!   | | | | | +------------------------------------------------+
//!   | | | | | | deliver        replies -> outbox, then save    |
//!   | | | | | | +----------------------------------------------+
//!   | | | | | | | menu         "2" / "Confirm" -> a choice   |
//!   | | | | | | | +--------------------------------------------+
//!   | | | | | | | | conversation typed state from session    |
//!   | | | | | | | | +------------------------------------------+
//!   | | | | | | | | | router -> handlers                     |
//! ```
//!
//! The [`guide::pipeline`] page explains the order. Build it with
//! [`ServiceBuilderExt`]; every layer is also usable on its own. Return it
//! as `impl` [`Pipeline`](pipeline::Pipeline), keep it as a
//! [`BoxPipeline`](pipeline::BoxPipeline).
//!
//! # Layout
//!
//! - [`message`]: the model: [`InboundMessage`], [`Content`], [`StatusEvent`],
//!   [`reply`], [`Response`], identities.
//! - [`provider`]: Twilio and Meta wire formats and signatures (pure, no IO).
//! - Layers, one module each: [`trace`], [`handle_error`], [`dedup`],
//!   [`rate_limit`], [`session`], [`conversation`]. Each storage need is a
//!   trait with an in-memory implementation.
//! - [`pipeline`]: a name for the whole stack ([`Pipeline`](pipeline::Pipeline),
//!   [`BoxPipeline`](pipeline::BoxPipeline)).
//! - [`deliver`]: replies go to the outbox before the turn completes.
//! - [`menu`]: typed answers to a menu ("2", "Confirm") become choices, so
//!   buttons work on Twilio's numbered text menus too.
//! - [`handler`]: handlers, extractors and the [`Router`](handler::Router).
//! - [`form`]: forms: questions with parsers and validators, reasons and
//!   retries, back / skip / cancel, a summary to confirm or edit, an
//!   inactivity timeout, the answers as your own type.
//! - [`webhook`]: the axum routes, [`Outbox`](webhook::Outbox) and
//!   [`Ingress`](webhook::Ingress).
//! - [`local`]: a terminal chat with any pipeline.
//! - [`jobs`]: background jobs: the [`JobQueue`](jobs::JobQueue) trait (its
//!   durable Redis and SQL implementations are in `infra_redis` and
//!   `infra_sql`), [`InMemJobQueue`](jobs::InMemJobQueue) in process memory
//!   (tests and single-process bots; its jobs do not survive a restart),
//!   job options, workers and dead letters.
//! - [`settings`](mod@settings): settings as data: an adapter's
//!   `XxxSettings` names the variables it is read from, once, on its fields
//!   ([`settings!`]); the bot reads them, libraries never do.
//! - [`clock`]: the wall clock as one injected value ([`clock::Clock`]);
//!   [`backoff`]: how long to wait before trying again; [`lease`]: a
//!   short lease renewed while the work it covers runs.
//! - `testing` (feature `test-util`): message builders, signed webhooks,
//!   transcripts, virtual time, storage contract suites.
//! - [`guide`]: longer pages: the pipeline, writing a layer, conversations,
//!   forms, testing.
//! - [`doc`]: fixtures the documentation's examples use (not an API to
//!   build on).
//!
//! # Feature flags
//!
//! - `test-util`: the test kit (`framework::testing`).

#[macro_use]
mod macros;

pub mod backoff;
mod builder;
pub mod clock;
pub mod conversation;
pub mod dedup;
pub mod deliver;
#[doc(hidden)]
pub mod doc;
pub mod form;
pub mod guide;
pub mod handle_error;
pub mod handler;
pub mod jobs;
pub mod lease;
pub mod local;
pub mod locale;
pub mod menu;
pub mod message;
pub mod pipeline;
pub mod provider;
pub mod rate_limit;
pub mod session;
pub mod settings;
mod time;
pub mod trace;
pub mod webhook;

#[cfg(any(test, feature = "test-util"))]
pub mod testing;

pub use crate::builder::ServiceBuilderExt;
pub use crate::message::reply;
pub use crate::message::{
    CatalogOrder, CatalogOrderItem, Contact, ContactPhone, Content, ConversationKey,
    DeliveryFailure, DeliveryStatus, InboundMessage, Location, Media, MediaKind, MessageId,
    Outcome, PhoneNumber, PhoneNumberError, Pricing, Provider, ProviderErrorEvent, Response,
    StatusEvent, UnaddressableMessage, WebhookEvent,
};

/// The boxed error type used at tower plumbing boundaries.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The boxed future our IO layers return (see
/// [`guide::writing_a_layer`]).
pub type BoxFuture<'a, T> = futures_util::future::BoxFuture<'a, T>;

/// The JSON library of [`FlowState::migrate`](conversation::FlowState::migrate)
/// and session values, re-exported so bots need not depend on it themselves.
#[doc(no_inline)]
pub use serde_json;
