//! Where the Zoho access token lives: in this process, or, with
//! `REDIS_URL`, in Redis, so every instance uses one token and one instance
//! at a time refreshes it (Zoho allows 15 active tokens per refresh token
//! and throttles refreshes; see `infra_providers::zoho`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use framework::session::{ConversationLock as _, Lease};
use infra_providers::zoho::{
    CachedToken, InMemTokenStore, REFRESH_LOCK_TTL, TokenStore, TokenStoreError,
};
use infra_redis::{RedisConnection, RedisConversationLock};
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret as _;

/// The lock's name among the conversation lanes' (no customer has it).
const LOCK_KEY: &str = "zoho:token-refresh";

/// The token store the bot uses.
#[derive(Debug, Clone)]
pub enum Tokens {
    /// One process.
    InMem(InMemTokenStore),
    /// Shared by every instance through Redis.
    Redis(RedisTokenStore),
}

impl Tokens {
    /// On Redis when the bot has a connection, else in process.
    #[must_use]
    pub fn new(redis: Option<&RedisConnection>) -> Self {
        match redis {
            Some(redis) => Self::Redis(RedisTokenStore::new(redis)),
            None => Self::InMem(InMemTokenStore::default()),
        }
    }
}

/// Proof of holding the refresh lock, in either store.
#[derive(Debug)]
pub enum TokensLease {
    /// The in-process store's.
    InMem(<InMemTokenStore as TokenStore>::Lease),
    /// The Redis store's.
    Redis(Lease),
}

impl TokenStore for Tokens {
    type Lease = TokensLease;

    async fn get(&self) -> Result<Option<CachedToken>, TokenStoreError> {
        match self {
            Self::InMem(s) => s.get().await,
            Self::Redis(s) => s.get().await,
        }
    }

    async fn put(&self, token: CachedToken) -> Result<(), TokenStoreError> {
        match self {
            Self::InMem(s) => s.put(token).await,
            Self::Redis(s) => s.put(token).await,
        }
    }

    async fn acquire(&self, ttl: Duration) -> Result<TokensLease, TokenStoreError> {
        match self {
            Self::InMem(s) => s.acquire(ttl).await.map(TokensLease::InMem),
            Self::Redis(s) => s.acquire(ttl).await.map(TokensLease::Redis),
        }
    }

    async fn release(&self, lease: TokensLease) -> Result<(), TokenStoreError> {
        match (self, lease) {
            (Self::InMem(s), TokensLease::InMem(lease)) => s.release(lease).await,
            (Self::Redis(s), TokensLease::Redis(lease)) => s.release(lease).await,
            // A lease of the other store: nothing of ours to give back.
            _ => Ok(()),
        }
    }
}

/// The token in a Redis string (`{prefix}:zoho:token`: the time to renew
/// it, in ms since the epoch, a space, the token), expiring with it; the
/// refresh lock is a conversation lane of its own (fenced, with a TTL).
#[derive(Clone)]
pub struct RedisTokenStore {
    manager: ConnectionManager,
    key: String,
    lock: RedisConversationLock,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore {
    /// The store on `redis`, under its key prefix.
    #[must_use]
    pub fn new(redis: &RedisConnection) -> Self {
        Self {
            manager: redis.manager().clone(),
            key: format!("{}:zoho:token", redis.key_prefix()),
            lock: redis.conversation_lock(),
        }
    }
}

fn failed(e: impl std::fmt::Display) -> TokenStoreError {
    TokenStoreError(e.to_string())
}

impl TokenStore for RedisTokenStore {
    type Lease = Lease;

    async fn get(&self) -> Result<Option<CachedToken>, TokenStoreError> {
        let value: Option<String> = redis::cmd("GET")
            .arg(&self.key)
            .query_async(&mut self.manager.clone())
            .await
            .map_err(failed)?;
        // A value that does not read is no token: refresh.
        Ok(value.and_then(|v| {
            let (ms, token) = v.split_once(' ')?;
            let renew_at = UNIX_EPOCH + Duration::from_millis(ms.parse().ok()?);
            Some(CachedToken::new(token, renew_at))
        }))
    }

    async fn put(&self, token: CachedToken) -> Result<(), TokenStoreError> {
        let renew_ms = token
            .renew_at()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_millis();
        // Kept a little past its renewal time (it is still valid then).
        let keep = token
            .renew_at()
            .duration_since(SystemTime::now())
            .unwrap_or_default()
            + Duration::from_secs(60);
        redis::cmd("SET")
            .arg(&self.key)
            .arg(format!(
                "{renew_ms} {}",
                token.access_token().expose_secret()
            ))
            .arg("PX")
            .arg(u64::try_from(keep.as_millis()).unwrap_or(u64::MAX))
            .query_async::<()>(&mut self.manager.clone())
            .await
            .map_err(failed)
    }

    async fn acquire(&self, ttl: Duration) -> Result<Lease, TokenStoreError> {
        self.lock
            .acquire(LOCK_KEY, ttl, REFRESH_LOCK_TTL)
            .await
            .map_err(failed)
    }

    async fn release(&self, lease: Lease) -> Result<(), TokenStoreError> {
        self.lock.release(&lease).await.map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use futures_util::future::join_all;
    use infra_providers::testing::FakeZoho;
    use infra_providers::zoho::ZohoClient;
    use infra_redis::RedisConfig;
    use infra_redis::testing::delete_redis_keys;

    use super::*;

    /// Two instances (each its own Redis connection and client) over one
    /// key prefix: twenty callers at once, ten on each, make one refresh,
    /// and every call carries that one token.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn twenty_callers_on_two_instances_make_one_refresh() {
        let fake = FakeZoho::start().await;
        fake.add_products(2);
        let prefix = format!("campanile-test-{}", framework::testing::random_tag());
        let mut clients = Vec::new();
        for _ in 0..2 {
            let redis = infra_redis::connect(
                &RedisConfig::new("redis://127.0.0.1:6379").with_key_prefix(prefix.clone()),
            )
            .await
            .unwrap();
            let config = fake.config().with_max_concurrency(20);
            clients.push(ZohoClient::with_token_store(config, Tokens::new(Some(&redis))).unwrap());
        }

        let results = join_all((0..20).map(|i| clients[i % 2].fetch_inventory())).await;

        assert!(
            results
                .iter()
                .all(|r| r.as_ref().is_ok_and(|p| p.len() == 2))
        );
        assert_eq!(fake.refreshes(), 1);
        let tokens: std::collections::HashSet<_> = fake
            .api_requests()
            .iter()
            .map(|r| r.authorization.clone().unwrap())
            .collect();
        assert_eq!(tokens.len(), 1, "{tokens:?}");
        delete_redis_keys(&prefix).await;
    }

    #[tokio::test]
    async fn without_redis_the_token_stays_in_the_process() {
        let fake = FakeZoho::start().await;
        fake.add_products(1);
        let client = ZohoClient::with_token_store(fake.config(), Tokens::new(None)).unwrap();
        client.fetch_inventory().await.unwrap();
        client.fetch_inventory().await.unwrap();
        assert_eq!(fake.refreshes(), 1);
    }
}
