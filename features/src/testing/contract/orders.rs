//! The [`OrderRepository`] contract.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::orders::{OrderRepository, OrderStatus, TransitionError};

/// Checks an [`OrderRepository`] sharing its store with `products`:
/// insert assigns ids and is idempotent per key, `get`, `list_for_customer`
/// (newest first, limit, only that customer), and `transition` (stale
/// `from` → Conflict, Draft → Confirmed takes tracked stock, not enough →
/// OutOfStock with nothing changed, Confirmed → Cancelled returns it,
/// untracked stock untouched, other transitions change only the status),
/// and `list` (newest first by id, status filter, `before`, limit).
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

    // Every customer's orders, newest first by id, a page at a time.
    let mut all: Vec<OrderId> = [id1, id(&s2), id(&s3), id(&s4), id(&s5), id(&s6)].to_vec();
    all.sort_unstable_by(|a, b| b.cmp(a));
    let listed = |page: Vec<Order>| page.iter().map(id).collect::<Vec<_>>();
    assert_eq!(
        listed(orders.list(None, None, 100).await.unwrap()),
        all,
        "list: every order, newest first by id"
    );
    assert_eq!(
        listed(orders.list(None, None, 2).await.unwrap()),
        all[..2],
        "list: at most `limit`"
    );
    assert_eq!(
        listed(orders.list(None, Some(all[1]), 2).await.unwrap()),
        all[2..4],
        "list: only ids below `before`"
    );
    assert!(
        orders
            .list(None, Some(all[5]), 10)
            .await
            .unwrap()
            .is_empty(),
        "list: nothing below the oldest"
    );
    let cancelled: Vec<OrderId> = all
        .iter()
        .copied()
        .filter(|i| [id1, id(&s3), id(&s6)].contains(i))
        .collect();
    assert_eq!(
        listed(
            orders
                .list(Some(OrderStatus::Cancelled), None, 10)
                .await
                .unwrap()
        ),
        cancelled,
        "list: only the status asked for"
    );
    assert_eq!(
        listed(
            orders
                .list(Some(OrderStatus::Cancelled), Some(cancelled[0]), 1)
                .await
                .unwrap()
        ),
        cancelled[1..2],
        "list: status, `before` and `limit` together"
    );
    assert_eq!(
        orders.list(None, None, 100).await.unwrap()[0],
        orders.get(all[0]).await.unwrap().unwrap(),
        "list: orders with their lines, as `get` returns them"
    );
}
