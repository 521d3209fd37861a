//! Reads of the catalog: one struct per query.

use serde::{Deserialize, Serialize};

use super::domain::Sku;

/// Price an order message.
///
/// Answered by [`CatalogService::quote`](super::CatalogService::quote) with
/// a [`Quote`](super::Quote).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct QuoteRequest {
    /// The customer's message ("cement x 100, pipe x 10").
    pub text: String,
    /// Choices the customer made for earlier
    /// [`Ambiguous`](super::QuoteProblem::Ambiguous) problems: the problem's
    /// `phrase` and the chosen SKU.
    pub resolved: Vec<(String, Sku)>,
}

impl QuoteRequest {
    /// A request with no earlier choices.
    #[must_use]
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            resolved: Vec::new(),
        }
    }

    /// Adds the customer's choice for an ambiguous phrase.
    #[must_use]
    pub fn with_resolved(mut self, phrase: impl Into<String>, sku: Sku) -> Self {
        self.resolved.push((phrase.into(), sku));
        self
    }
}

/// List the active products, by name.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ListProducts;
