//! [`SessionStore`] on Redis: the session's bytes with a TTL, and a fence
//! record that outlives them.

use std::sync::LazyLock;
use std::time::Duration;

use framework::session::{FencingToken, SessionStore, SessionStoreError};
use redis::Script;
use redis::aio::ConnectionManager;

use super::support::{Keyspace, LUA_OLDER, backend, millis, unexpected};

/// How long a key's fence is remembered after its session expired or was
/// removed: far longer than any lease lives (like the in-memory store).
const FENCE_MEMORY: Duration = Duration::from_secs(60 * 60);

/// The start of every session script: refuses a caller whose token is older
/// than the key's fence (answering `{'fenced', current}`), before anything
/// is read or written.
const FENCE_CHECK: &str = r"
-- KEYS[1] = the session's bytes, KEYS[2] = its fence; ARGV[1] = the caller's token
local current = redis.call('GET', KEYS[2])
if current and older(ARGV[1], current) then
  return {'fenced', current}
end
";

static LOAD: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
-- ARGV[2] = fence memory in ms
local data = redis.call('GET', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then left = 0 end
redis.call('SET', KEYS[2], ARGV[1], 'PX', string.format('%d', left + tonumber(ARGV[2])))
return {'ok', data}
",
    )
});

static SAVE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
-- ARGV[2] = the bytes, ARGV[3] = their TTL in ms, ARGV[4] = the fence's TTL in ms
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
return {'ok', false}
",
    )
});

static REMOVE: LazyLock<Script> = LazyLock::new(|| {
    script(
        r"
-- ARGV[2] = fence memory in ms
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
return {'ok', false}
",
    )
});

fn script(body: &str) -> Script {
    Script::new(&format!("{LUA_OLDER}{FENCE_CHECK}{body}"))
}

/// Conversation sessions in Redis, shared by every instance.
///
/// The bytes live in `{prefix}:session:{key}` for the TTL of the last save
/// (the session layer's, 24 hours by default). The highest fencing token
/// seen for the key lives in `{prefix}:fence:{key}`, for an hour longer
/// than the bytes. Each call is one Lua script that checks the caller's
/// token against the fence and raises the fence to it before reading or
/// writing, so a stale holder is refused ([`SessionStoreError::Fenced`])
/// and changes nothing, with no read-then-write race.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct RedisSessionStore {
    manager: ConnectionManager,
    keys: Keyspace,
}

impl RedisSessionStore {
    /// The store on `manager`, with keys `{key_prefix}:session:{key}` and
    /// `{key_prefix}:fence:{key}`.
    #[must_use]
    pub fn new(manager: ConnectionManager, key_prefix: impl Into<String>) -> Self {
        Self {
            manager,
            keys: Keyspace::new(key_prefix),
        }
    }

    async fn run(
        &self,
        script: &Script,
        key: &str,
        fence: FencingToken,
        args: &[&[u8]],
    ) -> Result<Option<Vec<u8>>, SessionStoreError> {
        let mut invocation = script.key(self.keys.key("session", key));
        invocation
            .key(self.keys.key("fence", key))
            .arg(fence.get().to_string());
        for arg in args {
            invocation.arg(*arg);
        }
        let (status, payload): (String, Option<Vec<u8>>) = invocation
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|e| SessionStoreError::Backend(backend(e)))?;
        match status.as_str() {
            "ok" => Ok(payload),
            "fenced" => {
                let current = payload
                    .as_deref()
                    .and_then(|c| std::str::from_utf8(c).ok())
                    .and_then(|c| c.parse::<u64>().ok())
                    .ok_or_else(|| {
                        SessionStoreError::Backend(unexpected("a fence that is not a number"))
                    })?;
                Err(SessionStoreError::Fenced {
                    token: fence,
                    current: FencingToken::new(current),
                })
            }
            other => Err(SessionStoreError::Backend(unexpected(format!(
                "session script answered {other:?}"
            )))),
        }
    }
}

impl SessionStore for RedisSessionStore {
    async fn load(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> Result<Option<Vec<u8>>, SessionStoreError> {
        let memory = millis(FENCE_MEMORY).to_string();
        self.run(&LOAD, key, fence, &[memory.as_bytes()]).await
    }

    async fn save(
        &self,
        key: &str,
        data: &[u8],
        ttl: Duration,
        fence: FencingToken,
    ) -> Result<(), SessionStoreError> {
        let ttl = millis(ttl);
        let fence_ttl = ttl.saturating_add(millis(FENCE_MEMORY)).to_string();
        let ttl = ttl.to_string();
        self.run(
            &SAVE,
            key,
            fence,
            &[data, ttl.as_bytes(), fence_ttl.as_bytes()],
        )
        .await
        .map(drop)
    }

    async fn remove(&self, key: &str, fence: FencingToken) -> Result<(), SessionStoreError> {
        let memory = millis(FENCE_MEMORY).to_string();
        self.run(&REMOVE, key, fence, &[memory.as_bytes()])
            .await
            .map(drop)
    }
}
