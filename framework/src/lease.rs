//! Leases kept alive while the work they cover runs.
//!
//! A worker that claims something (a message, a conversation's lane, a
//! reply to send) holds it for a short lease, so that when its process dies
//! another worker takes the work over soon after. A turn may run longer
//! than such a lease, so the worker renews it while the work runs:
//! [`renewing`] polls the work and, beside it, renews every `every` (a
//! third of the lease, say), until the work ends or a renewal says the
//! lease was lost.
//!
//! ```
//! use std::time::Duration;
//! use framework::lease::{Renewal, renewing};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let mut renewals = 0;
//! let answer = renewing(
//!     async {
//!         tokio::time::sleep(Duration::from_secs(10)).await;
//!         42
//!     },
//!     Duration::from_secs(3),
//!     || {
//!         renewals += 1;
//!         async { Renewal::Held }
//!     },
//! )
//! .await;
//! assert_eq!((answer, renewals), (42, 3));
//! # }
//! ```

use std::future::Future;
use std::time::Duration;

/// The shortest period between two renewals; a shorter `every` is raised
/// to it.
pub const MIN_PERIOD: Duration = Duration::from_millis(10);

/// What one renewal came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// The lease is held for another term (or the store could not answer
    /// this time: the next renewal tries again).
    Held,
    /// The lease expired and another worker holds the work now: renewing
    /// stops.
    Lost,
}

/// Runs `work` to its end, calling `renew` every `every` (at least
/// [`MIN_PERIOD`]) while it runs.
///
/// Renewals run beside the work, so a slow store never pauses it. Once a
/// renewal answers [`Renewal::Lost`], renewing stops and the work still
/// runs to its end: what it then writes must be fenced by the caller (a
/// fencing token, a claim checked in the write).
pub async fn renewing<T, R, F>(work: impl Future<Output = T>, every: Duration, mut renew: R) -> T
where
    R: FnMut() -> F,
    F: Future<Output = Renewal>,
{
    // A zero period would renew in a busy loop.
    let every = every.max(MIN_PERIOD);
    let keep = async {
        loop {
            tokio::time::sleep(every).await;
            if renew().await == Renewal::Lost {
                return;
            }
        }
    };
    tokio::pin!(work);
    tokio::pin!(keep);
    tokio::select! {
        out = &mut work => return out,
        () = &mut keep => {}
    }
    work.await
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn renewing_stops_once_the_lease_is_lost_and_the_work_still_ends() {
        let calls = Arc::new(AtomicUsize::new(0));
        let out = renewing(
            async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "done"
            },
            Duration::from_secs(1),
            || {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                async move { if n == 2 { Renewal::Lost } else { Renewal::Held } }
            },
        )
        .await;
        assert_eq!(out, "done");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_hung_renewal_never_pauses_the_work() {
        let started = tokio::time::Instant::now();
        renewing(
            tokio::time::sleep(Duration::from_secs(5)),
            Duration::from_secs(1),
            std::future::pending::<Renewal>,
        )
        .await;
        assert_eq!(started.elapsed(), Duration::from_secs(5));
    }
}
