//! The outbound policy in front of Twilio and Meta: deadline, retries,
//! circuit breakers and throughput (`infra_providers::policy`).

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
                ..ThroughputConfig::default()
            },
            ..PolicyConfig::default()
        }
    }
}
