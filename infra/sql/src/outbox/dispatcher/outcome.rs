//! What the dispatcher does with each send's result: record it, and
//! decide what comes next (retry, wait, fallback, unknown outcome).

use std::time::Duration;

use framework::backoff::Backoff;
use infra_providers::{OutboundRequest, SendError, Transport};

use super::Dispatcher;
use crate::messages::{OutboundStatus, PendingOutbound, SendClaim, failure_text};
use crate::{DbError, duration_ms};

impl<T: Transport> Dispatcher<T> {
    pub(super) async fn send_row(
        &self,
        row: &PendingOutbound,
        claim: SendClaim,
        request: Result<OutboundRequest, serde_json::Error>,
    ) -> Outcome {
        let attempts = claim.attempts;
        let request = match request {
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
            Err(e @ (SendError::CircuitOpen { .. } | SendError::Throttled { .. })) => {
                // Not sent, and not this message's fault: the attempt is not
                // counted. It waits (durably, in order) for the breaker's
                // probe or the provider's throughput.
                let delay = e
                    .retry_after()
                    .unwrap_or(Duration::from_secs(1))
                    .max(Duration::from_millis(100));
                tracing::info!(
                    provider = provider.as_str(),
                    retry_in_ms = duration_ms(delay),
                    error.message = %e,
                    "reply waits for its provider"
                );
                (
                    Outcome::Retrying,
                    self.queue
                        .mark_retry(
                            row.id,
                            attempts.saturating_sub(1),
                            self.queue.database().clock().ms_after(delay),
                            &e.to_string(),
                        )
                        .await,
                )
            }
            Err(e @ SendError::Unknown { .. }) => {
                let unknown = claim.unknown_outcomes.saturating_add(1);
                if resend_after_unknown(row.at_most_once, unknown) {
                    tracing::warn!(
                        provider = provider.as_str(),
                        error.message = %e,
                        "a reply's outcome is unknown; sending it once more (the customer may get it twice)"
                    );
                    metrics::counter!("campanile_outbound_resent_total", "target" => provider.as_str()).increment(1);
                    (
                        Outcome::Retrying,
                        self.queue
                            .mark_unknown_retry(
                                row.id,
                                attempts,
                                unknown,
                                self.queue.database().clock().ms_after(Duration::ZERO),
                                &e.to_string(),
                            )
                            .await,
                    )
                } else {
                    tracing::warn!(
                        provider = provider.as_str(),
                        at_most_once = row.at_most_once,
                        error.message = %e,
                        "a message's outcome is unknown; not sent again, listed for review"
                    );
                    (
                        Outcome::Unknown,
                        self.queue
                            .mark_unknown(row.id, attempts, unknown, &e.to_string())
                            .await,
                    )
                }
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
            Err(e) if e.needs_template() => {
                // Refused for the 24-hour window: its fallback (a template)
                // goes instead, when it has one. Stored first (storing it
                // twice stores it once): a failure here leaves the row to be
                // sent again, and refused again, rather than lose the
                // template.
                let (fallback, stored) = match self.queue.enqueue_fallback_of(row.id).await {
                    Ok(fallback) => (
                        fallback,
                        self.queue
                            .mark_final(
                                row.id,
                                OutboundStatus::Failed,
                                attempts,
                                Some(&stored_failure(e)),
                            )
                            .await,
                    ),
                    Err(e) => (false, Err(e)),
                };
                tracing::warn!(
                    provider = provider.as_str(),
                    fallback,
                    error.message = %e,
                    "message refused outside the 24-hour window"
                );
                metrics::counter!(
                    "campanile_outbound_window_failures_total",
                    "provider" => provider.as_str(),
                    "fallback" => if fallback { "template" } else { "none" },
                )
                .increment(1);
                (Outcome::Failed, stored)
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
                            Some(&stored_failure(e)),
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

    pub(super) fn record(row: &PendingOutbound, outcome: Outcome, stored: Result<(), DbError>) {
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

/// Whether a row whose send ended with its `unknown_outcomes`-th unknown
/// outcome is sent again: a conversational reply once (at-least-once), a
/// proactive message never (at-most-once).
pub(super) fn resend_after_unknown(at_most_once: bool, unknown_outcomes: i32) -> bool {
    !at_most_once && unknown_outcomes <= 1
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Outcome {
    Sent,
    DryRun,
    Retrying,
    Failed,
    Unknown,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "accepted",
            Self::DryRun => "dry_run",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
            Self::Unknown => "unknown",
        }
    }
}

/// What a failed send stores as its error: the provider's code first, as
/// status reports store theirs ([`failure_text`]), so the campaign
/// metrics' failures by code find it (`63016: send failed permanently: …`).
fn stored_failure(e: &SendError) -> String {
    failure_text(e.code(), Some(&e.to_string()))
}
