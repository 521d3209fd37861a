//! Virtual time for TTLs, rate windows and lease expiry.
//!
//! The in-memory stores read `tokio::time::Instant`, so a test that runs on a
//! paused clock (`#[tokio::test(start_paused = true)]`, or [`pause`]) moves
//! time with [`advance`] instead of sleeping: a 7-day dedup TTL takes no time
//! to test.
//!
//! One check reads the wall clock instead: the dedup layer's maximum message
//! age compares the provider's timestamp with its
//! [`Clock`](crate::clock::Clock) (`DedupConfig::with_clock`). Test it with
//! a [`ManualClock`](crate::clock::ManualClock), or with messages whose
//! timestamp is in the past
//! ([`InboundMessage::with_timestamp`](crate::InboundMessage::with_timestamp)).
//!
//! ```
//! use std::time::Duration;
//! use framework::dedup::{Claim, InMemSeenStore, SeenStore};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! framework::testing::time::pause();
//! let store = InMemSeenStore::new();
//! let Claim::Claimed(token) = store.claim("k", Duration::from_secs(60)).await.unwrap() else { panic!() };
//! store.complete("k", &token, Duration::from_secs(7 * 86_400)).await.unwrap();
//! framework::testing::time::advance(Duration::from_secs(7 * 86_400)).await;
//! assert!(matches!(store.claim("k", Duration::from_secs(60)).await.unwrap(), Claim::Claimed(_)));
//! # }
//! ```

use std::time::Duration;

/// Stops the clock of the current (current-thread) runtime.
///
/// # Panics
///
/// Panics outside a current-thread tokio runtime (tokio's rule).
pub fn pause() {
    tokio::time::pause();
}

/// Moves the paused clock forward and lets due timers fire.
pub async fn advance(by: Duration) {
    tokio::time::advance(by).await;
}

/// How a [contract suite](super::contract) moves time: virtually for
/// in-process stores, for real for stores whose clock is a server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// The test runs on a paused tokio clock; [`Clock::pass`] advances it.
    Virtual,
    /// Time is real (e.g. Redis expires keys by its own clock); [`Clock::pass`]
    /// sleeps.
    Real,
}

impl Clock {
    /// Lets `d` pass.
    pub async fn pass(self, d: Duration) {
        match self {
            Self::Virtual => tokio::time::advance(d).await,
            Self::Real => tokio::time::sleep(d).await,
        }
    }
}
