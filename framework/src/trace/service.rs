use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use pin_project_lite::pin_project;
use tower::{Layer, Service};
use tracing::Span;

use crate::{InboundMessage, Provider, Response};

/// Applies [`Trace`] to a service.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone, Copy, Default)]
pub struct TraceLayer {
    _private: (),
}

impl TraceLayer {
    /// A trace layer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S> Layer<S> for TraceLayer {
    type Service = Trace<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Trace { inner }
    }
}

/// Records a span, a log line and metrics per turn; see the [module docs](super).
#[derive(Debug, Clone)]
pub struct Trace<S> {
    inner: S,
}

impl<S> Trace<S> {
    crate::macros::define_inner_service_accessors!();
}

impl<S> Service<InboundMessage> for Trace<S>
where
    S: Service<InboundMessage, Response = Response>,
    S::Error: std::fmt::Display,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        let span = tracing::info_span!(
            "turn",
            provider = msg.provider().as_str(),
            conversation = %msg.key().pseudonym(),
            message_id = %msg.id(),
            kind = msg.content().kind(),
            outcome = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        let provider = msg.provider();
        let future = {
            let _entered = span.enter();
            self.inner.call(msg)
        };
        ResponseFuture {
            inner: future,
            span,
            provider,
            start: Instant::now(),
        }
    }
}

pin_project! {
    /// The response future of [`Trace`].
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        span: Span,
        provider: Provider,
        start: Instant,
    }
}

impl<F, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response, E>>,
    E: std::fmt::Display,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let result = ready!(this.inner.poll(cx));
        let elapsed = this.start.elapsed();
        let latency_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let outcome = match &result {
            Ok(response) => response.outcome().as_str(),
            Err(_) => "error",
        };
        this.span.record("outcome", outcome);
        this.span.record("latency_ms", latency_ms);
        match &result {
            Ok(response) => tracing::info!(
                outcome,
                latency_ms,
                replies = response.replies().len() + response.delivered().len(),
                "turn finished"
            ),
            Err(e) => tracing::error!(outcome, latency_ms, error.message = %e, "turn failed"),
        }
        let provider = this.provider.as_str();
        metrics::counter!("campanile_turns_total", "provider" => provider, "outcome" => outcome)
            .increment(1);
        metrics::histogram!("campanile_turn_duration_seconds", "provider" => provider)
            .record(elapsed.as_secs_f64());
        Poll::Ready(result)
    }
}
