//! The shop's repositories against their contracts, on SQLite and on a
//! real PostgreSQL server (a fresh database per test, dropped afterwards),
//! and the shop's schema history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod customers;
mod delivery;
mod handoff;
mod invoices;
mod migrations;
mod pdf;
mod reminders;
mod rules;

use infra_shop::Migrator;
use infra_shop::campaigns::DbCampaignRepository;
use infra_shop::orders::DbOrderRepository;
use infra_shop::products::DbProductRepository;
use infra_sql::testing::{Backend, TestDb};

async fn campaigns_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    features::testing::contract::campaign_repository(DbCampaignRepository::new(db.db.clone()))
        .await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_repository_contract_on_sqlite() {
    campaigns_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_repository_contract_on_postgres() {
    campaigns_on(Backend::Postgres).await;
}

async fn products_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    features::testing::contract::product_repository(DbProductRepository::new(db.db.clone())).await;
    db.drop().await;
}

async fn orders_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    features::testing::contract::order_repository(
        DbProductRepository::new(db.db.clone()),
        DbOrderRepository::new(db.db.clone()),
    )
    .await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_repository_contract_on_sqlite() {
    products_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn product_repository_contract_on_postgres() {
    products_on(Backend::Postgres).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_repository_contract_on_sqlite() {
    orders_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_repository_contract_on_postgres() {
    orders_on(Backend::Postgres).await;
}

#[tokio::test]
async fn migrations_are_idempotent_and_listed() {
    let db = TestDb::migrated_with::<Migrator>(Backend::SqliteFile).await;
    db.db.migrate_with::<Migrator>().await.unwrap();
    db.db.migrate_with::<Migrator>().await.unwrap();
    let applied = db.db.applied_migrations::<Migrator>().await.unwrap();
    assert_eq!(
        applied,
        [
            "m0001_shop_schema",
            "m0002_inbox",
            "m0003_jobs",
            "m0004_invoices",
            "m0005_reminders",
            "m0006_queue_order",
            "m0007_jobs_order",
            "m0008_send_outcomes",
            "m0009_catalog_sync",
            "m0010_deferred_sends",
            "m0011_customers_consent",
            "m0012_campaigns",
            "m0013_message_pricing",
            "m0014_withdrawn_keys",
            "m0015_rules",
            "m0016_handoffs",
            "m0017_customer_details",
            "m0018_invoice_buyer"
        ],
        "each migration applied once"
    );
    db.drop().await;
}

#[tokio::test]
async fn a_sqlite_file_is_created_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let settings = infra_sql::DatabaseSettings::new(Some(&url));
    let db = infra_sql::Database::connect(&settings).await.unwrap();
    db.migrate_with::<Migrator>().await.unwrap();
    let repo = DbProductRepository::new(db.clone());
    use features::catalog::ProductRepository as _;
    repo.upsert(features::catalog::demo::products(), false)
        .await
        .unwrap();
    db.close().await;
    assert!(path.exists(), "the file is created");

    let db = infra_sql::Database::connect(&settings).await.unwrap();
    db.migrate_with::<Migrator>().await.unwrap();
    let count = DbProductRepository::new(db.clone()).count().await.unwrap();
    assert_eq!(count, features::catalog::demo::products().len() as u64);
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_on_postgres_take_turns() {
    // Regression: two instances starting together on a fresh database both
    // created the tables and one failed.
    let db = TestDb::new_unmigrated(Backend::Postgres).await;
    let settings = db.settings();
    let runs = (0..3).map(|_| {
        let settings = settings.clone();
        tokio::spawn(async move {
            let db = infra_sql::Database::connect(&settings).await.unwrap();
            let result = db.migrate_with::<Migrator>().await;
            db.close().await;
            result
        })
    });
    for run in runs {
        run.await
            .unwrap()
            .expect("every concurrent migrate succeeds");
    }
    assert_eq!(
        db.db.applied_migrations::<Migrator>().await.unwrap(),
        [
            "m0001_shop_schema",
            "m0002_inbox",
            "m0003_jobs",
            "m0004_invoices",
            "m0005_reminders",
            "m0006_queue_order",
            "m0007_jobs_order",
            "m0008_send_outcomes",
            "m0009_catalog_sync",
            "m0010_deferred_sends",
            "m0011_customers_consent",
            "m0012_campaigns",
            "m0013_message_pricing",
            "m0014_withdrawn_keys",
            "m0015_rules",
            "m0016_handoffs",
            "m0017_customer_details",
            "m0018_invoice_buyer"
        ]
    );
    db.drop().await;
}

async fn sync_marks_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    let marks = infra_shop::sync_marks::CATALOG;
    assert_eq!(
        infra_shop::sync_marks::last(&db.db, marks).await.unwrap(),
        None
    );
    let first = infra_shop::sync_marks::mark(&db.db, marks).await.unwrap();
    assert_eq!(
        infra_shop::sync_marks::last(&db.db, marks).await.unwrap(),
        Some(first)
    );
    let second = infra_shop::sync_marks::mark(&db.db, marks).await.unwrap();
    assert!(second >= first);
    assert_eq!(
        infra_shop::sync_marks::last(&db.db, marks).await.unwrap(),
        Some(second)
    );
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_marks_on_sqlite() {
    sync_marks_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_marks_on_postgres() {
    sync_marks_on(Backend::Postgres).await;
}
