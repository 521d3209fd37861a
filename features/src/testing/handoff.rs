//! [`InMemHandoffRepository`]: customers' handoffs in memory.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::anyhow;

use crate::handoff::{
    Handoff, HandoffFilter, HandoffId, HandoffReason, HandoffRepository, HandoffStatus, Opened,
    ReleaseReason, ReplyNoted,
};
use crate::shared::{CustomerPhone, RepositoryError};

#[derive(Debug, Default)]
struct Store {
    handoffs: BTreeMap<HandoffId, Handoff>,
    last_id: i64,
    failing: bool,
    /// A deliberate bug, to prove the contract catches it: every open
    /// opens a new handoff.
    #[cfg(test)]
    open_twice: bool,
}

impl Store {
    fn open_of(&self, customer: &CustomerPhone) -> Option<&Handoff> {
        self.handoffs
            .values()
            .find(|h| h.is_open() && &h.customer == customer)
    }

    fn open_id(&self, customer: &CustomerPhone) -> Option<HandoffId> {
        self.open_of(customer).map(|h| h.id)
    }

    /// Replaces the handoff `id` with `f` of it; returns the new one.
    fn update(&mut self, id: HandoffId, f: impl FnOnce(Handoff) -> Handoff) -> Option<Handoff> {
        let current = self.handoffs.remove(&id)?;
        let updated = f(current);
        self.handoffs.insert(id, updated.clone());
        Some(updated)
    }
}

/// An in-memory [`HandoffRepository`]; clones share the store. One lock
/// makes every write atomic, as the database's single statements are.
#[derive(Debug, Clone, Default)]
pub struct InMemHandoffRepository {
    store: Arc<Mutex<Store>>,
}

impl InMemHandoffRepository {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every call fail with [`RepositoryError::Backend`] until set
    /// back to `false`.
    pub fn set_failing(&self, failing: bool) {
        self.lock().failing = failing;
    }

    /// Every handoff stored, open and released, by id.
    #[must_use]
    pub fn all(&self) -> Vec<Handoff> {
        self.lock().handoffs.values().cloned().collect()
    }

    #[cfg(test)]
    pub(crate) fn sabotage_open_twice(&self) {
        self.lock().open_twice = true;
    }

    fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn check(&self) -> Result<MutexGuard<'_, Store>, RepositoryError> {
        let store = self.lock();
        if store.failing {
            return Err(RepositoryError::Backend(anyhow!(
                "in-memory store set to fail"
            )));
        }
        Ok(store)
    }
}

impl HandoffRepository for InMemHandoffRepository {
    async fn open(
        &self,
        customer: &CustomerPhone,
        reason: &HandoffReason,
        at_ms: i64,
    ) -> Result<Opened, RepositoryError> {
        let mut store = self.check()?;
        #[cfg(test)]
        let check_open = !store.open_twice;
        #[cfg(not(test))]
        let check_open = true;
        if check_open && let Some(open) = store.open_of(customer) {
            return Ok(Opened::AlreadyOpen(open.clone()));
        }
        store.last_id += 1;
        let id = HandoffId::new(store.last_id);
        let handoff = Handoff::opened(id, customer.clone(), reason.clone(), at_ms);
        store.handoffs.insert(id, handoff.clone());
        Ok(Opened::New(handoff))
    }

    async fn open_for(&self, customer: &CustomerPhone) -> Result<Option<Handoff>, RepositoryError> {
        Ok(self.check()?.open_of(customer).cloned())
    }

    async fn customer_wrote(
        &self,
        customer: &CustomerPhone,
        at_ms: i64,
    ) -> Result<bool, RepositoryError> {
        let mut store = self.check()?;
        let Some(id) = store.open_id(customer) else {
            return Ok(false);
        };
        Ok(store
            .update(id, |h| h.with_customer_message(at_ms))
            .is_some())
    }

    async fn operator_replied(
        &self,
        customer: &CustomerPhone,
        operator: &str,
        at_ms: i64,
    ) -> Result<ReplyNoted, RepositoryError> {
        let mut store = self.check()?;
        let Some(open) = store.open_of(customer) else {
            return Ok(ReplyNoted::NotOpen);
        };
        let (id, was_waiting) = (open.id, open.status == HandoffStatus::Waiting);
        Ok(
            match store.update(id, |h| h.with_operator_reply(operator, at_ms)) {
                Some(h) if was_waiting => ReplyNoted::Activated(h),
                Some(h) => ReplyNoted::Continued(h),
                None => ReplyNoted::NotOpen,
            },
        )
    }

    async fn release(
        &self,
        customer: &CustomerPhone,
        reason: ReleaseReason,
        at_ms: i64,
    ) -> Result<Option<Handoff>, RepositoryError> {
        let mut store = self.check()?;
        let Some(id) = store.open_id(customer) else {
            return Ok(None);
        };
        Ok(store.update(id, |h| h.released(reason, at_ms)))
    }

    async fn release_idle(
        &self,
        cutoff_ms: i64,
        at_ms: i64,
    ) -> Result<Vec<Handoff>, RepositoryError> {
        let mut store = self.check()?;
        let idle: Vec<HandoffId> = store
            .handoffs
            .values()
            .filter(|h| h.is_idle_before(cutoff_ms))
            .map(|h| h.id)
            .collect();
        Ok(idle
            .into_iter()
            .filter_map(|id| store.update(id, |h| h.released(ReleaseReason::Idle, at_ms)))
            .collect())
    }

    async fn list(
        &self,
        filter: HandoffFilter,
        after: Option<HandoffId>,
        limit: u32,
    ) -> Result<Vec<Handoff>, RepositoryError> {
        let store = self.check()?;
        Ok(store
            .handoffs
            .values()
            .filter(|h| after.is_none_or(|after| h.id > after))
            .filter(|h| match filter {
                HandoffFilter::Open => h.is_open(),
                HandoffFilter::Waiting => h.status == HandoffStatus::Waiting,
                HandoffFilter::Active => h.status == HandoffStatus::Active,
                HandoffFilter::All => true,
            })
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn history(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> Result<Vec<Handoff>, RepositoryError> {
        let store = self.check()?;
        Ok(store
            .handoffs
            .values()
            .rev()
            .filter(|h| &h.customer == customer)
            .take(limit as usize)
            .cloned()
            .collect())
    }
}
