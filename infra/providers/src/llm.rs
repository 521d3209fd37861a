//! [`ChatClient`]: a language model behind an OpenAI-compatible
//! chat-completions API (OpenAI, Azure-style gateways, Ollama, llama.cpp's
//! server, vLLM, LiteLLM), behind a deadline and one circuit breaker
//! (target `llm`), like every outbound call. With feature `support` it is
//! the support responder's `features::support::LanguageModel`.
//!
//! # The API
//!
//! `POST {base}/chat/completions` with
//! `{"model", "messages": [{"role", "content"}], "temperature": 0,
//! "response_format": {"type": "json_object"}}` and, when a key is set,
//! `Authorization: Bearer {key}`; the reply is `choices[0].message.content`.
//!
//! - The base URL (`CAMPANILE_LLM_URL`) is the part before
//!   `/chat/completions`, version included: `https://api.openai.com/v1`,
//!   `http://127.0.0.1:11434/v1` (Ollama), `http://127.0.0.1:8080/v1`
//!   (llama.cpp). A URL that already ends in `/chat/completions` is used
//!   as it is. Nothing else is guessed (no `/v1` is added).
//! - `response_format` (JSON mode) is sent by default; some servers refuse
//!   it (HTTP 400), so it can be turned off
//!   ([`ChatConfig::with_json_mode`], `CAMPANILE_LLM_JSON_MODE=false`).
//!   The support responder asks for JSON in its prompt either way.
//! - Redirects are not followed (the key goes to the configured host only).
//!
//! # Errors
//!
//! | answer | [`ChatError`] | counts against the breaker |
//! |---|---|---|
//! | 401, 403, another 3xx/4xx (a wrong key, an unknown model, JSON mode refused) | [`Refused`](ChatError::Refused) | no |
//! | 408, 429, 5xx, no connection | [`Failed`](ChatError::Failed) | yes |
//! | no answer within the deadline | [`TimedOut`](ChatError::TimedOut) | yes |
//! | 2xx that is not a completion (not JSON, no `choices[0].message.content`, over 1 MiB) | [`BadResponse`](ChatError::BadResponse) | yes |
//! | the breaker open | [`CircuitOpen`](ChatError::CircuitOpen), no call made | — |
//!
//! # Example
//!
//! ```
//! use infra_providers::llm::{ChatClient, ChatMessage};
//! use infra_providers::testing::{FakeLlm, LlmMode};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let fake = FakeLlm::start().await;
//! fake.set_mode(LlmMode::Reply("We open at 9.".to_owned()));
//! let client = ChatClient::new(&fake.config()).unwrap();
//!
//! let reply = client
//!     .chat(&[ChatMessage::system("You answer for the shop."), ChatMessage::user("When do you open?")])
//!     .await
//!     .unwrap();
//! assert_eq!(reply, "We open at 9.");
//! assert_eq!(fake.requests()[0].model(), Some("fake-model"));
//! # }
//! ```

use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use serde::{Deserialize, Serialize};
use tower::{Layer as _, ServiceExt as _};

use crate::policy::breaker::Breaker;
use crate::policy::{BreakerConfigError, BreakerReport};

mod config;
#[cfg(feature = "support")]
mod support;

pub use self::config::{ChatConfig, LlmSettings};

/// The deadline of one call by default, connection included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(8);

/// The largest answer read.
const MAX_BODY: usize = 1024 * 1024;

/// Who says a [`ChatMessage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatRole {
    /// The instructions.
    System,
    /// The customer.
    User,
    /// The model.
    Assistant,
}

impl ChatRole {
    fn as_str(self) -> &'static str {
        match self {
            Self::System => "system",
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One message of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChatMessage {
    /// Who says it.
    pub role: ChatRole,
    /// What.
    pub content: String,
}

impl ChatMessage {
    /// Instructions.
    #[must_use]
    pub fn system(content: impl Into<String>) -> Self {
        Self {
            role: ChatRole::System,
            content: content.into(),
        }
    }

    /// The customer's message.
    #[must_use]
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: ChatRole::User,
            content: content.into(),
        }
    }
}

/// Why a call gave no reply; see the [module docs](self).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChatError {
    /// The server refused the call as made: trying again will not help.
    #[error("the language model refused the call: HTTP {status}: {message}")]
    Refused {
        /// Its status.
        status: u16,
        /// Its error message, when it gave one.
        message: String,
    },
    /// 408, 429, 5xx or no connection: it may pass.
    #[error("the language model failed: {0}")]
    Failed(String),
    /// No answer within the deadline.
    #[error("the language model did not answer within {0:?}")]
    TimedOut(Duration),
    /// A 2xx answer that is not a chat completion.
    #[error("the language model's answer is not a completion: {0}")]
    BadResponse(String),
    /// Too many failures in a row: calls are refused for a while.
    #[error("the language model is failing: calls refused for {retry_in:?}")]
    CircuitOpen {
        /// How long still.
        retry_in: Option<Duration>,
    },
}

impl ChatError {
    /// Whether trying again later can succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        !matches!(self, Self::Refused { .. })
    }

    /// What the breaker counts: the server failing to answer.
    fn counts_against_breaker(&self) -> bool {
        matches!(
            self,
            Self::Failed(_) | Self::TimedOut(_) | Self::BadResponse(_)
        )
    }
}

/// Why a [`ChatClient`] cannot be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChatConfigError {
    /// Not an `http` or `https` URL.
    #[error("not a chat-completions URL: {0}")]
    BadUrl(String),
    /// No model named.
    #[error("no model named")]
    NoModel,
    /// The breaker's settings are unusable.
    #[error(transparent)]
    Breaker(#[from] BreakerConfigError),
    /// The HTTP client could not be made.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// Calls a chat-completions API; cheap to clone (clones share the
/// connection pool and the breaker).
#[derive(Debug, Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    endpoint: reqwest::Url,
    model: String,
    api_key: Option<SecretString>,
    json_mode: bool,
    timeout: Duration,
    breaker: Breaker<String, ChatError>,
}

/// The request, as the API takes it.
#[derive(Serialize)]
struct WireRequest<'a> {
    model: &'a str,
    messages: Vec<WireMessage<'a>>,
    temperature: f32,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<WireFormat>,
}

#[derive(Serialize)]
struct WireMessage<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct WireFormat {
    #[serde(rename = "type")]
    kind: &'static str,
}

/// The answer: only what is read.
#[derive(Deserialize)]
struct WireCompletion {
    choices: Vec<WireChoice>,
}

#[derive(Deserialize)]
struct WireChoice {
    message: WireReply,
}

#[derive(Deserialize)]
struct WireReply {
    content: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
}

/// An error body: `{"error": {"message": ...}}`.
#[derive(Deserialize)]
struct WireError {
    error: WireErrorDetail,
}

#[derive(Deserialize)]
struct WireErrorDetail {
    message: String,
}

impl ChatClient {
    /// A client with `config`'s URL, model, key, deadline and breaker.
    ///
    /// # Errors
    ///
    /// [`ChatConfigError`] when the URL is not `http`/`https`, the model
    /// is blank, or the breaker's settings or the HTTP client are unusable.
    pub fn new(config: &ChatConfig) -> Result<Self, ChatConfigError> {
        let endpoint_text = config.endpoint();
        let endpoint = reqwest::Url::parse(&endpoint_text)
            .map_err(|e| ChatConfigError::BadUrl(format!("{endpoint_text}: {e}")))?;
        if !matches!(endpoint.scheme(), "http" | "https") {
            return Err(ChatConfigError::BadUrl(format!(
                "{endpoint_text}: http or https only"
            )));
        }
        if config.model.trim().is_empty() {
            return Err(ChatConfigError::NoModel);
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .user_agent(concat!("campanile/", env!("CARGO_PKG_VERSION")))
            // The key goes to the configured host only.
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let breaker = Breaker::with_classifier(
            "llm",
            &config.breaker,
            |result: &Result<String, ChatError>| {
                result
                    .as_ref()
                    .is_err_and(ChatError::counts_against_breaker)
            },
            |_, retry_in| ChatError::CircuitOpen { retry_in },
        )?;
        Ok(Self {
            http,
            endpoint,
            model: config.model.trim().to_owned(),
            api_key: config.api_key.clone(),
            json_mode: config.json_mode,
            timeout: config.timeout,
            breaker,
        })
    }

    /// The model's reply to `messages` (`choices[0].message.content`), as
    /// it wrote it.
    ///
    /// # Errors
    ///
    /// [`ChatError`]: see the [module docs](self).
    pub async fn chat(&self, messages: &[ChatMessage]) -> Result<String, ChatError> {
        let body = serde_json::to_vec(&WireRequest {
            model: &self.model,
            messages: messages
                .iter()
                .map(|m| WireMessage {
                    role: m.role.as_str(),
                    content: &m.content,
                })
                .collect(),
            temperature: 0.0,
            response_format: self.json_mode.then_some(WireFormat {
                kind: "json_object",
            }),
        })
        .map_err(|e| ChatError::Failed(format!("cannot encode the request: {e}")))?;
        let (http, url, key, timeout) = (
            self.http.clone(),
            self.endpoint.clone(),
            self.api_key.clone(),
            self.timeout,
        );
        let service = self
            .breaker
            .layer()
            .layer(tower::service_fn(move |body: Vec<u8>| {
                let (http, url, key) = (http.clone(), url.clone(), key.clone());
                async move { call(&http, url, key.as_ref(), body, timeout).await }
            }));
        service
            .oneshot(body)
            .await
            .map_err(|e| self.breaker.error(e))
    }

    /// The model asked.
    #[must_use]
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The breaker's state, for the operator (`target` is `llm`).
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

/// One HTTP call, its answer classified.
async fn call(
    http: &reqwest::Client,
    url: reqwest::Url,
    key: Option<&SecretString>,
    body: Vec<u8>,
    timeout: Duration,
) -> Result<String, ChatError> {
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            ChatError::TimedOut(timeout)
        } else {
            ChatError::Failed(e.to_string())
        }
    };
    let mut request = http
        .post(url)
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key.expose_secret());
    }
    let mut answer = request.send().await.map_err(failed)?;
    let status = answer.status().as_u16();
    let mut bytes = Vec::new();
    while let Some(chunk) = answer.chunk().await.map_err(failed)? {
        if bytes.len() + chunk.len() > MAX_BODY {
            return Err(ChatError::BadResponse(format!(
                "HTTP {status}: an answer over {MAX_BODY} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    let message = || {
        serde_json::from_slice::<WireError>(&bytes).map_or_else(
            |_| String::from_utf8_lossy(&bytes).chars().take(200).collect(),
            |e| e.error.message,
        )
    };
    match status {
        200..=299 => {}
        408 | 429 => return Err(ChatError::Failed(format!("HTTP {status}: {}", message()))),
        300..=499 => {
            return Err(ChatError::Refused {
                status,
                message: message(),
            });
        }
        _ => return Err(ChatError::Failed(format!("HTTP {status}: {}", message()))),
    }
    let completion: WireCompletion = serde_json::from_slice(&bytes)
        .map_err(|e| ChatError::BadResponse(format!("not a chat completion: {e}")))?;
    let reply = completion
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| ChatError::BadResponse("no choices".to_owned()))?
        .message;
    match (reply.content, reply.refusal) {
        (Some(content), _) => Ok(content),
        (None, Some(refusal)) => Err(ChatError::Refused {
            status,
            message: refusal,
        }),
        (None, None) => Err(ChatError::BadResponse(
            "choices[0].message.content is missing".to_owned(),
        )),
    }
}

#[cfg(test)]
mod tests;
