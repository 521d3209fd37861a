//! [`TurnStep`]: one step of the shop's turn (the rules, the customer's
//! language, a handoff) that may answer instead of what follows, or hand
//! the message on; [`StepService`] is the tower plumbing they share.
//!
//! A step is a `Clone` value with one async method; its layer is
//!
//! ```ignore
//! impl<S> tower::Layer<S> for MyStep {
//!     type Service = StepService<Self, S>;
//!     fn layer(&self, inner: S) -> Self::Service {
//!         StepService::new(self.clone(), inner)
//!     }
//! }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use framework::{BoxError, InboundMessage, Response};
use tower::Service;

/// One step of a turn: answers `msg` itself, or calls `inner` (the rest of
/// the pipeline) and returns (or adds to) its answer.
pub trait TurnStep: Clone + Send + Sync + 'static {
    /// Runs the step on one message.
    fn run<S>(
        &self,
        inner: S,
        msg: InboundMessage,
    ) -> impl Future<Output = Result<Response, BoxError>> + Send
    where
        S: Service<InboundMessage, Response = Response> + Send,
        S::Error: Into<BoxError>,
        S::Future: Send;
}

/// A [`TurnStep`] in front of the service it wraps.
#[derive(Debug, Clone)]
pub struct StepService<T, S> {
    step: T,
    inner: S,
}

impl<T, S> StepService<T, S> {
    /// `step` in front of `inner`.
    pub fn new(step: T, inner: S) -> Self {
        Self { step, inner }
    }
}

impl<T, S> Service<InboundMessage> for StepService<T, S>
where
    T: TurnStep,
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    type Response = Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        // The clone is not ready; the ready one goes into the future.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let step = self.step.clone();
        Box::pin(async move { step.run(inner, msg).await })
    }
}
