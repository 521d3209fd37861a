//! Handing a customer's conversation to a person, and back.
//!
//! "Talk to a person" (in any bundled language's `handoff-words`), or the
//! support responder's offer taken, opens a handoff
//! ([`features::handoff`]); the customer is told. While it is open the
//! [`HandoffLayer`] keeps the bot quiet for that customer: their messages
//! are recorded as always (and noted on the handoff), nothing answers but
//! a consent word (STOP must always work) and `handoff-bot-words` ("bot"),
//! with which the customer gives the conversation back themselves.
//! Operators see the queue at `GET /api/handoffs`, reply with
//! `POST /api/conversations/{customer}/messages` (inside the 24-hour
//! window) and release with `POST /api/handoffs/{customer}/release`; a
//! handoff nobody wrote in for `CAMPANILE_HANDOFF_IDLE` is released by the
//! `handoff-idle` job. Each release tells the customer, in their language.
//!
//! The state is in the database: every instance sees the same handoffs,
//! and a handoff opened in a turn commits with the turn's reply.

mod layer;

use features::handoff::ReleaseReason;
use features::shared::CustomerPhone;
use framework::locale::Locale;
use framework::reply::Reply;
use infra_sql::sender::{Outgoing, Sender, SenderError};

pub use self::layer::{HandoffLayer, HandoffService};
use crate::i18n::Texts;

/// The notice of a release, by who released it.
pub(crate) fn released_notice(texts: &Texts, locale: &Locale, reason: ReleaseReason) -> String {
    let id = match reason {
        ReleaseReason::ByOperator => "handoff-released",
        ReleaseReason::Idle => "handoff-released-idle",
        ReleaseReason::ByCustomer => "handoff-left",
    };
    texts.get(locale, id, &[])
}

/// Tells `customer` (outside a turn: from the operator API or a job) that
/// their conversation is back with the bot, in their language, under the
/// idempotency key `key`. Outside the 24-hour window nothing can go
/// without a template: that is logged, not an error (the bot answers their
/// next message anyway).
///
/// # Errors
///
/// When the outbox cannot store it.
pub(crate) async fn tell_released(
    sender: &Sender,
    texts: &Texts,
    locale: &Locale,
    customer: &CustomerPhone,
    reason: ReleaseReason,
    key: String,
) -> Result<(), SenderError> {
    let Ok(to) = framework::PhoneNumber::parse(customer.as_str()) else {
        return Ok(());
    };
    let notice = Reply::text(released_notice(texts, locale, reason));
    let logged = key.clone();
    match sender.send(&to, Outgoing::new(notice).with_key(key)).await {
        Ok(_) => Ok(()),
        Err(SenderError::WindowClosed { .. } | SenderError::NeverWrote { .. }) => {
            // The key names the handoff: no phone number in logs.
            tracing::info!(key = %logged, "handoff released outside the window: the customer is not told");
            Ok(())
        }
        Err(e) => Err(e),
    }
}
