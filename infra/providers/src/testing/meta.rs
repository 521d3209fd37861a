//! A fake Meta WhatsApp Cloud API.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use framework::{Media, MediaKind};
use serde_json::{Map, Value, json};

use super::{Answer, FakeFailure, FakeMedia, RecordedRequest, Recorder, Server, header_string};
use crate::meta::{DEFAULT_API_VERSION, MetaConfig};

/// Where the fake's media URLs point, as Meta's lookaside host's do.
const LOOKASIDE_PATH: &str = "/whatsapp_business/attachments/";

/// The longest `text.body` the Cloud API accepts.
const TEXT_LIMIT: usize = 4096;

/// A fake Meta WhatsApp Cloud API on `127.0.0.1`, for one access token and
/// any phone number id.
///
/// It answers `POST /{version}/{phone_number_id}/messages` like the Graph API:
///
/// | Request | Answer |
/// |---|---|
/// | No or wrong `Authorization: Bearer` token | 401, code 190 (`OAuthException`) |
/// | Any other path, or a version not like `v25.0` | 400, code 2500 |
/// | Not a POST | 400, code 100 |
/// | A phone number id that is not digits | 400, code 100, subcode 33 |
/// | A body that is not JSON, or without `"messaging_product":"whatsapp"` | 400, code 100 |
/// | A read receipt (`"status":"read"`) with a `message_id` | 200, `{"success":true}` |
/// | No `to`, or `to` not 8–15 digits (with or without `+`) | 400, code 100 |
/// | No payload object for the `type` | 400, code 131008 |
/// | A text without `body`, or over 4,096 characters | 400, code 100 |
/// | Otherwise | 200, `{"messaging_product":"whatsapp","contacts":[{"input","wa_id"}],"messages":[{"id":"wamid.…"}]}` (templates add `"message_status":"accepted"`) |
///
/// It serves the media [added](Self::add_media) to it like the Cloud API:
///
/// | Request | Answer |
/// |---|---|
/// | `GET /{version}/{media_id}` without the token | 401, code 190 |
/// | … for an id it does not hold | 400, code 100, subcode 33 (`GraphMethodException`) |
/// | … otherwise | 200, `{"messaging_product":"whatsapp","url","mime_type","sha256","file_size","id"}`, the `url` on this fake: `/whatsapp_business/attachments/?mid=…&ext=…&hash=…` |
/// | `GET` of that `url` without the token | 401, code 190 |
/// | … with a wrong `hash` or an unknown `mid` | 404 |
/// | … otherwise | 200, the bytes |
///
/// [Scripted failures](Self::fail_next) come after the token and path checks
/// and before the body checks (for media: before the metadata). See the
/// [module docs](super).
#[derive(Debug)]
#[must_use = "the server stops when this value is dropped"]
pub struct FakeMeta {
    server: Server,
    state: Arc<MetaState>,
}

#[derive(Debug)]
struct MetaState {
    access_token: String,
    recorder: Arc<Recorder>,
}

impl FakeMeta {
    /// Starts a server that accepts `access_token`.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound.
    pub async fn start(access_token: impl Into<String>) -> Self {
        let recorder = Arc::new(Recorder::new());
        let state = Arc::new(MetaState {
            access_token: access_token.into(),
            recorder: Arc::clone(&recorder),
        });
        let router = axum::Router::new()
            .fallback(handle)
            .with_state(Arc::clone(&state));
        let server = Server::start(router, recorder).await;
        Self { server, state }
    }

    /// `http://127.0.0.1:{port}`, to use as the API base.
    #[must_use]
    pub fn base_url(&self) -> String {
        self.server.base_url.clone()
    }

    /// The access token the fake accepts.
    #[must_use]
    pub fn access_token(&self) -> &str {
        &self.state.access_token
    }

    /// A client configuration pointing at this fake with its token, the
    /// default API version and a 5 s timeout.
    #[must_use]
    pub fn config(&self) -> MetaConfig {
        MetaConfig::new(self.access_token())
            .with_base_url(self.base_url())
            .with_api_version(DEFAULT_API_VERSION)
            .with_timeout(Duration::from_secs(5))
    }

    /// Every request received so far, in arrival order, whatever the answer.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.requests()
    }

    /// The requests that were accepted (200), read receipts included.
    #[must_use]
    pub fn accepted(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(RecordedRequest::is_accepted)
            .collect()
    }

    /// The text of every accepted message to `to` (`+…` or digits), in order:
    /// `text.body`, an interactive message's `body.text`, a media caption.
    #[must_use]
    pub fn texts_to(&self, to: &str) -> Vec<String> {
        self.state.recorder.texts_to(to)
    }

    /// The options of every accepted interactive message to `to`, in order:
    /// each message's buttons or list rows as `(id, title)`
    /// ([`RecordedRequest::options`]); messages without options are left
    /// out.
    #[must_use]
    pub fn options_to(&self, to: &str) -> Vec<Vec<(String, String)>> {
        let to = to.trim_start_matches('+');
        self.accepted()
            .iter()
            .filter(|r| r.recipient().map(|n| n.trim_start_matches('+')) == Some(to))
            .map(RecordedRequest::options)
            .filter(|options| !options.is_empty())
            .collect()
    }

    /// Waits until at least `n` requests arrived or `timeout` passed, and
    /// returns the requests received by then (maybe fewer than `n`). Meant
    /// for real time: under `tokio::time::pause` the timeout elapses while
    /// the runtime waits for the network.
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        self.state.recorder.wait_for_requests(n, timeout).await
    }

    /// Answers the next request with the right credentials and path with
    /// `failure` (failures queue up in order).
    pub fn fail_next(&self, failure: FakeFailure) {
        self.state.recorder.fail_next(failure);
    }

    /// An outage: for `duration` from now, every request (after any
    /// [scripted failures](Self::fail_next)) is answered with `failure`,
    /// e.g. [`FakeFailure::ServerError`]; then the fake recovers.
    pub fn outage(&self, duration: Duration, failure: FakeFailure) {
        self.state.recorder.outage(duration, failure);
    }

    /// Holds `media` as the media of a new inbound message, and answers the
    /// reference a webhook would carry: `id`, `mime_type`, `sha256` (hex;
    /// the [announced](FakeMedia::announcing_sha256) one if set) and a
    /// document's `filename`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use infra_providers::testing::{FakeMedia, FakeMeta};
    ///
    /// let fake = FakeMeta::start("token").await;
    /// let file = FakeMedia::new("application/pdf", b"%PDF".to_vec()).with_file_name("a.pdf");
    /// let media = fake.add_media(file.clone());
    /// assert!(media.id.unwrap().bytes().all(|b| b.is_ascii_digit()));
    /// assert_eq!(media.sha256, Some(file.sha256()));
    /// assert_eq!(media.filename.as_deref(), Some("a.pdf"));
    /// # }
    /// ```
    pub fn add_media(&self, media: FakeMedia) -> Media {
        let hex = super::unique_hex();
        let digits = u64::from_str_radix(hex.get(..13).unwrap_or("1"), 16).unwrap_or(1);
        let id = format!("10{digits:015}");
        let mut reference = Media::new(MediaKind::from_mime(&media.mime_type));
        reference.id = Some(id.clone());
        reference.mime_type = Some(media.mime_type.clone());
        reference.sha256 = Some(
            media
                .announced_sha256
                .clone()
                .unwrap_or_else(|| media.sha256()),
        );
        reference.filename.clone_from(&media.file_name);
        self.state.recorder.add_media(&id, media);
        reference
    }
}

async fn handle(
    State(state): State<Arc<MetaState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(stopped) = state.recorder.stopped() {
        return stopped;
    }
    if method == Method::GET
        && let Some((status, response, answer, delay)) = media(&state, &uri, &headers)
    {
        state.recorder.record(RecordedRequest {
            method: method.to_string(),
            path: uri.path().to_owned(),
            content_type: None,
            authorization: header_string(&headers, &header::AUTHORIZATION),
            fields: Vec::new(),
            phone_number_id: None,
            json: None,
            status,
            response,
        });
        if let Some(delay) = delay {
            state.recorder.hang(delay).await;
        }
        return answer;
    }
    let json = serde_json::from_slice::<Value>(&body).ok();
    let phone_number_id = messages_path(uri.path()).map(|(_, id)| id.to_owned());
    let (answer, delay) = answer(&state, &method, uri.path(), &headers, json.as_ref());
    state.recorder.record(RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        content_type: header_string(&headers, &header::CONTENT_TYPE),
        authorization: header_string(&headers, &header::AUTHORIZATION),
        fields: Vec::new(),
        phone_number_id,
        json,
        status: answer.status,
        response: serde_json::from_str(&answer.body).unwrap_or(Value::Null),
    });
    if let Some(delay) = delay {
        state.recorder.hang(delay).await;
    }
    answer.into_response()
}

/// What a media GET is answered: status, the JSON answered (for the
/// record), the answer, a delay.
type MediaAnswer = (u16, Value, Response, Option<Duration>);

/// Answers a GET of a media id or of a lookaside URL; `None` for other
/// paths.
fn media(state: &MetaState, uri: &Uri, headers: &HeaderMap) -> Option<MediaAnswer> {
    let path = uri.path();
    let json = |answer: Answer| {
        let value = serde_json::from_str(&answer.body).unwrap_or(Value::Null);
        (answer.status, value, answer.into_response(), None)
    };
    if path == LOOKASIDE_PATH {
        if !authorized(state, headers) {
            return Some(json(unauthorized()));
        }
        let query = super::decode_form(uri.query().unwrap_or_default().as_bytes());
        let get = |name: &str| {
            query
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        let known = get("mid").and_then(|mid| state.recorder.media(mid));
        return Some(match known {
            Some((file, signature)) if get("hash") == Some(signature.as_str()) => {
                let response = file.response();
                (response.status().as_u16(), Value::Null, response, None)
            }
            _ => {
                let response = (StatusCode::NOT_FOUND, "").into_response();
                (404, Value::Null, response, None)
            }
        });
    }
    let mut segments = path.strip_prefix('/')?.split('/');
    let (version, id) = (segments.next()?, segments.next()?);
    if segments.next().is_some() || id.is_empty() {
        return None;
    }
    if !authorized(state, headers) {
        return Some(json(unauthorized()));
    }
    if !is_version(version) {
        return Some(json(error(
            400,
            2500,
            &format!("Unknown path components: {path}"),
            None,
        )));
    }
    let Some((file, signature)) = state.recorder.media(id) else {
        return Some(json(unknown_object("get", id)));
    };
    let failure = state.recorder.next_failure();
    let delay = match &failure {
        Some(FakeFailure::Hang(delay)) => Some(*delay),
        _ => None,
    };
    let answer = match failure {
        None | Some(FakeFailure::Hang(_)) => {
            let url = file.served_from.clone().unwrap_or_else(|| {
                format!(
                    "{}{LOOKASIDE_PATH}?mid={id}&ext=1893456000&hash={signature}",
                    state.recorder.base_url()
                )
            });
            let size = file
                .announced_size
                .unwrap_or_else(|| u64::try_from(file.bytes.len()).unwrap_or(u64::MAX));
            Answer::json(
                200,
                &json!({
                    "messaging_product": "whatsapp",
                    "url": url,
                    "mime_type": file.mime_type,
                    "sha256": file.announced_sha256.clone().unwrap_or_else(|| file.sha256()),
                    "file_size": size,
                    "id": id,
                }),
            )
        }
        Some(other) => failure_answer(other),
    };
    let (status, value, response, _) = json(answer);
    Some((status, value, response, delay))
}

/// Graph's answer to an id it does not know (code 100, subcode 33).
fn unknown_object(method: &str, id: &str) -> Answer {
    let message = format!(
        "Unsupported {method} request. Object with ID '{id}' does not exist, cannot be loaded \
         due to missing permissions, or does not support this operation. Please read the \
         Graph API documentation at https://developers.facebook.com/docs/graph-api"
    );
    let body = json!({
        "error": {
            "message": message,
            "type": "GraphMethodException",
            "code": 100,
            "error_subcode": 33,
            "fbtrace_id": fbtrace_id(),
        }
    });
    Answer::json(400, &body)
}

/// Whether the request carries the access token.
fn authorized(state: &MetaState, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(super::bearer_token)
        .is_some_and(|token| token == state.access_token)
}

/// Graph's answer to a missing or wrong token (code 190).
fn unauthorized() -> Answer {
    error(
        401,
        190,
        "Invalid OAuth access token - Cannot parse access token",
        None,
    )
}

/// `(version, phone_number_id)` of `/{version}/{id}/messages`.
fn messages_path(path: &str) -> Option<(&str, &str)> {
    let mut segments = path.strip_prefix('/')?.split('/');
    let version = segments.next()?;
    let id = segments.next()?;
    (segments.next()? == "messages" && segments.next().is_none()).then_some((version, id))
}

/// `v` + digits + `.` + digits.
fn is_version(version: &str) -> bool {
    version
        .strip_prefix('v')
        .and_then(|v| v.split_once('.'))
        .is_some_and(|(major, minor)| {
            [major, minor]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// A Graph error envelope.
fn error(status: u16, code: i64, message: &str, details: Option<&str>) -> Answer {
    let mut error = Map::new();
    error.insert("message".to_owned(), json!(message));
    error.insert("type".to_owned(), json!("OAuthException"));
    error.insert("code".to_owned(), json!(code));
    if let Some(details) = details {
        error.insert(
            "error_data".to_owned(),
            json!({ "messaging_product": "whatsapp", "details": details }),
        );
    }
    error.insert("fbtrace_id".to_owned(), json!(fbtrace_id()));
    Answer::json(status, &json!({ "error": error }))
}

fn fbtrace_id() -> String {
    let id = super::BASE64.encode(super::unique_hex().as_bytes());
    format!("A{}", id.get(..22).unwrap_or(&id))
}

/// What to answer, and after how long.
fn answer(
    state: &MetaState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    json: Option<&Value>,
) -> (Answer, Option<Duration>) {
    if !authorized(state, headers) {
        return (unauthorized(), None);
    }
    let Some((_, id)) = messages_path(path).filter(|(v, _)| is_version(v)) else {
        return (
            error(400, 2500, &format!("Unknown path components: {path}"), None),
            None,
        );
    };
    if method != Method::POST {
        return (error(400, 100, "Unsupported get request.", None), None);
    }
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return (unknown_object("post", id), None);
    }
    match state.recorder.next_failure() {
        None => (accepted(json), None),
        Some(FakeFailure::Hang(delay)) => (accepted(json), Some(delay)),
        Some(FakeFailure::Dropped) => (accepted(json).dropped(), None),
        Some(other) => (failure_answer(other), None),
    }
}

/// The answer of a scripted failure (not [`FakeFailure::Hang`] or
/// [`FakeFailure::Dropped`], which accept the message).
fn failure_answer(failure: FakeFailure) -> Answer {
    match failure {
        FakeFailure::Hang(_) | FakeFailure::Dropped => {
            error(500, 1, "An unknown error occurred", None)
        }
        FakeFailure::ServerError => error(
            500,
            131_000,
            "(#131000) Something went wrong",
            Some("Something went wrong"),
        ),
        FakeFailure::RateLimited { retry_after_secs } => {
            let mut answer = error(
                400,
                130_429,
                "(#130429) Rate limit hit",
                Some("Cloud API message throughput has been reached."),
            );
            answer.retry_after = retry_after_secs;
            answer
        }
        FakeFailure::InvalidRecipient => error(
            400,
            131_026,
            "(#131026) Message undeliverable",
            Some("Message Undeliverable."),
        ),
        FakeFailure::OutsideWindow => error(
            400,
            131_047,
            "(#131047) Re-engagement message",
            Some(
                "Message failed to send because more than 24 hours have passed since the \
                 customer last replied to this number.",
            ),
        ),
        FakeFailure::Raw { status, body } => Answer {
            status,
            body,
            retry_after: None,
            www_authenticate: None,
            dropped: false,
        },
    }
}

fn param_required(name: &str) -> Answer {
    error(
        400,
        100,
        &format!("(#100) The parameter {name} is required."),
        None,
    )
}

/// Validates the body and, if it is right, accepts the message.
fn accepted(json: Option<&Value>) -> Answer {
    let Some(body) = json.filter(|j| j.get("messaging_product") == Some(&json!("whatsapp"))) else {
        return param_required("messaging_product");
    };
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return match body.get("message_id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => Answer::json(200, &json!({ "success": true })),
            _ => param_required("message_id"),
        };
    }
    let Some(to) = body
        .get("to")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return param_required("to");
    };
    if !super::is_e164(to, false) {
        return error(
            400,
            100,
            "(#100) Invalid parameter",
            Some("Invalid parameter: to"),
        );
    }
    let kind = body.get("type").and_then(Value::as_str).unwrap_or("text");
    let Some(payload) = body.get(kind).filter(|p| p.is_object()) else {
        return error(
            400,
            131_008,
            "(#131008) Required parameter is missing",
            Some(&format!("The parameter {kind} is required.")),
        );
    };
    if kind == "text" {
        match payload.get("body").and_then(Value::as_str) {
            None | Some("") => return param_required("text['body']"),
            Some(text) if text.chars().count() > TEXT_LIMIT => {
                return error(
                    400,
                    100,
                    "(#100) Param text['body'] must be at most 4096 characters long.",
                    None,
                );
            }
            Some(_) => {}
        }
    }
    let wa_id: String = to.chars().filter(char::is_ascii_digit).collect();
    let wamid = format!(
        "wamid.{}",
        super::BASE64.encode(format!("{wa_id}:{}", super::unique_hex()).as_bytes())
    );
    let mut message = Map::new();
    message.insert("id".to_owned(), json!(wamid));
    if kind == "template" {
        message.insert("message_status".to_owned(), json!("accepted"));
    }
    Answer::json(
        200,
        &json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": to, "wa_id": wa_id }],
            "messages": [message],
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_versions() {
        assert_eq!(messages_path("/v25.0/123/messages"), Some(("v25.0", "123")));
        assert_eq!(messages_path("/v25.0/123/messages/x"), None);
        assert_eq!(messages_path("/v25.0/123"), None);
        assert!(is_version("v25.0"));
        assert!(!is_version("25.0") && !is_version("v25") && !is_version("v.1"));
    }
}
