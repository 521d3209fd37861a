//! The stages of one target's stack, outermost first: deadline → retry →
//! circuit breaker → shaper → client; and the constructor that puts them
//! together.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use framework::rate_limit::RateStore;
use futures_util::future::BoxFuture;
use tower::util::BoxCloneSyncService;
use tower::{Layer as _, Service, ServiceExt as _};

use super::PolicyConfig;
use super::breaker::Breaker;
use super::retry::RetrySafe;
use super::shaper::Shaper;
use crate::transport::{Accepted, OutboundRequest, Providers, SendError, Transport as _};

/// One request on its way through a stack: the request, and whether the
/// client is sending it right now (so the deadline knows whether its
/// outcome is unknown). Retries share the flag.
#[derive(Debug, Clone)]
pub(super) struct Attempt {
    pub(super) request: Arc<OutboundRequest>,
    in_client: Arc<AtomicBool>,
}

impl Attempt {
    pub(super) fn new(request: OutboundRequest) -> Self {
        Self {
            request: Arc::new(request),
            in_client: Arc::default(),
        }
    }
}

/// A whole stack, boxed.
pub(super) type Stack = BoxCloneSyncService<Attempt, Accepted, SendError>;

/// The innermost stage: one HTTP call through the provider's client, counted
/// in `campanile_outbound_attempts_total{target,outcome}` (and an unknown
/// outcome in `campanile_outbound_unknown_total{target}`).
#[derive(Debug, Clone)]
struct Client {
    target: &'static str,
    providers: Providers,
}

impl Service<Attempt> for Client {
    type Response = Accepted;
    type Error = SendError;
    type Future = BoxFuture<'static, Result<Accepted, SendError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        let (target, providers) = (self.target, self.providers.clone());
        Box::pin(async move {
            attempt.in_client.store(true, Ordering::SeqCst);
            let result = providers.send(&attempt.request).await;
            attempt.in_client.store(false, Ordering::SeqCst);
            let outcome = match &result {
                Ok(_) => "accepted",
                Err(SendError::Throttled { .. }) => "throttled",
                Err(SendError::Retryable { .. }) => "retryable",
                Err(SendError::Unknown { .. }) => "unknown",
                Err(SendError::NotConfigured(_)) => "not_configured",
                Err(_) => "permanent",
            };
            metrics::counter!("campanile_outbound_attempts_total", "target" => target, "outcome" => outcome).increment(1);
            if outcome == "unknown" {
                metrics::counter!("campanile_outbound_unknown_total", "target" => target)
                    .increment(1);
            }
            result
        })
    }
}

/// The shaper stage: waits for the sender's (and pair's) turn, then sends;
/// a throughput answer pauses the sender.
#[derive(Debug, Clone)]
struct Shaped<S, R> {
    inner: S,
    shaper: Shaper<R>,
    /// How long a throughput answer without a hint pauses the sender.
    default_pause: std::time::Duration,
}

impl<S, R> Service<Attempt> for Shaped<S, R>
where
    S: Service<Attempt, Response = Accepted, Error = SendError> + Clone + Send + 'static,
    S::Future: Send,
    R: RateStore,
{
    type Response = Accepted;
    type Error = SendError;
    type Future = BoxFuture<'static, Result<Accepted, SendError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let shaper = self.shaper.clone();
        let default_pause = self.default_pause;
        Box::pin(async move {
            shaper.wait(&attempt.request).await;
            let request = Arc::clone(&attempt.request);
            let result = inner.oneshot(attempt).await;
            if let Err(e @ SendError::Throttled { .. }) = &result {
                shaper.pause(&request, e.retry_after().unwrap_or(default_pause));
            }
            result
        })
    }
}

/// The outermost stage: the whole call (shaper waits and retries included)
/// gets `total`; cut off while the client was sending, its outcome is
/// unknown, otherwise it was not sent.
#[derive(Debug, Clone)]
struct Deadline<S> {
    inner: S,
    target: &'static str,
    total: std::time::Duration,
}

impl<S> Service<Attempt> for Deadline<S>
where
    S: Service<Attempt, Response = Accepted, Error = SendError> + Clone + Send + 'static,
    S::Future: Send,
{
    type Response = Accepted;
    type Error = SendError;
    type Future = BoxFuture<'static, Result<Accepted, SendError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, attempt: Attempt) -> Self::Future {
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let (target, total) = (self.target, self.total);
        Box::pin(async move {
            let in_client = Arc::clone(&attempt.in_client);
            match tokio::time::timeout(total, inner.oneshot(attempt)).await {
                Ok(result) => result,
                Err(_) if in_client.load(Ordering::SeqCst) => {
                    metrics::counter!("campanile_outbound_unknown_total", "target" => target)
                        .increment(1);
                    Err(SendError::Unknown {
                        message: format!(
                            "{target} did not answer within {total:?}; the provider may have \
                             accepted the message"
                        ),
                    })
                }
                Err(_) => Err(SendError::Retryable {
                    message: format!(
                        "the send to {target} did not start within {total:?} (waiting for \
                         throughput or a retry); the message was not sent"
                    ),
                    retry_after: None,
                    code: None,
                }),
            }
        })
    }
}

/// One target's stack: deadline → retry → breaker → shaper → client.
pub(super) fn build<R: RateStore>(
    target: &'static str,
    providers: Providers,
    config: &PolicyConfig,
    breaker: &Breaker,
    rates: R,
) -> Stack {
    let client = Client { target, providers };
    let shaped = Shaped {
        inner: client,
        shaper: Shaper::new(target, rates, &config.throughput),
        default_pause: config.throughput.pause,
    };
    let guarded = {
        let breaker = breaker.clone();
        breaker
            .layer()
            .layer(shaped)
            .map_err(move |e| breaker.error(e))
    };
    let retried = tower::retry::RetryLayer::new(RetrySafe {
        left: config.retries,
        done: 0,
        backoff: config.retry_backoff,
        max_wait: config.retry_max_wait,
    })
    .layer(guarded);
    BoxCloneSyncService::new(Deadline {
        inner: retried,
        target,
        total: config.timeout,
    })
}
