//! Fake Twilio, Meta, Zoho CRM and chat-completions servers on `127.0.0.1`
//! that speak the real wire format, errors included (feature `test-util`).
//!
//! - [`FakeTwilio`]: the Messages API (`POST /2010-04-01/Accounts/{sid}/Messages.json`),
//!   HTTP Basic auth, Twilio's error JSON (20003, 20404, 21211, 21602, 21604, ...).
//! - [`FakeMeta`]: the Cloud API (`POST /{version}/{phone_number_id}/messages`),
//!   Bearer auth, Graph error envelopes (190, 100, 131047, 130429, ...).
//! - [`FakeZoho`]: Zoho's token endpoint and the CRM v8 API (records, paging,
//!   upsert, update), with Zoho's errors ("Access Denied" with HTTP 200,
//!   `INVALID_TOKEN`, `TOO_MANY_REQUESTS`, `DUPLICATE_DATA`, …), scripted
//!   with [`ZohoFailure`]; see the [`zoho`](crate::zoho) module for an
//!   example.
//! - [`FakeLlm`]: an OpenAI-compatible chat-completions API (`POST
//!   /v1/chat/completions`), Bearer auth, OpenAI's error bodies, scripted
//!   with [`LlmMode`] (a reply, slow, 500, 401, off-topic prose, a raw
//!   body); see the [`llm`](crate::llm) module for an example.
//!
//! Both also serve inbound media the way the providers do
//! ([`FakeTwilio::add_media`], [`FakeMeta::add_media`]; see [`FakeMedia`]),
//! for [`crate::media`].
//!
//! Each records every attempt as a [`RecordedRequest`] with the status it
//! answered, so a test can assert both what was tried and what got through
//! ([`FakeTwilio::accepted`]). Failures are scripted with `fail_next`
//! ([`FakeFailure`]): each scripted failure answers the next request that
//! passes the credential and path checks, in order. A server listens on `127.0.0.1:0` (a free
//! port; [`FakeTwilio::base_url`]) and **stops when its value is dropped**:
//! it stops accepting connections, idle connections close, and hung answers
//! ([`FakeFailure::Hang`]) return at once.
//!
//! # Example
//!
//! ```
//! use infra_providers::SendError;
//! use infra_providers::testing::{FakeFailure, FakeTwilio};
//! use infra_providers::twilio::TwilioClient;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let fake = FakeTwilio::start("AC0123456789abcdef0123456789abcdef", "token").await;
//! let client = TwilioClient::new(fake.config()).unwrap();
//! let fields = [("To", "whatsapp:+919812345678"), ("From", "whatsapp:+14155238886"), ("Body", "hi")]
//!     .map(|(n, v)| (n.to_owned(), v.to_owned()));
//!
//! let accepted = client.send(&fields).await.unwrap();
//! assert!(accepted.provider_message_id.starts_with("SM"));
//! assert_eq!(fake.texts_to("+919812345678"), ["hi"]);
//!
//! fake.fail_next(FakeFailure::RateLimited { retry_after_secs: Some(2) });
//! let err = client.send(&fields).await.unwrap_err();
//! assert!(matches!(err, SendError::Throttled { .. }));
//! assert_eq!(fake.requests().len(), 2);
//! assert_eq!(fake.accepted().len(), 1);
//! # }
//! ```
//!
//! # Fidelity
//!
//! Bodies, codes and statuses are the providers' documented ones (Twilio's
//! Messages API errors, Meta's Graph API errors and `Retry-After`). Two scripted
//! failures are synchronous here but mostly asynchronous in reality: Twilio
//! reports 63016 (outside the window) and Meta reports 131047 and 131026
//! (undeliverable) in status callbacks after accepting the send. The fakes
//! answer them on the send itself, which is what the clients must handle when
//! the providers do.

mod llm;
mod media;
mod meta;
mod server;
mod twilio;
mod zoho;

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::Value;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

use self::server::{Answer, Recorder, Server};

pub use self::llm::{FAKE_LLM_MODEL, FakeLlm, LlmMode, LlmRequest, OFF_TOPIC_PROSE};
pub use self::media::FakeMedia;
pub use self::meta::FakeMeta;
pub use self::twilio::FakeTwilio;
pub use self::zoho::{
    FAKE_ZOHO_CLIENT_ID, FAKE_ZOHO_CLIENT_SECRET, FAKE_ZOHO_REFRESH_TOKEN, FakeZoho, ZohoFailure,
    ZohoRequest,
};

/// A failure to answer the next request with (the next one with the right
/// credentials and path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FakeFailure {
    /// HTTP 500 with the provider's error body (Twilio 20500, Meta 131000).
    ServerError,
    /// Too many requests: Twilio HTTP 429 code 20429; Meta HTTP 400 code
    /// 130429 (Meta sends throughput errors as 400). With a `Retry-After`
    /// header when `retry_after_secs` is set.
    RateLimited {
        /// The `Retry-After` header's value, if any.
        retry_after_secs: Option<u64>,
    },
    /// HTTP 400: Twilio 21211 (invalid `To`), Meta 131026 (undeliverable).
    InvalidRecipient,
    /// HTTP 400: Twilio 63016, Meta 131047 (outside the 24 h window; only a
    /// template gets through).
    OutsideWindow,
    /// Handles the request normally (recording it with the status it will
    /// get) but answers only after this delay, for client timeouts. A client
    /// that gave up has then seen no answer although the fake accepted the
    /// message: the "unknown outcome" case.
    Hang(Duration),
    /// Handles the request normally (recording it as accepted, with the id
    /// it got) but closes the connection before the answer is complete: the
    /// other "unknown outcome" case, a connection lost after the request
    /// was written.
    Dropped,
    /// Answers exactly this status and body (`Content-Type: application/json`).
    Raw {
        /// The HTTP status.
        status: u16,
        /// The body, sent as is.
        body: String,
    },
}

/// One request a fake received, and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// The HTTP method.
    pub method: String,
    /// The request path, e.g. `/2010-04-01/Accounts/AC…/Messages.json`.
    pub path: String,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// Twilio: the form fields, in order (empty for Meta).
    pub fields: Vec<(String, String)>,
    /// Meta: the phone number id from the path.
    pub phone_number_id: Option<String>,
    /// Meta: the JSON body, when it parsed.
    pub json: Option<Value>,
    /// The HTTP status answered.
    pub status: u16,
    /// The JSON answered (`Null` for [`FakeFailure::Raw`] bodies that are not JSON).
    pub response: Value,
}

impl RecordedRequest {
    /// Whether the fake accepted the message (a POST answered 2xx; media
    /// downloads are GETs).
    #[must_use]
    pub fn is_accepted(&self) -> bool {
        self.method == "POST" && (200..300).contains(&self.status)
    }

    /// Twilio: the first value of a form field.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The user name and password of a `Basic` `Authorization` header.
    #[must_use]
    pub fn basic_credentials(&self) -> Option<(String, String)> {
        basic_credentials(self.authorization.as_deref()?)
    }

    /// The token of a `Bearer` `Authorization` header.
    #[must_use]
    pub fn bearer_token(&self) -> Option<&str> {
        bearer_token(self.authorization.as_deref()?)
    }

    /// The recipient as sent: Twilio `To` (`whatsapp:+…`), Meta `to`.
    #[must_use]
    pub fn recipient(&self) -> Option<&str> {
        self.field("To").or_else(|| {
            self.json
                .as_ref()
                .and_then(|j| j.get("to"))
                .and_then(Value::as_str)
        })
    }

    /// The text the customer reads: Twilio `Body`; Meta `text.body`, an
    /// interactive message's `body.text`, or a media caption.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        if let Some(body) = self.field("Body") {
            return Some(body);
        }
        let json = self.json.as_ref()?;
        let kind = json.get("type").and_then(Value::as_str)?;
        let payload = json.get(kind)?;
        match kind {
            "text" => payload.get("body"),
            "interactive" => payload.get("body").and_then(|b| b.get("text")),
            "image" | "video" | "document" => payload.get("caption"),
            _ => None,
        }
        .and_then(Value::as_str)
    }

    /// A Meta interactive message's options, as `(id, title)` in order: its
    /// reply buttons, or its list's rows over all sections; empty for any
    /// other message (Twilio shows options as numbered lines of the text).
    /// A test taps one by sending a button or list reply with its id.
    #[must_use]
    pub fn options(&self) -> Vec<(String, String)> {
        let Some(action) = self
            .json
            .as_ref()
            .and_then(|j| j.pointer("/interactive/action"))
        else {
            return Vec::new();
        };
        let pair = |option: &Value| {
            let text = |key: &str| option.get(key).and_then(Value::as_str).map(str::to_owned);
            Some((text("id")?, text("title")?))
        };
        let buttons = action
            .get("buttons")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("reply").and_then(pair));
        let rows = action
            .get("sections")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("rows").and_then(Value::as_array))
            .flatten()
            .filter_map(pair);
        buttons.chain(rows).collect()
    }

    /// The provider's id of the message created: Twilio's `sid`, Meta's
    /// `messages[0].id`.
    #[must_use]
    pub fn provider_message_id(&self) -> Option<&str> {
        self.response
            .get("sid")
            .or_else(|| self.response.pointer("/messages/0/id"))
            .and_then(Value::as_str)
    }
}

fn header_string(headers: &HeaderMap, name: &header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A test that panicked while holding the lock has failed already; the
    // data is still what was recorded.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A phone number without `whatsapp:` and `+`, for comparisons.
fn normalize(number: &str) -> &str {
    let number = number.trim();
    let number = number.strip_prefix("whatsapp:").unwrap_or(number);
    number.strip_prefix('+').unwrap_or(number)
}

/// Whether `number` is `+` and 7 to 15 digits, the first not 0 (Meta also
/// accepts it without `+`): the project's phone rule (`framework::PhoneNumber`).
fn is_e164(number: &str, plus_required: bool) -> bool {
    let digits = match number.strip_prefix('+') {
        Some(digits) => digits,
        None if plus_required => return false,
        None => number,
    };
    (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn basic_credentials(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(BASE64.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// 32 hex digits, different on every call in this process and unlikely to
/// repeat across processes.
fn unique_hex() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    static SEED: OnceLock<u64> = OnceLock::new();
    let seed = *SEED.get_or_init(|| RandomState::new().hash_one("campanile-fake"));
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // The second half alone is unique (xor with a constant is a bijection).
    format!("{:016x}{:016x}", RandomState::new().hash_one(n), n ^ seed)
}

/// Decodes an `application/x-www-form-urlencoded` body, keeping order and
/// repeated names.
fn decode_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut parts = pair.splitn(2, |&b| b == b'=');
            let name = parts.next().unwrap_or_default();
            let value = parts.next().unwrap_or_default();
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while let Some(&b) = input.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = input
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match hex {
                    Some(decoded) => {
                        out.push(decoded);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The current time as RFC 2822 (`Wed, 18 Aug 2010 20:01:40 +0000`), the
/// format of Twilio's `date_created`.
fn rfc2822_now() -> String {
    jiff::Timestamp::now()
        .strftime("%a, %d %b %Y %H:%M:%S +0000")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_split_at_the_first_colon() {
        // "AC1:a:b", as an HTTP client encodes it.
        assert_eq!(
            basic_credentials("Basic QUMxOmE6Yg=="),
            Some(("AC1".to_owned(), "a:b".to_owned()))
        );
        let header = format!("basic {}", BASE64.encode("AC1:tök:en☕"));
        assert_eq!(
            basic_credentials(&header),
            Some(("AC1".to_owned(), "tök:en☕".to_owned()))
        );
        assert_eq!(basic_credentials("Basic !!"), None);
        assert_eq!(
            basic_credentials(&format!("Basic {}", BASE64.encode([0xff, b':']))),
            None
        );
        assert_eq!(
            basic_credentials(&format!("Basic {}", BASE64.encode("no colon"))),
            None
        );
        assert_eq!(basic_credentials("Bearer x"), None);
        assert_eq!(bearer_token("bearer  tok "), Some("tok"));
        assert_eq!(bearer_token("Bearer "), None);
    }

    #[test]
    fn forms_decode_in_order_with_repeats() {
        assert_eq!(
            decode_form(b"To=whatsapp%3A%2B1&Body=a+b%26c&MediaUrl=1&MediaUrl=2&bad=%zz"),
            [
                ("To", "whatsapp:+1"),
                ("Body", "a b&c"),
                ("MediaUrl", "1"),
                ("MediaUrl", "2"),
                ("bad", "%zz"),
            ]
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn dates_are_rfc_2822_in_utc() {
        let now = rfc2822_now();
        assert!(now.ends_with(" +0000"), "{now}");
        let parsed = jiff::fmt::rfc2822::parse(&now).unwrap();
        assert_eq!(parsed.offset(), jiff::tz::Offset::UTC, "{now}");
    }

    #[test]
    fn ids_are_unique() {
        let ids: std::collections::HashSet<String> = (0..1000).map(|_| unique_hex()).collect();
        assert_eq!(ids.len(), 1000);
        assert!(ids.iter().all(|id| id.len() == 32));
    }

    #[test]
    fn numbers_compare_without_prefixes() {
        assert_eq!(normalize("whatsapp:+919812345678"), "919812345678");
        assert_eq!(normalize("+919812345678"), "919812345678");
        assert!(is_e164("+919812345678", true));
        assert!(!is_e164("919812345678", true));
        assert!(is_e164("919812345678", false));
        assert!(!is_e164("+12", true));
        assert!(is_e164("+6834001", true));
        assert!(!is_e164("+683400", true));
        assert!(!is_e164("+0919812345678", true));
    }
}
