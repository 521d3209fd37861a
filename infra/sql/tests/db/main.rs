//! The database implementations against their contracts, on SQLite and on a
//! real PostgreSQL server (a fresh database per test, dropped afterwards).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod inbox_queue;
mod jobs;
#[cfg(unix)]
mod kill;
mod locks;
mod messages;
mod outbox;
mod refused;
mod send_outcomes;
mod sender;

use framework::testing::time::Clock;
use infra_sql::sessions::DbSessionStore;
use infra_sql::testing::{Backend, TestDb};

async fn sessions_on(backend: Backend) {
    let db = TestDb::new(backend).await;
    framework::testing::contract::session_store(DbSessionStore::new(db.db.clone()), Clock::Real)
        .await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_store_contract_on_sqlite() {
    sessions_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_store_contract_on_postgres() {
    sessions_on(Backend::Postgres).await;
}

#[tokio::test]
async fn migrations_are_idempotent_and_listed() {
    let db = TestDb::new(Backend::SqliteFile).await;
    db.db.migrate().await.unwrap();
    let applied = db
        .db
        .applied_migrations::<infra_sql::migrations::Migrator>()
        .await
        .unwrap();
    assert_eq!(
        applied,
        [
            "m0001_message_log",
            "m0002_inbox",
            "m0003_jobs",
            "m0006_queue_order",
            "m0007_jobs_order",
            "m0008_send_outcomes",
            "m0010_deferred_sends",
            "m0013_message_pricing",
            "m0014_withdrawn_keys"
        ],
        "each migration applied once"
    );
    db.drop().await;
}
