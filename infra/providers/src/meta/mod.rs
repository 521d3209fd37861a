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

use std::time::Instant;

use framework::Provider;
use framework::provider::meta::{self, SendOutcome};
use serde_json::Value;
use tracing::Instrument as _;

use crate::media::fetch::{self, MediaHttp};
use crate::transport::{self as providers, Accepted, SendError};

mod config;
mod outcome;

pub use config::{
    DEFAULT_API_VERSION, DEFAULT_BASE_URL, DEFAULT_MEDIA_HOST, DEFAULT_TIMEOUT, MetaConfig,
    MetaSettings,
};
use outcome::{send_error, unreadable_success};

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

/// The message `type`, or `read` for a read receipt, for the span.
fn kind(body: &Value) -> &str {
    body.get("type")
        .and_then(Value::as_str)
        .or_else(|| body.get("status").and_then(Value::as_str))
        .unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

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
