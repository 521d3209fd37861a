//! What the catalog needs from storage: [`ProductRepository`].

use crate::shared::RepositoryError;

use super::domain::{Product, Sku};

/// Product storage. Implementations only persist: validation and business
/// rules live in [`CatalogService`](super::CatalogService).
///
/// Every implementation must pass
/// `features::testing::contract::product_repository` (feature `test-util`).
///
/// # Errors
///
/// Every method returns [`RepositoryError::Backend`] when storage fails and
/// [`RepositoryError::Corrupt`] when a stored row no longer passes
/// [`Product::new`]'s validation.
pub trait ProductRepository: Clone + Send + Sync + 'static {
    /// Active products, ordered by name (then SKU).
    fn list_active(&self) -> impl Future<Output = Result<Vec<Product>, RepositoryError>> + Send;

    /// Number of products (active or not).
    fn count(&self) -> impl Future<Output = Result<u64, RepositoryError>> + Send;

    /// Inserts or updates (by SKU) each product, storing every field as
    /// given (including `active` and `stock`). With `deactivate_others`,
    /// every product whose SKU is not in `products` becomes inactive.
    /// Atomic: all or nothing.
    ///
    /// Counts: `inserted` = SKUs that were not stored, `updated` = SKUs that
    /// were (changed or not), `deactivated` = products that were active and
    /// became inactive because of `deactivate_others`.
    fn upsert(
        &self,
        products: Vec<Product>,
        deactivate_others: bool,
    ) -> impl Future<Output = Result<UpsertCounts, RepositoryError>> + Send;

    /// Every product, active or not, by SKU, with the external id of the
    /// ones a sync stored ([`save_synced`](Self::save_synced)).
    fn list_all(&self)
    -> impl Future<Output = Result<Vec<SourcedProduct>, RepositoryError>> + Send;

    /// Stores a sync's changes, atomically (all or nothing): each of
    /// `changes.upserts` inserted or updated by SKU with every field as
    /// given and its external id; each SKU of `changes.deactivate` made
    /// inactive (keeping its external id). Unknown SKUs to deactivate are
    /// ignored.
    fn save_synced(
        &self,
        changes: SyncChanges,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;
}

/// A stored product and, when a sync stored it, the external catalog's id
/// for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcedProduct {
    /// The product.
    pub product: Product,
    /// The external catalog's id (a CRM record id); `None` for a product
    /// that was never synced (the CSV's, the demo's).
    pub source_id: Option<String>,
}

/// What [`ProductRepository::save_synced`] stores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncChanges {
    /// Products to insert or update by SKU, with their external ids.
    pub upserts: Vec<(Product, String)>,
    /// Products to make inactive.
    pub deactivate: Vec<Sku>,
}

impl SyncChanges {
    /// Whether there is nothing to store.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.deactivate.is_empty()
    }
}

/// What [`ProductRepository::upsert`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct UpsertCounts {
    /// New SKUs stored.
    pub inserted: u64,
    /// Existing SKUs overwritten.
    pub updated: u64,
    /// Previously active products made inactive.
    pub deactivated: u64,
}
