//! `infra_providers::zoho::ZohoClient` against `FakeZoho`: tokens, paging,
//! upserts, the bulkhead and the breaker.

use std::time::Duration;

use futures_util::future::join_all;
use infra_providers::policy::{BreakerConfig, BreakerState};
use infra_providers::testing::{FakeZoho, ZohoFailure};
use infra_providers::zoho::{ThrottleScope, UpsertAction, ZohoClient, ZohoConfig, ZohoError};
use serde_json::json;

fn client(config: ZohoConfig) -> ZohoClient {
    ZohoClient::new(config).unwrap()
}

fn order(subject: &str) -> serde_json::Value {
    json!({ "Subject": subject, "Status": "Created", "Grand_Total": 21.0 })
}

#[tokio::test]
async fn twenty_concurrent_callers_make_exactly_one_refresh() {
    // Arrange
    let fake = FakeZoho::start().await;
    fake.add_products(2);
    let client = client(fake.config().with_max_concurrency(20));

    // Act
    let results = join_all((0..20).map(|_| client.fetch_inventory())).await;

    // Assert
    assert!(
        results
            .iter()
            .all(|r| r.as_ref().is_ok_and(|p| p.len() == 2))
    );
    assert_eq!(fake.refreshes(), 1);
    assert_eq!(fake.api_requests().len(), 20);
}

#[tokio::test]
async fn a_revoked_token_is_refreshed_once_and_the_call_succeeds() {
    let fake = FakeZoho::start().await;
    fake.add_products(1);
    let client = client(fake.config());
    client.fetch_inventory().await.unwrap();

    fake.revoke_tokens();
    let products = client.fetch_inventory().await.unwrap();

    assert_eq!(products.len(), 1);
    assert_eq!(fake.refreshes(), 2);
    let statuses: Vec<u16> = fake.api_requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 401, 200]);
    let tokens: Vec<_> = fake
        .api_requests()
        .iter()
        .map(|r| r.authorization.clone().unwrap())
        .collect();
    assert!(
        tokens
            .iter()
            .all(|t| t.starts_with("Zoho-oauthtoken 1000."))
    );
    assert_ne!(tokens[1], tokens[2], "the retry carries the new token");
}

#[tokio::test]
async fn a_second_invalid_token_fails_without_a_third_try() {
    let fake = FakeZoho::start().await;
    fake.add_products(1);
    let client = client(fake.config());
    fake.fail_next(ZohoFailure::InvalidToken);
    fake.fail_next(ZohoFailure::InvalidToken);

    let err = client.fetch_inventory().await.unwrap_err();

    assert!(matches!(err, ZohoError::Auth { .. }), "{err:?}");
    assert_eq!(err.code(), Some("INVALID_TOKEN"));
    assert!(!err.is_retryable());
    assert_eq!(fake.refreshes(), 2, "the first token and one refresh");
    assert_eq!(fake.api_requests().len(), 2);
}

#[tokio::test]
async fn access_denied_with_http_200_is_a_throttle_not_a_token() {
    let fake = FakeZoho::start().await;
    fake.add_products(1);
    // Each caller's throttle counts against the breaker: keep it closed here.
    let breaker = BreakerConfig {
        failure_threshold: 10,
        ..BreakerConfig::default()
    };
    let client = client(fake.config().with_breaker(breaker));
    fake.deny_next_refresh();

    // Five callers wait for the one refresh in flight; it is denied and they
    // all get its answer instead of asking again.
    let results = join_all((0..5).map(|_| client.fetch_inventory())).await;

    for result in &results {
        let err = result.as_ref().unwrap_err();
        assert!(
            matches!(
                err,
                ZohoError::Throttled {
                    scope: ThrottleScope::TokenRefresh,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.is_retryable());
    }
    assert_eq!(fake.requests().len(), 1, "one refresh asked, no API call");
    assert_eq!(fake.refreshes(), 0);
    // The window moved on: the next call gets a token.
    assert_eq!(client.fetch_inventory().await.unwrap().len(), 1);
    assert_eq!(fake.refreshes(), 1);
}

#[tokio::test]
async fn refused_refreshes_count_against_the_breaker() {
    let fake = FakeZoho::start().await;
    let breaker = BreakerConfig {
        failure_threshold: 2,
        open_for: Duration::from_secs(600),
        ..BreakerConfig::default()
    };
    let client = client(fake.config().with_breaker(breaker));
    fake.deny_next_refresh();
    fake.deny_next_refresh();

    for _ in 0..2 {
        assert!(client.fetch_inventory().await.is_err());
    }
    let err = client.fetch_inventory().await.unwrap_err();

    assert!(matches!(err, ZohoError::CircuitOpen { .. }), "{err:?}");
    assert_eq!(fake.requests().len(), 2, "nothing reaches zoho while open");
}

#[tokio::test]
async fn bad_client_credentials_are_a_permanent_auth_error() {
    let fake = FakeZoho::start().await;
    let config = ZohoConfig::new("1000.OTHER", "wrong", "1000.fake.refresh")
        .with_accounts_base(fake.base_url())
        .with_api_base(fake.base_url());

    let err = client(config).fetch_inventory().await.unwrap_err();

    assert!(matches!(err, ZohoError::Auth { .. }), "{err:?}");
    assert_eq!(err.code(), Some("invalid_client"));
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn three_pages_of_products_are_all_fetched_page_by_page() {
    let fake = FakeZoho::start().await;
    fake.add_products(450);
    let client = client(fake.config());

    let mut pages = client.inventory();
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await.unwrap() {
        sizes.push(page.len());
    }

    assert_eq!(sizes, [200, 200, 50]);
    assert_eq!(pages.fetched(), 450);
    let requests = fake.api_requests();
    let page_params: Vec<_> = requests.iter().map(|r| r.param("page")).collect();
    assert_eq!(page_params, [Some("1"), Some("2"), Some("3")]);
    assert!(requests.iter().all(|r| r.param("per_page") == Some("200")
        && r.param("fields")
            == Some("Product_Name,Product_Code,Unit_Price,Qty_in_Stock,Product_Active")));
}

#[tokio::test]
async fn past_two_thousand_records_pages_go_by_page_token() {
    let fake = FakeZoho::start().await;
    fake.add_products(2_450);
    let client = client(fake.config());

    let products = client.fetch_inventory().await.unwrap();

    assert_eq!(products.len(), 2_450);
    let last = products.last().unwrap();
    assert_eq!(last.code.as_deref(), Some("SKU-2450"));
    assert_eq!(
        (last.unit_price_hundredths, last.qty_in_stock, last.active),
        (Some(245_050), Some(2450.0), true)
    );
    let requests = fake.api_requests();
    assert_eq!(requests.len(), 13);
    assert!(
        requests[..10]
            .iter()
            .all(|r| r.param("page").is_some() && r.param("page_token").is_none())
    );
    assert!(
        requests[10..]
            .iter()
            .all(|r| r.param("page").is_none() && r.param("page_token").is_some())
    );
    assert!(requests.iter().all(|r| r.status == 200));
}

#[tokio::test]
async fn an_empty_inventory_is_a_204() {
    let fake = FakeZoho::start().await;
    let client = client(fake.config());

    assert!(client.fetch_inventory().await.unwrap().is_empty());
    assert_eq!(fake.api_requests()[0].status, 204);
}

#[tokio::test]
async fn a_retried_order_upsert_answered_duplicate_data_updates_the_one_record() {
    let fake = FakeZoho::start().await;
    let client = client(fake.config());
    let first = client
        .upsert_order("Sales_Orders", &order("WA #1"), "Subject")
        .await
        .unwrap();
    assert_eq!(first.action, UpsertAction::Inserted);

    fake.fail_next(ZohoFailure::DuplicateData);
    let again = client
        .upsert_order(
            "Sales_Orders",
            &json!({"Subject": "WA #1", "Status": "Paid"}),
            "Subject",
        )
        .await
        .unwrap();

    assert_eq!(again.action, UpsertAction::Updated);
    assert_eq!(again.id, first.id);
    let records = fake.records("Sales_Orders");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["Status"], "Paid");
    let calls: Vec<_> = fake
        .api_requests()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.status))
        .collect();
    assert_eq!(
        calls,
        [
            (
                "POST".to_owned(),
                "/crm/v8/Sales_Orders/upsert".to_owned(),
                201
            ),
            (
                "POST".to_owned(),
                "/crm/v8/Sales_Orders/upsert".to_owned(),
                400
            ),
            (
                "PUT".to_owned(),
                format!("/crm/v8/Sales_Orders/{}", first.id),
                200
            ),
        ]
    );
    let body = fake.api_requests()[0].json.clone().unwrap();
    assert_eq!(body["duplicate_check_fields"], json!(["Subject"]));
}

#[tokio::test]
async fn an_upsert_whose_answer_was_lost_converges_when_retried() {
    let fake = FakeZoho::start().await;
    let client = client(fake.config().with_timeout(Duration::from_millis(300)));
    fake.fail_next(ZohoFailure::Hang(Duration::from_secs(30)));

    let err = client
        .upsert_order("Deals", &json!({"Deal_Name": "WA #2"}), "Deal_Name")
        .await
        .unwrap_err();
    assert!(matches!(err, ZohoError::UnknownOutcome { .. }), "{err:?}");
    let retried = client
        .upsert_order("Deals", &json!({"Deal_Name": "WA #2"}), "Deal_Name")
        .await
        .unwrap();

    assert_eq!(retried.action, UpsertAction::Updated);
    assert_eq!(fake.records("Deals").len(), 1);
}

#[tokio::test]
async fn zoho_refusals_are_permanent() {
    let fake = FakeZoho::start().await;
    let client = client(fake.config());
    fake.disable_module("Sales_Orders");

    let missing = client
        .upsert_order("Deals", &json!({"Stage": "New", "Ref": "x"}), "Ref")
        .await
        .unwrap_err();
    let module = client
        .upsert_order("Sales_Orders", &order("WA #3"), "Subject")
        .await
        .unwrap_err();
    let no_key = client
        .upsert_order("Deals", &json!({"Deal_Name": "x"}), "Ref")
        .await
        .unwrap_err();

    assert_eq!(missing.code(), Some("MANDATORY_NOT_FOUND"));
    assert_eq!(module.code(), Some("INVALID_MODULE"));
    assert_eq!(no_key.code(), Some("MANDATORY_NOT_FOUND"));
    assert!(
        ![missing, module, no_key]
            .iter()
            .any(ZohoError::is_retryable)
    );
    assert_eq!(
        fake.api_requests().len(),
        2,
        "the record without its key is refused here"
    );
}

#[tokio::test]
async fn the_bulkhead_never_lets_more_than_n_calls_in_flight() {
    let fake = FakeZoho::start().await;
    fake.add_products(1);
    fake.set_latency(Duration::from_millis(300));
    let capped = client(fake.config().with_max_concurrency(3));

    let results = join_all((0..12).map(|_| capped.fetch_inventory())).await;

    assert!(results.iter().all(Result::is_ok));
    assert_eq!(fake.api_requests().len(), 12);
    assert!(
        (1..=3).contains(&fake.max_in_flight()),
        "{}",
        fake.max_in_flight()
    );

    // The measure itself: without the cap, the calls overlap.
    let other = FakeZoho::start().await;
    other.add_products(1);
    other.set_latency(Duration::from_millis(300));
    let uncapped = client(other.config().with_max_concurrency(12));
    join_all((0..12).map(|_| uncapped.fetch_inventory())).await;
    assert!(other.max_in_flight() > 3, "{}", other.max_in_flight());
}

#[tokio::test]
async fn the_breaker_opens_after_repeated_500s_and_zoho_sees_nothing_while_open() {
    let fake = FakeZoho::start().await;
    fake.add_products(1);
    let breaker = BreakerConfig {
        failure_threshold: 3,
        open_for: Duration::from_secs(600),
        ..BreakerConfig::default()
    };
    let client = client(fake.config().with_breaker(breaker));
    for _ in 0..3 {
        fake.fail_next(ZohoFailure::ServerError);
    }

    for _ in 0..3 {
        let err = client.fetch_inventory().await.unwrap_err();
        assert!(matches!(err, ZohoError::Retryable { .. }), "{err:?}");
    }
    let refused = client.fetch_inventory().await.unwrap_err();

    assert!(
        matches!(refused, ZohoError::CircuitOpen { .. }),
        "{refused:?}"
    );
    assert!(refused.is_retryable());
    assert_eq!(fake.api_requests().len(), 3);
    assert_eq!(client.breaker().state, BreakerState::Open);
    assert_eq!(client.breaker().target, "zoho");
}

#[tokio::test]
async fn a_429_is_a_throttle_unless_the_credits_are_spent() {
    let fake = FakeZoho::start().await;
    fake.add_products(1);
    let client = client(fake.config());

    fake.fail_next(ZohoFailure::TooManyRequests);
    let throttled = client.fetch_inventory().await.unwrap_err();
    assert!(
        matches!(
            throttled,
            ZohoError::Throttled {
                scope: ThrottleScope::Concurrency,
                ..
            }
        ),
        "{throttled:?}"
    );
    assert_eq!(client.breaker().state, BreakerState::Closed);

    fake.fail_next(ZohoFailure::CreditsExhausted);
    let spent = client.fetch_inventory().await.unwrap_err();
    assert!(
        matches!(spent, ZohoError::CreditsExhausted { .. }),
        "{spent:?}"
    );
    assert_eq!(client.credits_remaining(), Some(0));
    assert_eq!(
        client.breaker().state,
        BreakerState::Open,
        "spent credits open the breaker at once"
    );
    let refused = client.fetch_inventory().await.unwrap_err();
    assert!(
        matches!(refused, ZohoError::CircuitOpen { .. }),
        "{refused:?}"
    );
    assert_eq!(fake.api_requests().len(), 2);
}
