use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use framework::message::Content;
use framework::{InboundMessage, Response};
use infra_providers::render::RenderConfig;

use crate::{Database, DatabaseSettings};
use tokio::sync::Notify;
use tower::util::BoxCloneSyncService;

use super::*;

/// A migrated in-memory message log and its inbox queue.
async fn fresh_log() -> (Database, InboxQueue) {
    let db = Database::connect(&DatabaseSettings::in_memory())
        .await
        .unwrap();
    db.migrate().await.unwrap();
    let queue = InboxQueue::new(db.clone());
    (db, queue)
}

/// A terminal-chat text from `phone`.
fn text_from(phone: &str, body: &str) -> InboundMessage {
    InboundMessage::new(
        Provider::Local,
        framework::doc::fresh_id(),
        framework::doc::key_for(phone),
        Content::Text {
            body: body.to_owned(),
        },
    )
}

#[tokio::test]
async fn a_flood_runs_at_most_the_turn_limit_at_once_and_every_message_runs() {
    // Regression (issue 12): every webhook started its turn at once, and
    // under a flood the turns took every database connection from the
    // dispatcher (replies all but stopped until the flood was over).
    let (db, queue) = fresh_log().await;
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let ran = Arc::new(AtomicUsize::new(0));
    let pipeline = {
        let (running, most, ran) = (Arc::clone(&running), Arc::clone(&most), Arc::clone(&ran));
        BoxCloneSyncService::new(tower::service_fn(move |_msg: InboundMessage| {
            let (running, most, ran) = (Arc::clone(&running), Arc::clone(&most), Arc::clone(&ran));
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                ran.fetch_add(1, Ordering::SeqCst);
                Ok::<_, Infallible>(Response::reply("ok"))
            }
        }))
    };
    // A poll far longer than the test: only a freed slot wakes the sweep.
    let inbox = Inbox::new(
        queue.clone(),
        DbOutbox::new(db, RenderConfig::default()),
        pipeline,
        InboxConfig {
            turns: 3,
            poll: Duration::from_secs(600),
            ..InboxConfig::default()
        },
    );
    let stop = Arc::new(Notify::new());
    let sweeps = tokio::spawn(inbox.clone().run_sweeps({
        let stop = Arc::clone(&stop);
        async move { stop.notified().await }
    }));

    // Act: 20 customers' messages recorded, each starting its drain as
    // a webhook does.
    let customers = 20;
    for i in 0..customers {
        let msg = text_from(&format!("+9198000005{i:02}"), "hi");
        queue.record(&msg).await.unwrap();
        inbox.spawn_drain(msg.provider(), msg.key().clone());
    }

    // Assert: every message ran, never more than three at once.
    for _ in 0..500 {
        if ran.load(Ordering::SeqCst) == customers {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(ran.load(Ordering::SeqCst), customers);
    assert!(
        most.load(Ordering::SeqCst) <= 3,
        "{} turns ran at once",
        most.load(Ordering::SeqCst)
    );
    stop.notify_one();
    tokio::time::timeout(Duration::from_secs(10), sweeps)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_turn_longer_than_its_lease_keeps_its_claim() {
    // The lease is 300 ms and the turn runs 1.2 s: renewed while it
    // runs, the message cannot be claimed beside it.
    let (db, queue) = fresh_log().await;
    let msg = text_from("+919800000600", "slow");
    queue.record(&msg).await.unwrap();
    let pipeline = BoxCloneSyncService::new(tower::service_fn(|_msg: InboundMessage| async {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        Ok::<_, Infallible>(Response::reply("ok"))
    }));
    let inbox = Inbox::new(
        queue.clone(),
        DbOutbox::new(db.clone(), RenderConfig::default()),
        pipeline,
        InboxConfig {
            lease: Duration::from_millis(300),
            ..InboxConfig::default()
        },
    );
    let head = queue
        .head(msg.provider(), msg.key())
        .await
        .unwrap()
        .unwrap();

    let drain = tokio::spawn({
        let inbox = inbox.clone();
        let key = msg.key().clone();
        async move { inbox.drain(Provider::Local, &key).await }
    });
    tokio::time::sleep(Duration::from_millis(900)).await;
    let beside = queue
        .claim(head.id, db.clock().ms_after(Duration::from_secs(60)))
        .await
        .unwrap();
    drain.await.unwrap();

    assert_eq!(
        beside, None,
        "a running turn keeps its claim past its lease"
    );
}

#[tokio::test]
async fn a_slow_turn_holds_its_own_queue_not_the_sweeps_others() {
    // Regression (issue 12): a sweep ran its queues in batches of eight
    // and waited for a batch's slowest turn before starting the next.
    let (db, queue) = fresh_log().await;
    let customers = SWEEP_CONCURRENCY + 4;
    for i in 0..customers {
        let body = if i == 0 { "slow" } else { "fast" };
        let msg = text_from(&format!("+9198000004{i:02}"), body);
        queue.record(&msg).await.unwrap();
    }
    let release = Arc::new(Notify::new());
    let fast = Arc::new(AtomicUsize::new(0));
    let pipeline = {
        let (release, fast) = (Arc::clone(&release), Arc::clone(&fast));
        BoxCloneSyncService::new(tower::service_fn(move |msg: InboundMessage| {
            let (release, fast) = (Arc::clone(&release), Arc::clone(&fast));
            async move {
                if msg.text() == Some("slow") {
                    release.notified().await;
                } else {
                    fast.fetch_add(1, Ordering::SeqCst);
                }
                Ok::<_, Infallible>(Response::reply("ok"))
            }
        }))
    };
    let inbox = Inbox::new(
        queue,
        DbOutbox::new(db, RenderConfig::default()),
        pipeline,
        InboxConfig::default(),
    );
    let sweep = tokio::spawn({
        let inbox = inbox.clone();
        async move { inbox.sweep().await }
    });

    // Every other queue runs while the slow turn holds its own.
    for _ in 0..200 {
        if fast.load(Ordering::SeqCst) == customers - 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(fast.load(Ordering::SeqCst), customers - 1);
    release.notify_one();
    let swept = tokio::time::timeout(Duration::from_secs(10), sweep)
        .await
        .expect("the sweep ends once the slow turn does")
        .unwrap();
    assert_eq!(swept, customers);
}

#[tokio::test]
async fn a_message_another_run_finished_gets_no_apology_from_this_one() {
    let (db, queue) = fresh_log().await;
    let outbox = DbOutbox::new(db.clone(), RenderConfig::default());
    let msg = text_from("+919800000700", "Cement x 100");
    queue.record(&msg).await.unwrap();
    // The first run committed its turn (and its mark) ...
    assert!(queue.mark_handled(&msg).await.unwrap());
    // ... while this one failed and would apologise.
    let apology = Response::failed(Some(framework::reply::Reply::text("Sorry, try again")));
    crate::inbound::turn::answer_without_turn(&queue, &outbox, &msg, apology)
        .await
        .unwrap();

    let log = crate::messages::MessageQueries::new(db.clone())
        .recent(None, 10)
        .await
        .unwrap();
    assert_eq!(
        log.len(),
        1,
        "only the inbound row: no apology stored: {log:?}"
    );

    // A message nobody finished gets its apology, and its mark.
    let other = text_from("+919800000701", "Cement x 100");
    queue.record(&other).await.unwrap();
    let apology = Response::failed(Some(framework::reply::Reply::text("Sorry, try again")));
    crate::inbound::turn::answer_without_turn(&queue, &outbox, &other, apology)
        .await
        .unwrap();
    let log = crate::messages::MessageQueries::new(db)
        .recent(None, 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 3, "the apology stored: {log:?}");
    assert!(!queue.mark_handled(&other).await.unwrap(), "and marked");
}

#[tokio::test]
async fn a_pipeline_without_the_turn_commit_still_finishes_its_messages() {
    // Regression: the inbox took every handler's answer for one the turn
    // commit had marked; a bot without `TurnCommit` left its messages
    // unfinished, so each ran again after every lease and held back its
    // conversation's later messages for good.
    let (db, queue) = fresh_log().await;
    let runs = Arc::new(AtomicUsize::new(0));
    let pipeline = {
        let runs = Arc::clone(&runs);
        BoxCloneSyncService::new(tower::service_fn(move |msg: InboundMessage| {
            runs.fetch_add(1, Ordering::SeqCst);
            let answer = match msg.text() {
                Some("quiet") => Response::empty(),
                Some("sticker") => Response::ignored(),
                _ => Response::reply("ok"),
            };
            std::future::ready(Ok::<_, Infallible>(answer))
        }))
    };
    let inbox = Inbox::new(
        queue.clone(),
        DbOutbox::new(db, RenderConfig::default()),
        pipeline,
        InboxConfig::default(),
    );
    let customer = "+919800000700";
    for text in ["quiet", "sticker", "hello"] {
        queue.record(&text_from(customer, text)).await.unwrap();
    }

    inbox
        .drain(Provider::Local, &framework::doc::key_for(customer))
        .await;

    assert_eq!(
        runs.load(Ordering::SeqCst),
        3,
        "each message ran once, in turn"
    );
    assert!(
        queue.runnable_heads(10).await.unwrap().is_empty(),
        "every message is finished"
    );
    assert_eq!(inbox.sweep().await, 0, "nothing to run again");
    assert_eq!(runs.load(Ordering::SeqCst), 3);
}
