//! Contract suites: one test suite per storage trait, run against every
//! implementation (in-memory here, Redis and databases in `infra_redis` and `infra_sql`).
//!
//! Each suite is an async function taking the store under test and a
//! [`Clock`](super::time::Clock): [`Clock::Virtual`](super::time::Clock::Virtual)
//! for in-process stores on a paused tokio clock, [`Clock::Real`](super::time::Clock::Real)
//! for stores whose clock is a server's (the suite then sleeps for a few
//! hundred milliseconds per TTL check). Keys are unique per run, so suites can
//! share a server with other tests.
//!
//! ```
//! use framework::dedup::InMemSeenStore;
//! use framework::testing::{contract, time::Clock};
//!
//! #[tokio::test(start_paused = true)]
//! async fn in_memory_seen_store_meets_the_contract() {
//!     contract::seen_store(InMemSeenStore::new(), Clock::Virtual).await;
//! }
//! # fn main() {}
//! ```
//!
//! A failed check panics with a message naming the rule it broke.

mod jobs;
mod lock;
mod rate;
mod seen;
mod session;

pub use self::jobs::job_queue;
pub use self::lock::conversation_lock;
pub use self::rate::rate_store;
pub use self::seen::seen_store;
pub use self::session::session_store;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A key no other run of any suite uses.
fn unique(name: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "contract:{name}:{}:{nanos}:{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
