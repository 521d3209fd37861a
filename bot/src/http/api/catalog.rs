//! `GET /api/catalog` (the active products, by name) and
//! `POST /api/catalog/import` (a CSV file, as `campanile catalog import`
//! takes it), through [`CatalogService`](features::catalog::CatalogService).
//!
//! Unlike the command line, the API imports a file whole or not at all: a
//! file with a rejected row is answered 422 with every rejected line, and
//! nothing changes.

use axum::Json;
use axum::extract::State;
use features::catalog::{CatalogError, ImportCatalog, ListProducts, Product, parse_csv};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::MoneyView;
use super::extract::{ApiQuery, CsvBody};
use super::paging::{Page, Paging};
use super::problem::{ApiError, FieldError, Problem};
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_products))
        .routes(routes!(import_catalog))
}

/// A product on sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProductView {
    /// Its SKU.
    pub sku: String,
    /// Its name.
    pub name: String,
    /// Other names customers use.
    pub aliases: Vec<String>,
    /// The unit it is sold by, e.g. `bag`.
    pub unit: String,
    /// The price of one unit.
    pub price: MoneyView,
    /// Units in stock; absent when stock is not tracked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stock: Option<u32>,
}

impl From<Product> for ProductView {
    fn from(p: Product) -> Self {
        Self {
            sku: p.sku().as_str().to_owned(),
            name: p.name().to_owned(),
            aliases: p.aliases().to_vec(),
            unit: p.unit().as_str().to_owned(),
            price: p.price().into(),
            stock: p.stock(),
        }
    }
}

/// What an import changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ImportResult {
    /// New products.
    pub added: u64,
    /// Products updated (by SKU).
    pub updated: u64,
    /// Products deactivated (`replace=true`: not in the file).
    pub deactivated: u64,
}

/// The query of `GET /api/catalog`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductListQuery {
    /// Products per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// The query of `POST /api/catalog/import`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Also deactivate every product not in the file (the file is the
    /// whole catalog) [default: false].
    pub replace: Option<bool>,
}

/// The active products, by name.
#[utoipa::path(
    get,
    path = "/catalog",
    tag = "catalog",
    params(ProductListQuery),
    responses(
        (status = 200, description = "A page of products, by name", body = Page<ProductView>),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_products(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<ProductListQuery>,
) -> Result<Json<Page<ProductView>>, ApiError> {
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    let products = services
        .shop
        .catalog
        .list(ListProducts)
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(paging.slice(products, ProductView::from)))
}

/// Imports products from a CSV file with the header
/// `sku,name,aliases,unit,price,stock` (aliases separated by `|`, price in
/// rupees like 350 or 350.50, empty stock = not tracked). Products are
/// matched by SKU: new ones are added, known ones updated. A file with a
/// row that is not valid changes nothing.
#[utoipa::path(
    post,
    path = "/catalog/import",
    tag = "catalog",
    params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses(
        (status = 200, description = "Imported", body = ImportResult),
        (status = 400, description = "A bad query parameter, or a body that is not UTF-8", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not text/csv", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file or some of its rows cannot be imported (each `line N` named); nothing changed", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn import_catalog(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<ImportQuery>,
    CsvBody(csv): CsvBody,
) -> Result<Json<ImportResult>, ApiError> {
    let currency = services.shop.currency;
    // Read first, change nothing unless every row is valid.
    let report = parse_csv(&csv, currency).map_err(|e| ApiError::Unprocessable {
        detail: format!("the file cannot be imported: {e}"),
        errors: vec![FieldError::new("body", e.to_string())],
    })?;
    if !report.rejected.is_empty() {
        return Err(ApiError::Unprocessable {
            detail: format!(
                "{} rows were rejected; nothing was imported",
                report.rejected.len()
            ),
            errors: report
                .rejected
                .iter()
                .map(|r| FieldError::new(format!("line {}", r.line), r.reason.clone()))
                .collect(),
        });
    }
    let outcome = services
        .shop
        .catalog
        .import(ImportCatalog {
            csv,
            currency,
            replace: query.replace.unwrap_or(false),
        })
        .await
        .map_err(|e| match e {
            CatalogError::Unexpected(_) => ApiError::internal(e),
            user => ApiError::Unprocessable {
                detail: user.to_string(),
                errors: vec![FieldError::new("body", user.to_string())],
            },
        })?;
    Ok(Json(ImportResult {
        added: outcome.counts.inserted,
        updated: outcome.counts.updated,
        deactivated: outcome.counts.deactivated,
    }))
}
