//! Contract suites: one async function per port, run against every
//! implementation (in-memory here, the database in `infra_shop`). Each takes
//! FRESH, EMPTY repositories and panics with a message naming the broken
//! rule.
//!
//! ```
//! use features::testing::{contract, InMemOrderRepository, InMemProductRepository};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! contract::product_repository(InMemProductRepository::new()).await;
//!
//! let products = InMemProductRepository::new();
//! contract::order_repository(products.clone(), InMemOrderRepository::new(products)).await;
//! # }
//! ```

mod campaigns;
mod customers;
pub mod handoff;
mod orders;
mod products;
mod rules;

pub use self::campaigns::campaign_repository;
pub use self::customers::{customer_details, customer_repository};
pub use self::orders::order_repository;
pub use self::products::product_repository;
pub use self::rules::rule_repository;

use crate::catalog::{Product, ProductDraft, ProductRepository, Sku, Unit};
use crate::orders::{Order, OrderLine};
use crate::shared::{Currency, CustomerPhone, Money, OrderId};

/// Stock of A-1, B-1, C-1 as listed by the product repository.
async fn stocks<P>(products: &P) -> Vec<Option<u32>>
where
    P: ProductRepository,
{
    let listed = products.list_active().await.unwrap();
    ["A-1", "B-1", "C-1"]
        .iter()
        .map(|sku| {
            listed
                .iter()
                .find(|p| p.sku().as_str() == *sku)
                .and_then(Product::stock)
        })
        .collect()
}

fn product(
    sku: &str,
    name: &str,
    aliases: &[&str],
    price_minor: i64,
    stock: Option<u32>,
    active: bool,
) -> Product {
    Product::new(ProductDraft {
        sku: Sku::parse(sku).unwrap(),
        name: name.to_owned(),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        unit: Unit::parse("bag").unwrap(),
        price: Money::new(price_minor, Currency::INR),
        stock,
        active,
    })
    .unwrap()
}

/// Minor units of `rupees` and `paise`.
fn paise(rupees: i64, paise: i64) -> i64 {
    rupees * 100 + paise
}

fn phone(text: &str) -> CustomerPhone {
    CustomerPhone::parse(text).unwrap()
}

fn line(product: &Product, quantity: u32) -> OrderLine {
    OrderLine::new(
        product.sku().clone(),
        product.name().to_owned(),
        product.unit().clone(),
        quantity,
        product.price(),
    )
    .unwrap()
}

fn draft(customer: &CustomerPhone, created_at_ms: i64, lines: Vec<OrderLine>) -> Order {
    let mut order = Order::draft(customer.clone(), Currency::INR, created_at_ms);
    for line in lines {
        order.add_item(line).unwrap();
    }
    order
}

fn id(order: &Order) -> OrderId {
    order.id().expect("stored orders have an id")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::inmem::Sabotage;
    use crate::testing::{InMemOrderRepository, InMemProductRepository};

    async fn products_with(sabotage: Sabotage) {
        let repo = InMemProductRepository::new();
        repo.sabotage(sabotage);
        product_repository(repo).await;
    }

    async fn orders_with(sabotage: Sabotage) {
        let products = InMemProductRepository::new();
        products.sabotage(sabotage);
        order_repository(products.clone(), InMemOrderRepository::new(products)).await;
    }

    #[tokio::test]
    async fn in_memory_repositories_pass() {
        customer_repository(crate::testing::InMemCustomerRepository::new()).await;
        customer_details(crate::testing::InMemCustomerRepository::new()).await;
        product_repository(InMemProductRepository::new()).await;
        let products = InMemProductRepository::new();
        order_repository(products.clone(), InMemOrderRepository::new(products)).await;
    }

    #[tokio::test]
    #[should_panic(expected = "ordered by name")]
    async fn rejects_unsorted_listing() {
        products_with(Sabotage {
            unsorted: true,
            ..Sabotage::default()
        })
        .await;
    }

    #[tokio::test]
    #[should_panic(expected = "active products only")]
    async fn rejects_listing_inactive_products() {
        products_with(Sabotage {
            list_inactive: true,
            ..Sabotage::default()
        })
        .await;
    }

    #[tokio::test]
    #[should_panic(expected = "idempotency key")]
    async fn rejects_ignored_idempotency_keys() {
        orders_with(Sabotage {
            ignore_idempotency_key: true,
            ..Sabotage::default()
        })
        .await;
    }

    #[tokio::test]
    #[should_panic(expected = "tracked stock")]
    async fn rejects_missing_stock_effects() {
        orders_with(Sabotage {
            skip_stock: true,
            ..Sabotage::default()
        })
        .await;
    }

    #[tokio::test]
    #[should_panic(expected = "all or nothing")]
    async fn rejects_partial_stock_effects() {
        orders_with(Sabotage {
            partial_stock: true,
            ..Sabotage::default()
        })
        .await;
    }

    #[tokio::test]
    #[should_panic(expected = "stale `from` must be Conflict")]
    async fn rejects_ignored_stale_status() {
        orders_with(Sabotage {
            ignore_stale_status: true,
            ..Sabotage::default()
        })
        .await;
    }
}
