//! A worker process killed with SIGKILL while it runs a job: a worker of
//! this process runs the job again after the lease, exactly once, as its
//! second attempt. (The contract's "dead worker" aborts a task; here the
//! whole process goes, with its connections.)
//!
//! The scenario is `../common/kill_scenario.rs`; the child is this test
//! binary run again (its ignored `child_worker` test) with the key prefix
//! in [`CHILD_PREFIX`].

use infra_redis::RedisConfig;
use infra_redis::jobs::RedisJobQueue;

use crate::jobs::JobsPrefix;

#[path = "../../../sql/tests/common/kill_scenario.rs"]
mod scenario;

/// Carries the key prefix to the child.
const CHILD_PREFIX: &str = "CAMPANILE_KILL_TEST_REDIS_PREFIX";

/// The child (see the module docs); ignored in normal runs, the scenario
/// runs it with `--ignored`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the SIGKILL scenario's child process; run by the scenario"]
async fn child_worker() {
    let Ok(prefix) = std::env::var(CHILD_PREFIX) else {
        panic!("run only as the SIGKILL scenario's child (its variable is unset)");
    };
    let url =
        std::env::var("REDIS_URL").unwrap_or_else(|_| infra_redis::testing::REDIS_URL.to_owned());
    let queue = RedisJobQueue::connect(&RedisConfig::new(url).with_key_prefix(prefix))
        .await
        .unwrap();
    scenario::run_child(queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_process_is_killed_runs_again_once_elsewhere() {
    // A fresh prefix, its keys deleted when it drops (also on failure).
    let prefix = JobsPrefix::new();
    let queue = prefix.queue().await;
    scenario::killed_and_rescued(&queue, CHILD_PREFIX, &prefix.prefix).await;
}
