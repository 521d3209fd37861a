//! The shop's own settings: orders, invoices, reminders, templates.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use features::invoices::GstRate;
use features::reminders::QuietHours;
use framework::locale::Locale;
use serde::de::Error as _;
use serde::{Deserialize as _, Deserializer};

use super::ConfigError;
use crate::jobs::channel::JOB_TEMPLATES;

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
        /// The languages the invoice and reminder templates are approved
        /// in, comma-separated, as the provider names them (Meta's language
        /// codes: en, hi, en_US); the first is the fallback. Outside the
        /// 24-hour window a customer gets the template in their language
        /// when it is listed, else in the first, its values (the due date)
        /// written in that language; TWILIO_CONTENT_SID_* are the first
        /// language's SIDs [default: en].
        #[var("CAMPANILE_TEMPLATE_LANGUAGES")]
        #[serde(deserialize_with = "template_languages")]
        pub template_languages: Vec<String>,
        /// Content SIDs of the invoice and reminder templates in other
        /// languages, comma-separated template:language=HX…, e.g.
        /// invoice_ready:hi=HX123,payment_reminder:hi=HX456 (templates
        /// invoice_ready, payment_reminder, reminder; a language of
        /// CAMPANILE_TEMPLATE_LANGUAGES). On Twilio a language without one
        /// gets the template in the first language [default: none].
        #[var("TWILIO_CONTENT_SIDS")]
        #[serde(deserialize_with = "content_sids")]
        pub twilio_content_sids: Vec<ContentSid>,
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
            template_languages: vec![crate::jobs::channel::DEFAULT_TEMPLATE_LANGUAGE.to_owned()],
            twilio_content_sids: Vec::new(),
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

    /// The jobs' templates: their languages and Twilio Content SIDs.
    #[must_use]
    pub fn job_templates(&self) -> crate::jobs::TemplateSids {
        let mut templates = crate::jobs::TemplateSids {
            invoice: self.twilio_invoice_content_sid.clone(),
            reminder: self.twilio_reminder_content_sid.clone(),
            notice: self.twilio_notice_content_sid.clone(),
            ..crate::jobs::TemplateSids::default()
        };
        if !self.template_languages.is_empty() {
            templates.languages.clone_from(&self.template_languages);
        }
        for entry in &self.twilio_content_sids {
            // Keyed by the language as CAMPANILE_TEMPLATE_LANGUAGES writes
            // it (`en_US` there, `en-US` here).
            let language = self
                .template_language(&entry.language)
                .unwrap_or(&entry.language);
            templates.translated.insert(
                (entry.template.clone(), language.clone()),
                entry.sid.clone(),
            );
        }
        templates
    }

    /// The tag of `CAMPANILE_TEMPLATE_LANGUAGES` that is `language`.
    fn template_language(&self, language: &str) -> Option<&String> {
        let language = Locale::parse(language).ok()?;
        self.template_languages
            .iter()
            .find(|tag| Locale::parse(tag).ok().as_ref() == Some(&language))
    }

    /// Checks that each of `TWILIO_CONTENT_SIDS` is in a language of
    /// `CAMPANILE_TEMPLATE_LANGUAGES`.
    ///
    /// # Errors
    ///
    /// [`ConfigError::Invalid`] naming `TWILIO_CONTENT_SIDS` and the entry.
    pub fn check_templates(&self) -> Result<(), ConfigError> {
        for entry in &self.twilio_content_sids {
            if self.template_language(&entry.language).is_none() {
                return Err(ConfigError::Invalid {
                    name: "TWILIO_CONTENT_SIDS",
                    value: entry.to_string(),
                    reason: format!(
                        "{} is not a language of CAMPANILE_TEMPLATE_LANGUAGES ({})",
                        entry.language,
                        self.template_languages.join(", ")
                    ),
                });
            }
        }
        Ok(())
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

/// One entry of `TWILIO_CONTENT_SIDS`: the Content SID of a template in a
/// language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentSid {
    /// The template: `invoice_ready`, `payment_reminder` or `reminder`.
    pub template: String,
    /// Its language, as written.
    pub language: String,
    /// Its Content SID (HX…).
    pub sid: String,
}

impl fmt::Display for ContentSid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}={}", self.template, self.language, self.sid)
    }
}

impl std::str::FromStr for ContentSid {
    type Err = String;

    /// `template:language=HX…`.
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (template, language, sid) = text
            .split_once('=')
            .and_then(|(key, sid)| {
                let (template, language) = key.split_once(':')?;
                Some((template.trim(), language.trim(), sid.trim()))
            })
            .ok_or_else(|| format!("{text:?} is not template:language=HX…"))?;
        if !JOB_TEMPLATES.contains(&template) {
            return Err(format!(
                "{template:?} is not a template of the jobs ({})",
                JOB_TEMPLATES.join(", ")
            ));
        }
        Locale::parse(language).map_err(|e| format!("{text:?}: {e}"))?;
        if !sid.starts_with("HX") || sid.len() < 3 || sid.contains(char::is_whitespace) {
            return Err(format!("{text:?}: a Content SID starts with HX"));
        }
        Ok(Self {
            template: template.to_owned(),
            language: language.to_owned(),
            sid: sid.to_owned(),
        })
    }
}

/// `template:language=HX…` entries separated by commas, each template and
/// language once.
fn content_sids<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<ContentSid>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let mut entries: Vec<ContentSid> = Vec::new();
    for entry in text.split(',').filter(|e| !e.trim().is_empty()) {
        let entry: ContentSid = entry.parse().map_err(D::Error::custom)?;
        let same = |e: &&ContentSid| {
            e.template == entry.template
                && Locale::parse(&e.language).ok() == Locale::parse(&entry.language).ok()
        };
        if let Some(earlier) = entries.iter().find(same) {
            return Err(D::Error::custom(format!(
                "{}:{} has two Content SIDs ({} and {})",
                entry.template, entry.language, earlier.sid, entry.sid
            )));
        }
        entries.push(entry);
    }
    Ok(entries)
}

/// Language tags separated by commas, at least one, each once.
fn template_languages<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    let mut tags: Vec<(String, Locale)> = Vec::new();
    for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let locale = Locale::parse(tag).map_err(D::Error::custom)?;
        if tags.iter().any(|(_, l)| *l == locale) {
            return Err(D::Error::custom(format!("{tag} is listed twice")));
        }
        tags.push((tag.to_owned(), locale));
    }
    if tags.is_empty() {
        return Err(D::Error::custom("must name at least one language, e.g. en"));
    }
    Ok(tags.into_iter().map(|(tag, _)| tag).collect())
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
