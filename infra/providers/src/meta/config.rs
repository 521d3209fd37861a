//! Where and with which token the Cloud API is called: [`MetaConfig`]
//! (what a client is built from) and [`MetaSettings`] (Meta's settings as
//! the bot reads them).

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

use crate::media::MediaConfig;

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
    pub(super) base_url: String,
    pub(super) api_version: String,
    pub(super) access_token: String,
    pub(super) timeout: Duration,
    pub(super) media: MediaConfig,
    pub(super) media_hosts: Vec<String>,
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
    /// [`MetaClient::download`](super::MetaClient::download).
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
