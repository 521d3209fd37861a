//! The Twilio Messages API client: sends the form fields that
//! [`framework::provider::twilio::render`] made.
//!
//! `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded,
//! HTTP Basic `AccountSid:AuthToken`. The answer is read by
//! [`framework::provider::twilio::parse_send_response`]; this module only does
//! the IO, the timeout, logs, metrics, and the mapping to [`SendError`].
//!
//! # Example
//!
//! ```no_run
//! use framework::provider::twilio::{self, OutboundConfig};
//! use framework::reply::Reply;
//! use framework::PhoneNumber;
//! use infra_providers::OutboundRequest;
//! use infra_providers::twilio::{TwilioClient, TwilioConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = TwilioClient::new(TwilioConfig::new("AC0123456789abcdef0123456789abcdef", "auth-token"))?;
//!
//! let config = OutboundConfig::new(PhoneNumber::parse("+14155238886")?);
//! let to = PhoneNumber::parse("+919812345678")?;
//! for request in twilio::render(&Reply::text("Your order is ready"), &to, &config)? {
//!     let OutboundRequest::Twilio { fields } = OutboundRequest::from_twilio(&request) else {
//!         unreachable!()
//!     };
//!     let accepted = client.send(&fields).await?;
//!     println!("sent {} ({})", accepted.provider_message_id, accepted.status);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Configuration
//!
//! [`TwilioSettings`] are Twilio's settings as the bot reads them (libraries
//! do not read the environment: the bot hands them down), each field named
//! once with its variable (`TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`,
//! `TWILIO_WHATSAPP_FROM`, `TWILIO_API_BASE`);
//! [`TwilioSettings::client_config`] makes the [`TwilioConfig`] a client is
//! built from. The base URL (default [`DEFAULT_BASE_URL`]) is a setting so
//! tests and staging can point the client at a fake server.
//!
//! # Errors
//!
//! [`TwilioClient::new`] fails with [`TwilioError`] for an unusable
//! configuration. [`TwilioClient::send`] answers [`SendError`]:
//!
//! - [`SendError::Throttled`] for HTTP 429 and codes 20429, 21611, 63017,
//!   63018; [`SendError::Retryable`] for 5xx and connections that could not
//!   be opened; [`SendError::Unknown`] for timeouts and connections lost
//!   after the request was written (see [the providers
//!   module](crate::transport)). `retry_after` is the
//!   `Retry-After` header when Twilio sends one, else our minimum for the code:
//!
//!   | Code | Wait at least | Why |
//!   |---|---|---|
//!   | 63018 | 60 s | WhatsApp throughput limit for the channel; can last up to a day |
//!   | 21611, 30001 | 10 s | the sender's queue is full; it drains at the sender's rate |
//!   | 63017 | 1 s | the account's combined rate (2,000 MPS) |
//!   | others | none | back off exponentially with jitter (Twilio's own SDKs start at 100 ms) |
//!
//! - [`SendError::Permanent`] for every other refusal: 21211 invalid `To`,
//!   21610 unsubscribed, 63016 outside the 24 h window (`needs_template`),
//!   20003 / HTTP 401 bad credentials (logged at `error` level), a 2xx without
//!   a readable message (probably sent; never sent twice).
//!
//! # Logs and metrics
//!
//! Each send runs in a `twilio.send` span and logs one line with its outcome;
//! the auth token and phone numbers are never logged (the dispatcher's span
//! carries the conversation's pseudonym). Metrics:
//! `campanile_outbound_requests_total{provider="twilio",outcome="accepted|retryable|throttled|unknown|permanent"}`
//! and `campanile_outbound_request_seconds{provider="twilio"}`.

use std::fmt;
use std::time::{Duration, Instant};

use framework::provider::twilio::{self, ApiError, MessageRequest};
use framework::{PhoneNumber, Provider};
use secrecy::{ExposeSecret as _, SecretString};
use tracing::Instrument as _;

use crate::media::MediaConfig;
use crate::media::fetch::{self, MediaHttp};
use crate::transport::{self as providers, Accepted, SendError};

/// The production API base.
pub const DEFAULT_BASE_URL: &str = "https://api.twilio.com";

/// How long a send may take, connection and answer included, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom to call the Messages API.
///
/// ```
/// use std::time::Duration;
/// use infra_providers::twilio::TwilioConfig;
///
/// let config = TwilioConfig::new("AC123", "secret-token")
///     .with_base_url("http://127.0.0.1:9000")
///     .with_timeout(Duration::from_secs(3));
/// assert_eq!(config.base_url(), "http://127.0.0.1:9000");
/// assert!(!format!("{config:?}").contains("secret-token"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct TwilioConfig {
    base_url: String,
    account_sid: String,
    auth_token: String,
    timeout: Duration,
    media: MediaConfig,
}

impl TwilioConfig {
    /// Calls the production API ([`DEFAULT_BASE_URL`]) as `account_sid`, with
    /// the [`DEFAULT_TIMEOUT`].
    #[must_use]
    pub fn new(account_sid: impl Into<String>, auth_token: impl Into<String>) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            account_sid: account_sid.into(),
            auth_token: auth_token.into(),
            timeout: DEFAULT_TIMEOUT,
            media: MediaConfig::default(),
        }
    }

    /// Calls another API base (a fake server, a proxy).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Gives up on a send after `timeout` (connection and answer included).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Downloads media within `media`'s limits (size, deadline); see
    /// [`TwilioClient::download`].
    #[must_use]
    pub fn with_media(mut self, media: MediaConfig) -> Self {
        self.media = media;
        self
    }

    /// The API base.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The account SID (`AC…`), also the Basic auth user name.
    #[must_use]
    pub fn account_sid(&self) -> &str {
        &self.account_sid
    }

    /// The timeout of one send.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The limits of a media download.
    #[must_use]
    pub fn media(&self) -> &MediaConfig {
        &self.media
    }
}

impl fmt::Debug for TwilioConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioConfig")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .field("timeout", &self.timeout)
            .field("media", &self.media)
            .finish()
    }
}

framework::settings! {
    /// Twilio's settings: the account replies are sent from and the token
    /// its webhooks are verified with. `Debug` never shows the token.
    ///
    /// ```
    /// use infra_providers::twilio::TwilioSettings;
    ///
    /// let mut settings = TwilioSettings::default();
    /// assert_eq!(settings.api_base, "https://api.twilio.com");
    /// assert!(settings.client_config().is_none(), "no account: dry run");
    /// settings.account_sid = Some("AC123".to_owned());
    /// settings.auth_token = Some("secret-token".into());
    /// assert_eq!(settings.client_config().unwrap().account_sid(), "AC123");
    /// assert!(!format!("{settings:?}").contains("secret-token"));
    /// ```
    #[derive(Debug, Clone)]
    pub struct TwilioSettings {
        /// Twilio account; with the auth token, replies are sent.
        #[var("TWILIO_ACCOUNT_SID")]
        pub account_sid: Option<String>,
        /// Verifies Twilio webhooks (refused when unset) and authenticates
        /// sends.
        #[var("TWILIO_AUTH_TOKEN", secret)]
        pub auth_token: Option<SecretString>,
        /// Sender number, e.g. +14155238886 [default: the number the customer
        /// wrote to].
        #[var("TWILIO_WHATSAPP_FROM")]
        pub whatsapp_from: Option<PhoneNumber>,
        /// API base, e.g. a fake server's [default: `https://api.twilio.com`].
        #[var("TWILIO_API_BASE")]
        pub api_base: String,
    }
}

impl Default for TwilioSettings {
    /// No account (dry run, webhooks refused), the production API.
    fn default() -> Self {
        Self {
            account_sid: None,
            auth_token: None,
            whatsapp_from: None,
            api_base: DEFAULT_BASE_URL.to_owned(),
        }
    }
}

impl TwilioSettings {
    /// What a client sends with, when both the account and its token are
    /// set (else replies are not sent: dry run).
    #[must_use]
    pub fn client_config(&self) -> Option<TwilioConfig> {
        let (sid, token) = (self.account_sid.as_ref()?, self.auth_token.as_ref()?);
        Some(
            TwilioConfig::new(sid.clone(), token.expose_secret())
                .with_base_url(self.api_base.clone()),
        )
    }
}

/// Why a [`TwilioClient`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TwilioError {
    /// The base URL cannot be used.
    #[error("invalid twilio base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The configured URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The account SID is empty or has characters that cannot be in a path.
    #[error("invalid twilio account SID {0:?}: it must be non-empty letters and digits")]
    InvalidAccountSid(String),
    /// The auth token is empty.
    #[error("the twilio auth token is empty")]
    MissingAuthToken,
    /// The auth token cannot be sent in an HTTP header (control characters).
    #[error("the twilio auth token has characters that cannot be sent in a header")]
    InvalidAuthToken,
    /// The timeout is zero.
    #[error("the twilio timeout must be more than zero")]
    ZeroTimeout,
    /// The HTTP client could not be built (TLS setup).
    #[error("could not build the HTTP client")]
    Client(#[from] reqwest::Error),
}

/// Sends Messages API requests and downloads inbound media
/// ([`download`](Self::download)). Cheap to clone: clones share one
/// connection pool.
#[derive(Debug, Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    config: TwilioConfig,
    url: String,
    media: MediaHttp,
}

impl TwilioClient {
    /// A client for `config`.
    ///
    /// # Errors
    ///
    /// [`TwilioError`] when the base URL is not an `http(s)` URL without
    /// credentials, query or fragment, the account SID or the auth token is
    /// empty, the timeout is zero, or the HTTP client cannot be built.
    pub fn new(config: TwilioConfig) -> Result<Self, TwilioError> {
        let base = providers::check_base_url(&config.base_url).map_err(|reason| {
            TwilioError::InvalidBaseUrl {
                url: config.base_url.clone(),
                reason,
            }
        })?;
        if !providers::is_path_segment(&config.account_sid) {
            return Err(TwilioError::InvalidAccountSid(config.account_sid.clone()));
        }
        if config.auth_token.is_empty() {
            return Err(TwilioError::MissingAuthToken);
        }
        if config.timeout.is_zero() {
            return Err(TwilioError::ZeroTimeout);
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("campanile/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let url = format!("{base}{}", MessageRequest::path(&config.account_sid));
        let media = MediaHttp {
            http: fetch::client(config.timeout)?,
            base: reqwest::Url::parse(&base).map_err(|_| TwilioError::InvalidBaseUrl {
                url: config.base_url.clone(),
                reason: "not an absolute URL",
            })?,
            authorization: basic_authorization(&config.account_sid, &config.auth_token)
                .ok_or(TwilioError::InvalidAuthToken)?,
        };
        Ok(Self {
            http,
            config,
            url,
            media,
        })
    }

    /// What a media download needs.
    pub(crate) fn media_http(&self) -> &MediaHttp {
        &self.media
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &TwilioConfig {
        &self.config
    }

    /// Sends one message: POSTs `fields` (as
    /// [`MessageRequest::fields`](framework::provider::twilio::MessageRequest::fields)
    /// gives them, in order) and reads the answer. Never retries.
    ///
    /// # Errors
    ///
    /// [`SendError::Retryable`] or [`SendError::Permanent`], as the [module
    /// docs](self) list them.
    pub async fn send(&self, fields: &[(String, String)]) -> Result<Accepted, SendError> {
        let span = tracing::info_span!(
            "twilio.send",
            provider = "twilio",
            kind = kind(fields),
            provider_message_id = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let (result, auth_failed) = self.call(fields).await;
            if let Ok(accepted) = &result {
                tracing::Span::current()
                    .record("provider_message_id", accepted.provider_message_id.as_str());
            }
            providers::record_outcome(Provider::Twilio, &result, started.elapsed(), auth_failed);
            result
        }
        .instrument(span)
        .await
    }

    /// The call itself; the flag says the credentials were refused.
    async fn call(&self, fields: &[(String, String)]) -> (Result<Accepted, SendError>, bool) {
        let response = match self
            .http
            .post(&self.url)
            .basic_auth(&self.config.account_sid, Some(&self.config.auth_token))
            .form(fields)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => return (Err(providers::network_error(Provider::Twilio, e)), false),
        };
        let status = response.status().as_u16();
        let retry_after = providers::retry_after(response.headers());
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) if (200..300).contains(&status) => {
                return (Err(unreadable_success(status, &e.without_url())), false);
            }
            Err(e) => return (Err(providers::network_error(Provider::Twilio, e)), false),
        };
        match twilio::parse_send_response(status, &body) {
            Ok(sent) => (
                Ok(Accepted {
                    provider_message_id: sent.sid.as_str().to_owned(),
                    status: sent.status,
                }),
                false,
            ),
            Err(e) => {
                let auth_failed = e.code == Some(20003) || e.http_status == 401;
                (Err(send_error(&e, retry_after)), auth_failed)
            }
        }
    }
}

/// `Basic base64(sid:token)`, marked sensitive (never in a `Debug`).
fn basic_authorization(account_sid: &str, auth_token: &str) -> Option<http::HeaderValue> {
    use base64::Engine as _;
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{account_sid}:{auth_token}"));
    let mut value = http::HeaderValue::from_str(&format!("Basic {encoded}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// Maps the framework's reading of an error answer to what the dispatcher does.
fn send_error(e: &ApiError, retry_after: Option<Duration>) -> SendError {
    let code = e.code.map(|c| c.to_string());
    if e.is_rate_limited() {
        SendError::Throttled {
            message: e.to_string(),
            retry_after: retry_after.or_else(|| policy_retry_after(e.code)),
            code,
        }
    } else if e.is_retryable() {
        SendError::Retryable {
            message: e.to_string(),
            retry_after: retry_after.or_else(|| policy_retry_after(e.code)),
            code,
        }
    } else {
        SendError::Permanent {
            message: e.to_string(),
            code,
            needs_template: e.needs_template(),
        }
    }
}

/// Our least wait for codes whose cause does not clear up at once; see the
/// [module docs](self).
fn policy_retry_after(code: Option<u32>) -> Option<Duration> {
    match code? {
        63018 => Some(Duration::from_secs(60)),
        21611 | 30001 => Some(Duration::from_secs(10)),
        63017 => Some(Duration::from_secs(1)),
        _ => None,
    }
}

/// Twilio said yes but the answer could not be read: the message is probably
/// created, so it is never sent again.
fn unreadable_success(status: u16, e: &reqwest::Error) -> SendError {
    SendError::Permanent {
        message: format!(
            "twilio accepted the message (HTTP {status}) but its answer could not be read \
             ({e}); it was probably sent and is not sent again"
        ),
        code: None,
        needs_template: false,
    }
}

/// What kind of message the fields send, for the span.
fn kind(fields: &[(String, String)]) -> &'static str {
    let has = |name: &str| fields.iter().any(|(n, _)| n == name);
    if has("ContentSid") {
        "template"
    } else if has("MediaUrl") {
        "media"
    } else {
        "text"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(http_status: u16, code: Option<u32>) -> ApiError {
        ApiError {
            http_status,
            code,
            message: "m".to_owned(),
            more_info: None,
        }
    }

    #[test]
    fn the_header_wins_over_the_policy() {
        let e = send_error(&error(429, Some(63018)), Some(Duration::from_secs(3)));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let e = send_error(&error(429, Some(63018)), None);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(60)));
        let e = send_error(&error(429, Some(20429)), None);
        assert!(e.is_retryable());
        assert_eq!((e.retry_after(), e.code()), (None, Some("20429")));
    }

    #[test]
    fn permanent_errors_ignore_retry_after() {
        let e = send_error(&error(400, Some(63016)), Some(Duration::from_secs(3)));
        assert!(!e.is_retryable() && e.needs_template());
        assert_eq!(e.retry_after(), None);
        let e = send_error(&error(401, Some(20003)), None);
        assert!(!e.is_retryable() && !e.needs_template());
    }

    #[test]
    fn bad_configurations_are_refused() {
        let ok = || TwilioConfig::new("AC1", "token");
        assert!(TwilioClient::new(ok()).is_ok());
        for (config, expected) in [
            (ok().with_base_url("api.twilio.com"), "InvalidBaseUrl"),
            (ok().with_base_url("ftp://api.twilio.com"), "InvalidBaseUrl"),
            (
                ok().with_base_url("https://user:pw@api.twilio.com"),
                "InvalidBaseUrl",
            ),
            (ok().with_base_url("https://h/?x=1"), "InvalidBaseUrl"),
            (TwilioConfig::new("", "token"), "InvalidAccountSid"),
            (TwilioConfig::new("AC1/../x", "token"), "InvalidAccountSid"),
            (TwilioConfig::new("AC1", ""), "MissingAuthToken"),
            (ok().with_timeout(Duration::ZERO), "ZeroTimeout"),
        ] {
            let err = TwilioClient::new(config).unwrap_err();
            assert!(format!("{err:?}").starts_with(expected), "{err:?}");
        }
    }

    #[test]
    fn the_url_keeps_a_path_prefix_and_drops_a_trailing_slash() {
        let client =
            TwilioClient::new(TwilioConfig::new("AC1", "t").with_base_url("http://h:1/twilio/"))
                .unwrap();
        assert_eq!(
            client.url,
            "http://h:1/twilio/2010-04-01/Accounts/AC1/Messages.json"
        );
    }

    #[test]
    fn debug_hides_the_token() {
        let client = TwilioClient::new(TwilioConfig::new("AC1", "hunter2")).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("AC1"));
    }
}
