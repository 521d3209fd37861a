//! Reading a product list from CSV: [`parse_csv`].
//!
//! The first line is a header naming the columns, in any order, any case:
//!
//! | Column | Required | Content |
//! | --- | --- | --- |
//! | `sku` | yes | 1 to 32 letters, digits, `-`, `_` (stored uppercase) |
//! | `name` | yes | 1 to 80 characters |
//! | `unit` | yes | a word: `bag`, `piece`, `kg`, `cft`, `litre`... |
//! | `price` | yes | major units: `350`, `350.50`, `1,250` |
//! | `aliases` | no | other names separated by `\|` |
//! | `stock` | no | a whole number; empty means not tracked |
//! | `active` | no | `yes`/`no` (also `true`/`false`, `1`/`0`); empty means yes |
//!
//! Other columns are ignored. A missing required column rejects the whole
//! file ([`ImportError::MissingColumn`]); a bad row is reported in
//! [`CsvReport::rejected`] with its line number (the header is line 1) and
//! the reason, and the other rows still import. A SKU repeated in the file
//! keeps its first row and rejects the later ones. Blank rows are skipped.
//!
//! ```
//! use features::catalog::parse_csv;
//! use features::shared::Currency;
//!
//! let csv = "sku,name,aliases,unit,price,stock\n\
//!            CEM,Cement,opc|ppc,bag,350,5000\n\
//!            SAND,Sand,,cft,55.50,\n\
//!            BAD,Brick,,piece,-8,10\n";
//! let report = parse_csv(csv, Currency::INR).unwrap();
//! assert_eq!(report.products.len(), 2);
//! assert_eq!(report.products[1].stock(), None);
//! assert_eq!(report.rejected[0].line, 4);
//! assert!(report.rejected[0].reason.contains("price"));
//! ```

use std::collections::HashMap;

use super::domain::{Product, ProductDraft, Sku, Unit};
use crate::shared::{Currency, Money};

/// The columns every file must have.
pub const REQUIRED_COLUMNS: [&str; 4] = ["sku", "name", "unit", "price"];

/// The products read from a CSV file and the rows refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvReport {
    /// Valid products, in file order.
    pub products: Vec<Product>,
    /// Refused rows, in file order.
    pub rejected: Vec<RejectedRow>,
}

/// A CSV row that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RejectedRow {
    /// Line number in the file, 1-based; the header is line 1.
    pub line: u64,
    /// Why, for the person who wrote the file.
    pub reason: String,
}

/// Why a CSV file cannot be imported at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// The file is empty (no header line).
    #[error(
        "the file is empty; the first line must be a header: sku,name,aliases,unit,price,stock"
    )]
    Empty,
    /// A required column is missing from the header.
    #[error("the header has no {0:?} column (expected sku,name,aliases,unit,price,stock)")]
    MissingColumn(String),
    /// The header line cannot be read.
    #[error("the header cannot be read: {0}")]
    Malformed(String),
}

/// Reads products from CSV text; prices are in `currency`. See the
/// [module docs](self) for the format.
///
/// # Errors
///
/// [`ImportError`] when the file has no header or misses a required
/// column. Bad rows are not errors: they are listed in
/// [`CsvReport::rejected`].
pub fn parse_csv(csv: &str, currency: Currency) -> Result<CsvReport, ImportError> {
    let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(csv.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| ImportError::Malformed(e.to_string()))?
        .clone();
    if headers.iter().all(str::is_empty) {
        return Err(ImportError::Empty);
    }
    let columns = Columns::find(&headers)?;

    let mut products: Vec<Product> = Vec::new();
    let mut first_line: HashMap<Sku, u64> = HashMap::new();
    let mut rejected = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                rejected.push(RejectedRow {
                    line,
                    reason: format!("unreadable row: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        match columns.read(&record, currency) {
            Ok(product) => {
                if let Some(first) = first_line.get(product.sku()) {
                    rejected.push(RejectedRow {
                        line,
                        reason: format!("duplicate SKU {} (first on line {first})", product.sku()),
                    });
                } else {
                    first_line.insert(product.sku().clone(), line);
                    products.push(product);
                }
            }
            Err(reason) => rejected.push(RejectedRow { line, reason }),
        }
    }
    Ok(CsvReport { products, rejected })
}

/// Positions of the known columns in the header.
struct Columns {
    sku: usize,
    name: usize,
    unit: usize,
    price: usize,
    aliases: Option<usize>,
    stock: Option<usize>,
    active: Option<usize>,
}

impl Columns {
    fn find(headers: &csv::StringRecord) -> Result<Self, ImportError> {
        let position = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let required =
            |name: &str| position(name).ok_or_else(|| ImportError::MissingColumn(name.to_owned()));
        Ok(Self {
            sku: required("sku")?,
            name: required("name")?,
            unit: required("unit")?,
            price: required("price")?,
            aliases: position("aliases"),
            stock: position("stock"),
            active: position("active"),
        })
    }

    /// One row as a product, or the reason it is refused.
    fn read(&self, record: &csv::StringRecord, currency: Currency) -> Result<Product, String> {
        let field = |i: usize| record.get(i).unwrap_or("");
        let optional = |i: Option<usize>| i.map_or("", field);

        let sku = Sku::parse(field(self.sku)).map_err(|e| e.to_string())?;
        let unit = Unit::parse(field(self.unit)).map_err(|e| e.to_string())?;
        let price_text = field(self.price);
        let price = Money::parse_major(price_text, currency)
            .map_err(|e| format!("invalid price {price_text:?}: {e}"))?;
        let aliases = optional(self.aliases)
            .split('|')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect();
        let stock_text = optional(self.stock);
        let stock = if stock_text.is_empty() {
            None
        } else {
            let digits: String = stock_text.chars().filter(|c| *c != ',').collect();
            Some(digits.parse::<u32>().map_err(|_| {
                format!("invalid stock {stock_text:?}: use a whole number of 0 or more, or leave it empty")
            })?)
        };
        let active_text = optional(self.active);
        let active = match active_text.to_ascii_lowercase().as_str() {
            "" | "yes" | "y" | "true" | "1" => true,
            "no" | "n" | "false" | "0" => false,
            _ => return Err(format!("invalid active {active_text:?}: use yes or no")),
        };
        ProductDraft {
            sku,
            name: field(self.name).to_owned(),
            aliases,
            unit,
            price,
            stock,
            active,
        }
        .validate()
        .map_err(|e| e.to_string())
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

    const HEADER: &str = "sku,name,aliases,unit,price,stock\n";

    fn report(body: &str) -> CsvReport {
        parse_csv(&format!("{HEADER}{body}"), Currency::INR).unwrap()
    }

    #[test]
    fn reads_valid_rows() {
        let r = report("cem,Cement,opc | ppc,Bags,\"1,250.50\",\"5,000\"\nsand,Sand,,cft,55,\n");
        assert!(r.rejected.is_empty(), "{:?}", r.rejected);
        let cement = &r.products[0];
        assert_eq!(cement.sku().as_str(), "CEM");
        assert_eq!(cement.aliases(), ["opc", "ppc"]);
        assert_eq!(cement.unit().as_str(), "bag");
        assert_eq!(cement.price(), Money::new(1_250_50, Currency::INR));
        assert_eq!(cement.stock(), Some(5000));
        assert!(cement.is_active());
        assert_eq!(r.products[1].stock(), None);
    }

    #[test]
    fn columns_are_found_by_name_in_any_order() {
        let csv = "Price,Unit,Extra,SKU,Name\n10,kg,ignored,W,Wire\n";
        let r = parse_csv(csv, Currency::INR).unwrap();
        assert_eq!(r.products.len(), 1);
        assert_eq!(r.products[0].name(), "Wire");
        assert!(r.products[0].aliases().is_empty());
        assert_eq!(r.products[0].stock(), None);
    }

    #[test]
    fn missing_required_column_rejects_the_file() {
        let err = parse_csv("sku,name,unit\nA,B,bag\n", Currency::INR).unwrap_err();
        assert_eq!(err, ImportError::MissingColumn("price".to_owned()));
        assert_eq!(
            parse_csv("", Currency::INR).unwrap_err(),
            ImportError::Empty
        );
    }

    #[test]
    fn every_rejected_row_says_why_with_its_line() {
        let r = report(
            "A,Cement,,bag,350,10\n\
             bad sku,X,,bag,1,1\n\
             B,,,bag,1,1\n\
             C,Thing,,two words,1,1\n\
             D,Thing,,bag,abc,1\n\
             E,Thing,,bag,-1,1\n\
             F,Thing,,bag,1,-3\n\
             a,Cement again,,bag,1,1\n\
             G,Thing,,bag,1.005,1\n\
             H,Short\n",
        );
        let lines: Vec<u64> = r.rejected.iter().map(|row| row.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7, 8, 9, 10, 11]);
        let reasons: Vec<&str> = r.rejected.iter().map(|row| row.reason.as_str()).collect();
        assert!(reasons[0].contains("SKU"), "{reasons:?}");
        assert!(reasons[1].contains("name"), "{reasons:?}");
        assert!(reasons[2].contains("unit"), "{reasons:?}");
        assert!(reasons[3].contains("price"), "{reasons:?}");
        assert!(reasons[4].contains("negative"), "{reasons:?}");
        assert!(reasons[5].contains("stock"), "{reasons:?}");
        assert!(
            reasons[6].contains("duplicate SKU A (first on line 2)"),
            "{reasons:?}"
        );
        assert!(reasons[7].contains("decimal"), "{reasons:?}");
        assert!(reasons[8].contains("unit"), "{reasons:?}");
        assert_eq!(r.products.len(), 1);
    }

    #[test]
    fn blank_rows_are_skipped_and_lines_still_count() {
        let r = report("A,Cement,,bag,350,10\n\n,,,,,\nB,Sand,,cft,x,\n");
        assert_eq!(r.products.len(), 1);
        assert_eq!(
            r.rejected,
            [RejectedRow {
                line: 5,
                reason: r.rejected[0].reason.clone()
            }]
        );
    }

    #[test]
    fn reads_the_active_column_and_a_byte_order_mark() {
        let csv = "\u{feff}sku,name,unit,price,active\nA,One,bag,1,no\nB,Two,bag,1,\nC,Three,bag,1,maybe\n";
        let r = parse_csv(csv, Currency::INR).unwrap();
        assert!(!r.products[0].is_active());
        assert!(r.products[1].is_active());
        assert_eq!(r.rejected[0].line, 4);
    }
}
