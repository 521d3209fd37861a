//! The load: signed Meta webhooks over keep-alive HTTP/1.1 connections, in
//! a closed loop (each user waits for its reply before the next message)
//! or an open loop (a fixed schedule, whatever the answers).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{Request, StatusCode, header};
use framework::provider::meta::{SIGNATURE_HEADER, sign};
use framework::testing::meta::{MetaMessage, MetaWebhook};
use http_body_util::{BodyExt as _, Empty, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::sync::oneshot;

use crate::fake::Ledger;

/// The app secret webhooks are signed with.
pub(crate) const APP_SECRET: &str = "bench-meta-app-secret";
/// The business number's Cloud API id, in every webhook.
pub(crate) const PHONE_NUMBER_ID: &str = "106540352242922";
/// The business number, as Meta writes it.
const BUSINESS: &str = "15550783881";

/// How long one webhook may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a closed-loop user waits for a reply before it sends its next
/// message anyway (the one it waited for stays unanswered).
const REPLY_PATIENCE: Duration = Duration::from_secs(30);

/// Numbers each message's id in the ledger.
static SEQ: AtomicU64 = AtomicU64::new(0);

/// Who writes next: `pool` customers in turn, so a customer writes again
/// after `pool` messages (a returning customer, with a session).
#[derive(Debug)]
pub(crate) struct Customers {
    base: u64,
    pool: u64,
    next: AtomicU64,
}

impl Customers {
    /// Customers `+91 70000 00000` onwards; at least one.
    pub(crate) fn new(pool: u64) -> Self {
        Self {
            base: 917_000_000_000,
            pool: pool.max(1),
            next: AtomicU64::new(0),
        }
    }

    fn next(&self) -> u64 {
        self.base + self.next.fetch_add(1, Ordering::Relaxed) % self.pool
    }
}

/// `text` from `customer` with a fresh wamid, as Meta sends it: the body and
/// its `X-Hub-Signature-256`.
fn webhook(customer: u64, text: &str) -> (Bytes, String) {
    let message = MetaMessage::text(&customer.to_string(), text).with_profile_name("Bench");
    let body = MetaWebhook::new(PHONE_NUMBER_ID, BUSINESS)
        .message(message)
        .body();
    let signature = sign(APP_SECRET.as_bytes(), &body);
    (Bytes::from(body), signature)
}

/// How a webhook was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ack {
    /// 2xx: recorded, a reply will come.
    Accepted,
    /// Any other status.
    Refused,
    /// No answer: connection error or [`REQUEST_TIMEOUT`].
    Failed,
}

/// What the webhooks of a phase got.
#[derive(Debug, Default)]
pub(crate) struct Sent {
    pub(crate) accepted: u64,
    pub(crate) refused: u64,
    pub(crate) failed: u64,
    /// Each answered webhook's time from its (intended) send to its answer.
    pub(crate) acks: Vec<Duration>,
    /// The last answer.
    pub(crate) last_ack: Option<Instant>,
}

impl Sent {
    fn record(&mut self, ack: Ack, took: Duration) {
        match ack {
            Ack::Accepted => self.accepted += 1,
            Ack::Refused => self.refused += 1,
            Ack::Failed => self.failed += 1,
        }
        if ack != Ack::Failed {
            self.acks.push(took);
            self.last_ack = Some(Instant::now());
        }
    }

    fn merge(&mut self, other: Self) {
        self.accepted += other.accepted;
        self.refused += other.refused;
        self.failed += other.failed;
        self.acks.extend(other.acks);
        self.last_ack = self.last_ack.max(other.last_ack);
    }
}

/// One keep-alive HTTP/1.1 connection, opened again when the server closed
/// it.
struct Conn {
    addr: SocketAddr,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Conn {
    fn new(addr: SocketAddr) -> Self {
        Self { addr, sender: None }
    }

    /// A connection ready for a request.
    async fn ready(&mut self) -> Option<&mut SendRequest<Full<Bytes>>> {
        if let Some(sender) = &mut self.sender
            && sender.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            let stream = tokio::net::TcpStream::connect(self.addr).await.ok()?;
            stream.set_nodelay(true).ok()?;
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .ok()?;
            tokio::spawn(connection);
            self.sender = Some(sender);
        }
        self.sender.as_mut()
    }

    async fn post_webhook(&mut self, body: Bytes, signature: &str) -> Ack {
        let addr = self.addr;
        let exchange = async {
            let sender = self.ready().await?;
            let request = Request::post(framework::webhook::META_PATH)
                .header(header::HOST, addr.to_string())
                .header(header::CONTENT_TYPE, "application/json")
                .header(SIGNATURE_HEADER, signature)
                .body(Full::new(body))
                .ok()?;
            let response = sender.send_request(request).await.ok()?;
            let status = response.status();
            response.into_body().collect().await.ok()?;
            Some(status)
        };
        match tokio::time::timeout(REQUEST_TIMEOUT, exchange).await {
            Ok(Some(status)) if status.is_success() => Ack::Accepted,
            Ok(Some(_)) => Ack::Refused,
            Ok(None) | Err(_) => {
                self.sender = None;
                Ack::Failed
            }
        }
    }
}

/// Sends the load: who writes, and where the replies are awaited.
#[derive(Debug)]
pub(crate) struct Driver {
    pub(crate) ledger: Arc<Ledger>,
    pub(crate) customers: Arc<Customers>,
    /// What each customer writes; it must get exactly one reply.
    pub(crate) text: Arc<str>,
    /// Connections of an open loop.
    pub(crate) connections: usize,
}

impl Driver {
    /// `users` customers at once, each sending its message and waiting for its reply
    /// before the next, for `window`. Latency counts from each send.
    pub(crate) async fn closed_loop(
        &self,
        addr: SocketAddr,
        phase: usize,
        users: usize,
        window: Duration,
    ) -> Sent {
        let deadline = Instant::now() + window;
        let tasks: Vec<_> = (0..users)
            .map(|_| {
                let ledger = Arc::clone(&self.ledger);
                let customers = Arc::clone(&self.customers);
                let text = Arc::clone(&self.text);
                tokio::spawn(async move {
                    let mut conn = Conn::new(addr);
                    let mut sent = Sent::default();
                    while Instant::now() < deadline {
                        let customer = customers.next();
                        let (body, signature) = webhook(customer, &text);
                        let (done, replied) = oneshot::channel();
                        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
                        let since = Instant::now();
                        ledger.expect(phase, customer, seq, since, Some(done));
                        let ack = conn.post_webhook(body, &signature).await;
                        sent.record(ack, since.elapsed());
                        if ack != Ack::Accepted {
                            ledger.forget(customer, seq);
                            // Do not spin against a server that refuses.
                            tokio::time::sleep(Duration::from_millis(10)).await;
                            continue;
                        }
                        let _ = tokio::time::timeout(REPLY_PATIENCE, replied).await;
                    }
                    sent
                })
            })
            .collect();
        let mut sent = Sent::default();
        for task in tasks {
            sent.merge(task.await.expect("a closed-loop user panicked"));
        }
        sent
    }

    /// `rate` messages a second for `window` from `start` on a fixed schedule
    /// (message `i` is due at `start + i / rate`), over up to `connections`
    /// connections, whatever the answers. Latency counts from each message's
    /// due time, so a send held up behind slow answers counts its wait
    /// (no coordinated omission).
    pub(crate) async fn open_loop(
        &self,
        addr: SocketAddr,
        phase: usize,
        rate: f64,
        window: Duration,
        start: Instant,
    ) -> Sent {
        // Rounded: a whole number of messages.
        let total = (rate * window.as_secs_f64()).round() as u64;
        let next = Arc::new(AtomicU64::new(0));
        let connections = self
            .connections
            .clamp(1, usize::try_from(total).unwrap_or(usize::MAX).max(1));
        let tasks: Vec<_> = (0..connections)
            .map(|_| {
                let ledger = Arc::clone(&self.ledger);
                let customers = Arc::clone(&self.customers);
                let text = Arc::clone(&self.text);
                let next = Arc::clone(&next);
                tokio::spawn(async move {
                    let mut conn = Conn::new(addr);
                    // Connected before the schedule starts.
                    let _ = conn.ready().await;
                    let mut sent = Sent::default();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= total {
                            break;
                        }
                        let due = start + Duration::from_secs_f64(i as f64 / rate);
                        let customer = customers.next();
                        let (body, signature) = webhook(customer, &text);
                        tokio::time::sleep_until(due.into()).await;
                        let seq = SEQ.fetch_add(1, Ordering::Relaxed);
                        ledger.expect(phase, customer, seq, due, None);
                        let ack = conn.post_webhook(body, &signature).await;
                        sent.record(ack, due.elapsed());
                        if ack != Ack::Accepted {
                            ledger.forget(customer, seq);
                        }
                    }
                    sent
                })
            })
            .collect();
        let mut sent = Sent::default();
        for task in tasks {
            sent.merge(task.await.expect("an open-loop connection panicked"));
        }
        sent
    }
}

/// Waits until every acknowledged message of `phase` has its reply, for at
/// most `patience`; whether they all do.
pub(crate) async fn drain(ledger: &Ledger, phase: usize, patience: Duration) -> bool {
    let give_up = Instant::now() + patience;
    loop {
        let (replies, expected) = ledger.progress(phase);
        if replies >= expected {
            return true;
        }
        if Instant::now() >= give_up {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until `GET /readyz` answers 200 at `addr`, for at most
/// `patience`, while `alive` says the server still runs.
pub(crate) async fn wait_ready(
    addr: SocketAddr,
    patience: Duration,
    mut alive: impl FnMut() -> bool,
) -> bool {
    let give_up = Instant::now() + patience;
    while Instant::now() < give_up && alive() {
        if readyz(addr).await == Some(StatusCode::OK) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn readyz(addr: SocketAddr) -> Option<StatusCode> {
    let stream = tokio::net::TcpStream::connect(addr).await.ok()?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .ok()?;
    tokio::spawn(connection);
    let request = Request::get("/readyz")
        .header(header::HOST, addr.to_string())
        .body(Empty::<Bytes>::new())
        .ok()?;
    let response = tokio::time::timeout(Duration::from_secs(5), sender.send_request(request))
        .await
        .ok()?
        .ok()?;
    Some(response.status())
}
