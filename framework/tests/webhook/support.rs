use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use framework::dedup::InMemSeenStore;
use framework::handler::{Router, Text};
use framework::session::{InMemConversationLock, InMemSessionStore};
use framework::testing::RecordingOutbox;
use framework::webhook::{self, Outbox, WebhookConfig};
use framework::{Content, InboundMessage, ServiceBuilderExt};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use tower::{ServiceBuilder, ServiceExt};

pub(crate) const TWILIO_TOKEN: &str = "test-auth-token";
pub(crate) const PUBLIC_URL: &str = "https://bot.example.com";
pub(crate) const META_SECRET: &[u8] = b"test-app-secret";
pub(crate) const VERIFY_TOKEN: &str = "verify-me";

/// Every message the pipeline saw, to prove refused requests changed nothing.
#[derive(Clone, Default)]
pub(crate) struct Seen(pub(crate) Arc<Mutex<Vec<InboundMessage>>>);

impl Seen {
    pub(crate) fn count(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    pub(crate) fn contents(&self) -> Vec<Content> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|m| m.content().clone())
            .collect()
    }
}

pub(crate) fn config() -> WebhookConfig {
    WebhookConfig::new()
        .with_twilio(TWILIO_TOKEN, PUBLIC_URL)
        .with_meta(std::str::from_utf8(META_SECRET).unwrap(), VERIFY_TOKEN)
}

/// An echo bot behind dedup, recording what it sees; replies go to `outbox`.
pub(crate) fn app<O: Outbox>(outbox: O, config: WebhookConfig) -> (axum::Router, Seen) {
    app_in::<(), O>(outbox, config)
}

/// [`app`] as a router that merges into an application with state `S`.
pub(crate) fn app_in<S, O>(outbox: O, config: WebhookConfig) -> (axum::Router<S>, Seen)
where
    S: Clone + Send + Sync + 'static,
    O: Outbox,
{
    let seen = Seen::default();
    let record = seen.clone();
    let router = Router::new()
        .when(
            |m: &InboundMessage| matches!(m.content(), Content::Unsupported { .. }),
            || async { "I can't read that kind of message yet." },
        )
        .fallback(move |msg: InboundMessage, text: Option<Text>| {
            let record = record.clone();
            async move {
                record.0.lock().unwrap().push(msg);
                text.map(|Text(t)| format!("echo: {t}"))
            }
        })
        .into_service();
    let pipeline = ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .service(router);
    (webhook::routes(pipeline, outbox, config), seen)
}

/// The recommended stack: replies are delivered inside the session layer, so
/// a turn whose replies the outbox refused is replayed by the retry.
pub(crate) fn app_delivering<O: Outbox>(outbox: O, config: WebhookConfig) -> (axum::Router, Seen) {
    let seen = Seen::default();
    let record = seen.clone();
    let router = Router::new()
        .fallback(move |msg: InboundMessage, Text(t): Text| {
            let record = record.clone();
            async move {
                record.0.lock().unwrap().push(msg);
                if t == "slow" {
                    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                }
                format!("echo: {t}")
            }
        })
        .into_service();
    let pipeline = ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .session(InMemSessionStore::new(), InMemConversationLock::new())
        .deliver(outbox.clone())
        .service(router);
    (webhook::routes(pipeline, outbox, config), seen)
}

pub(crate) fn recording_app() -> (axum::Router, Seen, RecordingOutbox) {
    let outbox = RecordingOutbox::new();
    let (app, seen) = app(outbox.clone(), config());
    (app, seen, outbox)
}

pub(crate) async fn send(
    app: &axum::Router,
    request: Request<Body>,
) -> (StatusCode, String, Option<String>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        String::from_utf8_lossy(&body).into_owned(),
        content_type,
    )
}

/// Counters by `name{label=value,…}` (labels sorted), from a recorder local
/// to the test's thread.
#[derive(Debug, Default)]
pub(crate) struct Counters(Mutex<BTreeMap<String, Arc<AtomicU64>>>);

impl Counters {
    pub(crate) fn get(&self, key: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .get(key)
            .map_or(0, |c| c.load(Ordering::Relaxed))
    }
}

impl Recorder for Counters {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let mut labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        labels.sort();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        Counter::from_arc(Arc::clone(self.0.lock().unwrap().entry(name).or_default()))
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}
