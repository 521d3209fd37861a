//! Keeping the catalog in step with an external one (the shop's CRM): what
//! a synced product is, and the pure rule that turns the external list and
//! the stored products into the changes to store ([`plan`]).
//!
//! The rules, by product code (= our SKU):
//!
//! - a product only the external catalog has is added (sold by the
//!   `piece`, no aliases), unless it is inactive there;
//! - a known product takes the external name, price, stock and active
//!   flag, and keeps its unit and aliases; from then on it counts as
//!   synced;
//! - a product synced earlier that the external catalog no longer lists is
//!   deactivated (kept for history, never quoted);
//! - a product that was never synced (the local CSV's) is left alone.

use std::collections::{BTreeMap, BTreeSet};

use super::domain::{ProductDraft, Sku, Unit};
use super::ports::{SourcedProduct, SyncChanges};
use crate::shared::Money;

/// A product as the external catalog lists it, in our types (the adapter
/// converts its wire format and drops what cannot be converted).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SyncedProduct {
    /// Its product code, our SKU.
    pub sku: Sku,
    /// The external catalog's id for it.
    pub source_id: String,
    /// Its name.
    pub name: String,
    /// The price of one unit.
    pub price: Money,
    /// Units in stock; `None` when not tracked.
    pub stock: Option<u32>,
    /// Whether it is for sale.
    pub active: bool,
}

/// A synced product that could not be stored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SkippedProduct {
    /// Its SKU.
    pub sku: Sku,
    /// Why (a field that fails [`Product::new`](super::Product::new)'s rules, or a code listed
    /// twice).
    pub reason: String,
}

/// What a sync changed, by product.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SyncCounts {
    /// Products that were not in the catalog.
    pub added: u64,
    /// Known products whose name, price, stock or active flag changed.
    pub updated: u64,
    /// Products made inactive: synced earlier and gone, or inactive in the
    /// external catalog.
    pub deactivated: u64,
    /// Known products already as the external catalog has them.
    pub unchanged: u64,
}

/// The changes that make the stored catalog match `synced`, with their
/// counts and the products skipped. Pure: see the [module docs](self) for
/// the rules.
#[must_use]
pub fn plan(
    stored: &[SourcedProduct],
    synced: Vec<SyncedProduct>,
) -> (SyncChanges, SyncCounts, Vec<SkippedProduct>) {
    let known: BTreeMap<&Sku, &SourcedProduct> =
        stored.iter().map(|s| (s.product.sku(), s)).collect();
    let mut seen: BTreeSet<Sku> = BTreeSet::new();
    let mut changes = SyncChanges::default();
    let mut counts = SyncCounts::default();
    let mut skipped = Vec::new();
    for item in synced {
        if !seen.insert(item.sku.clone()) {
            skipped.push(SkippedProduct {
                reason: "the product code is listed twice; the first one was kept".to_owned(),
                sku: item.sku,
            });
            continue;
        }
        let earlier = known.get(&item.sku).copied();
        let (aliases, unit) = match earlier {
            Some(s) => (s.product.aliases().to_vec(), s.product.unit().clone()),
            None => (Vec::new(), piece()),
        };
        if earlier.is_none() && !item.active {
            // Not for sale there and never sold here: nothing to store.
            continue;
        }
        let draft = ProductDraft {
            sku: item.sku.clone(),
            name: item.name,
            aliases,
            unit,
            price: item.price,
            stock: item.stock,
            active: item.active,
        };
        let product = match draft.validate() {
            Ok(product) => product,
            Err(e) => {
                skipped.push(SkippedProduct {
                    sku: item.sku,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        match earlier {
            None => counts.added += 1,
            Some(s) if s.product == product => counts.unchanged += 1,
            Some(s) if s.product.is_active() && !product.is_active() => counts.deactivated += 1,
            Some(_) => counts.updated += 1,
        }
        let same = earlier.is_some_and(|s| {
            s.product == product && s.source_id.as_deref() == Some(item.source_id.as_str())
        });
        if !same {
            changes.upserts.push((product, item.source_id));
        }
    }
    for s in stored {
        if s.source_id.is_some() && s.product.is_active() && !seen.contains(s.product.sku()) {
            changes.deactivate.push(s.product.sku().clone());
            counts.deactivated += 1;
        }
    }
    (changes, counts, skipped)
}

/// The unit of a product the external catalog adds: it names none we read.
fn piece() -> Unit {
    Unit::parse("piece").unwrap_or_else(|_| unreachable!("`piece` is a valid unit"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::shared::Currency;

    fn stored(sku: &str, name: &str, rupees: i64, source: Option<&str>) -> SourcedProduct {
        SourcedProduct {
            product: ProductDraft {
                sku: Sku::parse(sku).unwrap(),
                name: name.to_owned(),
                aliases: vec!["alias".to_owned()],
                unit: Unit::parse("bag").unwrap(),
                price: Money::new(rupees * 100, Currency::INR),
                stock: Some(5),
                active: true,
            }
            .validate()
            .unwrap(),
            source_id: source.map(str::to_owned),
        }
    }

    fn synced(sku: &str, name: &str, rupees: i64, active: bool) -> SyncedProduct {
        SyncedProduct {
            sku: Sku::parse(sku).unwrap(),
            source_id: format!("z-{sku}"),
            name: name.to_owned(),
            price: Money::new(rupees * 100, Currency::INR),
            stock: Some(5),
            active,
        }
    }

    #[test]
    fn adds_updates_deactivates_and_leaves_local_products_alone() {
        let stored = [
            stored("CEM", "Cement", 350, None),
            stored("SAND", "Sand", 55, Some("z-SAND")),
            stored("GONE", "Gone", 10, Some("z-GONE")),
            stored("LOCAL", "Local only", 10, None),
            stored("SAME", "Same", 20, Some("z-SAME")),
        ];
        let (changes, counts, skipped) = plan(
            &stored,
            vec![
                synced("CEM", "Cement OPC", 360, true),
                synced("SAND", "Sand", 55, true),
                synced("SAME", "Same", 20, true),
                synced("NEW", "New tile", 40, true),
                synced("OFF", "Not for sale", 40, false),
                synced("NEW", "New tile again", 41, true),
            ],
        );
        assert_eq!(
            counts,
            SyncCounts {
                added: 1,
                updated: 1,
                deactivated: 1,
                unchanged: 2,
            }
        );
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        let upserted: Vec<&str> = changes
            .upserts
            .iter()
            .map(|(p, _)| p.sku().as_str())
            .collect();
        assert_eq!(upserted, ["CEM", "NEW"]);
        let cement = &changes.upserts[0].0;
        assert_eq!(cement.name(), "Cement OPC");
        assert_eq!(cement.unit().as_str(), "bag", "the unit is kept");
        assert_eq!(cement.aliases(), ["alias"], "the aliases are kept");
        assert_eq!(changes.deactivate, [Sku::parse("GONE").unwrap()]);
    }
}
