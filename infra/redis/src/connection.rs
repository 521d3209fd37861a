//! Where the server is, and the one connection every store shares.

use std::fmt;

use redis::aio::ConnectionManager;

use super::error::RedisError;
use super::lock::RedisConversationLock;
use super::rate::RedisRateStore;
use super::seen::RedisSeenStore;
use super::session::RedisSessionStore;
use framework::settings::SecretUrl;

/// Where Redis runs and how our keys are named.
///
/// See the [module docs](super) for an example.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RedisConfig {
    url: String,
    key_prefix: String,
}

impl Default for RedisConfig {
    /// `redis://127.0.0.1:6379`, key prefix `campanile`.
    fn default() -> Self {
        Self {
            url: "redis://127.0.0.1:6379".to_owned(),
            key_prefix: "campanile".to_owned(),
        }
    }
}

impl RedisConfig {
    /// The server at `url` (`redis://[user:password@]host[:port][/db]`,
    /// `rediss://` for TLS when the redis crate is built with it), key prefix
    /// `campanile`.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            ..Self::default()
        }
    }

    /// Sets the prefix of every key (`{prefix}:seen:{key}`, ...), so several
    /// bots, or test runs, can share one server. Defaults to `campanile`.
    #[must_use]
    pub fn with_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// The server's URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The key prefix.
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }
}

impl fmt::Debug for RedisConfig {
    /// Hides the URL's password: configurations get logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("url", &redacted(&self.url))
            .field("key_prefix", &self.key_prefix)
            .finish()
    }
}

/// `scheme://***@host/...` when the URL carries credentials.
fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://***@{host}{path}"),
        None => url.to_owned(),
    }
}

framework::settings! {
    /// Whether and where the bot shares its stores on Redis: without a URL,
    /// dedup, rate limits and the conversation lane stay in the process.
    ///
    /// `Debug` shows the URL without its password.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct RedisSettings {
        /// redis://… shared by all instances for dedup, rate limits, the
        /// conversation lane and the job queue [default: unset: in process].
        #[var("REDIS_URL", secret)]
        pub url: Option<SecretUrl>,
        /// Prefix of every Redis key, without ':' [default: campanile].
        #[var("REDIS_KEY_PREFIX")]
        pub key_prefix: String,
    }
}

impl Default for RedisSettings {
    /// No Redis; key prefix `campanile`.
    fn default() -> Self {
        Self {
            url: None,
            key_prefix: RedisConfig::default().key_prefix,
        }
    }
}

impl RedisSettings {
    /// The server to connect to, when a URL is set.
    #[must_use]
    pub fn config(&self) -> Option<RedisConfig> {
        self.url
            .as_ref()
            .map(|url| RedisConfig::new(url.expose()).with_key_prefix(self.key_prefix.clone()))
    }
}

impl From<RedisConfig> for RedisSettings {
    /// Settings that connect to `config`'s server.
    fn from(config: RedisConfig) -> Self {
        Self {
            url: Some(SecretUrl::new(config.url)),
            key_prefix: config.key_prefix,
        }
    }
}

/// One connection to Redis, shared by all stores of a process.
///
/// It wraps the redis crate's [`ConnectionManager`]: one multiplexed
/// connection that pipelines the commands of every task and reconnects by
/// itself. Clones share it (they are cheap), so a process needs exactly one;
/// do not pool them. Our stores never send blocking commands (`BLPOP`,
/// `WAIT`, ...) on it, which would stall every other task's commands.
///
/// See the [module docs](super) for an example.
#[derive(Clone)]
pub struct RedisConnection {
    manager: ConnectionManager,
    key_prefix: String,
}

impl fmt::Debug for RedisConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConnection")
            .field("key_prefix", &self.key_prefix)
            .finish_non_exhaustive()
    }
}

/// Connects to the server of `config`.
///
/// # Errors
///
/// [`RedisError::InvalidUrl`] for a malformed URL, [`RedisError::Connect`]
/// when the server cannot be reached.
pub async fn connect(config: &RedisConfig) -> Result<RedisConnection, RedisError> {
    let client = redis::Client::open(config.url()).map_err(RedisError::InvalidUrl)?;
    let manager = ConnectionManager::new(client)
        .await
        .map_err(RedisError::Connect)?;
    tracing::debug!(config = ?config, "connected to redis");
    Ok(RedisConnection {
        manager,
        key_prefix: config.key_prefix().to_owned(),
    })
}

impl RedisConnection {
    /// The redis crate's connection, for commands of your own.
    #[must_use]
    pub fn manager(&self) -> &ConnectionManager {
        &self.manager
    }

    /// The prefix of every key the stores write.
    #[must_use]
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// The dedup store on this connection.
    #[must_use]
    pub fn seen_store(&self) -> RedisSeenStore {
        RedisSeenStore::new(self.manager.clone(), self.key_prefix.clone())
    }

    /// The rate limit store on this connection.
    #[must_use]
    pub fn rate_store(&self) -> RedisRateStore {
        RedisRateStore::new(self.manager.clone(), self.key_prefix.clone())
    }

    /// The session store on this connection.
    #[must_use]
    pub fn session_store(&self) -> RedisSessionStore {
        RedisSessionStore::new(self.manager.clone(), self.key_prefix.clone())
    }

    /// The conversation lock on this connection.
    #[must_use]
    pub fn conversation_lock(&self) -> RedisConversationLock {
        RedisConversationLock::new(self.manager.clone(), self.key_prefix.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_password() {
        let config = RedisConfig::new("redis://user:s3cret@cache.internal:6379/2");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("cache.internal:6379/2"), "{shown}");
        assert_eq!(redacted("redis://127.0.0.1:6379"), "redis://127.0.0.1:6379");
    }

    #[test]
    fn defaults() {
        let config = RedisConfig::default();
        assert_eq!(config.url(), "redis://127.0.0.1:6379");
        assert_eq!(config.key_prefix(), "campanile");
        assert_eq!(
            RedisConfig::new("redis://h")
                .with_key_prefix("p")
                .key_prefix(),
            "p"
        );
    }
}
