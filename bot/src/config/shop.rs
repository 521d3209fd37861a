//! The shop's own settings: orders, invoices, reminders, templates.

use std::path::PathBuf;
use std::time::Duration;

use features::invoices::GstRate;
use features::reminders::QuietHours;
use serde::de::Error as _;
use serde::{Deserialize as _, Deserializer};

framework::settings! {
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
        /// More single words that opt a customer out, comma-separated, e.g.
        /// BAND,RUKNA; STOP, STOPALL, UNSUBSCRIBE, CANCEL, END and QUIT always
        /// do [default: none].
        #[var("CAMPANILE_OPT_OUT_WORDS")]
        #[serde(deserialize_with = "words")]
        pub opt_out_words: Vec<String>,
        /// More single words that opt a customer back in, comma-separated,
        /// e.g. SHURU; START, YES and UNSTOP always do [default: none].
        #[var("CAMPANILE_OPT_IN_WORDS")]
        #[serde(deserialize_with = "words")]
        pub opt_in_words: Vec<String>,
        /// The message templates approved for the shop's number, comma-
        /// separated: automation rules may send only these [default:
        /// invoice_ready, payment_reminder, reminder, and the demo rules'
        /// welcome, birthday_greeting, stock_update].
        #[var("CAMPANILE_TEMPLATES")]
        #[serde(deserialize_with = "names")]
        pub templates: Vec<String>,
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
            opt_out_words: Vec::new(),
            opt_in_words: Vec::new(),
            twilio_invoice_content_sid: None,
            twilio_reminder_content_sid: None,
            twilio_notice_content_sid: None,
            templates: [
                "invoice_ready",
                "payment_reminder",
                "reminder",
                "welcome",
                "birthday_greeting",
                "stock_update",
            ]
            .map(str::to_owned)
            .to_vec(),
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

    /// The words that opt a customer out or back in: Twilio's, and the
    /// shop's own.
    #[must_use]
    pub fn consent_keywords(&self) -> features::customers::ConsentKeywords {
        features::customers::ConsentKeywords::default()
            .with_opt_out_words(self.opt_out_words.iter().map(String::as_str))
            .with_opt_in_words(self.opt_in_words.iter().map(String::as_str))
    }

    /// The shop's clock: time zone and quiet hours.
    ///
    /// # Errors
    ///
    /// An unknown time zone (checked by [`Settings::validate`](super::Settings::validate)).
    pub fn clock(
        &self,
    ) -> Result<features::reminders::ShopClock, features::reminders::ReminderError> {
        features::reminders::ShopClock::new(&self.timezone, self.quiet_hours)
    }
}

/// Single words separated by commas; a word with a space inside is an
/// error (only a one-word message opts out or in, so it could never match).
fn words<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let mut words = Vec::new();
    for word in text.split(',').map(str::trim).filter(|w| !w.is_empty()) {
        if word.chars().any(char::is_whitespace) {
            return Err(D::Error::custom(format!(
                "{word:?} is not one word: only a single-word message opts out or in"
            )));
        }
        words.push(word.to_owned());
    }
    Ok(words)
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

fn names<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(text
        .split(',')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect())
}
