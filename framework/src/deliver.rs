//! Hand a turn's replies to the outbox before the turn counts as done.
//!
//! Without this layer the webhook hands replies to the
//! [`Outbox`] after the whole pipeline ran, when the session is saved and the
//! dedup layer has marked the message done: if the outbox then fails, the
//! replies are lost and the provider's retry is dropped as a duplicate.
//! Inside the session layer, this layer delivers first, and a refused reply
//! fails the turn: the session is not saved and the dedup claim is released.
//! What the customer then gets depends on the layers outside:
//!
//! - with [`handle_error`](crate::handle_error) outside (the recommended
//!   stack), the apology; if the outbox refuses that too, the webhook answers
//!   500 and the provider's retry replays the turn from the same state;
//! - without it, the webhook answers 500 and the provider retries.
//!
//! Replies the outbox accepted move to the [`Response`]'s
//! [`delivered`](Response::delivered) list; replies it hands back for an
//! inline answer ([`Delivery::Inline`]) stay in it, marked
//! [`inline`](Response::is_inline), for the webhook's response.
//!
//! # Example
//!
//! ```
//! use framework::deliver::DeliverLayer;
//! use framework::testing::RecordingOutbox;
//! use framework::{BoxError, InboundMessage, Response};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! let outbox = RecordingOutbox::new();
//! let bot = ServiceBuilder::new()
//!     .layer(DeliverLayer::new(outbox.clone()))
//!     .service(service_fn(|_m: InboundMessage| async { Ok::<_, BoxError>(Response::reply("hello")) }));
//!
//! let r = bot.oneshot(framework::doc::text("hi")).await?;
//! assert_eq!((r.replies().len(), r.delivered().len()), (0, 1));
//! assert_eq!(outbox.texts(), ["hello"]);
//! # Ok(())
//! # }
//! ```
//!
//! # Ordering
//!
//! Inside [`session`](crate::session), so a turn whose replies could not be
//! delivered saves nothing; outside [`menu`](crate::menu) and
//! [`conversation`](crate::conversation), whose state changes it must not
//! outlive. Replies made outside it (the rate limit's notice, the error
//! handler's apology) are delivered by the webhook's
//! [`PipelineIngress`](crate::webhook::PipelineIngress).
//!
//! # Errors
//!
//! [`DeliverError`] when the outbox cannot accept the replies.

use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use crate::webhook::{Delivery, OutboundTurn, Outbox, OutboxError};
use crate::{BoxError, InboundMessage, Response};

/// Errors of the deliver layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeliverError {
    /// The outbox did not accept the turn's replies.
    #[error("the outbox did not accept the turn's replies")]
    Outbox(#[from] OutboxError),
}

/// Applies [`Deliver`] to a service.
///
/// See the [module docs](self) for an example.
#[derive(Debug, Clone)]
pub struct DeliverLayer<O> {
    outbox: O,
}

impl<O> DeliverLayer<O> {
    /// Delivers replies to `outbox`.
    #[must_use]
    pub fn new(outbox: O) -> Self {
        Self { outbox }
    }
}

impl<S, O: Clone> Layer<S> for DeliverLayer<O> {
    type Service = Deliver<S, O>;

    fn layer(&self, inner: S) -> Self::Service {
        Deliver {
            inner,
            outbox: self.outbox.clone(),
        }
    }
}

/// Delivers a turn's replies before the turn completes; see the
/// [module docs](self).
#[derive(Debug, Clone)]
pub struct Deliver<S, O> {
    inner: S,
    outbox: O,
}

impl<S, O> Deliver<S, O> {
    crate::macros::define_inner_service_accessors!();
}

impl<S, O> Service<InboundMessage> for Deliver<S, O>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
    O: Outbox,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        let mut inner = crate::macros::take_ready(&mut self.inner);
        let outbox = self.outbox.clone();
        Box::pin(async move {
            let turn = OutboundTurn::answering(&msg);
            let response = inner.call(msg).await.map_err(Into::into)?;
            if response.replies().is_empty() {
                return Ok(response);
            }
            let turn = OutboundTurn {
                outcome: response.outcome(),
                replies: response.replies().to_vec(),
                ..turn
            };
            match outbox.deliver(turn).await.map_err(DeliverError::from)? {
                Delivery::Accepted => Ok(response.into_delivered()),
                Delivery::Inline(_) => Ok(response.into_inline()),
            }
        })
    }
}
