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

use crate::catalog::{
    Product, ProductDraft, ProductRepository, Sku, SourcedProduct, SyncChanges, Unit, UpsertCounts,
};
use crate::orders::{Order, OrderLine, OrderRepository, OrderStatus, TransitionError};
use crate::shared::{Currency, CustomerPhone, Money, OrderId};

/// Checks a [`ProductRepository`]: counting, inserting and updating by SKU
/// with exact counts, `deactivate_others`, reactivation, `list_active`
/// ordered by name without inactive products, exact round trips of every
/// field (non-ASCII text, aliases, large prices, untracked stock), and a
/// sync's changes (`list_all`, `save_synced` with external ids).
///
/// # Panics
///
/// On the first broken rule, saying which.
pub async fn product_repository<R>(repo: R)
where
    R: ProductRepository,
{
    // Arrange: an empty repository.
    assert_eq!(
        repo.count().await.unwrap(),
        0,
        "the repository must start empty"
    );
    assert!(
        repo.list_active().await.unwrap().is_empty(),
        "the repository must start empty"
    );

    // Insert three, one inactive.
    let alpha = product(
        "ALPHA",
        "Alpha Cement",
        &["opc", "सीमेंट"],
        paise(350, 50),
        None,
        true,
    );
    let bravo = product(
        "BRAVO",
        "Bravo Sand",
        &["ret"],
        paise(55, 0),
        Some(10),
        true,
    );
    let charlie = product("CHARLIE", "Charlie Wire", &[], paise(85, 0), Some(0), false);
    let counts = repo
        .upsert(vec![bravo.clone(), alpha.clone(), charlie.clone()], false)
        .await
        .unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 3,
            updated: 0,
            deactivated: 0
        },
        "upsert of 3 new products"
    );
    assert_eq!(
        repo.count().await.unwrap(),
        3,
        "count includes inactive products"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        [alpha.clone(), bravo.clone()],
        "list_active: active products only, ordered by name, every field as stored"
    );

    // Update one, insert one.
    let bravo2 = product(
        "BRAVO",
        "Bravo Sand",
        &["balu"],
        paise(60, 25),
        Some(7),
        true,
    );
    let delta = product(
        "DELTA",
        "Delta Paint",
        &["paint", "emulsion"],
        paise(320, 0),
        Some(400),
        true,
    );
    let counts = repo
        .upsert(vec![bravo2.clone(), delta.clone()], false)
        .await
        .unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 1,
            updated: 1,
            deactivated: 0
        },
        "upsert by SKU"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        [alpha.clone(), bravo2.clone(), delta.clone()],
        "an upsert overwrites every field of an existing SKU (price, stock, aliases)"
    );
    assert_eq!(repo.count().await.unwrap(), 4, "count after update");

    // Reactivate.
    let charlie2 = charlie.clone().with_active(true);
    let counts = repo.upsert(vec![charlie2.clone()], false).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 0,
            updated: 1,
            deactivated: 0
        },
        "reactivating upsert"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        [
            alpha.clone(),
            bravo2.clone(),
            charlie2.clone(),
            delta.clone()
        ],
        "an upsert with active = true reactivates"
    );

    // Replace: everything else becomes inactive.
    let counts = repo.upsert(vec![alpha.clone()], true).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 0,
            updated: 1,
            deactivated: 3
        },
        "deactivate_others deactivates every other active product"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        std::slice::from_ref(&alpha),
        "after deactivate_others"
    );
    assert_eq!(
        repo.count().await.unwrap(),
        4,
        "deactivated products are kept"
    );
    let counts = repo.upsert(vec![alpha.clone()], true).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 0,
            updated: 1,
            deactivated: 0
        },
        "already inactive products are not counted as deactivated"
    );

    // Upserting an inactive product stores it inactive.
    let echo = product("ECHO", "Echo Tiles", &[], paise(1_250, 0), Some(3), false);
    let counts = repo.upsert(vec![echo], false).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 1,
            updated: 0,
            deactivated: 0
        },
        "insert inactive"
    );
    assert_eq!(
        repo.list_active().await.unwrap(),
        std::slice::from_ref(&alpha),
        "an inactive insert is not listed"
    );

    // Large amounts and non-ASCII text round-trip exactly.
    let big = product(
        "BIG_1",
        "Ärger — ₹ special",
        &["सरिया", "tmt bar"],
        i64::MAX - 49,
        Some(u32::MAX),
        true,
    );
    repo.upsert(vec![big.clone()], false).await.unwrap();
    assert_eq!(
        repo.list_active().await.unwrap(),
        [alpha.clone(), big.clone()],
        "non-ASCII names/aliases, i64 prices and u32 stock round-trip"
    );

    // An empty replacing upsert deactivates everything.
    let counts = repo.upsert(Vec::new(), true).await.unwrap();
    assert_eq!(
        counts,
        UpsertCounts {
            inserted: 0,
            updated: 0,
            deactivated: 2
        },
        "an empty upsert with deactivate_others deactivates every active product"
    );
    assert!(
        repo.list_active().await.unwrap().is_empty(),
        "nothing active after an empty replace"
    );
    assert_eq!(repo.count().await.unwrap(), 6, "count after everything");

    // A sync's changes: upserts carry their external id, deactivations keep it.
    let all = repo.list_all().await.unwrap();
    assert_eq!(all.len(), 6, "list_all lists inactive products too");
    assert!(
        all.iter().all(|s| s.source_id.is_none()),
        "products never synced have no external id"
    );
    let fox = product("FOX", "Fox Paint", &[], paise(99, 0), Some(4), true);
    let alpha_synced = product(
        "ALPHA",
        "Alpha Cement 53",
        &["opc"],
        paise(360, 0),
        Some(1),
        true,
    );
    repo.save_synced(SyncChanges {
        upserts: vec![
            (fox.clone(), "z-1".to_owned()),
            (alpha_synced.clone(), "z-2".to_owned()),
        ],
        deactivate: Vec::new(),
    })
    .await
    .unwrap();
    let sourced = |all: &[SourcedProduct], sku: &str| {
        all.iter()
            .find(|s| s.product.sku().as_str() == sku)
            .cloned()
            .unwrap_or_else(|| panic!("{sku} is listed"))
    };
    let all = repo.list_all().await.unwrap();
    assert_eq!(all.len(), 7, "a synced insert adds one product");
    assert_eq!(
        sourced(&all, "FOX"),
        SourcedProduct {
            product: fox.clone(),
            source_id: Some("z-1".to_owned())
        },
        "a synced insert round-trips with its external id"
    );
    assert_eq!(
        sourced(&all, "ALPHA").product,
        alpha_synced,
        "a synced update overwrites every field"
    );
    assert_eq!(sourced(&all, "ALPHA").source_id.as_deref(), Some("z-2"));
    repo.save_synced(SyncChanges {
        upserts: Vec::new(),
        deactivate: vec![Sku::parse("FOX").unwrap(), Sku::parse("NOPE").unwrap()],
    })
    .await
    .unwrap();
    let all = repo.list_all().await.unwrap();
    let fox_now = sourced(&all, "FOX");
    assert!(!fox_now.product.is_active(), "deactivated by a sync");
    assert_eq!(
        fox_now.source_id.as_deref(),
        Some("z-1"),
        "a deactivated product keeps its external id"
    );
    assert_eq!(all.len(), 7, "an unknown SKU to deactivate is ignored");
}

/// Checks an [`OrderRepository`] sharing its store with `products`:
/// insert assigns ids and is idempotent per key, `get`, `list_for_customer`
/// (newest first, limit, only that customer), and `transition` (stale
/// `from` → Conflict, Draft → Confirmed takes tracked stock, not enough →
/// OutOfStock with nothing changed, Confirmed → Cancelled returns it,
/// untracked stock untouched, other transitions change only the status).
///
/// # Panics
///
/// On the first broken rule, saying which.
pub async fn order_repository<P, R>(products: P, orders: R)
where
    P: ProductRepository,
    R: OrderRepository,
{
    // Arrange: three products; B's stock is not tracked.
    let a = product("A-1", "Alpha", &[], paise(100, 0), Some(10), true);
    let b = product("B-1", "Bravo", &[], paise(5, 50), None, true);
    let c = product("C-1", "Charlie", &[], paise(2, 0), Some(5), true);
    products
        .upsert(vec![a.clone(), b.clone(), c.clone()], false)
        .await
        .unwrap();
    let x = phone("+919876543210");
    let y = phone("+14155550123");
    let z = phone("+447700900123");

    assert_eq!(
        orders.get(OrderId::new(999_999)).await.unwrap(),
        None,
        "get of an unknown id"
    );
    assert!(
        orders.list_for_customer(&x, 10).await.unwrap().is_empty(),
        "no orders yet"
    );

    // Insert and read back.
    let o1 = draft(&x, 1_000, vec![line(&a, 4), line(&b, 100)]);
    let s1 = orders.insert(&o1, "key-1").await.unwrap();
    let id1 = s1.id().expect("insert must return the order with its id");
    assert_eq!(
        s1,
        o1.clone().with_id(id1),
        "insert returns the order as given, plus its id"
    );
    assert_eq!(
        orders.get(id1).await.unwrap(),
        Some(s1.clone()),
        "get returns the stored order with its lines"
    );
    assert!(
        orders.insert(&s1, "key-other").await.is_err(),
        "insert must refuse an order that has an id"
    );

    // Idempotency.
    let replay = draft(&x, 9_999, vec![line(&c, 1)]);
    let again = orders.insert(&replay, "key-1").await.unwrap();
    assert_eq!(
        again, s1,
        "insert with a used idempotency key returns the first order unchanged"
    );
    assert_eq!(
        orders.list_for_customer(&x, 10).await.unwrap().len(),
        1,
        "a replayed insert stores no second order"
    );

    // Listing.
    let s2 = orders
        .insert(&draft(&x, 3_000, vec![line(&c, 1)]), "key-2")
        .await
        .unwrap();
    let s3 = orders
        .insert(&draft(&x, 2_000, vec![line(&a, 1)]), "key-3")
        .await
        .unwrap();
    let s4 = orders
        .insert(&draft(&y, 4_000, vec![line(&a, 1)]), "key-4")
        .await
        .unwrap();
    let ids = [id1, id(&s2), id(&s3), id(&s4)];
    assert!(
        ids.iter()
            .enumerate()
            .all(|(i, a)| ids[i + 1..].iter().all(|b| a != b)),
        "every insert gets its own id: {ids:?}"
    );
    assert_eq!(
        orders.list_for_customer(&x, 10).await.unwrap(),
        [s2.clone(), s3.clone(), s1.clone()],
        "list_for_customer: newest first by created_at_ms"
    );
    assert_eq!(
        orders.list_for_customer(&x, 2).await.unwrap(),
        [s2.clone(), s3.clone()],
        "list_for_customer: at most `limit`, the newest"
    );
    assert_eq!(
        orders.list_for_customer(&y, 10).await.unwrap(),
        std::slice::from_ref(&s4),
        "only that customer's orders"
    );
    assert!(
        orders.list_for_customer(&z, 10).await.unwrap().is_empty(),
        "an unknown customer has no orders"
    );

    // Draft → Confirmed takes tracked stock.
    let mut confirmed1 = s1.clone();
    confirmed1.confirm().unwrap();
    orders
        .transition(&confirmed1, OrderStatus::Draft)
        .await
        .expect("Draft → Confirmed with enough stock");
    assert_eq!(
        orders.get(id1).await.unwrap().map(|o| o.status()),
        Some(OrderStatus::Confirmed),
        "transition persists the new status"
    );
    assert_eq!(
        stocks(&products).await,
        [Some(6), None, Some(5)],
        "confirming takes each line's quantity from tracked stock only"
    );

    // A stale `from` is a conflict and changes nothing.
    let stale = orders.transition(&confirmed1, OrderStatus::Draft).await;
    assert!(
        matches!(stale, Err(TransitionError::Conflict)),
        "a stale `from` must be Conflict, got {stale:?}"
    );
    assert_eq!(
        stocks(&products).await,
        [Some(6), None, Some(5)],
        "a conflicting transition takes no stock"
    );

    // Not enough stock: OutOfStock, and nothing changes (C's line comes first).
    let s5 = orders
        .insert(&draft(&x, 5_000, vec![line(&c, 1), line(&a, 7)]), "key-5")
        .await
        .unwrap();
    let mut confirm5 = s5.clone();
    confirm5.confirm().unwrap();
    let short = orders.transition(&confirm5, OrderStatus::Draft).await;
    assert!(
        matches!(&short, Err(TransitionError::OutOfStock { sku, available: 6 }) if *sku == *a.sku()),
        "not enough stock must be OutOfStock {{ sku: A-1, available: 6 }}, got {short:?}"
    );
    assert_eq!(
        stocks(&products).await,
        [Some(6), None, Some(5)],
        "a failed confirm changes no stock (all or nothing)"
    );
    assert_eq!(
        orders.get(id(&s5)).await.unwrap().map(|o| o.status()),
        Some(OrderStatus::Draft),
        "a failed confirm leaves the order a draft"
    );

    // Exactly the stock is enough; cancelling a confirmed order returns it.
    let s6 = orders
        .insert(&draft(&x, 6_000, vec![line(&a, 6)]), "key-6")
        .await
        .unwrap();
    let mut confirm6 = s6.clone();
    confirm6.confirm().unwrap();
    orders
        .transition(&confirm6, OrderStatus::Draft)
        .await
        .expect("confirming exactly the stock left");
    assert_eq!(
        stocks(&products).await,
        [Some(0), None, Some(5)],
        "stock can reach zero"
    );
    let mut cancel6 = confirm6.clone();
    cancel6.cancel().unwrap();
    orders
        .transition(&cancel6, OrderStatus::Confirmed)
        .await
        .expect("Confirmed → Cancelled");
    assert_eq!(
        stocks(&products).await,
        [Some(6), None, Some(5)],
        "cancelling a confirmed order returns its stock"
    );
    let mut cancel1 = confirmed1.clone();
    cancel1.cancel().unwrap();
    orders
        .transition(&cancel1, OrderStatus::Confirmed)
        .await
        .unwrap();
    assert_eq!(
        stocks(&products).await,
        [Some(10), None, Some(5)],
        "cancel returns stock; untracked stays untracked"
    );
    assert_eq!(
        orders.get(id1).await.unwrap().map(|o| o.status()),
        Some(OrderStatus::Cancelled),
        "cancel persisted"
    );

    // Draft → Cancelled takes and returns nothing.
    let mut cancel3 = s3.clone();
    cancel3.cancel().unwrap();
    orders
        .transition(&cancel3, OrderStatus::Draft)
        .await
        .unwrap();
    assert_eq!(
        stocks(&products).await,
        [Some(10), None, Some(5)],
        "cancelling a draft changes no stock"
    );

    // Dispatch and deliver change only the status.
    let mut o2 = s2.clone();
    o2.confirm().unwrap();
    orders.transition(&o2, OrderStatus::Draft).await.unwrap();
    o2.dispatch().unwrap();
    orders
        .transition(&o2, OrderStatus::Confirmed)
        .await
        .expect("Confirmed → Dispatched");
    o2.deliver().unwrap();
    orders
        .transition(&o2, OrderStatus::Dispatched)
        .await
        .expect("Dispatched → Delivered");
    assert_eq!(
        stocks(&products).await,
        [Some(10), None, Some(4)],
        "dispatch and delivery change no stock"
    );
    let stored2 = orders
        .get(id(&s2))
        .await
        .unwrap()
        .expect("order 2 is stored");
    assert_eq!(
        stored2.status(),
        OrderStatus::Delivered,
        "delivery persisted"
    );
    assert_eq!(stored2.lines(), s2.lines(), "transitions keep the lines");
    assert_eq!(
        stored2.created_at_ms(),
        3_000,
        "transitions keep created_at_ms"
    );

    // Unknown order.
    let ghost = Order::restore(
        OrderId::new(999_999),
        x.clone(),
        Currency::INR,
        OrderStatus::Confirmed,
        vec![line(&a, 1)],
        0,
    );
    let unknown = orders.transition(&ghost, OrderStatus::Draft).await;
    assert!(
        matches!(unknown, Err(TransitionError::Conflict)),
        "transition of an unknown order is Conflict, got {unknown:?}"
    );
    assert_eq!(
        stocks(&products).await,
        [Some(10), None, Some(4)],
        "an unknown order takes no stock"
    );
}

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
