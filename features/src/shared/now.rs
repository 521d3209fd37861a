//! [`Now`]: the time, injected. The features never read the system clock.

use std::fmt;
use std::sync::Arc;

/// The current time in milliseconds since the Unix epoch, as one injected
/// value: every service that stamps or compares times ([`OrderService`],
/// [`InvoiceService`], [`ReminderService`]) takes one in its constructor,
/// and this crate never reads the system clock itself.
///
/// Give every service of a process the same `Now`, so they agree on the
/// time: the bot wraps its one clock (`Now::from_fn(move || clock.now_ms())`),
/// a test pins one time ([`Now::fixed`]) for all of them. (A test once
/// pinned the reminders' clock but issued the invoice at the real time,
/// and broke when the calendar passed the pinned date.)
///
/// Cheap to clone: clones share the function.
///
/// [`OrderService`]: crate::orders::OrderService
/// [`InvoiceService`]: crate::invoices::InvoiceService
/// [`ReminderService`]: crate::reminders::ReminderService
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicI64, Ordering};
///
/// use features::shared::Now;
///
/// let pinned = Now::fixed(1_700_000_000_000);
/// assert_eq!(pinned.ms(), 1_700_000_000_000);
///
/// // A clock the test moves by hand.
/// let time = Arc::new(AtomicI64::new(0));
/// let now = Now::from_fn({
///     let time = Arc::clone(&time);
///     move || time.load(Ordering::SeqCst)
/// });
/// time.store(5_000, Ordering::SeqCst);
/// assert_eq!(now.clone().ms(), 5_000);
/// ```
#[derive(Clone)]
pub struct Now(Arc<dyn Fn() -> i64 + Send + Sync>);

impl Now {
    /// Reads the time from `f` (milliseconds since the Unix epoch) each
    /// time it is asked.
    #[must_use]
    pub fn from_fn<F>(f: F) -> Self
    where
        F: Fn() -> i64 + Send + Sync + 'static,
    {
        Self(Arc::new(f))
    }

    /// Always `ms` (milliseconds since the Unix epoch): for tests.
    #[must_use]
    pub fn fixed(ms: i64) -> Self {
        Self::from_fn(move || ms)
    }

    /// The time now, in milliseconds since the Unix epoch.
    #[must_use]
    pub fn ms(&self) -> i64 {
        (self.0)()
    }
}

impl fmt::Debug for Now {
    /// `Now { .. }`: the function is opaque, and a debug print does not
    /// read the time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Now").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_function_and_debug_does_not_read_it() {
        let now = Now::from_fn(|| panic!("read"));
        let copy = now.clone();
        assert_eq!(format!("{copy:?}"), "Now { .. }");
        assert_eq!(Now::fixed(42).clone().ms(), 42);
    }
}
