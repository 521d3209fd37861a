//! A fresh key prefix on the test server, two connections to it, and the
//! cleanup.

use std::time::Duration;

use infra_redis::{RedisConfig, RedisConnection, connect};

/// Two "instances" of a bot: separate connections, one key prefix. Its keys
/// are deleted when it is dropped, so also when a test fails.
pub(crate) struct TestRedis {
    url: String,
    pub(crate) prefix: String,
    pub(crate) a: RedisConnection,
    pub(crate) b: RedisConnection,
}

impl TestRedis {
    pub(crate) async fn new() -> Self {
        let url =
            std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
        let prefix = format!("campanile-test:{}", framework::testing::random_tag());
        let config = RedisConfig::new(url.clone()).with_key_prefix(prefix.clone());
        let a = connect(&config).await.expect("connect to redis (a)");
        let b = connect(&config).await.expect("connect to redis (b)");
        Self { url, prefix, a, b }
    }

    /// Deletes every key of the prefix (best effort: keys expire anyway).
    pub(crate) async fn cleanup(&self) {
        let (url, prefix) = (self.url.clone(), self.prefix.clone());
        let _ = tokio::task::spawn_blocking(move || delete_prefix_blocking(&url, &prefix)).await;
    }

    pub(crate) async fn exists(&self, key: &str) -> bool {
        let mut conn = self.a.manager().clone();
        redis::cmd("EXISTS")
            .arg(key)
            .query_async::<i64>(&mut conn)
            .await
            .expect("EXISTS")
            == 1
    }

    pub(crate) async fn get(&self, key: &str) -> Option<String> {
        let mut conn = self.a.manager().clone();
        redis::cmd("GET")
            .arg(key)
            .query_async(&mut conn)
            .await
            .expect("GET")
    }

    /// The key's time to live (zero when it has none or is missing).
    pub(crate) async fn pttl(&self, key: &str) -> Duration {
        let mut conn = self.a.manager().clone();
        let ms: i64 = redis::cmd("PTTL")
            .arg(key)
            .query_async(&mut conn)
            .await
            .expect("PTTL");
        Duration::from_millis(u64::try_from(ms).unwrap_or(0))
    }

    /// Waits until `len` turns wait in the queue of conversation `key`
    /// (`{prefix}:lockq:{key}`).
    pub(crate) async fn wait_for_queue(&self, key: &str, len: usize) {
        let mut conn = self.a.manager().clone();
        let queue = format!("{}:lockq:{key}", self.prefix);
        for _ in 0..1000 {
            let queued: usize = redis::cmd("ZCARD")
                .arg(&queue)
                .query_async(&mut conn)
                .await
                .expect("ZCARD");
            if queued >= len {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("{len} turns never queued up for {key}");
    }

    /// How many keys of the prefix exist.
    pub(crate) async fn key_count(&self) -> usize {
        let mut conn = self.a.manager().clone();
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}:*", self.prefix))
            .query_async(&mut conn)
            .await
            .expect("KEYS");
        keys.len()
    }
}

impl Drop for TestRedis {
    /// The cleanup of a test that panicked before its own.
    fn drop(&mut self) {
        delete_prefix_blocking(&self.url, &self.prefix);
    }
}

/// Deletes every key of `prefix` on a blocking connection of its own, for
/// `Drop` (which cannot await); best effort.
pub(crate) fn delete_prefix_blocking(url: &str, prefix: &str) {
    let Ok(mut conn) = redis::Client::open(url).and_then(|c| c.get_connection()) else {
        return;
    };
    let pattern = format!("{prefix}:*");
    let mut cursor: u64 = 0;
    loop {
        let Ok((next, keys)): Result<(u64, Vec<String>), _> = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1000)
            .query(&mut conn)
        else {
            return;
        };
        if !keys.is_empty() {
            let _: Result<i64, _> = redis::cmd("DEL").arg(&keys).query(&mut conn);
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}
