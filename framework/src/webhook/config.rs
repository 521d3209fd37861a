use std::fmt;

/// The largest webhook body accepted: Meta's documented maximum payload.
pub const DEFAULT_BODY_LIMIT: usize = 3 * 1024 * 1024;

/// What the webhook routes need to verify requests.
///
/// A provider without secrets is not served: its webhooks are answered 403
/// (nothing unsigned is ever processed).
///
/// ```
/// use framework::webhook::WebhookConfig;
///
/// let config = WebhookConfig::new()
///     .with_twilio("twilio-auth-token", "https://bot.example.com")
///     .with_meta("meta-app-secret", "my-verify-token");
/// assert!(config.twilio_enabled() && config.meta_enabled());
/// // Secrets stay out of logs:
/// assert!(!format!("{config:?}").contains("twilio-auth-token"));
/// ```
#[derive(Clone)]
pub struct WebhookConfig {
    pub(super) twilio: Option<TwilioSecrets>,
    pub(super) meta: Option<MetaSecrets>,
    pub(super) body_limit: usize,
}

#[derive(Clone)]
pub(super) struct TwilioSecrets {
    pub(super) auth_token: String,
    /// Scheme, host and port Twilio calls (no path): the path and query of the
    /// request are appended to rebuild the URL Twilio signed.
    pub(super) public_url: String,
}

#[derive(Clone)]
pub(super) struct MetaSecrets {
    pub(super) app_secret: String,
    pub(super) verify_token: String,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl WebhookConfig {
    /// No provider enabled; bodies up to [`DEFAULT_BODY_LIMIT`].
    #[must_use]
    pub fn new() -> Self {
        Self {
            twilio: None,
            meta: None,
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// Serves Twilio webhooks, verifying `X-Twilio-Signature` with
    /// `auth_token` against `public_url` (the scheme, host and port Twilio
    /// calls, e.g. `https://bot.example.com`, plus any path prefix a proxy
    /// strips) followed by the request's path and query. The full webhook URL
    /// (`https://bot.example.com/webhooks/twilio`) is accepted too.
    #[must_use]
    pub fn with_twilio(
        mut self,
        auth_token: impl Into<String>,
        public_url: impl Into<String>,
    ) -> Self {
        let public_url: String = public_url.into();
        let base = public_url.trim_end_matches('/');
        // The full webhook URL (what Twilio's console shows) is accepted too.
        let base = base.strip_suffix(super::TWILIO_PATH).unwrap_or(base);
        self.twilio = Some(TwilioSecrets {
            auth_token: auth_token.into(),
            public_url: base.to_owned(),
        });
        self
    }

    /// Serves Meta webhooks, verifying `X-Hub-Signature-256` with `app_secret`
    /// and answering the subscription handshake for `verify_token`.
    #[must_use]
    pub fn with_meta(
        mut self,
        app_secret: impl Into<String>,
        verify_token: impl Into<String>,
    ) -> Self {
        self.meta = Some(MetaSecrets {
            app_secret: app_secret.into(),
            verify_token: verify_token.into(),
        });
        self
    }

    /// Sets the largest accepted body; larger requests get 413.
    #[must_use]
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Whether Twilio webhooks are served.
    #[must_use]
    pub fn twilio_enabled(&self) -> bool {
        self.twilio.is_some()
    }

    /// Whether Meta webhooks are served.
    #[must_use]
    pub fn meta_enabled(&self) -> bool {
        self.meta.is_some()
    }
}

impl fmt::Debug for WebhookConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookConfig")
            .field(
                "twilio",
                &self
                    .twilio
                    .as_ref()
                    .map(|t| format!("public_url={} auth_token=<redacted>", t.public_url)),
            )
            .field("meta", &self.meta.as_ref().map(|_| "<redacted>"))
            .field("body_limit", &self.body_limit)
            .finish()
    }
}
