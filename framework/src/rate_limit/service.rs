use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

use super::config::RateLimitConfig;
use super::key::KeyFn;
use super::store::{RateDecision, RateStore};
use crate::{BoxError, InboundMessage, Response};

/// Limits how fast one conversation is answered; see the [module docs](super).
#[derive(Debug, Clone)]
pub struct RateLimit<S, St, K> {
    inner: S,
    store: St,
    config: RateLimitConfig,
    key: K,
}

impl<S, St, K> RateLimit<S, St, K> {
    /// Wraps `inner`.
    pub fn new(inner: S, store: St, config: RateLimitConfig, key: K) -> Self {
        Self {
            inner,
            store,
            config,
            key,
        }
    }

    crate::macros::define_inner_service_accessors!();
}

impl<S, St, K> Service<InboundMessage> for RateLimit<S, St, K>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
    St: RateStore,
    K: KeyFn,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        let mut inner = crate::macros::take_ready(&mut self.inner);
        let store = self.store.clone();
        let key = self.key.key(&msg);
        let quota = *self.config.quota();
        let notice = self.config.notice.clone();
        Box::pin(async move {
            // A store that cannot answer lets the message through (logged):
            // a rate-limit outage must not stop every customer's orders.
            let decision = match key {
                Some(key) => match store.check(&key, &quota).await {
                    Ok(decision) => Some(decision),
                    Err(e) => {
                        tracing::warn!(error.message = %e, error.cause_chain = ?e, "rate-limit store failed; letting the message through");
                        None
                    }
                },
                None => None,
            };
            if let Some(RateDecision::Limited {
                retry_after,
                notify,
            }) = decision
            {
                tracing::info!(
                    retry_after_ms = u64::try_from(retry_after.as_millis()).unwrap_or(u64::MAX),
                    notify,
                    "conversation over its rate limit"
                );
                return Ok(Response::rate_limited(notice.filter(|_| notify)));
            }
            inner.call(msg).await.map_err(Into::into)
        })
    }
}
