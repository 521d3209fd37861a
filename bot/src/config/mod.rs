//! Settings as data: one serde struct per concern, read from the
//! environment and an optional file.
//!
//! | struct | concern |
//! |---|---|
//! | [`ServerSettings`] | the HTTP server: address, public URL, client timeouts, connection cap |
//! | [`DatabaseSettings`] | the database (infra) |
//! | [`RedisSettings`] | Redis, shared by several instances (infra) |
//! | [`TwilioSettings`], [`MetaSettings`] | the providers (infra, with their clients) |
//! | [`LogSettings`] | logs |
//! | [`PipelineSettings`] | how long the pipeline, the inbox and the dispatcher hold things |
//! | [`WorkerSettings`] | the background job workers |
//! | [`ShopSettings`] | the shop: orders, invoices, reminders, templates |
//! | [`ZohoSettings`] | Zoho CRM: the catalog synced from it, orders sent to it (infra) |
//! | [`ApiSettings`] | the operator API: its bearer token (off without one) |
//!
//! Each field names its variable once, next to its doc comment, with
//! [`framework::settings!`]; the doc comment is what `campanile --help` prints
//! ([`Settings::SECTIONS`]).
//!
//! The file (`--config FILE` or `CAMPANILE_CONFIG`) is TOML with the same
//! names as the environment, e.g.
//!
//! ```toml
//! CAMPANILE_ADDR = "0.0.0.0:8080"
//! DATABASE_URL = "sqlite://shop.db?mode=rwc"
//! TWILIO_ACCOUNT_SID = "AC..."
//! CAMPANILE_SESSION_TTL = "30m"
//! ```
//!
//! The environment wins over the file; a command-line flag wins over both
//! (the `config` crate layers them: docs/adr/0013-settings-crate.md). An
//! empty value is the same as an unset one, except where a setting says
//! otherwise (`CAMPANILE_QUIET_HOURS`). An unknown name in the file is an
//! error (it is almost always a typo); an unknown `CAMPANILE_*` variable in
//! the environment is only warned about ([`unknown_variables`]), since the
//! environment holds other programs' variables too. Then
//! [`Settings::validate`] checks the rules between values; every error names
//! the variable and its value, never a secret's.
//!
//! # Layout
//!
//! - this module: [`Settings`], what it is made of, and how it loads;
//! - [`server`], [`logs`], [`pipeline`], [`shop`], [`api`]: the bot's own concerns (the
//!   adapters' settings live with the adapters in the `infra/` crates);
//! - `sources`: the file, the environment and the flags as layers, and
//!   names that are no setting;
//! - `validate`: the rules between values;
//! - `error`: [`ConfigError`].

pub mod api;
pub mod campaigns;
mod error;
pub mod logs;
pub mod outbound;
pub mod pipeline;
pub mod server;
pub mod shop;
mod sources;
pub mod support;
mod validate;

use std::net::SocketAddr;
use std::path::Path;

use secrecy::ExposeSecret as _;
use serde::de::DeserializeOwned;

use framework::settings::{Variable, Variables};

pub use api::ApiSettings;
pub use campaigns::CampaignSettings;
pub use error::ConfigError;
pub use infra_providers::llm::LlmSettings;
pub use infra_providers::meta::MetaSettings;
pub use infra_providers::twilio::TwilioSettings;
pub use infra_providers::zoho::ZohoSettings;
pub use infra_redis::RedisSettings;
pub use infra_sql::DatabaseSettings;
pub use logs::LogSettings;
pub use outbound::OutboundSettings;
pub use pipeline::{PipelineSettings, WorkerSettings};
pub use server::ServerSettings;
pub use shop::ShopSettings;
pub use sources::{Unknown, unknown_variables};
pub use support::SupportSettings;

use sources::{Layer, from_config_error, read_file};

/// Shown instead of a secret's value.
const HIDDEN: &str = "<hidden>";

/// A group of settings, as `campanile --help` lists them.
#[derive(Debug, Clone, Copy)]
pub struct Section {
    /// What the group is about.
    pub title: &'static str,
    /// Its variables.
    pub variables: &'static [Variable],
}

/// Everything the bot needs to start: one struct per concern, each read
/// from the variables its fields name. `Debug` shows no secret.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The HTTP server.
    pub server: ServerSettings,
    /// The database.
    pub database: DatabaseSettings,
    /// Redis (no URL: everything in process).
    pub redis: RedisSettings,
    /// Twilio.
    pub twilio: TwilioSettings,
    /// Meta.
    pub meta: MetaSettings,
    /// The outbound policy: breakers and throughput.
    pub outbound: OutboundSettings,
    /// Logs.
    pub log: LogSettings,
    /// Leases and TTLs.
    pub pipeline: PipelineSettings,
    /// The job workers.
    pub workers: WorkerSettings,
    /// Orders, invoices, reminders, templates.
    pub shop: ShopSettings,
    /// Zoho CRM (off without its credentials).
    pub zoho: ZohoSettings,
    /// Campaign pacing.
    pub campaigns: CampaignSettings,
    /// The operator API (off without its token).
    pub api: ApiSettings,
    /// Languages, the FAQ, handoffs.
    pub support: SupportSettings,
    /// The language model of support answers (off without its URL).
    pub llm: LlmSettings,
}

impl Settings {
    /// Every group of settings, in the order `campanile --help` lists them.
    pub const SECTIONS: &'static [Section] = &[
        Section {
            title: "Server",
            variables: ServerSettings::VARIABLES,
        },
        Section {
            title: "Database",
            variables: DatabaseSettings::VARIABLES,
        },
        Section {
            title: "Redis (several instances)",
            variables: RedisSettings::VARIABLES,
        },
        Section {
            title: "Twilio",
            variables: TwilioSettings::VARIABLES,
        },
        Section {
            title: "Meta (WhatsApp Cloud API)",
            variables: MetaSettings::VARIABLES,
        },
        Section {
            title: "Outbound (circuit breakers, throughput)",
            variables: OutboundSettings::VARIABLES,
        },
        Section {
            title: "Logs",
            variables: LogSettings::VARIABLES,
        },
        Section {
            title: "Leases and TTLs",
            variables: PipelineSettings::VARIABLES,
        },
        Section {
            title: "Job workers",
            variables: WorkerSettings::VARIABLES,
        },
        Section {
            title: "Shop (orders, invoices, reminders, templates)",
            variables: ShopSettings::VARIABLES,
        },
        Section {
            title: "Zoho CRM",
            variables: ZohoSettings::VARIABLES,
        },
        Section {
            title: "Campaigns",
            variables: CampaignSettings::VARIABLES,
        },
        Section {
            title: "Operator API",
            variables: ApiSettings::VARIABLES,
        },
        Section {
            title: "Languages, support answers, handoff",
            variables: SupportSettings::VARIABLES,
        },
        Section {
            title: "Language model (support answers)",
            variables: LlmSettings::VARIABLES,
        },
    ];

    /// Every setting.
    pub fn variables() -> impl Iterator<Item = &'static Variable> {
        Self::SECTIONS.iter().flat_map(|s| s.variables)
    }

    /// The setting called `name`.
    #[must_use]
    pub fn variable(name: &str) -> Option<&'static Variable> {
        Self::variables().find(|v| v.name == name)
    }

    /// Settings from the environment over `file`, with `flags` (name and
    /// value, e.g. `("DATABASE_URL", url)` for `--database-url`) over both,
    /// validated.
    ///
    /// # Errors
    ///
    /// Any [`ConfigError`].
    pub fn load(file: Option<&Path>, flags: &[(&str, String)]) -> Result<Self, ConfigError> {
        // A variable whose name or value is not Unicode is no setting of ours.
        let env = std::env::vars_os().filter_map(|(name, value)| {
            Some((name.into_string().ok()?, value.into_string().ok()?))
        });
        Self::from_sources(file, env, flags)
    }

    /// [`load`](Self::load) with `env` (name and value pairs) for the
    /// environment: tests pass their own.
    ///
    /// # Errors
    ///
    /// Any [`ConfigError`].
    pub fn from_sources<K: AsRef<str>, V: AsRef<str>>(
        file: Option<&Path>,
        env: impl IntoIterator<Item = (K, V)>,
        flags: &[(&str, String)],
    ) -> Result<Self, ConfigError> {
        debug_assert!(
            flags.iter().all(|(name, _)| Self::variable(name).is_some()),
            "a flag names a setting that does not exist: {:?}",
            flags.iter().map(|(name, _)| name).collect::<Vec<_>>()
        );
        let mut layers = Vec::with_capacity(3);
        if let Some(path) = file {
            layers.push(read_file(path)?);
        }
        layers.push(Layer::new("the environment", env));
        layers.push(Layer::new(
            "the command line",
            flags.iter().map(|(name, value)| (*name, value)),
        ));
        let settings = Self::from_layers(&layers)?;
        settings.validate()?;
        Ok(settings)
    }

    /// Each concern's struct from the layers, each over the ones before it.
    fn from_layers(layers: &[Layer]) -> Result<Self, ConfigError> {
        let merged = layers
            .iter()
            .fold(::config::Config::builder(), |builder, layer| {
                builder.add_source(layer.clone())
            })
            .build()
            .map_err(|e| ConfigError::Load(e.to_string()))?;
        // Every concern reads its own names from the same flat table.
        fn section<T: DeserializeOwned>(
            merged: &::config::Config,
            layers: &[Layer],
        ) -> Result<T, ConfigError> {
            merged
                .clone()
                .try_deserialize()
                .map_err(|e| from_config_error(&e, layers))
        }
        Ok(Self {
            server: section(&merged, layers)?,
            database: section(&merged, layers)?,
            redis: section(&merged, layers)?,
            twilio: section(&merged, layers)?,
            meta: section(&merged, layers)?,
            outbound: section(&merged, layers)?,
            log: section(&merged, layers)?,
            pipeline: section(&merged, layers)?,
            workers: section(&merged, layers)?,
            shop: section(&merged, layers)?,
            zoho: section(&merged, layers)?,
            campaigns: section(&merged, layers)?,
            api: section(&merged, layers)?,
            support: section(&merged, layers)?,
            llm: section(&merged, layers)?,
        })
    }

    /// Settings for tests and local runs: listen on `addr`, a private
    /// in-memory database, no provider secrets.
    #[must_use]
    pub fn local(addr: SocketAddr) -> Self {
        Self {
            server: ServerSettings {
                addr,
                ..ServerSettings::default()
            },
            database: DatabaseSettings::in_memory(),
            // Tests of ordering start with a customer's first message:
            // no language choice, no profile asked first (the tests of
            // those turn them on).
            support: SupportSettings {
                language_on_first_contact: false,
                profile_before_first_order: false,
                ..SupportSettings::default()
            },
            ..Self::default()
        }
    }

    /// The webhook configuration these settings describe.
    #[must_use]
    pub fn webhooks(&self) -> framework::webhook::WebhookConfig {
        let mut config = framework::webhook::WebhookConfig::new();
        if let Some(token) = &self.twilio.auth_token {
            config = config.with_twilio(token.expose_secret().to_owned(), self.server.base_url());
        }
        if let (Some(secret), Some(verify)) = (&self.meta.app_secret, &self.meta.verify_token) {
            config = config.with_meta(
                secret.expose_secret().to_owned(),
                verify.expose_secret().to_owned(),
            );
        }
        config
    }

    /// How replies are addressed.
    #[must_use]
    pub fn render_config(&self) -> infra_providers::render::RenderConfig {
        infra_providers::render::RenderConfig {
            twilio_from: self.twilio.whatsapp_from.clone(),
            twilio_status_callback: Some(format!(
                "{}{}",
                self.server.base_url(),
                framework::webhook::TWILIO_PATH
            )),
            meta_phone_number_id: self.meta.phone_number_id.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
