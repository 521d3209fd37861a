//! [`ProductRepository`] in the database: the catalog with its inventory.

use features::catalog::{
    Product, ProductDraft, ProductRepository, Sku, SourcedProduct, SyncChanges, Unit, UpsertCounts,
};
use features::shared::{Currency, Money, RepositoryError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, QueryResult};

use crate::schema::Products;
use infra_sql::{Database, DbError};

/// The catalog in a [`Database`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbProductRepository {
    db: Database,
}

impl DbProductRepository {
    /// The catalog in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

pub(crate) fn repo_error(e: impl Into<DbError>) -> RepositoryError {
    RepositoryError::Backend(anyhow::Error::new(e.into()))
}

fn corrupt(what: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Corrupt(what.to_string())
}

pub(crate) const ALIAS_SEPARATOR: char = '|';

fn product_from_row(row: &QueryResult) -> Result<Product, RepositoryError> {
    let get_str = |col: &str| row.try_get::<String>("", col).map_err(repo_error);
    let sku = get_str("sku")?;
    let currency = get_str("currency")?;
    let unit = get_str("unit")?;
    let aliases = get_str("aliases")?;
    let stock: Option<i64> = row.try_get("", "stock").map_err(repo_error)?;
    let price: i64 = row.try_get("", "price_minor").map_err(repo_error)?;
    let active: bool = row.try_get("", "active").map_err(repo_error)?;
    let currency =
        Currency::parse(&currency).map_err(|e| corrupt(format!("product {sku}: {e}")))?;
    let draft = ProductDraft {
        sku: Sku::parse(&sku).map_err(|e| corrupt(format!("product {sku:?}: {e}")))?,
        name: get_str("name")?,
        aliases: aliases
            .split(ALIAS_SEPARATOR)
            .filter(|a| !a.trim().is_empty())
            .map(str::to_owned)
            .collect(),
        unit: Unit::parse(&unit).map_err(|e| corrupt(format!("product {sku}: {e}")))?,
        price: Money::new(price, currency),
        stock: stock.map(|s| u32::try_from(std::cmp::max(s, 0)).unwrap_or(u32::MAX)),
        active,
    };
    draft
        .validate()
        .map_err(|e| corrupt(format!("product {sku}: {e}")))
}

impl ProductRepository for DbProductRepository {
    async fn list_active(&self) -> Result<Vec<Product>, RepositoryError> {
        let select = Query::select()
            .columns([
                Products::Sku,
                Products::Name,
                Products::Aliases,
                Products::Unit,
                Products::PriceMinor,
                Products::Currency,
                Products::Stock,
                Products::Active,
            ])
            .from(Products::Table)
            .and_where(Expr::col(Products::Active).eq(true))
            .order_by(Products::Name, Order::Asc)
            .order_by(Products::Sku, Order::Asc)
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(product_from_row).collect()
    }

    async fn count(&self) -> Result<u64, RepositoryError> {
        let select = Query::select()
            .expr_as(Expr::col(Products::Id).count(), "n")
            .from(Products::Table)
            .to_owned();
        let row = self.db.one(&select).await.map_err(repo_error)?;
        let n: i64 = match row {
            Some(row) => row.try_get("", "n").map_err(repo_error)?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or_default())
    }

    async fn upsert(
        &self,
        products: Vec<Product>,
        deactivate_others: bool,
    ) -> Result<UpsertCounts, RepositoryError> {
        let backend = self.db.backend();
        let now = self.db.now_ms();
        let txn = self.db.begin().await.map_err(repo_error)?;
        let mut counts = UpsertCounts::default();
        for p in &products {
            if store(&txn, backend, now, p, None).await? {
                counts.inserted += 1;
            } else {
                counts.updated += 1;
            }
        }
        if deactivate_others {
            let skus: Vec<String> = products
                .iter()
                .map(|p| p.sku().as_str().to_owned())
                .collect();
            let mut update = Query::update()
                .table(Products::Table)
                .value(Products::Active, false)
                .value(Products::UpdatedAtMs, now)
                .and_where(Expr::col(Products::Active).eq(true))
                .to_owned();
            if !skus.is_empty() {
                update.and_where(Expr::col(Products::Sku).is_not_in(skus));
            }
            counts.deactivated = txn
                .execute_raw(backend.build(&update))
                .await
                .map_err(repo_error)?
                .rows_affected();
        }
        txn.commit().await.map_err(repo_error)?;
        Ok(counts)
    }

    async fn list_all(&self) -> Result<Vec<SourcedProduct>, RepositoryError> {
        let select = Query::select()
            .columns([
                Products::Sku,
                Products::Name,
                Products::Aliases,
                Products::Unit,
                Products::PriceMinor,
                Products::Currency,
                Products::Stock,
                Products::Active,
                Products::SourceId,
            ])
            .from(Products::Table)
            .order_by(Products::Sku, Order::Asc)
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter()
            .map(|row| {
                Ok(SourcedProduct {
                    product: product_from_row(row)?,
                    source_id: row.try_get("", "source_id").map_err(repo_error)?,
                })
            })
            .collect()
    }

    async fn save_synced(&self, changes: SyncChanges) -> Result<(), RepositoryError> {
        let backend = self.db.backend();
        let now = self.db.now_ms();
        let txn = self.db.begin().await.map_err(repo_error)?;
        for (p, source) in &changes.upserts {
            store(&txn, backend, now, p, Some(source)).await?;
        }
        let skus: Vec<String> = changes
            .deactivate
            .iter()
            .map(|sku| sku.as_str().to_owned())
            .collect();
        if !skus.is_empty() {
            let update = Query::update()
                .table(Products::Table)
                .value(Products::Active, false)
                .value(Products::UpdatedAtMs, now)
                .and_where(Expr::col(Products::Sku).is_in(skus))
                .to_owned();
            txn.execute_raw(backend.build(&update))
                .await
                .map_err(repo_error)?;
        }
        txn.commit().await.map_err(repo_error)?;
        Ok(())
    }
}

/// Stores `p` by SKU in `txn` with every field (and, for a synced product,
/// its external id: a local product keeps whatever it had); returns
/// whether it was inserted (else updated).
async fn store(
    txn: &DatabaseTransaction,
    backend: DbBackend,
    now: i64,
    p: &Product,
    source: Option<&String>,
) -> Result<bool, RepositoryError> {
    let aliases = p.aliases().join(&ALIAS_SEPARATOR.to_string());
    let stock: Option<i64> = p.stock().map(i64::from);
    let mut update = Query::update()
        .table(Products::Table)
        .value(Products::Name, p.name())
        .value(Products::Aliases, aliases.clone())
        .value(Products::Unit, p.unit().as_str())
        .value(Products::PriceMinor, p.price().minor())
        .value(Products::Currency, p.price().currency().code())
        .value(Products::Stock, stock)
        .value(Products::Active, p.is_active())
        .value(Products::UpdatedAtMs, now)
        .and_where(Expr::col(Products::Sku).eq(p.sku().as_str()))
        .to_owned();
    if let Some(source) = source {
        update.value(Products::SourceId, source.as_str());
    }
    let updated = txn
        .execute_raw(backend.build(&update))
        .await
        .map_err(repo_error)?
        .rows_affected();
    if updated > 0 {
        return Ok(false);
    }
    let insert = Query::insert()
        .into_table(Products::Table)
        .columns([
            Products::Sku,
            Products::Name,
            Products::Aliases,
            Products::Unit,
            Products::PriceMinor,
            Products::Currency,
            Products::Stock,
            Products::Active,
            Products::UpdatedAtMs,
            Products::SourceId,
        ])
        .values([
            p.sku().as_str().into(),
            p.name().into(),
            aliases.into(),
            p.unit().as_str().into(),
            p.price().minor().into(),
            p.price().currency().code().into(),
            stock.into(),
            p.is_active().into(),
            now.into(),
            source.cloned().into(),
        ])
        .map_err(repo_error)?
        .on_conflict(OnConflict::column(Products::Sku).do_nothing().to_owned())
        .to_owned();
    let inserted = txn
        .execute_raw(backend.build(&insert))
        .await
        .map_err(repo_error)?
        .rows_affected();
    if inserted == 1 {
        return Ok(true);
    }
    // Another process inserted this SKU since our update looked: update it
    // now.
    txn.execute_raw(backend.build(&update))
        .await
        .map_err(repo_error)?;
    Ok(false)
}
