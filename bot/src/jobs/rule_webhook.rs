//! `rule-webhook`: a rule's `webhook` action, posted from a job (never from
//! inside the turn or the fan-out page that asked for it, whose
//! transaction it would hold open): JSON with the rule, the trigger, the
//! customer, the occurrence and the time, through
//! [`WebhookClient`](infra_providers::webhook::WebhookClient) (a deadline
//! and the `webhook` circuit breaker).
//!
//! Its dedup id is `rule-webhook:{rule}:{customer}:{occurrence}:{action}`,
//! also the body's `id`: one job per run and action, delivered at least
//! once (a call that timed out may have arrived and is made again; the
//! receiver drops a second `id`). A redirect or a 4xx answer is a dead
//! letter; 408, 429, 5xx, a timeout or an open breaker is retried with
//! the queue's backoff.

use std::time::Duration;

use features::rules::WebhookCall;
use framework::BoxError;
use framework::jobs::{Job, JobError};

use super::worker::{permanent, retryable};
use super::{JobDeps, Queue, ShopJob};

/// The payload of a `rule-webhook` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RuleWebhook {
    /// Where.
    pub url: String,
    /// What: the JSON posted.
    pub body: serde_json::Value,
}

/// Asks for `call`, once per run and action (in the caller's transaction).
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(queue: &Queue, call: &WebhookCall) -> Result<(), BoxError> {
    let at = jiff::Timestamp::from_millisecond(call.at_ms)
        .map(|t| t.to_string())
        .unwrap_or_default();
    let dedup = format!(
        "rule-webhook:{}:{}:{}:{}",
        call.rule,
        call.customer.as_str(),
        call.occurrence,
        call.action
    );
    let payload = RuleWebhook {
        url: call.url.clone(),
        body: serde_json::json!({
            // The same for every attempt: a receiver that saw it drops a
            // retry (a call that timed out may have arrived).
            "id": dedup,
            "rule": call.rule,
            "trigger": call.trigger,
            "customer": call.customer.as_str(),
            "occurrence": call.occurrence,
            "at": at,
        }),
    };
    super::enqueue(queue, &payload, dedup, Duration::ZERO).await
}

impl ShopJob for RuleWebhook {
    const QUEUE: &'static str = "rule-webhook";

    async fn run(self, deps: JobDeps, _job: Job) -> Result<(), JobError> {
        match deps.webhooks.post_json(&self.url, &self.body).await {
            Ok(status) => {
                tracing::info!(url = %self.url, status, "rule webhook called");
                Ok(())
            }
            Err(e) if e.is_retryable() => Err(retryable(e)),
            Err(e) => Err(permanent(e)),
        }
    }
}
