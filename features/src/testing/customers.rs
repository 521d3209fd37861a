//! [`InMemCustomerRepository`]: customers' tags and opt-outs in memory.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::anyhow;

use crate::customers::{
    CustomerDetails, CustomerPage, CustomerRepository, Language, OptOut, Page, Registration, Tag,
    TagMatch,
};
use crate::shared::{CustomerPhone, RepositoryError};

#[derive(Debug, Default)]
struct Store {
    opt_outs: BTreeMap<CustomerPhone, OptOut>,
    /// (customer, tag) → when it was added.
    tags: BTreeMap<(CustomerPhone, Tag), i64>,
    details: BTreeMap<CustomerPhone, CustomerDetails>,
    failing: bool,
}

/// An in-memory [`CustomerRepository`]; clones share the store.
#[derive(Debug, Clone, Default)]
pub struct InMemCustomerRepository {
    store: Arc<Mutex<Store>>,
}

impl InMemCustomerRepository {
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

    /// When `customer` was given `tag`, if they have it.
    #[must_use]
    pub fn tagged_at(&self, customer: &CustomerPhone, tag: &Tag) -> Option<i64> {
        self.lock()
            .tags
            .get(&(customer.clone(), tag.clone()))
            .copied()
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

impl CustomerRepository for InMemCustomerRepository {
    async fn details(&self, customer: &CustomerPhone) -> Result<CustomerDetails, RepositoryError> {
        Ok(self
            .check()?
            .details
            .get(customer)
            .cloned()
            .unwrap_or_default())
    }

    async fn set_language(
        &self,
        customer: &CustomerPhone,
        language: &Language,
        _at_ms: i64,
    ) -> Result<(), RepositoryError> {
        self.check()?
            .details
            .entry(customer.clone())
            .or_default()
            .language = Some(language.clone());
        Ok(())
    }

    async fn offer_language(
        &self,
        customer: &CustomerPhone,
        at_ms: i64,
    ) -> Result<bool, RepositoryError> {
        let mut store = self.check()?;
        let details = store.details.entry(customer.clone()).or_default();
        if details.language_offered_at_ms.is_some() {
            return Ok(false);
        }
        details.language_offered_at_ms = Some(at_ms);
        Ok(true)
    }

    async fn save_registration(
        &self,
        customer: &CustomerPhone,
        registration: &Registration,
        at_ms: i64,
    ) -> Result<(), RepositoryError> {
        let mut store = self.check()?;
        let details = store.details.entry(customer.clone()).or_default();
        details.registration = Some(registration.clone());
        details.registered_at_ms = Some(at_ms);
        Ok(())
    }

    async fn opt_out(&self, customer: &CustomerPhone) -> Result<Option<OptOut>, RepositoryError> {
        Ok(self.check()?.opt_outs.get(customer).cloned())
    }

    async fn save_opt_out(
        &self,
        customer: &CustomerPhone,
        opt_out: &OptOut,
    ) -> Result<(), RepositoryError> {
        self.check()?
            .opt_outs
            .insert(customer.clone(), opt_out.clone());
        Ok(())
    }

    async fn clear_opt_out(&self, customer: &CustomerPhone) -> Result<bool, RepositoryError> {
        Ok(self.check()?.opt_outs.remove(customer).is_some())
    }

    async fn add_tags(
        &self,
        customer: &CustomerPhone,
        tags: &[Tag],
        at_ms: i64,
    ) -> Result<u64, RepositoryError> {
        let mut store = self.check()?;
        let mut added = 0;
        for tag in tags {
            if let std::collections::btree_map::Entry::Vacant(e) =
                store.tags.entry((customer.clone(), tag.clone()))
            {
                e.insert(at_ms);
                added += 1;
            }
        }
        Ok(added)
    }

    async fn remove_tags(
        &self,
        customer: &CustomerPhone,
        tags: &[Tag],
    ) -> Result<u64, RepositoryError> {
        let mut store = self.check()?;
        let mut removed = 0;
        for tag in tags {
            if store
                .tags
                .remove(&(customer.clone(), tag.clone()))
                .is_some()
            {
                removed += 1;
            }
        }
        Ok(removed)
    }

    async fn tags(&self, customer: &CustomerPhone) -> Result<Vec<Tag>, RepositoryError> {
        Ok(self
            .check()?
            .tags
            .keys()
            .filter(|(c, _)| c == customer)
            .map(|(_, t)| t.clone())
            .collect())
    }

    async fn with_tags(
        &self,
        tags: &[Tag],
        matching: TagMatch,
        page: &Page,
    ) -> Result<CustomerPage, RepositoryError> {
        let store = self.check()?;
        let mut counts: BTreeMap<&CustomerPhone, usize> = BTreeMap::new();
        let wanted: BTreeSet<&Tag> = tags.iter().collect();
        for (customer, tag) in store.tags.keys() {
            if wanted.contains(tag) && page.after.as_ref().is_none_or(|after| customer > after) {
                *counts.entry(customer).or_default() += 1;
            }
        }
        let limit = page.clamped_limit() as usize;
        let mut customers: Vec<CustomerPhone> = counts
            .into_iter()
            .filter(|(_, n)| matching == TagMatch::Any || *n == wanted.len())
            .map(|(c, _)| c.clone())
            .take(limit + 1)
            .collect();
        let more = customers.len() > limit;
        customers.truncate(limit);
        let next = more.then(|| Page {
            after: customers.last().cloned(),
            limit: page.limit,
        });
        Ok(CustomerPage { customers, next })
    }
}
