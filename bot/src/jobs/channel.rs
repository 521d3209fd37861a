//! How a job reaches a customer outside a turn: through the
//! [`Sender`](infra_sql::sender::Sender) (the customer's last channel, the
//! 24-hour window, the template when it has closed, the outbox under the
//! job's key), with its refusals turned into retryable or permanent job
//! errors.

use features::campaigns::Personalised;
use features::invoices::Invoice;
use features::shared::CustomerPhone;
use framework::PhoneNumber;
use framework::jobs::JobError;
use framework::locale::Locale;
use framework::reply::{Reply, Template};
use infra_sql::DbError;
use infra_sql::sender::{Outgoing, Reach, SenderError, Sent};

use super::JobDeps;
use super::worker::{permanent, retryable};

/// Template Content SIDs on Twilio (Meta addresses templates by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateSids {
    /// `TWILIO_CONTENT_SID_INVOICE`.
    pub invoice: Option<String>,
    /// `TWILIO_CONTENT_SID_REMINDER`.
    pub reminder: Option<String>,
    /// `TWILIO_CONTENT_SID_NOTICE` (a shop's own reminder).
    pub notice: Option<String>,
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

/// `template` with its Twilio Content SID, when one is configured.
pub(crate) fn with_sid(template: Template, sid: Option<&String>) -> Template {
    match sid {
        Some(sid) => template.with_content_sid(sid.clone()),
        None => template,
    }
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

/// The language of the jobs' templates (`invoice_ready`,
/// `payment_reminder`, `reminder`), whose values (the due date) are written
/// as it writes them.
pub(crate) const TEMPLATE_LANGUAGE: &str = "en";

/// [`TEMPLATE_LANGUAGE`] as a locale.
pub(crate) fn template_locale() -> Locale {
    Locale::parse(TEMPLATE_LANGUAGE).unwrap_or_else(|_| Locale::undetermined())
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
