//! The BullMQ job queue meets the job-queue contract on a real server.

use framework::jobs::{JobOptions, JobQueue as _};
use infra_redis::RedisConfig;
use infra_redis::jobs::{RedisJobQueue, RedisJobQueueError};

/// A fresh key prefix for job queues, `campanile-test-{hex}`: BullMQ refuses
/// a `:` in a prefix, so not [`TestRedis`](crate::support::TestRedis)'s
/// `campanile-test:{hex}`. Its keys are deleted when it is dropped, so also
/// when a test fails.
pub(crate) struct JobsPrefix {
    url: String,
    pub(crate) prefix: String,
}

impl JobsPrefix {
    pub(crate) fn new() -> Self {
        let url = std::env::var("REDIS_URL")
            .unwrap_or_else(|_| infra_redis::testing::REDIS_URL.to_owned());
        let prefix = format!("campanile-test-{}", framework::testing::random_tag());
        Self { url, prefix }
    }

    pub(crate) fn config(&self) -> RedisConfig {
        RedisConfig::new(self.url.clone()).with_key_prefix(self.prefix.clone())
    }

    pub(crate) async fn queue(&self) -> RedisJobQueue {
        RedisJobQueue::connect(&self.config())
            .await
            .expect("connect to redis (start it with scripts/services.sh)")
    }

    /// The keys of the server (all of them) that contain `part`.
    pub(crate) fn keys_containing(&self, part: &str) -> Vec<String> {
        let mut conn = redis::Client::open(self.url.as_str())
            .and_then(|c| c.get_connection())
            .expect("connect to redis");
        redis::cmd("KEYS")
            .arg(format!("*{part}*"))
            .query(&mut conn)
            .expect("KEYS")
    }
}

impl Drop for JobsPrefix {
    fn drop(&mut self) {
        crate::support::delete_prefix_blocking(&self.url, &self.prefix);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_job_queue_meets_the_contract() {
    let prefix = JobsPrefix::new();
    framework::testing::contract::job_queue(prefix.queue().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_key_lives_under_the_prefix() {
    // Arrange
    let prefix = JobsPrefix::new();
    let queue = prefix.queue().await;
    let name = format!("keys-{}", framework::testing::random_tag());

    // Act
    queue
        .enqueue(&name, "{\"order_id\":1}", &JobOptions::default())
        .await
        .unwrap();
    queue
        .enqueue(
            &name,
            "{\"order_id\":2}",
            &JobOptions::default().with_dedup_id("order:2"),
        )
        .await
        .unwrap();

    // Assert
    let keys = prefix.keys_containing(&name);
    assert!(!keys.is_empty());
    let outside: Vec<_> = keys
        .iter()
        .filter(|k| !k.starts_with(&format!("{}:{name}:", prefix.prefix)))
        .collect();
    assert!(outside.is_empty(), "keys outside the prefix: {outside:?}");
}

#[tokio::test]
async fn what_bullmq_cannot_hold_is_refused() {
    let prefix = JobsPrefix::new();
    let colon = RedisJobQueue::connect(&prefix.config().with_key_prefix("campanile-test:x")).await;
    assert!(
        matches!(colon, Err(RedisJobQueueError::KeyPrefix(_))),
        "{colon:?}"
    );

    let queue = prefix.queue().await;
    let not_json = queue
        .enqueue("jobs-refused", "not json", &JobOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            std::error::Error::source(&not_json)
                .and_then(|e| e.downcast_ref::<RedisJobQueueError>()),
            Some(RedisJobQueueError::Payload(_))
        ),
        "{not_json:?}"
    );
    for name in ["session", ""] {
        let refused = queue.enqueue(name, "1", &JobOptions::default()).await;
        assert!(refused.is_err(), "{name:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dedup_id_still_holds_after_its_job_ran() {
    // Regression guard: with BullMQ's plain dedup id, the id is forgotten
    // when the job finishes, and `order:42` enqueued again would run again.
    // Arrange: a job with a dedup id, run to completion.
    let prefix = JobsPrefix::new();
    let queue = prefix.queue().await;
    let name = format!("dedup-{}", framework::testing::random_tag());
    let options = JobOptions::default().with_dedup_id("order:42");
    let first = queue.enqueue(&name, "42", &options).await.unwrap();
    let (ran_tx, mut ran) = tokio::sync::mpsc::unbounded_channel();
    let handler = tower::service_fn(move |job: framework::jobs::Job| {
        let _ = ran_tx.send(job.id);
        async { Ok::<(), framework::jobs::JobError>(()) }
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker = tokio::spawn({
        let (queue, name) = (queue.clone(), name.clone());
        async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            let config = framework::jobs::WorkerConfig::default();
            queue.work(&name, handler, config, shutdown).await.unwrap();
        }
    });
    let ran_id = tokio::time::timeout(std::time::Duration::from_secs(5), ran.recv())
        .await
        .expect("the job runs")
        .unwrap();
    assert_eq!(&ran_id, first.id());

    // Act: the same dedup id once the job completed.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let again = queue.enqueue(&name, "42", &options).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _ = stop.send(());
    worker.await.unwrap();

    // Assert
    assert_eq!(
        again,
        framework::jobs::Enqueued::Duplicate(first.id().clone())
    );
    assert!(ran.try_recv().is_err(), "and it did not run again");
}
