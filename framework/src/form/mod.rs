//! Forms: questions asked one at a time, each answer parsed and checked,
//! refused answers asked again with a reason, and the answers delivered as
//! your own type.
//!
//! A [`Form`] is a list of [`Field`]s (text with length bounds, a number in a
//! range, one of some options, a date, a phone number, an email address, a
//! regular expression, or your own parser), and what happens around them:
//! back / skip / cancel words, a maximum of attempts, an optional summary to
//! confirm or edit, an inactivity timeout. Its state is kept in the
//! [`Session`](crate::session::Session), versioned like a
//! [`FlowState`](crate::conversation::FlowState), so it survives restarts
//! with a shared session store. Every text is a [`FormTexts`] field.
//!
//! # Example
//!
//! ```
//! use framework::form::{Answers, Field, Form};
//! use framework::handler::Router;
//! use framework::session::{InMemConversationLock, InMemSessionStore};
//! use framework::testing::{TestChat, Transcript};
//! use framework::ServiceBuilderExt;
//! use serde::Deserialize;
//! use tower::ServiceBuilder;
//!
//! #[derive(Debug, Clone, Deserialize)]
//! struct Signup {
//!     name: String,
//!     age: i64,
//! }
//!
//! async fn welcome(Answers(signup): Answers<Signup>) -> String {
//!     format!("Welcome, {} ({})!", signup.name, signup.age)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), framework::form::FormError> {
//! let signup = Form::<Signup>::builder("signup")
//!     .start_on(["register"])
//!     .field(Field::text("name", "What's your name?").length(2..=40))
//!     .field(Field::number("age", "How old are you?").range(18..=120))
//!     .build()?;
//! let bot = ServiceBuilder::new()
//!     .session(InMemSessionStore::new(), InMemConversationLock::new())
//!     .service(Router::new().form(signup, welcome).into_service());
//!
//! Transcript::new()
//!     .customer_says("register")
//!     .bot_says("What's your name?")
//!     .customer_says("Asha")
//!     .bot_says("How old are you?")
//!     .customer_says("twelve")
//!     .bot_says("Please send a whole number, like 18.\n\nHow old are you?")
//!     .customer_says("30")
//!     .bot_says("Welcome, Asha (30)!")
//!     .run(&mut TestChat::new(bot))
//!     .await;
//! # Ok(())
//! # }
//! ```
//!
//! The [forms guide](crate::guide::forms) shows the rest: the summary,
//! optional fields, starting a form from a handler, timeouts, texts.
//!
//! # Ordering
//!
//! A form is a route of the [`Router`](crate::handler::Router), inside the
//! [session layer](crate::session). Routes added before it win over it
//! (even while it runs); a [`menu`](crate::menu) layer lets Twilio customers
//! answer a choice by its number.
//!
//! # Errors
//!
//! [`FormError`]: a definition [`FormBuilder::build`] refuses, a missing
//! session layer, a session that cannot store the state, or answers that do
//! not fit the form's type. Refused answers are never errors.

mod definition;
mod error;
mod field;
mod localize;
mod parse;
mod route;
mod state;
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests;
mod texts;

pub use self::definition::{Form, FormBuilder, FormStep, SESSION_KEY_PREFIX};
pub use self::error::FormError;
pub use self::field::{Field, FieldBuilder, kind};
pub use self::route::Answers;
pub use self::texts::FormTexts;
