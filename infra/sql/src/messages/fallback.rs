//! The 24-hour window's fallback: a message the provider refused because
//! the customer's window had closed (at once, or later in a `failed`
//! status report) is followed by the template stored with it.

use sea_orm::sea_query::{Expr, ExprTrait, Query, SelectStatement};

use super::outbox::{NewOutbound, OutboxQueue};
use super::plan::literal;
use super::stored::{Direction, OutboundStatus};
use crate::schema::Messages;
use crate::{Database, DbError};

/// The provider error codes that mean "outside the 24-hour window: only a
/// template gets through": Twilio 63016, Meta 131047.
pub(super) const WINDOW_CODES: [&str; 2] = ["63016", "131047"];

/// Stores the fallback of the outbound row `filter` selects, if it has
/// one: a new pending row at the end of its customer's queue (`in_reply_to`
/// with `:fallback` appended, so a repeated report stores it once).
/// Returns whether a fallback was stored now.
pub(super) async fn enqueue_fallback(
    db: &Database,
    filter: impl FnOnce(&mut SelectStatement),
) -> Result<bool, DbError> {
    let mut select = Query::select()
        .columns([
            Messages::Provider,
            Messages::Customer,
            Messages::Business,
            Messages::InReplyTo,
            Messages::Seq,
            Messages::Fallback,
            Messages::AtMostOnce,
        ])
        .from(Messages::Table)
        .and_where(Expr::col(Messages::Direction).eq(literal(Direction::Out)))
        .and_where(Expr::col(Messages::Fallback).is_not_null())
        .limit(1)
        .to_owned();
    filter(&mut select);
    let Some(row) = db.one(&select).await? else {
        return Ok(false);
    };
    let request: String = row.try_get("", "fallback")?;
    let summary = serde_json::from_str::<infra_providers::OutboundRequest>(&request)
        .map(|r| r.summary())
        .unwrap_or_else(|_| "template".to_owned());
    let in_reply_to: Option<String> = row.try_get("", "in_reply_to")?;
    let fallback = NewOutbound {
        provider: super::stored::column(&row, "provider", "messages")?,
        customer: row.try_get("", "customer")?,
        business: row.try_get("", "business")?,
        kind: "template".to_owned(),
        body: Some(summary),
        in_reply_to: format!("{}:fallback", in_reply_to.unwrap_or_default()),
        seq: row.try_get("", "seq")?,
        request: Some(request),
        status: OutboundStatus::Pending,
        error: None,
        at_most_once: row.try_get("", "at_most_once")?,
        fallback: None,
    };
    Ok(OutboxQueue::new(db.clone()).enqueue(&[fallback]).await? > 0)
}
