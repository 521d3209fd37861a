//! The local Redis server tests use, and a clean-up of a test's keys
//! (feature `test-util`). Give each test a prefix of its own
//! (`framework::testing::random_tag`) and delete it afterwards.

/// The Redis server the test command makes sure runs
/// (`scripts/services.sh`).
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// Deletes every key under `prefix:` on the local Redis server (best
/// effort; `SCAN`, so a busy server is not blocked).
pub async fn delete_redis_keys(prefix: &str) {
    let Ok(client) = redis::Client::open(REDIS_URL) else {
        return;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
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
            .query_async(&mut conn)
            .await
        else {
            return;
        };
        if !keys.is_empty() {
            let _: Result<(), _> = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await;
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}
