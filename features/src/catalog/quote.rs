//! [`Quote`]: the priced answer to an order message, with a
//! [`QuoteProblem`] for everything that could not be priced.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::domain::{Sku, Unit};
use super::parse::QuantitySpec;
use crate::shared::{Currency, Money, MoneyError};

/// A priced request: one line per product, plus the problems to resolve
/// before it can be ordered.
///
/// Serializable so a bot can keep it in its conversation state between the
/// quote and the customer's "yes".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    /// Currency of every line and of the total.
    currency: Currency,
    /// One line per product, in the order first mentioned.
    lines: Vec<QuoteLine>,
    /// What could not be priced, in message order.
    problems: Vec<QuoteProblem>,
    /// Sum of the line totals.
    total: Money,
}

impl Quote {
    /// Builds a quote and its total.
    ///
    /// # Errors
    ///
    /// [`MoneyError::CurrencyMismatch`] if a line is priced in another
    /// currency, [`MoneyError::Overflow`] if the total does not fit.
    pub fn new(
        currency: Currency,
        lines: Vec<QuoteLine>,
        problems: Vec<QuoteProblem>,
    ) -> Result<Self, MoneyError> {
        let mut total = Money::zero(currency);
        for line in &lines {
            let line_total = line.unit_price.checked_mul(line.quantity)?;
            total = total.checked_add(line_total)?;
        }
        Ok(Self {
            currency,
            lines,
            problems,
            total,
        })
    }

    /// The priced lines.
    #[must_use]
    pub fn lines(&self) -> &[QuoteLine] {
        &self.lines
    }

    /// What must be resolved before ordering.
    #[must_use]
    pub fn problems(&self) -> &[QuoteProblem] {
        &self.problems
    }

    /// The currency of the quote.
    #[must_use]
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Sum of the line totals (zero when there are no lines).
    #[must_use]
    pub fn total(&self) -> Money {
        self.total
    }

    /// Whether the quote can become an order as it is: it has lines and no
    /// problems.
    #[must_use]
    pub fn is_orderable(&self) -> bool {
        !self.lines.is_empty() && self.problems.is_empty()
    }
}

/// One priced product in a [`Quote`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct QuoteLine {
    /// The product.
    pub sku: Sku,
    /// Product name at quote time.
    pub name: String,
    /// Unit the quantity counts.
    pub unit: Unit,
    /// Units ordered; at least 1 in quotes made by the catalog service.
    pub quantity: u32,
    /// Price of one unit at quote time.
    pub unit_price: Money,
}

impl QuoteLine {
    /// `unit_price × quantity` (saturating; the catalog service never builds
    /// a line whose total overflows).
    #[must_use]
    pub fn line_total(&self) -> Money {
        self.unit_price.saturating_mul(self.quantity)
    }
}

/// Something in the request that could not be priced. `Display` gives a
/// short English sentence for the customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuoteProblem {
    /// No product matches the phrase.
    NotFound {
        /// What the customer wrote (normalized).
        phrase: String,
        /// Names of up to three similar products, best first.
        suggestions: Vec<String>,
    },
    /// Several products match the phrase; the customer must pick one (and
    /// the bot re-quotes with the choice in
    /// [`QuoteRequest::resolved`](super::QuoteRequest::resolved)).
    Ambiguous {
        /// What the customer wrote (normalized); the key for `resolved`.
        phrase: String,
        /// The quantity given with it, to reuse once resolved.
        quantity: QuantitySpec,
        /// The candidates: SKU and name.
        options: Vec<(Sku, String)>,
    },
    /// The product was found but no quantity was given.
    MissingQuantity {
        /// Product name.
        product: String,
        /// Its unit, to ask "how many bags?".
        unit: Unit,
    },
    /// The quantity is zero.
    ZeroQuantity {
        /// Product name.
        product: String,
    },
    /// The quantity is negative.
    NegativeQuantity {
        /// Product name.
        product: String,
    },
    /// The quantity has decimals; products are sold in whole units.
    FractionalQuantity {
        /// Product name.
        product: String,
    },
    /// More than the shop's per-order limit.
    TooMany {
        /// Product name.
        product: String,
        /// The limit ([`OrderLimits::max_quantity`](super::OrderLimits)).
        max: u32,
    },
    /// More than is in stock.
    OutOfStock {
        /// Product name.
        product: String,
        /// Units in stock now.
        available: u32,
    },
    /// The message names no product at all.
    NotUnderstood,
}

impl fmt::Display for QuoteProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound {
                phrase,
                suggestions,
            } => {
                write!(f, "We don't have \"{phrase}\".")?;
                if !suggestions.is_empty() {
                    write!(f, " Did you mean {}?", or_list(suggestions))?;
                }
                Ok(())
            }
            Self::Ambiguous {
                phrase, options, ..
            } => {
                let names: Vec<String> = options.iter().map(|(_, name)| name.clone()).collect();
                write!(f, "\"{phrase}\" could be {}. Which one?", or_list(&names))
            }
            Self::MissingQuantity { product, unit } => {
                write!(f, "How many {} of {product}?", unit.plural(2))
            }
            Self::ZeroQuantity { product } => write!(f, "The quantity of {product} is 0."),
            Self::NegativeQuantity { product } => {
                write!(f, "The quantity of {product} cannot be negative.")
            }
            Self::FractionalQuantity { product } => {
                write!(
                    f,
                    "{product} is sold in whole units; please send a whole number."
                )
            }
            Self::TooMany { product, max } => {
                write!(f, "We can take at most {max} of {product} in one order.")
            }
            Self::OutOfStock {
                product,
                available: 0,
            } => write!(f, "{product} is out of stock."),
            Self::OutOfStock { product, available } => {
                write!(f, "Only {available} of {product} in stock.")
            }
            Self::NotUnderstood => write!(
                f,
                "I couldn't find any products in that message. Try something like \"Cement x 100\"."
            ),
        }
    }
}

/// `a`, `a or b`, `a, b or c`.
fn or_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
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

    fn line(sku: &str, qty: u32, price: i64) -> QuoteLine {
        QuoteLine {
            sku: Sku::parse(sku).unwrap(),
            name: sku.to_owned(),
            unit: Unit::parse("bag").unwrap(),
            quantity: qty,
            unit_price: Money::new(price, Currency::INR),
        }
    }

    #[test]
    fn total_sums_line_totals() {
        let quote = Quote::new(
            Currency::INR,
            vec![line("A", 100, 350_00), line("B", 10, 8_00)],
            vec![],
        )
        .unwrap();
        assert_eq!(quote.total(), Money::new(35_080_00, Currency::INR));
        assert_eq!(
            quote.lines()[0].line_total(),
            Money::new(35_000_00, Currency::INR)
        );
        assert!(quote.is_orderable());
    }

    #[test]
    fn empty_or_problematic_quotes_are_not_orderable() {
        let empty = Quote::new(Currency::INR, vec![], vec![]).unwrap();
        assert_eq!(empty.total(), Money::zero(Currency::INR));
        assert!(!empty.is_orderable());
        let with_problem = Quote::new(
            Currency::INR,
            vec![line("A", 1, 1)],
            vec![QuoteProblem::NotUnderstood],
        )
        .unwrap();
        assert!(!with_problem.is_orderable());
    }

    #[test]
    fn refuses_mixed_currencies_and_overflow() {
        let mut usd = line("A", 1, 1);
        usd.unit_price = Money::new(1, Currency::USD);
        assert!(matches!(
            Quote::new(Currency::INR, vec![usd], vec![]),
            Err(MoneyError::CurrencyMismatch { .. })
        ));
        assert_eq!(
            Quote::new(Currency::INR, vec![line("A", 2, i64::MAX)], vec![]),
            Err(MoneyError::Overflow)
        );
    }

    #[test]
    fn problems_read_as_sentences() {
        let not_found = QuoteProblem::NotFound {
            phrase: "pipe 3 inch".to_owned(),
            suggestions: vec!["PVC Pipe 1 inch".to_owned(), "PVC Pipe 2 inch".to_owned()],
        };
        assert_eq!(
            not_found.to_string(),
            "We don't have \"pipe 3 inch\". Did you mean PVC Pipe 1 inch or PVC Pipe 2 inch?"
        );
        let missing = QuoteProblem::MissingQuantity {
            product: "Cement".to_owned(),
            unit: Unit::parse("bag").unwrap(),
        };
        assert_eq!(missing.to_string(), "How many bags of Cement?");
        let out = QuoteProblem::OutOfStock {
            product: "White Cement".to_owned(),
            available: 0,
        };
        assert_eq!(out.to_string(), "White Cement is out of stock.");
        assert_eq!(
            or_list(&["a".to_owned(), "b".to_owned(), "c".to_owned()]),
            "a, b or c"
        );
    }
}
