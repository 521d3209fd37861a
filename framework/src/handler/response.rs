//! What handlers may return.

use std::convert::Infallible;

use crate::reply::{Buttons, List, MediaReply, Reply, Template, TextReply};
use crate::{BoxError, Response};

/// Turns a handler's answer into a [`Response`].
///
/// Implemented for [`Response`], [`Reply`] and every reply type, `String` and
/// `&'static str` (a text reply), `Vec<Reply>`, `()` (no reply) and `Option<T>`
/// (`None`: no reply).
pub trait IntoResponse {
    /// The response.
    fn into_response(self) -> Response;
}

impl IntoResponse for Response {
    fn into_response(self) -> Response {
        self
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        Response::reply(self)
    }
}

impl IntoResponse for Vec<Reply> {
    fn into_response(self) -> Response {
        Response::from_replies(self)
    }
}

impl IntoResponse for () {
    fn into_response(self) -> Response {
        Response::empty()
    }
}

impl<T: IntoResponse> IntoResponse for Option<T> {
    fn into_response(self) -> Response {
        self.map_or_else(Response::empty, IntoResponse::into_response)
    }
}

macro_rules! into_reply_response {
    ($($ty:ty),*) => {
        $(
            impl IntoResponse for $ty {
                fn into_response(self) -> Response {
                    Response::reply(Reply::from(self))
                }
            }
        )*
    };
}

into_reply_response!(
    String,
    &'static str,
    TextReply,
    MediaReply,
    Buttons,
    List,
    Template
);

/// Turns a handler's return value into the service result: answers become
/// `Ok`, errors become `Err` (and, through [`handle_error`](crate::handle_error),
/// an apology).
///
/// Implemented for every [`IntoResponse`] and for `Result<T, E>` where
/// `T: IntoResponse` and `E: Into<BoxError>`.
pub trait IntoHandlerResult {
    /// The result.
    ///
    /// # Errors
    ///
    /// The handler's error, boxed.
    fn into_handler_result(self) -> Result<Response, BoxError>;
}

impl<T: IntoResponse> IntoHandlerResult for T {
    fn into_handler_result(self) -> Result<Response, BoxError> {
        Ok(self.into_response())
    }
}

impl<T: IntoResponse, E: Into<BoxError>> IntoHandlerResult for Result<T, E> {
    fn into_handler_result(self) -> Result<Response, BoxError> {
        self.map(IntoResponse::into_response).map_err(Into::into)
    }
}

impl IntoHandlerResult for Infallible {
    fn into_handler_result(self) -> Result<Response, BoxError> {
        match self {}
    }
}
