//! The order entity and its invariants: [`Order`], [`OrderLine`],
//! [`OrderStatus`].
//!
//! ```text
//! Draft ──confirm──▶ Confirmed ──dispatch──▶ Dispatched ──deliver──▶ Delivered
//!   │                    │
//!   └──cancel──▶ Cancelled ◀──cancel──┘
//! ```

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::OrderError;
use crate::catalog::{QuoteLine, Sku, Unit};
use crate::shared::{Currency, CustomerPhone, Money, OrderId, OrderNumber};

/// Where an order is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Being put together; can change and be cancelled, takes no stock.
    Draft,
    /// Accepted by the customer; its stock is taken.
    Confirmed,
    /// Called off (stock returned if it was confirmed).
    Cancelled,
    /// On its way; can no longer be cancelled.
    Dispatched,
    /// Handed over.
    Delivered,
}

impl OrderStatus {
    /// Every status, in life order.
    pub const ALL: [Self; 5] = [
        Self::Draft,
        Self::Confirmed,
        Self::Cancelled,
        Self::Dispatched,
        Self::Delivered,
    ];

    /// The storage name: `"draft"`, `"confirmed"`, `"cancelled"`,
    /// `"dispatched"`, `"delivered"`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Confirmed => "confirmed",
            Self::Cancelled => "cancelled",
            Self::Dispatched => "dispatched",
            Self::Delivered => "delivered",
        }
    }

    /// Reads a storage name (exact, lowercase).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One product in an order, priced when it was added.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OrderLine {
    /// The product.
    sku: Sku,
    /// Product name when ordered.
    name: String,
    /// Unit the quantity counts.
    unit: Unit,
    /// Units ordered; at least 1 once in an order.
    quantity: u32,
    /// Price of one unit when ordered.
    unit_price: Money,
}

impl OrderLine {
    /// A line of `quantity` units.
    ///
    /// # Errors
    ///
    /// [`OrderError::InvalidQuantity`] when `quantity` is 0 or
    /// `unit_price × quantity` does not fit.
    pub fn new(
        sku: Sku,
        name: String,
        unit: Unit,
        quantity: u32,
        unit_price: Money,
    ) -> Result<Self, OrderError> {
        let line = Self {
            sku,
            name,
            unit,
            quantity,
            unit_price,
        };
        line.check()?;
        Ok(line)
    }

    /// The product.
    #[must_use]
    pub fn sku(&self) -> &Sku {
        &self.sku
    }

    /// Product name when ordered.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Unit the quantity counts.
    #[must_use]
    pub fn unit(&self) -> &Unit {
        &self.unit
    }

    /// Units ordered.
    #[must_use]
    pub fn quantity(&self) -> u32 {
        self.quantity
    }

    /// Price of one unit.
    #[must_use]
    pub fn unit_price(&self) -> Money {
        self.unit_price
    }

    /// `unit_price × quantity` (cannot overflow for lines accepted by
    /// [`OrderLine::new`] or [`Order::add_item`]).
    #[must_use]
    pub fn line_total(&self) -> Money {
        self.unit_price.saturating_mul(self.quantity)
    }

    /// Quantity at least 1 and a total that fits.
    fn check(&self) -> Result<(), OrderError> {
        if self.quantity == 0 || self.unit_price.checked_mul(self.quantity).is_err() {
            return Err(OrderError::InvalidQuantity);
        }
        Ok(())
    }
}

/// Copies a quote line. Quote lines from the catalog service always have a
/// quantity of at least 1; a hand-made line with 0 is refused later by
/// [`Order::add_item`].
impl From<&QuoteLine> for OrderLine {
    fn from(line: &QuoteLine) -> Self {
        Self {
            sku: line.sku.clone(),
            name: line.name.clone(),
            unit: line.unit.clone(),
            quantity: line.quantity,
            unit_price: line.unit_price,
        }
    }
}

/// A customer's order.
///
/// Created with [`Order::draft`], filled with [`Order::add_item`], then moved
/// through its [`OrderStatus`]es by [`confirm`](Order::confirm),
/// [`cancel`](Order::cancel), [`dispatch`](Order::dispatch) and
/// [`deliver`](Order::deliver), which refuse transitions the life cycle does
/// not allow. Repositories rebuild stored orders with [`Order::restore`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Order {
    /// `None` until the repository stores it.
    id: Option<OrderId>,
    /// Who ordered.
    customer: CustomerPhone,
    /// Currency of every line.
    currency: Currency,
    /// Where it is in its life.
    status: OrderStatus,
    /// At most one line per SKU.
    lines: Vec<OrderLine>,
    /// Creation time, milliseconds since the Unix epoch.
    created_at_ms: i64,
}

impl Order {
    /// A new, empty draft order.
    #[must_use]
    pub fn draft(customer: CustomerPhone, currency: Currency, now_ms: i64) -> Self {
        Self {
            id: None,
            customer,
            currency,
            status: OrderStatus::Draft,
            lines: Vec::new(),
            created_at_ms: now_ms,
        }
    }

    /// Rebuilds a stored order (for repositories). Lines are taken as stored.
    #[must_use]
    pub fn restore(
        id: OrderId,
        customer: CustomerPhone,
        currency: Currency,
        status: OrderStatus,
        lines: Vec<OrderLine>,
        created_at_ms: i64,
    ) -> Self {
        Self {
            id: Some(id),
            customer,
            currency,
            status,
            lines,
            created_at_ms,
        }
    }

    /// The same order with its storage id (for repositories).
    #[must_use]
    pub fn with_id(mut self, id: OrderId) -> Self {
        self.id = Some(id);
        self
    }

    /// Adds a line; a line for a SKU already in the order adds to its
    /// quantity.
    ///
    /// # Errors
    ///
    /// [`OrderError::InvalidTransition`] unless the order is a draft,
    /// [`OrderError::CurrencyMismatch`] if the line is priced in another
    /// currency, [`OrderError::InvalidQuantity`] for a zero quantity or a
    /// total that does not fit.
    pub fn add_item(&mut self, line: OrderLine) -> Result<(), OrderError> {
        if self.status != OrderStatus::Draft {
            return Err(OrderError::InvalidTransition {
                from: self.status,
                to: OrderStatus::Draft,
            });
        }
        if line.unit_price.currency() != self.currency {
            return Err(OrderError::CurrencyMismatch);
        }
        line.check()?;
        let merged = match self.lines.iter().position(|l| l.sku == line.sku) {
            Some(i) => {
                let existing = &self.lines[i];
                let quantity = existing
                    .quantity
                    .checked_add(line.quantity)
                    .ok_or(OrderError::InvalidQuantity)?;
                let merged = OrderLine {
                    quantity,
                    ..existing.clone()
                };
                merged.check()?;
                Some((i, merged))
            }
            None => None,
        };
        let mut lines = self.lines.clone();
        match merged {
            Some((i, merged)) => lines[i] = merged,
            None => lines.push(line),
        }
        lines_total(self.currency, &lines)?;
        self.lines = lines;
        Ok(())
    }

    /// Draft → Confirmed.
    ///
    /// # Errors
    ///
    /// [`OrderError::EmptyOrder`] for a draft without lines,
    /// [`OrderError::InvalidTransition`] unless the order is a draft.
    pub fn confirm(&mut self) -> Result<(), OrderError> {
        self.expect_status(OrderStatus::Draft, OrderStatus::Confirmed)?;
        if self.lines.is_empty() {
            return Err(OrderError::EmptyOrder);
        }
        self.status = OrderStatus::Confirmed;
        Ok(())
    }

    /// Draft or Confirmed → Cancelled.
    ///
    /// # Errors
    ///
    /// [`OrderError::AlreadyCancelled`], or [`OrderError::CannotCancel`]
    /// once dispatched or delivered.
    pub fn cancel(&mut self) -> Result<(), OrderError> {
        match self.status {
            OrderStatus::Draft | OrderStatus::Confirmed => {
                self.status = OrderStatus::Cancelled;
                Ok(())
            }
            OrderStatus::Cancelled => Err(OrderError::AlreadyCancelled),
            status @ (OrderStatus::Dispatched | OrderStatus::Delivered) => {
                Err(OrderError::CannotCancel { status })
            }
        }
    }

    /// Confirmed → Dispatched.
    ///
    /// # Errors
    ///
    /// [`OrderError::InvalidTransition`] unless confirmed.
    pub fn dispatch(&mut self) -> Result<(), OrderError> {
        self.expect_status(OrderStatus::Confirmed, OrderStatus::Dispatched)?;
        self.status = OrderStatus::Dispatched;
        Ok(())
    }

    /// Dispatched → Delivered.
    ///
    /// # Errors
    ///
    /// [`OrderError::InvalidTransition`] unless dispatched.
    pub fn deliver(&mut self) -> Result<(), OrderError> {
        self.expect_status(OrderStatus::Dispatched, OrderStatus::Delivered)?;
        self.status = OrderStatus::Delivered;
        Ok(())
    }

    /// Storage id; `None` until stored.
    #[must_use]
    pub fn id(&self) -> Option<OrderId> {
        self.id
    }

    /// The number shown to the customer; `None` until stored.
    #[must_use]
    pub fn number(&self) -> Option<OrderNumber> {
        self.id.map(OrderNumber::from)
    }

    /// Who ordered.
    #[must_use]
    pub fn customer(&self) -> &CustomerPhone {
        &self.customer
    }

    /// Currency of every line.
    #[must_use]
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Where the order is in its life.
    #[must_use]
    pub fn status(&self) -> OrderStatus {
        self.status
    }

    /// The lines, one per SKU, in the order added.
    #[must_use]
    pub fn lines(&self) -> &[OrderLine] {
        &self.lines
    }

    /// Sum of the line totals; zero for an empty order.
    #[must_use]
    pub fn total(&self) -> Money {
        self.lines
            .iter()
            .fold(Money::zero(self.currency), |sum, line| {
                sum.saturating_add_same(line.line_total())
            })
    }

    /// Creation time, milliseconds since the Unix epoch.
    #[must_use]
    pub fn created_at_ms(&self) -> i64 {
        self.created_at_ms
    }

    fn expect_status(&self, from: OrderStatus, to: OrderStatus) -> Result<(), OrderError> {
        if self.status == from {
            Ok(())
        } else {
            Err(OrderError::InvalidTransition {
                from: self.status,
                to,
            })
        }
    }
}

/// The total of `lines`, refusing overflow.
fn lines_total(currency: Currency, lines: &[OrderLine]) -> Result<Money, OrderError> {
    lines.iter().try_fold(Money::zero(currency), |sum, line| {
        let line_total = line
            .unit_price
            .checked_mul(line.quantity)
            .map_err(|_| OrderError::InvalidQuantity)?;
        sum.checked_add(line_total)
            .map_err(|_| OrderError::InvalidQuantity)
    })
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

    fn phone() -> CustomerPhone {
        CustomerPhone::parse("+919876543210").unwrap()
    }

    fn line(sku: &str, qty: u32) -> OrderLine {
        OrderLine::new(
            Sku::parse(sku).unwrap(),
            sku.to_owned(),
            Unit::parse("bag").unwrap(),
            qty,
            Money::new(350_00, Currency::INR),
        )
        .unwrap()
    }

    fn order_with(status: OrderStatus) -> Order {
        Order::restore(
            OrderId::new(1),
            phone(),
            Currency::INR,
            status,
            vec![line("A", 1)],
            0,
        )
    }

    #[test]
    fn status_names_round_trip() {
        for status in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(status.as_str()), Some(status));
        }
        assert_eq!(OrderStatus::parse("Draft"), None);
        assert_eq!(OrderStatus::Cancelled.to_string(), "cancelled");
    }

    #[test]
    fn line_needs_a_positive_quantity() {
        let sku = Sku::parse("A").unwrap();
        let unit = Unit::parse("bag").unwrap();
        let price = Money::new(1, Currency::INR);
        assert!(matches!(
            OrderLine::new(sku.clone(), "A".to_owned(), unit.clone(), 0, price),
            Err(OrderError::InvalidQuantity)
        ));
        let huge = Money::new(i64::MAX, Currency::INR);
        assert!(matches!(
            OrderLine::new(sku, "A".to_owned(), unit, 2, huge),
            Err(OrderError::InvalidQuantity)
        ));
    }

    #[test]
    fn same_sku_merges_quantities() {
        let mut order = Order::draft(phone(), Currency::INR, 7);
        order.add_item(line("A", 2)).unwrap();
        order.add_item(line("B", 1)).unwrap();
        order.add_item(line("A", 3)).unwrap();
        let got: Vec<(&str, u32)> = order
            .lines()
            .iter()
            .map(|l| (l.sku().as_str(), l.quantity()))
            .collect();
        assert_eq!(got, [("A", 5), ("B", 1)]);
        assert_eq!(order.total(), Money::new(6 * 350_00, Currency::INR));
        assert_eq!(order.created_at_ms(), 7);
        assert_eq!(order.id(), None);
        assert_eq!(order.number(), None);
    }

    #[test]
    fn add_item_checks_status_currency_and_quantity() {
        let mut order = Order::draft(phone(), Currency::INR, 0);
        let mut usd = line("A", 1);
        usd.unit_price = Money::new(1, Currency::USD);
        assert!(matches!(
            order.add_item(usd),
            Err(OrderError::CurrencyMismatch)
        ));
        let mut zero = line("A", 1);
        zero.quantity = 0;
        assert!(matches!(
            order.add_item(zero),
            Err(OrderError::InvalidQuantity)
        ));
        let mut confirmed = order_with(OrderStatus::Confirmed);
        assert!(matches!(
            confirmed.add_item(line("B", 1)),
            Err(OrderError::InvalidTransition { .. })
        ));
    }

    #[test]
    fn a_failed_add_leaves_the_order_unchanged() {
        let mut order = Order::draft(phone(), Currency::INR, 0);
        order.add_item(line("A", u32::MAX - 1)).unwrap();
        assert!(matches!(
            order.add_item(line("A", 5)),
            Err(OrderError::InvalidQuantity)
        ));
        assert_eq!(order.lines()[0].quantity(), u32::MAX - 1);
    }

    #[test]
    fn confirm_needs_a_non_empty_draft() {
        let mut empty = Order::draft(phone(), Currency::INR, 0);
        assert!(matches!(empty.confirm(), Err(OrderError::EmptyOrder)));
        assert_eq!(empty.status(), OrderStatus::Draft);

        let mut draft = order_with(OrderStatus::Draft);
        assert!(matches!(draft.confirm(), Ok(())));
        assert_eq!(draft.status(), OrderStatus::Confirmed);
        assert!(matches!(
            draft.confirm(),
            Err(OrderError::InvalidTransition {
                from: OrderStatus::Confirmed,
                to: OrderStatus::Confirmed
            })
        ));
    }

    #[test]
    fn cancel_rules() {
        for status in [OrderStatus::Draft, OrderStatus::Confirmed] {
            let mut order = order_with(status);
            assert!(matches!(order.cancel(), Ok(())));
            assert_eq!(order.status(), OrderStatus::Cancelled);
        }
        assert!(matches!(
            order_with(OrderStatus::Cancelled).cancel(),
            Err(OrderError::AlreadyCancelled)
        ));
        for status in [OrderStatus::Dispatched, OrderStatus::Delivered] {
            let mut order = order_with(status);
            assert!(
                matches!(order.cancel(), Err(OrderError::CannotCancel { status: s }) if s == status)
            );
            assert_eq!(order.status(), status);
        }
    }

    #[test]
    fn dispatch_and_deliver_follow_the_life_cycle() {
        let mut order = order_with(OrderStatus::Draft);
        assert!(matches!(
            order.dispatch(),
            Err(OrderError::InvalidTransition { .. })
        ));
        assert!(matches!(
            order.deliver(),
            Err(OrderError::InvalidTransition { .. })
        ));
        order.confirm().unwrap();
        order.dispatch().unwrap();
        assert!(matches!(
            order.dispatch(),
            Err(OrderError::InvalidTransition { .. })
        ));
        order.deliver().unwrap();
        assert_eq!(order.status(), OrderStatus::Delivered);
        assert_eq!(order.number().unwrap().to_string(), "ORD-00001");
    }

    #[test]
    fn quote_lines_become_order_lines() {
        let quote_line = QuoteLine {
            sku: Sku::parse("CEM").unwrap(),
            name: "Cement".to_owned(),
            unit: Unit::parse("bag").unwrap(),
            quantity: 100,
            unit_price: Money::new(350_00, Currency::INR),
        };
        let line = OrderLine::from(&quote_line);
        assert_eq!(line.quantity(), 100);
        assert_eq!(line.line_total(), quote_line.line_total());
    }
}
