//! A layer that records every inbound message in the message log: an
//! example of a bot's own layer in the framework's pipeline (rule 7 template:
//! boxed future, `mem::replace` of the ready inner service).
//!
//! # Ordering
//!
//! Inside dedup (a provider's retry is not recorded twice, though the log's
//! unique key would catch it too) and outside the rate limit (a message
//! that is rate-limited was still received). A failure to record fails the
//! turn: the webhook answers with an error and the provider retries, so no
//! message goes unlogged.

use std::task::{Context, Poll};

use framework::{BoxError, BoxFuture, InboundMessage, Response};
use infra::db::messages::MessageLog;
use tower::{Layer, Service};

/// Applies [`RecordInbound`].
#[derive(Debug, Clone)]
pub struct RecordInboundLayer {
    log: MessageLog,
}

impl RecordInboundLayer {
    /// Records into `log`.
    #[must_use]
    pub fn new(log: MessageLog) -> Self {
        Self { log }
    }
}

impl<S> Layer<S> for RecordInboundLayer {
    type Service = RecordInbound<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RecordInbound {
            inner,
            log: self.log.clone(),
        }
    }
}

/// Records each message, then calls the inner service.
#[derive(Debug, Clone)]
pub struct RecordInbound<S> {
    inner: S,
    log: MessageLog,
}

impl<S> Service<InboundMessage> for RecordInbound<S>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let log = self.log.clone();
        Box::pin(async move {
            if log.record_inbound(&msg).await? {
                metrics::counter!("campanile_messages_in_total", "provider" => msg.provider().as_str())
                    .increment(1);
            }
            inner.call(msg).await.map_err(Into::into)
        })
    }
}
