//! [`WebhookClient`]: JSON posted to a URL someone else runs (an
//! automation rule's `webhook` action), behind a deadline and one circuit
//! breaker (target `webhook`), like every outbound call.
//!
//! Answers: 2xx is [`Ok`]; a redirect or another 4xx is
//! [`WebhookError::Refused`] (the receiver does not take this call as
//! made: sending it again will not help; redirects are not followed, as
//! a redirected POST arrives as a GET without its body); 408, 429, 5xx, a
//! connection refused or a timeout is [`WebhookError::Failed`] (it may
//! pass, and counts against the breaker); an open breaker refuses at once
//! with [`WebhookError::CircuitOpen`]. One breaker serves every URL.
//!
//! ```no_run
//! use infra_providers::webhook::{WebhookClient, WebhookConfig};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = WebhookClient::new(&WebhookConfig::default())?;
//! let status = client
//!     .post_json("https://example.com/hooks/campanile", &serde_json::json!({"rule": "price-list"}))
//!     .await?;
//! assert!((200..300).contains(&status));
//! # Ok(()) }
//! ```

use std::time::Duration;

use tower::{Layer as _, ServiceExt as _};

use crate::policy::breaker::Breaker;
use crate::policy::{BreakerConfig, BreakerConfigError, BreakerReport};

/// How webhooks are called.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookConfig {
    /// The deadline of one call, connection included [default: 10 s].
    pub timeout: Duration,
    /// When the breaker opens and for how long.
    pub breaker: BreakerConfig,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            breaker: BreakerConfig::default(),
        }
    }
}

/// Why a webhook call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// Not an `http` or `https` URL.
    #[error("not a webhook URL: {0}")]
    BadUrl(String),
    /// The receiver answered 3xx or 4xx (but 408, 429): it does not take
    /// this call.
    #[error("the webhook refused the call: HTTP {status}")]
    Refused {
        /// Its status.
        status: u16,
    },
    /// 5xx, no connection, or no answer in time: it may pass.
    #[error("the webhook failed: {0}")]
    Failed(String),
    /// Too many failures in a row: calls are refused for a while.
    #[error("webhooks are failing: calls refused for {retry_in:?}")]
    CircuitOpen {
        /// How long still.
        retry_in: Option<Duration>,
    },
}

impl WebhookError {
    /// Whether trying again later can succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Failed(_) | Self::CircuitOpen { .. })
    }
}

/// Why a [`WebhookClient`] cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookConfigError {
    /// The breaker's settings are unusable.
    #[error(transparent)]
    Breaker(#[from] BreakerConfigError),
    /// The HTTP client could not be made.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Posts JSON to webhooks; cheap to clone (clones share the breaker).
#[derive(Debug, Clone)]
pub struct WebhookClient {
    http: reqwest::Client,
    breaker: Breaker<u16, WebhookError>,
}

impl WebhookClient {
    /// A client with `config`'s deadline and breaker.
    ///
    /// # Errors
    ///
    /// [`WebhookConfigError`] when the breaker's settings or the HTTP
    /// client are unusable.
    pub fn new(config: &WebhookConfig) -> Result<Self, WebhookConfigError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("campanile/", env!("CARGO_PKG_VERSION")))
            // A redirected POST would arrive as a GET without its body.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let breaker = Breaker::with_classifier(
            "webhook",
            &config.breaker,
            |result: &Result<u16, WebhookError>| matches!(result, Err(WebhookError::Failed(_))),
            |_, retry_in| WebhookError::CircuitOpen { retry_in },
        )?;
        Ok(Self { http, breaker })
    }

    /// Posts `body` as JSON to `url`; the 2xx status it answered.
    ///
    /// # Errors
    ///
    /// [`WebhookError`]: see the [module docs](self).
    pub async fn post_json(
        &self,
        url: &str,
        body: &serde_json::Value,
    ) -> Result<u16, WebhookError> {
        let parsed = reqwest::Url::parse(url).map_err(|e| WebhookError::BadUrl(e.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(WebhookError::BadUrl(format!("{url}: http or https only")));
        }
        let http = self.http.clone();
        let body = body.clone();
        let service = self
            .breaker
            .layer()
            .layer(tower::service_fn(move |url: reqwest::Url| {
                let (http, body) = (http.clone(), body.clone());
                async move {
                    let answer = http
                        .post(url)
                        .json(&body)
                        .send()
                        .await
                        .map_err(|e| WebhookError::Failed(e.to_string()))?;
                    let status = answer.status().as_u16();
                    match status {
                        200..=299 => Ok(status),
                        // "Later": too many requests, or too slow to read ours.
                        408 | 429 => Err(WebhookError::Failed(format!("HTTP {status}"))),
                        300..=499 => Err(WebhookError::Refused { status }),
                        _ => Err(WebhookError::Failed(format!("HTTP {status}"))),
                    }
                }
            }));
        service
            .oneshot(parsed)
            .await
            .map_err(|e| self.breaker.error(e))
    }

    /// The breaker's state, for the operator (`target` is `webhook`).
    #[must_use]
    pub fn breaker(&self) -> BreakerReport {
        BreakerReport {
            target: self.breaker.target(),
            state: self.breaker.state(),
            refusing_ms: self
                .breaker
                .refusing_for()
                .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            openings: self.breaker.openings(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};

    use axum::Json;
    use axum::extract::State;
    use axum::http::StatusCode;

    use super::*;

    /// A receiver answering `status` and counting its calls.
    async fn receiver(status: Arc<AtomicU16>, calls: Arc<AtomicUsize>) -> String {
        let app = axum::Router::new()
            .route(
                "/hook",
                axum::routing::post(
                    |State((status, calls)): State<(Arc<AtomicU16>, Arc<AtomicUsize>)>,
                     Json(_): Json<serde_json::Value>| async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        StatusCode::from_u16(status.load(Ordering::SeqCst)).unwrap()
                    },
                ),
            )
            .with_state((status, calls));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}/hook")
    }

    #[tokio::test]
    async fn answers_are_classified_and_failures_open_the_breaker() {
        let (status, calls) = (Arc::new(AtomicU16::new(204)), Arc::new(AtomicUsize::new(0)));
        let url = receiver(Arc::clone(&status), Arc::clone(&calls)).await;
        let client = WebhookClient::new(&WebhookConfig {
            timeout: Duration::from_secs(5),
            breaker: BreakerConfig {
                failure_threshold: 2,
                open_for: Duration::from_secs(60),
                half_open_probes: 1,
            },
        })
        .unwrap();
        let body = serde_json::json!({"rule": "r"});
        assert_eq!(client.post_json(&url, &body).await, Ok(204));
        status.store(429, Ordering::SeqCst);
        assert!(matches!(
            client.post_json(&url, &body).await,
            Err(WebhookError::Failed(_))
        ));
        status.store(204, Ordering::SeqCst);
        assert_eq!(
            client.post_json(&url, &body).await,
            Ok(204),
            "closes the count"
        );
        status.store(422, Ordering::SeqCst);
        assert_eq!(
            client.post_json(&url, &body).await,
            Err(WebhookError::Refused { status: 422 })
        );
        assert!(!WebhookError::Refused { status: 422 }.is_retryable());
        status.store(503, Ordering::SeqCst);
        for _ in 0..2 {
            let e = client.post_json(&url, &body).await.unwrap_err();
            assert!(
                matches!(e, WebhookError::Failed(_)) && e.is_retryable(),
                "{e}"
            );
        }
        let before = calls.load(Ordering::SeqCst);
        let refused = client.post_json(&url, &body).await.unwrap_err();
        assert!(
            matches!(refused, WebhookError::CircuitOpen { .. }),
            "{refused}"
        );
        assert_eq!(
            calls.load(Ordering::SeqCst),
            before,
            "refused without a call"
        );
        assert!(matches!(
            client.post_json("ftp://example.com/x", &body).await,
            Err(WebhookError::BadUrl(_))
        ));
    }
}
