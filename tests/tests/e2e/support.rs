//! A bot on 127.0.0.1 with fake Twilio and Meta servers, and signed webhooks.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bot::config::Settings;
use bot::services::Services;
use bytes::Bytes;
use framework::testing::meta::MetaWebhook;
use framework::testing::twilio::TwilioWebhook;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use infra_providers::testing::{FakeMeta, FakeTwilio};
use infra_sql::messages::{Direction, LogEntry};

pub(crate) const ACCOUNT_SID: &str = "AC00000000000000000000000000000001";
pub(crate) const TOKEN: &str = "e2e-twilio-token";
pub(crate) const SECRET: &str = "e2e-meta-secret";
pub(crate) const VERIFY: &str = "e2e-verify";
pub(crate) const ACCESS_TOKEN: &str = "EAAe2eaccesstoken";
pub(crate) const PHONE_NUMBER_ID: &str = "106540352242922";
pub(crate) const CUSTOMER: &str = "+919812345678";
pub(crate) const BUSINESS: &str = "+14155238886";

/// How long a reply may take to reach a fake provider.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

/// A running bot.
pub(crate) struct Bot {
    pub(crate) addr: SocketAddr,
    pub(crate) services: Services,
    pub(crate) twilio: Arc<FakeTwilio>,
    pub(crate) meta: Arc<FakeMeta>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// A bot with both providers configured against fakes.
pub(crate) async fn spawn_bot() -> Bot {
    spawn_bot_with(|_| {}).await
}

/// [`spawn_bot`] with `tweak` applied to the settings.
pub(crate) async fn spawn_bot_with(tweak: impl FnOnce(&mut Settings)) -> Bot {
    let twilio = Arc::new(FakeTwilio::start(ACCOUNT_SID, TOKEN).await);
    let meta = Arc::new(FakeMeta::start(ACCESS_TOKEN).await);
    spawn_bot_sharing(twilio, meta, tweak).await
}

/// A bot whose replies go to the given fakes (several bots may share them:
/// instances of one deployment).
pub(crate) async fn spawn_bot_sharing(
    twilio: Arc<FakeTwilio>,
    meta: Arc<FakeMeta>,
    tweak: impl FnOnce(&mut Settings),
) -> Bot {
    spawn_bot_on(twilio, meta, None, tweak).await
}

/// [`spawn_bot_with`] on `clock` (a test's [`ManualClock`](framework::clock::ManualClock)'s):
/// every service, the database and the job queue's delays read it.
pub(crate) async fn spawn_bot_at(
    clock: framework::clock::Clock,
    tweak: impl FnOnce(&mut Settings),
) -> Bot {
    let twilio = Arc::new(FakeTwilio::start(ACCOUNT_SID, TOKEN).await);
    let meta = Arc::new(FakeMeta::start(ACCESS_TOKEN).await);
    spawn_bot_on(twilio, meta, Some(clock), tweak).await
}

async fn spawn_bot_on(
    twilio: Arc<FakeTwilio>,
    meta: Arc<FakeMeta>,
    clock: Option<framework::clock::Clock>,
    tweak: impl FnOnce(&mut Settings),
) -> Bot {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut settings = Settings::local(addr);
    settings.twilio.account_sid = Some(ACCOUNT_SID.to_owned());
    settings.twilio.auth_token = Some(TOKEN.into());
    settings.twilio.api_base = twilio.base_url();
    settings.meta.app_secret = Some(SECRET.into());
    settings.meta.verify_token = Some(VERIFY.into());
    settings.meta.access_token = Some(ACCESS_TOKEN.into());
    settings.meta.api_base = meta.base_url();
    tweak(&mut settings);
    let services = match clock {
        Some(clock) => {
            let providers = bot::services::providers(&settings).unwrap();
            Services::build_with(settings, providers, clock)
                .await
                .unwrap()
        }
        None => Services::build(settings).await.unwrap(),
    };
    services.seed_demo_catalog().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = services.clone();
    let task = tokio::spawn(async move {
        bot::server::run(&running, listener, async move {
            let _ = stopped.await;
        })
        .await
        .unwrap();
    });
    Bot {
        addr,
        services,
        twilio,
        meta,
        stop: Some(stop),
        task: Some(task),
    }
}

impl Bot {
    /// Stops the server and the dispatcher and waits for both.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
        // The pool closes here, as `campanile serve` closes it when it stops.
        self.services.clone().close().await;
    }

    pub(crate) fn twilio_url(&self) -> String {
        format!("http://{}/webhooks/twilio", self.addr)
    }

    /// Posts a Twilio webhook signed with the right token.
    pub(crate) async fn twilio(&self, hook: &TwilioWebhook) -> (StatusCode, String) {
        send(self.addr, hook.signed_request(TOKEN, &self.twilio_url())).await
    }

    /// A signed Twilio text from the customer.
    pub(crate) async fn twilio_says(&self, text: &str) -> (StatusCode, String) {
        self.twilio(&TwilioWebhook::text(CUSTOMER, BUSINESS, text).with_profile_name("Asha"))
            .await
    }

    /// Posts a Meta notification signed with the right secret.
    pub(crate) async fn meta(&self, hook: &MetaWebhook) -> (StatusCode, String) {
        send(
            self.addr,
            hook.signed_request(SECRET.as_bytes(), "/webhooks/meta"),
        )
        .await
    }

    /// Plain GET.
    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        send(
            self.addr,
            Request::get(path).body(axum::body::Body::empty()).unwrap(),
        )
        .await
    }

    /// The customer's orders, newest first.
    pub(crate) async fn orders_of(&self, customer: &str) -> Vec<features::orders::OrderSummary> {
        self.services
            .shop
            .orders
            .customer_orders(features::orders::CustomerOrders {
                customer: features::shared::CustomerPhone::parse(customer).unwrap(),
                limit: 10,
            })
            .await
            .unwrap()
    }

    /// The message log, oldest first.
    pub(crate) async fn log(&self) -> Vec<LogEntry> {
        let mut rows = self.services.messages.recent(None, 1000).await.unwrap();
        rows.reverse();
        rows
    }

    /// Waits until an outbound row of the log satisfies `done`; returns it.
    pub(crate) async fn wait_out(&self, done: impl Fn(&LogEntry) -> bool) -> LogEntry {
        let start = Instant::now();
        loop {
            let rows = self.log().await;
            if let Some(row) = rows
                .iter()
                .find(|r| r.direction() == Direction::Out && done(r))
            {
                return row.clone();
            }
            assert!(
                start.elapsed() < PATIENCE,
                "no outbound row as expected: {rows:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the fake Twilio accepted `n` messages in all; returns their
    /// bodies in order.
    pub(crate) async fn twilio_texts(&self, n: usize) -> Vec<String> {
        wait_for(|| {
            let texts = self.chat_texts();
            (texts.len() >= n).then_some(texts)
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "fewer than {n} Twilio messages arrived: {:?}",
                self.twilio.texts_to(CUSTOMER)
            )
        })
    }

    /// The texts the fake Twilio accepted for the customer that answer the
    /// customer's messages: not the ones background jobs send (an invoice
    /// 🧾, a reminder ⏰), which arrive whenever their job runs.
    pub(crate) fn chat_texts(&self) -> Vec<String> {
        self.twilio
            .texts_to(CUSTOMER)
            .into_iter()
            .filter(|t| !t.starts_with('🧾') && !t.starts_with('⏰'))
            .collect()
    }

    /// The requests to the fake Twilio for the customer that background jobs
    /// made (an invoice, a reminder), in order.
    pub(crate) fn twilio_job_messages(&self) -> Vec<infra_providers::testing::RecordedRequest> {
        self.twilio
            .accepted()
            .into_iter()
            .filter(|r| {
                let field = |name: &str| {
                    r.fields
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.as_str())
                };
                field("To").is_some_and(|to| to.ends_with(CUSTOMER))
                    && (field("ContentSid").is_some()
                        || field("Body")
                            .is_some_and(|b| b.starts_with('🧾') || b.starts_with('⏰')))
            })
            .collect()
    }

    /// Waits until the fake Meta accepted `n` messages to `to`.
    pub(crate) async fn meta_texts(&self, to: &str, n: usize) -> Vec<String> {
        wait_for(|| {
            let texts = self.meta.texts_to(to);
            (texts.len() >= n).then_some(texts)
        })
        .await
        .unwrap_or_else(|| {
            panic!(
                "fewer than {n} Meta messages arrived: {:?}",
                self.meta.texts_to(to)
            )
        })
    }

    /// Says `text` over Twilio and returns the bot's next reply.
    pub(crate) async fn ask_twilio(&self, text: &str) -> String {
        let before = self.chat_texts().len();
        let (status, body) = self.twilio_says(text).await;
        assert_eq!(status, StatusCode::OK, "{text:?} → {body}");
        assert!(
            body.contains("<Response/>"),
            "Twilio gets an empty TwiML answer: {body}"
        );
        let texts = self.twilio_texts(before + 1).await;
        texts[before..].join("\n---\n")
    }
}

/// Polls `f` every 20 ms until it returns `Some`, for at most [`PATIENCE`].
pub(crate) async fn wait_for<T>(mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if start.elapsed() > PATIENCE {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// [`wait_for`] with an async check.
pub(crate) async fn wait_for_async<T, F>(mut f: impl FnMut() -> F) -> Option<T>
where
    F: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(v) = f().await {
            return Some(v);
        }
        if start.elapsed() > PATIENCE {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `request` to `addr` over a fresh HTTP/1.1 connection.
pub(crate) async fn send(
    addr: SocketAddr,
    request: Request<axum::body::Body>,
) -> (StatusCode, String) {
    let (parts, body) = request.into_parts();
    let body: Bytes = body.collect().await.unwrap().to_bytes();
    let mut request = Request::from_parts(parts, Full::new(body));
    request
        .headers_mut()
        .insert(http::header::HOST, addr.to_string().parse().unwrap());
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}
