//! Every storage trait has a contract suite in `framework::testing::contract`;
//! every implementation, ours or yours, must pass it. The in-memory store runs
//! it on virtual time; a Redis or SQL store would run the same suite with
//! `Clock::Real`.

use std::time::Duration;

use framework::session::{FencingToken, InMemSessionStore, SessionStore, SessionStoreError};
use framework::testing::contract;
use framework::testing::time::Clock;

#[tokio::test(start_paused = true)]
async fn the_in_memory_session_store_meets_the_contract() {
    contract::session_store(InMemSessionStore::new(), Clock::Virtual).await;
}

/// A custom store: keeps one shop's sessions under a prefix of its own in a
/// store shared by several shops.
#[derive(Debug, Clone)]
struct PerShop<S> {
    shop: &'static str,
    inner: S,
}

impl<S> PerShop<S> {
    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.shop)
    }
}

impl<S: SessionStore> SessionStore for PerShop<S> {
    async fn load(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> Result<Option<Vec<u8>>, SessionStoreError> {
        self.inner.load(&self.key(key), fence).await
    }

    async fn save(
        &self,
        key: &str,
        data: &[u8],
        ttl: Duration,
        fence: FencingToken,
    ) -> Result<(), SessionStoreError> {
        self.inner.save(&self.key(key), data, ttl, fence).await
    }

    async fn remove(&self, key: &str, fence: FencingToken) -> Result<(), SessionStoreError> {
        self.inner.remove(&self.key(key), fence).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_custom_store_is_checked_with_the_same_suite() {
    let store = PerShop {
        shop: "sharma-traders",
        inner: InMemSessionStore::new(),
    };
    contract::session_store(store, Clock::Virtual).await;
}

/// A broken store: keeps sessions an hour longer than asked.
#[derive(Debug, Clone)]
struct OverlyLoyal(InMemSessionStore);

impl SessionStore for OverlyLoyal {
    async fn load(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> Result<Option<Vec<u8>>, SessionStoreError> {
        self.0.load(key, fence).await
    }

    async fn save(
        &self,
        key: &str,
        data: &[u8],
        ttl: Duration,
        fence: FencingToken,
    ) -> Result<(), SessionStoreError> {
        let ttl = ttl + Duration::from_secs(3600);
        self.0.save(key, data, ttl, fence).await
    }

    async fn remove(&self, key: &str, fence: FencingToken) -> Result<(), SessionStoreError> {
        self.0.remove(key, fence).await
    }
}

/// What a failure looks like: the suite names the rule the store broke.
#[tokio::test(start_paused = true)]
#[should_panic(expected = "a session expires after its TTL")]
async fn a_store_that_ignores_the_ttl_fails_the_contract() {
    contract::session_store(OverlyLoyal(InMemSessionStore::new()), Clock::Virtual).await;
}
