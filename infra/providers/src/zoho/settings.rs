//! Zoho's settings as the bot reads them, and the configuration a client is
//! built from.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

use crate::policy::BreakerConfig;

/// The production accounts server (US data centre).
pub const DEFAULT_ACCOUNTS_BASE: &str = "https://accounts.zoho.com";

/// The production API domain (US data centre).
pub const DEFAULT_API_BASE: &str = "https://www.zohoapis.com";

/// How long one HTTP call may take by default, connection and answer
/// included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Calls in flight at once by default: the Free edition's concurrency limit
/// (Standard 10, Professional 15, Enterprise 20, Ultimate 25).
pub const DEFAULT_MAX_CONCURRENCY: usize = 5;

/// Where orders go in Zoho CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
pub enum OrdersModule {
    /// `Sales_Orders` (with line items; missing on some editions, where
    /// Zoho answers `INVALID_MODULE`).
    #[default]
    #[serde(rename = "Sales_Orders")]
    SalesOrders,
    /// `Deals`, available on every edition.
    #[serde(rename = "Deals")]
    Deals,
}

impl OrdersModule {
    /// The module's API name, as it goes in a path.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SalesOrders => "Sales_Orders",
            Self::Deals => "Deals",
        }
    }
}

impl fmt::Display for OrdersModule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

framework::settings! {
    /// Zoho CRM's settings: the OAuth client and refresh token the bot
    /// calls the CRM with, where, and how often it syncs. `Debug` never
    /// shows the secrets.
    ///
    /// ```
    /// use infra_providers::zoho::{OrdersModule, ZohoSettings};
    ///
    /// let mut settings = ZohoSettings::default();
    /// assert_eq!(settings.orders_module, OrdersModule::SalesOrders);
    /// assert!(settings.client_config().is_none(), "no credentials: Zoho is off");
    /// settings.client_id = Some("1000.CLIENT".to_owned());
    /// settings.client_secret = Some("hunter2".into());
    /// settings.refresh_token = Some("1000.hunter3".into());
    /// let config = settings.client_config().unwrap();
    /// assert_eq!(config.api_base(), "https://www.zohoapis.com");
    /// let shown = format!("{settings:?} {config:?}");
    /// assert!(!shown.contains("hunter2") && !shown.contains("hunter3"), "{shown}");
    /// ```
    #[derive(Debug, Clone)]
    pub struct ZohoSettings {
        /// OAuth client id from the Zoho API console; with the secret and
        /// the refresh token, Zoho features are on.
        #[var("ZOHO_CLIENT_ID")]
        pub client_id: Option<String>,
        /// OAuth client secret.
        #[var("ZOHO_CLIENT_SECRET", secret)]
        pub client_secret: Option<SecretString>,
        /// Refresh token (scopes `ZohoCRM.modules.ALL`), from the
        /// one-time grant.
        #[var("ZOHO_REFRESH_TOKEN", secret)]
        pub refresh_token: Option<SecretString>,
        /// Accounts server of the org's data centre [default:
        /// `https://accounts.zoho.com`].
        #[var("ZOHO_ACCOUNTS_BASE")]
        pub accounts_base: String,
        /// API domain of the org's data centre [default:
        /// `https://www.zohoapis.com`].
        #[var("ZOHO_API_BASE")]
        pub api_base: String,
        /// How often the inventory is synced, e.g. `15m` [default: 15m].
        #[var("ZOHO_SYNC_EVERY")]
        #[serde(with = "humantime_serde")]
        pub sync_every: Duration,
        /// Where orders go: `Sales_Orders` or `Deals` [default:
        /// Sales_Orders].
        #[var("ZOHO_ORDERS_MODULE")]
        pub orders_module: OrdersModule,
        /// API calls in flight at once: the edition's concurrency limit
        /// [default: 5, the Free edition's].
        #[var("ZOHO_MAX_CONCURRENCY")]
        pub max_concurrency: usize,
    }
}

impl Default for ZohoSettings {
    /// No credentials (Zoho off), the US data centre, a sync every 15
    /// minutes, orders as sales orders, 5 calls at once.
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            refresh_token: None,
            accounts_base: DEFAULT_ACCOUNTS_BASE.to_owned(),
            api_base: DEFAULT_API_BASE.to_owned(),
            sync_every: Duration::from_secs(15 * 60),
            orders_module: OrdersModule::SalesOrders,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
        }
    }
}

impl ZohoSettings {
    /// What a client calls Zoho with, when the client id, its secret and
    /// the refresh token are all set (else every Zoho feature is off).
    #[must_use]
    pub fn client_config(&self) -> Option<ZohoConfig> {
        let id = self.client_id.as_ref().filter(|id| !id.trim().is_empty())?;
        let secret = self.client_secret.as_ref()?;
        let refresh = self.refresh_token.as_ref()?;
        Some(
            ZohoConfig::new(id.clone(), secret.expose_secret(), refresh.expose_secret())
                .with_accounts_base(self.accounts_base.clone())
                .with_api_base(self.api_base.clone())
                .with_max_concurrency(self.max_concurrency),
        )
    }
}

/// Where and as whom a [`ZohoClient`](super::ZohoClient) calls Zoho CRM.
/// `Debug` never shows the secrets.
#[derive(Debug, Clone)]
pub struct ZohoConfig {
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
    accounts_base: String,
    api_base: String,
    timeout: Duration,
    max_concurrency: usize,
    breaker: BreakerConfig,
}

impl ZohoConfig {
    /// Calls the US data centre as `client_id` with `refresh_token`, with
    /// the [`DEFAULT_TIMEOUT`], [`DEFAULT_MAX_CONCURRENCY`] and the default
    /// breaker.
    #[must_use]
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
        refresh_token: impl Into<String>,
    ) -> Self {
        Self {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
            refresh_token: SecretString::from(refresh_token.into()),
            accounts_base: DEFAULT_ACCOUNTS_BASE.to_owned(),
            api_base: DEFAULT_API_BASE.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            max_concurrency: DEFAULT_MAX_CONCURRENCY,
            breaker: BreakerConfig::default(),
        }
    }

    /// Refreshes tokens at another accounts server (a data centre, a fake).
    #[must_use]
    pub fn with_accounts_base(mut self, base: impl Into<String>) -> Self {
        self.accounts_base = base.into();
        self
    }

    /// Calls the API at another domain (a data centre, a fake).
    #[must_use]
    pub fn with_api_base(mut self, base: impl Into<String>) -> Self {
        self.api_base = base.into();
        self
    }

    /// Gives up on one HTTP call after `timeout`.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Keeps at most `max` API calls in flight (at least 1).
    #[must_use]
    pub fn with_max_concurrency(mut self, max: usize) -> Self {
        self.max_concurrency = max.max(1);
        self
    }

    /// The circuit breaker in front of the API.
    #[must_use]
    pub fn with_breaker(mut self, breaker: BreakerConfig) -> Self {
        self.breaker = breaker;
        self
    }

    /// The OAuth client id.
    #[must_use]
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The accounts server.
    #[must_use]
    pub fn accounts_base(&self) -> &str {
        &self.accounts_base
    }

    /// The API domain.
    #[must_use]
    pub fn api_base(&self) -> &str {
        &self.api_base
    }

    /// The timeout of one HTTP call.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The most API calls in flight at once.
    #[must_use]
    pub fn max_concurrency(&self) -> usize {
        self.max_concurrency
    }

    /// The circuit breaker's settings.
    #[must_use]
    pub fn breaker(&self) -> &BreakerConfig {
        &self.breaker
    }

    pub(super) fn client_secret(&self) -> &SecretString {
        &self.client_secret
    }

    pub(super) fn refresh_token(&self) -> &SecretString {
        &self.refresh_token
    }
}

#[cfg(test)]
mod tests {
    use framework::settings::Variables as _;

    use super::*;

    #[test]
    fn the_variables_are_the_documented_ones() {
        let names: Vec<_> = ZohoSettings::VARIABLES.iter().map(|v| v.name).collect();
        assert_eq!(
            names,
            [
                "ZOHO_CLIENT_ID",
                "ZOHO_CLIENT_SECRET",
                "ZOHO_REFRESH_TOKEN",
                "ZOHO_ACCOUNTS_BASE",
                "ZOHO_API_BASE",
                "ZOHO_SYNC_EVERY",
                "ZOHO_ORDERS_MODULE",
                "ZOHO_MAX_CONCURRENCY",
            ]
        );
        let secret: Vec<_> = ZohoSettings::VARIABLES
            .iter()
            .filter(|v| v.secret)
            .map(|v| v.name)
            .collect();
        assert_eq!(secret, ["ZOHO_CLIENT_SECRET", "ZOHO_REFRESH_TOKEN"]);
    }

    #[test]
    fn settings_read_durations_and_modules() {
        let settings: ZohoSettings = serde_json::from_value(serde_json::json!({
            "ZOHO_SYNC_EVERY": "1h 30m",
            "ZOHO_ORDERS_MODULE": "Deals",
            "ZOHO_CLIENT_ID": "1000.X",
        }))
        .unwrap();
        assert_eq!(settings.sync_every, Duration::from_secs(5400));
        assert_eq!(settings.orders_module, OrdersModule::Deals);
        assert_eq!(settings.max_concurrency, 5);
        assert!(settings.client_config().is_none(), "no secret, no token");
    }
}
