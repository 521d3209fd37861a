//! Write intents of the catalog: one struct per command.

use super::import::RejectedRow;
use super::ports::UpsertCounts;
use super::sync::{SkippedProduct, SyncCounts, SyncedProduct};
use crate::shared::Currency;

/// Import products from a CSV file (see [`parse_csv`](super::parse_csv) for
/// the format).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImportCatalog {
    /// The file's text.
    pub csv: String,
    /// Currency of the prices in the file.
    pub currency: Currency,
    /// Whether products missing from the file become inactive (the file is
    /// the whole catalog) rather than left as they are.
    pub replace: bool,
}

/// What an [`ImportCatalog`] did.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImportOutcome {
    /// Rows stored.
    pub counts: UpsertCounts,
    /// Rows refused, with reasons.
    pub rejected: Vec<RejectedRow>,
}

/// Fill an empty catalog with the [demo products](super::demo::products).
/// Carried out by [`CatalogService::seed_demo`](super::CatalogService::seed_demo).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SeedDemoCatalog;

/// Bring the catalog in step with the external catalog's full list of
/// products (see [`sync`](super::sync) for the rules). Carried out by
/// [`CatalogService::sync`](super::CatalogService::sync).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyncCatalog {
    /// Every product the external catalog lists.
    pub products: Vec<SyncedProduct>,
}

/// What a [`SyncCatalog`] did.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyncOutcome {
    /// Products added, updated, deactivated and unchanged.
    pub counts: SyncCounts,
    /// Products that could not be stored, with reasons.
    pub skipped: Vec<SkippedProduct>,
}
