//! Where the rate limit keeps its per-key counters.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::config::Quota;
use crate::BoxError;
use crate::time::{Sweeper, after};

/// The rate limit's verdict for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateDecision {
    /// Within the quota.
    Allowed,
    /// Over the quota.
    Limited {
        /// When the next message would be allowed.
        retry_after: Duration,
        /// `true` for the first limited message in a notice window: the customer
        /// gets the "please slow down" reply for it, and only for it.
        notify: bool,
    },
}

/// Errors of a [`RateStore`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RateStoreError {
    /// The backing store failed.
    #[error("rate limit store failed")]
    Backend(#[source] BoxError),
}

/// Keeps a GCRA (generic cell rate algorithm) state per key.
///
/// GCRA stores one timestamp per key, the *theoretical arrival time* (TAT): a
/// message at `now` is allowed when `TAT - now <= period - interval`, and then
/// moves TAT to `max(TAT, now) + interval`, where `interval = period / limit`.
/// That allows bursts of up to `limit` messages and a sustained rate of `limit`
/// per `period`, with no fixed-window edges.
///
/// # Contract
///
/// Every implementation must pass [`crate::testing::contract::rate_store`]:
/// concurrent checks of one key never allow more than the quota; `notify` is
/// `true` at most once per key per [`Quota::period`] of limiting; distributed
/// implementations use one clock (the server's) for all instances.
pub trait RateStore: Clone + Send + Sync + 'static {
    /// Counts one message against `key`'s quota.
    ///
    /// # Errors
    ///
    /// [`RateStoreError::Backend`] when the store cannot answer.
    fn check(
        &self,
        key: &str,
        quota: &Quota,
    ) -> impl Future<Output = Result<RateDecision, RateStoreError>> + Send;
}

#[derive(Debug)]
struct Cell {
    /// Theoretical arrival time of the next conforming message.
    tat: Instant,
    /// Until when no further "slow down" notice is sent.
    notice_until: Option<Instant>,
}

/// Decides one GCRA step for a cell of the in-memory store (a distributed
/// store must run the same step atomically, e.g. as one Lua script).
fn gcra_step(cell: &mut Cell, now: Instant, quota: &Quota) -> RateDecision {
    let interval = quota.interval();
    let tolerance = quota.period().saturating_sub(interval);
    let tat = cell.tat.max(now);
    let ahead = tat - now;
    if ahead > tolerance {
        let retry_after = ahead - tolerance;
        let notify = cell.notice_until.is_none_or(|until| now >= until);
        if notify {
            cell.notice_until = Some(after(now, quota.period()));
        }
        RateDecision::Limited {
            retry_after,
            notify,
        }
    } else {
        cell.tat = after(tat, interval);
        RateDecision::Allowed
    }
}

#[derive(Debug, Default)]
struct Cells {
    map: HashMap<String, Cell>,
    sweeper: Sweeper,
}

/// An in-process [`RateStore`] for one instance (the embedded default and tests).
///
/// Time is `tokio::time::Instant`, so tests can move it with
/// `tokio::time::advance`.
#[derive(Debug, Clone, Default)]
pub struct InMemRateStore {
    cells: Arc<Mutex<Cells>>,
}

impl InMemRateStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl RateStore for InMemRateStore {
    async fn check(&self, key: &str, quota: &Quota) -> Result<RateDecision, RateStoreError> {
        let now = Instant::now();
        let mut cells = self.cells.lock().unwrap_or_else(PoisonError::into_inner);
        if cells.sweeper.due() {
            // A cell whose TAT and notice window have passed is equivalent to no cell.
            cells
                .map
                .retain(|_, c| c.tat > now || c.notice_until.is_some_and(|u| u > now));
            let remaining = cells.map.len();
            cells.sweeper.swept(remaining);
        }
        let cell = cells.map.entry(key.to_owned()).or_insert(Cell {
            tat: now,
            notice_until: None,
        });
        Ok(gcra_step(cell, now, quota))
    }
}
