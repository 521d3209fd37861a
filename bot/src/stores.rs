//! The pipeline's stores for each way to run: in process (the embedded
//! default) or on Redis (`REDIS_URL`: every instance shares dedup, rate
//! limits and the conversation lane).
//!
//! Sessions live in the database in both modes: a session save commits in
//! the same transaction as the turn's order, replies and `handled` mark
//! (see [`infra_sql::inbound::turn`] and docs/adr/0012-one-transaction-per-turn.md).
//! `infra_redis::RedisSessionStore` stays available to bots whose turns
//! have no database effects.
//!
//! Each store is an enum over the two implementations, so the pipeline has
//! one concrete type whichever mode runs.

use std::time::Duration;

use framework::dedup::{Claim, ClaimToken, InMemSeenStore, SeenStore, SeenStoreError};
use framework::rate_limit::{InMemRateStore, Quota, RateDecision, RateStore, RateStoreError};
use framework::session::{ConversationLock, InMemConversationLock, Lease, LockError};
use infra_redis::{RedisConversationLock, RedisRateStore, RedisSeenStore};
use infra_sql::sessions::DbSessionStore;

/// Dedup records.
#[derive(Debug, Clone)]
pub enum Seen {
    /// In process.
    InMem(InMemSeenStore),
    /// Shared through Redis.
    Redis(RedisSeenStore),
}

/// Rate-limit state.
#[derive(Debug, Clone)]
pub enum Rates {
    /// In process.
    InMem(InMemRateStore),
    /// Shared through Redis.
    Redis(RedisRateStore),
}

/// The conversation lane.
#[derive(Debug, Clone)]
pub enum Lanes {
    /// In process.
    InMem(InMemConversationLock),
    /// Shared through Redis.
    Redis(RedisConversationLock),
}

/// The stores of one pipeline.
#[derive(Debug, Clone)]
pub struct Stores {
    /// Dedup records.
    pub seen: Seen,
    /// Rate-limit state.
    pub rates: Rates,
    /// Sessions, in the database (one commit with the turn's effects).
    pub sessions: DbSessionStore,
    /// The conversation lane.
    pub lanes: Lanes,
}

impl SeenStore for Seen {
    async fn claim(&self, key: &str, in_flight_ttl: Duration) -> Result<Claim, SeenStoreError> {
        match self {
            Self::InMem(s) => s.claim(key, in_flight_ttl).await,
            Self::Redis(s) => s.claim(key, in_flight_ttl).await,
        }
    }

    async fn complete(
        &self,
        key: &str,
        token: &ClaimToken,
        ttl: Duration,
    ) -> Result<(), SeenStoreError> {
        match self {
            Self::InMem(s) => s.complete(key, token, ttl).await,
            Self::Redis(s) => s.complete(key, token, ttl).await,
        }
    }

    async fn renew(
        &self,
        key: &str,
        token: &ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, SeenStoreError> {
        match self {
            Self::InMem(s) => s.renew(key, token, in_flight_ttl).await,
            Self::Redis(s) => s.renew(key, token, in_flight_ttl).await,
        }
    }

    async fn release(&self, key: &str, token: &ClaimToken) -> Result<(), SeenStoreError> {
        match self {
            Self::InMem(s) => s.release(key, token).await,
            Self::Redis(s) => s.release(key, token).await,
        }
    }
}

impl RateStore for Rates {
    async fn check(&self, key: &str, quota: &Quota) -> Result<RateDecision, RateStoreError> {
        match self {
            Self::InMem(s) => s.check(key, quota).await,
            Self::Redis(s) => s.check(key, quota).await,
        }
    }
}

impl ConversationLock for Lanes {
    async fn acquire(&self, key: &str, ttl: Duration, wait: Duration) -> Result<Lease, LockError> {
        match self {
            Self::InMem(s) => s.acquire(key, ttl, wait).await,
            Self::Redis(s) => s.acquire(key, ttl, wait).await,
        }
    }

    async fn extend(&self, lease: &Lease, ttl: Duration) -> Result<(), LockError> {
        match self {
            Self::InMem(s) => s.extend(lease, ttl).await,
            Self::Redis(s) => s.extend(lease, ttl).await,
        }
    }

    async fn release(&self, lease: &Lease) -> Result<(), LockError> {
        match self {
            Self::InMem(s) => s.release(lease).await,
            Self::Redis(s) => s.release(lease).await,
        }
    }
}
