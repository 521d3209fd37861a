//! A layer that records every inbound message in the message log, and uses
//! the log as a durable record of which turns finished: an example of a
//! bot's own layer in the framework's pipeline (rule 7 template: boxed
//! future, `mem::replace` of the ready inner service).
//!
//! The in-process dedup layer forgets everything on restart; providers retry
//! for days (Meta up to 7). So a message the log has seen is looked up:
//! - its turn finished (`handled`): a replay, answered as a duplicate and
//!   not run again (running it against today's session could confirm a cart
//!   the customer never saw, or drop one);
//! - its turn never finished (a crash or a failure mid-turn): run again.
//!
//! A turn that ran is marked `handled` in the same transaction as its
//! effects, by [`TurnCommit`](crate::turn::TurnCommit) inside the session
//! layer; this layer marks the messages answered without a turn (rate
//! limited). So this layer belongs outside a session layer with
//! `TurnCommit`, as in [`crate::pipeline`].
//!
//! # Ordering
//!
//! Inside dedup (a provider's retry within one process is stopped there
//! first) and outside the rate limit (a message that is rate-limited was
//! still received).
//!
//! # Errors
//!
//! A failure to read or write the log fails the turn. With
//! [`handle_error`](framework::handle_error) outside, the customer gets the
//! apology, which is itself stored in the log: when the database is down,
//! that fails too and the webhook answers 500, so the provider retries.

use std::task::{Context, Poll};

use framework::{BoxError, BoxFuture, InboundMessage, Outcome, Response};
use infra::db::messages::{InboundState, MessageLog};
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
            let state = match log.record_inbound(&msg).await {
                Ok(state) => state,
                // Not recorded, nothing ran: the provider must retry.
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot record the message; the provider should retry");
                    return Ok(Response::in_flight());
                }
            };
            match state {
                InboundState::New => {
                    metrics::counter!("campanile_messages_in_total", "provider" => msg.provider().as_str())
                        .increment(1);
                }
                InboundState::Unfinished => {
                    tracing::info!(message_id = %msg.id(), "a message whose turn never finished arrived again; running it");
                }
                InboundState::Handled => {
                    tracing::info!(message_id = %msg.id(), "a message whose turn finished before arrived again; not run twice");
                    return Ok(Response::duplicate());
                }
            }
            let response = inner.call(msg.clone()).await.map_err(Into::into)?;
            match response.outcome() {
                // A turn ran and committed its mark (or another run did), or
                // nothing ran and the provider retries.
                Outcome::Handled | Outcome::Duplicate | Outcome::InFlight => {}
                // Answered without a turn (rate limited, stale): done.
                _ => {
                    if let Err(e) = log.mark_handled(&msg).await {
                        tracing::warn!(error.message = %e, "cannot mark the message handled");
                    }
                }
            }
            Ok(response)
        })
    }
}
