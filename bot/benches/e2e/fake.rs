//! The fake Graph API the replies reach, and the ledger that matches each
//! reply to the webhook it answers.
//!
//! The fake answers `POST /{version}/{phone_number_id}/messages` as the
//! Cloud API does (`Authorization: Bearer`, the JSON body, the
//! `{"messaging_product","contacts","messages":[{"id":"wamid.…"}]}`
//! answer; a Graph error envelope for a wrong token, path or body) and
//! hands the recipient and the arrival time to the [`Ledger`]. It keeps
//! nothing else, so it costs the same at the end of a long run as at the
//! start.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use tokio::sync::oneshot;

/// The token the bot (and the baseline) send replies with.
pub(crate) const ACCESS_TOKEN: &str = "EAAbenchaccesstoken";

/// Messages sent and waiting for their reply, by customer, and the replies
/// of each phase. A customer's replies come in the order of their
/// messages (the bot answers a conversation in arrival order, one reply to
/// a "hi"), so a reply answers the oldest message still waiting.
#[derive(Debug, Default)]
pub(crate) struct Ledger {
    state: Mutex<LedgerState>,
}

#[derive(Debug, Default)]
struct LedgerState {
    waiting: HashMap<u64, VecDeque<Waiting>>,
    phases: Vec<PhaseLog>,
    /// Replies to a customer with no message waiting.
    strays: u64,
}

/// One message waiting for its reply.
#[derive(Debug)]
struct Waiting {
    seq: u64,
    phase: usize,
    /// Latency counts from here: the time the message was meant to be sent
    /// (open loop) or was sent (closed loop).
    since: Instant,
    /// Told when the reply arrives (closed loop).
    done: Option<oneshot::Sender<()>>,
}

/// What arrived for one phase's messages.
#[derive(Debug, Default, Clone)]
pub(crate) struct PhaseLog {
    /// Messages the bot acknowledged (2xx), each waiting for one reply.
    pub(crate) expected: u64,
    /// Each reply's arrival and its webhook-to-reply latency.
    pub(crate) replies: Vec<(Instant, Duration)>,
}

impl Ledger {
    fn lock(&self) -> MutexGuard<'_, LedgerState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A new phase; its messages are told apart by the number returned.
    pub(crate) fn new_phase(&self) -> usize {
        let mut state = self.lock();
        state.phases.push(PhaseLog::default());
        state.phases.len() - 1
    }

    /// Message `seq` of `phase`, from `customer`, waits for its reply from
    /// `since`. Call before sending it: the reply may come before the
    /// webhook's answer.
    pub(crate) fn expect(
        &self,
        phase: usize,
        customer: u64,
        seq: u64,
        since: Instant,
        done: Option<oneshot::Sender<()>>,
    ) {
        let mut state = self.lock();
        if let Some(log) = state.phases.get_mut(phase) {
            log.expected += 1;
        }
        state
            .waiting
            .entry(customer)
            .or_default()
            .push_back(Waiting {
                seq,
                phase,
                since,
                done,
            });
    }

    /// Message `seq` was refused: no reply is expected for it.
    pub(crate) fn forget(&self, customer: u64, seq: u64) {
        let mut state = self.lock();
        let Some(queue) = state.waiting.get_mut(&customer) else {
            return;
        };
        let Some(at) = queue.iter().position(|w| w.seq == seq) else {
            return;
        };
        let phase = queue.remove(at).map(|w| w.phase);
        if queue.is_empty() {
            state.waiting.remove(&customer);
        }
        if let Some(log) = phase.and_then(|p| state.phases.get_mut(p)) {
            log.expected = log.expected.saturating_sub(1);
        }
    }

    /// A reply to `customer` arrived `at`.
    fn reply(&self, customer: u64, at: Instant) {
        let mut state = self.lock();
        let Some(queue) = state.waiting.get_mut(&customer) else {
            state.strays += 1;
            return;
        };
        let waiting = queue.pop_front();
        if queue.is_empty() {
            state.waiting.remove(&customer);
        }
        let Some(waiting) = waiting else {
            state.strays += 1;
            return;
        };
        if let Some(log) = state.phases.get_mut(waiting.phase) {
            log.replies
                .push((at, at.saturating_duration_since(waiting.since)));
        }
        if let Some(done) = waiting.done {
            let _ = done.send(());
        }
    }

    /// Replies arrived and replies expected for `phase`.
    pub(crate) fn progress(&self, phase: usize) -> (u64, u64) {
        let state = self.lock();
        state
            .phases
            .get(phase)
            .map_or((0, 0), |log| (log.replies.len() as u64, log.expected))
    }

    /// A copy of what arrived for `phase` so far.
    pub(crate) fn log(&self, phase: usize) -> PhaseLog {
        self.lock().phases.get(phase).cloned().unwrap_or_default()
    }

    /// Replies that matched no waiting message, over the whole run.
    pub(crate) fn strays(&self) -> u64 {
        self.lock().strays
    }
}

/// The fake's state: the ledger and its counters.
#[derive(Debug)]
struct Fake {
    ledger: Arc<Ledger>,
    /// For unique wamids.
    sent: AtomicU64,
    /// Requests answered with an error (a wrong token, path or body).
    refused: Arc<AtomicU64>,
}

/// The running fake: its base URL and how many requests it refused.
#[derive(Debug, Clone)]
pub(crate) struct FakeGraph {
    pub(crate) base_url: String,
    refused: Arc<AtomicU64>,
}

impl FakeGraph {
    /// Requests answered with an error so far (a misconfigured bot).
    pub(crate) fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

/// Starts the fake on 127.0.0.1 on the current runtime; it runs until the
/// runtime stops.
pub(crate) async fn start(ledger: Arc<Ledger>) -> FakeGraph {
    let refused = Arc::new(AtomicU64::new(0));
    let fake = Arc::new(Fake {
        ledger,
        sent: AtomicU64::new(0),
        refused: Arc::clone(&refused),
    });
    let app = axum::Router::new()
        .route("/{version}/{phone_number_id}/messages", post(messages))
        .fallback(unknown_path)
        .with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the fake Graph API on 127.0.0.1");
    let addr: SocketAddr = listener.local_addr().expect("the fake's address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    FakeGraph {
        base_url: format!("http://{addr}"),
        refused,
    }
}

/// The part of a send the fake reads.
#[derive(Debug, Deserialize)]
struct Outgoing {
    messaging_product: String,
    to: String,
}

async fn messages(
    State(fake): State<Arc<Fake>>,
    Path((version, phone_number_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let arrived = Instant::now();
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if token != Some(ACCESS_TOKEN) {
        return refuse(
            &fake,
            StatusCode::UNAUTHORIZED,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    if !version.starts_with('v') || !phone_number_id.bytes().all(|b| b.is_ascii_digit()) {
        return refuse(
            &fake,
            StatusCode::BAD_REQUEST,
            100,
            "Unsupported post request.",
        );
    }
    let Ok(outgoing) = serde_json::from_slice::<Outgoing>(&body) else {
        return refuse(
            &fake,
            StatusCode::BAD_REQUEST,
            100,
            "(#100) The parameter messaging_product is required.",
        );
    };
    let digits = outgoing.to.trim_start_matches('+');
    let customer = digits
        .parse::<u64>()
        .ok()
        .filter(|_| outgoing.messaging_product == "whatsapp");
    let Some(customer) = customer else {
        return refuse(
            &fake,
            StatusCode::BAD_REQUEST,
            100,
            "(#100) Invalid parameter",
        );
    };
    fake.ledger.reply(customer, arrived);
    let n = fake.sent.fetch_add(1, Ordering::Relaxed);
    let answer = serde_json::json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": outgoing.to, "wa_id": digits }],
        "messages": [{ "id": format!("wamid.BENCH{n:016X}") }],
    });
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        answer.to_string(),
    )
        .into_response()
}

async fn unknown_path(State(fake): State<Arc<Fake>>) -> Response {
    refuse(
        &fake,
        StatusCode::BAD_REQUEST,
        2500,
        "Unknown path components",
    )
}

/// A Graph error envelope, counted.
fn refuse(fake: &Fake, status: StatusCode, code: i64, message: &str) -> Response {
    fake.refused.fetch_add(1, Ordering::Relaxed);
    let body = serde_json::json!({
        "error": { "message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Abench" }
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}
