//! The client: one API call through the breaker, a fresh token and the
//! bulkhead, classified into [`ZohoError`]; and the token refresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;
use tokio::sync::Semaphore;
use tower::{Layer as _, ServiceExt as _};
use tracing::Instrument as _;

use super::accounts::Accounts;
use super::error::{ThrottleScope, ZohoConfigError, ZohoError};
use super::settings::ZohoConfig;
use super::token::{InMemTokenStore, TokenStore, Tokens};
use super::wire;
use crate::policy::BreakerReport;
use crate::policy::breaker::Breaker;
use crate::transport::{cause_chain, check_base_url};

/// A 429 is taken for spent credits, without `X-API-CREDITS-REMAINING` on
/// it, when the last value seen was below this: fewer credits left than
/// calls we may have in flight. (Zoho sends the header only once half the
/// credits are used.)
const FEW_CREDITS: i64 = 10;

/// Calls Zoho CRM; see the [module docs](super) for an example. Cheap to
/// clone: clones share the connection pool, the token, the bulkhead and the
/// breaker.
#[derive(Debug)]
pub struct ZohoClient<S = InMemTokenStore> {
    inner: Arc<Inner<S>>,
}

impl<S> Clone for ZohoClient<S> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

#[derive(Debug)]
struct Inner<S> {
    http: reqwest::Client,
    config: ZohoConfig,
    /// The API base, checked, without a trailing `/`.
    api: String,
    accounts: Accounts,
    tokens: Tokens<S>,
    /// One permit per call Zoho lets us have in flight.
    bulkhead: Arc<Semaphore>,
    breaker: Breaker<Reply, ZohoError>,
    /// The last `X-API-CREDITS-REMAINING` seen; -1 before any.
    credits_left: AtomicI64,
}

/// One API call: what to send.
#[derive(Debug, Clone)]
pub(super) struct ApiRequest {
    pub(super) method: reqwest::Method,
    /// After `/crm/v8`, e.g. `/Products`.
    pub(super) path: String,
    pub(super) query: Vec<(&'static str, String)>,
    pub(super) body: Option<Value>,
    /// It changes data: a timeout after sending is an unknown outcome.
    pub(super) write: bool,
}

/// An answer the caller reads: 2xx, or 400 with per-record results.
#[derive(Debug)]
pub(super) struct Reply {
    pub(super) status: u16,
    pub(super) body: Vec<u8>,
}

impl ZohoClient<InMemTokenStore> {
    /// A client for `config`, its token kept in this process.
    ///
    /// # Errors
    ///
    /// [`ZohoConfigError`] when a base URL is not an `http(s)` URL without
    /// credentials, query or fragment, the client id is empty, the timeout
    /// is zero, the breaker settings are unusable, or the HTTP client
    /// cannot be built.
    pub fn new(config: ZohoConfig) -> Result<Self, ZohoConfigError> {
        Self::with_token_store(config, InMemTokenStore::default())
    }
}

impl<S: TokenStore> ZohoClient<S> {
    /// A client for `config` whose token and refresh lock are in `store`
    /// (shared by every client, and replica, using the same store).
    ///
    /// # Errors
    ///
    /// As [`ZohoClient::new`].
    pub fn with_token_store(config: ZohoConfig, store: S) -> Result<Self, ZohoConfigError> {
        let checked = |url: &str| {
            check_base_url(url).map_err(|reason| ZohoConfigError::InvalidBaseUrl {
                url: url.to_owned(),
                reason,
            })
        };
        let api = checked(config.api_base())?;
        let accounts_base = checked(config.accounts_base())?;
        if config.client_id().trim().is_empty() {
            return Err(ZohoConfigError::MissingClientId);
        }
        if config.timeout().is_zero() {
            return Err(ZohoConfigError::ZeroTimeout);
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout())
            .connect_timeout(config.timeout())
            .user_agent(concat!("campanile/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let breaker = Breaker::with_classifier(
            "zoho",
            config.breaker(),
            |result: &Result<Reply, ZohoError>| {
                result
                    .as_ref()
                    .is_err_and(ZohoError::counts_against_breaker)
            },
            |_, retry_in| ZohoError::CircuitOpen { retry_in },
        )?;
        let accounts = Accounts::new(http.clone(), &accounts_base, &config);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                bulkhead: Arc::new(Semaphore::new(config.max_concurrency().max(1))),
                config,
                api,
                accounts,
                tokens: Tokens::new(store),
                breaker,
                credits_left: AtomicI64::new(-1),
            }),
        })
    }

    /// The configuration.
    #[must_use]
    pub fn config(&self) -> &ZohoConfig {
        &self.inner.config
    }

    /// The breaker's state, for the operator (`target` is `zoho`).
    #[must_use]
    pub fn breaker(&self) -> BreakerReport {
        let breaker = &self.inner.breaker;
        BreakerReport {
            target: breaker.target(),
            state: breaker.state(),
            refusing_ms: breaker
                .refusing_for()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            openings: breaker.openings(),
        }
    }

    /// The last `X-API-CREDITS-REMAINING` Zoho sent (it sends it once half
    /// the day's credits are used), if any.
    #[must_use]
    pub fn credits_remaining(&self) -> Option<u64> {
        u64::try_from(self.inner.credits_left.load(Ordering::Relaxed)).ok()
    }

    /// One API call through the breaker: a fresh token, a bulkhead permit,
    /// the HTTP exchange; refused tokens are refreshed once.
    pub(super) async fn call(&self, request: ApiRequest) -> Result<Reply, ZohoError> {
        let span = tracing::info_span!(
            "zoho.call",
            method = %request.method,
            path = %request.path,
            status = tracing::field::Empty,
        );
        let inner = Arc::clone(&self.inner);
        let service =
            self.inner
                .breaker
                .layer()
                .layer(tower::service_fn(move |request: ApiRequest| {
                    let inner = Arc::clone(&inner);
                    async move { inner.exchange(request).await }
                }));
        let result = service
            .oneshot(request)
            .instrument(span)
            .await
            .map_err(|e| self.inner.breaker.error(e));
        if let Err(e @ ZohoError::CreditsExhausted { .. }) = &result {
            tracing::error!(error.message = %e, "zoho credits are spent: the breaker stays open until a probe succeeds");
            self.inner.breaker.force_open().await;
        }
        result
    }
}

impl<S: TokenStore> Inner<S> {
    async fn exchange(&self, request: ApiRequest) -> Result<Reply, ZohoError> {
        let token = self.tokens.get(&self.accounts, None).await?;
        match self.once(&request, &token).await {
            Err(e) if e.is_invalid_token() => {
                tracing::info!("zoho refused the access token: refreshing it once");
                let fresh = self.tokens.get(&self.accounts, Some(&token)).await?;
                self.once(&request, &fresh).await.map_err(|e| {
                    if e.is_invalid_token() {
                        ZohoError::Auth {
                            message: "zoho refused a freshly refreshed access token too".to_owned(),
                            code: e.code().map(str::to_owned),
                        }
                    } else {
                        e
                    }
                })
            }
            other => other,
        }
    }

    /// One HTTP exchange with `token`, holding a bulkhead permit.
    async fn once(&self, request: &ApiRequest, token: &SecretString) -> Result<Reply, ZohoError> {
        let result = self.send(request, token).await;
        let outcome = match &result {
            Ok(_) => "accepted",
            Err(e) => e.outcome(),
        };
        metrics::counter!("campanile_outbound_attempts_total", "target" => "zoho", "outcome" => outcome).increment(1);
        result
    }

    async fn send(&self, request: &ApiRequest, token: &SecretString) -> Result<Reply, ZohoError> {
        let _permit = self
            .bulkhead
            .acquire()
            .await
            .map_err(|_| ZohoError::Retryable {
                message: "the zoho bulkhead was closed".to_owned(),
                code: None,
            })?;
        let mut url = reqwest::Url::parse(&format!("{}/crm/v8{}", self.api, request.path))
            .map_err(|e| ZohoError::Permanent {
                status: 0,
                code: "INVALID_URL".to_owned(),
                message: format!("the request's URL cannot be built: {e}"),
            })?;
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        let mut builder = self.http.request(request.method.clone(), url).header(
            reqwest::header::AUTHORIZATION,
            format!("Zoho-oauthtoken {}", token.expose_secret()),
        );
        if let Some(body) = &request.body {
            builder = builder.json(body);
        }
        let response = builder
            .send()
            .await
            .map_err(|e| network_error(e, request.write))?;
        let status = response.status().as_u16();
        tracing::Span::current().record("status", status);
        let credits = response
            .headers()
            .get("x-api-credits-remaining")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        if let Some(left) = credits {
            self.credits_left.store(left, Ordering::Relaxed);
        }
        let body = response
            .bytes()
            .await
            .map_err(|e| network_error(e, request.write))?
            .to_vec();
        classify(status, body, credits.or_else(|| self.last_credits()))
    }

    fn last_credits(&self) -> Option<i64> {
        Some(self.credits_left.load(Ordering::Relaxed)).filter(|left| *left >= 0)
    }
}

/// An HTTP answer as a [`Reply`] or a [`ZohoError`]; `credits` is what is
/// known of the credits left.
fn classify(status: u16, body: Vec<u8>, credits: Option<i64>) -> Result<Reply, ZohoError> {
    let per_record = || {
        serde_json::from_slice::<Value>(&body)
            .is_ok_and(|v| v.get("data").is_some_and(Value::is_array))
    };
    if (200..300).contains(&status) || (status == 400 && per_record()) {
        return Ok(Reply { status, body });
    }
    let error: wire::ApiError = serde_json::from_slice(&body).unwrap_or_default();
    let code = error
        .code
        .clone()
        .unwrap_or_else(|| format!("HTTP_{status}"));
    let mut message = error.message.clone().unwrap_or_default();
    if let Some(field) = error.details.get("api_name").and_then(Value::as_str) {
        message = format!("{message} (field {field})");
    }
    Err(match status {
        401 => ZohoError::Auth {
            message,
            code: Some(code),
        },
        429 if credits.is_some_and(|left| left < FEW_CREDITS) => ZohoError::CreditsExhausted {
            message: format!("{message} ({} credits left)", credits.unwrap_or_default()),
        },
        429 => ZohoError::Throttled {
            scope: ThrottleScope::Concurrency,
            message,
            retry_after: None,
        },
        500.. => ZohoError::Retryable {
            message: format!("HTTP {status}: {message}"),
            code: Some(code),
        },
        _ => ZohoError::Permanent {
            status,
            code,
            message,
        },
    })
}

/// No answer was read: nothing was written if the connection could not be
/// opened; otherwise a read may be retried, a write's outcome is unknown.
pub(super) fn network_error(error: reqwest::Error, write: bool) -> ZohoError {
    let error = error.without_url();
    let message = cause_chain(&error);
    if write && !error.is_connect() {
        ZohoError::UnknownOutcome { message }
    } else {
        ZohoError::Retryable {
            message,
            code: None,
        }
    }
}
