//! [`SeenStore`] on Redis: one string key per message id.

use std::sync::LazyLock;
use std::time::Duration;

use framework::dedup::{Claim, ClaimToken, SeenStore, SeenStoreError};
use redis::Script;
use redis::aio::ConnectionManager;

use super::support::{Keyspace, backend, millis, random_id, unexpected};

/// What a key holds once its message is done.
const DONE: &str = "done";

/// Marks our claim done. A key whose claim expired (nobody took it over) is
/// marked too: the message *was* processed, and a retry must not redo it.
/// A claim another attempt took over is left alone (its own `complete`
/// marks it).
static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] = the message's key; ARGV[1] = 'claim:' .. token, ARGV[2] = TTL in ms
local held = redis.call('GET', KEYS[1])
if held == 'done' then return 'done' end
if held and held ~= ARGV[1] then return 'taken' end
redis.call('SET', KEYS[1], 'done', 'PX', ARGV[2])
return 'completed'
",
    )
});

/// Extends the key's expiry only while it holds our claim.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] = the message's key; ARGV[1] = 'claim:' .. token, ARGV[2] = TTL in ms
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// Deletes the key only while it holds our claim.
static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] = the message's key; ARGV[1] = 'claim:' .. token
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// Remembers provider message ids in Redis, shared by every instance.
///
/// A key `{prefix}:seen:{id}` holds `claim:{token}` while a message is in
/// flight (expiring after the in-flight TTL) and `done` once it is processed
/// (expiring after the dedup TTL the caller passes, 7 days by default).
/// `claim` is one `SET NX PX GET` (Redis 7.0 or newer), `complete`,
/// `renew` and `release` are Lua scripts that compare the token first.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct RedisSeenStore {
    manager: ConnectionManager,
    keys: Keyspace,
}

impl RedisSeenStore {
    /// The store on `manager`, with keys `{key_prefix}:seen:{id}`.
    #[must_use]
    pub fn new(manager: ConnectionManager, key_prefix: impl Into<String>) -> Self {
        Self {
            manager,
            keys: Keyspace::new(key_prefix),
        }
    }

    fn key(&self, key: &str) -> String {
        self.keys.key("seen", key)
    }
}

fn held(token: &ClaimToken) -> String {
    format!("claim:{}", token.as_str())
}

impl SeenStore for RedisSeenStore {
    async fn claim(&self, key: &str, in_flight_ttl: Duration) -> Result<Claim, SeenStoreError> {
        let token = ClaimToken::new(random_id());
        // Sets the key only if it is missing, and answers what it held before:
        // one command, so of concurrent claims exactly one finds nothing.
        let before: Option<Vec<u8>> = redis::cmd("SET")
            .arg(self.key(key))
            .arg(held(&token))
            .arg("NX")
            .arg("PX")
            .arg(millis(in_flight_ttl))
            .arg("GET")
            .query_async(&mut self.manager.clone())
            .await
            .map_err(|e| SeenStoreError::Backend(backend(e)))?;
        Ok(match before.as_deref() {
            None => Claim::Claimed(token),
            Some(b"done") => Claim::Done,
            Some(_) => Claim::InFlight,
        })
    }

    async fn complete(
        &self,
        key: &str,
        token: &ClaimToken,
        ttl: Duration,
    ) -> Result<(), SeenStoreError> {
        let outcome: String = COMPLETE
            .key(self.key(key))
            .arg(held(token))
            .arg(millis(ttl))
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|e| SeenStoreError::Backend(backend(e)))?;
        match outcome.as_str() {
            "completed" | DONE => Ok(()),
            "taken" => {
                tracing::warn!(
                    "a message's claim expired during processing and another attempt took it over"
                );
                Ok(())
            }
            other => Err(SeenStoreError::Backend(unexpected(format!(
                "dedup complete answered {other:?}"
            )))),
        }
    }

    async fn renew(
        &self,
        key: &str,
        token: &ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, SeenStoreError> {
        let renewed: i64 = RENEW
            .key(self.key(key))
            .arg(held(token))
            .arg(millis(in_flight_ttl))
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|e| SeenStoreError::Backend(backend(e)))?;
        Ok(renewed == 1)
    }

    async fn release(&self, key: &str, token: &ClaimToken) -> Result<(), SeenStoreError> {
        let _deleted: i64 = RELEASE
            .key(self.key(key))
            .arg(held(token))
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|e| SeenStoreError::Backend(backend(e)))?;
        Ok(())
    }
}
