//! The outbound policy: every call to a provider goes through one stack per
//! target, built by one constructor, so every call site (the outbox's
//! dispatcher, and through it the jobs and campaigns) gets the same
//! treatment:
//!
//! ```text
//! deadline → retry (safe errors only) → circuit breaker → throughput shaper → client
//! ```
//!
//! | stage | what it does |
//! |---|---|
//! | deadline | a budget per send, waits and retries included: [`PolicyConfig::timeout`] (at least one client call). It never cuts a call in flight (the client's own timeout bounds each call, and only the client knows whether the request was written: [`SendError::Unknown`] or not); no retry starts that could outlast it, and the shaper answers [`SendError::Throttled`] rather than wait past it |
//! | retry | sends again only what certainly was not sent ([`Retryable`](SendError::Retryable), [`Throttled`](SendError::Throttled)) and only for waits up to [`PolicyConfig::retry_max_wait`]; longer waits go back to the caller, whose outbox keeps the message durably |
//! | circuit breaker | opens after [`BreakerConfig::failure_threshold`] failures in a row (5xx, connections refused, timeouts; never 4xx validation errors, never throughput answers), refuses every call for [`BreakerConfig::open_for`] with [`SendError::CircuitOpen`], then lets [`BreakerConfig::half_open_probes`] probe(s) through: success closes it, failure opens it again |
//! | shaper | GCRA pacing per sender number ([`ThroughputConfig::per_second`]) and per (sender, customer) pair ([`ThroughputConfig::pair`]); a throughput answer pauses the sender for its `Retry-After` |
//! | client | one HTTP call ([`Providers`]) |
//!
//! The shaper's quotas live in a [`RateStore`]: `InMemRateStore` holds
//! them for one process; a Redis store (`infra_redis::RedisRateStore`)
//! shares them across every instance, on the Redis server's clock. The
//! breakers are per process: each instance protects itself.
//!
//! [`Resilient`] puts a stack in front of each configured provider and is a
//! [`Transport`] itself, so the outbox's dispatcher takes it in place of
//! [`Providers`]. It also says which providers are
//! [refusing](Transport::refusing) calls right now, so the dispatcher leaves
//! their messages in the outbox, unclaimed and in order, until a probe may
//! go.
//!
//! # Metrics
//!
//! | metric | labels | meaning |
//! |---|---|---|
//! | `campanile_breaker_state` | `target` | 0 closed, 1 open, 2 half-open |
//! | `campanile_outbound_attempts_total` | `target`, `outcome` | calls: `accepted`, `retryable`, `throttled`, `unknown`, `permanent`, `not_configured`, `breaker_open` (refused without a call) |
//! | `campanile_outbound_unknown_total` | `target` | calls whose outcome is unknown |
//! | `campanile_shaper_wait_seconds` | `target` | how long sends waited for throughput |
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use std::time::Duration;
//! use framework::rate_limit::InMemRateStore;
//! use infra_providers::policy::{BreakerConfig, BreakerState, PolicyConfig, Resilient};
//! use infra_providers::testing::{FakeFailure, FakeTwilio};
//! use infra_providers::twilio::TwilioClient;
//! use infra_providers::{OutboundRequest, Providers, SendError, Transport as _};
//!
//! let fake = FakeTwilio::start("AC0123456789abcdef0123456789abcdef", "token").await;
//! let providers = Providers::new().with_twilio(TwilioClient::new(fake.config()).unwrap());
//! let config = PolicyConfig {
//!     retries: 0,
//!     breaker: BreakerConfig { failure_threshold: 2, ..BreakerConfig::default() },
//!     ..PolicyConfig::default()
//! };
//! let resilient = Resilient::new(providers, InMemRateStore::new())
//!     .with_policy(framework::Provider::Twilio, config)
//!     .unwrap();
//!
//! let request = OutboundRequest::Twilio { fields: vec![
//!     ("To".into(), "whatsapp:+919812345678".into()),
//!     ("From".into(), "whatsapp:+14155238886".into()),
//!     ("Body".into(), "hi".into()),
//! ] };
//! fake.fail_next(FakeFailure::ServerError);
//! fake.fail_next(FakeFailure::ServerError);
//! assert!(resilient.send(&request).await.is_err());
//! assert!(resilient.send(&request).await.is_err());
//! // Two failures in a row: open. The next call does not reach Twilio.
//! let refused = resilient.send(&request).await.unwrap_err();
//! assert!(matches!(refused, SendError::CircuitOpen { target: "twilio", .. }));
//! assert_eq!(fake.requests().len(), 2);
//! assert_eq!(resilient.breakers()[0].state, BreakerState::Open);
//! # }
//! ```

pub(crate) mod breaker;
mod retry;
mod shaper;
mod stack;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use framework::Provider;
use framework::rate_limit::{Quota, RateStore};
use tower::ServiceExt as _;

use self::breaker::Breaker;
pub use self::breaker::{BreakerConfigError, BreakerState};
use self::stack::{Attempt, Stack};
use crate::transport::{Accepted, OutboundRequest, Providers, SendError, Transport};

/// A circuit breaker's settings. The defaults are the design's: open after
/// 5 failures in a row, for 10 s, then one probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerConfig {
    /// Failures in a row that open the breaker. Defaults to 5.
    pub failure_threshold: usize,
    /// How long an open breaker refuses every call. Defaults to 10 s.
    pub open_for: Duration,
    /// Calls let through to probe a half-open breaker. Defaults to 1.
    pub half_open_probes: usize,
}

impl Default for BreakerConfig {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_for: Duration::from_secs(10),
            half_open_probes: 1,
        }
    }
}

/// A throughput shaper's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThroughputConfig {
    /// Sends a second per sender number; 0 turns shaping off. Defaults to 80
    /// (Meta's default per number, and Twilio's per WhatsApp sender).
    pub per_second: u32,
    /// Sends a second for particular senders, over `per_second`: by E.164
    /// number (`+14155238886`, for Twilio's `whatsapp:+14155238886` too),
    /// Meta phone number id or Twilio Messaging Service SID. Empty by
    /// default.
    pub per_sender: std::collections::BTreeMap<String, u32>,
    /// Sends to one customer from one sender: defaults to Meta's pair rate,
    /// one per 6 s with bursts of up to 45 (45 per 270 s). `None` turns it
    /// off.
    pub pair: Option<Quota>,
    /// How long a throughput answer without `Retry-After` pauses its sender.
    /// Defaults to 1 s.
    pub pause: Duration,
}

impl Default for ThroughputConfig {
    fn default() -> Self {
        Self {
            per_second: 80,
            per_sender: std::collections::BTreeMap::new(),
            pair: Some(Quota::new(45, Duration::from_secs(270))),
            pause: Duration::from_secs(1),
        }
    }
}

/// One target's outbound policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyConfig {
    /// The budget of one send, shaper waits and retries included (never
    /// less than the client's timeout for one call, 10 s by default).
    /// Defaults to 30 s.
    pub timeout: Duration,
    /// Extra tries for a request that certainly was not sent. Defaults to 2.
    pub retries: u32,
    /// First retry wait without a hint from the provider, doubled per
    /// retry. Defaults to 200 ms.
    pub retry_backoff: Duration,
    /// The longest wait a retry here takes; a provider asking for longer
    /// gets its answer passed back (the outbox retries later). Defaults to
    /// 2 s.
    pub retry_max_wait: Duration,
    /// The circuit breaker.
    pub breaker: BreakerConfig,
    /// The throughput shaper.
    pub throughput: ThroughputConfig,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            retries: 2,
            retry_backoff: Duration::from_millis(200),
            retry_max_wait: Duration::from_secs(2),
            breaker: BreakerConfig::default(),
            throughput: ThroughputConfig::default(),
        }
    }
}

/// A breaker's state for the operator: `/readyz` and `campanile status`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BreakerReport {
    /// `twilio`, `meta`.
    pub target: &'static str,
    /// Its state now.
    pub state: BreakerState,
    /// Milliseconds it still refuses every call but its probe (open, before
    /// a probe may go; or half-open, while the probe is out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refusing_ms: Option<u64>,
    /// Times it opened since the process started.
    pub openings: u64,
}

/// One provider's stack, breaker and send budget.
#[derive(Clone)]
struct Target {
    stack: Stack,
    breaker: Breaker,
    budget: Duration,
}

/// The configured providers, each behind its outbound policy; see the
/// [module docs](self).
#[derive(Clone)]
pub struct Resilient<R> {
    providers: Providers,
    rates: R,
    targets: Arc<HashMap<Provider, Target>>,
}

impl<R> std::fmt::Debug for Resilient<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resilient")
            .field("providers", &self.providers)
            .field(
                "targets",
                &self
                    .targets
                    .values()
                    .map(|t| &t.breaker)
                    .collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl<R: RateStore> Resilient<R> {
    /// `providers` behind the default policy each (when configured), their
    /// shapers' quotas in `rates`.
    #[must_use]
    pub fn new(providers: Providers, rates: R) -> Self {
        let mut this = Self {
            providers,
            rates,
            targets: Arc::default(),
        };
        for provider in [Provider::Twilio, Provider::Meta] {
            if this.providers.configured(provider) {
                // The defaults are valid.
                if let Ok(with) = this.clone().with_policy(provider, PolicyConfig::default()) {
                    this = with;
                }
            }
        }
        this
    }

    /// Puts `provider` behind `config` (replacing its policy). A provider
    /// without a client stays unconfigured (a dry run) whatever its policy.
    ///
    /// # Errors
    ///
    /// [`BreakerConfigError`] when the breaker settings are unusable.
    pub fn with_policy(
        mut self,
        provider: Provider,
        config: PolicyConfig,
    ) -> Result<Self, BreakerConfigError> {
        if !self.providers.configured(provider) {
            return Ok(self);
        }
        let target = provider.as_str();
        let breaker = Breaker::new(target, &config.breaker)?;
        let attempt_timeout = self.providers.timeout(provider);
        let stack = stack::build(
            target,
            self.providers.clone(),
            &config,
            attempt_timeout,
            &breaker,
            self.rates.clone(),
        );
        // The budget holds at least one whole call: a call in flight is
        // never cut (only the client knows whether it wrote the request).
        let budget = config.timeout.max(attempt_timeout);
        let mut targets = (*self.targets).clone();
        targets.insert(
            provider,
            Target {
                stack,
                breaker,
                budget,
            },
        );
        self.targets = Arc::new(targets);
        Ok(self)
    }

    /// Each configured target's breaker, by target name.
    #[must_use]
    pub fn breakers(&self) -> Vec<BreakerReport> {
        let mut reports: Vec<BreakerReport> = self
            .targets
            .values()
            .map(|Target { breaker, .. }| BreakerReport {
                target: breaker.target(),
                state: breaker.state(),
                refusing_ms: breaker
                    .refusing_for()
                    .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
                openings: breaker.openings(),
            })
            .collect();
        reports.sort_by_key(|r| r.target);
        reports
    }

    /// The providers behind the policies.
    #[must_use]
    pub fn providers(&self) -> &Providers {
        &self.providers
    }
}

impl<R: RateStore> Transport for Resilient<R> {
    async fn send(&self, request: &OutboundRequest) -> Result<Accepted, SendError> {
        match self.targets.get(&request.provider()) {
            Some(target) => {
                let attempt = Attempt::new(request.clone(), target.budget);
                target.stack.clone().oneshot(attempt).await
            }
            None => self.providers.send(request).await,
        }
    }

    fn refusing(&self, provider: Provider) -> Option<Duration> {
        self.targets
            .get(&provider)
            .and_then(|target| target.breaker.admit())
    }
}
