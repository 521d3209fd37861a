use std::time::Duration;

use tower::Layer;

use crate::clock::Clock;

use super::service::Dedup;

/// How long the dedup layer remembers messages.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupConfig {
    pub(super) ttl: Duration,
    pub(super) in_flight_ttl: Duration,
    pub(super) max_age: Option<Duration>,
    pub(super) clock: Clock,
}

impl Default for DedupConfig {
    /// Remembers processed messages for 7 days (Meta retries that long), holds a
    /// claim for 10 seconds at a time (renewed while the message is
    /// processed), and drops messages older than 24 hours.
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(7 * 24 * 60 * 60),
            in_flight_ttl: Duration::from_secs(10),
            max_age: Some(Duration::from_secs(24 * 60 * 60)),
            clock: Clock::system(),
        }
    }
}

impl DedupConfig {
    /// Judges a message's age by `clock` (the system's by default).
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// How long a processed message is remembered. Clamped to at least 1 second.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// How long a claim holds without renewal. The turn processing a message
    /// renews its claim every third of this, so a turn may run longer; when
    /// its process dies, a retry may process the message this long after the
    /// last renewal. Short means a crashed worker's messages run again soon;
    /// too short for the store's round trip (or a stalled process) lets a
    /// retry run beside a live turn. Clamped to at least 1 second.
    #[must_use]
    pub fn with_in_flight_ttl(mut self, ttl: Duration) -> Self {
        self.in_flight_ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// Messages whose provider timestamp is older than this are dropped as
    /// stale; `None` turns the check off. Messages without a timestamp (Twilio)
    /// are never stale.
    #[must_use]
    pub fn with_max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self
    }

    /// How long a processed message is remembered.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// Applies [`Dedup`] to a service.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct DedupLayer<St> {
    store: St,
    config: DedupConfig,
}

impl<St> DedupLayer<St> {
    /// A dedup layer over `store` with the [default](DedupConfig::default) TTLs.
    #[must_use]
    pub fn new(store: St) -> Self {
        Self {
            store,
            config: DedupConfig::default(),
        }
    }

    /// Replaces the configuration.
    #[must_use]
    pub fn with_config(mut self, config: DedupConfig) -> Self {
        self.config = config;
        self
    }
}

impl<S, St: Clone> Layer<S> for DedupLayer<St> {
    type Service = Dedup<S, St>;

    fn layer(&self, inner: S) -> Self::Service {
        Dedup::new(inner, self.store.clone(), self.config.clone())
    }
}
