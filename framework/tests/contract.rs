//! The storage contract suites against the in-memory stores, plus proof that
//! the suites catch broken stores.

use std::time::Duration;

use framework::dedup::{Claim, ClaimToken, InMemSeenStore, SeenStore, SeenStoreError};
use framework::jobs::InMemJobQueue;
use framework::rate_limit::{InMemRateStore, Quota, RateDecision, RateStore, RateStoreError};
use framework::session::{
    ConversationLock, FencingToken, InMemConversationLock, InMemSessionStore, Lease, LockError,
    SessionStore, SessionStoreError,
};
use framework::testing::contract;
use framework::testing::time::Clock;

#[tokio::test(start_paused = true)]
async fn in_memory_seen_store_meets_the_contract() {
    contract::seen_store(InMemSeenStore::new(), Clock::Virtual).await;
}

#[tokio::test(start_paused = true)]
async fn in_memory_rate_store_meets_the_contract() {
    contract::rate_store(InMemRateStore::new(), Clock::Virtual).await;
}

#[tokio::test(start_paused = true)]
async fn in_memory_session_store_meets_the_contract() {
    contract::session_store(InMemSessionStore::new(), Clock::Virtual).await;
}

#[tokio::test(start_paused = true)]
async fn in_memory_conversation_lock_meets_the_contract() {
    contract::conversation_lock(InMemConversationLock::new(), Clock::Virtual).await;
}

// The suites also run on a real clock (as they do against Redis); this keeps
// the `Clock::Real` paths honest for the in-memory stores too.
#[tokio::test]
async fn in_memory_stores_meet_the_contracts_on_a_real_clock() {
    contract::seen_store(InMemSeenStore::new(), Clock::Real).await;
    contract::session_store(InMemSessionStore::new(), Clock::Real).await;
    contract::conversation_lock(InMemConversationLock::new(), Clock::Real).await;
    contract::rate_store(InMemRateStore::new(), Clock::Real).await;
}

// The job-queue suite keeps time on a real clock (as the queues in `infra`
// keep it in their storage), and its workers run on two threads, as they do
// against the database and Redis.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_job_queue_meets_the_contract() {
    contract::job_queue(InMemJobQueue::new()).await;
}

// --- Broken stores: each suite must reject them. ---

/// Claims everything, always: no dedup at all.
#[derive(Clone)]
struct AlwaysClaims;

impl SeenStore for AlwaysClaims {
    async fn claim(&self, _: &str, _: Duration) -> Result<Claim, SeenStoreError> {
        Ok(Claim::Claimed(ClaimToken::new("t")))
    }
    async fn complete(&self, _: &str, _: &ClaimToken, _: Duration) -> Result<(), SeenStoreError> {
        Ok(())
    }
    async fn renew(&self, _: &str, _: &ClaimToken, _: Duration) -> Result<bool, SeenStoreError> {
        Ok(true)
    }
    async fn release(&self, _: &str, _: &ClaimToken) -> Result<(), SeenStoreError> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "a claimed key answers InFlight")]
async fn seen_store_suite_rejects_a_store_without_memory() {
    contract::seen_store(AlwaysClaims, Clock::Virtual).await;
}

/// Allows everything: no limit.
#[derive(Clone)]
struct Unlimited;

impl RateStore for Unlimited {
    async fn check(&self, _: &str, _: &Quota) -> Result<RateDecision, RateStoreError> {
        Ok(RateDecision::Allowed)
    }
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "the message after the burst is limited")]
async fn rate_store_suite_rejects_a_store_without_limits() {
    contract::rate_store(Unlimited, Clock::Virtual).await;
}

/// Ignores fencing tokens.
#[derive(Clone, Default)]
struct Unfenced(InMemSessionStore);

impl SessionStore for Unfenced {
    async fn load(&self, key: &str, _: FencingToken) -> Result<Option<Vec<u8>>, SessionStoreError> {
        self.0.load(key, FencingToken::new(u64::MAX)).await
    }
    async fn save(
        &self,
        key: &str,
        data: &[u8],
        ttl: Duration,
        _: FencingToken,
    ) -> Result<(), SessionStoreError> {
        self.0
            .save(key, data, ttl, FencingToken::new(u64::MAX))
            .await
    }
    async fn remove(&self, key: &str, _: FencingToken) -> Result<(), SessionStoreError> {
        self.0.remove(key, FencingToken::new(u64::MAX)).await
    }
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "a save with an older token is refused")]
async fn session_store_suite_rejects_a_store_without_fencing() {
    contract::session_store(Unfenced::default(), Clock::Virtual).await;
}

/// Grants every request at once: no mutual exclusion.
#[derive(Clone)]
struct NoLock;

impl ConversationLock for NoLock {
    async fn acquire(&self, key: &str, _: Duration, _: Duration) -> Result<Lease, LockError> {
        Ok(Lease::new(key, FencingToken::new(1)))
    }
    async fn extend(&self, _: &Lease, _: Duration) -> Result<(), LockError> {
        Ok(())
    }
    async fn release(&self, _: &Lease) -> Result<(), LockError> {
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "a held lane cannot be taken")]
async fn lock_suite_rejects_a_lock_that_excludes_nobody() {
    contract::conversation_lock(NoLock, Clock::Virtual).await;
}
