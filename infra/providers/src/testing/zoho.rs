//! A fake Zoho CRM: the accounts server's token endpoint and the v8 API's
//! records, upsert and update, in Zoho's wire format.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Answer, Recorder, Server, decode_form, header_string, lock, unique_hex};
use crate::zoho::ZohoConfig;

mod api;
mod list;

/// The OAuth client the fake accepts.
pub const FAKE_ZOHO_CLIENT_ID: &str = "1000.FAKECLIENTID";
/// Its secret.
pub const FAKE_ZOHO_CLIENT_SECRET: &str = "fake-client-secret";
/// The refresh token the fake accepts.
pub const FAKE_ZOHO_REFRESH_TOKEN: &str = "1000.fake.refresh";

/// A failure for the next API call with a valid token (the token endpoint
/// is scripted with [`FakeZoho::deny_next_refresh`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZohoFailure {
    /// HTTP 500 `INTERNAL_ERROR`.
    ServerError,
    /// HTTP 429 `TOO_MANY_REQUESTS` (too many calls in flight).
    TooManyRequests,
    /// HTTP 429 `TOO_MANY_REQUESTS` with `X-API-CREDITS-REMAINING: 0`.
    CreditsExhausted,
    /// HTTP 401 `INVALID_TOKEN`, whatever the token.
    InvalidToken,
    /// An upsert answers `DUPLICATE_DATA` pointing at the record with the
    /// same duplicate-check value (else the module's latest record) instead
    /// of writing.
    DuplicateData,
    /// Handles the call normally (writes included) but answers only after
    /// this delay: a client that timed out does not know it was applied.
    Hang(Duration),
    /// Exactly this status and JSON body.
    Raw {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
    },
}

/// One call the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZohoRequest {
    /// The HTTP method.
    pub method: String,
    /// The path, e.g. `/crm/v8/Products`.
    pub path: String,
    /// The query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The JSON body, when there is one.
    pub json: Option<Value>,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The status answered.
    pub status: u16,
}

impl ZohoRequest {
    /// A query parameter's value.
    #[must_use]
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A fake Zoho CRM on `127.0.0.1`: `POST /oauth/v2/token` (refresh grant),
/// `GET /crm/v8/{module}` (paged: `page` up to 2,000 records, then
/// `page_token`; 204 when empty), `POST /crm/v8/{module}/upsert` and `PUT
/// /crm/v8/{module}/{id}`. Records are kept per module; upserts match them
/// by the `duplicate_check_fields`.
///
/// | Request | Answer |
/// |---|---|
/// | token: wrong client or secret | 200 `{"error":"invalid_client"}` |
/// | token: wrong refresh token | 200 `{"error":"invalid_code"}` |
/// | token: [denied](Self::deny_next_refresh) | 200 `{"error":"Access Denied", "error_description": "You have made too many requests continuously…"}` |
/// | API: no `Zoho-oauthtoken` | 401 `AUTHENTICATION_FAILURE` |
/// | API: a token it did not issue, or [revoked](Self::revoke_tokens) | 401 `INVALID_TOKEN` |
/// | unknown or [disabled](Self::disable_module) module | 400 `INVALID_MODULE` |
/// | list without `fields` | 400 `REQUIRED_PARAM_MISSING` |
/// | `page` past 2,000 records | 400 `DISCRETE_PAGINATION_LIMIT_EXCEEDED` |
/// | write without a mandatory field (`Subject`, `Deal_Name`, `Product_Name`) | 400 with the element `MANDATORY_NOT_FOUND` |
///
/// [Scripted failures](Self::fail_next) answer the next API call that
/// passes the token check. See the [`zoho` module docs](crate::zoho) for an
/// example.
#[derive(Debug)]
#[must_use = "the server stops when this value is dropped"]
pub struct FakeZoho {
    server: Server,
    state: Arc<ZohoState>,
}

#[derive(Debug)]
struct ZohoState {
    recorder: Arc<Recorder>,
    data: std::sync::Mutex<Data>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

#[derive(Debug, Default)]
struct Data {
    requests: Vec<ZohoRequest>,
    failures: VecDeque<ZohoFailure>,
    denials: usize,
    refreshes: usize,
    tokens: HashSet<String>,
    expires_in: u64,
    records: HashMap<String, Vec<Value>>,
    page_tokens: HashMap<String, usize>,
    disabled: HashSet<String>,
    latency: Duration,
    next_id: u64,
}

impl FakeZoho {
    /// Starts a server accepting [`FAKE_ZOHO_CLIENT_ID`],
    /// [`FAKE_ZOHO_CLIENT_SECRET`] and [`FAKE_ZOHO_REFRESH_TOKEN`], with no
    /// records.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound.
    pub async fn start() -> Self {
        let recorder = Arc::new(Recorder::new());
        let state = Arc::new(ZohoState {
            recorder: Arc::clone(&recorder),
            data: std::sync::Mutex::new(Data {
                expires_in: 3600,
                ..Data::default()
            }),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
        });
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let server = Server::start(router, recorder).await;
        Self { server, state }
    }

    /// `http://127.0.0.1:{port}`: both the accounts server and the API.
    #[must_use]
    pub fn base_url(&self) -> String {
        self.server.base_url.clone()
    }

    /// A client configuration for this fake: its credentials, both bases,
    /// a 5 s timeout.
    #[must_use]
    pub fn config(&self) -> ZohoConfig {
        ZohoConfig::new(
            FAKE_ZOHO_CLIENT_ID,
            FAKE_ZOHO_CLIENT_SECRET,
            FAKE_ZOHO_REFRESH_TOKEN,
        )
        .with_accounts_base(self.base_url())
        .with_api_base(self.base_url())
        .with_timeout(Duration::from_secs(5))
    }

    /// Adds `n` products: `Product {i}`, code `SKU-{i}`, price `{i}.50`,
    /// `i` in stock, active, numbered on from the products already held.
    pub fn add_products(&self, n: usize) {
        let mut data = lock(&self.state.data);
        let start = data.records.get("Products").map_or(0, Vec::len);
        for i in start + 1..=start + n {
            let id = data.id();
            data.records
                .entry("Products".to_owned())
                .or_default()
                .push(json!({
                    "id": id,
                    "Product_Name": format!("Product {i}"),
                    "Product_Code": format!("SKU-{i}"),
                    "Unit_Price": i as f64 + 0.5,
                    "Qty_in_Stock": i as f64,
                    "Product_Active": true,
                }));
        }
    }

    /// Adds one record to `module` as is (an `id` is added when missing).
    pub fn add_record(&self, module: &str, mut record: Value) {
        let mut data = lock(&self.state.data);
        if record.get("id").is_none()
            && let Some(object) = record.as_object_mut()
        {
            object.insert("id".to_owned(), Value::String(data.id()));
        }
        data.records
            .entry(module.to_owned())
            .or_default()
            .push(record);
    }

    /// The records of `module`, in creation order.
    #[must_use]
    pub fn records(&self, module: &str) -> Vec<Value> {
        lock(&self.state.data)
            .records
            .get(module)
            .cloned()
            .unwrap_or_default()
    }

    /// Answers calls to `module` with `INVALID_MODULE` (an edition without
    /// it).
    pub fn disable_module(&self, module: &str) {
        lock(&self.state.data).disabled.insert(module.to_owned());
    }

    /// Access tokens issued so far.
    #[must_use]
    pub fn refreshes(&self) -> usize {
        lock(&self.state.data).refreshes
    }

    /// Answers the next token refresh with "Access Denied" (HTTP 200).
    pub fn deny_next_refresh(&self) {
        lock(&self.state.data).denials += 1;
    }

    /// Makes every issued access token invalid (expired or revoked).
    pub fn revoke_tokens(&self) {
        lock(&self.state.data).tokens.clear();
    }

    /// The `expires_in` of the tokens issued from now on (default 3600).
    pub fn set_expires_in(&self, seconds: u64) {
        lock(&self.state.data).expires_in = seconds;
    }

    /// Every API answer waits `latency` first (to see calls overlap).
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.state.data).latency = latency;
    }

    /// Answers the next API call with a valid token with `failure` (in
    /// order).
    pub fn fail_next(&self, failure: ZohoFailure) {
        lock(&self.state.data).failures.push_back(failure);
    }

    /// The most API calls that were in flight at once.
    #[must_use]
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Every call received, token refreshes included, in arrival order.
    #[must_use]
    pub fn requests(&self) -> Vec<ZohoRequest> {
        lock(&self.state.data).requests.clone()
    }

    /// The API calls (not token refreshes).
    #[must_use]
    pub fn api_requests(&self) -> Vec<ZohoRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/crm/"))
            .collect()
    }
}

impl Data {
    fn id(&mut self) -> String {
        self.next_id += 1;
        format!("{}", 5_725_767_000_000_000_000_u64 + self.next_id)
    }
}

/// Counts a call in flight for as long as it lives.
struct InFlight<'a>(&'a ZohoState);

impl<'a> InFlight<'a> {
    fn new(state: &'a ZohoState) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(
    State(state): State<Arc<ZohoState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(stopped) = state.recorder.stopped() {
        return stopped;
    }
    let query = decode_form(uri.query().unwrap_or_default().as_bytes());
    let path = uri.path().to_owned();
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let reply = if path == "/oauth/v2/token" {
        let mut params = query.clone();
        params.extend(decode_form(&body));
        api::Reply::from(token(&state, &method, &params))
    } else {
        let _in_flight = InFlight::new(&state);
        let latency = lock(&state.data).latency;
        if !latency.is_zero() {
            state.recorder.hang(latency).await;
        }
        let token = header_string(&headers, &header::AUTHORIZATION);
        api::answer(
            &state.data,
            &method,
            &path,
            &query,
            json.as_ref(),
            token.as_deref(),
        )
    };
    let api::Reply {
        answer,
        delay,
        credits_exhausted,
    } = reply;
    lock(&state.data).requests.push(ZohoRequest {
        method: method.to_string(),
        path,
        query,
        json,
        authorization: header_string(&headers, &header::AUTHORIZATION),
        status: answer.status,
    });
    if let Some(delay) = delay {
        state.recorder.hang(delay).await;
    }
    let mut response = answer.into_response();
    if credits_exhausted {
        response
            .headers_mut()
            .insert("x-api-credits-remaining", HeaderValue::from_static("0"));
    }
    response
}

/// `POST /oauth/v2/token`: errors come with HTTP 200, as Zoho sends them.
fn token(state: &ZohoState, method: &Method, params: &[(String, String)]) -> Answer {
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let mut data = lock(&state.data);
    let error = |error: &str| Answer::json(200, &json!({ "error": error }));
    if method != Method::POST {
        return Answer::json(405, &json!({ "error": "invalid_request" }));
    }
    if param("grant_type") != Some("refresh_token") {
        return error("unsupported_grant_type");
    }
    if param("client_id") != Some(FAKE_ZOHO_CLIENT_ID)
        || param("client_secret") != Some(FAKE_ZOHO_CLIENT_SECRET)
    {
        return error("invalid_client");
    }
    if param("refresh_token") != Some(FAKE_ZOHO_REFRESH_TOKEN) {
        return error("invalid_code");
    }
    if data.denials > 0 {
        data.denials -= 1;
        return Answer::json(
            200,
            &json!({
                "error_description": "You have made too many requests continuously. Please try again after some time.",
                "error": "Access Denied",
                "status": "failure",
            }),
        );
    }
    let access_token = format!("1000.{}.{}", unique_hex(), unique_hex());
    data.tokens.insert(access_token.clone());
    data.refreshes += 1;
    Answer::json(
        200,
        &json!({
            "access_token": access_token,
            "scope": "ZohoCRM.modules.ALL",
            "api_domain": state.recorder.base_url(),
            "token_type": "Bearer",
            "expires_in": data.expires_in,
        }),
    )
}
