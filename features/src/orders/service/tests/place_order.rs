//! `place_order`, the customer's "confirm": priced again, created,
//! confirmed and followed up, or refused with nothing ordered.

#[allow(clippy::wildcard_imports)]
use super::*;

fn place(request: &str, lines: Vec<OrderLine>, cart: &str) -> PlaceOrder {
    PlaceOrder {
        customer: customer(),
        currency: Currency::INR,
        request: QuoteRequest::new(request),
        lines,
        cart: cart.to_owned(),
    }
}

#[tokio::test]
async fn place_order_creates_confirms_and_follows_up() {
    given(vec![])
        .with_products(vec![cement(), sand()])
        .when(|svc| async move {
            svc.place_order(place(
                "cement x 4, sand x 100",
                vec![line(&cement(), 4), line(&sand(), 100)],
                "c1",
            ))
            .await
        })
        .await
        .then_expect(|order| {
            assert_eq!(order.status(), OrderStatus::Confirmed);
            assert_eq!(order.id(), Some(order_id(1)));
            assert_eq!(order.created_at_ms(), NOW_MS);
            assert_eq!(order.total(), fixtures::rupees(4 * 350 + 100 * 55));
        })
        .then_stock("CEM", Some(6))
        .then_stored(|orders| {
            assert_eq!(orders.len(), 1);
            assert_eq!(orders[0].status(), OrderStatus::Confirmed);
        })
        .then_followed_up(&[order_id(1)]);
}

#[tokio::test]
async fn place_order_tells_a_stock_change_since_the_summary_and_orders_nothing() {
    // The summary offered 4 bags; 3 are left now.
    given(vec![])
        .with_products(vec![product("CEM", "Cement", 350, Some(3))])
        .when(|svc| async move {
            svc.place_order(place("cement x 4", vec![line(&cement(), 4)], "c1"))
                .await
        })
        .await
        .then_expect_error(|e| {
            matches!(e, OrderError::StockChanged { product, available: 3 } if product == "Cement")
                && e.is_user_error()
        })
        .then_stock("CEM", Some(3))
        .then_stored(|orders| assert!(orders.is_empty(), "no order, not even a draft"))
        .then_followed_up(&[]);
}

/// Prices with the catalog, then lets another customer take stock before
/// the confirmation: the race the repository's stock check catches.
#[derive(Debug, Clone)]
struct StockTakenAfterPricing {
    catalog: CatalogService<InMemProductRepository>,
    products: InMemProductRepository,
    left: u32,
}

impl Pricing for StockTakenAfterPricing {
    async fn quote(&self, request: &QuoteRequest) -> Result<Quote, CatalogError> {
        let quote = self.catalog.quote(request).await?;
        self.products
            .upsert(vec![cement().with_stock(Some(self.left))], false)
            .await?;
        Ok(quote)
    }
}

#[tokio::test]
async fn a_refused_confirmation_cancels_the_draft() {
    // Arrange
    let products = InMemProductRepository::with_products(vec![cement()]);
    let orders = InMemOrderRepository::new(products.clone());
    let follow_up = RecordingFollowUp::default();
    let pricing = StockTakenAfterPricing {
        catalog: CatalogService::new(products.clone(), OrderLimits::default()),
        products: products.clone(),
        left: 2,
    };
    let svc = OrderService::new(orders.clone(), pricing, follow_up.clone(), fixtures::now());

    // Act
    let err = svc
        .place_order(place("cement x 4", vec![line(&cement(), 4)], "c1"))
        .await
        .unwrap_err();

    // Assert: told with the product's name; the draft is cancelled, no
    // stock taken, nothing followed up.
    assert!(
        matches!(&err, OrderError::StockChanged { product, available: 2 } if product == "Cement"),
        "{err:?}"
    );
    assert!(err.is_user_error());
    let stored = orders.orders();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status(), OrderStatus::Cancelled, "no draft left");
    assert_eq!(products.stock_of("CEM"), Some(2));
    assert!(follow_up.orders().is_empty());
    assert!(follow_up.cancelled().is_empty(), "a draft was never placed");
}

#[tokio::test]
async fn cancelling_a_confirmed_order_tells_the_follow_up_once() {
    // Arrange: a placed order.
    let products = InMemProductRepository::with_products(vec![cement()]);
    let orders = InMemOrderRepository::new(products.clone());
    let follow_up = RecordingFollowUp::default();
    let catalog = CatalogService::new(products.clone(), OrderLimits::default());
    let svc = OrderService::new(orders, catalog, follow_up.clone(), fixtures::now());
    let order = svc
        .place_order(place("cement x 4", vec![line(&cement(), 4)], "c1"))
        .await
        .unwrap();
    let id = order.id().unwrap();

    // Act: cancel it, then try again.
    svc.cancel_order(cancel(id.get(), customer()))
        .await
        .unwrap();
    let again = svc.cancel_order(cancel(id.get(), customer())).await;

    // Assert
    assert!(
        matches!(again, Err(OrderError::AlreadyCancelled)),
        "{again:?}"
    );
    assert_eq!(follow_up.orders(), [id]);
    assert_eq!(follow_up.cancelled(), [id]);
}

#[tokio::test]
async fn place_order_refuses_an_empty_order_without_storing_it() {
    given(vec![])
        .with_products(vec![cement()])
        .when(|svc| async move { svc.place_order(place("cement x 4", vec![], "c1")).await })
        .await
        .then_expect_error(|e| matches!(e, OrderError::EmptyOrder) && e.is_user_error())
        .then_stored(|orders| assert!(orders.is_empty()))
        .then_followed_up(&[]);
}

#[tokio::test]
async fn place_order_refuses_a_request_it_cannot_read() {
    let too_long = "cement x 4 ".repeat(1_000);
    given(vec![])
        .with_products(vec![cement()])
        .when(|svc| async move {
            svc.place_order(place(&too_long, vec![line(&cement(), 4)], "c1"))
                .await
        })
        .await
        .then_expect_error(|e| {
            matches!(e, OrderError::Request(ParseError::TooLong { .. })) && e.is_user_error()
        })
        .then_stored(|orders| assert!(orders.is_empty()))
        .then_followed_up(&[]);
}

// A retried "confirm" (same cart) finds the order the first try placed: one
// order, stock taken once. The follow-up is asked for again on every
// successful call; the port makes that idempotent per order (the bot's job
// queue deduplicates by `order:{id}`).
#[tokio::test]
async fn a_retried_place_order_finds_the_same_order() {
    given(vec![])
        .with_products(vec![cement()])
        .when(|svc| async move {
            let first = svc
                .place_order(place("cement x 4", vec![line(&cement(), 4)], "c1"))
                .await?;
            let retry = svc
                .place_order(place("cement x 4", vec![line(&cement(), 4)], "c1"))
                .await?;
            Ok((first, retry))
        })
        .await
        .then_expect(|(first, retry)| assert_eq!(first, retry))
        .then_stock("CEM", Some(6))
        .then_stored(|orders| assert_eq!(orders.len(), 1))
        .then_followed_up(&[order_id(1), order_id(1)]);
}

#[tokio::test]
async fn a_failed_follow_up_fails_the_placing() {
    given(vec![])
        .with_products(vec![cement()])
        .with_failing_follow_up()
        .when(|svc| async move {
            svc.place_order(place("cement x 4", vec![line(&cement(), 4)], "c1"))
                .await
        })
        .await
        // Unexpected: the caller's unit of work (order and follow-up) must
        // not commit.
        .then_expect_error(|e| matches!(e, OrderError::Unexpected(_)) && !e.is_user_error())
        .then_followed_up(&[]);
}
