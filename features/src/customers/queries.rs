//! Reads of customers: one struct per query, and the read models they
//! return.

use super::domain::Tag;
use crate::shared::CustomerPhone;

/// The most customers one page holds.
pub const MAX_PAGE: u32 = 1_000;

/// A customer's consent ([`Consent`](super::Consent)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GetConsent {
    /// Who.
    pub customer: CustomerPhone,
}

/// A customer's tags and consent ([`CustomerProfile`](super::CustomerProfile)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GetCustomer {
    /// Who.
    pub customer: CustomerPhone,
}

/// What a customer told the shop: language and registration
/// ([`CustomerDetails`](super::CustomerDetails)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GetDetails {
    /// Who.
    pub customer: CustomerPhone,
}

/// Whether a customer has one of the tags, or all of them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum TagMatch {
    /// Customers with every tag listed (each tag narrows the audience).
    #[default]
    All,
    /// Customers with at least one of them.
    Any,
}

/// One page of a list of customers, in phone-number order: the customers
/// after `after` (from the start when `None`), at most `limit`.
///
/// Keyset paging: a customer tagged or untagged while a campaign walks the
/// pages neither shifts the others nor is seen twice.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Page {
    /// The last customer of the page before.
    pub after: Option<CustomerPhone>,
    /// How many at most (1 to [`MAX_PAGE`]; clamped).
    pub limit: u32,
}

impl Page {
    /// The first page of `limit` customers.
    #[must_use]
    pub fn first(limit: u32) -> Self {
        Self { after: None, limit }
    }

    /// The limit clamped to 1..=[`MAX_PAGE`].
    #[must_use]
    pub fn clamped_limit(&self) -> u32 {
        self.limit.clamp(1, MAX_PAGE)
    }
}

/// A page of customers and where the next one starts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CustomerPage {
    /// The customers, in phone-number order.
    pub customers: Vec<CustomerPhone>,
    /// The page after this one (`None`: this was the last).
    pub next: Option<Page>,
}

/// The customers with tags, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomersWithTags {
    /// The tags; at least one.
    pub tags: Vec<Tag>,
    /// Every tag, or any of them.
    pub matching: TagMatch,
    /// Which page.
    pub page: Page,
}
