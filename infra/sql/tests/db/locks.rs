//! `Database::hold_key`: transactions holding one key run one after the
//! other on PostgreSQL (an advisory lock until the transaction ends).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use infra_sql::UnitOfWork;
use infra_sql::testing::{Backend, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_key_waits_for_the_holders_transaction_to_end() {
    let db = TestDb::new(Backend::Postgres).await;
    let first = UnitOfWork::new(&db.db);
    first
        .run(db.db.hold_key("messaging-limit:+14155238886"))
        .await
        .unwrap();
    let first_done = Arc::new(AtomicBool::new(false));

    // Another transaction on the same key waits; one on another key does not.
    let (pool, done) = (db.db.clone(), Arc::clone(&first_done));
    let same = tokio::spawn(async move {
        let uow = UnitOfWork::new(&pool);
        uow.run(pool.hold_key("messaging-limit:+14155238886"))
            .await
            .unwrap();
        let after_first = done.load(Ordering::SeqCst);
        uow.commit().await.unwrap();
        after_first
    });
    let pool = db.db.clone();
    let other = tokio::spawn(async move {
        let uow = UnitOfWork::new(&pool);
        uow.run(pool.hold_key("messaging-limit:+919800000000"))
            .await
            .unwrap();
        uow.commit().await.unwrap();
    });
    tokio::time::timeout(Duration::from_secs(10), other)
        .await
        .expect("another key is not held up")
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!same.is_finished(), "the same key waits for the first");
    first_done.store(true, Ordering::SeqCst);
    first.commit().await.unwrap();
    assert!(
        same.await.unwrap(),
        "it got the key only once the first transaction ended"
    );
    db.drop().await;
}

#[tokio::test]
async fn outside_a_transaction_or_on_sqlite_it_holds_nothing() {
    for backend in [Backend::SqliteFile, Backend::Postgres] {
        let db = TestDb::new(backend).await;
        db.db.hold_key("k").await.unwrap();
        db.db.hold_key("k").await.unwrap();
        let uow = UnitOfWork::new(&db.db);
        uow.run(db.db.hold_key("k")).await.unwrap();
        uow.commit().await.unwrap();
        db.drop().await;
    }
}
