use std::any::Any;
use std::convert::Infallible;
use std::fmt;
use std::panic::AssertUnwindSafe;
use std::task::{Context, Poll};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use tower::{Layer, Service};

use crate::reply::Reply;
use crate::{BoxError, InboundMessage, Response};

const DEFAULT_APOLOGY: &str =
    "Sorry, something went wrong on our side. Please try again in a moment.";

/// Applies [`HandleError`] to a service.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct HandleErrorLayer {
    apology: Option<Reply>,
    transient: Option<Transient>,
}

/// Tells whether an error is transient: the same message, run again a
/// little later, can succeed (a connection dropped, a pool timed out).
pub type Transient = fn(&(dyn std::error::Error + 'static)) -> bool;

impl Default for HandleErrorLayer {
    /// Apologises with "Sorry, something went wrong on our side. Please try
    /// again in a moment."
    fn default() -> Self {
        Self {
            apology: Some(Reply::text(DEFAULT_APOLOGY)),
            transient: None,
        }
    }
}

impl HandleErrorLayer {
    /// A layer with the default apology.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the apology; `None` sends nothing on failure (the failure is still
    /// logged and counted).
    #[must_use]
    pub fn with_apology(mut self, apology: Option<Reply>) -> Self {
        self.apology = apology;
        self
    }

    /// Errors that `transient` says a later run can mend are answered
    /// [`Response::in_flight`] instead of an apology: nothing ran to the
    /// end, and the message runs again when it is redelivered (by the
    /// provider, or a durable inbox with its backoff). For infrastructure
    /// that fails for seconds (a database restarting): the customer is
    /// answered late rather than told to try again. Only where a failed turn
    /// leaves nothing behind (its work in one transaction), and the
    /// redelivery is bounded or backs off.
    #[must_use]
    pub fn with_retry_when(mut self, transient: Transient) -> Self {
        self.transient = Some(transient);
        self
    }
}

impl<S> Layer<S> for HandleErrorLayer {
    type Service = HandleError<S>;

    fn layer(&self, inner: S) -> Self::Service {
        HandleError {
            inner,
            apology: self.apology.clone(),
            transient: self.transient,
            unready: false,
        }
    }
}

/// Turns errors and panics of the inner service into an apology; see the
/// [module docs](super).
#[derive(Debug, Clone)]
pub struct HandleError<S> {
    inner: S,
    apology: Option<Reply>,
    transient: Option<Transient>,
    /// Set when the inner service failed to become ready: the next call is
    /// answered with the apology without calling it.
    unready: bool,
}

impl<S> HandleError<S> {
    crate::macros::define_inner_service_accessors!();
}

/// Formats an error and all its sources, outermost first.
struct CauseChain<'a>(&'a (dyn std::error::Error + 'static));

impl fmt::Debug for CauseChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a panic with a non-string payload")
}

impl<S> Service<InboundMessage> for HandleError<S>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    type Response = Response;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Response, Infallible>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // An inner service that cannot become ready is a failure too; it is
        // answered when the message is called, so readiness itself never fails.
        match self.inner.poll_ready(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => {
                self.unready = false;
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => {
                let e: BoxError = e.into();
                tracing::error!(
                    error.message = %e,
                    error.cause_chain = ?CauseChain(e.as_ref()),
                    "the pipeline is not ready; the customer gets an apology"
                );
                self.unready = true;
                Poll::Ready(Ok(()))
            }
        }
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        let mut inner = crate::macros::take_ready(&mut self.inner);
        let apology = self.apology.clone();
        let transient = self.transient;
        if std::mem::take(&mut self.unready) {
            return Box::pin(async move { Ok(Response::failed(apology)) });
        }
        Box::pin(async move {
            let message_id = msg.id().clone();
            // `call` itself may panic in a hand-written service, so it runs
            // inside the guarded future too.
            let outcome = AssertUnwindSafe(async move { inner.call(msg).await })
                .catch_unwind()
                .await;
            match outcome {
                Ok(Ok(response)) => Ok(response),
                Ok(Err(e)) => {
                    let e: BoxError = e.into();
                    if transient.is_some_and(|is| is(e.as_ref())) {
                        tracing::warn!(
                            %message_id,
                            error.message = %e,
                            error.cause_chain = ?CauseChain(e.as_ref()),
                            "turn could not run now; it runs again when the message is redelivered"
                        );
                        return Ok(Response::in_flight());
                    }
                    tracing::error!(
                        %message_id,
                        error.message = %e,
                        error.cause_chain = ?CauseChain(e.as_ref()),
                        "turn failed; the customer gets an apology"
                    );
                    Ok(Response::failed(apology))
                }
                Err(panic) => {
                    tracing::error!(
                        %message_id,
                        panic = panic_message(panic.as_ref()),
                        "turn panicked; the customer gets an apology"
                    );
                    Ok(Response::failed(apology))
                }
            }
        })
    }
}
