//! Ready-made values for tests. Everything is in INR.

use crate::catalog::{Product, ProductDraft, Sku, Unit};
use crate::orders::{Order, OrderLine, OrderStatus};
use crate::shared::{Currency, CustomerPhone, Money, Now, OrderId};

/// The time the harness's clock always reads: 2023-11-14T22:13:20Z.
pub const NOW_MS: i64 = 1_700_000_000_000;

/// The time the harness gives every service: always [`NOW_MS`]. Give the
/// same to every service of a test, so they agree on the date.
#[must_use]
pub fn now() -> Now {
    Now::fixed(NOW_MS)
}

/// The customer most tests use: `+919876543210`.
#[must_use]
pub fn customer() -> CustomerPhone {
    CustomerPhone::parse("+919876543210").expect("valid fixture phone")
}

/// Another customer: `+14155550123`.
#[must_use]
pub fn other_customer() -> CustomerPhone {
    CustomerPhone::parse("+14155550123").expect("valid fixture phone")
}

/// An order id.
#[must_use]
pub fn order_id(id: i64) -> OrderId {
    OrderId::new(id)
}

/// An INR amount in rupees.
#[must_use]
pub fn rupees(major: i64) -> Money {
    Money::new(major * 100, Currency::INR)
}

/// An active product sold by the piece at `price_rupees`.
#[must_use]
pub fn product(sku: &str, name: &str, price_rupees: i64, stock: Option<u32>) -> Product {
    product_in(sku, name, "piece", price_rupees, stock)
}

/// An active product sold by `unit` at `price_rupees`.
#[must_use]
pub fn product_in(
    sku: &str,
    name: &str,
    unit: &str,
    price_rupees: i64,
    stock: Option<u32>,
) -> Product {
    Product::new(ProductDraft {
        sku: Sku::parse(sku).expect("valid fixture SKU"),
        name: name.to_owned(),
        aliases: Vec::new(),
        unit: Unit::parse(unit).expect("valid fixture unit"),
        price: rupees(price_rupees),
        stock,
        active: true,
    })
    .expect("valid fixture product")
}

/// A line of `quantity` of `product` at its price.
#[must_use]
pub fn line(product: &Product, quantity: u32) -> OrderLine {
    OrderLine::new(
        product.sku().clone(),
        product.name().to_owned(),
        product.unit().clone(),
        quantity,
        product.price(),
    )
    .expect("valid fixture line")
}

/// A stored order with id `id`, created at [`NOW_MS`].
#[must_use]
pub fn order(
    id: i64,
    customer: CustomerPhone,
    status: OrderStatus,
    lines: Vec<OrderLine>,
) -> Order {
    Order::restore(
        OrderId::new(id),
        customer,
        Currency::INR,
        status,
        lines,
        NOW_MS,
    )
}
