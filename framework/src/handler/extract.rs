//! Extractors: what a handler's arguments can be.

use std::convert::Infallible;
use std::future::Future;

use super::rejection::{MissingConversation, MissingSession, MissingStep, NotAChoice, NotText};
use super::response::IntoHandlerResult;
use crate::conversation::{Conversation, FlowState};
use crate::session::Session;
use crate::{Content, ConversationKey, InboundMessage};

/// Builds a handler argument from the message and the router's state.
///
/// Like axum's `FromRequestParts`: implement it for your own types to give
/// handlers typed inputs (a customer record, a parsed command).
///
/// ```
/// use std::convert::Infallible;
///
/// use framework::handler::FromMessage;
/// use framework::InboundMessage;
///
/// /// The first word of the text, lower-cased.
/// struct Verb(Option<String>);
///
/// impl<S: Sync> FromMessage<S> for Verb {
///     type Rejection = Infallible;
///
///     async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, Infallible> {
///         Ok(Verb(msg.text().and_then(|t| t.split_whitespace().next()).map(str::to_lowercase)))
///     }
/// }
/// ```
pub trait FromMessage<S>: Sized {
    /// What the customer gets (or the error raised) when extraction fails.
    type Rejection: IntoHandlerResult;

    /// Extracts the value.
    fn from_message(
        msg: &InboundMessage,
        state: &S,
    ) -> impl Future<Output = Result<Self, Self::Rejection>> + Send;
}

/// The text of a text message. Rejects other messages with [`NotText`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<S: Sync> FromMessage<S> for Text {
    type Rejection = NotText;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, NotText> {
        match msg.content() {
            Content::Text { body } => Ok(Self(body.clone())),
            _ => Err(NotText),
        }
    }
}

/// The id of the tapped reply button or list row, or a template quick-reply
/// payload. Rejects other messages with [`NotAChoice`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice(pub String);

impl<S: Sync> FromMessage<S> for Choice {
    type Rejection = NotAChoice;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, NotAChoice> {
        msg.choice_id()
            .map(|id| Self(id.to_owned()))
            .ok_or(NotAChoice)
    }
}

/// The sender's WhatsApp profile name, if the provider sent one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileName(pub Option<String>);

impl<S: Sync> FromMessage<S> for ProfileName {
    type Rejection = Infallible;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, Infallible> {
        Ok(Self(msg.profile_name().map(str::to_owned)))
    }
}

/// Converts the router's state into a part of it, for [`State`].
pub trait FromRef<T> {
    /// The part.
    fn from_ref(input: &T) -> Self;
}

impl<T: Clone> FromRef<T> for T {
    fn from_ref(input: &T) -> Self {
        input.clone()
    }
}

/// The router's state (or a part of it, through [`FromRef`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct State<T>(pub T);

impl<S: Sync, T: FromRef<S>> FromMessage<S> for State<T> {
    type Rejection = Infallible;

    async fn from_message(_: &InboundMessage, state: &S) -> Result<Self, Infallible> {
        Ok(Self(T::from_ref(state)))
    }
}

impl<S: Sync> FromMessage<S> for InboundMessage {
    type Rejection = Infallible;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, Infallible> {
        Ok(msg.clone())
    }
}

impl<S: Sync> FromMessage<S> for ConversationKey {
    type Rejection = Infallible;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, Infallible> {
        Ok(msg.key().clone())
    }
}

impl<S: Sync> FromMessage<S> for Session {
    type Rejection = MissingSession;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, MissingSession> {
        msg.extensions()
            .get::<Self>()
            .cloned()
            .ok_or(MissingSession)
    }
}

impl<S: Sync, D: FlowState> FromMessage<S> for Conversation<D> {
    type Rejection = MissingConversation;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, MissingConversation> {
        msg.extensions()
            .get::<Self>()
            .cloned()
            .ok_or(MissingConversation)
    }
}

/// What the conversation state gave the route that chose this handler
/// ([`Router::on_state`](super::Router::on_state)): the fields of the state's
/// variant, typed. Rejects with [`MissingStep`] (a wiring error) when the
/// handler was not reached through `on_state` with this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Step<T>(pub T);

impl<S: Sync, T: Clone + Send + Sync + 'static> FromMessage<S> for Step<T> {
    type Rejection = MissingStep;

    async fn from_message(msg: &InboundMessage, _: &S) -> Result<Self, MissingStep> {
        msg.extensions().get::<Self>().cloned().ok_or(MissingStep)
    }
}

impl<S: Sync, T: FromMessage<S> + Send> FromMessage<S> for Option<T> {
    type Rejection = Infallible;

    async fn from_message(msg: &InboundMessage, state: &S) -> Result<Self, Infallible> {
        Ok(T::from_message(msg, state).await.ok())
    }
}
