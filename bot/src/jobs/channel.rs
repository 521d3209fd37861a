//! How a job reaches a customer outside a turn: through the
//! [`Sender`](infra_sql::sender::Sender) (the customer's last channel, the
//! 24-hour window, the template when it has closed, the outbox under the
//! job's key), with its refusals turned into retryable or permanent job
//! errors; in the customer's language (`customer_locale`), the template
//! too where it is approved in it ([`TemplateSids::choose`]).

use std::collections::BTreeMap;

use features::campaigns::Personalised;
use features::invoices::Invoice;
use features::shared::CustomerPhone;
use framework::jobs::JobError;
use framework::locale::Locale;
use framework::reply::{Reply, Template};
use framework::{PhoneNumber, Provider};
use infra_sql::DbError;
use infra_sql::sender::{Outgoing, Reach, SenderError, Sent};

use super::JobDeps;
use super::worker::{permanent, retryable};

/// The language of the jobs' templates when `CAMPANILE_TEMPLATE_LANGUAGES`
/// names none: the fallback of [`TemplateSids::languages`].
pub const DEFAULT_TEMPLATE_LANGUAGE: &str = "en";

/// The jobs' templates (`invoice_ready`, `payment_reminder`, `reminder`):
/// the languages they are approved in, and their Content SIDs on Twilio
/// (Meta addresses a template by name and language code).
/// [`choose`](Self::choose) picks a customer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateSids {
    /// `TWILIO_CONTENT_SID_INVOICE`: `invoice_ready` in the fallback
    /// language.
    pub invoice: Option<String>,
    /// `TWILIO_CONTENT_SID_REMINDER`: `payment_reminder` in the fallback
    /// language.
    pub reminder: Option<String>,
    /// `TWILIO_CONTENT_SID_NOTICE` (a shop's own reminder): `reminder` in
    /// the fallback language.
    pub notice: Option<String>,
    /// `CAMPANILE_TEMPLATE_LANGUAGES`: the languages the templates are
    /// approved in, as the providers name them (`en`, `hi`, `en_US`); the
    /// first is the fallback.
    pub languages: Vec<String>,
    /// `TWILIO_CONTENT_SIDS`: the Content SID of a template (its name) in a
    /// language (as [`languages`](Self::languages) writes it), over the
    /// single SIDs above.
    pub translated: BTreeMap<(String, String), String>,
}

impl Default for TemplateSids {
    /// English only, no Content SID.
    fn default() -> Self {
        Self {
            invoice: None,
            reminder: None,
            notice: None,
            languages: vec![DEFAULT_TEMPLATE_LANGUAGE.to_owned()],
            translated: BTreeMap::new(),
        }
    }
}

/// The template names a Content SID may be configured for: the jobs'.
pub const JOB_TEMPLATES: [&str; 3] = [
    super::send_invoice::INVOICE_TEMPLATE,
    super::send_reminder::PAYMENT_REMINDER_TEMPLATE,
    super::send_reminder::REMINDER_TEMPLATE,
];

/// A job's template for one customer: the language it goes in, and its
/// Content SID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateChoice {
    /// The template's language code, as `CAMPANILE_TEMPLATE_LANGUAGES`
    /// writes it.
    pub language: String,
    /// That language as a locale: the template's values (the due date) are
    /// written in it.
    pub locale: Locale,
    /// The Content SID, when one is configured (Twilio needs it).
    pub sid: Option<String>,
    /// On Twilio, the customer's language when it has no Content SID of
    /// its own for the template: the fallback language's went instead.
    pub instead_of: Option<String>,
}

impl TemplateChoice {
    /// The template `name` in this language, with its Content SID.
    #[must_use]
    pub fn template(&self, name: &str) -> Template {
        let template = Template::new(name, self.language.clone());
        match &self.sid {
            Some(sid) => template.with_content_sid(sid.clone()),
            None => template,
        }
    }
}

impl TemplateSids {
    /// The language and Content SID of `template` for a customer who reads
    /// `customer` (their `customer_locale`), sent through `provider`.
    ///
    /// The language is the customer's when it is listed (their tag, else
    /// their language subtag, else a listed tag of the same language:
    /// `en_US` for `en`), else the fallback (the first listed). The SID is
    /// that language's from [`translated`](Self::translated), else, for
    /// the fallback language, the single SID. On Twilio a listed language
    /// without a SID of its own gets the fallback language and its SID
    /// ([`TemplateChoice::instead_of`]): a template in the fallback
    /// language beats none. Meta needs no SID.
    #[must_use]
    pub fn choose(&self, template: &str, provider: Provider, customer: &Locale) -> TemplateChoice {
        let fallback = self
            .languages
            .first()
            .map_or(DEFAULT_TEMPLATE_LANGUAGE, String::as_str);
        let wanted = self.listed(customer).unwrap_or(fallback);
        let sid = self.sid(template, wanted, fallback);
        let (language, sid, instead_of) =
            if provider == Provider::Twilio && sid.is_none() && wanted != fallback {
                let sid = self.sid(template, fallback, fallback);
                let instead_of = sid.is_some().then(|| wanted.to_owned());
                (fallback, sid, instead_of)
            } else {
                (wanted, sid, None)
            };
        TemplateChoice {
            language: language.to_owned(),
            locale: Locale::parse(language).unwrap_or_else(|_| Locale::undetermined()),
            sid: sid.cloned(),
            instead_of,
        }
    }

    /// The listed language `customer` reads, if any.
    fn listed(&self, customer: &Locale) -> Option<&str> {
        let listed: Vec<(&str, Locale)> = self
            .languages
            .iter()
            .filter_map(|tag| Some((tag.as_str(), Locale::parse(tag).ok()?)))
            .collect();
        let find = |matches: &dyn Fn(&Locale) -> bool| {
            listed.iter().find(|(_, l)| matches(l)).map(|(tag, _)| *tag)
        };
        find(&|l| l == customer)
            .or_else(|| find(&|l| l.as_str() == customer.language()))
            .or_else(|| find(&|l| l.language() == customer.language()))
    }

    /// The Content SID of `template` in `language`.
    fn sid(&self, template: &str, language: &str, fallback: &str) -> Option<&String> {
        let single = match template {
            super::send_invoice::INVOICE_TEMPLATE => self.invoice.as_ref(),
            super::send_reminder::PAYMENT_REMINDER_TEMPLATE => self.reminder.as_ref(),
            super::send_reminder::REMINDER_TEMPLATE => self.notice.as_ref(),
            _ => None,
        };
        self.translated
            .get(&(template.to_owned(), language.to_owned()))
            .or(if language == fallback { single } else { None })
    }
}

/// `template` for `customer` reached through `to`
/// ([`TemplateSids::choose`]); a fallback to another language's Content
/// SID is logged.
pub(crate) fn choose_template(
    deps: &JobDeps,
    to: &Reach,
    template: &str,
    customer: &Locale,
) -> TemplateChoice {
    let choice = deps.templates.choose(template, to.provider, customer);
    if let Some(wanted) = &choice.instead_of {
        tracing::info!(
            template,
            wanted = %wanted,
            language = %choice.language,
            "no Twilio Content SID for the template in the customer's language (TWILIO_CONTENT_SIDS): the fallback language's is used"
        );
    }
    choice
}

/// How `customer` can be reached now.
///
/// # Errors
///
/// Retryable when the log cannot be read; permanent when the customer never
/// wrote (no channel to reach them) or wrote through a provider we cannot
/// send through.
pub(crate) async fn reach(deps: &JobDeps, customer: &str) -> Result<Reach, JobError> {
    let customer = PhoneNumber::parse(customer).map_err(permanent)?;
    deps.sender
        .reach(&customer)
        .await
        .map_err(|e| job_error(e, ""))?
        .ok_or_else(|| permanent("the customer never wrote to the shop: no channel to reach them"))
}

/// Stores a job's message for `to` (its template when the window has
/// closed) under the idempotency key in `outgoing`: a second run stores
/// nothing. `setting` names the variable of the template's Content SID.
///
/// # Errors
///
/// Retryable when the outbox cannot store it; permanent on Twilio without
/// the template's Content SID: a dead letter to fix (set the SID, then
/// `campanile jobs retry`), not a message stored as failed.
pub(crate) async fn send(
    deps: &JobDeps,
    to: &Reach,
    outgoing: Outgoing,
    setting: &str,
) -> Result<Sent, JobError> {
    deps.sender
        .send_to(to, outgoing)
        .await
        .map_err(|e| job_error(e, setting))
}

fn job_error(error: SenderError, setting: &str) -> JobError {
    match error {
        SenderError::TemplateNeedsContentSid { name } => permanent(format!(
            "outside the 24-hour window Twilio needs the {name} template's Content SID: set {setting}"
        )),
        // A provider this version does not know: no way to reach them.
        SenderError::Log(e @ DbError::Corrupt { .. }) => permanent(e),
        e if e.is_retryable() => retryable(e),
        e => permanent(e),
    }
}

/// The invoice's due date in the shop's time zone, as `locale` writes it.
pub(crate) fn due_date(deps: &JobDeps, locale: &Locale, invoice: &Invoice) -> String {
    deps.texts.date(
        locale,
        invoice.due_at_ms(),
        deps.reminders.clock().time_zone(),
    )
}

/// The language a job writes to `customer` in: the one they chose (read
/// once per job), else the shop's default.
pub(crate) async fn customer_locale(deps: &JobDeps, customer: &CustomerPhone) -> Locale {
    locale_of(&deps.customers, &deps.texts, customer).await
}

/// The language `customer` chose, among the bundled ones, else the
/// default. A storage failure falls back to the default (and is logged):
/// a notice in the default language beats none.
pub(crate) async fn locale_of(
    customers: &crate::services::Customers,
    texts: &crate::i18n::Texts,
    customer: &CustomerPhone,
) -> Locale {
    let details = customers
        .details(features::customers::GetDetails {
            customer: customer.clone(),
        })
        .await;
    match details {
        Ok(details) => details
            .language
            .and_then(|l| Locale::parse(l.as_str()).ok())
            .map_or_else(|| texts.default_locale().clone(), |l| texts.resolve(&l)),
        Err(e) => {
            tracing::warn!(error.message = %e, "cannot read the customer's language: the default is used");
            texts.default_locale().clone()
        }
    }
}

/// How `phone` can be reached: their last channel, or, for a number that
/// never wrote, the Twilio sender (`TWILIO_WHATSAPP_FROM`), with the
/// window closed. `None`: no way (also when their last message came
/// through a provider this version cannot send through).
///
/// # Errors
///
/// Retryable when the log cannot be read.
pub(crate) async fn reach_any(
    deps: &JobDeps,
    phone: &features::shared::CustomerPhone,
) -> Result<Option<Reach>, JobError> {
    let phone = PhoneNumber::parse(phone.as_str()).map_err(permanent)?;
    match deps.sender.reach(&phone).await {
        Ok(Some(reach)) => return Ok(Some(reach)),
        Ok(None) => {}
        Err(SenderError::Log(DbError::Corrupt { .. })) => return Ok(None),
        Err(e) => return Err(retryable(e)),
    }
    Ok(deps.twilio_from.clone().map(|from| Reach {
        provider: framework::Provider::Twilio,
        key: framework::ConversationKey::new(from, phone),
        channel_id: None,
        last_inbound_ms: 0,
        window_open: false,
    }))
}

/// `message` as the outbox stores it for a proactive send (a template
/// the sender may fall back to when the window has closed).
pub fn outgoing(message: Personalised) -> Outgoing {
    match reply_of(message) {
        Reply::Template(template) => Outgoing::template(template),
        reply => Outgoing::new(reply),
    }
}

/// `message` as a reply.
pub fn reply_of(message: Personalised) -> Reply {
    match message {
        Personalised::Text(text) => Reply::text(text),
        Personalised::Template {
            name,
            language,
            content_sid,
            params,
        } => {
            let mut template = params
                .into_iter()
                .fold(Template::new(name, language), Template::param);
            if let Some(sid) = content_sid {
                template = template.with_content_sid(sid);
            }
            Reply::Template(template)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn locale(tag: &str) -> Locale {
        Locale::parse(tag).unwrap_or_else(|_| Locale::undetermined())
    }

    /// Invoice and reminder SIDs in English; `hi` approved, with its own
    /// invoice SID only.
    fn english_and_hindi() -> TemplateSids {
        TemplateSids {
            invoice: Some("HXen-invoice".to_owned()),
            reminder: Some("HXen-reminder".to_owned()),
            notice: None,
            languages: vec!["en".to_owned(), "hi".to_owned()],
            translated: BTreeMap::from([(
                ("invoice_ready".to_owned(), "hi".to_owned()),
                "HXhi-invoice".to_owned(),
            )]),
        }
    }

    fn chosen(choice: &TemplateChoice) -> (&str, &str, Option<&str>, Option<&str>) {
        (
            choice.language.as_str(),
            choice.locale.as_str(),
            choice.sid.as_deref(),
            choice.instead_of.as_deref(),
        )
    }

    #[test]
    fn by_default_every_customer_gets_the_english_template_with_its_sid() {
        let sids = TemplateSids {
            invoice: Some("HXinvoice".to_owned()),
            ..TemplateSids::default()
        };
        for customer in ["en", "hi", "und"] {
            for provider in [Provider::Twilio, Provider::Meta] {
                let choice = sids.choose("invoice_ready", provider, &locale(customer));
                assert_eq!(
                    chosen(&choice),
                    ("en", "en", Some("HXinvoice"), None),
                    "{customer} on {provider:?}"
                );
            }
        }
        let template = sids
            .choose("invoice_ready", Provider::Twilio, &locale("hi"))
            .template("invoice_ready");
        assert_eq!(
            (template.language.as_str(), template.content_sid.as_deref()),
            ("en", Some("HXinvoice"))
        );
    }

    #[test]
    fn a_listed_language_is_the_customers_else_the_first() {
        let sids = english_and_hindi();
        let hi = sids.choose("invoice_ready", Provider::Twilio, &locale("hi"));
        assert_eq!(chosen(&hi), ("hi", "hi", Some("HXhi-invoice"), None));
        let en = sids.choose("invoice_ready", Provider::Twilio, &locale("en"));
        assert_eq!(chosen(&en), ("en", "en", Some("HXen-invoice"), None));
        // Not listed: the first.
        let mr = sids.choose("invoice_ready", Provider::Meta, &locale("mr"));
        assert_eq!(chosen(&mr), ("en", "en", Some("HXen-invoice"), None));
        // The language subtag of a tag that is not listed.
        let hi_in = sids.choose("invoice_ready", Provider::Meta, &locale("hi-IN"));
        assert_eq!(hi_in.language, "hi");
    }

    #[test]
    fn tags_match_by_tag_then_language_and_keep_the_providers_spelling() {
        let sids = TemplateSids {
            languages: vec!["hi".to_owned(), "en_US".to_owned(), "en_GB".to_owned()],
            ..TemplateSids::default()
        };
        let meta = |customer| {
            sids.choose("payment_reminder", Provider::Meta, &locale(customer))
                .language
        };
        assert_eq!(meta("en-GB"), "en_GB", "the tag itself");
        assert_eq!(meta("en"), "en_US", "the first of the same language");
        assert_eq!(meta("fr"), "hi", "the fallback");
        let choice = sids.choose("payment_reminder", Provider::Meta, &locale("en"));
        assert_eq!(choice.locale.as_str(), "en-US", "the values' locale");
        assert_eq!(choice.sid, None, "Meta needs no SID");
    }

    #[test]
    fn on_twilio_a_language_without_its_sid_gets_the_fallbacks() {
        let sids = english_and_hindi();
        // No Hindi payment reminder SID: the English one, in English.
        let choice = sids.choose("payment_reminder", Provider::Twilio, &locale("hi"));
        assert_eq!(
            chosen(&choice),
            ("en", "en", Some("HXen-reminder"), Some("hi"))
        );
        // Meta addresses it by name and language: Hindi.
        let choice = sids.choose("payment_reminder", Provider::Meta, &locale("hi"));
        assert_eq!(chosen(&choice), ("hi", "hi", None, None));
        // No SID in any language: nothing to fall back to (the sender
        // refuses it: a dead letter naming the setting).
        let choice = sids.choose("reminder", Provider::Twilio, &locale("hi"));
        assert_eq!(chosen(&choice), ("en", "en", None, None));
    }

    #[test]
    fn a_translated_sid_overrides_the_single_one_of_the_fallback() {
        let mut sids = english_and_hindi();
        sids.translated.insert(
            ("payment_reminder".to_owned(), "en".to_owned()),
            "HXen-reminder-2".to_owned(),
        );
        let choice = sids.choose("payment_reminder", Provider::Twilio, &locale("en"));
        assert_eq!(choice.sid.as_deref(), Some("HXen-reminder-2"));
        let choice = sids.choose("payment_reminder", Provider::Twilio, &locale("hi"));
        assert_eq!(
            chosen(&choice),
            ("en", "en", Some("HXen-reminder-2"), Some("hi"))
        );
    }
}
