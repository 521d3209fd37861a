//! The retry stage: sends a request again only when it certainly was not
//! sent, and only for short waits; longer waits go back to the caller (the
//! outbox keeps the message durably and tries later).

use std::time::Duration;

use framework::backoff::Backoff;
use tower::retry::Policy;

use super::stack::Attempt;
use crate::transport::{Accepted, SendError};

/// Retries [`SendError::Retryable`] and [`SendError::Throttled`] answers
/// whose wait is at most `max_wait`, `left` more times. Never an
/// [`SendError::Unknown`] outcome (the provider may have the message), a
/// permanent error, or an open breaker.
#[derive(Debug, Clone)]
pub(super) struct RetrySafe {
    pub(super) left: u32,
    pub(super) done: u32,
    pub(super) backoff: Duration,
    pub(super) max_wait: Duration,
    /// The client's timeout for one call: no retry starts that could end
    /// after the send's deadline.
    pub(super) attempt_timeout: Duration,
}

impl Policy<Attempt, Accepted, SendError> for RetrySafe {
    type Future = tokio::time::Sleep;

    fn retry(
        &mut self,
        req: &mut Attempt,
        result: &mut Result<Accepted, SendError>,
    ) -> Option<Self::Future> {
        let Err(e @ (SendError::Retryable { .. } | SendError::Throttled { .. })) = result else {
            return None;
        };
        if self.left == 0 {
            return None;
        }
        self.done += 1;
        let wait = e.retry_after().unwrap_or_else(|| {
            Backoff::Exponential(self.backoff).delay_before_at_most(self.done, self.max_wait)
        });
        if wait > self.max_wait
            || tokio::time::Instant::now() + wait + self.attempt_timeout > req.deadline
        {
            return None;
        }
        self.left -= 1;
        Some(tokio::time::sleep(wait))
    }

    fn clone_request(&mut self, req: &Attempt) -> Option<Attempt> {
        Some(req.clone())
    }
}
