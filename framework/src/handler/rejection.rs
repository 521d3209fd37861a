//! What happens when an extractor cannot find what a handler asked for.
//!
//! Two kinds: a customer sent something the handler cannot use (a photo where
//! text was expected) and gets a reply; or the pipeline is wired wrong (the
//! handler asks for the session but there is no session layer), which is an
//! error the developer must see, so it goes to
//! [`handle_error`](crate::handle_error).

use crate::reply::Reply;
use crate::{BoxError, Response};

use super::response::{IntoHandlerResult, IntoResponse};

/// Defines a rejection that answers the customer with a fixed reply.
macro_rules! define_reply_rejection {
    ($(#[$meta:meta])* $name:ident => $text:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub struct $name;

        impl $name {
            /// The reply the customer gets.
            pub const REPLY: &'static str = $text;
        }

        impl IntoResponse for $name {
            fn into_response(self) -> Response {
                Response::reply(Reply::text(Self::REPLY))
            }
        }
    };
}

/// Defines a rejection that is a wiring error of the pipeline.
macro_rules! define_error_rejection {
    ($(#[$meta:meta])* $name:ident => $text:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, thiserror::Error)]
        #[error($text)]
        #[non_exhaustive]
        pub struct $name;

        impl IntoHandlerResult for $name {
            fn into_handler_result(self) -> Result<Response, BoxError> {
                Err(Box::new(self))
            }
        }
    };
}

define_reply_rejection!(
    /// The handler takes [`Text`](super::Text) but the customer sent something
    /// else.
    NotText => "Sorry, I can only read text messages here. Please type your message."
);

define_reply_rejection!(
    /// The handler takes [`Choice`](super::Choice) but the customer did not tap
    /// a button or pick a list row.
    NotAChoice => "Please pick one of the options above."
);

define_error_rejection!(
    /// The handler takes a [`Session`](crate::session::Session) but the session
    /// layer is not in the pipeline.
    MissingSession => "the handler needs the session layer (no Session in the message's extensions)"
);

define_error_rejection!(
    /// The handler takes a [`Conversation`](crate::conversation::Conversation)
    /// but the conversation layer for that state type is not in the pipeline.
    MissingConversation => "the handler needs the conversation layer for its state type (no Conversation<S> in the message's extensions)"
);

define_error_rejection!(
    /// The handler takes a [`Step`](super::Step) but was not reached through
    /// [`Router::on_state`](super::Router::on_state) with that type.
    MissingStep => "the handler needs a Step<T>: route it with Router::on_state for that type"
);

define_error_rejection!(
    /// The handler takes [`Answers`](crate::form::Answers) but was not reached
    /// as the finishing handler of a form of that type
    /// ([`Router::form`](super::Router::form)).
    MissingAnswers => "the handler needs a form's Answers<T>: give it to Router::form for a form of that type"
);
