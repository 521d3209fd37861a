//! Cloud API send responses → [`SendOutcome`] or [`ApiError`].
//!
//! Pure parsing for the HTTP client in `infra_providers`: it passes the status code and
//! the body bytes, whatever they are, and gets either the accepted message or
//! an error that says whether to retry.

use serde::Deserialize;
use serde_json::Value;

use crate::message::MessageId;

/// A message the Cloud API accepted.
///
/// Acceptance is not delivery: delivery arrives later as a
/// [`StatusEvent`](crate::StatusEvent) for [`id`](Self::id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// The wamid of the new message; status webhooks refer to it.
    pub id: MessageId,
    /// Set for template messages under pacing (`accepted`, `held_for_quality_assessment`, ...).
    pub message_status: Option<String>,
}

/// What a successful call returned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendOutcome {
    /// A message was accepted (every reply except mark-as-read).
    Sent(SentMessage),
    /// `{"success": true}`: the answer to a mark-as-read request.
    Success,
}

/// An error answer of the Graph API (or a body that is not an answer at all).
///
/// Branch on [`code`](Self::code) and the helpers, never on the message text:
/// Meta rewords titles and says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "Meta API error{} (HTTP {http_status}): {message}{}",
    code_suffix(.code, .subcode),
    details_suffix(.details)
)]
pub struct ApiError {
    /// The HTTP status of the response.
    pub http_status: u16,
    /// The Graph error `code`, e.g. `131047`.
    pub code: Option<i64>,
    /// The Graph `error_subcode`, when present.
    pub subcode: Option<i64>,
    /// The Graph error `type`, e.g. `OAuthException`.
    pub kind: Option<String>,
    /// The Graph error `message` (for bodies that are not Graph errors, what was
    /// wrong with the body).
    pub message: String,
    /// `error_data.details`, Meta's precise explanation.
    pub details: Option<String>,
    /// Meta's trace id, for support requests.
    pub fbtrace_id: Option<String>,
}

/// Error codes that clear up by themselves: rate and throughput limits
/// (4, 80007, 130429, 131056), transient failures (131000, 131016) and number
/// maintenance (131057).
const RETRYABLE_CODES: [i64; 7] = [4, 80007, 130429, 131000, 131016, 131056, 131057];

/// Throughput and rate limits: app (4), WABA (80007), the number's
/// throughput (130429), the pair rate to one customer (131056).
const RATE_LIMIT_CODES: [i64; 4] = [4, 80007, 130429, 131056];

/// The "re-engagement" error: more than 24 hours since the customer last wrote.
const REENGAGEMENT: i64 = 131047;

impl ApiError {
    /// Whether sending the same request again later may succeed: rate and
    /// throughput limits (codes 4, 80007, 130429, 131056), transient failures
    /// (131000, 131016, 131057) and HTTP 429 or 5xx. Retry with exponential
    /// backoff; for 131056 (pair rate limit) Meta suggests waiting 4^n seconds.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.code.is_some_and(|c| RETRYABLE_CODES.contains(&c))
            || self.http_status == 429
            || (500..600).contains(&self.http_status)
    }

    /// Whether the error is a throughput or rate limit (HTTP 429, codes 4,
    /// 80007, 130429, 131056) rather than a failure of this request: slow
    /// down, then send the same request again.
    #[must_use]
    pub fn is_rate_limited(&self) -> bool {
        self.http_status == 429 || self.code.is_some_and(|c| RATE_LIMIT_CODES.contains(&c))
    }

    /// Whether retrying the same request can never succeed (invalid recipient,
    /// bad parameters, expired token, template required, ...): drop it, fix it
    /// or alert. The complement of [`is_retryable`](Self::is_retryable).
    #[must_use]
    pub fn is_permanent(&self) -> bool {
        !self.is_retryable()
    }

    /// Whether the customer's 24-hour window is closed (code 131047): only a
    /// template message can reach them now.
    #[must_use]
    pub fn needs_template(&self) -> bool {
        self.code == Some(REENGAGEMENT)
    }

    /// Whether the access token is invalid or expired (code 190 or 0, or HTTP
    /// 401): replace the token and alert; retrying as is will not help.
    #[must_use]
    pub fn is_auth_error(&self) -> bool {
        matches!(self.code, Some(0 | 190)) || self.http_status == 401
    }

    /// An error for a response that is not a Graph error envelope.
    fn unreadable(http_status: u16, what: &str, body: &[u8]) -> Self {
        Self {
            http_status,
            code: None,
            subcode: None,
            kind: None,
            message: format!("{what}: {}", snippet(body)),
            details: None,
            fbtrace_id: None,
        }
    }
}

fn code_suffix(code: &Option<i64>, subcode: &Option<i64>) -> String {
    match (code, subcode) {
        (Some(c), Some(s)) => format!(" {c}/{s}"),
        (Some(c), None) => format!(" {c}"),
        _ => String::new(),
    }
}

fn details_suffix(details: &Option<String>) -> String {
    details
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default()
}

/// The first 200 characters of a body, for error messages.
fn snippet(body: &[u8]) -> String {
    const MAX: usize = 200;
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "empty body".to_owned();
    }
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}…", text.get(..cut).unwrap_or_default()),
        None => format!("{text:?}"),
    }
}

#[derive(Debug, Deserialize)]
struct Envelope {
    error: Option<GraphError>,
    messages: Option<Vec<Accepted>>,
    success: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Accepted {
    id: Option<String>,
    message_status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GraphError {
    message: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    code: Option<Value>,
    error_subcode: Option<Value>,
    /// An object with `details` for WhatsApp errors; some Graph errors send a
    /// string here.
    error_data: Option<Value>,
    fbtrace_id: Option<String>,
}

/// A number sent as a JSON number or a numeric string.
fn integer(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn api_error(http_status: u16, error: GraphError) -> ApiError {
    let details = match error.error_data {
        Some(Value::Object(data)) => data
            .get("details")
            .and_then(Value::as_str)
            .map(str::to_owned),
        Some(Value::String(s)) if !s.is_empty() => Some(s),
        _ => None,
    };
    ApiError {
        http_status,
        code: integer(error.code.as_ref()),
        subcode: integer(error.error_subcode.as_ref()),
        kind: error.kind,
        message: error
            .message
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "no error message".to_owned()),
        details,
        fbtrace_id: error.fbtrace_id,
    }
}

/// Parses the answer to any `/messages` call: an accepted message, a
/// mark-as-read success, or an error.
///
/// # Errors
///
/// [`ApiError`] for a Graph error envelope (whatever the status), a non-2xx
/// status without one, or a 2xx body that is neither a message id nor
/// `{"success": true}` (including bodies that are not JSON).
#[expect(
    clippy::result_large_err,
    reason = "one error per HTTP call, off any hot path; its fields are the public contract"
)]
pub fn parse_response(http_status: u16, body: &[u8]) -> Result<SendOutcome, ApiError> {
    let ok = (200..300).contains(&http_status);
    let envelope = match serde_json::from_slice::<Envelope>(body) {
        Ok(envelope) => envelope,
        Err(_) if ok => {
            return Err(ApiError::unreadable(
                http_status,
                "the success response is not the expected JSON",
                body,
            ));
        }
        Err(_) => {
            return Err(ApiError::unreadable(
                http_status,
                "error response without a Graph error body",
                body,
            ));
        }
    };
    if let Some(error) = envelope.error {
        return Err(api_error(http_status, error));
    }
    if !ok {
        return Err(ApiError::unreadable(
            http_status,
            "error response without a Graph error body",
            body,
        ));
    }
    let accepted = envelope
        .messages
        .unwrap_or_default()
        .into_iter()
        .find_map(|m| {
            let id = m.id.filter(|id| !id.is_empty())?;
            Some(SentMessage {
                id: MessageId::new(id),
                message_status: m.message_status,
            })
        });
    match (accepted, envelope.success) {
        (Some(sent), _) => Ok(SendOutcome::Sent(sent)),
        (None, Some(true)) => Ok(SendOutcome::Success),
        (None, _) => Err(ApiError::unreadable(
            http_status,
            "the success response has no message id",
            body,
        )),
    }
}

/// Parses the answer to a message send: the accepted message's wamid, or an
/// error.
///
/// ```
/// use framework::provider::meta::parse_send_response;
///
/// let ok = br#"{"messaging_product":"whatsapp","contacts":[{"input":"+16505551234","wa_id":"16505551234"}],"messages":[{"id":"wamid.X"}]}"#;
/// assert_eq!(parse_send_response(200, ok).unwrap().id.as_str(), "wamid.X");
///
/// let closed = br#"{"error":{"message":"(#131047) Re-engagement message","type":"OAuthException","code":131047,
///   "error_data":{"messaging_product":"whatsapp","details":"Message failed to send because more than 24 hours have passed"},"fbtrace_id":"Az8or2yhqkZfEZ-_4Qn_Bam"}}"#;
/// let err = parse_send_response(400, closed).unwrap_err();
/// assert!(err.needs_template() && err.is_permanent());
/// ```
///
/// # Errors
///
/// As [`parse_response`], and also when a 2xx answer carries no message id
/// (`{"success": true}` belongs to mark-as-read; use [`parse_response`] there).
#[expect(
    clippy::result_large_err,
    reason = "one error per HTTP call, off any hot path; its fields are the public contract"
)]
pub fn parse_send_response(http_status: u16, body: &[u8]) -> Result<SentMessage, ApiError> {
    match parse_response(http_status, body)? {
        SendOutcome::Sent(sent) => Ok(sent),
        SendOutcome::Success => Err(ApiError::unreadable(
            http_status,
            "the success response has no message id",
            body,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mark_as_read_success() {
        assert_eq!(
            parse_response(200, br#"{"success":true}"#),
            Ok(SendOutcome::Success)
        );
        assert!(parse_send_response(200, br#"{"success":true}"#).is_err());
    }

    #[test]
    fn tolerates_string_codes_and_string_error_data() {
        let err = parse_response(
            400,
            br#"{"error":{"message":"m","code":"131056","error_subcode":2494055,"error_data":"raw"}}"#,
        )
        .unwrap_err();
        assert_eq!(err.code, Some(131_056));
        assert_eq!(err.subcode, Some(2_494_055));
        assert_eq!(err.details.as_deref(), Some("raw"));
        assert!(err.is_retryable());
        assert_eq!(
            err.to_string(),
            "Meta API error 131056/2494055 (HTTP 400): m (raw)"
        );
    }

    #[test]
    fn garbage_is_an_error_never_a_panic() {
        for (status, body) in [
            (200, &b""[..]),
            (200, b"<html>oops</html>"),
            (200, b"{}"),
            (200, br#"{"messages":[{"id":""}]}"#),
            (502, b"Bad Gateway"),
            (500, b"\xff\xfe"),
            (404, br#"{"messages":[{"id":"wamid.X"}]}"#),
        ] {
            let err = parse_response(status, body).unwrap_err();
            assert_eq!(err.http_status, status);
            assert_eq!(err.is_retryable(), status >= 500, "{status}: {err}");
        }
        let long = "x".repeat(10_000);
        let err = parse_response(503, long.as_bytes()).unwrap_err();
        assert!(err.message.chars().count() < 300);
    }
}
