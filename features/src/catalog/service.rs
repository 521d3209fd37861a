//! [`CatalogService`]: quoting order messages, importing and listing
//! products. The only place with catalog business rules.

use super::commands::{ImportCatalog, ImportOutcome, SyncCatalog, SyncOutcome};
use super::demo;
use super::domain::{OrderLimits, Product, Sku};
use super::error::CatalogError;
use super::import::parse_csv;
use super::matching::{Catalog, ProductMatch};
use super::parse::{ParseError, QuantitySpec, parse_request};
use super::ports::ProductRepository;
use super::queries::{ListProducts, QuoteRequest};
use super::quote::{Quote, QuoteLine, QuoteProblem};
use super::sync;
use super::text;
use crate::shared::Currency;

/// The catalog's use cases over a [`ProductRepository`].
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct CatalogService<R> {
    /// Where products are stored.
    repo: R,
    /// Per-order limits applied to quotes.
    limits: OrderLimits,
}

impl<R> CatalogService<R>
where
    R: ProductRepository,
{
    /// A service over `repo` applying `limits`.
    #[must_use]
    pub fn new(repo: R, limits: OrderLimits) -> Self {
        Self { repo, limits }
    }

    /// The limits applied to quotes.
    #[must_use]
    pub fn limits(&self) -> OrderLimits {
        self.limits
    }

    /// Prices an order message against the active products.
    ///
    /// Each item is parsed ([`parse_request`]), matched
    /// ([`Catalog::find`]; a phrase listed in [`QuoteRequest::resolved`]
    /// takes the chosen SKU instead), and checked: quantity given, whole,
    /// above zero, at most [`OrderLimits::max_quantity`] and, for tracked
    /// stock, at most the stock. A quantity in another unit than the
    /// product's ("2 ton" of steel sold by the rod; "pcs" fits every unit)
    /// cannot be converted, so it is reported as
    /// [`QuoteProblem::MissingQuantity`] to ask again in the product's unit. The same product asked for twice becomes
    /// one line with the quantities added. Whatever fails becomes a
    /// [`QuoteProblem`]; a message naming no product gives
    /// [`QuoteProblem::NotUnderstood`].
    ///
    /// The quote's currency is that of the products (INR for an empty
    /// catalog).
    ///
    /// # Errors
    ///
    /// [`CatalogError::Request`] when the message is too long or lists too
    /// many items; [`CatalogError::Unexpected`] when storage fails or the
    /// catalog mixes currencies.
    pub async fn quote(&self, req: &QuoteRequest) -> Result<Quote, CatalogError> {
        let catalog = Catalog::new(self.repo.list_active().await?);
        price(&catalog, self.limits, req)
    }

    /// Imports the valid rows of a CSV file (inserting new SKUs, updating
    /// existing ones) and reports the rejected rows. With
    /// [`ImportCatalog::replace`], products missing from the file become
    /// inactive.
    ///
    /// # Errors
    ///
    /// Nothing is changed when: the file cannot be read
    /// ([`CatalogError::Import`]), no row is valid
    /// ([`CatalogError::NothingToImport`]), or a replacing import has
    /// rejected rows ([`CatalogError::ReplaceWithRejectedRows`]).
    /// [`CatalogError::Unexpected`] when storage fails.
    pub async fn import(&self, cmd: ImportCatalog) -> Result<ImportOutcome, CatalogError> {
        let report = parse_csv(&cmd.csv, cmd.currency)?;
        if report.products.is_empty() {
            return Err(CatalogError::NothingToImport {
                rejected: report.rejected,
            });
        }
        if cmd.replace && !report.rejected.is_empty() {
            return Err(CatalogError::ReplaceWithRejectedRows {
                rejected: report.rejected,
            });
        }
        let counts = self.repo.upsert(report.products, cmd.replace).await?;
        Ok(ImportOutcome {
            counts,
            rejected: report.rejected,
        })
    }

    /// Stores the [demo catalog](demo::products) if there are no products
    /// at all; returns whether it did.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unexpected`] when storage fails.
    pub async fn seed_demo(&self) -> Result<bool, CatalogError> {
        if self.repo.count().await? > 0 {
            return Ok(false);
        }
        self.repo.upsert(demo::products(), false).await?;
        Ok(true)
    }

    /// Brings the catalog in step with the external catalog's full list:
    /// adds the products only it has, updates the name, price, stock and
    /// active flag of known ones (matched by product code = SKU), and
    /// deactivates products synced earlier that it no longer lists;
    /// products that were never synced are left alone (rules in
    /// [`sync`]). Nothing is stored when nothing changed.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unexpected`] when storage fails; then nothing
    /// changed.
    pub async fn sync(&self, cmd: SyncCatalog) -> Result<SyncOutcome, CatalogError> {
        let stored = self.repo.list_all().await?;
        let (changes, counts, skipped) = sync::plan(&stored, cmd.products);
        if !changes.is_empty() {
            self.repo.save_synced(changes).await?;
        }
        Ok(SyncOutcome { counts, skipped })
    }

    /// The active products, by name.
    ///
    /// # Errors
    ///
    /// [`CatalogError::Unexpected`] when storage fails.
    pub async fn list(&self, _query: ListProducts) -> Result<Vec<Product>, CatalogError> {
        Ok(self.repo.list_active().await?)
    }
}

/// The pure part of [`CatalogService::quote`].
fn price(
    catalog: &Catalog,
    limits: OrderLimits,
    req: &QuoteRequest,
) -> Result<Quote, CatalogError> {
    let currency = catalog
        .products()
        .next()
        .map_or(Currency::INR, |p| p.price().currency());
    let items = match parse_request(&req.text) {
        Ok(items) => items,
        Err(ParseError::Nothing) => {
            return Quote::new(currency, Vec::new(), vec![QuoteProblem::NotUnderstood])
                .map_err(|e| CatalogError::Unexpected(e.into()));
        }
        Err(e) => return Err(CatalogError::Request(e)),
    };

    // Products with a usable quantity, in first-mentioned order; repeated
    // products add up.
    let mut wanted: Vec<(&Product, u64)> = Vec::new();
    let mut problems = Vec::new();
    for item in items {
        let matched = match chosen(catalog, &req.resolved, &item.phrase) {
            Some(product) => ProductMatch::Found(product),
            None => catalog.find(&item.phrase),
        };
        let product = match matched {
            ProductMatch::Found(product) => product,
            ProductMatch::Ambiguous(options) => {
                problems.push(QuoteProblem::Ambiguous {
                    phrase: item.phrase,
                    quantity: item.quantity,
                    options: options
                        .iter()
                        .map(|p| (p.sku().clone(), p.name().to_owned()))
                        .collect(),
                });
                continue;
            }
            ProductMatch::NotFound { suggestions } => {
                problems.push(QuoteProblem::NotFound {
                    phrase: item.phrase,
                    suggestions: suggestions.iter().map(|p| p.name().to_owned()).collect(),
                });
                continue;
            }
        };
        let name = product.name().to_owned();
        let asked_in_other_unit = item
            .unit
            .as_deref()
            .is_some_and(|u| !text::unit_fits(u, product.unit().as_str()));
        if asked_in_other_unit {
            // "2 ton sariya" for steel sold by the rod: there is no safe
            // conversion, so ask for the quantity in the product's unit.
            problems.push(QuoteProblem::MissingQuantity {
                product: name,
                unit: product.unit().clone(),
            });
            continue;
        }
        match item.quantity {
            QuantitySpec::Amount(n) => {
                match wanted.iter_mut().find(|(p, _)| p.sku() == product.sku()) {
                    Some((_, total)) => *total = total.saturating_add(n),
                    None => wanted.push((product, n)),
                }
            }
            QuantitySpec::Missing => {
                problems.push(QuoteProblem::MissingQuantity {
                    product: name,
                    unit: product.unit().clone(),
                });
            }
            QuantitySpec::Zero => problems.push(QuoteProblem::ZeroQuantity { product: name }),
            QuantitySpec::Negative => {
                problems.push(QuoteProblem::NegativeQuantity { product: name })
            }
            QuantitySpec::Fraction(_) => {
                problems.push(QuoteProblem::FractionalQuantity { product: name })
            }
        }
    }

    let quote_currency = wanted
        .first()
        .map_or(currency, |(p, _)| p.price().currency());
    let mut lines = Vec::new();
    for (product, quantity) in wanted {
        let name = product.name().to_owned();
        let too_many = QuoteProblem::TooMany {
            product: name.clone(),
            max: limits.max_quantity,
        };
        let quantity = match u32::try_from(quantity) {
            Ok(q) if q <= limits.max_quantity && product.price().checked_mul(q).is_ok() => q,
            _ => {
                problems.push(too_many);
                continue;
            }
        };
        if let Some(available) = product.stock()
            && quantity > available
        {
            problems.push(QuoteProblem::OutOfStock {
                product: name,
                available,
            });
            continue;
        }
        lines.push(QuoteLine {
            sku: product.sku().clone(),
            name,
            unit: product.unit().clone(),
            quantity,
            unit_price: product.price(),
        });
    }
    Quote::new(quote_currency, lines, problems).map_err(|e| CatalogError::Unexpected(e.into()))
}

/// The product the customer already chose for this phrase, if still active.
fn chosen<'a>(
    catalog: &'a Catalog,
    resolved: &[(String, Sku)],
    phrase: &str,
) -> Option<&'a Product> {
    let key = text::words(phrase);
    resolved
        .iter()
        .find(|(p, _)| text::words(p) == key)
        .and_then(|(_, sku)| catalog.get(sku))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
