//! The outbound policy in front of Twilio and Meta: deadline, retries,
//! circuit breakers and throughput (`infra_providers::policy`).

use std::collections::BTreeMap;
use std::time::Duration;

use framework::Provider;
use infra_providers::policy::{BreakerConfig, PolicyConfig, ThroughputConfig};

framework::settings! {
    /// The outbound policy: each provider's circuit breaker and throughput.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct OutboundSettings {
        /// The budget of one send, throughput waits and quick retries
        /// included: no retry starts and no throughput wait runs past it (a
        /// request in flight is never cut: the client's own timeout ends
        /// it) [default: 30s].
        #[var("CAMPANILE_OUTBOUND_TIMEOUT")]
        #[serde(with = "humantime_serde")]
        pub timeout: Duration,
        /// Quick retries of a send that certainly did not reach the provider
        /// (5xx, connection refused, throughput); longer waits go back to
        /// the outbox [default: 2].
        #[var("CAMPANILE_OUTBOUND_RETRIES")]
        pub retries: u32,
        /// Failures in a row (5xx, timeouts, refused connections; never 4xx
        /// answers or throughput limits) that open Twilio's circuit breaker
        /// [default: 5].
        #[var("CAMPANILE_TWILIO_BREAKER_FAILURES")]
        pub twilio_breaker_failures: usize,
        /// How long Twilio's open breaker refuses every send before one probe
        /// [default: 10s].
        #[var("CAMPANILE_TWILIO_BREAKER_OPEN_FOR")]
        #[serde(with = "humantime_serde")]
        pub twilio_breaker_open_for: Duration,
        /// Messages a second per Twilio WhatsApp sender, across all instances
        /// (shared through Redis when REDIS_URL is set); 0: unshaped
        /// [default: 80].
        #[var("CAMPANILE_TWILIO_MPS")]
        pub twilio_mps: u32,
        /// As CAMPANILE_TWILIO_BREAKER_FAILURES, for Meta [default: 5].
        #[var("CAMPANILE_META_BREAKER_FAILURES")]
        pub meta_breaker_failures: usize,
        /// As CAMPANILE_TWILIO_BREAKER_OPEN_FOR, for Meta [default: 10s].
        #[var("CAMPANILE_META_BREAKER_OPEN_FOR")]
        #[serde(with = "humantime_serde")]
        pub meta_breaker_open_for: Duration,
        /// Messages a second per Meta business number, across all instances;
        /// 0: unshaped [default: 80].
        #[var("CAMPANILE_META_MPS")]
        pub meta_mps: u32,
        /// Rates of particular senders over the two above, comma-separated
        /// `sender=rate`: an E.164 number, a Meta phone number id or a Twilio
        /// Messaging Service SID, e.g. `+14155238886=200,106540352242922=1000`
        /// [default: none].
        #[var("CAMPANILE_SENDER_MPS")]
        #[serde(deserialize_with = "sender_rates")]
        pub sender_mps: BTreeMap<String, u32>,
    }
}

impl Default for OutboundSettings {
    /// The design's breakers (5 failures, open 10 s, one probe) and 80
    /// messages a second per sender.
    fn default() -> Self {
        let breaker = BreakerConfig::default();
        let throughput = ThroughputConfig::default();
        let policy = PolicyConfig::default();
        Self {
            timeout: policy.timeout,
            retries: policy.retries,
            twilio_breaker_failures: breaker.failure_threshold,
            twilio_breaker_open_for: breaker.open_for,
            twilio_mps: throughput.per_second,
            meta_breaker_failures: breaker.failure_threshold,
            meta_breaker_open_for: breaker.open_for,
            meta_mps: throughput.per_second,
            sender_mps: BTreeMap::new(),
        }
    }
}

impl OutboundSettings {
    /// The policy for `provider`'s sends.
    #[must_use]
    pub fn policy(&self, provider: Provider) -> PolicyConfig {
        let (failures, open_for, mps) = match provider {
            Provider::Meta => (
                self.meta_breaker_failures,
                self.meta_breaker_open_for,
                self.meta_mps,
            ),
            _ => (
                self.twilio_breaker_failures,
                self.twilio_breaker_open_for,
                self.twilio_mps,
            ),
        };
        PolicyConfig {
            timeout: self.timeout,
            retries: self.retries,
            breaker: BreakerConfig {
                failure_threshold: failures,
                open_for,
                ..BreakerConfig::default()
            },
            throughput: ThroughputConfig {
                per_second: mps,
                per_sender: self.sender_mps.clone(),
                ..ThroughputConfig::default()
            },
            ..PolicyConfig::default()
        }
    }
}

/// `sender=rate,sender=rate`: rates by sender (empty: none).
fn sender_rates<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, u32>, D::Error> {
    use serde::Deserialize as _;
    use serde::de::Error as _;
    let text = String::deserialize(deserializer)?;
    parse_sender_rates(&text).map_err(D::Error::custom)
}

fn parse_sender_rates(text: &str) -> Result<BTreeMap<String, u32>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let (sender, rate) = entry
                .split_once('=')
                .ok_or_else(|| format!("`{entry}` is not sender=rate"))?;
            let sender = sender.trim();
            if sender.is_empty() {
                return Err(format!("`{entry}` names no sender"));
            }
            let rate = rate.trim().parse::<u32>().map_err(|_| {
                format!("`{entry}`: the rate must be a whole number of messages a second")
            })?;
            Ok((sender.to_owned(), rate))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_rates_read_as_pairs_and_refuse_what_is_not() {
        assert_eq!(
            parse_sender_rates(" +14155238886=200, 106540352242922=1000 ,").unwrap(),
            BTreeMap::from([
                ("+14155238886".to_owned(), 200),
                ("106540352242922".to_owned(), 1000)
            ])
        );
        assert!(parse_sender_rates("").unwrap().is_empty());
        assert!(
            parse_sender_rates("+1415=fast")
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            parse_sender_rates("+1415")
                .unwrap_err()
                .contains("sender=rate")
        );
        assert!(parse_sender_rates("=5").unwrap_err().contains("no sender"));
    }

    #[test]
    fn a_sender_rate_reaches_the_policy() {
        let settings = OutboundSettings {
            sender_mps: BTreeMap::from([("+14155238886".to_owned(), 200)]),
            ..OutboundSettings::default()
        };
        let policy = settings.policy(Provider::Twilio);
        assert_eq!(policy.throughput.per_sender.get("+14155238886"), Some(&200));
        assert_eq!(policy.throughput.per_second, 80);
    }
}
