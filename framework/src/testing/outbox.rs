use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Notify;

use crate::StatusEvent;
use crate::reply::Reply;
use crate::webhook::{Delivery, OutboundTurn, Outbox, OutboxError};

#[derive(Debug, Default)]
struct Recorded {
    turns: Vec<OutboundTurn>,
    statuses: Vec<StatusEvent>,
    /// The next this many `deliver` calls fail (to test retries).
    failures_left: usize,
    /// The next this many `record_status` calls fail.
    status_failures_left: usize,
}

/// An [`Outbox`] that records everything it is given (a fake provider for
/// tests of the webhook routes).
///
/// Clones share the record.
#[derive(Debug, Clone, Default)]
pub struct RecordingOutbox {
    recorded: Arc<Mutex<Recorded>>,
    changed: Arc<Notify>,
}

impl RecordingOutbox {
    /// An empty record.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.recorded.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Makes the next `n` deliveries fail with [`OutboxError::Backend`].
    pub fn fail_next(&self, n: usize) {
        self.lock().failures_left = n;
    }

    /// Makes the next `n` status reports fail with [`OutboxError::Backend`].
    pub fn fail_status_next(&self, n: usize) {
        self.lock().status_failures_left = n;
    }

    /// Every turn delivered so far, in order.
    #[must_use]
    pub fn turns(&self) -> Vec<OutboundTurn> {
        self.lock().turns.clone()
    }

    /// Every reply delivered so far, in order.
    #[must_use]
    pub fn replies(&self) -> Vec<Reply> {
        self.lock()
            .turns
            .iter()
            .flat_map(|t| t.replies.iter().cloned())
            .collect()
    }

    /// The readable text of every reply delivered so far.
    #[must_use]
    pub fn texts(&self) -> Vec<String> {
        self.replies()
            .iter()
            .filter_map(|r| r.body().map(str::to_owned))
            .collect()
    }

    /// Every status report recorded so far, in order.
    #[must_use]
    pub fn statuses(&self) -> Vec<StatusEvent> {
        self.lock().statuses.clone()
    }

    /// Waits until at least `n` turns were delivered.
    ///
    /// # Panics
    ///
    /// Panics with what was recorded if that does not happen within `timeout`.
    pub async fn wait_for_turns(&self, n: usize, timeout: Duration) -> Vec<OutboundTurn> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            let turns = self.turns();
            if turns.len() >= n {
                return turns;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!(
                    "expected {n} delivered turns within {timeout:?}, got {}: {:#?}",
                    turns.len(),
                    turns
                );
            }
        }
    }
}

impl Outbox for RecordingOutbox {
    async fn deliver(&self, turn: OutboundTurn) -> Result<Delivery, OutboxError> {
        {
            let mut recorded = self.lock();
            if recorded.failures_left > 0 {
                recorded.failures_left -= 1;
                return Err(OutboxError::Backend("recording outbox told to fail".into()));
            }
            recorded.turns.push(turn);
        }
        self.changed.notify_waiters();
        Ok(Delivery::Accepted)
    }

    async fn record_status(&self, event: StatusEvent) -> Result<(), OutboxError> {
        {
            let mut recorded = self.lock();
            if recorded.status_failures_left > 0 {
                recorded.status_failures_left -= 1;
                return Err(OutboxError::Backend("recording outbox told to fail".into()));
            }
            recorded.statuses.push(event);
        }
        self.changed.notify_waiters();
        Ok(())
    }
}
