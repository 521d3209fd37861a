//! A fake Twilio Messages API.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use framework::{Media, MediaKind};
use serde_json::{Value, json};

use super::{Answer, FakeFailure, FakeMedia, RecordedRequest, Recorder, Server, header_string};
use crate::twilio::TwilioConfig;

/// The longest `Body` Twilio accepts.
const BODY_LIMIT: usize = 1600;

/// A fake Twilio Messages API on `127.0.0.1`, for one account.
///
/// It answers `POST /2010-04-01/Accounts/{sid}/Messages.json` like Twilio:
///
/// | Request | Answer |
/// |---|---|
/// | No or wrong HTTP Basic credentials | 401, code 20003 |
/// | Another account's path, or any other path | 404, code 20404 |
/// | Not a POST | 405, code 20004 |
/// | No `To` | 400, code 21604 |
/// | `To` not `whatsapp:+E164` or `+E164` | 400, code 21211 |
/// | No `From` and no `MessagingServiceSid` | 400, code 21603 |
/// | No `Body`, `MediaUrl` or `ContentSid` | 400, code 21602 |
/// | `Body` over 1,600 characters | 400, code 21617 |
/// | Otherwise | 201 and the Message resource: `sid` `SM…` (`MM…` with media), `status` `queued` (`accepted` through a Messaging Service without `From`) |
///
/// It serves the media [added](Self::add_media) to it like Twilio with
/// "HTTP Basic auth for media" on: `GET
/// /2010-04-01/Accounts/{sid}/Messages/{MM…}/Media/{ME…}` answers 401 code
/// 20003 without the credentials, 404 code 20404 for media it does not hold,
/// and otherwise **307** to a signed storage URL on the same fake
/// (`/storage/{ME…}?Signature=…`), which serves the bytes to anyone with the
/// signature (403 `AccessDenied` XML without it, as S3 does).
///
/// [Scripted failures](Self::fail_next) come after the credential and path
/// checks and before the parameter checks (for media: before the redirect).
/// See the [module docs](super) for an example.
#[derive(Debug)]
#[must_use = "the server stops when this value is dropped"]
pub struct FakeTwilio {
    server: Server,
    state: Arc<TwilioState>,
}

#[derive(Debug)]
struct TwilioState {
    account_sid: String,
    auth_token: String,
    recorder: Arc<Recorder>,
}

impl FakeTwilio {
    /// Starts a server that accepts `account_sid:auth_token`.
    ///
    /// # Panics
    ///
    /// When no port of 127.0.0.1 can be bound.
    pub async fn start(account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        let recorder = Arc::new(Recorder::new());
        let state = Arc::new(TwilioState {
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
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

    /// The account the fake accepts.
    #[must_use]
    pub fn account_sid(&self) -> &str {
        &self.state.account_sid
    }

    /// The auth token the fake accepts.
    #[must_use]
    pub fn auth_token(&self) -> &str {
        &self.state.auth_token
    }

    /// A client configuration pointing at this fake with its credentials and
    /// a 5 s timeout.
    #[must_use]
    pub fn config(&self) -> TwilioConfig {
        TwilioConfig::new(self.account_sid(), self.auth_token())
            .with_base_url(self.base_url())
            .with_timeout(Duration::from_secs(5))
    }

    /// Every request received so far, in arrival order, whatever the answer.
    #[must_use]
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.requests()
    }

    /// How many requests created a message, without copying them: what a
    /// load test samples (copying every request each second would hold
    /// the fake's lock long enough to slow it down).
    #[must_use]
    pub fn accepted_count(&self) -> usize {
        self.state.recorder.count(RecordedRequest::is_accepted)
    }

    /// The requests that created a message (201).
    #[must_use]
    pub fn accepted(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(RecordedRequest::is_accepted)
            .collect()
    }

    /// The `Body` of every accepted message to `to` (`whatsapp:+…` or `+…`),
    /// in order.
    #[must_use]
    pub fn texts_to(&self, to: &str) -> Vec<String> {
        self.state.recorder.texts_to(to)
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
    /// reference a webhook would carry: `url` (`MediaUrl0`) and
    /// `mime_type` (`MediaContentType0`).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use infra_providers::testing::{FakeMedia, FakeTwilio};
    ///
    /// let fake = FakeTwilio::start("AC0123456789abcdef0123456789abcdef", "token").await;
    /// let media = fake.add_media(FakeMedia::new("image/jpeg", vec![0xff, 0xd8]));
    /// let url = media.url.unwrap();
    /// assert!(url.starts_with(&format!("{}/2010-04-01/Accounts/AC", fake.base_url())));
    /// assert!(url.contains("/Messages/MM") && url.contains("/Media/ME"));
    /// # }
    /// ```
    pub fn add_media(&self, media: FakeMedia) -> Media {
        let message_sid = format!("MM{}", super::unique_hex());
        let media_sid = format!("ME{}", super::unique_hex());
        let mut reference = Media::new(MediaKind::from_mime(&media.mime_type));
        reference.mime_type = Some(media.mime_type.clone());
        reference.url = Some(format!(
            "{}/2010-04-01/Accounts/{}/Messages/{message_sid}/Media/{media_sid}",
            self.base_url(),
            self.account_sid()
        ));
        self.state.recorder.add_media(&media_sid, media);
        reference
    }
}

async fn handle(
    State(state): State<Arc<TwilioState>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(stopped) = state.recorder.stopped() {
        return stopped;
    }
    if method == Method::GET
        && let Some((status, response, delay)) = media(&state, &uri, &headers)
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
            response: Value::Null,
        });
        if let Some(delay) = delay {
            state.recorder.hang(delay).await;
        }
        return response;
    }
    let fields = super::decode_form(&body);
    let (answer, delay) = answer(&state, &method, uri.path(), &headers, &fields);
    state.recorder.record(RecordedRequest {
        method: method.to_string(),
        path: uri.path().to_owned(),
        content_type: header_string(&headers, &header::CONTENT_TYPE),
        authorization: header_string(&headers, &header::AUTHORIZATION),
        fields,
        phone_number_id: None,
        json: None,
        status: answer.status,
        response: serde_json::from_str(&answer.body).unwrap_or(Value::Null),
    });
    if let Some(delay) = delay {
        state.recorder.hang(delay).await;
    }
    answer.into_response()
}

/// Answers a GET of a media or storage path: the status, the answer and a
/// delay; `None` for other paths.
fn media(
    state: &TwilioState,
    uri: &Uri,
    headers: &HeaderMap,
) -> Option<(u16, Response, Option<Duration>)> {
    let path = uri.path();
    if let Some(media_sid) = path.strip_prefix("/storage/") {
        let response = storage(state, media_sid, uri.query().unwrap_or_default());
        return Some((response.status().as_u16(), response, None));
    }
    let rest = path.strip_prefix("/2010-04-01/Accounts/")?;
    let segments: Vec<&str> = rest.split('/').collect();
    let [account, "Messages", _message, "Media", media_sid] = segments.as_slice() else {
        return None;
    };
    let json = |answer: Answer| (answer.status, answer.into_response(), None);
    if !authorized(state, headers) {
        return Some(json(unauthorized()));
    }
    let known = state.recorder.media(media_sid);
    let Some((file, signature)) = known.filter(|_| *account == state.account_sid) else {
        return Some(json(error(
            404,
            20404,
            &format!("The requested resource {path} was not found"),
        )));
    };
    let location = file.served_from.unwrap_or_else(|| {
        format!(
            "{}/storage/{media_sid}?Expires=1893456000&Signature={signature}",
            state.recorder.base_url()
        )
    });
    let redirect = || {
        let mut response = StatusCode::TEMPORARY_REDIRECT.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        response
    };
    Some(match state.recorder.next_failure() {
        None => (307, redirect(), None),
        Some(FakeFailure::Hang(delay)) => (307, redirect(), Some(delay)),
        Some(FakeFailure::ServerError) => {
            json(error(500, 20500, "An internal server error has occurred"))
        }
        Some(FakeFailure::RateLimited { retry_after_secs }) => {
            let mut answer = error(429, 20429, "Too Many Requests");
            answer.retry_after = retry_after_secs;
            json(answer)
        }
        Some(FakeFailure::Dropped) => {
            json(error(500, 20500, "An internal server error has occurred").dropped())
        }
        Some(FakeFailure::InvalidRecipient | FakeFailure::OutsideWindow) => json(error(
            404,
            20404,
            &format!("The requested resource {path} was not found"),
        )),
        Some(FakeFailure::Raw { status, body }) => json(Answer {
            status,
            body,
            retry_after: None,
            www_authenticate: None,
            dropped: false,
        }),
    })
}

/// The signed storage URL: the bytes, to anyone with the signature.
fn storage(state: &TwilioState, media_sid: &str, query: &str) -> Response {
    let xml = |status: StatusCode, code: &str, message: &str| {
        (
            status,
            [(header::CONTENT_TYPE, "application/xml")],
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
                 <Message>{message}</Message></Error>"
            ),
        )
            .into_response()
    };
    let Some((file, signature)) = state.recorder.media(media_sid) else {
        return xml(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            "The specified key does not exist.",
        );
    };
    let signed = super::decode_form(query.as_bytes())
        .iter()
        .any(|(name, value)| name == "Signature" && *value == signature);
    if !signed {
        return xml(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied");
    }
    file.response()
}

/// Twilio's error body.
fn error(status: u16, code: u32, message: &str) -> Answer {
    Answer::json(
        status,
        &json!({
            "code": code,
            "message": message,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}"),
            "status": status,
        }),
    )
}

/// Whether the request carries the account's HTTP Basic credentials.
fn authorized(state: &TwilioState, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(super::basic_credentials)
        .is_some_and(|(user, password)| user == state.account_sid && password == state.auth_token)
}

/// Twilio's answer to wrong credentials: 401, code 20003.
fn unauthorized() -> Answer {
    let mut answer = Answer::json(
        401,
        &json!({
            "code": 20003,
            "detail": "Your AccountSid or AuthToken was incorrect.",
            "message": "Authenticate",
            "more_info": "https://www.twilio.com/docs/errors/20003",
            "status": 401,
        }),
    );
    answer.www_authenticate = Some("Basic realm=\"Twilio API\"");
    answer
}

/// What to answer, and after how long.
fn answer(
    state: &TwilioState,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> (Answer, Option<Duration>) {
    if !authorized(state, headers) {
        return (unauthorized(), None);
    }
    let messages_path = format!("/2010-04-01/Accounts/{}/Messages.json", state.account_sid);
    if path != messages_path {
        return (
            error(
                404,
                20404,
                &format!("The requested resource {path} was not found"),
            ),
            None,
        );
    }
    if method != Method::POST {
        return (error(405, 20004, "Method not allowed"), None);
    }
    match state.recorder.next_failure() {
        None => (created(state, fields), None),
        Some(FakeFailure::Hang(delay)) => (created(state, fields), Some(delay)),
        Some(FakeFailure::Dropped) => (created(state, fields).dropped(), None),
        Some(FakeFailure::ServerError) => (
            error(500, 20500, "An internal server error has occurred"),
            None,
        ),
        Some(FakeFailure::RateLimited { retry_after_secs }) => {
            let mut answer = error(429, 20429, "Too Many Requests");
            answer.retry_after = retry_after_secs;
            (answer, None)
        }
        Some(FakeFailure::InvalidRecipient) => (invalid_to(fields), None),
        Some(FakeFailure::OutsideWindow) => (
            error(
                400,
                63016,
                "Failed to send freeform message because you are outside the allowed window. \
                 If you are using WhatsApp, please use a Message Template.",
            ),
            None,
        ),
        Some(FakeFailure::Raw { status, body }) => (
            Answer {
                status,
                body,
                retry_after: None,
                www_authenticate: None,
                dropped: false,
            },
            None,
        ),
    }
}

fn invalid_to(fields: &[(String, String)]) -> Answer {
    let to = get(fields, "To").unwrap_or_default();
    error(400, 21211, &format!("Invalid 'To' Phone Number: {to}"))
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Validates the parameters and, if they are right, creates the message.
fn created(state: &TwilioState, fields: &[(String, String)]) -> Answer {
    let Some(to) = get(fields, "To").filter(|t| !t.is_empty()) else {
        return error(400, 21604, "A 'To' phone number is required.");
    };
    if !super::is_e164(to.strip_prefix("whatsapp:").unwrap_or(to), true) {
        return invalid_to(fields);
    }
    let from = get(fields, "From").filter(|f| !f.is_empty());
    let service = get(fields, "MessagingServiceSid").filter(|s| !s.is_empty());
    if from.is_none() && service.is_none() {
        return error(400, 21603, "A 'From' phone number is required.");
    }
    let body = get(fields, "Body").unwrap_or_default();
    let media = fields.iter().filter(|(n, _)| n == "MediaUrl").count();
    let content_sid = get(fields, "ContentSid");
    if body.is_empty() && media == 0 && content_sid.is_none() {
        return error(400, 21602, "Message body is required.");
    }
    if body.chars().count() > BODY_LIMIT {
        return error(
            400,
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        );
    }
    let prefix = if media > 0 { "MM" } else { "SM" };
    let sid = format!("{prefix}{}", super::unique_hex());
    let now = super::rfc2822_now();
    let account = &state.account_sid;
    let status = if from.is_none() { "accepted" } else { "queued" };
    Answer::json(
        201,
        &json!({
            "account_sid": account,
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": null,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": null,
            "error_message": null,
            "from": from,
            "messaging_service_sid": service,
            "num_media": media.to_string(),
            "num_segments": "1",
            "price": null,
            "price_unit": "USD",
            "sid": sid,
            "status": status,
            "subresource_uris": {
                "media": format!("/2010-04-01/Accounts/{account}/Messages/{sid}/Media.json"),
            },
            "to": to,
            "uri": format!("/2010-04-01/Accounts/{account}/Messages/{sid}.json"),
        }),
    )
}
