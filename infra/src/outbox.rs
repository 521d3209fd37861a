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
//! A provider without credentials ([`SendError::NotConfigured`]) ends its rows
//! as `dry_run`: logged with their text, never sent. Terminal chats
//! ([`Provider::Local`]) are stored as `local`: the terminal shows them.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use framework::backoff::Backoff;
use framework::provider::{meta, twilio};
use framework::reply::Reply;
use framework::webhook::{Delivery, OutboundTurn, Outbox, OutboxError};
use framework::{Outcome as TurnOutcome, PhoneNumber, Provider, StatusEvent};
use futures_util::StreamExt as _;
use tokio::sync::Notify;

use crate::db::messages::{
    DeliveryStatuses, NewOutbound, OutboundStatus, OutboxQueue, PendingOutbound,
};
use crate::db::{Database, DbError, duration_ms};
use crate::providers::{OutboundRequest, SendError, Transport};

/// How replies are addressed when they are rendered.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderConfig {
    /// Twilio `From` (`TWILIO_WHATSAPP_FROM`); default: the number the
    /// customer wrote to.
    pub twilio_from: Option<PhoneNumber>,
    /// Twilio `StatusCallback` URL (`{CAMPANILE_PUBLIC_URL}/webhooks/twilio`).
    pub twilio_status_callback: Option<String>,
    /// Meta `phone_number_id` (`META_PHONE_NUMBER_ID`); default: the one the
    /// webhook named.
    pub meta_phone_number_id: Option<String>,
}

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
        Dispatcher {
            queue: self.queue.clone(),
            transport,
            wake: self.wake.clone(),
            config,
        }
    }

    /// The rows for one turn, in order.
    fn render(&self, turn: &OutboundTurn) -> Vec<NewOutbound> {
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
        };
        for reply in &turn.replies {
            let rendered: Result<Vec<OutboundRequest>, String> = match turn.provider {
                Provider::Twilio => {
                    let from = self
                        .config
                        .twilio_from
                        .clone()
                        .unwrap_or_else(|| turn.key.business().clone());
                    let mut config = twilio::OutboundConfig::new(from);
                    if let Some(url) = &self.config.twilio_status_callback {
                        config = config.with_status_callback(url.clone());
                    }
                    twilio::render(reply, customer, &config)
                        .map(|reqs| reqs.iter().map(OutboundRequest::from_twilio).collect())
                        .map_err(|e| e.to_string())
                }
                Provider::Meta => {
                    let id = turn
                        .channel_id
                        .clone()
                        .or_else(|| self.config.meta_phone_number_id.clone());
                    match id {
                        Some(id) => meta::render(reply, customer)
                            .map(|reqs| {
                                reqs.iter()
                                    .map(|r| OutboundRequest::from_meta(id.clone(), r))
                                    .collect()
                            })
                            .map_err(|e| e.to_string()),
                        None => {
                            Err("no phone_number_id to send from (set META_PHONE_NUMBER_ID)"
                                .to_owned())
                        }
                    }
                }
                _ => {
                    rows.push(NewOutbound {
                        status: OutboundStatus::Local,
                        ..base(reply)
                    });
                    continue;
                }
            };
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
        let rows = self.render(&turn);
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

/// How the [`Dispatcher`] paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchConfig {
    /// Rows read per round. Defaults to 200.
    pub batch: u64,
    /// Customers sent to concurrently. Defaults to 8.
    pub concurrency: usize,
    /// How long a claimed row is held before another dispatcher may take it.
    /// Defaults to 60 s (longer than any client timeout).
    pub lease: Duration,
    /// Attempts before a retryable failure becomes final. Defaults to 8.
    pub max_attempts: i32,
    /// First retry delay, doubled per attempt. Defaults to 1 s.
    pub backoff: Duration,
    /// Longest retry delay. Defaults to 5 minutes.
    pub max_backoff: Duration,
    /// How often to look for due rows without being woken. Defaults to 1 s.
    pub poll: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            batch: 200,
            concurrency: 8,
            lease: Duration::from_secs(60),
            max_attempts: 8,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            poll: Duration::from_secs(1),
        }
    }
}

/// What one [`Dispatcher::run_once`] round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Accepted by a provider.
    pub sent: u64,
    /// Logged, not sent (no credentials).
    pub dry_run: u64,
    /// Will be retried.
    pub retrying: u64,
    /// Failed for good.
    pub failed: u64,
}

impl RoundReport {
    fn add(&mut self, other: Self) {
        self.sent += other.sent;
        self.dry_run += other.dry_run;
        self.retrying += other.retrying;
        self.failed += other.failed;
    }

    /// Rows this round finished or rescheduled.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.sent + self.dry_run + self.retrying + self.failed
    }
}

/// Sends the outbox's pending rows; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Dispatcher<T> {
    queue: OutboxQueue,
    transport: T,
    wake: Arc<Notify>,
    config: DispatchConfig,
}

impl<T: Transport> Dispatcher<T> {
    /// Sends until `shutdown` resolves, then finishes the round in progress
    /// (a send is never cut off half-way) and returns.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        loop {
            let progressed = match self.run_once().await {
                Ok(report) => report.total() > 0,
                Err(e) => {
                    tracing::error!(error.message = %e, error.cause_chain = ?e, "outbox dispatcher round failed; retrying");
                    false
                }
            };
            if progressed {
                // More may be due right away; still stop when asked.
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = std::future::ready(()) => continue,
                }
            }
            tokio::select! {
                () = &mut shutdown => break,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.config.poll) => {}
            }
        }
        tracing::info!("outbox dispatcher stopped; unsent replies stay stored");
    }

    /// One round: sends the due rows (per customer in order, at most
    /// `batch` of them), reschedules failures.
    ///
    /// # Errors
    ///
    /// [`DbError`] when the log cannot be read; a failure to record one
    /// row's outcome is logged and the row is sent again after its lease.
    pub async fn run_once(&self) -> Result<RoundReport, DbError> {
        let pending = self.queue.due(self.config.batch).await?;
        // Each customer's rows in order; a customer whose first row is not
        // due waits whole.
        let mut order: Vec<String> = Vec::new();
        let mut by_customer: HashMap<String, Vec<PendingOutbound>> = HashMap::new();
        for row in pending {
            let rows = by_customer.entry(row.customer.clone()).or_insert_with(|| {
                order.push(row.customer.clone());
                Vec::new()
            });
            rows.push(row);
        }
        let lanes: Vec<Vec<PendingOutbound>> = order
            .into_iter()
            .filter_map(|c| by_customer.remove(&c))
            .collect();
        let mut report = RoundReport::default();
        let mut results = futures_util::stream::iter(lanes)
            .map(|lane| self.send_lane(lane))
            .buffer_unordered(self.config.concurrency.max(1));
        while let Some(r) = results.next().await {
            report.add(r);
        }
        Ok(report)
    }

    async fn send_lane(&self, lane: Vec<PendingOutbound>) -> RoundReport {
        let mut report = RoundReport::default();
        for row in lane {
            if !row.due {
                break;
            }
            let attempts = match self
                .queue
                .claim(row.id, duration_ms(self.config.lease))
                .await
            {
                Ok(Some(attempts)) => attempts,
                Ok(None) => break, // another dispatcher has it; keep the order
                Err(e) => {
                    tracing::warn!(error.message = %e, "cannot claim an outbox row");
                    break;
                }
            };
            let outcome = self.send_row(&row, attempts).await;
            let stop = outcome == Outcome::Retrying;
            match outcome {
                Outcome::Sent => report.sent += 1,
                Outcome::DryRun => report.dry_run += 1,
                Outcome::Retrying => report.retrying += 1,
                Outcome::Failed => report.failed += 1,
            }
            if stop {
                break;
            }
        }
        report
    }

    async fn send_row(&self, row: &PendingOutbound, attempts: i32) -> Outcome {
        let request: OutboundRequest = match serde_json::from_str(&row.request) {
            Ok(r) => r,
            Err(e) => {
                let error = format!("stored request is unreadable: {e}");
                Self::record(
                    row,
                    Outcome::Failed,
                    self.queue
                        .mark_final(row.id, OutboundStatus::Failed, attempts, Some(&error))
                        .await,
                );
                return Outcome::Failed;
            }
        };
        let provider = request.provider();
        let result = self.transport.send(&request).await;
        let (outcome, stored) = match &result {
            Ok(accepted) => {
                tracing::info!(
                    provider = provider.as_str(),
                    message_id = %accepted.provider_message_id,
                    in_reply_to = row.in_reply_to.as_deref().unwrap_or_default(),
                    "reply sent"
                );
                // The provider has it: recording that must not fail lightly,
                // or the row would be sent again when its claim expires.
                let mut stored = Ok(());
                for wait_ms in [0, 50, 250, 1_000] {
                    tokio::time::sleep(Duration::from_millis(wait_ms)).await;
                    stored = self
                        .queue
                        .mark_accepted(row.id, &accepted.provider_message_id, attempts)
                        .await;
                    if stored.is_ok() {
                        break;
                    }
                }
                (Outcome::Sent, stored)
            }
            Err(SendError::NotConfigured(_)) => {
                tracing::info!(
                    provider = provider.as_str(),
                    in_reply_to = row.in_reply_to.as_deref().unwrap_or_default(),
                    body = %request.summary(),
                    "dry run: reply not sent (no credentials for this provider)"
                );
                (
                    Outcome::DryRun,
                    self.queue
                        .mark_final(row.id, OutboundStatus::DryRun, attempts, None)
                        .await,
                )
            }
            Err(e @ SendError::Retryable { retry_after, .. })
                if attempts < self.config.max_attempts =>
            {
                let delay = retry_after
                    .unwrap_or_default()
                    .max(self.backoff(attempts, row.id));
                tracing::warn!(
                    provider = provider.as_str(),
                    attempts,
                    retry_in_ms = duration_ms(delay),
                    error.message = %e,
                    "reply not sent yet; will retry"
                );
                (
                    Outcome::Retrying,
                    self.queue
                        .mark_retry(
                            row.id,
                            attempts,
                            self.queue.database().clock().ms_after(delay),
                            &e.to_string(),
                        )
                        .await,
                )
            }
            Err(e) => {
                tracing::error!(
                    provider = provider.as_str(),
                    attempts,
                    error.message = %e,
                    "reply failed for good"
                );
                (
                    Outcome::Failed,
                    self.queue
                        .mark_final(
                            row.id,
                            OutboundStatus::Failed,
                            attempts,
                            Some(&e.to_string()),
                        )
                        .await,
                )
            }
        };
        let unrecorded = stored.is_err();
        Self::record(row, outcome, stored);
        metrics::counter!(
            "campanile_messages_out_total",
            "provider" => provider.as_str(),
            "outcome" => outcome.as_str(),
        )
        .increment(1);
        if unrecorded {
            // The customer's next reply must not overtake this one if it is
            // sent again after its claim expires.
            return Outcome::Retrying;
        }
        outcome
    }

    fn record(row: &PendingOutbound, outcome: Outcome, stored: Result<(), DbError>) {
        if let Err(e) = stored {
            tracing::error!(
                row = row.id,
                outcome = outcome.as_str(),
                error.message = %e,
                "cannot record a send's outcome; the row is retried after its lease"
            );
        }
    }

    /// The [backoff](Backoff) from `config.backoff` before the attempt
    /// after `attempts`, capped at `config.max_backoff`, plus up to 250 ms
    /// of jitter spread by row so retries of many rows do not arrive
    /// together.
    fn backoff(&self, attempts: i32, id: i64) -> Duration {
        let next = u32::try_from(attempts.saturating_add(1)).unwrap_or(1);
        let base = Backoff::Exponential(self.config.backoff)
            .delay_before_at_most(next, self.config.max_backoff);
        let jitter = Duration::from_millis(u64::try_from(id.rem_euclid(250)).unwrap_or_default());
        base + jitter
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Sent,
    DryRun,
    Retrying,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "accepted",
            Self::DryRun => "dry_run",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
        }
    }
}
