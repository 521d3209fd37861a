//! How long to wait before trying again: one rule for everything that
//! retries (a failed job, a send the provider refused for now, an inbound
//! message whose conversation was busy).
//!
//! ```
//! use std::time::Duration;
//! use framework::backoff::Backoff;
//!
//! // 250 ms, 500 ms, 1 s, … never more than 10 s.
//! let b = Backoff::Exponential(Duration::from_millis(250));
//! assert_eq!(b.delay_before(2), Duration::from_millis(250));
//! assert_eq!(b.delay_before(4), Duration::from_secs(1));
//! assert_eq!(b.delay_before_at_most(30, Duration::from_secs(10)), Duration::from_secs(10));
//! ```

use std::time::Duration;

/// How long to wait before an attempt that follows a failed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backoff {
    /// The same delay before every retry.
    Fixed(Duration),
    /// The delay doubles with each retry: `base`, `2 × base`, `4 × base`, …
    Exponential(Duration),
}

impl Backoff {
    /// The wait before attempt `attempt` (2 for the first retry, after
    /// attempt 1 failed); saturates instead of overflowing.
    #[must_use]
    pub fn delay_before(&self, attempt: u32) -> Duration {
        let retry = attempt.saturating_sub(1).max(1);
        match *self {
            Self::Fixed(d) => d,
            Self::Exponential(base) => base.saturating_mul(2_u32.saturating_pow(retry - 1)),
        }
    }

    /// [`delay_before`](Self::delay_before), never more than `max`.
    #[must_use]
    pub fn delay_before_at_most(&self, attempt: u32, max: Duration) -> Duration {
        self.delay_before(attempt).min(max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_backoff_doubles_from_its_base() {
        let b = Backoff::Exponential(Duration::from_millis(200));
        let waits: Vec<_> = (2..=5).map(|a| b.delay_before(a).as_millis()).collect();
        assert_eq!(waits, [200, 400, 800, 1600]);
        assert_eq!(b.delay_before(1), b.delay_before(2), "no attempt 0");
        assert_eq!(
            Backoff::Fixed(Duration::from_millis(300)).delay_before(4),
            Duration::from_millis(300)
        );
        assert_eq!(
            Backoff::Exponential(Duration::from_secs(u64::MAX)).delay_before(40),
            Duration::MAX,
            "saturates, never panics"
        );
        assert_eq!(
            b.delay_before_at_most(u32::MAX, Duration::from_secs(10)),
            Duration::from_secs(10)
        );
    }
}
