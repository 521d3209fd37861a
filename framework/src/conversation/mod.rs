//! Typed conversation flows: a state enum the developer defines, persisted in
//! the session, versioned so stored states survive deploys.
//!
//! The layer reads the state from the [`Session`](crate::session::Session) (so
//! it must sit inside the [session layer](crate::session)), hands it to the
//! handler as a [`Conversation<S>`] in the message's extensions, and writes it
//! back when the handler changed it. Handlers take it with the
//! `Conversation<S>` extractor; the [router](crate::handler::Router) can route
//! by it with [`Router::state`](crate::handler::Router::state).
//!
//! # Example
//!
//! ```
//! use framework::conversation::{Conversation, ConversationLayer, FlowState};
//! use framework::session::{InMemConversationLock, InMemSessionStore, SessionLayer};
//! use framework::{BoxError, InboundMessage, Response};
//! use serde::{Deserialize, Serialize};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
//! enum Signup {
//!     #[default]
//!     Start,
//!     AskedName,
//!     Done { name: String },
//! }
//! impl FlowState for Signup {}
//!
//! async fn step(msg: InboundMessage) -> Result<Response, BoxError> {
//!     let flow = msg.extensions().get::<Conversation<Signup>>().cloned().ok_or("no flow")?;
//!     Ok(match flow.get() {
//!         Signup::Start => {
//!             flow.update(Signup::AskedName);
//!             Response::reply("What's your name?")
//!         }
//!         Signup::AskedName => {
//!             let name = msg.text().unwrap_or_default().to_owned();
//!             flow.update(Signup::Done { name: name.clone() });
//!             Response::reply(format!("Welcome, {name}!"))
//!         }
//!         Signup::Done { name } => Response::reply(format!("Hi again, {name}")),
//!     })
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! let bot = ServiceBuilder::new()
//!     .layer(SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new()))
//!     .layer(ConversationLayer::<Signup>::new())
//!     .service(service_fn(step));
//!
//! bot.clone().oneshot(framework::doc::text("hi")).await?;
//! let r = bot.clone().oneshot(framework::doc::text("Asha")).await?;
//! assert_eq!(r.replies()[0].body(), Some("Welcome, Asha!"));
//! let r = bot.oneshot(framework::doc::text("hello")).await?;
//! assert_eq!(r.replies()[0].body(), Some("Hi again, Asha"));
//! # Ok(())
//! # }
//! ```
//!
//! # Ordering
//!
//! Inside [`session`](crate::session); outside the router.
//!
//! # Versions
//!
//! The state is stored with [`FlowState::VERSION`]. A stored state of another
//! version goes through [`FlowState::migrate`]; a state that does not parse
//! (a variant was removed) resets to [`Default`] with a log line, so a deploy
//! never strands a customer in an error loop.

mod dialogue;
mod layer;

pub use self::dialogue::{Conversation, FlowState};
pub use self::layer::{
    ConversationError, ConversationLayer, ConversationService, DEFAULT_SESSION_KEY,
};
pub(crate) use self::layer::{Loaded, load_versioned, store_versioned};
