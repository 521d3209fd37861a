//! Settings from the environment (DESIGN.md §6 names).

use std::fmt;
use std::net::SocketAddr;

/// Everything the server needs to start.
#[derive(Clone)]
pub struct Settings {
    /// Where the HTTP server listens (`CAMPANILE_ADDR`).
    pub addr: SocketAddr,
    /// The scheme, host and port providers call (`CAMPANILE_PUBLIC_URL`);
    /// Twilio signs URLs built from it.
    pub public_url: String,
    /// `TWILIO_AUTH_TOKEN`: verifies Twilio webhooks; unset, they are refused.
    pub twilio_auth_token: Option<String>,
    /// `META_APP_SECRET`: verifies Meta webhooks; unset (or without
    /// `META_VERIFY_TOKEN`), they are refused.
    pub meta_app_secret: Option<String>,
    /// `META_VERIFY_TOKEN`: answers Meta's subscription handshake.
    pub meta_verify_token: Option<String>,
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |v: &Option<String>| if v.is_some() { "<set>" } else { "<unset>" };
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("public_url", &self.public_url)
            .field("twilio_auth_token", &set(&self.twilio_auth_token))
            .field("meta_app_secret", &set(&self.meta_app_secret))
            .field("meta_verify_token", &set(&self.meta_verify_token))
            .finish()
    }
}

impl Settings {
    /// Settings for tests and local runs: listen on `addr`, no provider secrets.
    #[must_use]
    pub fn local(addr: SocketAddr) -> Self {
        Self {
            addr,
            public_url: format!("http://{addr}"),
            twilio_auth_token: None,
            meta_app_secret: None,
            meta_verify_token: None,
        }
    }

    /// The webhook configuration these settings describe.
    #[must_use]
    pub fn webhooks(&self) -> framework::webhook::WebhookConfig {
        let mut config = framework::webhook::WebhookConfig::new();
        if let Some(token) = &self.twilio_auth_token {
            config = config.with_twilio(token.clone(), self.public_url.clone());
        }
        if let (Some(secret), Some(verify)) = (&self.meta_app_secret, &self.meta_verify_token) {
            config = config.with_meta(secret.clone(), verify.clone());
        }
        config
    }
}
