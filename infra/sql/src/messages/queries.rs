//! Reads of the log for people and background jobs: the latest rows, how
//! to reach a customer, the messages jobs stored for a terminal chat.

use framework::{InboundMessage, Provider};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};

use super::plan::literal;
use super::stored::{self, Direction, MessageStatus, OutboundStatus};
use crate::schema::Messages;
use crate::{Database, DbError};

/// How to reach a customer outside a turn; see [`MessageQueries::last_contact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The provider of their latest message.
    pub provider: Provider,
    /// The shop number they wrote to.
    pub business: String,
    /// The provider's business channel (Meta `phone_number_id`), if any.
    pub channel_id: Option<String>,
    /// When their latest message came (ms since the epoch).
    pub last_inbound_ms: i64,
}

/// One row of the log, for people and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Row id.
    pub id: i64,
    /// The provider.
    pub provider: Provider,
    /// The provider's id, when known.
    pub provider_message_id: Option<String>,
    /// The customer.
    pub customer: String,
    /// Message kind.
    pub kind: String,
    /// Text or summary.
    pub body: Option<String>,
    /// Status, and with it the direction (see [`direction`](Self::direction)).
    pub status: MessageStatus,
    /// Last error.
    pub error: Option<String>,
    /// Outbound: the inbound message answered.
    pub in_reply_to: Option<String>,
    /// Outbound: send attempts.
    pub attempts: i32,
}

impl LogEntry {
    /// Whether the message came in or went out.
    #[must_use]
    pub fn direction(&self) -> Direction {
        self.status.direction()
    }
}

/// Reads of the message log; cheap to clone. See the [module docs](super)
/// for the roles.
#[derive(Debug, Clone)]
pub struct MessageQueries {
    db: Database,
}

impl MessageQueries {
    /// Reads of `db`'s message log.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The database the log is in.
    #[must_use]
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// How to reach `customer` outside a turn: the provider, shop number
    /// and channel of their latest inbound message, and when it came (the
    /// 24-hour customer-service window runs from there). `None` when they
    /// never wrote.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`], [`DbError::Corrupt`].
    pub async fn last_contact(&self, customer: &str) -> Result<Option<Contact>, DbError> {
        let select = Query::select()
            .columns([
                Messages::Provider,
                Messages::Business,
                Messages::Payload,
                Messages::CreatedAtMs,
            ])
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq(Direction::In))
            .and_where(Expr::col(Messages::Customer).eq(customer))
            .order_by(Messages::Id, Order::Desc)
            .limit(1)
            .to_owned();
        let Some(row) = self.db.one(&select).await? else {
            return Ok(None);
        };
        let payload: Option<String> = row.try_get("", "payload")?;
        // The channel (Meta's phone_number_id) and the provider's own time
        // of the message are in the stored message.
        let message = payload.and_then(|p| serde_json::from_str::<InboundMessage>(&p).ok());
        let channel_id = message
            .as_ref()
            .and_then(|m| m.channel_id().map(str::to_owned));
        let received: i64 = row.try_get("", "created_at_ms")?;
        // The earlier of the provider's time and ours: a message delivered
        // late (a provider's retry) does not move the window.
        let sent = message
            .and_then(|m| m.timestamp())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_millis()).ok());
        Ok(Some(Contact {
            provider: stored::column(&row, "provider", "messages")?,
            business: row.try_get("", "business")?,
            channel_id,
            last_inbound_ms: sent.map_or(received, |s| Ord::min(s, received)),
        }))
    }

    /// How many outbound rows whose key (`in_reply_to`) starts with
    /// `prefix` still wait to be sent: a campaign's backlog in the outbox.
    /// Rows put off on their own (a capped template's retry a day later)
    /// are not a backlog.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn pending_keyed(&self, prefix: &str) -> Result<u64, DbError> {
        let select = Query::select()
            .expr_as(Expr::col(Messages::Id).count(), "n")
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq(literal(Direction::Out)))
            .and_where(Expr::col(Messages::Status).eq(literal(OutboundStatus::Pending)))
            .and_where(Expr::col(Messages::NotBeforeMs).is_null())
            // Read by the queue-order index (direction, status): the few
            // pending rows, then their keys (a LIKE, right under any
            // collation).
            .and_where(Expr::col(Messages::InReplyTo).like(format!("{prefix}%")))
            .to_owned();
        let n: i64 = match self.db.one(&select).await? {
            Some(row) => row.try_get("", "n")?,
            None => 0,
        };
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// How many distinct customers `business` sent a template to
    /// (business-initiated messages, sent or about to be) since `since_ms`,
    /// and the earliest such message's time: what WhatsApp's messaging
    /// limit counts (distinct recipients per rolling 24 hours). Dry runs and
    /// terminal chats do not count.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn template_reach_since(
        &self,
        business: &str,
        since_ms: i64,
    ) -> Result<(u64, Option<i64>), DbError> {
        let select = Query::select()
            .expr_as(Expr::col(Messages::Customer).count_distinct(), "customers")
            .expr_as(Expr::col(Messages::CreatedAtMs).min(), "oldest_ms")
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq(Direction::Out))
            .and_where(Expr::col(Messages::Business).eq(business))
            .and_where(Expr::col(Messages::Kind).eq("template"))
            .and_where(Expr::col(Messages::CreatedAtMs).gte(since_ms))
            .and_where(Expr::col(Messages::Status).is_not_in([
                OutboundStatus::DryRun.as_str(),
                OutboundStatus::Local.as_str(),
            ]))
            .to_owned();
        let Some(row) = self.db.one(&select).await? else {
            return Ok((0, None));
        };
        let customers: i64 = row.try_get("", "customers")?;
        Ok((
            u64::try_from(customers).unwrap_or(0),
            row.try_get("", "oldest_ms")?,
        ))
    }

    /// Messages background jobs stored for `customer` (their replies are
    /// keyed `job:…`) after row `after_id`, oldest first, with their ids:
    /// what a terminal chat prints between turns. With `after_id` `None`,
    /// nothing, and the id to start after (the newest row now).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn job_messages(
        &self,
        customer: &str,
        after_id: Option<i64>,
    ) -> Result<(Vec<(i64, String)>, i64), DbError> {
        let Some(after) = after_id else {
            let newest = Query::select()
                .expr_as(Expr::col(Messages::Id).max(), "newest")
                .from(Messages::Table)
                .to_owned();
            let newest: Option<i64> = match self.db.one(&newest).await? {
                Some(row) => row.try_get("", "newest")?,
                None => None,
            };
            return Ok((Vec::new(), newest.unwrap_or(0)));
        };
        let select = Query::select()
            .columns([Messages::Id, Messages::Body])
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq(Direction::Out))
            .and_where(Expr::col(Messages::Customer).eq(customer))
            .and_where(Expr::col(Messages::InReplyTo).like("job:%"))
            .and_where(Expr::col(Messages::Id).gt(after))
            .order_by(Messages::Id, Order::Asc)
            .limit(50)
            .to_owned();
        let mut out = Vec::new();
        let mut last = after;
        for row in self.db.all(&select).await? {
            let id: i64 = row.try_get("", "id")?;
            let body: Option<String> = row.try_get("", "body")?;
            last = Ord::max(last, id);
            out.push((id, body.unwrap_or_default()));
        }
        Ok((out, last))
    }

    /// The latest `limit` rows, newest first, optionally of one customer.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`], [`DbError::Corrupt`] for a provider, direction
    /// or status this version does not know.
    pub async fn recent(
        &self,
        customer: Option<&str>,
        limit: u64,
    ) -> Result<Vec<LogEntry>, DbError> {
        self.recent_in(customer, None, limit).await
    }

    /// [`recent`](Self::recent), only rows in `status` when given (e.g.
    /// the outbound messages whose outcome is
    /// [`Unknown`](super::OutboundStatus::Unknown), for review).
    ///
    /// # Errors
    ///
    /// As [`recent`](Self::recent).
    pub async fn recent_in(
        &self,
        customer: Option<&str>,
        status: Option<MessageStatus>,
        limit: u64,
    ) -> Result<Vec<LogEntry>, DbError> {
        self.page(customer, status, None, limit).await
    }

    /// [`recent_in`](Self::recent_in), only rows with an id below `before`
    /// when given: the page after one that ended at row `before`.
    ///
    /// # Errors
    ///
    /// As [`recent`](Self::recent).
    pub async fn page(
        &self,
        customer: Option<&str>,
        status: Option<MessageStatus>,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<LogEntry>, DbError> {
        let mut select = Query::select()
            .columns([
                Messages::Id,
                Messages::Direction,
                Messages::Provider,
                Messages::ProviderMessageId,
                Messages::Customer,
                Messages::Kind,
                Messages::Body,
                Messages::Status,
                Messages::Error,
                Messages::InReplyTo,
                Messages::Attempts,
            ])
            .from(Messages::Table)
            .order_by(Messages::Id, Order::Desc)
            .limit(limit)
            .to_owned();
        if let Some(c) = customer {
            select.and_where(Expr::col(Messages::Customer).eq(c));
        }
        if let Some(before) = before {
            select.and_where(Expr::col(Messages::Id).lt(before));
        }
        if let Some(status) = status {
            select
                .and_where(Expr::col(Messages::Direction).eq(status.direction().as_str()))
                .and_where(Expr::col(Messages::Status).eq(status.as_str()));
        }
        let rows = self.db.all(&select).await?;
        rows.iter()
            .map(|r| -> Result<LogEntry, DbError> {
                Ok(LogEntry {
                    id: r.try_get("", "id")?,
                    provider: stored::column(r, "provider", "messages")?,
                    provider_message_id: r.try_get("", "provider_message_id")?,
                    customer: r.try_get("", "customer")?,
                    kind: r.try_get("", "kind")?,
                    body: r.try_get("", "body")?,
                    status: stored::message_status(r)?,
                    error: r.try_get("", "error")?,
                    in_reply_to: r.try_get("", "in_reply_to")?,
                    attempts: r.try_get("", "attempts")?,
                })
            })
            .collect()
    }
}
