//! The shop on Zoho CRM (a `FakeZoho`): the catalog synced from Zoho's
//! products, orders upserted into Sales_Orders by their number, and the
//! last synced catalog serving while Zoho is down; on a real database
//! (PostgreSQL or a SQLite file).

use std::time::{Duration, Instant};

use bot::config::Settings;
use features::catalog::SyncCounts;
use infra_providers::testing::{
    FAKE_ZOHO_CLIENT_ID, FAKE_ZOHO_CLIENT_SECRET, FAKE_ZOHO_REFRESH_TOKEN, FakeZoho, ZohoFailure,
};
use infra_sql::testing::{Backend, TestDb};
use serde_json::{Value, json};

use crate::support::{Bot, spawn_bot_with};

/// How long a job (with one retry after 2 s) may take.
const JOB_PATIENCE: Duration = Duration::from_secs(40);

fn with_zoho(settings: &mut Settings, zoho: &FakeZoho, db: &TestDb) {
    settings.database = db.settings();
    settings.zoho.client_id = Some(FAKE_ZOHO_CLIENT_ID.to_owned());
    settings.zoho.client_secret = Some(FAKE_ZOHO_CLIENT_SECRET.into());
    settings.zoho.refresh_token = Some(FAKE_ZOHO_REFRESH_TOKEN.into());
    settings.zoho.accounts_base = zoho.base_url();
    settings.zoho.api_base = zoho.base_url();
    // One sync as the workers start; the tests sync by hand after that.
    settings.zoho.sync_every = Duration::from_secs(24 * 3600);
}

fn marble(zoho: &FakeZoho) {
    zoho.add_record(
        "Products",
        json!({
            "Product_Name": "Marble Tile",
            "Product_Code": "TILE-9",
            "Unit_Price": 45.5,
            "Qty_in_Stock": 100.0,
            "Product_Active": true,
        }),
    );
}

/// Polls `check` until it returns `Some`, for at most [`JOB_PATIENCE`].
async fn eventually<T, F>(what: &str, mut check: impl FnMut() -> F) -> T
where
    F: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(start.elapsed() < JOB_PATIENCE, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn readyz(bot: &Bot) -> Value {
    let (_, body) = bot.get("/readyz").await;
    serde_json::from_str(&body).unwrap()
}

fn sales_orders(zoho: &FakeZoho) -> Vec<Value> {
    zoho.records("Sales_Orders")
}

async fn a_zoho_only_product_is_ordered_and_its_order_synced_once(backend: Backend) {
    // Arrange: Zoho lists a product the local catalog does not have.
    let zoho = FakeZoho::start().await;
    marble(&zoho);
    let db = TestDb::migrated_with::<infra_shop::Migrator>(backend).await;
    let bot = spawn_bot_with(|s| with_zoho(s, &zoho, &db)).await;

    // The workers' first sync: /readyz says when.
    let ready = eventually("the first catalog sync", || async {
        let ready = readyz(&bot).await;
        ready["catalog"]["catalog_synced_at"]
            .is_string()
            .then_some(ready)
    })
    .await;
    assert!(ready["catalog"]["age_seconds"].is_u64(), "{ready}");

    // Act: the customer orders it.
    let summary = bot.ask_twilio("marble tile x 2").await;
    assert!(summary.contains("Marble Tile"), "{summary}");
    assert!(summary.contains("₹91"), "{summary}");
    let confirmed = bot.ask_twilio("1").await;
    assert!(confirmed.contains("Order confirmed"), "{confirmed}");

    // Assert: one Sales Order, keyed by the order number.
    let orders = eventually("the order in Zoho", || async {
        let orders = sales_orders(&zoho);
        (!orders.is_empty()).then_some(orders)
    })
    .await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0]["Subject"], "ORD-00001");
    assert_eq!(orders[0]["Status"], "Created");

    // Cancelled: the same record, updated.
    let cancelled = bot.ask_twilio("cancel order ORD-00001").await;
    assert!(cancelled.contains("ORD-00001"), "{cancelled}");
    eventually("the cancellation in Zoho", || async {
        let orders = sales_orders(&zoho);
        (orders.len() == 1 && orders[0]["Status"] == "Cancelled").then_some(())
    })
    .await;
    assert_eq!(sales_orders(&zoho).len(), 1, "one record per order");

    bot.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zoho_only_product_is_ordered_and_its_order_synced_once_on_postgres() {
    a_zoho_only_product_is_ordered_and_its_order_synced_once(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_zoho_down_the_synced_catalog_serves_and_order_syncs_complete_later() {
    // Arrange: a first sync went through.
    let zoho = FakeZoho::start().await;
    marble(&zoho);
    let db = TestDb::migrated_with::<infra_shop::Migrator>(Backend::SqliteFile).await;
    let bot = spawn_bot_with(|s| with_zoho(s, &zoho, &db)).await;
    eventually("the first catalog sync", || async {
        readyz(&bot).await["catalog"]["catalog_synced_at"]
            .is_string()
            .then_some(())
    })
    .await;
    let services = &bot.services;
    let synced = infra_shop::sync_marks::last(&services.db, infra_shop::sync_marks::CATALOG)
        .await
        .unwrap();

    // Act: Zoho fails the next sync and the order's first sync.
    zoho.fail_next(ZohoFailure::ServerError);
    zoho.fail_next(ZohoFailure::ServerError);
    let Some(client) = services.zoho.as_ref() else {
        panic!("Zoho is configured");
    };
    let failed = bot::zoho::sync_catalog(client, &services.shop.catalog, &services.db, |_| {})
        .await
        .unwrap_err();
    assert!(failed.is_retryable(), "{failed:?}");

    // Assert: the synced catalog still serves, the order confirms.
    let summary = bot.ask_twilio("marble tile x 3").await;
    assert!(summary.contains("Marble Tile"), "{summary}");
    let confirmed = bot.ask_twilio("1").await;
    assert!(confirmed.contains("Order confirmed"), "{confirmed}");
    assert_eq!(
        infra_shop::sync_marks::last(&services.db, infra_shop::sync_marks::CATALOG)
            .await
            .unwrap(),
        synced,
        "a failed sync records nothing"
    );
    // The retried job (Zoho back) creates one Sales Order.
    let orders = eventually("the order in Zoho after a retry", || async {
        let orders = sales_orders(&zoho);
        (!orders.is_empty()).then_some(orders)
    })
    .await;
    assert_eq!(orders.len(), 1, "{orders:?}");
    assert_eq!(orders[0]["Subject"], "ORD-00001");
    let upserts = zoho
        .api_requests()
        .iter()
        .filter(|r| r.path.ends_with("/Sales_Orders/upsert"))
        .count();
    assert!(
        upserts >= 2,
        "the first attempt failed, the retry wrote: {upserts}"
    );

    bot.stop().await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_sync_counts_what_it_did() {
    // Arrange: Zoho lists three new products, one the demo catalog has
    // (with another price), one without a code; the bot syncs at start.
    let zoho = FakeZoho::start().await;
    zoho.add_products(3);
    zoho.add_record(
        "Products",
        json!({
            "Product_Name": "Cement",
            "Product_Code": "CEM-OPC53",
            "Unit_Price": 360,
            "Qty_in_Stock": 500,
            "Product_Active": true,
        }),
    );
    zoho.add_record(
        "Products",
        json!({"Product_Name": "No code", "Unit_Price": 1, "Product_Active": true}),
    );
    let db = TestDb::migrated_with::<infra_shop::Migrator>(Backend::SqliteFile).await;
    // Settings without Zoho's workers: the sync below is the first.
    let bot = spawn_bot_with(|s| {
        with_zoho(s, &zoho, &db);
        s.workers.run = false;
    })
    .await;
    let services = &bot.services;
    let Some(client) = services.zoho.as_ref() else {
        panic!("Zoho is configured");
    };

    // Act
    let mut pages = 0;
    let first = bot::zoho::sync_catalog(client, &services.shop.catalog, &services.db, |_| {
        pages += 1;
    })
    .await
    .unwrap();
    let again = bot::zoho::sync_catalog(client, &services.shop.catalog, &services.db, |_| {})
        .await
        .unwrap();

    // Assert
    assert_eq!(pages, 1);
    assert_eq!(first.fetched, 5);
    assert_eq!(
        first.outcome.counts,
        SyncCounts {
            added: 3,
            updated: 1,
            deactivated: 0,
            unchanged: 0
        }
    );
    assert_eq!(first.unusable.len(), 1, "{:?}", first.unusable);
    assert_eq!(
        again.outcome.counts,
        SyncCounts {
            added: 0,
            updated: 0,
            deactivated: 0,
            unchanged: 4
        }
    );
    let quote = services
        .shop
        .catalog
        .quote(&features::catalog::QuoteRequest::new("cement x 1"))
        .await
        .unwrap();
    assert_eq!(quote.total().minor(), 36_000, "Zoho's price");

    bot.stop().await;
    db.drop().await;
}
