//! What the outbox's dispatcher needs from a provider: send one stored request,
//! and say what happened in terms it can act on.
//!
//! - [`OutboundRequest`]: a rendered request, stored before it is sent (our own
//!   storage format, serde JSON), so a restart sends exactly what was decided.
//! - [`Transport`]: sends one request; [`Providers`] implements it by routing
//!   each request to the [`TwilioClient`] or [`MetaClient`] of its provider.
//! - [`Accepted`] / [`SendError`]: the provider took the message, or why not
//!   and whether to try again.
//!
//! # Example
//!
//! ```
//! use framework::provider::twilio::{self, OutboundConfig};
//! use framework::reply::Reply;
//! use framework::{PhoneNumber, Provider};
//! use infra_providers::{OutboundRequest, Providers, SendError, Transport};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let to = PhoneNumber::parse("+919812345678")?;
//! let config = OutboundConfig::new(PhoneNumber::parse("+14155238886")?);
//! let rendered = twilio::render(&Reply::text("Your order is ready"), &to, &config)?;
//!
//! // Stored as JSON by the outbox, read back by the dispatcher.
//! let request = OutboundRequest::from_twilio(&rendered[0]);
//! let stored = serde_json::to_string(&request)?;
//! let request: OutboundRequest = serde_json::from_str(&stored)?;
//! assert_eq!(request.summary(), "Your order is ready");
//!
//! // Without credentials nothing is sent: a dry run.
//! let providers = Providers::new();
//! assert!(!providers.configured(Provider::Twilio));
//! let err = providers.send(&request).await.unwrap_err();
//! assert!(matches!(err, SendError::NotConfigured(Provider::Twilio)));
//! assert!(!err.is_retryable());
//! # Ok(())
//! # }
//! ```
//!
//! # Errors
//!
//! [`SendError`] sorts every failure into what to do next:
//!
//! | Cause | Variant |
//! |---|---|
//! | No client for the provider | [`SendError::NotConfigured`] (dry run) |
//! | HTTP 429; Twilio 20429, 21611, 63017, 63018; Meta 4, 80007, 130429, 131056 | [`SendError::Throttled`] |
//! | HTTP 5xx; Meta 131000, 131016, 131057 | [`SendError::Retryable`] |
//! | Connection refused, DNS failure (nothing written) | [`SendError::Retryable`] |
//! | Timeout or connection lost after the request was written | [`SendError::Unknown`] (see below) |
//! | An open circuit breaker ([`policy`](crate::policy)) | [`SendError::CircuitOpen`] |
//! | Any other 4xx: invalid recipient, bad parameters, outside the 24 h window, bad credentials | [`SendError::Permanent`] |
//! | A 2xx whose body has no message id | [`SendError::Permanent`] (probably sent; never sent twice) |
//!
//! The classification of provider answers is the framework's
//! ([`twilio::ApiError`],
//! [`meta::ApiError`]); this module only
//! adds how long to wait ([`SendError::retry_after`]).
//!
//! **Unknown outcomes are their own kind.** A timeout, or a connection lost
//! after the request was written, leaves the outcome unknown: the provider
//! may have accepted the message. Neither API takes an idempotency key for
//! sends, so whether to send again is a decision per kind of message, made
//! by the caller: the outbox (`infra_sql::outbox`) re-sends a
//! conversational reply once (at-least-once, counted) and never a proactive
//! message (at-most-once: marked unknown, counted, listed for review). A
//! connection that could not be opened says "the message was not sent" and
//! is [`SendError::Retryable`].
//!
//! **Bad credentials are permanent for the message** (Twilio 20003 / HTTP 401,
//! Meta 190 / 0 / HTTP 401): the same request cannot succeed until someone
//! fixes the configuration. The clients log them at `error` level; every other
//! message will fail the same way until then.

use std::future::Future;
use std::time::{Duration, SystemTime};

use framework::Provider;
use framework::provider::{meta, twilio};
use serde_json::Value;

use crate::meta::MetaClient;
use crate::twilio::TwilioClient;

mod error;

pub use self::error::SendError;

/// A request to send, rendered and stored before sending (our own storage
/// format: serde JSON, tagged by `"provider"`).
///
/// ```
/// use infra_providers::OutboundRequest;
///
/// let request = OutboundRequest::Twilio {
///     fields: vec![("To".to_owned(), "whatsapp:+919812345678".to_owned())],
/// };
/// assert_eq!(
///     serde_json::to_string(&request).unwrap(),
///     r#"{"provider":"twilio","fields":[["To","whatsapp:+919812345678"]]}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "provider", rename_all = "snake_case")]
pub enum OutboundRequest {
    /// Form fields of a Messages API call (To, From/MessagingServiceSid,
    /// Body/ContentSid..., StatusCallback), in order.
    Twilio {
        /// The form fields, in the order they are sent.
        fields: Vec<(String, String)>,
    },
    /// The JSON body of a Cloud API `POST /{version}/{phone_number_id}/messages`.
    Meta {
        /// The business phone number's id the message is sent from.
        phone_number_id: String,
        /// The request body.
        body: Value,
    },
}

/// How many characters of a text [`OutboundRequest::summary`] keeps.
const SUMMARY_CHARS: usize = 80;

impl OutboundRequest {
    /// The provider that sends this request.
    #[must_use]
    pub fn provider(&self) -> Provider {
        match self {
            Self::Twilio { .. } => Provider::Twilio,
            Self::Meta { .. } => Provider::Meta,
        }
    }

    /// The stored form of a rendered Twilio request.
    #[must_use]
    pub fn from_twilio(req: &twilio::MessageRequest) -> Self {
        Self::Twilio {
            fields: req
                .fields()
                .iter()
                .map(|(name, value)| ((*name).to_owned(), value.clone()))
                .collect(),
        }
    }

    /// The stored form of a rendered Meta request, sent from `phone_number_id`.
    #[must_use]
    pub fn from_meta(phone_number_id: impl Into<String>, req: &meta::MessageRequest) -> Self {
        Self::Meta {
            phone_number_id: phone_number_id.into(),
            body: req.json().clone(),
        }
    }

    /// Short human summary for logs: the body text (its first 80 characters)
    /// or the kind of message (`template HX…`, `image`, `read receipt`).
    ///
    /// It never contains the recipient's number, but a text may contain
    /// whatever the customer was told.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Twilio { fields } => {
                let get = |name: &str| {
                    fields
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, v)| v.as_str())
                };
                if let Some(sid) = get("ContentSid") {
                    format!("template {sid}")
                } else if let Some(body) = get("Body").filter(|b| !b.is_empty()) {
                    shorten(body)
                } else if get("MediaUrl").is_some() {
                    "media".to_owned()
                } else {
                    "empty message".to_owned()
                }
            }
            Self::Meta { body, .. } => meta_summary(body),
        }
    }
}

fn meta_summary(body: &Value) -> String {
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return "read receipt".to_owned();
    }
    let Some(kind) = body.get("type").and_then(Value::as_str) else {
        return "message".to_owned();
    };
    let payload = body.get(kind);
    let text = match kind {
        "text" => payload.and_then(|p| p.get("body")),
        "interactive" => payload
            .and_then(|p| p.get("body"))
            .and_then(|b| b.get("text")),
        "image" | "video" | "document" => payload.and_then(|p| p.get("caption")),
        "template" => {
            let name = payload
                .and_then(|p| p.get("name"))
                .and_then(Value::as_str)
                .unwrap_or("?");
            return format!("template {name}");
        }
        "reaction" => {
            let emoji = payload
                .and_then(|p| p.get("emoji"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            return format!("reaction {emoji}").trim_end().to_owned();
        }
        _ => None,
    };
    match text.and_then(Value::as_str).filter(|t| !t.is_empty()) {
        Some(text) => shorten(text),
        None => kind.to_owned(),
    }
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(SUMMARY_CHARS) {
        Some((cut, _)) => format!("{}…", text.get(..cut).unwrap_or_default()),
        None => text.to_owned(),
    }
}

/// The provider accepted the message.
///
/// Acceptance is not delivery: delivery arrives later in a status callback
/// (Twilio `MessageStatus`, Meta `statuses[]`) for
/// [`provider_message_id`](Self::provider_message_id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's id of the new message: Twilio `SM…`/`MM…`, Meta
    /// `wamid.…`. For a Meta read receipt, which creates no message, the id of
    /// the message marked as read.
    pub provider_message_id: String,
    /// The initial status: Twilio's `queued` (`accepted`/`scheduled` through a
    /// Messaging Service); Meta's `message_status` when it sends one (templates
    /// under pacing), else `accepted`; `read` for a Meta read receipt.
    pub status: String,
}

/// Sends one stored request through its provider.
///
/// # Errors
///
/// An implementation MUST return [`SendError::Retryable`] whenever the
/// outcome is unknown or the provider may accept the same request later, and
/// [`SendError::Permanent`] only when sending the same request again cannot
/// succeed; [`SendError::NotConfigured`] when it has no way to reach the
/// provider at all.
pub trait Transport: Clone + Send + Sync + 'static {
    /// Sends `request` once (no retries: the dispatcher owns the retry
    /// policy).
    fn send(
        &self,
        request: &OutboundRequest,
    ) -> impl Future<Output = Result<Accepted, SendError>> + Send;

    /// How long `provider` will still refuse every request without trying
    /// (an open circuit breaker), so a caller can leave its messages where
    /// they are instead of taking them out to be refused. `None` (the
    /// default) when a request may go.
    fn refusing(&self, provider: Provider) -> Option<Duration> {
        let _ = provider;
        None
    }
}

/// Routes each request to the client of its provider; a provider without a
/// client → [`SendError::NotConfigured`].
///
/// ```
/// use framework::Provider;
/// use infra_providers::Providers;
/// use infra_providers::twilio::{TwilioClient, TwilioConfig};
///
/// let twilio = TwilioClient::new(TwilioConfig::new("AC123", "token")).unwrap();
/// let providers = Providers::new().with_twilio(twilio);
/// assert!(providers.configured(Provider::Twilio));
/// assert!(!providers.configured(Provider::Meta));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Providers {
    twilio: Option<TwilioClient>,
    meta: Option<MetaClient>,
}

impl Providers {
    /// Routes to no provider: every send is [`SendError::NotConfigured`].
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends Twilio requests with `client`.
    #[must_use]
    pub fn with_twilio(mut self, client: TwilioClient) -> Self {
        self.twilio = Some(client);
        self
    }

    /// Sends Meta requests with `client`.
    #[must_use]
    pub fn with_meta(mut self, client: MetaClient) -> Self {
        self.meta = Some(client);
        self
    }

    /// The Twilio client, if any.
    pub(crate) fn twilio(&self) -> Option<&TwilioClient> {
        self.twilio.as_ref()
    }

    /// The Meta client, if any.
    pub(crate) fn meta(&self) -> Option<&MetaClient> {
        self.meta.as_ref()
    }

    /// The timeout of one HTTP call by `provider`'s client (zero without
    /// one).
    #[must_use]
    pub fn timeout(&self, provider: Provider) -> Duration {
        match provider {
            Provider::Twilio => self.twilio.as_ref().map(|c| c.config().timeout()),
            Provider::Meta => self.meta.as_ref().map(|c| c.config().timeout()),
            _ => None,
        }
        .unwrap_or_default()
    }

    /// Whether requests for `provider` can be sent.
    #[must_use]
    pub fn configured(&self, provider: Provider) -> bool {
        match provider {
            Provider::Twilio => self.twilio.is_some(),
            Provider::Meta => self.meta.is_some(),
            _ => false,
        }
    }
}

impl Transport for Providers {
    async fn send(&self, request: &OutboundRequest) -> Result<Accepted, SendError> {
        match request {
            OutboundRequest::Twilio { fields } => match &self.twilio {
                Some(client) => client.send(fields).await,
                None => Err(SendError::NotConfigured(Provider::Twilio)),
            },
            OutboundRequest::Meta {
                phone_number_id,
                body,
            } => match &self.meta {
                Some(client) => client.send(phone_number_id, body).await,
                None => Err(SendError::NotConfigured(Provider::Meta)),
            },
        }
    }
}

// ---------------------------------------------------------------------------
// Shared by the clients.

/// Maps an IO error of reqwest (no HTTP answer was read): a connection that
/// could not be opened is [`SendError::Retryable`] (nothing was written);
/// anything later is [`SendError::Unknown`] (the provider may have the
/// message).
pub(crate) fn network_error(provider: Provider, error: reqwest::Error) -> SendError {
    let error = error.without_url();
    if error.is_connect() {
        // Nothing was written: the provider certainly does not have it.
        return SendError::Retryable {
            message: format!(
                "could not connect to {provider}: {}; the message was not sent",
                cause_chain(&error)
            ),
            retry_after: None,
            code: None,
        };
    }
    let message = if error.is_timeout() {
        format!(
            "{provider} did not answer in time ({}); the provider may have accepted the \
             message, so a retry can deliver it twice",
            cause_chain(&error)
        )
    } else {
        format!(
            "the request to {provider} failed: {}; the provider may have accepted the \
             message, so a retry can deliver it twice",
            cause_chain(&error)
        )
    };
    SendError::Unknown { message }
}

/// `error: source: source…` (the URL was removed by the caller: it holds account ids).
pub(crate) fn cause_chain(error: &reqwest::Error) -> String {
    let mut out = String::new();
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = current {
        let text = e.to_string();
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
        current = e.source();
    }
    out
}

/// Checks a configured API base URL: `http(s)://host[:port][/prefix]`, no
/// credentials, query or fragment. Returns it without a trailing `/`.
pub(crate) fn check_base_url(url: &str) -> Result<String, &'static str> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = reqwest::Url::parse(trimmed).map_err(|_| "not an absolute URL")?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err("the scheme must be http or https");
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err("the URL has no host");
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err("credentials belong in the config, not in the URL");
    }
    if parsed.query().is_some() || parsed.fragment().is_some() {
        return Err("the URL must not have a query or a fragment");
    }
    Ok(trimmed.to_owned())
}

/// Whether `segment` can go into a URL path as is: non-empty ASCII letters,
/// digits, `-`, `_` and `.` (account SIDs, phone number ids, API versions).
pub(crate) fn is_path_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment != "."
        && segment != ".."
        && segment
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Records the outcome of one HTTP call: one log line, the request counter and
/// the latency histogram.
pub(crate) fn record_outcome(
    provider: Provider,
    result: &Result<Accepted, SendError>,
    elapsed: Duration,
    auth_failed: bool,
) {
    let name = provider.as_str();
    let outcome = match result {
        Ok(accepted) => {
            tracing::debug!(
                provider_message_id = %accepted.provider_message_id,
                status = %accepted.status,
                elapsed_ms = elapsed.as_millis(),
                "provider accepted the message"
            );
            "accepted"
        }
        Err(e @ (SendError::Retryable { .. } | SendError::Throttled { .. })) => {
            tracing::warn!(
                error.message = %e,
                error.cause_chain = ?e,
                elapsed_ms = elapsed.as_millis(),
                "send failed, retryable"
            );
            if e.is_throttled() {
                "throttled"
            } else {
                "retryable"
            }
        }
        Err(e @ SendError::Unknown { .. }) => {
            tracing::warn!(
                error.message = %e,
                elapsed_ms = elapsed.as_millis(),
                "send's outcome unknown: the provider may have the message"
            );
            "unknown"
        }
        Err(e) if auth_failed => {
            tracing::error!(
                error.message = %e,
                error.cause_chain = ?e,
                "{name} refused our credentials: every send will fail until they are fixed"
            );
            "permanent"
        }
        Err(e) => {
            tracing::warn!(
                error.message = %e,
                error.cause_chain = ?e,
                elapsed_ms = elapsed.as_millis(),
                "send failed permanently"
            );
            "permanent"
        }
    };
    metrics::counter!(
        "campanile_outbound_requests_total",
        "provider" => name,
        "outcome" => outcome
    )
    .increment(1);
    metrics::histogram!("campanile_outbound_request_seconds", "provider" => name)
        .record(elapsed.as_secs_f64());
}

/// How long the `Retry-After` header asks to wait: delta-seconds, or an
/// HTTP-date (`Sun, 06 Nov 1994 08:49:37 GMT`, or an obsolete form, read by
/// the `httpdate` crate) relative to now (a date in the past means "now":
/// zero).
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    // IMF-fixdate, and the obsolete RFC 850 and asctime forms a recipient
    // must also accept (RFC 9110 §5.6.7).
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests;
