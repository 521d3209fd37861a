//! A worker process killed with SIGKILL while it runs a job of the table
//! queue on PostgreSQL: a worker of this process runs the job again after
//! the lease, exactly once, as its second attempt. (The contract's "dead
//! worker" aborts a task; here the whole process goes, with its
//! connections.)
//!
//! The scenario is `../common/kill_scenario.rs`; the child is this test
//! binary run again (its ignored `child_worker` test) with the database's
//! URL in [`CHILD_DATABASE`].

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt as _;
use infra_sql::jobs::DbJobQueue;
use infra_sql::{Database, DatabaseSettings};

use infra_sql::testing::{Backend, TestDb};

#[path = "../common/kill_scenario.rs"]
mod scenario;

/// Carries the database's URL to the child.
const CHILD_DATABASE: &str = "CAMPANILE_KILL_TEST_DATABASE_URL";

/// The child (see the module docs); ignored in normal runs, the scenario
/// runs it with `--ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the SIGKILL scenario's child process; run by the scenario"]
async fn child_worker() {
    let Ok(url) = std::env::var(CHILD_DATABASE) else {
        panic!("run only as the SIGKILL scenario's child (its variable is unset)");
    };
    let db = Database::connect(&DatabaseSettings::new(Some(&url)).with_max_connections(2))
        .await
        .unwrap();
    scenario::run_child(DbJobQueue::new(db)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_process_is_killed_runs_again_once_elsewhere_on_postgres() {
    let db = TestDb::new(Backend::Postgres).await;
    let queue = DbJobQueue::new(db.db.clone());
    let url = db.settings().url().to_owned();
    // The database goes also when the scenario fails.
    let outcome = AssertUnwindSafe(scenario::killed_and_rescued(&queue, CHILD_DATABASE, &url))
        .catch_unwind()
        .await;
    db.drop().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
