//! The model's settings as the bot reads them ([`LlmSettings`],
//! `CAMPANILE_LLM_*`), and the configuration a
//! [`ChatClient`](super::ChatClient) is built from ([`ChatConfig`]).

use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

use super::DEFAULT_TIMEOUT;
use crate::policy::BreakerConfig;

framework::settings! {
    /// The language model's settings: with a URL and a model, the support
    /// responder asks it what the FAQ alone does not answer. `Debug` never
    /// shows the key.
    ///
    /// ```
    /// use infra_providers::llm::LlmSettings;
    ///
    /// let mut settings = LlmSettings::default();
    /// assert!(settings.client_config().is_none(), "no URL, no model: FAQ only");
    /// settings.url = Some("http://127.0.0.1:11434/v1".to_owned());
    /// settings.model = Some("llama3.1:8b".to_owned());
    /// let config = settings.client_config().unwrap();
    /// assert_eq!(config.endpoint(), "http://127.0.0.1:11434/v1/chat/completions");
    /// ```
    #[derive(Debug, Clone)]
    pub struct LlmSettings {
        /// The chat-completions API's base URL, the part before
        /// `/chat/completions` (`https://api.openai.com/v1`,
        /// `http://127.0.0.1:11434/v1`); with a model, the support responder
        /// asks it [default: none: the FAQ alone].
        #[var("CAMPANILE_LLM_URL")]
        pub url: Option<String>,
        /// The model (`gpt-4o-mini`, `llama3.1:8b`) [default: none].
        #[var("CAMPANILE_LLM_MODEL")]
        pub model: Option<String>,
        /// The API key, sent as a Bearer token [default: none: no
        /// `Authorization` header].
        #[var("CAMPANILE_LLM_API_KEY", secret)]
        pub api_key: Option<SecretString>,
        /// The deadline of one call, e.g. `8s` [default: 8s].
        #[var("CAMPANILE_LLM_TIMEOUT")]
        #[serde(with = "humantime_serde")]
        pub timeout: Duration,
        /// Whether to ask for JSON mode (`response_format`); `false` for
        /// servers that refuse it [default: true].
        #[var("CAMPANILE_LLM_JSON_MODE")]
        pub json_mode: bool,
    }
}

impl Default for LlmSettings {
    /// No model (the FAQ alone), an 8 s deadline, JSON mode.
    fn default() -> Self {
        Self {
            url: None,
            model: None,
            api_key: None,
            timeout: DEFAULT_TIMEOUT,
            json_mode: true,
        }
    }
}

impl LlmSettings {
    /// What a client calls the model with, when the URL and the model are
    /// both set (else no model is asked).
    #[must_use]
    pub fn client_config(&self) -> Option<ChatConfig> {
        let url = self.url.as_ref().filter(|u| !u.trim().is_empty())?;
        let model = self.model.as_ref().filter(|m| !m.trim().is_empty())?;
        let mut config = ChatConfig::new(url.trim(), model.trim())
            .with_timeout(self.timeout)
            .with_json_mode(self.json_mode);
        if let Some(key) = &self.api_key {
            config = config.with_api_key(key.expose_secret());
        }
        Some(config)
    }
}

/// Where and how a [`ChatClient`](super::ChatClient) calls the model.
/// `Debug` never shows the key.
#[derive(Debug, Clone)]
pub struct ChatConfig {
    base_url: String,
    pub(super) model: String,
    pub(super) api_key: Option<SecretString>,
    pub(super) timeout: Duration,
    pub(super) json_mode: bool,
    pub(super) breaker: BreakerConfig,
}

impl ChatConfig {
    /// Calls `model` at `base_url` (see the [module docs](super)), without a
    /// key, with the [`DEFAULT_TIMEOUT`], JSON mode and the default breaker.
    #[must_use]
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: DEFAULT_TIMEOUT,
            json_mode: true,
            breaker: BreakerConfig::default(),
        }
    }

    /// Sends `key` as a Bearer token.
    #[must_use]
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// Gives up on a call after `timeout` (connection included).
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Whether to send `response_format: {"type": "json_object"}`.
    #[must_use]
    pub fn with_json_mode(mut self, json_mode: bool) -> Self {
        self.json_mode = json_mode;
        self
    }

    /// The circuit breaker in front of the API.
    #[must_use]
    pub fn with_breaker(mut self, breaker: BreakerConfig) -> Self {
        self.breaker = breaker;
        self
    }

    /// The URL called: the base with `/chat/completions` (unless it ends
    /// so already).
    #[must_use]
    pub fn endpoint(&self) -> String {
        let base = self.base_url.trim().trim_end_matches('/');
        if base.ends_with("/chat/completions") {
            base.to_owned()
        } else {
            format!("{base}/chat/completions")
        }
    }

    /// The model.
    #[must_use]
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The deadline of one call.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether JSON mode is asked for.
    #[must_use]
    pub fn json_mode(&self) -> bool {
        self.json_mode
    }

    /// The circuit breaker's settings.
    #[must_use]
    pub fn breaker(&self) -> &BreakerConfig {
        &self.breaker
    }
}
