//! Settings as data: one serde struct per concern, read from the
//! environment (DESIGN.md §6 names) and an optional file.
//!
//! | struct | concern |
//! |---|---|
//! | [`ServerSettings`] | the HTTP server: address, public URL |
//! | [`DatabaseSettings`] | the database (infra) |
//! | [`RedisSettings`] | Redis, shared by several instances (infra) |
//! | [`TwilioSettings`], [`MetaSettings`] | the providers (infra, with their clients) |
//! | [`LogSettings`] | logs |
//! | [`PipelineSettings`] | how long the pipeline, the inbox and the dispatcher hold things |
//! | [`WorkerSettings`] | the background job workers |
//! | [`ShopSettings`] | the shop: orders, invoices, reminders, templates |
//!
//! Each field names its variable once, next to its doc comment, with
//! [`infra::settings!`]; the doc comment is what `campanile --help` prints
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

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize as _, Deserializer};

use features::invoices::GstRate;
use features::reminders::QuietHours;
use infra::settings::{Variable, Variables};

pub use infra::db::DatabaseSettings;
pub use infra::meta::MetaSettings;
pub use infra::redis::RedisSettings;
pub use infra::twilio::TwilioSettings;

/// Shown instead of a secret's value.
const HIDDEN: &str = "<hidden>";

infra::settings! {
    /// The HTTP server.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ServerSettings {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[var("CAMPANILE_ADDR")]
        pub addr: SocketAddr,
        /// scheme://host[:port] providers call; Twilio signs URLs built from it
        /// [default: `http://<addr>`].
        #[var("CAMPANILE_PUBLIC_URL")]
        pub public_url: Option<String>,
    }
}

impl Default for ServerSettings {
    /// `127.0.0.1:8080`, called at that address.
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            public_url: None,
        }
    }
}

impl ServerSettings {
    /// The scheme, host and port providers call, without a trailing `/`:
    /// [`public_url`](Self::public_url) when set, else `http://{addr}`.
    #[must_use]
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }
}

infra::settings! {
    /// Logs.
    #[derive(Debug, Clone, Default)]
    pub struct LogSettings {
        /// Secret (16+ bytes) keying conversation pseudonyms in logs, so they
        /// match across instances [default: random per process].
        #[var("CAMPANILE_LOG_PSEUDONYM_KEY", secret)]
        pub pseudonym_key: Option<SecretString>,
    }
}

infra::settings! {
    /// How long the pipeline, the inbox and the dispatcher hold things.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PipelineSettings {
        /// How long a quiet conversation keeps its cart, e.g. 30m, 24h
        /// [default: 24h].
        #[var("CAMPANILE_SESSION_TTL")]
        #[serde(with = "humantime_serde")]
        pub session_ttl: Duration,
        /// How long a message being processed is held before another instance
        /// may run it (a crashed instance's messages wait this long)
        /// [default: 2m].
        #[var("CAMPANILE_IN_FLIGHT_TTL")]
        #[serde(with = "humantime_serde")]
        pub in_flight_ttl: Duration,
        /// Lease of a conversation's lane, renewed while a turn runs; a crashed
        /// holder's lane frees after it [default: 30s].
        #[var("CAMPANILE_LANE_TTL")]
        #[serde(with = "humantime_serde")]
        pub lane_ttl: Duration,
        /// How long a dispatcher holds a reply it is sending before another
        /// may send it (a crashed dispatcher's replies wait this long); keep it
        /// above the provider timeout (10s) [default: 60s].
        #[var("CAMPANILE_SEND_LEASE")]
        #[serde(with = "humantime_serde")]
        pub send_lease: Duration,
    }
}

impl Default for PipelineSettings {
    /// 24 h sessions, 2 min in-flight claims, 30 s lanes, 60 s send leases.
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(24 * 60 * 60),
            in_flight_ttl: Duration::from_secs(120),
            lane_ttl: Duration::from_secs(30),
            send_lease: Duration::from_secs(60),
        }
    }
}

infra::settings! {
    /// The background job workers.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct WorkerSettings {
        /// Whether `serve` also runs the background job workers (invoices,
        /// reminders): on or off; `campanile worker` runs them alone
        /// [default: on].
        #[var("CAMPANILE_WORKERS")]
        #[serde(deserialize_with = "on_off")]
        pub run: bool,
    }
}

impl Default for WorkerSettings {
    /// `serve` runs the workers.
    fn default() -> Self {
        Self { run: true }
    }
}

infra::settings! {
    /// The shop's own settings: orders, invoices, reminders, templates.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct ShopSettings {
        /// Largest quantity of one product per order [default: 10000].
        #[var("CAMPANILE_MAX_QUANTITY")]
        pub max_quantity: u32,
        /// The shop's name on invoices [default: Campanile Demo Shop].
        #[var("CAMPANILE_SHOP_NAME")]
        pub name: String,
        /// The shop's address on invoices; `|` separates lines [default: none].
        #[var("CAMPANILE_SHOP_ADDRESS")]
        #[serde(deserialize_with = "lines")]
        pub address: Vec<String>,
        /// The shop's GSTIN, printed on invoices [default: none].
        #[var("CAMPANILE_SHOP_GSTIN")]
        pub gstin: Option<String>,
        /// GST rate in percent of products without their own, e.g. 18 or 0.25
        /// [default: 18].
        #[var("CAMPANILE_GST_RATE")]
        pub gst_rate: GstRate,
        /// Days from an invoice to its due date [default: 15].
        #[var("CAMPANILE_PAYMENT_TERMS")]
        #[serde(deserialize_with = "days")]
        pub payment_terms_days: u32,
        /// The shop's IANA time zone (quiet hours, dates on the invoice PDF)
        /// [default: Asia/Kolkata].
        #[var("CAMPANILE_TIMEZONE")]
        pub timezone: String,
        /// No reminders in these hours of the shop's day, moved to their end,
        /// e.g. 21:00-09:00; an empty value turns them off
        /// [default: 21:00-09:00].
        #[var("CAMPANILE_QUIET_HOURS", keep_empty)]
        #[serde(deserialize_with = "quiet_hours")]
        pub quiet_hours: Option<QuietHours>,
        /// The first payment reminder this long after the invoice, e.g. 2s or
        /// 3d [default: a day before the due date; the second is 3 days after
        /// it].
        #[var("CAMPANILE_PAYMENT_REMINDER_AFTER")]
        #[serde(with = "humantime_serde")]
        pub payment_reminder_after: Option<Duration>,
        /// How long an invoice's signed PDF link works [default: 7d].
        #[var("CAMPANILE_INVOICE_LINK_TTL")]
        #[serde(with = "humantime_serde")]
        pub invoice_link_ttl: Duration,
        /// Where `campanile chat` writes invoice PDFs [default: invoices].
        #[var("CAMPANILE_INVOICE_DIR")]
        pub invoice_dir: PathBuf,
        /// Content SID (HX…) of the invoice template Twilio sends outside the
        /// 24-hour window.
        #[var("TWILIO_CONTENT_SID_INVOICE")]
        pub twilio_invoice_content_sid: Option<String>,
        /// Content SID (HX…) of the payment reminder template Twilio sends
        /// outside the 24-hour window.
        #[var("TWILIO_CONTENT_SID_REMINDER")]
        pub twilio_reminder_content_sid: Option<String>,
        /// Content SID (HX…) of the `reminder` template (a shop's own
        /// reminder, `campanile remind`) outside the 24-hour window.
        #[var("TWILIO_CONTENT_SID_NOTICE")]
        pub twilio_notice_content_sid: Option<String>,
    }
}

impl Default for ShopSettings {
    /// The demo shop: 18 % GST, 15 days to pay, Asia/Kolkata, quiet from
    /// 21:00 to 09:00, links valid 7 days.
    fn default() -> Self {
        let tax = features::invoices::TaxSettings::default();
        Self {
            max_quantity: 10_000,
            name: "Campanile Demo Shop".to_owned(),
            address: Vec::new(),
            gstin: None,
            gst_rate: tax.default_rate,
            payment_terms_days: tax.payment_terms_days,
            timezone: "Asia/Kolkata".to_owned(),
            quiet_hours: QuietHours::parse("21:00-09:00").ok().flatten(),
            payment_reminder_after: None,
            invoice_link_ttl: Duration::from_secs(7 * 24 * 60 * 60),
            invoice_dir: PathBuf::from("invoices"),
            twilio_invoice_content_sid: None,
            twilio_reminder_content_sid: None,
            twilio_notice_content_sid: None,
        }
    }
}

impl ShopSettings {
    /// The tax settings invoices are made with.
    #[must_use]
    pub fn tax(&self) -> features::invoices::TaxSettings {
        features::invoices::TaxSettings {
            gstin: self.gstin.clone(),
            default_rate: self.gst_rate,
            payment_terms_days: self.payment_terms_days,
            ..features::invoices::TaxSettings::default()
        }
    }

    /// The shop's clock: time zone and quiet hours.
    ///
    /// # Errors
    ///
    /// An unknown time zone (checked by [`Settings::validate`]).
    pub fn clock(
        &self,
    ) -> Result<features::reminders::ShopClock, features::reminders::ReminderError> {
        features::reminders::ShopClock::new(&self.timezone, self.quiet_hours)
    }
}

/// `on` or `off` (also `true`/`false`, `yes`/`no`, `1`/`0`).
fn on_off<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    match String::deserialize(deserializer)?
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(D::Error::custom("must be on or off")),
    }
}

/// Lines separated by `|`.
fn lines<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(String::deserialize(deserializer)?
        .split('|')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect())
}

/// A number of days: `15` or `15d`.
fn days<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.trim()
        .trim_end_matches('d')
        .trim()
        .parse()
        .map_err(|e| D::Error::custom(format!("must be a number of days like 15 or 30d: {e}")))
}

/// Quiet hours; empty: none.
fn quiet_hours<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<QuietHours>, D::Error> {
    let text = String::deserialize(deserializer)?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.parse().map(Some).map_err(D::Error::custom)
}

/// Configuration problems, reported before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read the config file {path}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML of names and values.
    #[error("the config file {path} is not valid: {reason}")]
    File {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The file names settings that do not exist.
    #[error(
        "the config file {path} has unknown names: {} (`campanile --help` lists the settings)",
        list(unknown)
    )]
    UnknownNames {
        /// The file.
        path: String,
        /// Each unknown name, with the setting it is most like.
        unknown: Vec<Unknown>,
    },
    /// A value does not parse, or breaks a rule.
    #[error("{name}={value:?} is not valid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value (secrets are never reported).
        value: String,
        /// Why.
        reason: String,
    },
    /// The settings could not be put together (not a value's fault).
    #[error("cannot load the settings: {0}")]
    Load(String),
}

fn list(unknown: &[Unknown]) -> String {
    unknown
        .iter()
        .map(Unknown::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A name that is no setting, and the setting it is most like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// The name.
    pub name: String,
    /// The known name most like it.
    pub closest: &'static str,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (did you mean {}?)", self.name, self.closest)
    }
}

impl Unknown {
    fn new(name: &str) -> Self {
        let closest = Settings::variables()
            .map(|v| (strsim::normalized_damerau_levenshtein(name, v.name), v.name))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map_or("", |(_, known)| known);
        Self {
            name: name.to_owned(),
            closest,
        }
    }
}

/// The `CAMPANILE_*` names among `names` that are no setting, each with the
/// setting it is most like: the bot warns about them at start (an unknown
/// variable is ignored, and usually a typo).
pub fn unknown_variables<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<Unknown> {
    names
        .into_iter()
        .filter(|name| name.starts_with("CAMPANILE_") && Settings::variable(name).is_none())
        .map(Unknown::new)
        .collect()
}

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
    /// Logs.
    pub log: LogSettings,
    /// Leases and TTLs.
    pub pipeline: PipelineSettings,
    /// The job workers.
    pub workers: WorkerSettings,
    /// Orders, invoices, reminders, templates.
    pub shop: ShopSettings,
}

/// One source of settings: name → value, as the environment gives them.
#[derive(Clone)]
struct Layer {
    /// Where the values come from (`config` keeps it with each value).
    origin: String,
    values: BTreeMap<&'static str, String>,
}

impl Layer {
    /// The settings among `pairs` (other names are left out); values are
    /// trimmed, and an empty one is left out unless its variable keeps it.
    fn new<K: AsRef<str>, V: AsRef<str>>(
        origin: impl Into<String>,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let values = pairs
            .into_iter()
            .filter_map(|(name, value)| {
                let variable = Settings::variable(name.as_ref())?;
                let value = value.as_ref().trim();
                (variable.keep_empty || !value.is_empty())
                    .then(|| (variable.name, value.to_owned()))
            })
            .collect();
        Self {
            origin: origin.into(),
            values,
        }
    }
}

impl fmt::Debug for Layer {
    /// Names only: values may be secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Layer")
            .field("origin", &self.origin)
            .field("names", &self.values.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl ::config::Source for Layer {
    fn clone_into_box(&self) -> Box<dyn ::config::Source + Send + Sync> {
        Box::new(self.clone())
    }

    fn collect(&self) -> Result<::config::Map<String, ::config::Value>, ::config::ConfigError> {
        Ok(self
            .values
            .iter()
            .map(|(name, value)| {
                let value = ::config::Value::new(Some(&self.origin), value.clone());
                ((*name).to_owned(), value)
            })
            .collect())
    }
}

/// Reads a config file: TOML with the names of the environment, each a
/// string, a number or a boolean.
fn read_file(path: &Path) -> Result<Layer, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    let table: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| ConfigError::File {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
    let unknown: Vec<Unknown> = table
        .keys()
        .filter(|name| Settings::variable(name).is_none())
        .map(|name| Unknown::new(name))
        .collect();
    if !unknown.is_empty() {
        return Err(ConfigError::UnknownNames {
            path: shown,
            unknown,
        });
    }
    let mut pairs = Vec::with_capacity(table.len());
    for (name, value) in table {
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(x) => x.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError::File {
                    path: shown,
                    reason: format!(
                        "{name} must be a string, a number or a boolean, not {}",
                        other.type_str()
                    ),
                });
            }
        };
        pairs.push((name, value));
    }
    Ok(Layer::new(format!("the config file {shown}"), pairs))
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
            log: section(&merged, layers)?,
            pipeline: section(&merged, layers)?,
            workers: section(&merged, layers)?,
            shop: section(&merged, layers)?,
        })
    }

    /// Checks the rules between values, and those serde cannot say.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] naming the first variable that breaks one.
    pub fn validate(&self) -> Result<(), ConfigError> {
        fn invalid(
            name: &'static str,
            value: impl Into<String>,
            reason: impl Into<String>,
        ) -> Result<(), ConfigError> {
            Err(ConfigError::Invalid {
                name,
                value: value.into(),
                reason: reason.into(),
            })
        }
        let public_url = self.server.public_url();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return invalid(
                "CAMPANILE_PUBLIC_URL",
                public_url,
                "must start with http:// or https://",
            );
        }
        if self.database.max_connections() == 0 {
            return invalid("DATABASE_MAX_CONNECTIONS", "0", "must be at least 1");
        }
        if let Some(url) = &self.redis.url {
            let url = url.expose();
            if url.starts_with("rediss://") {
                return invalid(
                    "REDIS_URL",
                    HIDDEN,
                    "TLS (rediss://) is not built into this binary; use redis:// on a private network or a TLS tunnel",
                );
            }
            if !(url.starts_with("redis://") || url.starts_with("redis+unix://")) {
                return invalid(
                    "REDIS_URL",
                    HIDDEN,
                    "must start with redis:// or redis+unix://",
                );
            }
            // BullMQ separates its key parts with `:` and refuses one in the
            // prefix.
            if self.redis.key_prefix.contains(':') {
                return invalid(
                    "REDIS_KEY_PREFIX",
                    self.redis.key_prefix.clone(),
                    "must not contain ':' (the job queue's keys use it as a separator); use '-' or '_'",
                );
            }
        }
        match (&self.meta.app_secret, &self.meta.verify_token) {
            (Some(_), None) => {
                return invalid(
                    "META_VERIFY_TOKEN",
                    "",
                    "must be set with META_APP_SECRET (Meta's subscription handshake needs it)",
                );
            }
            (None, Some(_)) => {
                return invalid(
                    "META_APP_SECRET",
                    "",
                    "must be set with META_VERIFY_TOKEN (it verifies Meta's webhooks)",
                );
            }
            _ => {}
        }
        if let Some(key) = &self.log.pseudonym_key
            && key.expose_secret().len() < framework::trace::MIN_PSEUDONYM_KEY_LEN
        {
            return invalid(
                "CAMPANILE_LOG_PSEUDONYM_KEY",
                HIDDEN,
                format!(
                    "must be at least {} bytes",
                    framework::trace::MIN_PSEUDONYM_KEY_LEN
                ),
            );
        }
        for (name, duration) in [
            ("CAMPANILE_SESSION_TTL", self.pipeline.session_ttl),
            ("CAMPANILE_IN_FLIGHT_TTL", self.pipeline.in_flight_ttl),
            ("CAMPANILE_LANE_TTL", self.pipeline.lane_ttl),
            ("CAMPANILE_SEND_LEASE", self.pipeline.send_lease),
            ("CAMPANILE_INVOICE_LINK_TTL", self.shop.invoice_link_ttl),
        ] {
            if duration < Duration::from_secs(1) {
                return invalid(
                    name,
                    humantime::format_duration(duration).to_string(),
                    "must be at least 1s",
                );
            }
        }
        if self.shop.max_quantity == 0 {
            return invalid("CAMPANILE_MAX_QUANTITY", "0", "must be at least 1");
        }
        if self.shop.payment_terms_days > 3650 {
            return invalid(
                "CAMPANILE_PAYMENT_TERMS",
                self.shop.payment_terms_days.to_string(),
                "must be at most 3650 days",
            );
        }
        if let Err(e) = self.shop.clock() {
            return invalid(
                "CAMPANILE_TIMEZONE",
                self.shop.timezone.clone(),
                e.to_string(),
            );
        }
        Ok(())
    }

    /// Settings for tests and local runs: listen on `addr`, a private
    /// in-memory database, no provider secrets.
    #[must_use]
    pub fn local(addr: SocketAddr) -> Self {
        Self {
            server: ServerSettings {
                addr,
                public_url: None,
            },
            database: DatabaseSettings::in_memory(),
            ..Self::default()
        }
    }

    /// The webhook configuration these settings describe.
    #[must_use]
    pub fn webhooks(&self) -> framework::webhook::WebhookConfig {
        let mut config = framework::webhook::WebhookConfig::new();
        if let Some(token) = &self.twilio.auth_token {
            config = config.with_twilio(token.expose_secret().to_owned(), self.server.public_url());
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
    pub fn render_config(&self) -> infra::outbox::RenderConfig {
        infra::outbox::RenderConfig {
            twilio_from: self.twilio.whatsapp_from.clone(),
            twilio_status_callback: Some(format!(
                "{}{}",
                self.server.public_url(),
                framework::webhook::TWILIO_PATH
            )),
            meta_phone_number_id: self.meta.phone_number_id.clone(),
        }
    }
}

/// A value that does not deserialize, as [`ConfigError::Invalid`] naming
/// the variable and the value that won (never a secret's).
fn from_config_error(e: &::config::ConfigError, layers: &[Layer]) -> ConfigError {
    let (key, reason) = match e {
        ::config::ConfigError::Type {
            key: Some(key),
            expected,
            ..
        } => (key, format!("expected {expected}")),
        ::config::ConfigError::At {
            error,
            key: Some(key),
            ..
        } => (key, reason(&error.to_string())),
        _ => return ConfigError::Load(e.to_string()),
    };
    let Some(variable) = Settings::variable(key) else {
        return ConfigError::Load(e.to_string());
    };
    let value = if variable.secret {
        HIDDEN.to_owned()
    } else {
        layers
            .iter()
            .rev()
            .find_map(|layer| layer.values.get(variable.name))
            .cloned()
            .unwrap_or_default()
    };
    ConfigError::Invalid {
        name: variable.name,
        value,
        reason,
    }
}

/// serde's `invalid value: string "soon", expected a duration` without the
/// value, which the error shows already, and with examples of a duration.
fn reason(message: &str) -> String {
    match message.split_once(", expected ") {
        Some((found, "a duration")) if found.starts_with("invalid value: ") => {
            "expected a duration like 90s, 30m, 24h or 7d".to_owned()
        }
        Some((found, expected))
            if found.starts_with("invalid value: ") || found.starts_with("invalid type: ") =>
        {
            format!("expected {expected}")
        }
        _ => message.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_sources(None, pairs.iter().copied(), &[])
    }

    fn file(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn defaults_are_the_embedded_bot() {
        let s = with(&[]).unwrap();
        assert_eq!(s.server.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.server.public_url(), "http://127.0.0.1:8080");
        assert_eq!(s.database.url(), "sqlite://campanile.db?mode=rwc");
        assert_eq!(s.database.max_connections(), 20);
        assert_eq!(s.redis.config(), None);
        assert_eq!(s.redis.key_prefix, "campanile");
        assert_eq!(s.twilio.api_base, "https://api.twilio.com");
        assert_eq!(s.meta.api_base, "https://graph.facebook.com");
        assert_eq!(s.meta.api_version, "v25.0");
        assert_eq!(s.pipeline, PipelineSettings::default());
        assert_eq!(s.pipeline.session_ttl, Duration::from_secs(86_400));
        assert_eq!(s.shop.max_quantity, 10_000);
        assert!(s.workers.run);
        assert!(!s.webhooks().twilio_enabled() && !s.webhooks().meta_enabled());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = with(&[("CAMPANILE_SESSION_TTL", "soon")]).err().unwrap();
        assert!(
            e.to_string().starts_with("CAMPANILE_SESSION_TTL=\"soon\""),
            "{e}"
        );
        assert!(e.to_string().ends_with("like 90s, 30m, 24h or 7d"), "{e}");
        let e = with(&[("CAMPANILE_ADDR", "nowhere")]).err().unwrap();
        assert!(e.to_string().contains("CAMPANILE_ADDR"), "{e}");
        let e = with(&[("CAMPANILE_MAX_QUANTITY", "0")]).err().unwrap();
        assert!(e.to_string().contains("at least 1"), "{e}");
        let e = with(&[("CAMPANILE_PUBLIC_URL", "bot.example.com")])
            .err()
            .unwrap();
        assert!(e.to_string().contains("http"), "{e}");
        let e = with(&[("CAMPANILE_MAX_QUANTITY", "many")]).err().unwrap();
        assert_eq!(
            e.to_string(),
            "CAMPANILE_MAX_QUANTITY=\"many\" is not valid: expected an integer"
        );
        let e = with(&[("CAMPANILE_WORKERS", "maybe")]).err().unwrap();
        assert_eq!(
            e.to_string(),
            "CAMPANILE_WORKERS=\"maybe\" is not valid: must be on or off"
        );
    }

    #[test]
    fn durations_and_numbers_parse() {
        let s = with(&[
            ("CAMPANILE_SESSION_TTL", "2s"),
            ("CAMPANILE_IN_FLIGHT_TTL", "90s"),
            ("CAMPANILE_LANE_TTL", "1m 30s"),
            ("CAMPANILE_INVOICE_LINK_TTL", "7d"),
            ("CAMPANILE_MAX_QUANTITY", "50"),
            ("CAMPANILE_WORKERS", "off"),
            ("DATABASE_MAX_CONNECTIONS", "8"),
            ("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886"),
            ("META_PHONE_NUMBER_ID", "106540352242922"),
            ("CAMPANILE_PUBLIC_URL", "https://bot.example.com/"),
        ])
        .unwrap();
        assert_eq!(s.pipeline.session_ttl, Duration::from_secs(2));
        assert_eq!(s.pipeline.in_flight_ttl, Duration::from_secs(90));
        assert_eq!(s.pipeline.lane_ttl, Duration::from_secs(90));
        assert_eq!(s.shop.invoice_link_ttl, Duration::from_secs(7 * 86_400));
        assert_eq!(s.shop.max_quantity, 50);
        assert!(!s.workers.run);
        assert_eq!(s.database.max_connections(), 8);
        assert_eq!(s.twilio.whatsapp_from.unwrap().as_str(), "+14155238886");
        assert_eq!(s.meta.phone_number_id.as_deref(), Some("106540352242922"));
        assert_eq!(s.server.public_url(), "https://bot.example.com");
    }

    #[test]
    fn an_empty_value_is_unset() {
        let s = with(&[
            ("CAMPANILE_ADDR", ""),
            ("CAMPANILE_SESSION_TTL", "  "),
            ("TWILIO_AUTH_TOKEN", ""),
        ])
        .unwrap();
        assert_eq!(s.server.addr.port(), 8080);
        assert_eq!(s.pipeline.session_ttl, Duration::from_secs(86_400));
        assert!(s.twilio.auth_token.is_none());
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = with(&[
            ("TWILIO_AUTH_TOKEN", "tok-very-secret"),
            ("META_APP_SECRET", "meta-very-secret"),
            ("META_VERIFY_TOKEN", "verify-very-secret"),
            ("META_ACCESS_TOKEN", "EAA-very-secret"),
            ("CAMPANILE_LOG_PSEUDONYM_KEY", "key-very-secret-0123456789"),
            ("DATABASE_URL", "postgres://u:pw-very-secret@db/x"),
            ("REDIS_URL", "redis://:pw-very-secret@127.0.0.1:6379/0"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("postgres://u:***@db/x"), "{shown}");
        assert!(shown.contains("redis://***@127.0.0.1:6379/0"), "{shown}");
        assert_eq!(
            s.twilio.auth_token.as_ref().map(|t| t.expose_secret()),
            Some("tok-very-secret")
        );
        assert_eq!(
            s.redis.config().unwrap().url(),
            "redis://:pw-very-secret@127.0.0.1:6379/0"
        );

        // An error about a secret does not repeat it either.
        let e = with(&[("CAMPANILE_LOG_PSEUDONYM_KEY", "short-secret")])
            .err()
            .unwrap()
            .to_string();
        assert!(e.starts_with("CAMPANILE_LOG_PSEUDONYM_KEY"), "{e}");
        assert!(!e.contains("short-secret"), "{e}");
        let e = with(&[("REDIS_URL", "rediss://:pw-very-secret@host")])
            .err()
            .unwrap()
            .to_string();
        assert!(
            e.starts_with("REDIS_URL") && !e.contains("very-secret"),
            "{e}"
        );
    }

    #[test]
    fn the_file_uses_env_names_and_rejects_typos() {
        let dir = tempfile::tempdir().unwrap();
        let good = file(
            &dir,
            "good.toml",
            "CAMPANILE_ADDR = \"127.0.0.1:9999\"\nCAMPANILE_MAX_QUANTITY = 7\nCAMPANILE_GST_RATE = 0.25\nCAMPANILE_WORKERS = false\n",
        );
        let s = Settings::from_sources(Some(&good), [("PATH", "/bin")], &[]).unwrap();
        assert_eq!(s.server.addr.port(), 9999);
        assert_eq!(s.shop.max_quantity, 7);
        assert_eq!(s.shop.gst_rate.basis_points(), 25);
        assert!(!s.workers.run);

        let typo = file(
            &dir,
            "typo.toml",
            "TWILIO_AUTH_TOKN = \"x\"\nCAMPANILE_ADDR = \"127.0.0.1:1\"\nCAMPANILE_SESION_TTL = \"1h\"\n",
        );
        let e = Settings::from_sources(Some(&typo), [("PATH", "/bin")], &[])
            .err()
            .unwrap();
        let shown = e.to_string();
        assert!(
            shown.contains("TWILIO_AUTH_TOKN (did you mean TWILIO_AUTH_TOKEN?)"),
            "{shown}"
        );
        assert!(
            shown.contains("CAMPANILE_SESION_TTL (did you mean CAMPANILE_SESSION_TTL?)"),
            "{shown}"
        );
        assert!(!shown.contains("CAMPANILE_ADDR"), "{shown}");

        let table = file(&dir, "table.toml", "[server]\nCAMPANILE_ADDR = \"x\"\n");
        let e = Settings::from_sources(Some(&table), [("PATH", "/bin")], &[])
            .err()
            .unwrap();
        assert!(e.to_string().contains("server"), "{e}");

        let missing =
            Settings::from_sources(Some(&dir.path().join("nope.toml")), [("PATH", "/bin")], &[])
                .err()
                .unwrap();
        assert!(matches!(missing, ConfigError::Read { .. }));
    }

    #[test]
    fn env_wins_over_the_file_and_a_flag_over_both() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(
            &dir,
            "shop.toml",
            "CAMPANILE_ADDR = \"127.0.0.1:1111\"\nDATABASE_URL = \"sqlite://file.db\"\nCAMPANILE_SHOP_NAME = \"From the file\"\nCAMPANILE_SESSION_TTL = \"1h\"\n",
        );
        let env = [
            ("CAMPANILE_ADDR", "127.0.0.1:2222"),
            ("DATABASE_URL", "sqlite://env.db"),
            ("CAMPANILE_SESSION_TTL", "2h"),
        ];
        let flags = [
            ("CAMPANILE_ADDR", "127.0.0.1:3333".to_owned()),
            ("DATABASE_URL", "sqlite://flag.db".to_owned()),
        ];

        let file_only = Settings::from_sources(Some(&path), [("PATH", "/bin")], &[]).unwrap();
        let file_and_env = Settings::from_sources(Some(&path), env, &[]).unwrap();
        let all = Settings::from_sources(Some(&path), env, &flags).unwrap();

        assert_eq!(file_only.server.addr.port(), 1111);
        assert_eq!(file_only.database.url(), "sqlite://file.db");
        assert_eq!(file_and_env.server.addr.port(), 2222, "env over file");
        assert_eq!(file_and_env.database.url(), "sqlite://env.db");
        assert_eq!(file_and_env.pipeline.session_ttl, Duration::from_secs(7200));
        assert_eq!(all.server.addr.port(), 3333, "flag over env and file");
        assert_eq!(all.database.url(), "sqlite://flag.db");
        assert_eq!(all.server.public_url(), "http://127.0.0.1:3333");
        // What nothing overrides still comes from the file.
        assert_eq!(all.shop.name, "From the file");
        assert_eq!(all.pipeline.session_ttl, Duration::from_secs(7200));

        // A bad flag is an error naming its variable, like any value.
        let e = Settings::from_sources(None, env, &[("CAMPANILE_ADDR", "nowhere".to_owned())])
            .err()
            .unwrap();
        assert!(
            e.to_string().starts_with("CAMPANILE_ADDR=\"nowhere\""),
            "{e}"
        );
    }

    #[test]
    fn shop_settings_have_defaults_and_refuse_bad_values_by_name() {
        let s = with(&[]).unwrap();
        assert_eq!(s.shop.timezone, "Asia/Kolkata");
        assert_eq!(
            s.shop.quiet_hours,
            features::reminders::QuietHours::parse("21:00-09:00").unwrap()
        );
        assert_eq!(s.shop.gst_rate.basis_points(), 1800);
        assert_eq!(s.shop.payment_terms_days, 15);
        assert_eq!(s.shop.payment_reminder_after, None);

        let s = with(&[
            ("CAMPANILE_QUIET_HOURS", ""),
            ("CAMPANILE_GST_RATE", "0.25"),
            ("CAMPANILE_PAYMENT_TERMS", "30"),
            ("CAMPANILE_PAYMENT_REMINDER_AFTER", "2s"),
            ("CAMPANILE_TIMEZONE", "Europe/Berlin"),
            ("CAMPANILE_SHOP_ADDRESS", "12 MG Road | Pune 411001"),
        ])
        .unwrap();
        assert_eq!(s.shop.quiet_hours, None, "an empty value turns them off");
        assert_eq!(s.shop.gst_rate.basis_points(), 25);
        assert_eq!(s.shop.tax().payment_terms_days, 30);
        assert_eq!(s.shop.payment_reminder_after, Some(Duration::from_secs(2)));
        assert_eq!(s.shop.address, ["12 MG Road", "Pune 411001"]);
        assert!(s.shop.clock().is_ok());
        let rate = |text| with(&[("CAMPANILE_GST_RATE", text)]).unwrap().shop.gst_rate;
        assert_eq!(rate("12").basis_points(), 1200);
        assert_eq!(rate("5%").basis_points(), 500);
        let terms = with(&[("CAMPANILE_PAYMENT_TERMS", "45d")]).unwrap();
        assert_eq!(terms.shop.payment_terms_days, 45);

        for (name, value) in [
            ("CAMPANILE_QUIET_HOURS", "night"),
            ("CAMPANILE_TIMEZONE", "Mars/Olympus"),
            ("CAMPANILE_GST_RATE", "eighteen"),
            ("CAMPANILE_GST_RATE", "17"),
            ("CAMPANILE_PAYMENT_TERMS", "-1"),
            ("CAMPANILE_PAYMENT_TERMS", "3651"),
            ("CAMPANILE_PAYMENT_REMINDER_AFTER", "soon"),
        ] {
            let e = with(&[(name, value)]).err().unwrap();
            assert!(e.to_string().starts_with(name), "{name}={value}: {e}");
        }
    }

    #[test]
    fn validate_names_the_variable_and_its_value() {
        for (pairs, starts) in [
            (
                &[("CAMPANILE_SESSION_TTL", "500ms")][..],
                "CAMPANILE_SESSION_TTL=\"500ms\" is not valid: must be at least 1s",
            ),
            (
                &[("CAMPANILE_SEND_LEASE", "0s")][..],
                "CAMPANILE_SEND_LEASE=\"0s\" is not valid: must be at least 1s",
            ),
            (
                &[("CAMPANILE_MAX_QUANTITY", "0")][..],
                "CAMPANILE_MAX_QUANTITY=\"0\" is not valid: must be at least 1",
            ),
            (
                &[("DATABASE_MAX_CONNECTIONS", "0")][..],
                "DATABASE_MAX_CONNECTIONS=\"0\" is not valid: must be at least 1",
            ),
            (
                &[("CAMPANILE_PAYMENT_TERMS", "3651")][..],
                "CAMPANILE_PAYMENT_TERMS=\"3651\" is not valid: must be at most 3650 days",
            ),
            (
                &[("CAMPANILE_PUBLIC_URL", "ftp://bot")][..],
                "CAMPANILE_PUBLIC_URL=\"ftp://bot\" is not valid: must start with http",
            ),
            (
                &[("REDIS_URL", "http://cache:6379")][..],
                "REDIS_URL=\"<hidden>\" is not valid: must start with redis://",
            ),
            (
                &[("REDIS_URL", "rediss://cache:6379")][..],
                "REDIS_URL=\"<hidden>\" is not valid: TLS (rediss://)",
            ),
            (
                &[
                    ("REDIS_URL", "redis://cache"),
                    ("REDIS_KEY_PREFIX", "shop:1"),
                ][..],
                "REDIS_KEY_PREFIX=\"shop:1\" is not valid: must not contain ':'",
            ),
            (
                &[("META_APP_SECRET", "s")][..],
                "META_VERIFY_TOKEN=\"\" is not valid: must be set with META_APP_SECRET",
            ),
            (
                &[("META_VERIFY_TOKEN", "v")][..],
                "META_APP_SECRET=\"\" is not valid: must be set with META_VERIFY_TOKEN",
            ),
            (
                &[("CAMPANILE_LOG_PSEUDONYM_KEY", "short")][..],
                "CAMPANILE_LOG_PSEUDONYM_KEY=\"<hidden>\" is not valid: must be at least 16 bytes",
            ),
            (
                &[("CAMPANILE_TIMEZONE", "Mars/Olympus")][..],
                "CAMPANILE_TIMEZONE=\"Mars/Olympus\" is not valid: unknown time zone",
            ),
        ] {
            let e = with(pairs).err().unwrap();
            assert!(e.to_string().starts_with(starts), "{pairs:?}: {e}");
            let ConfigError::Invalid { name, .. } = e else {
                panic!("{pairs:?}: {e}")
            };
            assert!(Settings::variable(name).is_some(), "{name} is a setting");
        }
        // A key prefix matters only with Redis.
        assert!(with(&[("REDIS_KEY_PREFIX", "shop:1")]).is_ok());
    }

    #[test]
    fn unknown_campanile_variables_are_named_with_the_closest_setting() {
        let unknown = unknown_variables([
            "CAMPANILE_SESION_TTL",
            "CAMPANILE_ADDR",
            "PATH",
            "DATABASE_URLL",
            "CAMPANILE_WORKER",
        ]);
        assert_eq!(
            unknown,
            [
                Unknown {
                    name: "CAMPANILE_SESION_TTL".to_owned(),
                    closest: "CAMPANILE_SESSION_TTL"
                },
                Unknown {
                    name: "CAMPANILE_WORKER".to_owned(),
                    closest: "CAMPANILE_WORKERS"
                },
            ],
            "only CAMPANILE_* names: the environment has other programs' variables"
        );
    }

    #[test]
    fn every_setting_is_declared_once_with_help() {
        let mut names: Vec<_> = Settings::variables().map(|v| v.name).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "no name twice");
        for v in Settings::variables() {
            assert!(!v.help().is_empty(), "{} has help", v.name);
        }
        let secret: Vec<_> = Settings::variables()
            .filter(|v| v.secret)
            .map(|v| v.name)
            .collect();
        assert_eq!(
            secret,
            [
                "DATABASE_URL",
                "REDIS_URL",
                "TWILIO_AUTH_TOKEN",
                "META_APP_SECRET",
                "META_VERIFY_TOKEN",
                "META_ACCESS_TOKEN",
                "CAMPANILE_LOG_PSEUDONYM_KEY",
            ]
        );
        // Every section is read: one variable of each changes its field.
        let s = with(&[
            ("CAMPANILE_ADDR", "127.0.0.1:1"),
            ("DATABASE_URL", "sqlite://x.db"),
            ("REDIS_URL", "redis://cache"),
            ("TWILIO_ACCOUNT_SID", "AC1"),
            ("META_PHONE_NUMBER_ID", "1"),
            ("CAMPANILE_LOG_PSEUDONYM_KEY", "0123456789abcdef"),
            ("CAMPANILE_LANE_TTL", "5s"),
            ("CAMPANILE_WORKERS", "off"),
            ("CAMPANILE_SHOP_NAME", "Shop"),
        ])
        .unwrap();
        assert_eq!(s.server.addr.port(), 1);
        assert_eq!(s.database.url(), "sqlite://x.db");
        assert!(s.redis.config().is_some());
        assert!(s.twilio.account_sid.is_some() && s.meta.phone_number_id.is_some());
        assert!(s.log.pseudonym_key.is_some());
        assert_eq!(s.pipeline.lane_ttl, Duration::from_secs(5));
        assert!(!s.workers.run);
        assert_eq!(s.shop.name, "Shop");
    }
}
