//! A demo construction-materials catalog in INR, used by
//! [`CatalogService::seed_demo`](super::CatalogService::seed_demo) and tests.
//!
//! | SKU | Name | Unit | Price | Stock |
//! | --- | --- | --- | --- | --- |
//! | `CEM-OPC53` | Cement | bag | ₹350 | 5,000 |
//! | `CEM-WHITE` | White Cement | bag | ₹950 | 40 (low) |
//! | `STL-TMT12` | Steel Rod | rod | ₹720 | 2,000 |
//! | `BRK-RED` | Red Bricks | piece | ₹8 | 1,00,000 |
//! | `BRK-FLYASH` | Fly Ash Bricks | piece | ₹6.50 | 50,000 |
//! | `SND-RIVER` | Sand | cft | ₹55 | not tracked |
//! | `SND-M` | M-Sand | cft | ₹48 | not tracked |
//! | `AGG-20` | Aggregate 20mm | cft | ₹42 | not tracked |
//! | `WIRE-BND` | Binding Wire | kg | ₹85 | 500 |
//! | `TILE-VIT` | Vitrified Tiles | box | ₹1,250 | 300 |
//! | `PNT-WALL` | Wall Paint | litre | ₹320 | 400 |
//! | `PVC-1IN` | PVC Pipe 1 inch | piece | ₹180 | 600 |
//! | `PVC-2IN` | PVC Pipe 2 inch | piece | ₹340 | 400 |
//!
//! Plain "cement" is Cement (OPC 53), not White Cement; "pipe" is ambiguous
//! between the two PVC pipes; "sand" is Sand, "msand" M-Sand.

use super::domain::{Product, ProductDraft, Sku, Unit};
use crate::shared::{Currency, Money};

/// The demo products, all active.
#[must_use]
pub fn products() -> Vec<Product> {
    ROWS.iter().filter_map(|row| row.product()).collect()
}

/// Minor units of `rupees` and `paise`.
const fn inr(rupees: i64, paise: i64) -> i64 {
    rupees * 100 + paise
}

/// One demo product as constants.
struct Row {
    sku: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
    unit: &'static str,
    /// Price in paise.
    price: i64,
    stock: Option<u32>,
}

impl Row {
    /// The constants are valid (a unit test checks that none is dropped).
    fn product(&self) -> Option<Product> {
        ProductDraft {
            sku: Sku::parse(self.sku).ok()?,
            name: self.name.to_owned(),
            aliases: self.aliases.iter().map(|a| (*a).to_owned()).collect(),
            unit: Unit::parse(self.unit).ok()?,
            price: Money::new(self.price, Currency::INR),
            stock: self.stock,
            active: true,
        }
        .validate()
        .ok()
    }
}

const ROWS: &[Row] = &[
    Row {
        sku: "CEM-OPC53",
        name: "Cement",
        aliases: &[
            "cement bag",
            "opc",
            "opc 53",
            "ppc",
            "grey cement",
            "siment",
            "सीमेंट",
        ],
        unit: "bag",
        price: inr(350, 0),
        stock: Some(5_000),
    },
    Row {
        sku: "CEM-WHITE",
        name: "White Cement",
        aliases: &["white cement bag"],
        unit: "bag",
        price: inr(950, 0),
        stock: Some(40),
    },
    Row {
        sku: "STL-TMT12",
        name: "Steel Rod",
        aliases: &["tmt", "tmt bar", "sariya", "saria", "steel", "rod", "सरिया"],
        unit: "rod",
        price: inr(720, 0),
        stock: Some(2_000),
    },
    Row {
        sku: "BRK-RED",
        name: "Red Bricks",
        aliases: &["brick", "eent", "int", "ईंट"],
        unit: "piece",
        price: inr(8, 0),
        stock: Some(100_000),
    },
    Row {
        sku: "BRK-FLYASH",
        name: "Fly Ash Bricks",
        aliases: &["flyash brick", "fly ash brick"],
        unit: "piece",
        price: inr(6, 50),
        stock: Some(50_000),
    },
    Row {
        sku: "SND-RIVER",
        name: "Sand",
        aliases: &["ret", "reti", "balu", "river sand", "रेत"],
        unit: "cft",
        price: inr(55, 0),
        stock: None,
    },
    Row {
        sku: "SND-M",
        name: "M-Sand",
        aliases: &["manufactured sand", "crushed sand"],
        unit: "cft",
        price: inr(48, 0),
        stock: None,
    },
    Row {
        sku: "AGG-20",
        name: "Aggregate 20mm",
        aliases: &["gitti", "gravel", "aggregate", "stone chips", "kapchi"],
        unit: "cft",
        price: inr(42, 0),
        stock: None,
    },
    Row {
        sku: "WIRE-BND",
        name: "Binding Wire",
        aliases: &["wire", "bandhai tar", "tar"],
        unit: "kg",
        price: inr(85, 0),
        stock: Some(500),
    },
    Row {
        sku: "TILE-VIT",
        name: "Vitrified Tiles",
        aliases: &["tile", "floor tile"],
        unit: "box",
        price: inr(1250, 0),
        stock: Some(300),
    },
    Row {
        sku: "PNT-WALL",
        name: "Wall Paint",
        aliases: &["paint", "emulsion"],
        unit: "litre",
        price: inr(320, 0),
        stock: Some(400),
    },
    Row {
        sku: "PVC-1IN",
        name: "PVC Pipe 1 inch",
        aliases: &[],
        unit: "piece",
        price: inr(180, 0),
        stock: Some(600),
    },
    Row {
        sku: "PVC-2IN",
        name: "PVC Pipe 2 inch",
        aliases: &[],
        unit: "piece",
        price: inr(340, 0),
        stock: Some(400),
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Catalog, ProductMatch};

    #[test]
    fn every_row_is_a_valid_product() {
        assert_eq!(products().len(), ROWS.len());
    }

    #[test]
    fn skus_are_unique() {
        let mut skus: Vec<_> = products().iter().map(|p| p.sku().clone()).collect();
        skus.sort();
        skus.dedup();
        assert_eq!(skus.len(), ROWS.len());
    }

    #[test]
    fn every_name_and_alias_finds_its_own_product() {
        let catalog = Catalog::new(products());
        for product in products() {
            for key in
                std::iter::once(product.name()).chain(product.aliases().iter().map(String::as_str))
            {
                match catalog.find(key) {
                    ProductMatch::Found(found) => assert_eq!(found.sku(), product.sku(), "{key}"),
                    other => panic!("{key}: {other:?}"),
                }
            }
        }
    }
}
