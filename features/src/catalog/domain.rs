//! The catalog's value objects and entity: [`Sku`], [`Unit`], [`Product`]
//! (built from a [`ProductDraft`]) and the shop's [`OrderLimits`].

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::{CatalogError, ProductError};
use super::text;
use crate::shared::Money;

/// Longest accepted product name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest accepted SKU, in characters.
pub const MAX_SKU_CHARS: usize = 32;

/// A stock-keeping unit: 1 to 32 characters of `A-Z`, `0-9`, `-` and `_`,
/// stored uppercase. The product's key in every repository.
///
/// ```
/// use features::catalog::Sku;
///
/// assert_eq!(Sku::parse(" cem-opc53 ").unwrap().as_str(), "CEM-OPC53");
/// assert!(Sku::parse("no spaces").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

impl Sku {
    /// Validates and uppercases a SKU (surrounding spaces are trimmed).
    ///
    /// # Errors
    ///
    /// [`ProductError::InvalidSku`] when empty, longer than 32 characters or
    /// containing other characters than letters, digits, `-` and `_`.
    pub fn parse(text: &str) -> Result<Self, ProductError> {
        let trimmed = text.trim();
        let valid = !trimmed.is_empty()
            && trimmed.len() <= MAX_SKU_CHARS
            && trimmed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(ProductError::InvalidSku(text.to_owned()));
        }
        Ok(Self(trimmed.to_ascii_uppercase()))
    }

    /// The SKU, uppercase.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Sku {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Sku> for String {
    fn from(sku: Sku) -> Self {
        sku.0
    }
}

impl TryFrom<String> for Sku {
    type Error = ProductError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

/// The unit a product is sold in: a lowercase singular word such as `bag`,
/// `rod`, `piece`, `kg`, `ton`, `cft`, `litre`.
///
/// Common spellings are canonicalized (`"Bags"`, `"bori"` → `bag`; `"pcs"`,
/// `"nos"` → `piece`; `"ltr"` → `litre`).
///
/// ```
/// use features::catalog::Unit;
///
/// let bag = Unit::parse("Bags").unwrap();
/// assert_eq!(bag.as_str(), "bag");
/// assert_eq!(bag.plural(1), "bag");
/// assert_eq!(bag.plural(100), "bags");
/// assert_eq!(Unit::parse("kg").unwrap().plural(5), "kg");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Unit(String);

impl Unit {
    /// Validates a unit word: after trimming and lowercasing, a known unit
    /// spelling or 1 to 16 ASCII letters.
    ///
    /// # Errors
    ///
    /// [`ProductError::InvalidUnit`] otherwise.
    pub fn parse(text: &str) -> Result<Self, ProductError> {
        let word = text::normalize(text.trim());
        if let Some(canonical) = text::canonical_unit(&word) {
            return Ok(Self(canonical.to_owned()));
        }
        if word.is_empty() || word.len() > 16 || !word.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(ProductError::InvalidUnit(text.to_owned()));
        }
        Ok(Self(word))
    }

    /// The unit word, singular.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The unit word for `qty` of it: `bag`/`bags`, `piece`/`pieces`,
    /// `box`/`boxes`; abbreviations stay the same (`kg`, `cft`).
    #[must_use]
    pub fn plural(&self, qty: u64) -> String {
        let word = self.0.as_str();
        if qty == 1 || text::INVARIANT_UNITS.contains(&word) {
            return word.to_owned();
        }
        if ["s", "x", "ch", "sh", "z"]
            .iter()
            .any(|end| word.ends_with(end))
        {
            return format!("{word}es");
        }
        format!("{word}s")
    }
}

impl AsRef<str> for Unit {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<Unit> for String {
    fn from(unit: Unit) -> Self {
        unit.0
    }
}

impl TryFrom<String> for Unit {
    type Error = ProductError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

/// The unvalidated fields of a [`Product`]; [`Product::new`] checks them.
///
/// Also the product's storage form: `Product` serializes through it, so a
/// deserialized product is validated again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductDraft {
    /// The product's key.
    pub sku: Sku,
    /// Display name; non-empty after trimming, at most 80 characters, with
    /// at least one letter or digit.
    pub name: String,
    /// Other names customers use ("sariya" for steel rods); empty entries
    /// are dropped and duplicates (ignoring case) removed.
    pub aliases: Vec<String>,
    /// The unit it is sold in.
    pub unit: Unit,
    /// Price of one unit; zero or more.
    pub price: Money,
    /// Units in stock; `None` when stock is not tracked (sold to order).
    pub stock: Option<u32>,
    /// Inactive products are kept for history but never quoted.
    pub active: bool,
}

impl ProductDraft {
    /// Checks the draft and builds the product.
    ///
    /// # Errors
    ///
    /// A [`ProductError`] naming the first invalid field.
    pub fn validate(self) -> Result<Product, ProductError> {
        let name = self.name.trim().to_owned();
        if name.is_empty() {
            return Err(ProductError::EmptyName);
        }
        let name_chars = name.chars().count();
        if name_chars > MAX_NAME_CHARS {
            return Err(ProductError::NameTooLong {
                chars: name_chars,
                max: MAX_NAME_CHARS,
            });
        }
        if text::words(&name).is_empty() {
            return Err(ProductError::NameHasNoWords(name));
        }
        if self.price.is_negative() {
            return Err(ProductError::NegativePrice);
        }
        let mut aliases: Vec<String> = Vec::new();
        for alias in self.aliases {
            let alias = alias.trim();
            if alias.is_empty() || text::words(alias).is_empty() {
                continue;
            }
            if alias.chars().count() > MAX_NAME_CHARS {
                return Err(ProductError::AliasTooLong(alias.to_owned()));
            }
            let lower = alias.to_lowercase();
            if !aliases.iter().any(|a| a.to_lowercase() == lower) {
                aliases.push(alias.to_owned());
            }
        }
        Ok(Product {
            sku: self.sku,
            name,
            aliases,
            unit: self.unit,
            price: self.price,
            stock: self.stock,
            active: self.active,
        })
    }
}

/// Something the shop sells.
///
/// Built from a [`ProductDraft`] with [`Product::new`]; fields are read
/// through getters and never change in place ([`Product::with_stock`] and
/// [`Product::with_active`] return a new value, for repositories).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ProductDraft", into = "ProductDraft")]
pub struct Product {
    /// The product's key.
    sku: Sku,
    /// Display name, trimmed.
    name: String,
    /// Other names customers use, trimmed and deduplicated.
    aliases: Vec<String>,
    /// Unit it is sold in.
    unit: Unit,
    /// Price of one unit, never negative.
    price: Money,
    /// `None` when stock is not tracked.
    stock: Option<u32>,
    /// Whether it can be quoted and ordered.
    active: bool,
}

impl Product {
    /// Validates a draft.
    ///
    /// # Errors
    ///
    /// [`CatalogError::InvalidProduct`] naming the invalid field.
    pub fn new(draft: ProductDraft) -> Result<Self, CatalogError> {
        Ok(draft.validate()?)
    }

    /// The product's key.
    #[must_use]
    pub fn sku(&self) -> &Sku {
        &self.sku
    }

    /// Display name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Other names customers use.
    #[must_use]
    pub fn aliases(&self) -> &[String] {
        &self.aliases
    }

    /// The unit it is sold in.
    #[must_use]
    pub fn unit(&self) -> &Unit {
        &self.unit
    }

    /// Price of one unit.
    #[must_use]
    pub fn price(&self) -> Money {
        self.price
    }

    /// Units in stock, or `None` when stock is not tracked.
    #[must_use]
    pub fn stock(&self) -> Option<u32> {
        self.stock
    }

    /// Whether it can be quoted and ordered.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.active
    }

    /// The same product with another stock level (for repositories applying
    /// an order's stock effect).
    #[must_use]
    pub fn with_stock(mut self, stock: Option<u32>) -> Self {
        self.stock = stock;
        self
    }

    /// The same product, active or not (for repositories deactivating
    /// products missing from an import).
    #[must_use]
    pub fn with_active(mut self, active: bool) -> Self {
        self.active = active;
        self
    }

    /// The product's fields, to change some and validate again.
    #[must_use]
    pub fn into_draft(self) -> ProductDraft {
        ProductDraft {
            sku: self.sku,
            name: self.name,
            aliases: self.aliases,
            unit: self.unit,
            price: self.price,
            stock: self.stock,
            active: self.active,
        }
    }
}

impl From<Product> for ProductDraft {
    fn from(product: Product) -> Self {
        product.into_draft()
    }
}

impl TryFrom<ProductDraft> for Product {
    type Error = ProductError;

    fn try_from(draft: ProductDraft) -> Result<Self, Self::Error> {
        draft.validate()
    }
}

/// Limits the shop puts on a single order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrderLimits {
    /// Most units of one product in one order. Defaults to 10,000.
    pub max_quantity: u32,
}

impl Default for OrderLimits {
    fn default() -> Self {
        Self {
            max_quantity: 10_000,
        }
    }
}

#[cfg(test)]
// Amounts in paise are written `rupees_paise`: `350_50` is ₹350.50.
#[allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::inconsistent_digit_grouping
)]
mod tests {
    use super::*;
    use crate::shared::Currency;

    fn draft() -> ProductDraft {
        ProductDraft {
            sku: Sku::parse("CEM").unwrap(),
            name: " Cement ".to_owned(),
            aliases: vec![
                "opc".to_owned(),
                " ".to_owned(),
                "OPC".to_owned(),
                "ppc".to_owned(),
            ],
            unit: Unit::parse("bag").unwrap(),
            price: Money::new(350_00, Currency::INR),
            stock: Some(5000),
            active: true,
        }
    }

    #[test]
    fn sku_is_validated_and_uppercased() {
        assert_eq!(Sku::parse("tmt_12-mm").unwrap().as_str(), "TMT_12-MM");
        assert!(Sku::parse("").is_err());
        assert!(Sku::parse("a b").is_err());
        assert!(Sku::parse("é").is_err());
        assert!(Sku::parse(&"A".repeat(32)).is_ok());
        assert!(Sku::parse(&"A".repeat(33)).is_err());
    }

    #[test]
    fn unit_plurals() {
        let plural = |unit: &str, qty| Unit::parse(unit).unwrap().plural(qty);
        assert_eq!(plural("bag", 1), "bag");
        assert_eq!(plural("bag", 2), "bags");
        assert_eq!(plural("piece", 0), "pieces");
        assert_eq!(plural("kg", 10), "kg");
        assert_eq!(plural("cft", 100), "cft");
        assert_eq!(plural("litre", 4), "litres");
        assert_eq!(plural("box", 3), "boxes");
        assert_eq!(plural("rod", 5), "rods");
        assert_eq!(plural("ton", 2), "tons");
    }

    #[test]
    fn unit_canonicalizes_and_rejects_non_words() {
        assert_eq!(Unit::parse("Pcs").unwrap().as_str(), "piece");
        assert_eq!(Unit::parse("ltr").unwrap().as_str(), "litre");
        assert_eq!(Unit::parse("drum").unwrap().as_str(), "drum");
        assert!(Unit::parse("").is_err());
        assert!(Unit::parse("2 bags").is_err());
        assert!(Unit::parse("abcdefghijklmnopq").is_err());
    }

    #[test]
    fn product_trims_name_and_deduplicates_aliases() {
        let product = Product::new(draft()).unwrap();
        assert_eq!(product.name(), "Cement");
        assert_eq!(product.aliases(), ["opc", "ppc"]);
    }

    #[test]
    fn product_rejects_invalid_fields() {
        let with = |f: fn(&mut ProductDraft)| {
            let mut d = draft();
            f(&mut d);
            d.validate()
        };
        assert_eq!(
            with(|d| d.name = "  ".to_owned()),
            Err(ProductError::EmptyName)
        );
        assert_eq!(
            with(|d| d.name = "x".repeat(81)),
            Err(ProductError::NameTooLong { chars: 81, max: 80 })
        );
        assert!(with(|d| d.name = "x".repeat(80)).is_ok());
        assert!(matches!(
            with(|d| d.name = "!!".to_owned()),
            Err(ProductError::NameHasNoWords(_))
        ));
        assert_eq!(
            with(|d| d.price = Money::new(-1, Currency::INR)),
            Err(ProductError::NegativePrice)
        );
        assert!(with(|d| d.price = Money::zero(Currency::INR)).is_ok());
        assert!(matches!(
            with(|d| d.aliases = vec!["y".repeat(81)]),
            Err(ProductError::AliasTooLong(_))
        ));
    }

    #[test]
    fn draft_round_trip_keeps_the_product() {
        let product = Product::new(draft()).unwrap();
        assert_eq!(Product::new(product.clone().into_draft()).unwrap(), product);
        assert_eq!(product.clone().with_stock(None).stock(), None);
        assert!(!product.with_active(false).is_active());
    }

    #[test]
    fn default_limit_is_ten_thousand() {
        assert_eq!(OrderLimits::default().max_quantity, 10_000);
    }
}
