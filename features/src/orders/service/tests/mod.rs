//! Given/when/then tests of [`OrderService`](super::OrderService).

use crate::catalog::{
    CatalogError, CatalogService, OrderLimits, ParseError, ProductRepository, Quote, QuoteRequest,
};
use crate::orders::{
    CancelOrder, ConfirmOrder, CreateOrder, CustomerOrders, GetOrder, OrderError, OrderLine,
    OrderService, OrderStatus, PlaceOrder, Pricing,
};
use crate::shared::{Currency, CustomerPhone, Money, OrderId};
use crate::testing::fixtures::{
    self, NOW_MS, customer, line, order, order_id, other_customer, product,
};
use crate::testing::orders::given;
use crate::testing::{InMemOrderRepository, InMemProductRepository, RecordingFollowUp};

fn cement() -> crate::catalog::Product {
    product("CEM", "Cement", 350, Some(10))
}

fn sand() -> crate::catalog::Product {
    product("SAND", "Sand", 55, None)
}

fn confirm(id: i64, who: CustomerPhone) -> ConfirmOrder {
    ConfirmOrder {
        order_id: order_id(id),
        customer: who,
    }
}

fn cancel(id: i64, who: CustomerPhone) -> CancelOrder {
    CancelOrder {
        order_id: order_id(id),
        customer: who,
    }
}

fn create(lines: Vec<OrderLine>, key: &str) -> CreateOrder {
    CreateOrder {
        customer: customer(),
        currency: Currency::INR,
        lines,
        idempotency_key: key.to_owned(),
    }
}

#[tokio::test]
async fn create_order_stores_a_draft() {
    given(vec![])
        .with_products(vec![cement()])
        .when(|svc| async move {
            svc.create_order(create(vec![line(&cement(), 2), line(&cement(), 3)], "k"))
                .await
        })
        .await
        .then_expect(|order| {
            assert_eq!(order.status(), OrderStatus::Draft);
            assert_eq!(order.id(), Some(OrderId::new(1)));
            assert_eq!(order.lines().len(), 1, "same SKU merged");
            assert_eq!(order.lines()[0].quantity(), 5);
            assert_eq!(order.total(), fixtures::rupees(1_750));
            assert_eq!(order.created_at_ms(), NOW_MS);
        })
        .then_stock("CEM", Some(10))
        .then_stored(|orders| assert_eq!(orders.len(), 1));
}

#[tokio::test]
async fn create_order_is_idempotent() {
    given(vec![])
        .when(|svc| async move {
            let first = svc
                .create_order(create(vec![line(&cement(), 2)], "wamid.1"))
                .await?;
            let replay = svc
                .create_order(create(vec![line(&cement(), 9)], "wamid.1"))
                .await?;
            Ok((first, replay))
        })
        .await
        .then_expect(|(first, replay)| assert_eq!(first, replay))
        .then_stored(|orders| assert_eq!(orders.len(), 1, "a replay stores no second order"));
}

#[tokio::test]
async fn create_order_refuses_empty_orders_and_bad_keys() {
    given(vec![])
        .when(|svc| async move { svc.create_order(create(vec![], "k")).await })
        .await
        .then_expect_error(|e| matches!(e, OrderError::EmptyOrder) && e.is_user_error());
    given(vec![])
        .when(|svc| async move { svc.create_order(create(vec![line(&cement(), 1)], "")).await })
        .await
        .then_expect_error(|e| matches!(e, OrderError::Unexpected(_)) && !e.is_user_error())
        .then_stored(|orders| assert!(orders.is_empty()));
}

#[tokio::test]
async fn create_order_refuses_mixed_currencies() {
    let usd = OrderLine::new(
        cement().sku().clone(),
        "Cement".to_owned(),
        cement().unit().clone(),
        1,
        Money::new(100, Currency::USD),
    )
    .unwrap();
    given(vec![])
        .when(|svc| async move { svc.create_order(create(vec![usd], "k")).await })
        .await
        .then_expect_error(|e| matches!(e, OrderError::CurrencyMismatch) && !e.is_user_error());
}

#[tokio::test]
async fn a_reused_key_of_another_customer_is_unexpected() {
    let theirs = order(
        1,
        other_customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 1)],
    );
    given(vec![])
        .when(|svc| async move {
            let mut cmd = create(vec![line(&cement(), 1)], "shared");
            cmd.customer = other_customer();
            svc.create_order(cmd).await?;
            svc.create_order(create(vec![line(&cement(), 1)], "shared"))
                .await
        })
        .await
        .then_expect_error(|e| matches!(e, OrderError::Unexpected(_)));
    let _ = theirs;
}

#[tokio::test]
async fn confirm_takes_stock() {
    given(vec![order(
        1,
        customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 4), line(&sand(), 100)],
    )])
    .with_products(vec![cement(), sand()])
    .when(|svc| async move { svc.confirm_order(confirm(1, customer())).await })
    .await
    .then_expect(|order| assert_eq!(order.status(), OrderStatus::Confirmed))
    .then_stock("CEM", Some(6))
    .then_stock("SAND", None)
    .then_stored(|orders| assert_eq!(orders[0].status(), OrderStatus::Confirmed));
}

#[tokio::test]
async fn confirm_empty_order_fails() {
    given(vec![order(1, customer(), OrderStatus::Draft, vec![])])
        .when(|svc| async move { svc.confirm_order(confirm(1, customer())).await })
        .await
        .then_expect_error(|e| matches!(e, OrderError::EmptyOrder))
        .then_stored(|orders| assert_eq!(orders[0].status(), OrderStatus::Draft));
}

#[tokio::test]
async fn confirm_twice_is_ok_and_takes_stock_once() {
    given(vec![order(
        1,
        customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 4)],
    )])
    .with_products(vec![cement()])
    .when(|svc| async move {
        svc.confirm_order(confirm(1, customer())).await?;
        svc.confirm_order(confirm(1, customer())).await
    })
    .await
    .then_expect(|order| assert_eq!(order.status(), OrderStatus::Confirmed))
    .then_stock("CEM", Some(6));
}

#[tokio::test]
async fn confirm_without_enough_stock_changes_nothing() {
    given(vec![order(
        1,
        customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 11)],
    )])
    .with_products(vec![cement()])
    .when(|svc| async move { svc.confirm_order(confirm(1, customer())).await })
    .await
    .then_expect_error(|e| {
        matches!(e, OrderError::OutOfStock { sku, available: 10 } if sku.as_str() == "CEM")
            && e.is_user_error()
    })
    .then_stock("CEM", Some(10))
    .then_stored(|orders| assert_eq!(orders[0].status(), OrderStatus::Draft));
}

#[tokio::test]
async fn another_customers_order_is_not_found() {
    given(vec![order(
        1,
        other_customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 1)],
    )])
    .with_products(vec![cement()])
    .when(|svc| async move { svc.confirm_order(confirm(1, customer())).await })
    .await
    .then_expect_error(|e| matches!(e, OrderError::NotFound))
    .then_stock("CEM", Some(10));
    given(vec![order(
        1,
        other_customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 1)],
    )])
    .when(|svc| async move { svc.cancel_order(cancel(1, customer())).await })
    .await
    .then_expect_error(|e| matches!(e, OrderError::NotFound))
    .then_stored(|orders| assert_eq!(orders[0].status(), OrderStatus::Draft));
}

#[tokio::test]
async fn a_missing_order_is_not_found() {
    given(vec![])
        .when(|svc| async move { svc.confirm_order(confirm(42, customer())).await })
        .await
        .then_expect_error(|e| matches!(e, OrderError::NotFound) && e.is_user_error());
}

#[tokio::test]
async fn confirm_a_cancelled_order_fails() {
    given(vec![order(
        1,
        customer(),
        OrderStatus::Cancelled,
        vec![line(&cement(), 1)],
    )])
    .when(|svc| async move { svc.confirm_order(confirm(1, customer())).await })
    .await
    .then_expect_error(|e| {
        matches!(
            e,
            OrderError::InvalidTransition {
                from: OrderStatus::Cancelled,
                to: OrderStatus::Confirmed
            }
        )
    });
}

#[tokio::test]
async fn cancel_a_confirmed_order_returns_stock() {
    given(vec![order(
        1,
        customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 4)],
    )])
    .with_products(vec![cement()])
    .when(|svc| async move {
        svc.confirm_order(confirm(1, customer())).await?;
        svc.cancel_order(cancel(1, customer())).await
    })
    .await
    .then_expect(|order| assert_eq!(order.status(), OrderStatus::Cancelled))
    .then_stock("CEM", Some(10));
}

#[tokio::test]
async fn cancel_a_draft_takes_no_stock() {
    given(vec![order(
        1,
        customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 4)],
    )])
    .with_products(vec![cement()])
    .when(|svc| async move { svc.cancel_order(cancel(1, customer())).await })
    .await
    .then_expect(|order| assert_eq!(order.status(), OrderStatus::Cancelled))
    .then_stock("CEM", Some(10));
}

#[tokio::test]
async fn cancel_after_dispatch_fails() {
    for status in [OrderStatus::Dispatched, OrderStatus::Delivered] {
        given(vec![order(1, customer(), status, vec![line(&cement(), 4)])])
            .with_products(vec![cement()])
            .when(|svc| async move { svc.cancel_order(cancel(1, customer())).await })
            .await
            .then_expect_error(
                |e| matches!(e, OrderError::CannotCancel { status: s } if *s == status),
            )
            .then_stock("CEM", Some(10))
            .then_stored(|orders| assert_eq!(orders[0].status(), status));
    }
}

#[tokio::test]
async fn cancel_twice_fails() {
    given(vec![order(
        1,
        customer(),
        OrderStatus::Cancelled,
        vec![line(&cement(), 4)],
    )])
    .when(|svc| async move { svc.cancel_order(cancel(1, customer())).await })
    .await
    .then_expect_error(|e| matches!(e, OrderError::AlreadyCancelled) && e.is_user_error());
}

#[tokio::test]
async fn storage_failure_is_unexpected() {
    let then = given(vec![order(
        1,
        customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 1)],
    )])
    .with_products(vec![cement()])
    .when(|svc| async move {
        svc.get_order(GetOrder {
            order_id: order_id(1),
        })
        .await
    })
    .await;
    then.products().set_failing(true);
    let repo = crate::testing::InMemOrderRepository::new(then.products().clone());
    let catalog = crate::catalog::CatalogService::new(
        then.products().clone(),
        crate::catalog::OrderLimits::default(),
    );
    let svc = crate::orders::OrderService::new(
        repo,
        catalog,
        crate::testing::RecordingFollowUp::default(),
        fixtures::now(),
    );
    let err = svc.confirm_order(confirm(1, customer())).await.unwrap_err();
    assert!(matches!(err, OrderError::Unexpected(_)) && !err.is_user_error());
    then.products().set_failing(false);
}

#[tokio::test]
async fn get_order_returns_any_order() {
    given(vec![order(
        1,
        other_customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 1)],
    )])
    .when(|svc| async move {
        let found = svc
            .get_order(GetOrder {
                order_id: order_id(1),
            })
            .await?;
        let missing = svc
            .get_order(GetOrder {
                order_id: order_id(2),
            })
            .await?;
        Ok((found, missing))
    })
    .await
    .then_expect(|(found, missing)| {
        assert_eq!(
            found.as_ref().map(|o| o.customer().clone()),
            Some(other_customer())
        );
        assert!(missing.is_none());
    });
}

#[tokio::test]
async fn customer_orders_are_summarised_newest_first() {
    let mut older = order(
        1,
        customer(),
        OrderStatus::Confirmed,
        vec![line(&cement(), 2), line(&sand(), 10)],
    );
    older = crate::orders::Order::restore(
        order_id(1),
        older.customer().clone(),
        older.currency(),
        older.status(),
        older.lines().to_vec(),
        NOW_MS - 1_000,
    );
    let newer = order(2, customer(), OrderStatus::Draft, vec![line(&cement(), 1)]);
    let theirs = order(
        3,
        other_customer(),
        OrderStatus::Draft,
        vec![line(&cement(), 1)],
    );
    given(vec![older, newer, theirs])
        .when(|svc| async move {
            let all = svc
                .customer_orders(CustomerOrders {
                    customer: customer(),
                    limit: 10,
                })
                .await?;
            let one = svc
                .customer_orders(CustomerOrders {
                    customer: customer(),
                    limit: 1,
                })
                .await?;
            let none = svc
                .customer_orders(CustomerOrders {
                    customer: customer(),
                    limit: 0,
                })
                .await?;
            Ok((all, one, none))
        })
        .await
        .then_expect(|(all, one, none)| {
            let ids: Vec<i64> = all.iter().map(|s| s.id.get()).collect();
            assert_eq!(ids, [2, 1]);
            assert_eq!(all[1].number.to_string(), "ORD-00001");
            assert_eq!(all[1].status, OrderStatus::Confirmed);
            assert_eq!(all[1].total, fixtures::rupees(2 * 350 + 10 * 55));
            assert_eq!(all[1].items, 2);
            assert_eq!(all[1].created_at_ms, NOW_MS - 1_000);
            assert_eq!(one.len(), 1);
            assert_eq!(one[0].id.get(), 2);
            assert!(none.is_empty());
        });
}

mod place_order;
