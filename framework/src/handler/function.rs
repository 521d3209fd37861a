//! Async functions as handlers.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

use super::extract::FromMessage;
use super::response::IntoHandlerResult;
use crate::{BoxError, InboundMessage, Response};

/// An `async fn` whose arguments are [extractors](FromMessage) and whose result
/// is an [answer](IntoHandlerResult).
///
/// Implemented for functions and closures of up to 8 arguments. `T` lists the
/// argument types and `S` is the router's state; neither needs naming in user
/// code.
///
/// ```
/// use framework::handler::{Handler, Text};
///
/// async fn shout(Text(text): Text) -> String {
///     text.to_uppercase()
/// }
///
/// fn is_handler<T, H: Handler<T, ()>>(_: H) {}
/// is_handler(shout);
/// ```
pub trait Handler<T, S>: Clone + Send + Sync + Sized + 'static {
    /// Runs the handler for one message.
    fn call(self, msg: InboundMessage, state: S) -> BoxFuture<'static, Result<Response, BoxError>>;

    /// Turns the handler into a [`Service`] with the given state.
    fn with_state(self, state: S) -> HandlerService<Self, T, S> {
        HandlerService {
            handler: self,
            state,
            _marker: PhantomData,
        }
    }
}

impl<F, Fut, Out, S> Handler<(), S> for F
where
    F: FnOnce() -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Out> + Send,
    Out: IntoHandlerResult,
{
    fn call(
        self,
        _msg: InboundMessage,
        _state: S,
    ) -> BoxFuture<'static, Result<Response, BoxError>> {
        Box::pin(async move { self().await.into_handler_result() })
    }
}

macro_rules! impl_handler {
    ($($ty:ident),+) => {
        impl<F, Fut, Out, S, $($ty,)+> Handler<($($ty,)+), S> for F
        where
            F: FnOnce($($ty,)+) -> Fut + Clone + Send + Sync + 'static,
            Fut: Future<Output = Out> + Send,
            Out: IntoHandlerResult,
            S: Send + Sync + 'static,
            $($ty: FromMessage<S> + Send,)+
        {
            #[allow(non_snake_case)]
            fn call(self, msg: InboundMessage, state: S) -> BoxFuture<'static, Result<Response, BoxError>> {
                Box::pin(async move {
                    $(
                        let $ty = match $ty::from_message(&msg, &state).await {
                            Ok(value) => value,
                            Err(rejection) => return rejection.into_handler_result(),
                        };
                    )+
                    self($($ty,)+).await.into_handler_result()
                })
            }
        }
    };
}

impl_handler!(T1);
impl_handler!(T1, T2);
impl_handler!(T1, T2, T3);
impl_handler!(T1, T2, T3, T4);
impl_handler!(T1, T2, T3, T4, T5);
impl_handler!(T1, T2, T3, T4, T5, T6);
impl_handler!(T1, T2, T3, T4, T5, T6, T7);
impl_handler!(T1, T2, T3, T4, T5, T6, T7, T8);

/// A [`Handler`] as a [`Service`]; built by [`Handler::with_state`] or
/// [`handler_fn`].
pub struct HandlerService<H, T, S> {
    handler: H,
    state: S,
    _marker: PhantomData<fn() -> T>,
}

impl<H: Clone, T, S: Clone> Clone for HandlerService<H, T, S> {
    fn clone(&self) -> Self {
        Self {
            handler: self.handler.clone(),
            state: self.state.clone(),
            _marker: PhantomData,
        }
    }
}

impl<H, T, S> fmt::Debug for HandlerService<H, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HandlerService").finish_non_exhaustive()
    }
}

impl<H, T, S> Service<InboundMessage> for HandlerService<H, T, S>
where
    H: Handler<T, S>,
    S: Clone + Send + Sync + 'static,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        self.handler.clone().call(msg, self.state.clone())
    }
}

/// A stateless handler as a [`Service`]:
/// `ServiceBuilder::new().layer(..).service(handler_fn(echo))`.
pub fn handler_fn<H, T>(handler: H) -> HandlerService<H, T, ()>
where
    H: Handler<T, ()>,
{
    handler.with_state(())
}
