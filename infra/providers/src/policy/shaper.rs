//! The throughput shaper: paces sends to what the provider takes, per
//! sender number and per (sender, customer) pair, on a GCRA
//! [`RateStore`] — in process, or shared by every instance through Redis.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use framework::rate_limit::{Quota, RateDecision, RateStore};
use serde_json::Value;
use tokio::time::Instant;

use super::ThroughputConfig;
use crate::transport::{OutboundRequest, SendError};

/// Waits until a request may go; see the [module docs](self).
#[derive(Debug, Clone)]
pub(super) struct Shaper<R> {
    target: &'static str,
    store: R,
    sender: Option<Quota>,
    /// Quotas of particular senders (`None`: unshaped), by sender key.
    per_sender: Arc<HashMap<String, Option<Quota>>>,
    pair: Option<Quota>,
    /// Senders the provider asked to slow down, until when (this process).
    paused: Arc<Mutex<HashMap<String, Instant>>>,
    /// One queue per key in this process: its sends take turns (first come,
    /// first served) to ask the store, so a hundred waiting sends make one
    /// store call per slot, not a hundred.
    turns: Arc<Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>>,
}

/// The quota that allows `per_second` sends a second, in bursts of a tenth
/// of a second's worth (at least one).
fn per_second(per_second: u32) -> Option<Quota> {
    if per_second == 0 {
        return None;
    }
    let burst = (per_second / 10).max(1);
    let period = Duration::from_secs_f64(f64::from(burst) / f64::from(per_second));
    Some(Quota::new(burst, period))
}

impl<R: RateStore> Shaper<R> {
    pub(super) fn new(target: &'static str, store: R, config: &ThroughputConfig) -> Self {
        Self {
            target,
            store,
            sender: per_second(config.per_second),
            per_sender: Arc::new(
                config
                    .per_sender
                    .iter()
                    .map(|(sender, rate)| (sender.clone(), per_second(*rate)))
                    .collect(),
            ),
            pair: config.pair,
            paused: Arc::default(),
            turns: Arc::default(),
        }
    }

    /// Waits until `request` may be sent: the pauses of its sender and its
    /// pair (after throughput answers) are over and both its pair's and its
    /// sender's quotas allow one more (the sender's last, closest to the
    /// send, so pair waits never bunch sends up). Records the wait in
    /// `campanile_shaper_wait_seconds`.
    ///
    /// # Errors
    ///
    /// [`SendError::Throttled`], sent nothing, when the wait would end
    /// after `deadline`: the caller tries again later.
    pub(super) async fn wait(
        &self,
        request: &OutboundRequest,
        deadline: Instant,
    ) -> Result<(), SendError> {
        let started = Instant::now();
        let (sender, recipient) = addresses(request);
        let pair = recipient.map(|r| format!("{sender}:{r}"));
        let result = self.waits(&sender, pair.as_deref(), deadline).await;
        metrics::histogram!("campanile_shaper_wait_seconds", "target" => self.target)
            .record(started.elapsed().as_secs_f64());
        result
    }

    async fn waits(
        &self,
        sender: &str,
        pair: Option<&str>,
        deadline: Instant,
    ) -> Result<(), SendError> {
        for key in std::iter::once(sender).chain(pair) {
            let until = self
                .paused
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(key)
                .copied();
            if let Some(until) = until.filter(|u| *u > Instant::now()) {
                if until > deadline {
                    return Err(self.too_long(until));
                }
                tokio::time::sleep_until(until).await;
            }
        }
        if let (Some(quota), Some(pair)) = (&self.pair, pair) {
            self.take(&format!("shaper:{}:{pair}", self.target), quota, deadline)
                .await?;
        }
        let quota = self
            .per_sender
            .get(sender.strip_prefix("whatsapp:").unwrap_or(sender))
            .unwrap_or(&self.sender);
        if let Some(quota) = quota {
            self.take(&format!("shaper:{}:{sender}", self.target), quota, deadline)
                .await?;
        }
        Ok(())
    }

    /// The answer to a send whose turn comes only at `until`, after its
    /// deadline.
    fn too_long(&self, until: Instant) -> SendError {
        SendError::Throttled {
            message: format!(
                "{}'s throughput allows no send before this send's deadline; not sent",
                self.target
            ),
            retry_after: Some(until.saturating_duration_since(Instant::now())),
            code: None,
        }
    }

    /// Takes one send from `key`'s quota, waiting as long as the store says
    /// (unless that ends after `deadline`). A store that fails lets the
    /// send go (the provider's own limits still hold; a Redis outage must
    /// not stop every reply).
    async fn take(&self, key: &str, quota: &Quota, deadline: Instant) -> Result<(), SendError> {
        let turn = {
            let mut turns = self.turns.lock().unwrap_or_else(PoisonError::into_inner);
            if turns.len() > 10_000 {
                // Keys nobody waits on any more.
                turns.retain(|_, t| Arc::strong_count(t) > 1);
            }
            Arc::clone(turns.entry(key.to_owned()).or_default())
        };
        let _turn = turn.lock().await;
        loop {
            match self.store.check(key, quota).await {
                Ok(RateDecision::Allowed) => return Ok(()),
                Ok(RateDecision::Limited { retry_after, .. }) => {
                    let until = Instant::now() + retry_after.max(Duration::from_millis(1));
                    if until > deadline {
                        return Err(self.too_long(until));
                    }
                    tokio::time::sleep_until(until).await;
                }
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, target_name = self.target, "throughput shaper's store failed; sending unshaped");
                    return Ok(());
                }
            }
        }
    }

    /// The provider asked `request`'s sender to slow down: nothing more goes
    /// from it (in this process) for `wait`.
    pub(super) fn pause(&self, request: &OutboundRequest, wait: Duration) {
        let (sender, _) = addresses(request);
        self.pause_key(sender, wait);
    }

    /// The provider asked to slow down to `request`'s customer only (Meta's
    /// pair rate): nothing more goes to them from this sender (in this
    /// process) for `wait`; other customers are not held.
    pub(super) fn pause_pair(&self, request: &OutboundRequest, wait: Duration) {
        match addresses(request) {
            (sender, Some(recipient)) => self.pause_key(format!("{sender}:{recipient}"), wait),
            (sender, None) => self.pause_key(sender, wait),
        }
    }

    fn pause_key(&self, key: String, wait: Duration) {
        let until = Instant::now() + wait;
        let mut paused = self.paused.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        paused.retain(|_, u| *u > now);
        let entry = paused.entry(key).or_insert(until);
        *entry = (*entry).max(until);
    }
}

/// The request's sender (Twilio `From` or `MessagingServiceSid`, Meta phone
/// number id) and recipient (`To` / `to`; none for a read receipt).
fn addresses(request: &OutboundRequest) -> (String, Option<String>) {
    match request {
        OutboundRequest::Twilio { fields } => {
            let get = |name: &str| {
                fields
                    .iter()
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
            };
            let sender = get("From")
                .or_else(|| get("MessagingServiceSid"))
                .unwrap_or_default();
            (sender, get("To"))
        }
        OutboundRequest::Meta {
            phone_number_id,
            body,
        } => (
            phone_number_id.clone(),
            body.get("to").and_then(Value::as_str).map(str::to_owned),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_becomes_bursts_of_a_tenth_of_a_second() {
        let quota = per_second(200).unwrap();
        assert_eq!(quota.limit(), 20);
        assert_eq!(quota.interval(), Duration::from_millis(5));
        let slow = per_second(3).unwrap();
        assert_eq!(slow.limit(), 1);
        assert_eq!(slow.interval().as_millis(), 333);
        assert!(per_second(0).is_none());
    }

    /// A deadline no test reaches.
    fn far() -> Instant {
        Instant::now() + Duration::from_secs(3_600)
    }

    fn text_to(customer: usize) -> OutboundRequest {
        OutboundRequest::Meta {
            phone_number_id: "123".into(),
            body: serde_json::json!({"to": format!("+1555{customer:07}"), "type": "text"}),
        }
    }

    /// Two instances' shapers on one store (virtual time): together they
    /// send at the configured rate, after the first burst.
    #[tokio::test(start_paused = true)]
    async fn shapers_sharing_a_store_keep_the_rate_together() {
        let store = framework::rate_limit::InMemRateStore::new();
        let config = ThroughputConfig {
            per_second: 200,
            pair: None,
            ..ThroughputConfig::default()
        };
        let shapers = [
            Shaper::new("meta", store.clone(), &config),
            Shaper::new("meta", store, &config),
        ];
        let start = Instant::now();
        let mut sends = tokio::task::JoinSet::new();
        for i in 0..1_000 {
            let shaper = shapers[i % 2].clone();
            sends.spawn(async move {
                shaper.wait(&text_to(i), far()).await.unwrap();
                Instant::now()
            });
        }
        let mut at: Vec<Duration> = sends.join_all().await.iter().map(|t| *t - start).collect();
        at.sort();

        // A burst of 20 (a tenth of a second), then one every 5 ms.
        assert_eq!(at.iter().filter(|t| t.is_zero()).count(), 20);
        let last = at[999];
        assert!(
            (Duration::from_millis(4_890)..=Duration::from_millis(4_910)).contains(&last),
            "{last:?}"
        );
        for second in 1..4 {
            let from = Duration::from_secs(second);
            let sent = at
                .iter()
                .filter(|t| **t >= from && **t < from + Duration::from_secs(1))
                .count();
            assert_eq!(sent, 200, "second {second}");
        }
    }

    /// A sender configured on its own gets its own rate; the others the
    /// default.
    #[tokio::test(start_paused = true)]
    async fn a_sender_of_its_own_gets_its_own_rate() {
        let config = ThroughputConfig {
            per_second: 10,
            per_sender: [("+14155238886".to_owned(), 100)].into(),
            pair: None,
            ..ThroughputConfig::default()
        };
        let shaper = Shaper::new(
            "twilio",
            framework::rate_limit::InMemRateStore::new(),
            &config,
        );
        let from = |sender: &str| OutboundRequest::Twilio {
            fields: vec![("From".into(), format!("whatsapp:{sender}"))],
        };
        let start = Instant::now();
        for _ in 0..21 {
            shaper.wait(&from("+14155238886"), far()).await.unwrap();
        }
        // 100/s: bursts of 10, then one every 10 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(110));
        let start = Instant::now();
        for _ in 0..3 {
            shaper.wait(&from("+14155230000"), far()).await.unwrap();
        }
        // 10/s: one at once, then one every 100 ms.
        assert_eq!(start.elapsed(), Duration::from_millis(200));
    }

    #[tokio::test(start_paused = true)]
    async fn a_throughput_answer_pauses_its_sender_only() {
        let config = ThroughputConfig {
            per_second: 0,
            pair: None,
            ..ThroughputConfig::default()
        };
        let shaper = Shaper::new(
            "meta",
            framework::rate_limit::InMemRateStore::new(),
            &config,
        );
        let other = OutboundRequest::Meta {
            phone_number_id: "456".into(),
            body: serde_json::json!({"to": "+15550000001"}),
        };
        shaper.pause(&text_to(1), Duration::from_secs(3));

        let start = Instant::now();
        shaper.wait(&other, far()).await.unwrap();
        assert_eq!(start.elapsed(), Duration::ZERO);
        shaper.wait(&text_to(2), far()).await.unwrap();
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[test]
    fn senders_and_recipients_come_from_either_wire_format() {
        let twilio = OutboundRequest::Twilio {
            fields: vec![
                ("To".into(), "whatsapp:+1555".into()),
                ("From".into(), "whatsapp:+1444".into()),
            ],
        };
        assert_eq!(
            addresses(&twilio),
            ("whatsapp:+1444".into(), Some("whatsapp:+1555".into()))
        );
        let receipt = OutboundRequest::Meta {
            phone_number_id: "123".into(),
            body: serde_json::json!({"status": "read", "message_id": "wamid.1"}),
        };
        assert_eq!(addresses(&receipt), ("123".into(), None));
    }
}
