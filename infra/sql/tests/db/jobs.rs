//! The database job queue meets the job-queue contract on both backends.

use infra_sql::jobs::DbJobQueue;

use infra_sql::testing::{Backend, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_queue_meets_the_contract_on_sqlite() {
    let db = TestDb::new(Backend::SqliteFile).await;
    framework::testing::contract::job_queue(DbJobQueue::new(db.db.clone())).await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_queue_meets_the_contract_on_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    framework::testing::contract::job_queue(DbJobQueue::new(db.db.clone())).await;
    db.drop().await;
}
