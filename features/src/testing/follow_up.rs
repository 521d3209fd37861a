//! [`RecordingFollowUp`]: an [`OrderFollowUp`] that records what it was
//! asked.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::anyhow;

use crate::orders::OrderFollowUp;
use crate::shared::{OrderId, RepositoryError};

/// An in-memory [`OrderFollowUp`]: records every order it is asked to
/// follow up, in order, repeats included (the port's contract makes a
/// repeat harmless; a test can check how often it was asked). Clones share
/// the record.
#[derive(Debug, Clone, Default)]
pub struct RecordingFollowUp {
    inner: Arc<Mutex<Recorded>>,
}

#[derive(Debug, Default)]
struct Recorded {
    orders: Vec<OrderId>,
    cancelled: Vec<OrderId>,
    failing: bool,
}

impl RecordingFollowUp {
    fn lock(&self) -> MutexGuard<'_, Recorded> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Every order it was asked to follow up, in order, repeats included
    /// (not the calls that failed).
    #[must_use]
    pub fn orders(&self) -> Vec<OrderId> {
        self.lock().orders.clone()
    }

    /// Every confirmed order it was told was cancelled, in order.
    #[must_use]
    pub fn cancelled(&self) -> Vec<OrderId> {
        self.lock().cancelled.clone()
    }

    /// Makes every call fail with [`RepositoryError::Backend`] (as a job
    /// queue that cannot store the job) until set back to `false`.
    pub fn set_failing(&self, failing: bool) {
        self.lock().failing = failing;
    }
}

impl OrderFollowUp for RecordingFollowUp {
    async fn order_placed(&self, order: OrderId) -> Result<(), RepositoryError> {
        let mut recorded = self.lock();
        if recorded.failing {
            return Err(RepositoryError::Backend(anyhow!(
                "in-memory follow-up set to fail"
            )));
        }
        recorded.orders.push(order);
        Ok(())
    }

    async fn order_cancelled(&self, order: OrderId) -> Result<(), RepositoryError> {
        let mut recorded = self.lock();
        if recorded.failing {
            return Err(RepositoryError::Backend(anyhow!(
                "in-memory follow-up set to fail"
            )));
        }
        recorded.cancelled.push(order);
        Ok(())
    }
}
