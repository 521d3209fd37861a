//! The Meta WhatsApp Cloud API client: sends the JSON bodies that
//! [`framework::provider::meta::render`] made.
//!
//! `POST {base}/{version}/{phone_number_id}/messages`,
//! `Authorization: Bearer <token>`, JSON. The answer is read by
//! [`framework::provider::meta::parse_response`]; this module only does the IO,
//! the timeout, logs, metrics, and the mapping to [`SendError`].
//!
//! # Example
//!
//! ```no_run
//! use framework::provider::meta;
//! use framework::reply::Reply;
//! use framework::PhoneNumber;
//! use infra_providers::meta::{MetaClient, MetaConfig};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let client = MetaClient::new(MetaConfig::new("system-user-token"))?;
//!
//! let to = PhoneNumber::parse("+919812345678")?;
//! for request in meta::render(&Reply::text("Your order is ready"), &to)? {
//!     let accepted = client.send("106540352242922", request.json()).await?;
//!     println!("sent {}", accepted.provider_message_id);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # Configuration
//!
//! [`MetaSettings`] are Meta's settings as the bot reads them (libraries do
//! not read the environment: the bot hands them down), each field named once
//! with its variable (`META_APP_SECRET`, `META_VERIFY_TOKEN`,
//! `META_ACCESS_TOKEN`, `META_PHONE_NUMBER_ID`, `META_API_BASE`,
//! `META_API_VERSION`); [`MetaSettings::client_config`] makes the
//! [`MetaConfig`] a client is built from: the base URL (default
//! [`DEFAULT_BASE_URL`]) and the API version (default
//! [`DEFAULT_API_VERSION`], the version Meta's documentation uses today).
//!
//! # Errors
//!
//! [`MetaClient::new`] fails with [`MetaError`] for an unusable
//! configuration. [`MetaClient::send`] answers [`SendError`]; Meta's HTTP
//! statuses vary (most errors are 400), so the classification branches on the
//! Graph error `code`:
//!
//! - [`SendError::Throttled`] for HTTP 429, codes 4 and 80007 (app and
//!   WABA rate limits), 130429 (throughput), 131056 (pair rate limit);
//!   [`SendError::Retryable`] for 5xx, 131000, 131016, 131057 and
//!   connections that could not be opened; [`SendError::Unknown`] for
//!   timeouts and connections lost after the request was written (see [the
//!   providers module](crate::transport)). `retry_after` is the
//!   `Retry-After` header when Meta sends one, else our minimum for the code:
//!
//!   | Code | Wait at least | Why |
//!   |---|---|---|
//!   | 131056 | 6 s | one message per 6 s to the same customer (Meta: retry after 4^n s) |
//!   | 130429 | 1 s | the number's messages-per-second limit |
//!   | 4, 80007 | 60 s | hourly app / WABA call budgets |
//!   | 131057 | 60 s | the number is in maintenance for up to a minute |
//!   | others | none | back off exponentially with jitter |
//!
//! - [`SendError::Permanent`] for every other refusal: 131047 outside the 24 h
//!   window (`needs_template`), 131026 undeliverable, 100 / 131008 / 131009
//!   bad parameters, 132xxx template errors, 190 / 0 / HTTP 401 bad token
//!   (logged at `error` level), a 2xx without a message id (probably sent;
//!   never sent twice).
//!
//! # Logs and metrics
//!
//! Each send runs in a `meta.send` span and logs one line with its outcome;
//! the access token and phone numbers are never logged (the dispatcher's span
//! carries the conversation's pseudonym). Metrics:
//! `campanile_outbound_requests_total{provider="meta",outcome="accepted|retryable|throttled|unknown|permanent"}`
//! and `campanile_outbound_request_seconds{provider="meta"}`.

use std::fmt;
use std::time::{Duration, Instant};

use framework::Provider;
use framework::provider::meta::{self, ApiError, SendOutcome};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;
use tracing::Instrument as _;

use crate::media::MediaConfig;
use crate::media::fetch::{self, MediaHttp};
use crate::transport::{self as providers, Accepted, SendError};

/// The production Graph API base.
pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";

/// The Graph API version used unless configured otherwise.
pub const DEFAULT_API_VERSION: &str = "v25.0";

/// How long a send may take, connection and answer included, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The host of the media URLs Meta hands out (`https://lookaside.fbsbx.com/
/// whatsapp_business/attachments/?mid=…`), the one host besides the API base
/// a download sends the token to by default.
pub const DEFAULT_MEDIA_HOST: &str = "lookaside.fbsbx.com";

/// Where and with which token to call the Cloud API.
///
/// ```
/// use infra_providers::meta::MetaConfig;
///
/// let config = MetaConfig::new("EAAG-secret").with_api_version("v24.0");
/// assert_eq!(config.base_url(), "https://graph.facebook.com");
/// assert_eq!(config.api_version(), "v24.0");
/// assert!(!format!("{config:?}").contains("EAAG-secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MetaConfig {
    base_url: String,
    api_version: String,
    access_token: String,
    timeout: Duration,
    media: MediaConfig,
    media_hosts: Vec<String>,
}

impl MetaConfig {
    /// Calls the production API ([`DEFAULT_BASE_URL`],
    /// [`DEFAULT_API_VERSION`]) with a system-user `access_token`, with the
    /// [`DEFAULT_TIMEOUT`].
    #[must_use]
    pub fn new(access_token: impl Into<String>) -> Self {
        Self {
            base_url: DEFAULT_BASE_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
            access_token: access_token.into(),
            timeout: DEFAULT_TIMEOUT,
            media: MediaConfig::default(),
            media_hosts: vec![DEFAULT_MEDIA_HOST.to_owned()],
        }
    }

    /// Calls another API base (a fake server, a proxy).
    #[must_use]
    pub fn with_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.base_url = base_url.into();
        self
    }

    /// Uses another Graph API version, e.g. `v24.0`.
    #[must_use]
    pub fn with_api_version(mut self, api_version: impl Into<String>) -> Self {
        self.api_version = api_version.into();
        self
    }

    /// Gives up on a send after `timeout` (connection and answer included).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Downloads media within `media`'s limits (size, deadline); see
    /// [`MetaClient::download`].
    #[must_use]
    pub fn with_media(mut self, media: MediaConfig) -> Self {
        self.media = media;
        self
    }

    /// The hosts, besides the API base's origin, whose media URLs a download
    /// fetches with the token (over https only), replacing the default
    /// [`DEFAULT_MEDIA_HOST`]. Compared case-insensitively, exactly (no
    /// subdomains).
    #[must_use]
    pub fn with_media_hosts<I, H>(mut self, hosts: I) -> Self
    where
        I: IntoIterator<Item = H>,
        H: Into<String>,
    {
        self.media_hosts = hosts
            .into_iter()
            .map(|h| h.into().trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        self
    }

    /// The API base.
    #[must_use]
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The Graph API version.
    #[must_use]
    pub fn api_version(&self) -> &str {
        &self.api_version
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

    /// The hosts whose media URLs get the token, besides the API base.
    #[must_use]
    pub fn media_hosts(&self) -> &[String] {
        &self.media_hosts
    }
}

impl fmt::Debug for MetaConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaConfig")
            .field("base_url", &self.base_url)
            .field("api_version", &self.api_version)
            .field("access_token", &"[redacted]")
            .field("timeout", &self.timeout)
            .field("media", &self.media)
            .field("media_hosts", &self.media_hosts)
            .finish()
    }
}

framework::settings! {
    /// Meta's settings: the secrets its webhooks are verified with and the
    /// token replies are sent with. `Debug` never shows a secret.
    ///
    /// ```
    /// use infra_providers::meta::MetaSettings;
    ///
    /// let mut settings = MetaSettings::default();
    /// assert_eq!(settings.api_version, "v25.0");
    /// assert!(settings.client_config().is_none(), "no token: dry run");
    /// settings.access_token = Some("EAAG-secret".into());
    /// assert_eq!(settings.client_config().unwrap().base_url(), "https://graph.facebook.com");
    /// assert!(!format!("{settings:?}").contains("EAAG-secret"));
    /// ```
    #[derive(Debug, Clone)]
    pub struct MetaSettings {
        /// Verifies Meta webhooks (refused when unset).
        #[var("META_APP_SECRET", secret)]
        pub app_secret: Option<SecretString>,
        /// Answers Meta's subscription handshake.
        #[var("META_VERIFY_TOKEN", secret)]
        pub verify_token: Option<SecretString>,
        /// Authenticates Cloud API sends; unset: dry run.
        #[var("META_ACCESS_TOKEN", secret)]
        pub access_token: Option<SecretString>,
        /// Sender [default: the phone_number_id the webhook named].
        #[var("META_PHONE_NUMBER_ID")]
        pub phone_number_id: Option<String>,
        /// API base, e.g. a fake server's [default:
        /// `https://graph.facebook.com`].
        #[var("META_API_BASE")]
        pub api_base: String,
        /// Graph API version [default: v25.0].
        #[var("META_API_VERSION")]
        pub api_version: String,
    }
}

impl Default for MetaSettings {
    /// No secrets (dry run, webhooks refused), the production API at
    /// [`DEFAULT_API_VERSION`].
    fn default() -> Self {
        Self {
            app_secret: None,
            verify_token: None,
            access_token: None,
            phone_number_id: None,
            api_base: DEFAULT_BASE_URL.to_owned(),
            api_version: DEFAULT_API_VERSION.to_owned(),
        }
    }
}

impl MetaSettings {
    /// What a client sends with, when the access token is set (else
    /// replies are not sent: dry run).
    #[must_use]
    pub fn client_config(&self) -> Option<MetaConfig> {
        let token = self.access_token.as_ref()?;
        Some(
            MetaConfig::new(token.expose_secret())
                .with_base_url(self.api_base.clone())
                .with_api_version(self.api_version.clone()),
        )
    }
}

/// Why a [`MetaClient`] could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MetaError {
    /// The base URL cannot be used.
    #[error("invalid meta base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The configured URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The API version is empty or cannot be a path segment.
    #[error("invalid meta API version {0:?}: expected something like v25.0")]
    InvalidApiVersion(String),
    /// The access token is empty.
    #[error("the meta access token is empty")]
    MissingAccessToken,
    /// The access token cannot be sent in an HTTP header (control characters).
    #[error("the meta access token has characters that cannot be sent in a header")]
    InvalidAccessToken,
    /// The timeout is zero.
    #[error("the meta timeout must be more than zero")]
    ZeroTimeout,
    /// The HTTP client could not be built (TLS setup).
    #[error("could not build the HTTP client")]
    Client(#[from] reqwest::Error),
}

/// Sends Cloud API message requests and downloads inbound media
/// ([`download`](Self::download)). Cheap to clone: clones share one
/// connection pool.
#[derive(Debug, Clone)]
pub struct MetaClient {
    http: reqwest::Client,
    config: MetaConfig,
    /// `{base}/{version}`.
    prefix: String,
    media: MediaHttp,
}

impl MetaClient {
    /// A client for `config`.
    ///
    /// # Errors
    ///
    /// [`MetaError`] when the base URL is not an `http(s)` URL without
    /// credentials, query or fragment, the API version or the token is empty,
    /// the timeout is zero, or the HTTP client cannot be built.
    pub fn new(config: MetaConfig) -> Result<Self, MetaError> {
        let base = providers::check_base_url(&config.base_url).map_err(|reason| {
            MetaError::InvalidBaseUrl {
                url: config.base_url.clone(),
                reason,
            }
        })?;
        if !providers::is_path_segment(&config.api_version) {
            return Err(MetaError::InvalidApiVersion(config.api_version.clone()));
        }
        if config.access_token.is_empty() {
            return Err(MetaError::MissingAccessToken);
        }
        if config.timeout.is_zero() {
            return Err(MetaError::ZeroTimeout);
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("campanile/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let prefix = format!("{base}/{}", config.api_version);
        let mut authorization =
            http::HeaderValue::from_str(&format!("Bearer {}", config.access_token))
                .map_err(|_| MetaError::InvalidAccessToken)?;
        authorization.set_sensitive(true);
        let media = MediaHttp {
            http: fetch::client(config.timeout)?,
            base: reqwest::Url::parse(&base).map_err(|_| MetaError::InvalidBaseUrl {
                url: config.base_url.clone(),
                reason: "not an absolute URL",
            })?,
            authorization,
        };
        Ok(Self {
            http,
            config,
            prefix,
            media,
        })
    }

    /// What a media download needs.
    pub(crate) fn media_http(&self) -> &MediaHttp {
        &self.media
    }

    /// `{base}/{version}`, where the Graph API's objects are.
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &MetaConfig {
        &self.config
    }

    /// Sends one request body (as
    /// [`MessageRequest::json`](framework::provider::meta::MessageRequest::json)
    /// gives it) from the business number `phone_number_id`, and reads the
    /// answer. Never retries.
    ///
    /// A read receipt (`"status":"read"`) creates no message: its
    /// [`Accepted`] carries the id of the message marked as read and the
    /// status `read`.
    ///
    /// # Errors
    ///
    /// [`SendError::Retryable`] or [`SendError::Permanent`], as the [module
    /// docs](self) list them; [`SendError::Permanent`] without a call when
    /// `phone_number_id` cannot be a path segment.
    pub async fn send(&self, phone_number_id: &str, body: &Value) -> Result<Accepted, SendError> {
        let span = tracing::info_span!(
            "meta.send",
            provider = "meta",
            phone_number_id,
            kind = kind(body),
            provider_message_id = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let (result, auth_failed) = self.call(phone_number_id, body).await;
            if let Ok(accepted) = &result {
                tracing::Span::current()
                    .record("provider_message_id", accepted.provider_message_id.as_str());
            }
            providers::record_outcome(Provider::Meta, &result, started.elapsed(), auth_failed);
            result
        }
        .instrument(span)
        .await
    }

    /// The call itself; the flag says the token was refused.
    async fn call(
        &self,
        phone_number_id: &str,
        body: &Value,
    ) -> (Result<Accepted, SendError>, bool) {
        if !providers::is_path_segment(phone_number_id)
            || !phone_number_id.contains(char::is_alphanumeric)
        {
            return (
                Err(SendError::Permanent {
                    message: format!(
                        "invalid meta phone number id {phone_number_id:?}: expected the \
                         number's id, e.g. 106540352242922"
                    ),
                    code: None,
                    needs_template: false,
                }),
                false,
            );
        }
        let url = format!("{}/{phone_number_id}/messages", self.prefix);
        let response = match self
            .http
            .post(url)
            .bearer_auth(&self.config.access_token)
            .json(body)
            .send()
            .await
        {
            Ok(response) => response,
            Err(e) => return (Err(providers::network_error(Provider::Meta, e)), false),
        };
        let status = response.status().as_u16();
        let retry_after = providers::retry_after(response.headers());
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(e) if (200..300).contains(&status) => {
                return (Err(unreadable_success(status, &e.without_url())), false);
            }
            Err(e) => return (Err(providers::network_error(Provider::Meta, e)), false),
        };
        match meta::parse_response(status, &bytes) {
            Ok(SendOutcome::Sent(sent)) => (
                Ok(Accepted {
                    provider_message_id: sent.id.as_str().to_owned(),
                    status: sent.message_status.unwrap_or_else(|| "accepted".to_owned()),
                }),
                false,
            ),
            Ok(SendOutcome::Success) => {
                let marked = body
                    .get("message_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                (
                    Ok(Accepted {
                        provider_message_id: marked.to_owned(),
                        status: "read".to_owned(),
                    }),
                    false,
                )
            }
            // `SendOutcome` may grow; an answer we cannot name is not a message id.
            Ok(_) => (
                Err(SendError::Permanent {
                    message: format!(
                        "meta answered HTTP {status} with an unknown kind of success; it was \
                         probably sent and is not sent again"
                    ),
                    code: None,
                    needs_template: false,
                }),
                false,
            ),
            Err(e) => {
                let auth_failed = e.is_auth_error();
                (Err(send_error(&e, retry_after)), auth_failed)
            }
        }
    }
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
fn policy_retry_after(code: Option<i64>) -> Option<Duration> {
    match code? {
        131_056 => Some(Duration::from_secs(6)),
        130_429 => Some(Duration::from_secs(1)),
        4 | 80_007 | 131_057 => Some(Duration::from_secs(60)),
        _ => None,
    }
}

/// Meta said yes but the answer could not be read: the message is probably
/// created, so it is never sent again.
fn unreadable_success(status: u16, e: &reqwest::Error) -> SendError {
    SendError::Permanent {
        message: format!(
            "meta accepted the message (HTTP {status}) but its answer could not be read \
             ({e}); it was probably sent and is not sent again"
        ),
        code: None,
        needs_template: false,
    }
}

/// The message `type`, or `read` for a read receipt, for the span.
fn kind(body: &Value) -> &str {
    body.get("type")
        .and_then(Value::as_str)
        .or_else(|| body.get("status").and_then(Value::as_str))
        .unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(http_status: u16, code: Option<i64>) -> ApiError {
        ApiError {
            http_status,
            code,
            subcode: None,
            kind: None,
            message: "m".to_owned(),
            details: None,
            fbtrace_id: None,
        }
    }

    #[test]
    fn throughput_codes_wait_by_policy_unless_told() {
        let e = send_error(&error(400, Some(131_056)), None);
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(6)));
        assert_eq!(e.code(), Some("131056"));
        let e = send_error(&error(400, Some(80_007)), Some(Duration::from_secs(2)));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        let e = send_error(&error(503, None), None);
        assert!(e.is_retryable());
        assert_eq!((e.retry_after(), e.code()), (None, None));
    }

    #[test]
    fn window_and_auth_errors_are_permanent() {
        let e = send_error(&error(400, Some(131_047)), Some(Duration::from_secs(2)));
        assert!(!e.is_retryable() && e.needs_template());
        assert_eq!(e.retry_after(), None);
        let e = send_error(&error(401, Some(190)), None);
        assert!(!e.is_retryable() && !e.needs_template());
    }

    #[test]
    fn bad_configurations_are_refused() {
        let ok = || MetaConfig::new("token");
        assert!(MetaClient::new(ok()).is_ok());
        for (config, expected) in [
            (ok().with_base_url("graph.facebook.com"), "InvalidBaseUrl"),
            (ok().with_base_url("https://h#x"), "InvalidBaseUrl"),
            (ok().with_api_version(""), "InvalidApiVersion"),
            (ok().with_api_version("v1/../x"), "InvalidApiVersion"),
            (MetaConfig::new(""), "MissingAccessToken"),
            (ok().with_timeout(Duration::ZERO), "ZeroTimeout"),
        ] {
            let err = MetaClient::new(config).unwrap_err();
            assert!(format!("{err:?}").starts_with(expected), "{err:?}");
        }
    }

    #[tokio::test]
    async fn a_bad_phone_number_id_is_refused_without_a_call() {
        // Port 9 (discard) on a documentation address: a call would fail as a
        // network error (retryable), not as the permanent error expected here.
        let client =
            MetaClient::new(MetaConfig::new("t").with_base_url("http://192.0.2.1:9")).unwrap();
        for id in ["", "..", "1/2", "1?x"] {
            let err = client.send(id, &Value::Null).await.unwrap_err();
            assert!(!err.is_retryable(), "{id}: {err}");
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let client = MetaClient::new(MetaConfig::new("EAAG-hunter2")).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(debug.contains("v25.0"));
    }
}
