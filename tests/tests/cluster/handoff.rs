//! A customer handed to a person, across two instances: "talk to a person"
//! on one instance opens the handoff, and from then on neither instance's
//! bot answers them (their messages are recorded and handled in silence)
//! until an operator, on either instance's API, gives them back; the
//! operator's reply goes out meanwhile, and STOP is answered throughout.
//!
//! The instances share one database and one Redis prefix
//! ([`Cluster`](super::Cluster)): the handoff is in the database, so it
//! holds whichever instance runs a turn or answers an API call.

use std::time::Duration;

use axum::body::Body;
use features::shared::CustomerPhone;
use framework::testing::twilio::TwilioWebhook;
use http::{Request, StatusCode};
use infra_sql::messages::{Direction, InboundStatus, LogEntry};
use serde_json::{Value, json};

use super::{Cluster, customer};
use crate::support::{BUSINESS, Bot, send, wait_for, wait_for_async};

const ADMIN: &str = "cluster-admin-token-0123456789";

/// Instances A and B.
const A: usize = 0;
const B: usize = 1;

/// The whole scenario's bound: it ends by itself even if something hangs.
const BOUND: Duration = Duration::from_secs(60);

/// A call to the operator API of `bot`, with the admin token.
async fn api(bot: &Bot, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {ADMIN}"));
    let request = match body {
        Some(json) => request
            .header("content-type", "application/json")
            .body(Body::from(json.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let (status, text) = send(bot.addr, request).await;
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

/// The items of a `GET /api/handoffs…` page from `bot`.
async fn handoffs(bot: &Bot, query: &str) -> Vec<Value> {
    let (status, page) = api(bot, "GET", &format!("/api/handoffs{query}"), None).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// A text of the bot's, in the default language.
fn said(cluster: &Cluster, id: &str) -> String {
    let texts = &cluster.bots[A].services.shop.texts;
    texts.get(texts.default_locale(), id, &[])
}

/// `who`'s rows of the message log, oldest first.
async fn log_of(bot: &Bot, who: &str) -> Vec<LogEntry> {
    let mut rows = bot.services.messages.recent(Some(who), 500).await.unwrap();
    rows.reverse();
    rows
}

fn outbound(rows: &[LogEntry]) -> usize {
    rows.iter()
        .filter(|r| r.direction() == Direction::Out)
        .count()
}

/// `who` says `text` to instance `i`; returns once the message is handled
/// (its turn committed: any reply it made is in the log by then, as a
/// pending outbound row, since replies commit with the handled mark) and
/// returns `who`'s log at that point.
async fn say_and_wait_handled(cluster: &Cluster, i: usize, who: &str, text: &str) -> Vec<LogEntry> {
    let hook = TwilioWebhook::text(who, BUSINESS, text);
    assert_eq!(cluster.deliver(i, &hook).await, StatusCode::OK, "{text:?}");
    let sid = hook.sid().to_owned();
    let bot = &cluster.bots[i];
    wait_for_async(|| async {
        let rows = log_of(bot, who).await;
        rows.iter()
            .any(|r| {
                r.direction() == Direction::In
                    && r.provider_message_id.as_deref() == Some(sid.as_str())
                    && r.status == InboundStatus::Handled
            })
            .then_some(rows)
    })
    .await
    .unwrap_or_else(|| panic!("{text:?} from {who} was never handled"))
}

/// Waits until `who` got `n` chat texts; returns them.
async fn texts(cluster: &Cluster, who: &str, n: usize) -> Vec<String> {
    wait_for(|| {
        let t = cluster.chat_texts(who);
        (t.len() >= n).then_some(t)
    })
    .await
    .unwrap_or_else(|| {
        panic!(
            "{who} got fewer than {n} texts: {:?}",
            cluster.chat_texts(who)
        )
    })
}

/// Says `text` in silence: handled, no reply stored for it, none sent.
async fn say_unanswered(cluster: &Cluster, i: usize, who: &str, text: &str) {
    let before_log = outbound(&log_of(&cluster.bots[i], who).await);
    let before_sent = cluster.chat_texts(who);
    let rows = say_and_wait_handled(cluster, i, who, text).await;
    assert_eq!(
        outbound(&rows),
        before_log,
        "{text:?} while handed off: the bot stores no reply: {rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.direction() == Direction::In && r.body.as_deref() == Some(text)),
        "{text:?} is in the message log: {rows:?}"
    );
    // Nothing was pending either: nothing reaches the provider.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        cluster.chat_texts(who),
        before_sent,
        "{text:?} while handed off: no reply sent"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_handoff_with_two_instances_keeps_the_bot_silent_until_release() {
    tokio::time::timeout(BOUND, scenario())
        .await
        .expect("the handoff scenario ends within its bound");
}

async fn scenario() {
    let cluster = Cluster::start_with(2, |s| {
        s.api.admin_token = Some(ADMIN.into());
        s.support.language_on_first_contact = false;
        s.support.profile_before_first_order = false;
    })
    .await;
    let who = customer(7_001);
    let greeting = said(&cluster, "greeting");
    let greeting_start = greeting.lines().next().unwrap().to_owned();

    // 1. The bot answers.
    say_and_wait_handled(&cluster, A, &who, "hi").await;
    let sent = texts(&cluster, &who, 1).await;
    assert!(sent[0].contains(&greeting_start), "the greeting: {sent:?}");

    // 2. A person is asked for, on A.
    say_and_wait_handled(&cluster, A, &who, "talk to a person").await;
    let sent = texts(&cluster, &who, 2).await;
    assert_eq!(sent[1], said(&cluster, "handoff-opened"), "{sent:?}");

    // 3. On B: an order and a question, both unanswered.
    say_unanswered(&cluster, B, &who, "Cement x 100").await;
    say_unanswered(&cluster, B, &who, "hello?").await;
    let queue = handoffs(&cluster.bots[A], "").await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["customer"], who.as_str(), "{queue:?}");
    assert_eq!(queue[0]["status"], "waiting", "{queue:?}");
    assert_eq!(queue[0]["reason"], "customer_asked", "{queue:?}");
    assert!(
        cluster.bots[A].orders_of(&who).await.is_empty(),
        "no order from a handed-off customer's message"
    );

    // 4. The operator answers on B.
    let (status, body) = api(
        &cluster.bots[B],
        "POST",
        &format!("/api/conversations/{who}/messages"),
        Some(json!({"text": "Hi, Priya from the shop here", "operator": "Priya"})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(body["status"], "queued", "{body}");
    assert_eq!(body["handoff"]["status"], "active", "{body}");
    assert_eq!(body["handoff"]["operator"], "Priya", "{body}");
    let sent = texts(&cluster, &who, 3).await;
    assert_eq!(sent[2], "Hi, Priya from the shop here", "{sent:?}");
    let queue = handoffs(&cluster.bots[A], "").await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0]["status"], "active", "{queue:?}");
    assert_eq!(queue[0]["operator"], "Priya", "{queue:?}");

    // 5. The customer answers the person, on A: still no bot.
    say_unanswered(&cluster, A, &who, "ok thanks").await;
    assert_eq!(cluster.chat_texts(&who).len(), 3);

    // 6. The operator releases on A; the customer is told.
    let (status, body) = api(
        &cluster.bots[A],
        "POST",
        &format!("/api/handoffs/{who}/release"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "released", "{body}");
    assert_eq!(body["released_by"], "operator", "{body}");
    let sent = texts(&cluster, &who, 4).await;
    assert_eq!(sent[3], said(&cluster, "handoff-released"), "{sent:?}");
    assert!(
        handoffs(&cluster.bots[A], "").await.is_empty(),
        "nothing open"
    );
    let all = handoffs(&cluster.bots[B], "?status=all").await;
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0]["status"], "released", "{all:?}");
    assert_eq!(all[0]["released_by"], "operator", "{all:?}");
    assert_eq!(all[0]["operator"], "Priya", "{all:?}");
    let (status, body) = api(
        &cluster.bots[B],
        "POST",
        &format!("/api/handoffs/{who}/release"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "released once: {body}");

    // 7. The bot answers again, on B.
    say_and_wait_handled(&cluster, B, &who, "hi").await;
    let sent = texts(&cluster, &who, 5).await;
    assert!(sent[4].contains(&greeting_start), "the greeting: {sent:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        cluster.chat_texts(&who),
        [
            sent[0].clone(),
            said(&cluster, "handoff-opened"),
            "Hi, Priya from the shop here".to_owned(),
            said(&cluster, "handoff-released"),
            sent[4].clone(),
        ],
        "exactly these, once each"
    );

    // STOP is answered while handed off (another customer).
    let other = customer(7_002);
    say_and_wait_handled(&cluster, B, &other, "talk to a person").await;
    let sent = texts(&cluster, &other, 1).await;
    assert_eq!(sent[0], said(&cluster, "handoff-opened"), "{sent:?}");
    say_and_wait_handled(&cluster, A, &other, "STOP").await;
    let sent = texts(&cluster, &other, 2).await;
    assert!(
        sent[1].contains(&said(&cluster, "opted-out")),
        "STOP is confirmed while handed off: {sent:?}"
    );
    let phone = CustomerPhone::parse(&other).unwrap();
    assert!(
        !cluster.bots[B]
            .services
            .shop
            .customers
            .may_receive_marketing(&phone)
            .await
            .unwrap(),
        "the opt-out is recorded"
    );
    let queue = handoffs(&cluster.bots[B], "").await;
    assert!(
        queue
            .iter()
            .any(|h| h["customer"] == other.as_str() && h["status"] == "waiting"),
        "STOP leaves the handoff open: {queue:?}"
    );
    say_unanswered(&cluster, B, &other, "hello?").await;
    cluster.stop().await;
}
