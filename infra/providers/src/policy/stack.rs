//! The stages of one target's stack, outermost first: retry → circuit
//! breaker → shaper → client, within one budget per send (the deadline);
//! and the constructor that puts them together.
//!
//! The deadline is a budget, not a cut: a call in flight is never cut off
//! (the client's own timeout bounds it, and the client alone knows whether
//! the request was written: [`SendError::Unknown`] or not). The budget is
//! checked before each wait: the retry stage does not start an attempt that
//! could outlast it, and the shaper answers [`SendError::Throttled`] rather
//! than wait past it. So a send never ends "unknown" for want of time, and a
//! result the provider gave is never lost on the way back.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use framework::rate_limit::RateStore;
use futures_util::future::BoxFuture;
use tokio::time::Instant;
use tower::util::BoxCloneSyncService;
use tower::{Layer as _, Service, ServiceExt as _};

use super::PolicyConfig;
use super::breaker::Breaker;
use super::retry::RetrySafe;
use super::shaper::Shaper;
use crate::transport::{Accepted, OutboundRequest, Providers, SendError, Transport as _};

/// One request on its way through a stack, with the time its send must be
/// done by (retries and waits included).
#[derive(Debug, Clone)]
pub(super) struct Attempt {
    pub(super) request: Arc<OutboundRequest>,
    pub(super) deadline: Instant,
}

impl Attempt {
    pub(super) fn new(request: OutboundRequest, budget: Duration) -> Self {
        Self {
            request: Arc::new(request),
            deadline: Instant::now() + budget,
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
            let result = providers.send(&attempt.request).await;
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
/// a throughput answer pauses the sender (or, for Meta's pair rate, the
/// pair). A wait longer than the send's budget is answered
/// [`SendError::Throttled`] without sending.
#[derive(Debug, Clone)]
struct Shaped<S, R> {
    inner: S,
    shaper: Shaper<R>,
    /// How long a throughput answer without a hint pauses the sender.
    default_pause: Duration,
}

/// Meta's pair rate limit: too many messages to one customer, not from
/// the number.
const PAIR_RATE_CODE: &str = "131056";

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
            shaper.wait(&attempt.request, attempt.deadline).await?;
            let request = Arc::clone(&attempt.request);
            let result = inner.oneshot(attempt).await;
            if let Err(e @ SendError::Throttled { .. }) = &result {
                let wait = e.retry_after().unwrap_or(default_pause);
                if e.code() == Some(PAIR_RATE_CODE) {
                    shaper.pause_pair(&request, wait);
                } else {
                    shaper.pause(&request, wait);
                }
            }
            result
        })
    }
}

/// One target's stack: retry → breaker → shaper → client, each send within
/// `config.timeout`; `attempt_timeout` is the client's own timeout for one
/// HTTP call (no attempt starts that could outlast the budget).
pub(super) fn build<R: RateStore>(
    target: &'static str,
    providers: Providers,
    config: &PolicyConfig,
    attempt_timeout: Duration,
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
        attempt_timeout,
    })
    .layer(guarded);
    BoxCloneSyncService::new(retried)
}
