//! Settings from the environment (DESIGN.md §6 names) and an optional file.
//!
//! The file (`--config FILE` or `CAMPANILE_CONFIG`) is TOML with the same
//! names as the environment, e.g.
//!
//! ```toml
//! CAMPANILE_ADDR = "0.0.0.0:8080"
//! DATABASE_URL = "sqlite://shop.db?mode=rwc"
//! TWILIO_ACCOUNT_SID = "AC..."
//! ```
//!
//! The environment wins over the file; a command-line flag wins over both.
//! An unknown name in the file is an error (it is almost always a typo).

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use framework::PhoneNumber;
use infra::db::DatabaseSettings;

const DEFAULT_TWILIO_API_BASE: &str = "https://api.twilio.com";
const DEFAULT_META_API_BASE: &str = "https://graph.facebook.com";
const DEFAULT_META_API_VERSION: &str = infra::meta::DEFAULT_API_VERSION;
const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(24 * 60 * 60);
const DEFAULT_MAX_QUANTITY: u32 = 10_000;
const DEFAULT_IN_FLIGHT_TTL: Duration = Duration::from_secs(120);
const DEFAULT_LANE_TTL: Duration = Duration::from_secs(30);
const DEFAULT_SEND_LEASE: Duration = Duration::from_secs(60);

/// Every name the settings read, with what it means; `campanile --help`
/// prints this table.
pub const VARIABLES: &[(&str, &str)] = &[
    (
        "CAMPANILE_ADDR",
        "address to listen on [default: 127.0.0.1:8080]",
    ),
    (
        "CAMPANILE_PUBLIC_URL",
        "scheme://host[:port] providers call; Twilio signs URLs built from it [default: http://<addr>]",
    ),
    (
        "DATABASE_URL",
        "sqlite:… or postgres://… [default: sqlite file campanile.db in the working directory]",
    ),
    (
        "REDIS_URL",
        "redis://… shared by all instances for dedup, rate limits, sessions and the conversation lane [default: unset: in process]",
    ),
    (
        "REDIS_KEY_PREFIX",
        "prefix of every Redis key, without ':' [default: campanile]",
    ),
    (
        "DATABASE_MAX_CONNECTIONS",
        "PostgreSQL pool size [default: 20; SQLite uses one connection]",
    ),
    (
        "TWILIO_ACCOUNT_SID",
        "Twilio account; with the auth token, replies are sent",
    ),
    (
        "TWILIO_AUTH_TOKEN",
        "verifies Twilio webhooks (refused when unset) and authenticates sends",
    ),
    (
        "TWILIO_WHATSAPP_FROM",
        "sender number, e.g. +14155238886 [default: the number the customer wrote to]",
    ),
    ("TWILIO_API_BASE", "[default: https://api.twilio.com]"),
    (
        "META_APP_SECRET",
        "verifies Meta webhooks (refused when unset)",
    ),
    ("META_VERIFY_TOKEN", "answers Meta's subscription handshake"),
    (
        "META_ACCESS_TOKEN",
        "authenticates Cloud API sends; unset: dry run",
    ),
    (
        "META_PHONE_NUMBER_ID",
        "sender [default: the phone_number_id the webhook named]",
    ),
    ("META_API_BASE", "[default: https://graph.facebook.com]"),
    ("META_API_VERSION", "Graph API version [default: v25.0]"),
    (
        "CAMPANILE_LOG_PSEUDONYM_KEY",
        "secret (16+ bytes) keying conversation pseudonyms in logs [default: random per process]",
    ),
    (
        "CAMPANILE_SESSION_TTL",
        "how long a quiet conversation keeps its cart, e.g. 30m, 24h [default: 24h]",
    ),
    (
        "CAMPANILE_IN_FLIGHT_TTL",
        "how long a message being processed is held before another instance may run it (a crashed instance's messages wait this long) [default: 2m]",
    ),
    (
        "CAMPANILE_LANE_TTL",
        "lease of a conversation's lane, renewed while a turn runs; a crashed holder's lane frees after it [default: 30s]",
    ),
    (
        "CAMPANILE_SEND_LEASE",
        "how long a dispatcher holds a reply it is sending before another may send it (a crashed dispatcher's replies wait this long); keep it above the provider timeout (10s) [default: 60s]",
    ),
    (
        "CAMPANILE_WORKERS",
        "whether `serve` also runs the background job workers (invoices, reminders): on or off; `campanile worker` runs them alone [default: on]",
    ),
    (
        "CAMPANILE_MAX_QUANTITY",
        "largest quantity of one product per order [default: 10000]",
    ),
    (
        "CAMPANILE_SHOP_NAME",
        "the shop's name on invoices [default: Campanile Demo Shop]",
    ),
    (
        "CAMPANILE_SHOP_ADDRESS",
        "the shop's address on invoices; `|` separates lines [default: none]",
    ),
    (
        "CAMPANILE_SHOP_GSTIN",
        "the shop's GSTIN, printed on invoices [default: none]",
    ),
    (
        "CAMPANILE_GST_RATE",
        "GST rate in percent of products without their own, e.g. 18 or 0.25 [default: 18]",
    ),
    (
        "CAMPANILE_PAYMENT_TERMS",
        "days from an invoice to its due date [default: 15]",
    ),
    (
        "CAMPANILE_TIMEZONE",
        "the shop's IANA time zone (quiet hours, dates on the invoice PDF) [default: Asia/Kolkata]",
    ),
    (
        "CAMPANILE_QUIET_HOURS",
        "no reminders in these hours of the shop's day, moved to their end, e.g. 21:00-09:00; an empty value turns them off [default: 21:00-09:00]",
    ),
    (
        "CAMPANILE_PAYMENT_REMINDER_AFTER",
        "the first payment reminder this long after the invoice, e.g. 2s or 3d [default: a day before the due date; the second is 3 days after it]",
    ),
    (
        "CAMPANILE_INVOICE_LINK_TTL",
        "how long an invoice's signed PDF link works [default: 7d]",
    ),
    (
        "CAMPANILE_INVOICE_DIR",
        "where `campanile chat` writes invoice PDFs [default: invoices]",
    ),
    (
        "TWILIO_CONTENT_SID_INVOICE",
        "Content SID (HX…) of the invoice template Twilio sends outside the 24-hour window",
    ),
    (
        "TWILIO_CONTENT_SID_REMINDER",
        "Content SID (HX…) of the payment reminder template Twilio sends outside the 24-hour window",
    ),
    (
        "TWILIO_CONTENT_SID_NOTICE",
        "Content SID (HX…) of the `reminder` template (a shop's own reminder, `campanile remind`) outside the 24-hour window",
    ),
];

/// The shop's own settings: invoices, reminders, templates.
#[derive(Debug, Clone)]
pub struct ShopSettings {
    /// `CAMPANILE_SHOP_NAME`.
    pub name: String,
    /// `CAMPANILE_SHOP_ADDRESS`, one entry per line.
    pub address: Vec<String>,
    /// `CAMPANILE_SHOP_GSTIN`.
    pub gstin: Option<String>,
    /// `CAMPANILE_GST_RATE`.
    pub gst_rate: features::invoices::GstRate,
    /// `CAMPANILE_PAYMENT_TERMS`, in days.
    pub payment_terms_days: u32,
    /// `CAMPANILE_TIMEZONE`.
    pub timezone: String,
    /// `CAMPANILE_QUIET_HOURS`.
    pub quiet_hours: Option<features::reminders::QuietHours>,
    /// `CAMPANILE_PAYMENT_REMINDER_AFTER`.
    pub payment_reminder_after: Option<Duration>,
    /// `CAMPANILE_INVOICE_LINK_TTL`.
    pub invoice_link_ttl: Duration,
    /// `CAMPANILE_INVOICE_DIR`.
    pub invoice_dir: std::path::PathBuf,
    /// `TWILIO_CONTENT_SID_INVOICE`.
    pub twilio_invoice_content_sid: Option<String>,
    /// `TWILIO_CONTENT_SID_REMINDER`.
    pub twilio_reminder_content_sid: Option<String>,
    /// `TWILIO_CONTENT_SID_NOTICE`.
    pub twilio_notice_content_sid: Option<String>,
}

impl Default for ShopSettings {
    fn default() -> Self {
        Self {
            name: "Campanile Demo Shop".to_owned(),
            address: Vec::new(),
            gstin: None,
            gst_rate: features::invoices::TaxSettings::default().default_rate,
            payment_terms_days: features::invoices::TaxSettings::default().payment_terms_days,
            timezone: "Asia/Kolkata".to_owned(),
            quiet_hours: features::reminders::QuietHours::parse("21:00-09:00")
                .ok()
                .flatten(),
            payment_reminder_after: None,
            invoice_link_ttl: Duration::from_secs(7 * 24 * 60 * 60),
            invoice_dir: std::path::PathBuf::from("invoices"),
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
    /// An unknown time zone (checked when the settings load).
    pub fn clock(
        &self,
    ) -> Result<features::reminders::ShopClock, features::reminders::ReminderError> {
        features::reminders::ShopClock::new(&self.timezone, self.quiet_hours)
    }
}

/// A GST rate in percent (`18`, `0.25`) as basis points.
fn gst_rate(text: &str) -> Result<features::invoices::GstRate, String> {
    let (whole, frac) = text
        .trim()
        .trim_end_matches('%')
        .split_once('.')
        .unwrap_or((text.trim().trim_end_matches('%'), ""));
    if whole.is_empty()
        || frac.len() > 2
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return Err("must be a percentage like 18 or 0.25".to_owned());
    }
    let whole: u32 = whole
        .parse()
        .map_err(|e: std::num::ParseIntError| e.to_string())?;
    let frac: u32 = format!("{frac:0<2}")
        .parse()
        .map_err(|e: std::num::ParseIntError| e.to_string())?;
    let bp = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .ok_or("too large")?;
    features::invoices::GstRate::from_basis_points(bp).map_err(|e| e.to_string())
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
    /// A value does not parse.
    #[error("{name}={value:?} is not valid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Its value (secrets are never reported).
        value: String,
        /// Why.
        reason: String,
    },
}

/// Twilio settings.
#[derive(Clone, Default)]
pub struct TwilioSettings {
    /// `TWILIO_ACCOUNT_SID`.
    pub account_sid: Option<String>,
    /// `TWILIO_AUTH_TOKEN`.
    pub auth_token: Option<String>,
    /// `TWILIO_WHATSAPP_FROM`.
    pub whatsapp_from: Option<PhoneNumber>,
    /// `TWILIO_API_BASE`.
    pub api_base: String,
}

/// Meta Cloud API settings.
#[derive(Clone, Default)]
pub struct MetaSettings {
    /// `META_APP_SECRET`.
    pub app_secret: Option<String>,
    /// `META_VERIFY_TOKEN`.
    pub verify_token: Option<String>,
    /// `META_ACCESS_TOKEN`.
    pub access_token: Option<String>,
    /// `META_PHONE_NUMBER_ID`.
    pub phone_number_id: Option<String>,
    /// `META_API_BASE`.
    pub api_base: String,
    /// `META_API_VERSION`.
    pub api_version: String,
}

/// Everything the bot needs to start.
#[derive(Clone)]
pub struct Settings {
    /// Where the HTTP server listens (`CAMPANILE_ADDR`).
    pub addr: SocketAddr,
    /// The scheme, host and port providers call (`CAMPANILE_PUBLIC_URL`).
    pub public_url: String,
    /// `DATABASE_URL` and pool size.
    pub database: DatabaseSettings,
    /// `REDIS_URL` and `REDIS_KEY_PREFIX`; `None`: everything in process.
    pub redis: Option<infra::redis::RedisConfig>,
    /// Twilio.
    pub twilio: TwilioSettings,
    /// Meta.
    pub meta: MetaSettings,
    /// `CAMPANILE_LOG_PSEUDONYM_KEY`.
    pub log_pseudonym_key: Option<String>,
    /// `CAMPANILE_SESSION_TTL`.
    pub session_ttl: Duration,
    /// `CAMPANILE_MAX_QUANTITY`.
    pub max_quantity: u32,
    /// `CAMPANILE_IN_FLIGHT_TTL`.
    pub in_flight_ttl: Duration,
    /// `CAMPANILE_LANE_TTL`.
    pub lane_ttl: Duration,
    /// `CAMPANILE_SEND_LEASE`.
    pub send_lease: Duration,
    /// `CAMPANILE_WORKERS`: `serve` runs the job workers too.
    pub run_workers: bool,
    /// Invoices, reminders, templates.
    pub shop: ShopSettings,
}

fn set<T>(v: &Option<T>) -> &'static str {
    if v.is_some() { "<set>" } else { "<unset>" }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("addr", &self.addr)
            .field("public_url", &self.public_url)
            .field("database", &self.database.redacted_url())
            .field(
                "redis",
                &self.redis.as_ref().map(|r| r.key_prefix().to_owned()),
            )
            .field("twilio_account_sid", &self.twilio.account_sid)
            .field("twilio_auth_token", &set(&self.twilio.auth_token))
            .field(
                "twilio_whatsapp_from",
                &self.twilio.whatsapp_from.as_ref().map(PhoneNumber::as_str),
            )
            .field("twilio_api_base", &self.twilio.api_base)
            .field("meta_app_secret", &set(&self.meta.app_secret))
            .field("meta_verify_token", &set(&self.meta.verify_token))
            .field("meta_access_token", &set(&self.meta.access_token))
            .field("meta_phone_number_id", &self.meta.phone_number_id)
            .field("meta_api_base", &self.meta.api_base)
            .field("meta_api_version", &self.meta.api_version)
            .field("session_ttl", &self.session_ttl)
            .field("max_quantity", &self.max_quantity)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for TwilioSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSettings")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &set(&self.auth_token))
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for MetaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetaSettings")
            .field("app_secret", &set(&self.app_secret))
            .field("access_token", &set(&self.access_token))
            .field("phone_number_id", &self.phone_number_id)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

/// Reads a config file into name → value.
///
/// # Errors
///
/// [`ConfigError::Read`], [`ConfigError::File`] (bad TOML, a nested table,
/// or a name not in [`VARIABLES`]).
pub fn read_file(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
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
    let mut out = HashMap::new();
    for (name, value) in table {
        if !VARIABLES.iter().any(|(known, _)| *known == name) {
            return Err(ConfigError::File {
                path: shown,
                reason: format!(
                    "unknown name {name:?} (known: {})",
                    VARIABLES
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
        let value = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => {
                return Err(ConfigError::File {
                    path: shown,
                    reason: format!(
                        "{name} must be a string or a number, not {}",
                        other.type_str()
                    ),
                });
            }
        };
        out.insert(name, value);
    }
    Ok(out)
}

impl Settings {
    /// Settings from the environment, then `file` (env wins).
    ///
    /// # Errors
    ///
    /// Any [`ConfigError`].
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let from_file = match file {
            Some(path) => read_file(path)?,
            None => HashMap::new(),
        };
        Self::from_lookup(|name| {
            std::env::var(name)
                .ok()
                .or_else(|| from_file.get(name).cloned())
        })
    }

    /// Settings from any source of name → value (tests pass a map).
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] for a value that does not parse.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let invalid = |name: &'static str, value: &str, reason: String| ConfigError::Invalid {
            name,
            value: value.to_owned(),
            reason,
        };
        let addr = match get("CAMPANILE_ADDR") {
            Some(v) => v.parse().map_err(|e: std::net::AddrParseError| {
                invalid("CAMPANILE_ADDR", &v, e.to_string())
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let public_url = get("CAMPANILE_PUBLIC_URL")
            .map(|u| u.trim_end_matches('/').to_owned())
            .unwrap_or_else(|| format!("http://{addr}"));
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(invalid(
                "CAMPANILE_PUBLIC_URL",
                &public_url,
                "must start with http:// or https://".to_owned(),
            ));
        }
        let mut database = DatabaseSettings::new(get("DATABASE_URL").as_deref());
        if let Some(v) = get("DATABASE_MAX_CONNECTIONS") {
            let n: u32 = v.parse().map_err(|e: std::num::ParseIntError| {
                invalid("DATABASE_MAX_CONNECTIONS", &v, e.to_string())
            })?;
            database = database.with_max_connections(n);
        }
        let redis = match get("REDIS_URL") {
            Some(url) => {
                if url.starts_with("rediss://") {
                    return Err(invalid(
                        "REDIS_URL",
                        "<hidden>",
                        "TLS (rediss://) is not built into this binary; use redis:// on a private network or a TLS tunnel".to_owned(),
                    ));
                }
                if !(url.starts_with("redis://") || url.starts_with("redis+unix://")) {
                    return Err(invalid(
                        "REDIS_URL",
                        "<hidden>",
                        "must start with redis:// or redis+unix://".to_owned(),
                    ));
                }
                let prefix = get("REDIS_KEY_PREFIX").unwrap_or_else(|| "campanile".to_owned());
                // BullMQ separates its key parts with `:` and refuses one in
                // the prefix.
                if prefix.contains(':') {
                    return Err(invalid(
                        "REDIS_KEY_PREFIX",
                        &prefix,
                        "must not contain ':' (the job queue's keys use it as a separator); use '-' or '_'".to_owned(),
                    ));
                }
                Some(infra::redis::RedisConfig::new(url).with_key_prefix(prefix))
            }
            None => None,
        };
        let whatsapp_from = match get("TWILIO_WHATSAPP_FROM") {
            Some(v) => Some(
                PhoneNumber::parse(v.trim_start_matches("whatsapp:"))
                    .map_err(|e| invalid("TWILIO_WHATSAPP_FROM", &v, e.to_string()))?,
            ),
            None => None,
        };
        let duration = |name: &'static str, default: Duration| -> Result<Duration, ConfigError> {
            match get(name) {
                Some(v) => {
                    let d = humantime::parse_duration(&v)
                        .map_err(|e| invalid(name, &v, e.to_string()))?;
                    if d < Duration::from_secs(1) {
                        return Err(invalid(name, &v, "must be at least 1s".to_owned()));
                    }
                    Ok(d)
                }
                None => Ok(default),
            }
        };
        let session_ttl = duration("CAMPANILE_SESSION_TTL", DEFAULT_SESSION_TTL)?;
        let in_flight_ttl = duration("CAMPANILE_IN_FLIGHT_TTL", DEFAULT_IN_FLIGHT_TTL)?;
        let lane_ttl = duration("CAMPANILE_LANE_TTL", DEFAULT_LANE_TTL)?;
        let send_lease = duration("CAMPANILE_SEND_LEASE", DEFAULT_SEND_LEASE)?;
        let run_workers = match get("CAMPANILE_WORKERS").as_deref().map(str::trim) {
            None | Some("on" | "true" | "1" | "yes") => true,
            Some("off" | "false" | "0" | "no") => false,
            Some(other) => {
                return Err(invalid(
                    "CAMPANILE_WORKERS",
                    other,
                    "must be on or off".to_owned(),
                ));
            }
        };
        let max_quantity = match get("CAMPANILE_MAX_QUANTITY") {
            Some(v) => match v.parse::<u32>() {
                Ok(n) if n > 0 => n,
                Ok(_) => {
                    return Err(invalid(
                        "CAMPANILE_MAX_QUANTITY",
                        &v,
                        "must be at least 1".to_owned(),
                    ));
                }
                Err(e) => return Err(invalid("CAMPANILE_MAX_QUANTITY", &v, e.to_string())),
            },
            None => DEFAULT_MAX_QUANTITY,
        };
        let defaults = ShopSettings::default();
        let quiet_hours = match lookup("CAMPANILE_QUIET_HOURS") {
            // Set but empty: no quiet hours.
            Some(v) => features::reminders::QuietHours::parse(v.trim())
                .map_err(|e| invalid("CAMPANILE_QUIET_HOURS", &v, e.to_string()))?,
            None => defaults.quiet_hours,
        };
        let timezone = get("CAMPANILE_TIMEZONE").unwrap_or(defaults.timezone);
        features::reminders::ShopClock::new(&timezone, quiet_hours)
            .map_err(|e| invalid("CAMPANILE_TIMEZONE", &timezone, e.to_string()))?;
        let gst_rate = match get("CAMPANILE_GST_RATE") {
            Some(v) => gst_rate(&v).map_err(|e| invalid("CAMPANILE_GST_RATE", &v, e))?,
            None => defaults.gst_rate,
        };
        let payment_terms_days = match get("CAMPANILE_PAYMENT_TERMS") {
            Some(v) => match v.trim_end_matches('d').trim().parse::<u32>() {
                Ok(n) if n <= 3650 => n,
                Ok(_) => {
                    return Err(invalid(
                        "CAMPANILE_PAYMENT_TERMS",
                        &v,
                        "must be at most 3650 days".to_owned(),
                    ));
                }
                Err(e) => return Err(invalid("CAMPANILE_PAYMENT_TERMS", &v, e.to_string())),
            },
            None => defaults.payment_terms_days,
        };
        let payment_reminder_after = match get("CAMPANILE_PAYMENT_REMINDER_AFTER") {
            Some(v) => Some(
                humantime::parse_duration(&v)
                    .map_err(|e| invalid("CAMPANILE_PAYMENT_REMINDER_AFTER", &v, e.to_string()))?,
            ),
            None => None,
        };
        let shop = ShopSettings {
            name: get("CAMPANILE_SHOP_NAME").unwrap_or(defaults.name),
            address: get("CAMPANILE_SHOP_ADDRESS")
                .map(|a| {
                    a.split('|')
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            gstin: get("CAMPANILE_SHOP_GSTIN"),
            gst_rate,
            payment_terms_days,
            timezone,
            quiet_hours,
            payment_reminder_after,
            invoice_link_ttl: duration("CAMPANILE_INVOICE_LINK_TTL", defaults.invoice_link_ttl)?,
            invoice_dir: get("CAMPANILE_INVOICE_DIR")
                .map_or(defaults.invoice_dir, std::path::PathBuf::from),
            twilio_invoice_content_sid: get("TWILIO_CONTENT_SID_INVOICE"),
            twilio_reminder_content_sid: get("TWILIO_CONTENT_SID_REMINDER"),
            twilio_notice_content_sid: get("TWILIO_CONTENT_SID_NOTICE"),
        };
        let app_secret = get("META_APP_SECRET");
        let verify_token = get("META_VERIFY_TOKEN");
        match (&app_secret, &verify_token) {
            (Some(_), None) => {
                return Err(invalid(
                    "META_VERIFY_TOKEN",
                    "",
                    "must be set with META_APP_SECRET (Meta's subscription handshake needs it)"
                        .to_owned(),
                ));
            }
            (None, Some(_)) => {
                return Err(invalid(
                    "META_APP_SECRET",
                    "",
                    "must be set with META_VERIFY_TOKEN (it verifies Meta's webhooks)".to_owned(),
                ));
            }
            _ => {}
        }
        let log_pseudonym_key = get("CAMPANILE_LOG_PSEUDONYM_KEY");
        if let Some(key) = &log_pseudonym_key
            && key.len() < framework::trace::MIN_PSEUDONYM_KEY_LEN
        {
            return Err(invalid(
                "CAMPANILE_LOG_PSEUDONYM_KEY",
                "<hidden>",
                format!(
                    "must be at least {} bytes",
                    framework::trace::MIN_PSEUDONYM_KEY_LEN
                ),
            ));
        }
        Ok(Self {
            addr,
            public_url,
            database,
            redis,
            twilio: TwilioSettings {
                account_sid: get("TWILIO_ACCOUNT_SID"),
                auth_token: get("TWILIO_AUTH_TOKEN"),
                whatsapp_from,
                api_base: get("TWILIO_API_BASE")
                    .unwrap_or_else(|| DEFAULT_TWILIO_API_BASE.to_owned()),
            },
            meta: MetaSettings {
                app_secret,
                verify_token,
                access_token: get("META_ACCESS_TOKEN"),
                phone_number_id: get("META_PHONE_NUMBER_ID"),
                api_base: get("META_API_BASE").unwrap_or_else(|| DEFAULT_META_API_BASE.to_owned()),
                api_version: get("META_API_VERSION")
                    .unwrap_or_else(|| DEFAULT_META_API_VERSION.to_owned()),
            },
            log_pseudonym_key,
            session_ttl,
            max_quantity,
            in_flight_ttl,
            lane_ttl,
            send_lease,
            run_workers,
            shop,
        })
    }

    /// Settings for tests and local runs: listen on `addr`, a private
    /// in-memory database, no provider secrets.
    #[must_use]
    pub fn local(addr: SocketAddr) -> Self {
        Self {
            addr,
            public_url: format!("http://{addr}"),
            database: DatabaseSettings::in_memory(),
            redis: None,
            twilio: TwilioSettings {
                api_base: DEFAULT_TWILIO_API_BASE.to_owned(),
                ..TwilioSettings::default()
            },
            meta: MetaSettings {
                api_base: DEFAULT_META_API_BASE.to_owned(),
                api_version: DEFAULT_META_API_VERSION.to_owned(),
                ..MetaSettings::default()
            },
            log_pseudonym_key: None,
            session_ttl: DEFAULT_SESSION_TTL,
            max_quantity: DEFAULT_MAX_QUANTITY,
            in_flight_ttl: DEFAULT_IN_FLIGHT_TTL,
            lane_ttl: DEFAULT_LANE_TTL,
            send_lease: DEFAULT_SEND_LEASE,
            run_workers: true,
            shop: ShopSettings::default(),
        }
    }

    /// The webhook configuration these settings describe.
    #[must_use]
    pub fn webhooks(&self) -> framework::webhook::WebhookConfig {
        let mut config = framework::webhook::WebhookConfig::new();
        if let Some(token) = &self.twilio.auth_token {
            config = config.with_twilio(token.clone(), self.public_url.clone());
        }
        if let (Some(secret), Some(verify)) = (&self.meta.app_secret, &self.meta.verify_token) {
            config = config.with_meta(secret.clone(), verify.clone());
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
                self.public_url,
                framework::webhook::TWILIO_PATH
            )),
            meta_phone_number_id: self.meta.phone_number_id.clone(),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn with(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_are_the_embedded_bot() {
        let s = with(&[]).unwrap();
        assert_eq!(s.addr.to_string(), "127.0.0.1:8080");
        assert_eq!(s.public_url, "http://127.0.0.1:8080");
        assert_eq!(s.database.url(), "sqlite://campanile.db?mode=rwc");
        assert_eq!(s.twilio.api_base, "https://api.twilio.com");
        assert_eq!(s.meta.api_base, "https://graph.facebook.com");
        assert_eq!(s.session_ttl, Duration::from_secs(86_400));
        assert_eq!(s.max_quantity, 10_000);
        assert!(!s.webhooks().twilio_enabled() && !s.webhooks().meta_enabled());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = with(&[("CAMPANILE_SESSION_TTL", "soon")]).err().unwrap();
        assert!(
            e.to_string().starts_with("CAMPANILE_SESSION_TTL=\"soon\""),
            "{e}"
        );
        let e = with(&[("CAMPANILE_ADDR", "nowhere")]).err().unwrap();
        assert!(e.to_string().contains("CAMPANILE_ADDR"), "{e}");
        let e = with(&[("CAMPANILE_MAX_QUANTITY", "0")]).err().unwrap();
        assert!(e.to_string().contains("at least 1"), "{e}");
        let e = with(&[("CAMPANILE_PUBLIC_URL", "bot.example.com")])
            .err()
            .unwrap();
        assert!(e.to_string().contains("http"), "{e}");
    }

    #[test]
    fn durations_and_numbers_parse() {
        let s = with(&[
            ("CAMPANILE_SESSION_TTL", "2s"),
            ("CAMPANILE_MAX_QUANTITY", "50"),
            ("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886"),
            ("CAMPANILE_PUBLIC_URL", "https://bot.example.com/"),
        ])
        .unwrap();
        assert_eq!(s.session_ttl, Duration::from_secs(2));
        assert_eq!(s.max_quantity, 50);
        assert_eq!(s.twilio.whatsapp_from.unwrap().as_str(), "+14155238886");
        assert_eq!(s.public_url, "https://bot.example.com");
    }

    #[test]
    fn secrets_never_show_in_debug() {
        let s = with(&[
            ("TWILIO_AUTH_TOKEN", "tok-very-secret"),
            ("META_APP_SECRET", "meta-very-secret"),
            ("META_VERIFY_TOKEN", "verify-very-secret"),
            ("META_ACCESS_TOKEN", "EAA-very-secret"),
            ("DATABASE_URL", "postgres://u:pw-very-secret@db/x"),
        ])
        .unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
    }

    #[test]
    fn the_file_uses_env_names_and_rejects_typos() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.toml");
        std::fs::write(
            &good,
            "CAMPANILE_ADDR = \"127.0.0.1:9999\"\nCAMPANILE_MAX_QUANTITY = 7\n",
        )
        .unwrap();
        let map = read_file(&good).unwrap();
        let s = Settings::from_lookup(|n| map.get(n).cloned()).unwrap();
        assert_eq!(s.addr.port(), 9999);
        assert_eq!(s.max_quantity, 7);

        let typo = dir.path().join("typo.toml");
        std::fs::write(&typo, "TWILIO_AUTH_TOKN = \"x\"\n").unwrap();
        let e = read_file(&typo).err().unwrap();
        assert!(e.to_string().contains("TWILIO_AUTH_TOKN"), "{e}");

        let missing = read_file(&dir.path().join("nope.toml")).err().unwrap();
        assert!(matches!(missing, ConfigError::Read { .. }));
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
        assert_eq!(gst_rate("12").unwrap().basis_points(), 1200);
        assert_eq!(gst_rate("5%").unwrap().basis_points(), 500);

        for (name, value) in [
            ("CAMPANILE_QUIET_HOURS", "night"),
            ("CAMPANILE_TIMEZONE", "Mars/Olympus"),
            ("CAMPANILE_GST_RATE", "eighteen"),
            ("CAMPANILE_GST_RATE", "17"),
            ("CAMPANILE_PAYMENT_TERMS", "-1"),
            ("CAMPANILE_PAYMENT_REMINDER_AFTER", "soon"),
        ] {
            let e = with(&[(name, value)]).err().unwrap();
            assert!(e.to_string().starts_with(name), "{name}={value}: {e}");
        }
    }
}
