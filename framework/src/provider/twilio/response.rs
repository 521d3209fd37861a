//! Messages API responses: the created message, or an error that says what to
//! do next.

use std::fmt;

use serde::Deserialize;

use crate::message::MessageId;

/// A message Twilio accepted (HTTP 201).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    /// Twilio's id for the message (`SM…`/`MM…`); status callbacks carry it as
    /// `MessageSid`.
    pub sid: MessageId,
    /// The initial status: `queued`, or `accepted`/`scheduled` through a
    /// Messaging Service. Acceptance is not delivery.
    pub status: String,
}

/// The Messages API refused a request, or answered with something unreadable.
///
/// # Handling
///
/// - [`is_retryable`](Self::is_retryable): send again later with exponential
///   backoff and jitter (Twilio documents no `Retry-After` for these).
///   [`is_rate_limited`](Self::is_rate_limited) says the cause is throughput, so
///   the whole sender should slow down, not just this message.
/// - [`is_permanent`](Self::is_permanent): never send this request again;
///   [`needs_template`](Self::needs_template) says a template would get through.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("twilio refused the message (HTTP {http_status}{}): {message}", CodeSuffix(*.code))]
pub struct ApiError {
    /// The HTTP status of the response.
    pub http_status: u16,
    /// Twilio's error code, e.g. `21211` (invalid `To`), when the body had one.
    pub code: Option<u32>,
    /// Twilio's message, or a description of the unreadable body.
    pub message: String,
    /// Twilio's documentation link for the code.
    pub more_info: Option<String>,
}

/// Error codes that mean "too fast": back off and slow the sender down.
///
/// 20429 too many concurrent requests, 21611 sender queue full, 63017 account
/// throughput, 63018 WhatsApp channel rate limit.
const RATE_LIMIT_CODES: [u32; 4] = [20429, 21611, 63017, 63018];

impl ApiError {
    /// Whether the same request may succeed later: HTTP 429 and 5xx (the
    /// request was not processed) and the rate-limit codes 20429, 21611, 63017,
    /// 63018. 63018 (WhatsApp throughput) can last up to a day, so back off long.
    ///
    /// A 2xx whose body could not be read is never retryable: the message was
    /// probably created, and sending again could deliver it twice.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        if (200..300).contains(&self.http_status) {
            return false;
        }
        self.http_status == 429 || (500..600).contains(&self.http_status) || self.is_rate_limited()
    }

    /// Whether the error is a throughput limit (HTTP 429 or codes 20429, 21611,
    /// 63017, 63018) rather than a failure of this request.
    #[must_use]
    pub fn is_rate_limited(&self) -> bool {
        self.http_status == 429 || self.code.is_some_and(|c| RATE_LIMIT_CODES.contains(&c))
    }

    /// Whether sending the same request again can never succeed: every error
    /// that is not [retryable](Self::is_retryable), e.g. 21211 invalid `To`,
    /// 21610 recipient unsubscribed, 63016 outside the 24-hour window, 63007 no
    /// such WhatsApp sender, 20003 bad credentials (fix configuration first).
    #[must_use]
    pub fn is_permanent(&self) -> bool {
        !self.is_retryable()
    }

    /// Whether the customer is outside the 24-hour window (63016): only a
    /// template (Content SID) can reach them now.
    #[must_use]
    pub fn needs_template(&self) -> bool {
        self.code == Some(63016)
    }
}

/// Renders `, code N` when there is a code.
struct CodeSuffix(Option<u32>);

impl fmt::Display for CodeSuffix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(code) => write!(f, ", code {code}"),
            None => Ok(()),
        }
    }
}

/// The part of the Message resource we read.
#[derive(Deserialize)]
struct WireMessage {
    sid: String,
    #[serde(default)]
    status: Option<String>,
}

/// Twilio's error body: `{"code":21211,"message":"…","more_info":"…","status":400}`.
#[derive(Deserialize)]
struct WireError {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    more_info: Option<String>,
}

/// How much of an unreadable body goes into [`ApiError::message`].
const SNIPPET_CHARS: usize = 200;

/// Reads a Messages API response (`POST …/Messages.json`).
///
/// # Errors
///
/// [`ApiError`] for any non-2xx status, with Twilio's `code`, `message` and
/// `more_info` when the body is Twilio's error JSON, or the start of the body
/// otherwise (an HTML page from a proxy, an empty 502). A 2xx without a
/// readable `sid` is an `ApiError` too, which is not retryable.
pub fn parse_send_response(http_status: u16, body: &[u8]) -> Result<SentMessage, ApiError> {
    if (200..300).contains(&http_status) {
        return match serde_json::from_slice::<WireMessage>(body) {
            Ok(m) if !m.sid.trim().is_empty() => Ok(SentMessage {
                sid: MessageId::new(m.sid),
                status: m.status.unwrap_or_default(),
            }),
            _ => Err(ApiError {
                http_status,
                code: None,
                message: format!("unreadable success response: {}", snippet(body)),
                more_info: None,
            }),
        };
    }
    let wire = serde_json::from_slice::<WireError>(body).ok();
    let code = wire
        .as_ref()
        .and_then(|w| w.code.as_ref())
        .and_then(|c| match c {
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
            serde_json::Value::String(s) => s.trim().parse().ok(),
            _ => None,
        });
    let more_info = wire.as_ref().and_then(|w| w.more_info.clone());
    let message = wire
        .and_then(|w| w.message)
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| snippet(body));
    Err(ApiError {
        http_status,
        code,
        message,
        more_info,
    })
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return "empty body".to_owned();
    }
    let mut out: String = text.chars().take(SNIPPET_CHARS).collect();
    if text.chars().nth(SNIPPET_CHARS).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_may_arrive_as_strings() {
        let e = parse_send_response(400, br#"{"code":"21211","message":"bad To"}"#).unwrap_err();
        assert_eq!(e.code, Some(21211));
        assert!(e.is_permanent());
    }

    #[test]
    fn display_names_status_and_code() {
        let e =
            parse_send_response(400, br#"{"code":21211,"message":"Invalid 'To'"}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "twilio refused the message (HTTP 400, code 21211): Invalid 'To'"
        );
        let e = parse_send_response(502, b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "twilio refused the message (HTTP 502): empty body"
        );
    }

    #[test]
    fn an_unreadable_success_is_not_retried() {
        let e = parse_send_response(201, b"<html>").unwrap_err();
        assert!(!e.is_retryable());
        assert!(e.is_permanent());
    }

    #[test]
    fn long_garbage_is_cut_for_the_message() {
        let body = "x".repeat(10_000);
        let e = parse_send_response(500, body.as_bytes()).unwrap_err();
        assert_eq!(e.message.chars().count(), SNIPPET_CHARS + 1);
        assert!(e.is_retryable());
    }
}
