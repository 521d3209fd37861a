use std::time::Duration;

use tower::Layer;

use super::scope::{TurnScope, Unscoped};
use super::service::SessionService;

/// How sessions and the conversation lane behave.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    pub(super) ttl: Duration,
    pub(super) lease_ttl: Duration,
    pub(super) lock_wait: Duration,
    pub(super) max_turn: Duration,
}

impl Default for SessionConfig {
    /// Sessions live 24 hours after the last message; a lease lasts 10
    /// seconds and is renewed while its turn runs; a turn may run for 60
    /// seconds; a message waits at most 10 seconds for the lane (Twilio gives
    /// a webhook 15).
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(24 * 60 * 60),
            lease_ttl: Duration::from_secs(10),
            lock_wait: Duration::from_secs(10),
            max_turn: Duration::from_secs(60),
        }
    }
}

impl SessionConfig {
    /// How long a session lives after the conversation's last message. Clamped
    /// to at least 1 second.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl.max(Duration::from_secs(1));
        self
    }

    /// How long the conversation's lane stays held without renewal. A running
    /// turn renews its lease every third of this; when its instance dies, the
    /// lane frees itself this long after the last renewal. Clamped to at least
    /// 100 milliseconds.
    #[must_use]
    pub fn with_lease_ttl(mut self, ttl: Duration) -> Self {
        self.lease_ttl = ttl.max(Duration::from_millis(100));
        self
    }

    /// The longest a turn may run; a turn still running then is cancelled and
    /// fails (the customer gets the apology), so a stuck handler cannot hold
    /// its conversation's lane for ever. Clamped to at least 1 second.
    #[must_use]
    pub fn with_max_turn(mut self, max: Duration) -> Self {
        self.max_turn = max.max(Duration::from_secs(1));
        self
    }

    /// How long a message waits for its conversation's lane before the turn
    /// fails.
    #[must_use]
    pub fn with_lock_wait(mut self, wait: Duration) -> Self {
        self.lock_wait = wait;
        self
    }

    /// How long a session lives after the last message.
    #[must_use]
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// How long a message waits for its conversation's lane.
    #[must_use]
    pub fn lock_wait(&self) -> Duration {
        self.lock_wait
    }

    /// The longest a turn may run.
    #[must_use]
    pub fn max_turn(&self) -> Duration {
        self.max_turn
    }
}

/// Applies [`SessionService`] to a service.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct SessionLayer<St, L, Sc = Unscoped> {
    store: St,
    lock: L,
    scope: Sc,
    config: SessionConfig,
}

impl<St, L> SessionLayer<St, L> {
    /// Sessions kept in `store`, turns serialized by `lock`.
    #[must_use]
    pub fn new(store: St, lock: L) -> Self {
        Self {
            store,
            lock,
            scope: Unscoped,
            config: SessionConfig::default(),
        }
    }
}

impl<St, L, Sc> SessionLayer<St, L, Sc> {
    /// Replaces the configuration.
    #[must_use]
    pub fn with_config(mut self, config: SessionConfig) -> Self {
        self.config = config;
        self
    }

    /// Runs each turn's load, inner service and save as one unit of `scope`
    /// (one database transaction, say), inside the lane.
    #[must_use]
    pub fn with_turn_scope<Sc2: TurnScope>(self, scope: Sc2) -> SessionLayer<St, L, Sc2> {
        SessionLayer {
            store: self.store,
            lock: self.lock,
            scope,
            config: self.config,
        }
    }
}

impl<S, St: Clone, L: Clone, Sc: Clone> Layer<S> for SessionLayer<St, L, Sc> {
    type Service = SessionService<S, St, L, Sc>;

    fn layer(&self, inner: S) -> Self::Service {
        SessionService::with_scope(
            inner,
            self.store.clone(),
            self.lock.clone(),
            self.scope.clone(),
            self.config.clone(),
        )
    }
}
