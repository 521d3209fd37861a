//! What follows a send the provider refused, at once or later in a `failed`
//! status report:
//!
//! - outside the 24-hour window (Twilio 63016, Meta 131047): the template
//!   stored with the row goes instead, at the end of its customer's queue;
//! - a marketing template WhatsApp capped for the customer (Meta 131049,
//!   Twilio 63049): the same request goes again no sooner than 24 hours
//!   later, put off on its own so the customer's replies meanwhile do not
//!   wait for it; capped a second time, it is not sent again (suppressed).
//!
//! Each follow-up is a new row keyed by the refused row's `in_reply_to`
//! with a suffix, so a report that arrives twice stores it once.

use std::time::Duration;

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};

use super::outbox::{NewOutbound, OutboxQueue};
use super::plan::literal;
use super::stored::{self, Direction, OutboundStatus};
use crate::schema::Messages;
use crate::{Database, DbError};

/// The provider error codes that mean "outside the 24-hour window: only a
/// template gets through": Twilio 63016, Meta 131047.
pub(super) const WINDOW_CODES: [&str; 2] = ["63016", "131047"];

/// The provider error codes that mean "a marketing template this customer
/// may not get now (a per-user cap); try no sooner than 24 hours later":
/// Twilio 63049, Meta 131049.
pub(super) const CAPPED_CODES: [&str; 2] = ["63049", "131049"];

/// How long a capped marketing template waits before it is sent again.
pub const CAPPED_RETRY_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

/// The suffix of a capped template's second send (its `in_reply_to`).
const CAPPED_SUFFIX: &str = ":capped";

/// What became of a capped marketing template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Capped {
    /// Stored again, not sent before 24 hours from now.
    Deferred,
    /// Stored again already (the report came twice).
    AlreadyDeferred,
    /// Capped on its second send too: not sent again.
    Suppressed,
    /// Its key was withdrawn for good (a cancelled campaign): not sent
    /// again.
    Withdrawn,
    /// No outbound row matches the report.
    NotFound,
}

impl Capped {
    /// The metric label.
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Self::Deferred | Self::AlreadyDeferred => "deferred",
            Self::Suppressed => "suppressed",
            Self::Withdrawn => "withdrawn",
            Self::NotFound => "not_found",
        }
    }
}

/// The refused outbound row `filter` selects, with what a follow-up copies.
async fn refused_row(
    db: &Database,
    filter: impl FnOnce(&mut SelectStatement),
) -> Result<Option<NewOutbound>, DbError> {
    let mut select = Query::select()
        .columns([
            Messages::Provider,
            Messages::Customer,
            Messages::Business,
            Messages::Kind,
            Messages::Body,
            Messages::InReplyTo,
            Messages::Seq,
            Messages::Request,
            Messages::Fallback,
            Messages::AtMostOnce,
        ])
        .from(Messages::Table)
        .and_where(Expr::col(Messages::Direction).eq(literal(Direction::Out)))
        .limit(1)
        .to_owned();
    filter(&mut select);
    let Some(row) = db.one(&select).await? else {
        return Ok(None);
    };
    let in_reply_to: Option<String> = row.try_get("", "in_reply_to")?;
    Ok(Some(NewOutbound {
        provider: stored::column(&row, "provider", "messages")?,
        customer: row.try_get("", "customer")?,
        business: row.try_get("", "business")?,
        kind: row.try_get("", "kind")?,
        body: row.try_get("", "body")?,
        in_reply_to: in_reply_to.unwrap_or_default(),
        seq: row.try_get("", "seq")?,
        request: row.try_get("", "request")?,
        status: OutboundStatus::Pending,
        error: None,
        at_most_once: row.try_get("", "at_most_once")?,
        fallback: row.try_get("", "fallback")?,
        not_before_ms: None,
    }))
}

/// Stores the fallback of the outbound row `filter` selects, if it has
/// one: a new pending row at the end of its customer's queue (`in_reply_to`
/// with `:fallback` appended, so a repeated report stores it once).
/// Returns whether a fallback was stored now.
pub(super) async fn enqueue_fallback(
    db: &Database,
    filter: impl FnOnce(&mut SelectStatement),
) -> Result<bool, DbError> {
    let Some(refused) = refused_row(db, filter).await? else {
        return Ok(false);
    };
    let Some(request) = refused.fallback.clone() else {
        return Ok(false);
    };
    let queue = OutboxQueue::new(db.clone());
    if queue.is_withdrawn(&refused.in_reply_to).await? {
        return Ok(false);
    }
    let summary = serde_json::from_str::<infra_providers::OutboundRequest>(&request)
        .map(|r| r.summary())
        .unwrap_or_else(|_| "template".to_owned());
    let fallback = NewOutbound {
        kind: "template".to_owned(),
        body: Some(summary),
        in_reply_to: format!("{}:fallback", refused.in_reply_to),
        request: Some(request),
        fallback: None,
        ..refused
    };
    Ok(queue.enqueue(&[fallback]).await? > 0)
}

/// Stores the capped marketing template `filter` selects again, not to be
/// sent before [`CAPPED_RETRY_AFTER`] from now and outside its customer's
/// order; unless it was itself such a second send.
pub(super) async fn defer_capped(
    db: &Database,
    code: &str,
    filter: impl FnOnce(&mut SelectStatement),
) -> Result<Capped, DbError> {
    let Some(refused) = refused_row(db, filter).await? else {
        return Ok(Capped::NotFound);
    };
    if refused.in_reply_to.ends_with(CAPPED_SUFFIX) {
        return Ok(Capped::Suppressed);
    }
    let queue = OutboxQueue::new(db.clone());
    if queue.is_withdrawn(&refused.in_reply_to).await? {
        return Ok(Capped::Withdrawn);
    }
    let again = NewOutbound {
        in_reply_to: format!("{}{CAPPED_SUFFIX}", refused.in_reply_to),
        error: Some(format!(
            "{code}: marketing capped for this customer by WhatsApp; sent again no sooner than 24 h later"
        )),
        not_before_ms: Some(db.clock().ms_after(CAPPED_RETRY_AFTER)),
        ..refused
    };
    Ok(if queue.enqueue(&[again]).await? > 0 {
        Capped::Deferred
    } else {
        Capped::AlreadyDeferred
    })
}
