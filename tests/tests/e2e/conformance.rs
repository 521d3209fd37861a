//! The conformance corpus (`tests/data/conformance`, listed in its
//! `SOURCES.md`): 160 webhook payloads that other projects and the providers
//! published, each replayed through the running bot's real routes.
//!
//! For every payload, with a fresh sender and fresh message ids:
//!
//! 1. a forged signature gets 403 and records nothing;
//! 2. the genuine, correctly signed request gets 2xx; every message with a
//!    sender is recorded once and finished by a turn (Meta's timestamps are
//!    moved to now, so no message is answered as stale here; the second
//!    test sends them as published), every status kept, a message without a
//!    phone number recorded once as unsupported and never run;
//! 3. a repeat of the same bytes gets 2xx and no second turn: still one
//!    inbound row per message id, handled, and no new replies.
//!
//! Payloads run concurrently (bounded); failures are collected per file and
//! reported together.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use framework::provider::twilio::compute_signature;
use framework::testing::meta::meta_json;
use futures_util::stream::{self, StreamExt};
use http::{Request, StatusCode};
use infra_sql::schema::{DeliveryStatuses, MessagePricing, Messages};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use serde_json::Value;

use crate::support::{Bot, PATIENCE, SECRET, TOKEN, send, spawn_bot};

/// How many payloads are in flight at once.
const CONCURRENCY: usize = 8;

/// Statuses the Meta adapter keeps (others are skipped with a warning).
const META_STATUSES: [&str; 5] = ["sent", "delivered", "read", "failed", "played"];

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/conformance")
}

/// The payload files of one provider, sorted by name.
fn files(provider: &str) -> Vec<PathBuf> {
    let dir = corpus().join(provider);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    files
}

/// Fresh senders and ids for one run: unique within it (a counter), and
/// different from other runs' (a seed from the clock).
struct Fresh {
    seed: u64,
    next: AtomicU64,
}

impl Fresh {
    fn new() -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Self {
            seed: u64::try_from(nanos % 1_000_000_007).unwrap(),
            next: AtomicU64::new(0),
        }
    }

    fn n(&self) -> u64 {
        self.next.fetch_add(1, Ordering::Relaxed)
    }

    /// A valid E.164 number, digits only (Meta's `wa_id` form): `91`, four
    /// digits of the seed, six of the counter.
    fn number(&self) -> String {
        format!("91{:04}{:06}", self.seed % 10_000, self.n())
    }

    fn wamid(&self) -> String {
        format!("wamid.CONFORMANCE{:016X}{:08X}", self.seed, self.n())
    }

    /// A Twilio SID with the original's two-letter prefix (`SM`, `MM`).
    fn sid(&self, like: &str) -> String {
        let prefix = like
            .get(..2)
            .filter(|p| p.chars().all(|c| c.is_ascii_uppercase()));
        format!(
            "{}{:016x}{:016x}",
            prefix.unwrap_or("SM"),
            self.seed,
            self.n()
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    Meta,
    Twilio,
}

impl Provider {
    fn as_str(self) -> &'static str {
        match self {
            Self::Meta => "meta",
            Self::Twilio => "twilio",
        }
    }
}

/// One payload, rewritten for this run, and what the bot must record of it.
struct Replay {
    /// `meta/…json` or `twilio/…json`.
    file: String,
    provider: Provider,
    /// The exact bytes sent.
    body: Vec<u8>,
    /// The signature header value.
    signature: String,
    /// A signature made with the wrong secret.
    forged: String,
    /// Message ids that must be recorded as inbound rows (they have a sender).
    inbound: Vec<String>,
    /// Message ids that must be recorded nowhere (no phone number).
    unaddressable: Vec<String>,
    /// Outbound message ids whose statuses must be kept.
    statuses: Vec<String>,
    /// Outbound message ids whose status carried a pricing object, with
    /// its category: kept once, as billed.
    priced: Vec<(String, String)>,
}

impl Replay {
    fn request(&self, signature: &str) -> Request<axum::body::Body> {
        let (path, content_type, header) = match self.provider {
            Provider::Meta => ("/webhooks/meta", "application/json", "x-hub-signature-256"),
            Provider::Twilio => (
                "/webhooks/twilio",
                "application/x-www-form-urlencoded",
                "x-twilio-signature",
            ),
        };
        Request::post(path)
            .header(http::header::CONTENT_TYPE, content_type)
            .header(header, signature)
            .body(axum::body::Body::from(self.body.clone()))
            .unwrap()
    }

    fn ids(&self) -> impl Iterator<Item = &String> {
        self.inbound
            .iter()
            .chain(&self.unaddressable)
            .chain(&self.statuses)
    }
}

/// A Meta notification with fresh senders and ids, serialised and signed as
/// Meta does.
fn meta_replay(file: String, mut payload: Value, fresh: &Fresh, now: SystemTime) -> Replay {
    // The same published sender gets the same fresh number everywhere in
    // the payload (`from`, `contacts[].wa_id`, `recipient_id`).
    let mut numbers: HashMap<String, String> = HashMap::new();
    let mut renumber = |value: &mut Value| {
        if let Some(old) = value.as_str() {
            let new = numbers
                .entry(old.to_owned())
                .or_insert_with(|| fresh.number())
                .clone();
            *value = Value::String(new);
        }
    };
    let (mut inbound, mut unaddressable, mut statuses) = (Vec::new(), Vec::new(), Vec::new());
    let mut priced = Vec::new();
    let changes = payload["entry"]
        .as_array_mut()
        .into_iter()
        .flatten()
        .flat_map(|entry| entry["changes"].as_array_mut().into_iter().flatten());
    // Sent now: a turn runs (the published times are months or years old,
    // and the dedup layer would answer every message as stale).
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string();
    for change in changes {
        let messages_field = change["field"] == "messages";
        let value = &mut change["value"];
        for list in ["messages", "statuses"] {
            for item in value[list].as_array_mut().into_iter().flatten() {
                if item.get("timestamp").is_some() {
                    item["timestamp"] = Value::String(now.clone());
                }
            }
        }
        for contact in value["contacts"].as_array_mut().into_iter().flatten() {
            if let Some(wa_id) = contact.get_mut("wa_id") {
                renumber(wa_id);
            }
        }
        for message in value["messages"].as_array_mut().into_iter().flatten() {
            let has_sender = match message.get_mut("from") {
                Some(from) => {
                    renumber(from);
                    true
                }
                None => false,
            };
            if message.get("id").is_some() {
                let id = fresh.wamid();
                message["id"] = Value::String(id.clone());
                if messages_field && message.get("type").is_some() {
                    if has_sender {
                        inbound.push(id);
                    } else {
                        unaddressable.push(id);
                    }
                }
            }
        }
        for status in value["statuses"].as_array_mut().into_iter().flatten() {
            if status["recipient_type"] != "group"
                && let Some(recipient) = status.get_mut("recipient_id")
            {
                renumber(recipient);
            }
            if status.get("id").is_some() {
                let id = fresh.wamid();
                status["id"] = Value::String(id.clone());
                let known = status["status"]
                    .as_str()
                    .is_some_and(|s| META_STATUSES.contains(&s));
                if messages_field && known {
                    if let Some(category) =
                        status.pointer("/pricing/category").and_then(Value::as_str)
                    {
                        priced.push((id.clone(), category.to_owned()));
                    }
                    statuses.push(id);
                }
            }
        }
        for echo in value["message_echoes"].as_array_mut().into_iter().flatten() {
            if echo.get("id").is_some() {
                echo["id"] = Value::String(fresh.wamid());
            }
        }
    }
    let body = meta_json(&payload);
    Replay {
        file,
        provider: Provider::Meta,
        signature: framework::provider::meta::sign(SECRET.as_bytes(), &body),
        forged: framework::provider::meta::sign(b"not-the-app-secret", &body),
        body,
        inbound,
        unaddressable,
        statuses,
        priced,
    }
}

/// A Twilio form with a fresh sender (or recipient, for a status callback)
/// and a fresh `MessageSid`, form-encoded and signed as Twilio does.
fn twilio_replay(file: String, payload: Value, fresh: &Fresh, url: &str) -> Replay {
    let Value::Object(fields) = payload else {
        panic!("{file}: not a JSON object of form fields")
    };
    let mut params: Vec<(String, String)> = fields
        .into_iter()
        .map(|(name, value)| match value {
            Value::String(s) => (name, s),
            other => (name, other.to_string()),
        })
        .collect();
    let is_status = params.iter().any(|(name, _)| name == "MessageStatus");
    let number = fresh.number();
    let old_sid = params
        .iter()
        .find(|(name, _)| name == "MessageSid")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let sid = fresh.sid(&old_sid);
    for (name, value) in &mut params {
        match name.as_str() {
            "MessageSid" | "SmsSid" | "SmsMessageSid" => sid.clone_into(value),
            "From" if !is_status => *value = format!("whatsapp:+{number}"),
            "WaId" if !is_status => number.clone_into(value),
            "To" if is_status => *value = format!("whatsapp:+{number}"),
            "ChannelToAddress" if is_status => *value = format!("+{number}"),
            _ => {}
        }
    }
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish()
        .into_bytes();
    let (inbound, statuses) = if is_status {
        (Vec::new(), vec![sid])
    } else {
        (vec![sid], Vec::new())
    };
    Replay {
        file,
        provider: Provider::Twilio,
        signature: compute_signature(TOKEN, url, &params),
        forged: compute_signature("not-the-auth-token", url, &params),
        body,
        inbound,
        unaddressable: Vec::new(),
        statuses,
        // Twilio's status callbacks carry no price.
        priced: Vec::new(),
    }
}

/// What the database holds of one message id.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Recorded {
    /// Statuses of inbound rows with this provider id.
    inbound: Vec<String>,
    /// Outbound rows answering it.
    replies: usize,
    /// Delivery statuses kept for it.
    statuses: usize,
    /// The category it is billed as, when a status said.
    priced: Option<String>,
}

impl Recorded {
    fn nothing(&self) -> bool {
        self.inbound.is_empty() && self.replies == 0 && self.statuses == 0
    }
}

async fn recorded(bot: &Bot, provider: Provider, id: &str) -> Recorded {
    let conn = bot.services.db.connection();
    let backend = conn.get_database_backend();
    let messages = Query::select()
        .columns([Messages::Direction, Messages::Status])
        .from(Messages::Table)
        .and_where(Expr::col(Messages::Provider).eq(provider.as_str()))
        .and_where(
            Expr::col(Messages::ProviderMessageId)
                .eq(id)
                .or(Expr::col(Messages::InReplyTo).eq(id)),
        )
        .to_owned();
    let mut found = Recorded {
        inbound: Vec::new(),
        replies: 0,
        statuses: 0,
        priced: None,
    };
    for row in conn.query_all_raw(backend.build(&messages)).await.unwrap() {
        let direction: String = row.try_get("", "direction").unwrap();
        let status: String = row.try_get("", "status").unwrap();
        if direction == "in" {
            found.inbound.push(status);
        } else {
            found.replies += 1;
        }
    }
    let statuses = Query::select()
        .column(DeliveryStatuses::Status)
        .from(DeliveryStatuses::Table)
        .and_where(Expr::col(DeliveryStatuses::Provider).eq(provider.as_str()))
        .and_where(Expr::col(DeliveryStatuses::ProviderMessageId).eq(id))
        .to_owned();
    found.statuses = conn
        .query_all_raw(backend.build(&statuses))
        .await
        .unwrap()
        .len();
    let priced = Query::select()
        .column(MessagePricing::Category)
        .from(MessagePricing::Table)
        .and_where(Expr::col(MessagePricing::Provider).eq(provider.as_str()))
        .and_where(Expr::col(MessagePricing::ProviderMessageId).eq(id))
        .to_owned();
    let rows = conn.query_all_raw(backend.build(&priced)).await.unwrap();
    assert!(rows.len() <= 1, "one pricing per message: {id}");
    found.priced = rows.first().map(|row| row.try_get("", "category").unwrap());
    found
}

/// Whether the payload's genuine delivery is fully taken in: every message
/// with a sender has one inbound row whose turn finished, every message
/// without one is recorded once as unsupported, every status is kept.
async fn taken_in(bot: &Bot, replay: &Replay) -> bool {
    for id in &replay.inbound {
        if recorded(bot, replay.provider, id).await.inbound != ["handled"] {
            return false;
        }
    }
    for id in &replay.unaddressable {
        if recorded(bot, replay.provider, id).await.inbound != ["unsupported"] {
            return false;
        }
    }
    for id in &replay.statuses {
        if recorded(bot, replay.provider, id).await.statuses == 0 {
            return false;
        }
    }
    for (id, category) in &replay.priced {
        if recorded(bot, replay.provider, id).await.priced.as_ref() != Some(category) {
            return false;
        }
    }
    true
}

/// What one payload came to: its problems, and what was recorded of each of
/// its ids after the genuine delivery.
struct Outcome {
    file: String,
    problems: Vec<String>,
    before_repeat: Vec<(String, Recorded)>,
    replay: Replay,
}

async fn run_one(bot: &Bot, replay: Replay) -> Outcome {
    let mut problems = Vec::new();
    let file = replay.file.clone();

    // Forged: refused, nothing recorded.
    let (status, body) = send(bot.addr, replay.request(&replay.forged)).await;
    if status != StatusCode::FORBIDDEN {
        problems.push(format!(
            "forged signature: {status} {body:?} (expected 403)"
        ));
    }
    for id in replay.ids() {
        let found = recorded(bot, replay.provider, id).await;
        if !found.nothing() {
            problems.push(format!("forged signature recorded {id}: {found:?}"));
        }
    }

    // Genuine: 2xx, then taken in.
    let (status, body) = send(bot.addr, replay.request(&replay.signature)).await;
    if !status.is_success() {
        problems.push(format!("signed: {status} {body:?} (expected 2xx)"));
    }
    let start = Instant::now();
    while !taken_in(bot, &replay).await {
        if start.elapsed() > PATIENCE {
            let mut seen = Vec::new();
            for id in replay
                .inbound
                .iter()
                .chain(&replay.unaddressable)
                .chain(&replay.statuses)
            {
                seen.push(format!(
                    "{id}: {:?}",
                    recorded(bot, replay.provider, id).await
                ));
            }
            problems.push(format!("not taken in within {PATIENCE:?}: {seen:?}"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    for id in &replay.unaddressable {
        let found = recorded(bot, replay.provider, id).await;
        if found.replies != 0 {
            problems.push(format!(
                "a message without a phone number was answered: {id}: {found:?}"
            ));
        }
    }
    let mut before_repeat = Vec::new();
    for id in replay.ids() {
        before_repeat.push((id.clone(), recorded(bot, replay.provider, id).await));
    }

    // Repeat of the same ids: 2xx (what it must not do is checked once the
    // whole corpus has settled).
    let (status, body) = send(bot.addr, replay.request(&replay.signature)).await;
    if !status.is_success() {
        problems.push(format!("repeat: {status} {body:?} (expected 2xx)"));
    }
    Outcome {
        file,
        problems,
        before_repeat,
        replay,
    }
}

/// Every payload of the corpus: provider, `meta/…json` name, parsed JSON.
fn corpus_payloads() -> Vec<(Provider, String, Value)> {
    let mut payloads = Vec::new();
    for provider in [Provider::Meta, Provider::Twilio] {
        for path in files(provider.as_str()) {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let file = format!("{}/{name}", provider.as_str());
            let text = std::fs::read_to_string(&path).unwrap();
            let payload: Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
            payloads.push((provider, file, payload));
        }
    }
    let count = |p: Provider| payloads.iter().filter(|(q, ..)| *q == p).count();
    assert_eq!(
        (count(Provider::Meta), count(Provider::Twilio)),
        (137, 23),
        "the corpus is incomplete"
    );
    payloads
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_published_payload_is_taken_in_once_and_forgeries_are_refused() {
    // Arrange: a bot, and every payload of the corpus rewritten for this run.
    let started = Instant::now();
    let bot = spawn_bot().await;
    let fresh = Fresh::new();
    let replays: Vec<Replay> = corpus_payloads()
        .into_iter()
        .map(|(provider, file, payload)| match provider {
            Provider::Meta => meta_replay(file, payload, &fresh, bot.services.clock.now()),
            Provider::Twilio => twilio_replay(file, payload, &fresh, &bot.twilio_url()),
        })
        .collect();

    // Act: forged, genuine and repeated deliveries of every payload, a few
    // payloads at a time.
    let outcomes: Vec<Outcome> = stream::iter(replays)
        .map(|replay| run_one(&bot, replay))
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;

    // Let anything a repeat might have started run to its end: the inbox
    // empty, then a moment for a stray turn to store its replies.
    let start = Instant::now();
    let inbox = infra_sql::messages::InboxQueue::new(bot.services.db.clone());
    while !inbox.heads(10).await.unwrap().is_empty() {
        assert!(start.elapsed() < PATIENCE, "the inbox never emptied");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    // Assert: per payload, what was wrong.
    let mut failures = Vec::new();
    let (mut turns_with_replies, mut meta_turns_with_replies, mut inbound_rows) = (0, 0, 0);
    for mut outcome in outcomes {
        for (id, before) in &outcome.before_repeat {
            let after = recorded(&bot, outcome.replay.provider, id).await;
            if &after != before {
                outcome.problems.push(format!(
                    "the repeat changed what is recorded of {id}: {before:?} -> {after:?}"
                ));
            }
            if outcome.replay.inbound.contains(id) {
                inbound_rows += after.inbound.len();
                turns_with_replies += usize::from(after.replies > 0);
                if outcome.replay.provider == Provider::Meta {
                    meta_turns_with_replies += usize::from(after.replies > 0);
                }
            }
        }
        if !outcome.problems.is_empty() {
            failures.push(format!(
                "{}:\n    {}",
                outcome.file,
                outcome.problems.join("\n    ")
            ));
        }
    }
    bot.stop().await;
    eprintln!(
        "conformance: 160 payloads, {inbound_rows} inbound messages recorded once, \
         {turns_with_replies} turns with replies ({meta_turns_with_replies} of them Meta's), in {:?}",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of 160 payloads failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The "no new replies" check means something only if turns replied, on
    // both providers.
    assert!(turns_with_replies > 0, "no turn replied at all");
    assert!(meta_turns_with_replies > 0, "no Meta turn replied");
}

/// The payloads exactly as published, placeholders included (`"from":
/// "PHONE_NUMBER"`, a group id as `recipient_id`, the same ids in several
/// files): correctly signed, every one is acknowledged. A sender the phone
/// rule refuses makes a message unaddressable, never the notification a 4xx
/// (Meta would send it again for days).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_payload_as_published_is_acknowledged() {
    let bot = spawn_bot().await;
    let url = bot.twilio_url();
    let requests: Vec<(String, Request<axum::body::Body>)> = corpus_payloads()
        .into_iter()
        .map(|(provider, file, payload)| {
            let request = match provider {
                Provider::Meta => {
                    let body = meta_json(&payload);
                    Request::post("/webhooks/meta")
                        .header(http::header::CONTENT_TYPE, "application/json")
                        .header(
                            "x-hub-signature-256",
                            framework::provider::meta::sign(SECRET.as_bytes(), &body),
                        )
                        .body(axum::body::Body::from(body))
                        .unwrap()
                }
                Provider::Twilio => {
                    let Value::Object(fields) = payload else {
                        panic!("{file}: not a JSON object of form fields")
                    };
                    let params: Vec<(String, String)> = fields
                        .into_iter()
                        .map(|(name, value)| match value {
                            Value::String(s) => (name, s),
                            other => (name, other.to_string()),
                        })
                        .collect();
                    let body = form_urlencoded::Serializer::new(String::new())
                        .extend_pairs(&params)
                        .finish();
                    Request::post("/webhooks/twilio")
                        .header(
                            http::header::CONTENT_TYPE,
                            "application/x-www-form-urlencoded",
                        )
                        .header(
                            "x-twilio-signature",
                            compute_signature(TOKEN, &url, &params),
                        )
                        .body(axum::body::Body::from(body))
                        .unwrap()
                }
            };
            (file, request)
        })
        .collect();

    let failures: Vec<String> = stream::iter(requests)
        .map(|(file, request)| async move {
            let (status, body) = send(bot.addr, request).await;
            (!status.is_success()).then(|| format!("{file}: {status} {body:?}"))
        })
        .buffer_unordered(CONCURRENCY)
        .filter_map(|failure| async move { failure })
        .collect()
        .await;
    bot.stop().await;
    assert!(
        failures.is_empty(),
        "{} of 160 payloads refused:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
