//! Identifiers: [`OrderId`] (the storage key) and [`OrderNumber`] (how a
//! customer sees and types it).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The storage identifier of an order, assigned by the order repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderId(i64);

impl OrderId {
    /// Wraps a storage id.
    #[must_use]
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    /// The raw storage id.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for OrderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The human-friendly order number shown to customers: `ORD-00042`.
///
/// Five digits, zero padded; larger ids simply use more digits
/// (`ORD-123456`).
///
/// ```
/// use features::shared::{OrderId, OrderNumber};
///
/// assert_eq!(OrderNumber::from(OrderId::new(7)).to_string(), "ORD-00007");
/// assert_eq!(OrderNumber::parse("ord-7"), Some(OrderId::new(7)));
/// assert_eq!(OrderNumber::parse("ORD 7"), Some(OrderId::new(7)));
/// assert_eq!(OrderNumber::parse("cement"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderNumber(OrderId);

impl OrderNumber {
    /// Reads an order number the way customers type it: `ORD-00042`,
    /// `ord-42`, `ORD 42`, `order 42`, `#42` or just `42` (case and
    /// surrounding spaces do not matter). Returns `None` for anything else,
    /// including zero and negative numbers.
    #[must_use]
    pub fn parse(text: &str) -> Option<OrderId> {
        let lower = text.trim().to_ascii_lowercase();
        let rest = ["order", "ord", "#"]
            .iter()
            .find_map(|prefix| lower.strip_prefix(prefix))
            .map_or(lower.as_str(), |rest| {
                rest.trim_start_matches([' ', '-', '#', ':', '.', '_'])
            });
        if rest.is_empty() || rest.len() > 19 || !rest.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let id: i64 = rest.parse().ok()?;
        (id > 0).then_some(OrderId(id))
    }

    /// The order this number names.
    #[must_use]
    pub const fn id(self) -> OrderId {
        self.0
    }
}

impl From<OrderId> for OrderNumber {
    fn from(id: OrderId) -> Self {
        Self(id)
    }
}

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ORD-{:05}", self.0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_number_is_zero_padded_to_five_digits() {
        assert_eq!(OrderNumber::from(OrderId::new(42)).to_string(), "ORD-00042");
        assert_eq!(
            OrderNumber::from(OrderId::new(123_456)).to_string(),
            "ORD-123456"
        );
    }

    #[test]
    fn order_number_parses_what_customers_type() {
        for text in [
            "ORD-00042",
            "ord-42",
            "#42",
            "42",
            "ORD 42",
            " order 42 ",
            "ORD-042",
        ] {
            assert_eq!(OrderNumber::parse(text), Some(OrderId::new(42)), "{text}");
        }
    }

    #[test]
    fn order_number_rejects_garbage_zero_and_negative() {
        for text in [
            "",
            "ORD-",
            "ord-x",
            "0",
            "ORD-0",
            "-5",
            "42a",
            "cement 42",
            "99999999999999999999",
        ] {
            assert_eq!(OrderNumber::parse(text), None, "{text}");
        }
    }

    #[test]
    fn display_round_trips_through_parse() {
        for id in [1, 42, 99_999, 100_000, i64::MAX] {
            let shown = OrderNumber::from(OrderId::new(id)).to_string();
            assert_eq!(
                OrderNumber::parse(&shown),
                Some(OrderId::new(id)),
                "{shown}"
            );
        }
    }
}
