//! The wall clock, as one injected value.
//!
//! Everything that needs the date or the time of day (a message's age, a
//! lease's end, an invoice's due date, the 24-hour window) reads it from a
//! [`Clock`] it was given, never from [`SystemTime::now`] directly. A
//! running bot gives every part [`Clock::system`]; a test gives every part
//! the same [`ManualClock`], so the whole test runs on its day and its
//! time, whatever the calendar says when it runs.
//!
//! Durations measured inside a process (timeouts, in-memory TTLs, rate
//! windows) use `tokio::time` instead, which tests pause and advance
//! ([`testing::time`](crate::testing::time), feature `test-util`).
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//! use framework::clock::{Clock, ManualClock};
//!
//! // 2026-11-22T06:30:00Z
//! let hand = ManualClock::new(1_795_329_000_000);
//! let clock: Clock = hand.clock();
//! assert_eq!(clock.now_ms(), 1_795_329_000_000);
//! hand.advance(Duration::from_secs(60));
//! assert_eq!(clock.now_ms(), 1_795_329_060_000);
//!
//! // The real one.
//! assert!(Clock::system().now_ms() > 1_795_329_000_000 - 400 * 86_400_000);
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where the time comes from; cheap to clone, and clones read the same
/// time. See the [module docs](self).
#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<AtomicI64>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.manual {
            None => f.write_str("Clock::system"),
            Some(ms) => write!(f, "Clock::manual({})", ms.load(Ordering::Relaxed)),
        }
    }
}

/// Two clocks are equal when they read the same time source: both the
/// system's, or the same [`ManualClock`].
impl PartialEq for Clock {
    fn eq(&self, other: &Self) -> bool {
        match (&self.manual, &other.manual) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Eq for Clock {}

impl Clock {
    /// The system's clock.
    #[must_use]
    pub fn system() -> Self {
        Self { manual: None }
    }

    /// A clock that stays at `ms` (milliseconds since the Unix epoch).
    #[must_use]
    pub fn fixed(ms: i64) -> Self {
        ManualClock::new(ms).clock()
    }

    /// Milliseconds since the Unix epoch (0 for a system clock set before
    /// 1970).
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        match &self.manual {
            Some(ms) => ms.load(Ordering::SeqCst),
            None => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        }
    }

    /// The time as a [`SystemTime`].
    #[must_use]
    pub fn now(&self) -> SystemTime {
        match &self.manual {
            None => SystemTime::now(),
            Some(_) => {
                let ms = u64::try_from(self.now_ms()).unwrap_or(0);
                UNIX_EPOCH + Duration::from_millis(ms)
            }
        }
    }

    /// `now_ms() + after`, saturating.
    #[must_use]
    pub fn ms_after(&self, after: Duration) -> i64 {
        self.now_ms()
            .saturating_add(i64::try_from(after.as_millis()).unwrap_or(i64::MAX))
    }
}

/// A clock that moves only when told: the hand of the [`Clock`]s it makes.
///
/// See the [module docs](self) for an example.
#[derive(Debug, Clone)]
pub struct ManualClock {
    ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock at `ms` (milliseconds since the Unix epoch).
    #[must_use]
    pub fn new(ms: i64) -> Self {
        Self {
            ms: Arc::new(AtomicI64::new(ms)),
        }
    }

    /// A [`Clock`] reading this hand's time.
    #[must_use]
    pub fn clock(&self) -> Clock {
        Clock {
            manual: Some(Arc::clone(&self.ms)),
        }
    }

    /// Sets the time.
    pub fn set_ms(&self, ms: i64) {
        self.ms.store(ms, Ordering::SeqCst);
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        let _ = self
            .ms
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |ms| {
                Some(ms.saturating_add(by))
            });
    }

    /// The time now, in milliseconds since the Unix epoch.
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_of_a_manual_clock_share_its_time() {
        let hand = ManualClock::new(1_000);
        let (a, b) = (hand.clock(), hand.clock().clone());
        hand.advance(Duration::from_millis(500));
        assert_eq!((a.now_ms(), b.now_ms()), (1_500, 1_500));
        hand.set_ms(42);
        assert_eq!(a.now(), UNIX_EPOCH + Duration::from_millis(42));
        assert_eq!(a.ms_after(Duration::from_secs(1)), 1_042);
        assert_eq!(a, b, "clocks of one hand are one clock");
        assert_ne!(a, Clock::system());
        assert_ne!(a, ManualClock::new(42).clock(), "another hand");
        assert_eq!(Clock::default(), Clock::system());
    }

    #[test]
    fn the_system_clock_follows_the_system_time() {
        let before = SystemTime::now();
        let now = Clock::system().now();
        assert!(now >= before);
    }
}
