//! The Redis stores against the framework's contract suites and across
//! "instances" (separate connections sharing one key prefix, as separate
//! processes would), on a real server: `REDIS_URL`, or
//! `redis://127.0.0.1:6379`. Each test uses a fresh random key prefix and
//! deletes its keys at the end. The job queue (BullMQ) is also run in a
//! child process killed with SIGKILL (`kill.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cross_instance;
mod jobs;
#[cfg(unix)]
mod kill;
mod support;

use framework::testing::contract;
use framework::testing::time::Clock;
use support::TestRedis;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seen_store_meets_the_contract() {
    let redis = TestRedis::new().await;
    contract::seen_store(redis.a.seen_store(), Clock::Real).await;
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_store_meets_the_contract() {
    let redis = TestRedis::new().await;
    contract::rate_store(redis.a.rate_store(), Clock::Real).await;
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_store_meets_the_contract() {
    let redis = TestRedis::new().await;
    contract::session_store(redis.a.session_store(), Clock::Real).await;
    redis.cleanup().await;
}

// On one thread: the suite releases a lane and cancels its first waiter
// "at that moment", which on several threads could let the waiter finish
// (and keep the lease) before the cancellation.
#[tokio::test(flavor = "current_thread")]
async fn conversation_lock_meets_the_contract() {
    let redis = TestRedis::new().await;
    contract::conversation_lock(redis.a.conversation_lock(), Clock::Real).await;
    redis.cleanup().await;
}
