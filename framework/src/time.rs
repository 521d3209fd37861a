//! Crate-private helpers for instants and expiring in-memory maps.

use std::time::Duration;

use tokio::time::Instant;

/// `now + ttl`, saturating: a "forever" TTL (`Duration::MAX`) means a century,
/// not an overflow panic.
pub(crate) fn after(now: Instant, ttl: Duration) -> Instant {
    const CENTURY: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);
    now.checked_add(ttl)
        .or_else(|| now.checked_add(CENTURY))
        .unwrap_or(now)
}

/// Decides when an in-memory store drops its expired entries: after as many
/// writes as half the entries the last sweep left (and at least 1024), so a
/// sweep's cost is spread over the writes since the last one (a constant
/// per write) and memory stays bounded by what one TTL holds.
#[derive(Debug, Default)]
pub(crate) struct Sweeper {
    writes: usize,
    /// Half the entries left by the last sweep.
    threshold: usize,
}

impl Sweeper {
    /// Counts a write; `true` when the store should sweep now (then call
    /// [`swept`](Self::swept)).
    pub(crate) fn due(&mut self) -> bool {
        self.writes += 1;
        self.writes >= self.threshold.max(1024)
    }

    /// Records a sweep that left `remaining` entries.
    pub(crate) fn swept(&mut self, remaining: usize) {
        self.writes = 0;
        self.threshold = remaining / 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_come_after_half_the_remaining_entries_in_writes() {
        let mut sweeper = Sweeper::default();
        let first = (1..=5000).find(|_| sweeper.due());
        assert_eq!(first, Some(1024));
        sweeper.swept(10_000);
        let next = (1..=20_000).find(|_| sweeper.due());
        assert_eq!(next, Some(5000));
    }

    #[test]
    fn saturates_instead_of_panicking() {
        let now = Instant::now();
        assert!(after(now, Duration::MAX) > now);
        assert_eq!(
            after(now, Duration::from_secs(1)),
            now + Duration::from_secs(1)
        );
    }
}
