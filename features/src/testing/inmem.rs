//! In-memory repositories sharing one store, so confirming an order takes
//! product stock exactly as a database transaction would.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use anyhow::anyhow;

use crate::catalog::{Product, ProductRepository, Sku, SourcedProduct, SyncChanges, UpsertCounts};
use crate::orders::{Order, OrderRepository, OrderStatus, TransitionError};
use crate::shared::{CustomerPhone, OrderId, RepositoryError};

/// Products and orders behind one lock.
#[derive(Debug, Default)]
struct Store {
    products: BTreeMap<Sku, Product>,
    /// The external ids of synced products.
    sources: HashMap<Sku, String>,
    orders: BTreeMap<OrderId, Order>,
    /// Idempotency key → the order it created.
    keys: HashMap<String, OrderId>,
    /// Last id handed out.
    last_id: i64,
    /// While set, every call fails with [`RepositoryError::Backend`].
    failing: bool,
    /// Deliberate bugs, to prove the contract suites catch them.
    #[cfg(test)]
    sabotage: Sabotage,
}

/// Bugs the contract suites must detect.
#[cfg(test)]
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Sabotage {
    pub(crate) ignore_idempotency_key: bool,
    pub(crate) skip_stock: bool,
    pub(crate) partial_stock: bool,
    pub(crate) unsorted: bool,
    pub(crate) ignore_stale_status: bool,
    pub(crate) list_inactive: bool,
}

/// A shared handle to the store.
#[derive(Debug, Clone, Default)]
struct Shared(Arc<Mutex<Store>>);

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Store> {
        // A panicking test thread must not poison the store for the others.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
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

/// An in-memory [`ProductRepository`]. Clones share the store; an
/// [`InMemOrderRepository`] made from it shares it too.
#[derive(Debug, Clone, Default)]
pub struct InMemProductRepository {
    store: Shared,
}

impl InMemProductRepository {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A store holding `products`.
    #[must_use]
    pub fn with_products(products: Vec<Product>) -> Self {
        let repo = Self::new();
        {
            let mut store = repo.store.lock();
            for product in products {
                store.products.insert(product.sku().clone(), product);
            }
        }
        repo
    }

    /// The stored product with this SKU (active or not).
    #[must_use]
    pub fn product(&self, sku: &str) -> Option<Product> {
        let sku = Sku::parse(sku).ok()?;
        self.store.lock().products.get(&sku).cloned()
    }

    /// The stock of the product with this SKU; `None` if it is not tracked
    /// or there is no such product.
    #[must_use]
    pub fn stock_of(&self, sku: &str) -> Option<u32> {
        self.product(sku).and_then(|p| p.stock())
    }

    /// Every stored product, active or not, by SKU.
    #[must_use]
    pub fn all(&self) -> Vec<Product> {
        self.store.lock().products.values().cloned().collect()
    }

    /// Makes every call on this store (products and orders) fail with
    /// [`RepositoryError::Backend`] until set back to `false`.
    pub fn set_failing(&self, failing: bool) {
        self.store.lock().failing = failing;
    }

    #[cfg(test)]
    pub(crate) fn sabotage(&self, sabotage: Sabotage) {
        self.store.lock().sabotage = sabotage;
    }
}

impl ProductRepository for InMemProductRepository {
    async fn list_active(&self) -> Result<Vec<Product>, RepositoryError> {
        let store = self.store.check()?;
        #[cfg_attr(not(test), allow(unused_mut))]
        let mut products: Vec<Product> = store
            .products
            .values()
            .filter(|p| p.is_active())
            .cloned()
            .collect();
        products.sort_by(|a, b| a.name().cmp(b.name()).then_with(|| a.sku().cmp(b.sku())));
        #[cfg(test)]
        {
            if store.sabotage.list_inactive {
                products = store.products.values().cloned().collect();
            }
            if store.sabotage.unsorted {
                products.reverse();
            }
        }
        Ok(products)
    }

    async fn count(&self) -> Result<u64, RepositoryError> {
        let store = self.store.check()?;
        Ok(store.products.len() as u64)
    }

    async fn upsert(
        &self,
        products: Vec<Product>,
        deactivate_others: bool,
    ) -> Result<UpsertCounts, RepositoryError> {
        let mut store = self.store.check()?;
        let mut counts = UpsertCounts::default();
        let skus: Vec<Sku> = products.iter().map(|p| p.sku().clone()).collect();
        for product in products {
            match store.products.insert(product.sku().clone(), product) {
                Some(_) => counts.updated += 1,
                None => counts.inserted += 1,
            }
        }
        if deactivate_others {
            for (sku, product) in &mut store.products {
                if product.is_active() && !skus.contains(sku) {
                    *product = product.clone().with_active(false);
                    counts.deactivated += 1;
                }
            }
        }
        Ok(counts)
    }

    async fn list_all(&self) -> Result<Vec<SourcedProduct>, RepositoryError> {
        let store = self.store.check()?;
        Ok(store
            .products
            .values()
            .map(|p| SourcedProduct {
                product: p.clone(),
                source_id: store.sources.get(p.sku()).cloned(),
            })
            .collect())
    }

    async fn save_synced(&self, changes: SyncChanges) -> Result<(), RepositoryError> {
        let mut store = self.store.check()?;
        for (product, source) in changes.upserts {
            store.sources.insert(product.sku().clone(), source);
            store.products.insert(product.sku().clone(), product);
        }
        for sku in changes.deactivate {
            if let Some(product) = store.products.get_mut(&sku) {
                *product = product.clone().with_active(false);
            }
        }
        Ok(())
    }
}

/// An in-memory [`OrderRepository`] sharing its store with an
/// [`InMemProductRepository`], whose stock it takes and returns.
#[derive(Debug, Clone)]
pub struct InMemOrderRepository {
    store: Shared,
}

impl InMemOrderRepository {
    /// An order repository over the same store as `products`.
    #[must_use]
    pub fn new(products: InMemProductRepository) -> Self {
        Self {
            store: products.store,
        }
    }

    /// Stores an existing order as it is (keeping its id, or giving it the
    /// next one) without touching stock; returns it with its id.
    pub fn seed(&self, order: Order) -> Order {
        let mut store = self.store.lock();
        let order = match order.id() {
            Some(id) => {
                store.last_id = store.last_id.max(id.get());
                order
            }
            None => {
                store.last_id += 1;
                let id = OrderId::new(store.last_id);
                order.with_id(id)
            }
        };
        if let Some(id) = order.id() {
            store.orders.insert(id, order.clone());
        }
        order
    }

    /// Every stored order, by id.
    #[must_use]
    pub fn orders(&self) -> Vec<Order> {
        self.store.lock().orders.values().cloned().collect()
    }
}

impl OrderRepository for InMemOrderRepository {
    async fn insert(&self, order: &Order, idempotency_key: &str) -> Result<Order, RepositoryError> {
        let mut store = self.store.check()?;
        if order.id().is_some() {
            return Err(RepositoryError::Backend(anyhow!(
                "insert of an order that already has an id"
            )));
        }
        #[cfg(test)]
        let use_key = !store.sabotage.ignore_idempotency_key;
        #[cfg(not(test))]
        let use_key = true;
        if use_key
            && let Some(existing) = store
                .keys
                .get(idempotency_key)
                .and_then(|id| store.orders.get(id))
        {
            return Ok(existing.clone());
        }
        store.last_id += 1;
        let id = OrderId::new(store.last_id);
        let stored = order.clone().with_id(id);
        store.orders.insert(id, stored.clone());
        store.keys.insert(idempotency_key.to_owned(), id);
        Ok(stored)
    }

    async fn get(&self, id: OrderId) -> Result<Option<Order>, RepositoryError> {
        Ok(self.store.check()?.orders.get(&id).cloned())
    }

    async fn list_for_customer(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> Result<Vec<Order>, RepositoryError> {
        let store = self.store.check()?;
        let mut orders: Vec<Order> = store
            .orders
            .values()
            .filter(|o| o.customer() == customer)
            .cloned()
            .collect();
        orders.sort_by(|a, b| {
            b.created_at_ms()
                .cmp(&a.created_at_ms())
                .then_with(|| b.id().cmp(&a.id()))
        });
        orders.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(orders)
    }

    async fn list(
        &self,
        status: Option<OrderStatus>,
        before: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<Order>, RepositoryError> {
        let store = self.store.check()?;
        Ok(store
            .orders
            .range((
                std::ops::Bound::Unbounded,
                before.map_or(std::ops::Bound::Unbounded, std::ops::Bound::Excluded),
            ))
            .rev()
            .map(|(_, order)| order)
            .filter(|o| status.is_none_or(|s| o.status() == s))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .cloned()
            .collect())
    }

    async fn transition(&self, order: &Order, from: OrderStatus) -> Result<(), TransitionError> {
        let mut store = self.store.check()?;
        let Some(id) = order.id() else {
            return Err(TransitionError::Conflict);
        };
        let stored_status = store.orders.get(&id).map(Order::status);
        #[cfg(test)]
        let stale_ok = store.sabotage.ignore_stale_status && stored_status.is_some();
        #[cfg(not(test))]
        let stale_ok = false;
        if stored_status != Some(from) && !stale_ok {
            return Err(TransitionError::Conflict);
        }
        let to = order.status();
        #[cfg(test)]
        let skip_stock = store.sabotage.skip_stock;
        #[cfg(not(test))]
        let skip_stock = false;
        let mut products = store.products.clone();
        if !skip_stock {
            for line in order.lines() {
                let Some(product) = products.get(line.sku()) else {
                    continue;
                };
                let Some(stock) = product.stock() else {
                    continue;
                };
                let new_stock = match (from, to) {
                    (OrderStatus::Draft, OrderStatus::Confirmed) => {
                        match stock.checked_sub(line.quantity()) {
                            Some(left) => left,
                            None => {
                                #[cfg(test)]
                                if store.sabotage.partial_stock {
                                    store.products = products;
                                }
                                return Err(TransitionError::OutOfStock {
                                    sku: line.sku().clone(),
                                    available: stock,
                                });
                            }
                        }
                    }
                    (OrderStatus::Confirmed, OrderStatus::Cancelled) => {
                        stock.saturating_add(line.quantity())
                    }
                    _ => continue,
                };
                let updated = product.clone().with_stock(Some(new_stock));
                products.insert(line.sku().clone(), updated);
            }
        }
        store.products = products;
        if let Some(stored) = store.orders.get_mut(&id) {
            *stored = Order::restore(
                id,
                stored.customer().clone(),
                stored.currency(),
                to,
                stored.lines().to_vec(),
                stored.created_at_ms(),
            );
        }
        Ok(())
    }
}
