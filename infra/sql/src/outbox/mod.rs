//! The durable outbox: a turn's replies are rendered into provider requests
//! and stored in the message log before the webhook is answered; the
//! [`Dispatcher`] sends them from there.
//!
//! A crash after the webhook was answered loses nothing: the rows are still
//! `pending` and the next dispatcher (after a restart, or another instance)
//! sends them. A crash mid-send leaves the row claimed for a minute, then it
//! is sent again: delivery is at-least-once when the first try's outcome is
//! unknown (a timeout), exactly-once whenever it is known.
//!
//! # Order
//!
//! Rows are sent in the order they were stored, one at a time per customer:
//! while a customer's earliest row waits for a retry, that customer's later
//! rows wait too. Different customers are sent concurrently.
//!
//! # Dry run
//!
//! A provider without credentials ([`SendError::NotConfigured`](infra_providers::SendError::NotConfigured)) ends its rows
//! as `dry_run`: logged with their text, never sent. Terminal chats
//! ([`Provider::Local`]) are stored as `local`: the terminal shows them.

use std::sync::Arc;

use framework::reply::Reply;
use framework::webhook::{Delivery, OutboundTurn, Outbox, OutboxError};

mod dispatcher;

pub use dispatcher::{DispatchConfig, Dispatcher, RoundReport};
use framework::{Outcome as TurnOutcome, Provider, StatusEvent};
use tokio::sync::Notify;

use crate::Database;
use crate::messages::{DeliveryStatuses, NewOutbound, OutboundStatus, OutboxQueue};
use infra_providers::Transport;
pub use infra_providers::render::RenderConfig;
use infra_providers::render::{Addressed, render};

/// An [`Outbox`] that stores replies in the message log and wakes the
/// [`Dispatcher`]; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct DbOutbox {
    queue: OutboxQueue,
    statuses: DeliveryStatuses,
    config: Arc<RenderConfig>,
    wake: Arc<Notify>,
}

impl DbOutbox {
    /// Stores into the message log of `db`, rendering with `config`.
    #[must_use]
    pub fn new(db: Database, config: RenderConfig) -> Self {
        Self {
            queue: OutboxQueue::new(db.clone()),
            statuses: DeliveryStatuses::new(db),
            config: Arc::new(config),
            wake: Arc::new(Notify::new()),
        }
    }

    /// A dispatcher that sends this outbox's rows through `transport`, woken
    /// whenever a turn stores new rows.
    #[must_use]
    pub fn dispatcher<T: Transport>(&self, transport: T, config: DispatchConfig) -> Dispatcher<T> {
        Dispatcher::new(self.queue.clone(), transport, self.wake.clone(), config)
    }

    /// Renders `turn`'s replies and stores them; returns how many rows were
    /// new (a replayed turn's, stored before under the same
    /// `in_reply_to` and positions, are not stored twice). Inside a
    /// [`UnitOfWork`](crate::UnitOfWork) the dispatcher is woken once it
    /// commits.
    ///
    /// # Errors
    ///
    /// [`OutboxError::Backend`] when the database fails.
    pub async fn store(&self, turn: OutboundTurn) -> Result<u64, OutboxError> {
        self.store_rows(&turn, false).await
    }

    /// [`store`](Self::store) for a proactive message (a notification, a
    /// reminder, a campaign's): stored at-most-once, so a send whose
    /// outcome is unknown is never sent again but marked
    /// [`Unknown`](OutboundStatus::Unknown) for review. A conversational
    /// reply ([`store`](Self::store)) is sent again once instead.
    ///
    /// `fallback` (a template carrying the same information) is sent
    /// instead when the provider refuses the first row for the 24-hour
    /// window (Twilio 63016, Meta 131047), whether at once or later in a
    /// `failed` status report: the window can close between deciding and
    /// delivering.
    ///
    /// # Errors
    ///
    /// As [`store`](Self::store).
    pub async fn store_proactive(
        &self,
        turn: OutboundTurn,
        fallback: Option<Reply>,
    ) -> Result<u64, OutboxError> {
        let mut rows = self.render(&turn, true);
        if let (Some(fallback), Some(first)) = (
            fallback,
            rows.iter_mut()
                .find(|r| r.status == OutboundStatus::Pending),
        ) {
            let rendered = self.render(
                &OutboundTurn {
                    replies: vec![fallback],
                    ..turn.clone()
                },
                true,
            );
            first.fallback = rendered.into_iter().find_map(|r| r.request);
        }
        self.store_rendered(&turn, rows).await
    }

    async fn store_rows(
        &self,
        turn: &OutboundTurn,
        at_most_once: bool,
    ) -> Result<u64, OutboxError> {
        let rows = self.render(turn, at_most_once);
        self.store_rendered(turn, rows).await
    }

    async fn store_rendered(
        &self,
        turn: &OutboundTurn,
        rows: Vec<NewOutbound>,
    ) -> Result<u64, OutboxError> {
        let stored = self
            .queue
            .enqueue(&rows)
            .await
            .map_err(|e| OutboxError::Backend(Box::new(e)))?;
        if stored < rows.len() as u64 {
            tracing::info!(
                in_reply_to = %turn.in_reply_to,
                replayed = rows.len() as u64 - stored,
                "replies of a replayed turn were stored before; not stored twice"
            );
        }
        if stored > 0 {
            // Inside a turn's unit of work the rows are visible only after
            // its commit: wake the dispatcher then, not before.
            let wake = Arc::clone(&self.wake);
            self.queue
                .database()
                .after_commit(move || wake.notify_one());
        }
        Ok(stored)
    }

    /// The database the outbox stores into.
    #[must_use]
    pub fn database(&self) -> &Database {
        self.queue.database()
    }

    /// The rows for one turn, in order.
    fn render(&self, turn: &OutboundTurn, at_most_once: bool) -> Vec<NewOutbound> {
        let customer = turn.key.customer();
        let mut rows = Vec::new();
        let base = |reply: &Reply| NewOutbound {
            provider: turn.provider,
            customer: customer.as_str().to_owned(),
            business: turn.key.business().as_str().to_owned(),
            kind: reply.kind().to_owned(),
            body: reply.body().map(str::to_owned),
            in_reply_to: turn.in_reply_to.as_str().to_owned(),
            seq: 0,
            request: None,
            status: OutboundStatus::Pending,
            error: None,
            at_most_once,
            fallback: None,
            not_before_ms: None,
        };
        for reply in &turn.replies {
            if !matches!(turn.provider, Provider::Twilio | Provider::Meta) {
                rows.push(NewOutbound {
                    status: OutboundStatus::Local,
                    ..base(reply)
                });
                continue;
            }
            let to = Addressed {
                provider: turn.provider,
                customer,
                business: turn.key.business(),
                channel_id: turn.channel_id.as_deref(),
            };
            let rendered = render(reply, &to, &self.config).map_err(|e| e.to_string());
            match rendered {
                Ok(requests) => {
                    for request in requests {
                        let json = serde_json::to_string(&request).unwrap_or_default();
                        rows.push(NewOutbound {
                            body: reply
                                .body()
                                .map(str::to_owned)
                                .or_else(|| Some(request.summary())),
                            request: Some(json),
                            ..base(reply)
                        });
                    }
                }
                Err(error) => {
                    tracing::warn!(
                        provider = turn.provider.as_str(),
                        kind = reply.kind(),
                        error.message = %error,
                        "reply cannot be sent through this provider; recorded as failed"
                    );
                    rows.push(NewOutbound {
                        status: OutboundStatus::Failed,
                        error: Some(error),
                        ..base(reply)
                    });
                }
            }
        }
        // Replies made outside the turn (the error handler's apology, the rate
        // limit's notice) get positions of their own: a retry of the same
        // message that then succeeds stores its replies beside the apology,
        // instead of being taken for a replay of it.
        let base = match turn.outcome {
            TurnOutcome::Failed => 1_000,
            TurnOutcome::RateLimited => 2_000,
            _ => 0,
        };
        for (seq, row) in rows.iter_mut().enumerate() {
            row.seq = base + i32::try_from(seq).unwrap_or(i32::MAX - base);
        }
        rows
    }
}

impl Outbox for DbOutbox {
    async fn deliver(&self, turn: OutboundTurn) -> Result<Delivery, OutboxError> {
        self.store(turn).await?;
        Ok(Delivery::Accepted)
    }

    async fn record_status(&self, event: StatusEvent) -> Result<(), OutboxError> {
        let moved = self
            .statuses
            .record(&event)
            .await
            .map_err(|e| OutboxError::Backend(Box::new(e)))?;
        metrics::counter!(
            "campanile_delivery_status_total",
            "provider" => event.provider.as_str(),
            "status" => event.status.as_str(),
        )
        .increment(1);
        tracing::debug!(
            provider = event.provider.as_str(),
            message_id = %event.message_id,
            status = event.status.as_str(),
            moved,
            "delivery status"
        );
        Ok(())
    }
}
