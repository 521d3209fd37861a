//! What the catalog needs from storage: [`ProductRepository`].

use crate::shared::RepositoryError;

use super::domain::Product;

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
