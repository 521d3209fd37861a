//! Handlers as plain `async fn`s, extractors, and the router.
//!
//! A handler is an `async fn` whose arguments implement [`FromMessage`] and
//! whose result implements [`IntoHandlerResult`] (a reply, a string, a
//! `Response`, `()`, or a `Result` of those):
//!
//! ```
//! use framework::conversation::Conversation;
//! use framework::handler::{Router, State, Text};
//! use framework::session::Session;
//! # #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
//! # enum Flow { #[default] Idle }
//! # impl framework::conversation::FlowState for Flow {}
//!
//! #[derive(Clone)]
//! struct Shop { name: &'static str }
//!
//! async fn greet(State(shop): State<Shop>) -> String {
//!     format!("Welcome to {}! Send an order like \"Cement x 100\".", shop.name)
//! }
//!
//! async fn order(Text(text): Text, session: Session, _flow: Conversation<Flow>) -> Result<String, framework::BoxError> {
//!     session.insert("last_order", &text)?;
//!     Ok(format!("Noted: {text}"))
//! }
//!
//! let router = Router::new()
//!     .keyword(["hi", "menu"], greet)
//!     .fallback(order)
//!     .with_state(Shop { name: "Sharma Traders" });
//! ```
//!
//! Extractors: [`Text`], [`Choice`] (button / list / quick-reply id),
//! [`ProfileName`], [`State`], [`Session`](crate::session::Session),
//! [`Conversation`](crate::conversation::Conversation), [`Step`] (the fields
//! of the state a [`Router::on_state`] route matched), a form's
//! [`Answers`](crate::form::Answers),
//! [`ConversationKey`](crate::ConversationKey), the whole
//! [`InboundMessage`](crate::InboundMessage), and `Option<T>` of any of them.
//! When an extractor cannot find its value the handler does not run: the
//! customer gets the [`rejection`]'s reply, or the pipeline reports a
//! wiring error.
//!
//! The [`Router`] tries its routes in the order they were added: keywords,
//! prefixes, button/list ids, conversation states, forms and predicates,
//! then the fallback.

mod extract;
mod function;
pub mod rejection;
mod response;
pub(crate) mod router;

pub use self::extract::{Choice, FromMessage, FromRef, ProfileName, State, Step, Text};
pub use self::function::{Handler, HandlerService, handler_fn};
pub use self::response::{IntoHandlerResult, IntoResponse};
pub use self::router::{DEFAULT_FALLBACK_REPLY, Router, RouterService, normalize_text};
