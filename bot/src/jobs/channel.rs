//! How a job reaches a customer outside a turn: the customer's last channel,
//! the 24-hour customer-service window (free-form messages inside it, an
//! approved template outside it), and the outbox under the job's key.

use std::time::Duration;

use features::invoices::Invoice;
use framework::reply::{Reply, Template};
use framework::webhook::{OutboundTurn, Outbox as _};
use framework::{ConversationKey, MessageId, Outcome, PhoneNumber, Provider};
use infra_sql::DbError;

use super::JobDeps;
use super::worker::{permanent, retryable};
use framework::jobs::JobError;

/// The customer-service window: free-form messages only this long after
/// the customer's last message (WhatsApp's rule, for Twilio and Meta
/// alike).
pub const SERVICE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// How long before the window closes a job already uses the template: a
/// free-form message decided just inside it may be sent (after the
/// outbox's retries) just outside it, and then be refused.
const WINDOW_MARGIN: Duration = Duration::from_secs(30 * 60);

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

/// Where and how a job's message goes: the customer's last channel.
#[derive(Debug)]
pub(crate) struct Addressed {
    pub(crate) provider: Provider,
    key: ConversationKey,
    channel_id: Option<String>,
    /// Whether a free-form message may be sent (inside the window, with
    /// the margin).
    pub(crate) in_window: bool,
}

impl Addressed {
    /// Whether free-form text may go: inside the window, or a terminal
    /// chat (no window there).
    pub(crate) fn free_form(&self) -> bool {
        self.in_window || self.provider == Provider::Local
    }
}

/// The customer's last channel and whether the window is open now.
///
/// # Errors
///
/// Retryable when the log cannot be read; permanent when the customer never
/// wrote (no channel to reach them) or wrote through a provider we cannot
/// send through.
pub(crate) async fn address(deps: &JobDeps, customer: &str) -> Result<Addressed, JobError> {
    let contact = deps
        .messages
        .last_contact(customer)
        .await
        .map_err(|e| match e {
            // A provider this version does not know: no way to reach them.
            DbError::Corrupt { .. } => permanent(e),
            e => retryable(e),
        })?
        .ok_or_else(|| {
            permanent("the customer never wrote to the shop: no channel to reach them")
        })?;
    let provider = contact.provider;
    let key = ConversationKey::new(
        PhoneNumber::parse(&contact.business).map_err(permanent)?,
        PhoneNumber::parse(customer).map_err(permanent)?,
    );
    let window =
        i64::try_from(SERVICE_WINDOW.saturating_sub(WINDOW_MARGIN).as_millis()).unwrap_or(i64::MAX);
    Ok(Addressed {
        provider,
        key,
        channel_id: contact.channel_id,
        in_window: deps.clock.now_ms().saturating_sub(contact.last_inbound_ms) < window,
    })
}

/// Stores a job's `replies` in the outbox under the idempotency key
/// `job_key`: a second run stores nothing.
///
/// # Errors
///
/// Retryable when the outbox cannot store them.
pub(crate) async fn deliver(
    deps: &JobDeps,
    to: Addressed,
    job_key: String,
    replies: Vec<Reply>,
) -> Result<(), JobError> {
    deps.outbox
        .deliver(OutboundTurn {
            provider: to.provider,
            key: to.key,
            in_reply_to: MessageId::new(job_key),
            channel_id: to.channel_id,
            outcome: Outcome::Handled,
            replies,
        })
        .await
        .map_err(retryable)?;
    Ok(())
}

/// A template for `to`: on Twilio it needs its Content SID, else the
/// provider could never send it; that is a dead letter to fix (set the SID,
/// then `campanile jobs retry`), not a message stored as failed.
///
/// # Errors
///
/// Permanent on Twilio without the SID (`setting` names the variable).
pub(crate) fn template_for(
    to: &Addressed,
    template: Template,
    sid: Option<&String>,
    setting: &str,
) -> Result<Reply, JobError> {
    match sid {
        Some(sid) => Ok(Reply::Template(template.with_content_sid(sid.clone()))),
        None if to.provider == Provider::Twilio => Err(permanent(format!(
            "outside the 24-hour window Twilio needs the {} template's Content SID: set {setting}",
            template.name
        ))),
        None => Ok(Reply::Template(template)),
    }
}

/// The invoice's due date in the shop's time zone, as the PDF shows it.
pub(crate) fn due_date(deps: &JobDeps, invoice: &Invoice) -> String {
    crate::texts::date(invoice.due_at_ms(), deps.reminders.clock().time_zone())
}
