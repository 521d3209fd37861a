//! The shop on Zoho CRM (on when `ZOHO_CLIENT_ID`, `ZOHO_CLIENT_SECRET` and
//! `ZOHO_REFRESH_TOKEN` are set): the catalog synced from Zoho's
//! `Products`, and confirmed or cancelled orders written to
//! `ZOHO_ORDERS_MODULE`.
//!
//! - [`sync_catalog`]: every page of products first, then one
//!   [`CatalogService::sync`] (one transaction) and the sync's mark; a
//!   Zoho failure changes nothing, so the last synced catalog keeps
//!   serving. `campanile catalog sync` and the `zoho-sync` job run it.
//! - [`order_record`]: an order as a Zoho record, upserted by its number
//!   (`Subject` for `Sales_Orders`, `Deal_Name` for `Deals`) by the
//!   `sync-order` job, so a retry updates the one record.
//!
//! Zoho's products become [`SyncedProduct`]s here (the wire types stay in
//! `infra_providers::zoho`, the domain never sees them); a product without
//! a usable code or price is skipped and counted.

use std::time::Duration;

use features::catalog::{
    CatalogError, CatalogService, ProductRepository, Sku, SyncCatalog, SyncOutcome, SyncedProduct,
};
use features::orders::{Order, OrderStatus};
use features::shared::{Currency, Money};
use infra_providers::zoho::{OrdersModule, Product, ZohoClient, ZohoError, ZohoSettings};
use infra_sql::{Database, DbError};

mod tokens;

pub use self::tokens::{RedisTokenStore, Tokens, TokensLease};
use serde_json::{Value, json};

/// Zoho, when configured: the client and what the bot does with it.
#[derive(Debug, Clone)]
pub struct Zoho {
    /// The CRM client (its token cache, bulkhead and breaker are shared by
    /// every clone).
    pub client: ZohoClient<Tokens>,
    /// Where orders go.
    pub orders_module: OrdersModule,
    /// How often the catalog is synced.
    pub sync_every: Duration,
    /// The currency of Zoho's prices (the shop's).
    pub currency: Currency,
}

impl Zoho {
    /// Zoho as `settings` configure it; `None` without the three
    /// credentials.
    ///
    /// # Errors
    ///
    /// When the client cannot be built (an unusable base URL).
    pub fn from_settings(
        settings: &ZohoSettings,
        currency: Currency,
        redis: Option<&infra_redis::RedisConnection>,
    ) -> Result<Option<Self>, infra_providers::zoho::ZohoConfigError> {
        let Some(config) = settings.client_config() else {
            return Ok(None);
        };
        Ok(Some(Self {
            client: ZohoClient::with_token_store(config, Tokens::new(redis))?,
            orders_module: settings.orders_module,
            sync_every: settings.sync_every.max(Duration::from_secs(1)),
            currency,
        }))
    }
}

/// Why a catalog sync did not complete; nothing changed in the catalog.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Zoho failed (down, throttled, credentials refused).
    #[error("cannot read the products from Zoho CRM")]
    Zoho(#[from] ZohoError),
    /// Storing the changes failed.
    #[error("cannot store the synced catalog")]
    Catalog(#[from] CatalogError),
    /// Recording the sync's time failed.
    #[error("cannot record the sync's time")]
    Mark(#[from] DbError),
}

impl SyncError {
    /// Whether the same sync may succeed later.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Zoho(e) => e.is_retryable() || matches!(e, ZohoError::UnknownOutcome { .. }),
            Self::Catalog(e) => !e.is_user_error(),
            Self::Mark(_) => true,
        }
    }
}

/// What a catalog sync did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncReport {
    /// Products Zoho listed.
    pub fetched: usize,
    /// What the catalog did with them.
    pub outcome: SyncOutcome,
    /// Zoho products without a usable product code or price, with reasons.
    pub unusable: Vec<String>,
    /// When it succeeded (ms since the epoch).
    pub at_ms: i64,
}

/// Reads every product from Zoho (calling `progress` with the count so far
/// after each page), then applies them to the catalog in one transaction
/// and records the time. When Zoho fails, nothing is changed.
///
/// # Errors
///
/// [`SyncError`]: Zoho's first failure, or storage's.
pub async fn sync_catalog<R: ProductRepository>(
    zoho: &Zoho,
    catalog: &CatalogService<R>,
    db: &Database,
    mut progress: impl FnMut(usize) + Send,
) -> Result<SyncReport, SyncError> {
    let mut pages = zoho.client.inventory();
    let mut fetched = Vec::new();
    while let Some(page) = pages.next_page().await? {
        fetched.extend(page);
        progress(fetched.len());
    }
    let total = fetched.len();
    let mut products = Vec::with_capacity(total);
    let mut unusable = Vec::new();
    for product in &fetched {
        match synced_product(product, zoho.currency) {
            Ok(p) => products.push(p),
            Err(reason) => unusable.push(reason),
        }
    }
    let outcome = catalog.sync(SyncCatalog { products }).await?;
    let at_ms = infra_shop::sync_marks::mark(db, infra_shop::sync_marks::CATALOG).await?;
    Ok(SyncReport {
        fetched: total,
        outcome,
        unusable,
        at_ms,
    })
}

/// A Zoho product in our types, or why it cannot be one.
///
/// # Errors
///
/// A reason naming the product, when its code is missing or not a SKU, or
/// its price missing.
pub fn synced_product(product: &Product, currency: Currency) -> Result<SyncedProduct, String> {
    let code = product
        .code
        .as_deref()
        .ok_or_else(|| format!("{:?} (id {}) has no product code", product.name, product.id))?;
    let sku = Sku::parse(code).map_err(|e| format!("{:?}: {e}", product.name))?;
    let price = product
        .unit_price_hundredths
        .ok_or_else(|| format!("{sku}: no unit price (or more than two decimals)"))?;
    // Fractions of a unit in stock cannot be ordered: whole units count.
    let stock = product.qty_in_stock.map(|q| {
        if q.is_finite() && q > 0.0 {
            // Truncation is the intent; clamped to u32 first.
            q.min(f64::from(u32::MAX)).floor() as u32
        } else {
            0
        }
    });
    Ok(SyncedProduct {
        sku,
        source_id: product.id.clone(),
        name: product.name.clone(),
        price: Money::new(price, currency),
        stock,
        active: product.active,
    })
}

/// The duplicate-check field of `module`: the order number goes there.
#[must_use]
pub fn duplicate_check_field(module: OrdersModule) -> &'static str {
    match module {
        OrdersModule::SalesOrders => "Subject",
        OrdersModule::Deals => "Deal_Name",
    }
}

/// `order` as a record of `module`, keyed by its number in
/// [`duplicate_check_field`]; `None` for an order not stored yet.
#[must_use]
pub fn order_record(order: &Order, module: OrdersModule) -> Option<Value> {
    let number = order.number()?.to_string();
    let total = amount(order.total());
    let lines: Vec<String> = order
        .lines()
        .iter()
        .map(|l| {
            format!(
                "{} x {} {} ({}) at {}",
                l.quantity(),
                l.name(),
                l.unit().plural(u64::from(l.quantity())),
                l.sku(),
                l.unit_price()
            )
        })
        .collect();
    let description = format!(
        "WhatsApp order {number} from {}:\n{}",
        order.customer().as_str(),
        lines.join("\n")
    );
    let cancelled = order.status() == OrderStatus::Cancelled;
    Some(match module {
        OrdersModule::SalesOrders => json!({
            "Subject": number,
            "Status": if cancelled { "Cancelled" } else { "Created" },
            "Grand_Total": total,
            "Description": description,
        }),
        OrdersModule::Deals => json!({
            "Deal_Name": number,
            "Stage": if cancelled { "Closed Lost" } else { "Closed Won" },
            "Amount": total,
            "Description": description,
        }),
    })
}

/// An amount as Zoho's decimal currency fields take it.
fn amount(money: Money) -> f64 {
    // Exact for any amount below 2^53 paise; Zoho stores two decimals.
    money.minor() as f64 / 100.0
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn zoho_product(code: Option<&str>, price: Option<i64>, qty: Option<f64>) -> Product {
        Product {
            id: "42".to_owned(),
            name: "Tile".to_owned(),
            code: code.map(str::to_owned),
            unit_price_hundredths: price,
            qty_in_stock: qty,
            active: true,
        }
    }

    #[test]
    fn zoho_products_become_synced_products_or_reasons() {
        let p = synced_product(
            &zoho_product(Some("sku-1"), Some(1250), Some(3.7)),
            Currency::INR,
        )
        .unwrap();
        assert_eq!(p.sku.as_str(), "SKU-1");
        assert_eq!(p.price, Money::new(1250, Currency::INR));
        assert_eq!(p.stock, Some(3), "whole units");
        assert_eq!(p.source_id, "42");
        let negative = synced_product(&zoho_product(Some("A"), Some(1), Some(-2.0)), Currency::INR);
        assert_eq!(negative.unwrap().stock, Some(0));
        assert!(synced_product(&zoho_product(None, Some(1), None), Currency::INR).is_err());
        assert!(synced_product(&zoho_product(Some("a b"), Some(1), None), Currency::INR).is_err());
        assert!(synced_product(&zoho_product(Some("A"), None, None), Currency::INR).is_err());
    }
}
