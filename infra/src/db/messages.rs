//! The message log: every inbound and outbound message with its provider id,
//! direction and status. Outbound rows double as the durable outbox the
//! [`Dispatcher`](crate::outbox::Dispatcher) sends from.
//!
//! Outbound statuses move forward only: `pending` → `queued` (the provider
//! accepted it) → `sent` → `delivered` → `read`, or end in `failed`,
//! `dry_run` (no credentials: logged, never sent) or `local` (a terminal
//! chat: shown, never sent). Provider reports that arrive out of order, twice,
//! or before the send that created the message returned are all kept in
//! `delivery_statuses` and applied by rank.

use framework::{InboundMessage, StatusEvent};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

use super::schema::{Customers, DeliveryStatuses, Messages};
use super::{Database, DbError, corrupt};

/// Statuses of an outbound message in rank order; a report moves a message
/// only to a higher rank. `failed` ranks highest: nothing follows it.
const OUT_RANKS: [&str; 6] = ["pending", "queued", "sent", "delivered", "read", "failed"];

fn rank(status: &str) -> Option<usize> {
    OUT_RANKS.iter().position(|s| *s == status)
}

/// The statuses a message may leave for `status`.
fn lower_than(status: &str) -> Vec<&'static str> {
    match rank(status) {
        Some(r) => OUT_RANKS[..r].to_vec(),
        None => Vec::new(),
    }
}

/// How to reach a customer outside a turn; see [`MessageLog::last_contact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The provider of their latest message (`twilio`, `meta`, `local`).
    pub provider: String,
    /// The shop number they wrote to.
    pub business: String,
    /// The provider's business channel (Meta `phone_number_id`), if any.
    pub channel_id: Option<String>,
    /// When their latest message came (ms since the epoch).
    pub last_inbound_ms: i64,
}

/// An outbound row to store: one provider request answering an inbound
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    /// `twilio`, `meta` or `local`.
    pub provider: String,
    /// The customer's E.164 number.
    pub customer: String,
    /// The business number.
    pub business: String,
    /// Reply kind (`text`, `buttons`, ...).
    pub kind: String,
    /// Text or summary, for the log.
    pub body: Option<String>,
    /// The inbound message answered.
    pub in_reply_to: String,
    /// Position among the rows answering `in_reply_to`.
    pub seq: i32,
    /// The rendered request (JSON), or `None` for rows never sent.
    pub request: Option<String>,
    /// `pending` (to send), `local`, or `failed` (could not be rendered).
    pub status: String,
    /// Why it failed, for `failed`.
    pub error: Option<String>,
}

/// An outbound row waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOutbound {
    /// Row id (sending order).
    pub id: i64,
    /// The provider.
    pub provider: String,
    /// The customer.
    pub customer: String,
    /// The rendered request (JSON).
    pub request: String,
    /// Attempts so far.
    pub attempts: i32,
    /// The inbound message answered.
    pub in_reply_to: Option<String>,
    /// Whether it is due (not waiting for a retry or claimed elsewhere).
    pub due: bool,
}

/// What the log knew of an inbound message when it was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundState {
    /// First sight: recorded now.
    New,
    /// Seen before, but its turn never finished (a crash or a failure
    /// mid-turn): run it again.
    Unfinished,
    /// Seen before and its turn finished: a replay.
    Handled,
}

/// An unfinished inbound message, as the inbox runs it.
#[derive(Debug, Clone)]
pub struct QueuedInbound {
    /// Row id (arrival order).
    pub id: i64,
    /// The message as it arrived.
    pub message: InboundMessage,
    /// Runs so far.
    pub attempts: i32,
    /// Whether it may run now (not waiting for a retry time, not held by a
    /// worker).
    pub runnable: bool,
}

/// A queued row, or its id and why its stored message cannot be read.
fn queued_from_row(
    row: &sea_orm::QueryResult,
    now: i64,
) -> Result<Result<QueuedInbound, (i64, String)>, DbError> {
    let id: i64 = row.try_get("", "id")?;
    let payload: String = row.try_get("", "payload")?;
    let message = match serde_json::from_str(&payload) {
        Ok(message) => message,
        Err(e) => return Ok(Err((id, e.to_string()))),
    };
    let next: Option<i64> = row.try_get("", "next_attempt_at_ms")?;
    let claimed: Option<i64> = row.try_get("", "claimed_until_ms")?;
    Ok(Ok(QueuedInbound {
        id,
        message,
        attempts: row.try_get("", "attempts")?,
        runnable: next.is_none_or(|t| t <= now) && claimed.is_none_or(|t| t <= now),
    }))
}

/// A worker's hold on an inbound row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundClaim {
    /// The row.
    pub id: i64,
    /// Held until then (ms since the epoch).
    pub until_ms: i64,
    /// Runs so far, this one included (with `until_ms`, identifies the
    /// claim: every claim counts one more run).
    pub attempts: i32,
}

/// One row of the log, for people and tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    /// Row id.
    pub id: i64,
    /// `in` or `out`.
    pub direction: String,
    /// The provider.
    pub provider: String,
    /// The provider's id, when known.
    pub provider_message_id: Option<String>,
    /// The customer.
    pub customer: String,
    /// Message kind.
    pub kind: String,
    /// Text or summary.
    pub body: Option<String>,
    /// Status.
    pub status: String,
    /// Last error.
    pub error: Option<String>,
    /// Outbound: the inbound message answered.
    pub in_reply_to: Option<String>,
    /// Outbound: send attempts.
    pub attempts: i32,
}

/// The message log over a [`Database`]; cheap to clone.
#[derive(Debug, Clone)]
pub struct MessageLog {
    db: Database,
}

impl MessageLog {
    /// The log in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// Records an inbound message (once per provider id) and the customer
    /// (first seen, last inbound, profile name), and says whether its turn
    /// is new, unfinished or done.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn record_inbound(&self, msg: &InboundMessage) -> Result<InboundState, DbError> {
        let now = self.db.now_ms();
        // The whole message, so an inbox worker can run it later.
        let payload = serde_json::to_string(msg).map_err(|e| corrupt("messages", e))?;
        let customer = msg.key().customer().as_str().to_owned();
        let insert = Query::insert()
            .into_table(Messages::Table)
            .columns([
                Messages::Direction,
                Messages::Provider,
                Messages::ProviderMessageId,
                Messages::Customer,
                Messages::Business,
                Messages::Kind,
                Messages::Body,
                Messages::Status,
                Messages::Payload,
                Messages::CreatedAtMs,
                Messages::UpdatedAtMs,
            ])
            .values([
                "in".into(),
                msg.provider().as_str().into(),
                msg.id().as_str().into(),
                customer.clone().into(),
                msg.key().business().as_str().into(),
                msg.content().kind().into(),
                // Text, or the id of the button or row tapped.
                msg.text().or(msg.choice_id()).map(str::to_owned).into(),
                "received".into(),
                payload.clone().into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| corrupt("messages", e))?
            .on_conflict(
                OnConflict::columns([
                    Messages::Provider,
                    Messages::Direction,
                    Messages::ProviderMessageId,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        let inserted = self.db.exec(&insert).await? == 1;
        let state = if inserted {
            InboundState::New
        } else {
            let select = Query::select()
                .column(Messages::Status)
                .from(Messages::Table)
                .and_where(Expr::col(Messages::Direction).eq("in"))
                .and_where(Expr::col(Messages::Provider).eq(msg.provider().as_str()))
                .and_where(Expr::col(Messages::ProviderMessageId).eq(msg.id().as_str()))
                .to_owned();
            let row = self.db.one(&select).await?;
            let status: Option<String> = match row {
                Some(r) => r.try_get("", "status")?,
                None => None,
            };
            if status.as_deref() == Some("handled") {
                InboundState::Handled
            } else {
                // Recorded before the inbox stored whole messages (an
                // unfinished turn from before migration m0002): store it now,
                // so the inbox can run it.
                let fill = Query::update()
                    .table(Messages::Table)
                    .value(Messages::Payload, payload.clone())
                    .and_where(Expr::col(Messages::Direction).eq("in"))
                    .and_where(Expr::col(Messages::Provider).eq(msg.provider().as_str()))
                    .and_where(Expr::col(Messages::ProviderMessageId).eq(msg.id().as_str()))
                    .and_where(Expr::col(Messages::Payload).is_null())
                    .to_owned();
                self.db.exec(&fill).await?;
                InboundState::Unfinished
            }
        };

        // The customer's last inbound time moves with new messages only, not
        // with a provider's retry of an old one.
        if state == InboundState::New {
            let mut upsert = OnConflict::column(Customers::Phone);
            upsert.update_column(Customers::LastInboundMs);
            if msg.profile_name().is_some() {
                upsert.update_column(Customers::ProfileName);
            }
            let customer_row = Query::insert()
                .into_table(Customers::Table)
                .columns([
                    Customers::Phone,
                    Customers::ProfileName,
                    Customers::FirstSeenMs,
                    Customers::LastInboundMs,
                ])
                .values([
                    customer.into(),
                    msg.profile_name().map(str::to_owned).into(),
                    now.into(),
                    now.into(),
                ])
                .map_err(|e| corrupt("customers", e))?
                .on_conflict(upsert.to_owned())
                .to_owned();
            self.db.exec(&customer_row).await?;
        }
        Ok(state)
    }

    /// Marks an inbound message's turn as finished: a later delivery of the
    /// same message is a replay. Returns `false` when it was marked before
    /// (or is not in the log): inside a turn's [`UnitOfWork`](super::UnitOfWork)
    /// that means another run of the same message committed first, and this
    /// run must roll back. On PostgreSQL the update waits for a concurrent
    /// run's commit (row lock) before it decides.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn mark_handled(&self, msg: &InboundMessage) -> Result<bool, DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, "handled")
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Direction).eq("in"))
            .and_where(Expr::col(Messages::Provider).eq(msg.provider().as_str()))
            .and_where(Expr::col(Messages::ProviderMessageId).eq(msg.id().as_str()))
            .and_where(Expr::col(Messages::Status).ne("handled"))
            .to_owned();
        Ok(self.db.exec(&update).await? == 1)
    }

    /// The oldest inbound message of `key`'s conversation whose turn has not
    /// finished: the head of the conversation's queue, which runs before any
    /// later message of it.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`], [`DbError::Corrupt`] when the stored message cannot
    /// be read back.
    pub async fn queue_head(
        &self,
        provider: framework::Provider,
        key: &framework::ConversationKey,
    ) -> Result<Option<QueuedInbound>, DbError> {
        let select = Self::queued_select()
            .and_where(Expr::col(Messages::Provider).eq(provider.as_str()))
            .and_where(Expr::col(Messages::Customer).eq(key.customer().as_str()))
            .and_where(Expr::col(Messages::Business).eq(key.business().as_str()))
            .limit(1)
            .to_owned();
        loop {
            let Some(row) = self.db.one(&select).await? else {
                return Ok(None);
            };
            match queued_from_row(&row, self.db.now_ms())? {
                Ok(queued) => return Ok(Some(queued)),
                Err((id, why)) => self.set_aside(id, &why).await?,
            }
        }
    }

    /// Takes an inbound row whose stored message cannot be read out of the
    /// queue (status `unreadable`), so it does not block its conversation.
    async fn set_aside(&self, id: i64, why: &str) -> Result<(), DbError> {
        tracing::error!(
            row = id,
            error.message = why,
            "a stored inbound message cannot be read; set aside"
        );
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, "unreadable")
            .value(Messages::Error, why)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }

    /// The heads of the conversations' queues among the oldest `limit`
    /// unfinished inbound messages, due or not (for the inbox's sweep).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`], [`DbError::Corrupt`].
    pub async fn queue_heads(&self, limit: u64) -> Result<Vec<QueuedInbound>, DbError> {
        // Heads only, whatever the backlog of one conversation: a flood
        // behind one head does not hide the other conversations.
        let select = Self::queued_select()
            .and_where(Expr::exists(Self::earlier_in_conversation(None)).not())
            .limit(limit)
            .to_owned();
        let now = self.db.now_ms();
        let mut seen = std::collections::HashSet::new();
        let mut heads = Vec::new();
        for row in self.db.all(&select).await? {
            let queued = match queued_from_row(&row, now)? {
                Ok(queued) => queued,
                Err((id, why)) => {
                    self.set_aside(id, &why).await?;
                    continue;
                }
            };
            let conversation = (queued.message.provider(), queued.message.key().clone());
            if seen.insert(conversation) {
                heads.push(queued);
            }
        }
        Ok(heads)
    }

    /// The conversation's other unfinished inbound rows (of the row being
    /// selected or updated as `messages`): older ones, or, with `claimed_at`,
    /// also any held by a worker at that time.
    fn earlier_in_conversation(claimed_at: Option<i64>) -> sea_orm::sea_query::SelectStatement {
        let other = sea_orm::sea_query::Alias::new("other");
        let col = |c: Messages| Expr::col((other.clone(), c));
        let same = |c: Messages| col(c).equals((Messages::Table, c));
        let older = col(Messages::Id).lt(Expr::col((Messages::Table, Messages::Id)));
        let blocking = match claimed_at {
            Some(now) => older.or(col(Messages::Id)
                .ne(Expr::col((Messages::Table, Messages::Id)))
                .and(col(Messages::ClaimedUntilMs).is_not_null())
                .and(col(Messages::ClaimedUntilMs).gt(now))),
            None => older,
        };
        Query::select()
            .expr(Expr::val(1))
            .from_as(Messages::Table, other.clone())
            .and_where(col(Messages::Direction).eq("in"))
            .and_where(col(Messages::Status).eq("received"))
            .and_where(col(Messages::Payload).is_not_null())
            .and_where(same(Messages::Provider))
            .and_where(same(Messages::Customer))
            .and_where(same(Messages::Business))
            .and_where(blocking)
            .to_owned()
    }

    fn queued_select() -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .columns([
                Messages::Id,
                Messages::Payload,
                Messages::Attempts,
                Messages::NextAttemptAtMs,
                Messages::ClaimedUntilMs,
            ])
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq("in"))
            .and_where(Expr::col(Messages::Status).eq("received"))
            .and_where(Expr::col(Messages::Payload).is_not_null())
            .order_by(Messages::Id, Order::Asc)
            .to_owned()
    }

    /// Claims unfinished inbound row `id` for `lease_ms` (a worker runs its
    /// turn meanwhile) if it is due, nobody holds it, it is its
    /// conversation's head (no older unfinished message) and no other
    /// message of the conversation is held; counts the run. Returns the
    /// claim (for [`retry_inbound`](Self::retry_inbound)), or `None` when
    /// this caller did not get it.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn claim_inbound(
        &self,
        id: i64,
        lease_ms: i64,
    ) -> Result<Option<InboundClaim>, DbError> {
        let now = self.db.now_ms();
        let until = now.saturating_add(lease_ms);
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::ClaimedUntilMs, until)
            .value(Messages::Attempts, Expr::col(Messages::Attempts).add(1))
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Direction).eq("in"))
            .and_where(Expr::col(Messages::Status).eq("received"))
            .and_where(
                Expr::col(Messages::ClaimedUntilMs)
                    .is_null()
                    .or(Expr::col(Messages::ClaimedUntilMs).lte(now)),
            )
            .and_where(
                Expr::col(Messages::NextAttemptAtMs)
                    .is_null()
                    .or(Expr::col(Messages::NextAttemptAtMs).lte(now)),
            )
            .and_where(Expr::exists(Self::earlier_in_conversation(Some(now))).not())
            .returning_col(Messages::Attempts)
            .to_owned();
        match self.db.one(&update).await? {
            Some(row) => Ok(Some(InboundClaim {
                id,
                until_ms: until,
                attempts: row.try_get("", "attempts")?,
            })),
            None => Ok(None),
        }
    }

    /// Gives a claimed inbound row back, to run again at `at_ms` (a
    /// conversation's later messages wait for it). Does nothing when the
    /// claim is no longer the caller's (its lease expired and another
    /// worker claimed the row).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn retry_inbound(&self, claim: &InboundClaim, at_ms: i64) -> Result<(), DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::ClaimedUntilMs, Option::<i64>::None)
            .value(Messages::NextAttemptAtMs, at_ms)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(claim.id))
            .and_where(Expr::col(Messages::Direction).eq("in"))
            .and_where(Expr::col(Messages::Status).eq("received"))
            .and_where(Expr::col(Messages::ClaimedUntilMs).eq(claim.until_ms))
            .and_where(Expr::col(Messages::Attempts).eq(claim.attempts))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
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
            .and_where(Expr::col(Messages::Direction).eq("in"))
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
        let stored = payload.and_then(|p| serde_json::from_str::<InboundMessage>(&p).ok());
        let channel_id = stored
            .as_ref()
            .and_then(|m| m.channel_id().map(str::to_owned));
        let received: i64 = row.try_get("", "created_at_ms")?;
        // The earlier of the provider's time and ours: a message delivered
        // late (a provider's retry) does not move the window.
        let sent = stored
            .and_then(|m| m.timestamp())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_millis()).ok());
        Ok(Some(Contact {
            provider: row.try_get("", "provider")?,
            business: row.try_get("", "business")?,
            channel_id,
            last_inbound_ms: sent.map_or(received, |s| Ord::min(s, received)),
        }))
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
            .and_where(Expr::col(Messages::Direction).eq("out"))
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

    /// The database the log is in.
    #[must_use]
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Stores the outbound rows of one turn, all or nothing (one statement). Rows that exist
    /// already (same inbound message and position: a replayed turn) are
    /// left as they are. Returns how many were new.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`]; nothing is stored then.
    pub async fn enqueue(&self, rows: &[NewOutbound]) -> Result<u64, DbError> {
        if rows.is_empty() {
            return Ok(0);
        }
        let now = self.db.now_ms();
        // One statement for all the rows: atomic by itself, and one round
        // trip instead of a transaction's three or more.
        let mut insert = Query::insert()
            .into_table(Messages::Table)
            .columns([
                Messages::Direction,
                Messages::Provider,
                Messages::Customer,
                Messages::Business,
                Messages::Kind,
                Messages::Body,
                Messages::Status,
                Messages::Error,
                Messages::InReplyTo,
                Messages::Seq,
                Messages::Request,
                Messages::Attempts,
                Messages::NextAttemptAtMs,
                Messages::CreatedAtMs,
                Messages::UpdatedAtMs,
            ])
            .on_conflict(
                OnConflict::columns([Messages::Direction, Messages::InReplyTo, Messages::Seq])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        for row in rows {
            insert
                .values([
                    "out".into(),
                    row.provider.clone().into(),
                    row.customer.clone().into(),
                    row.business.clone().into(),
                    row.kind.clone().into(),
                    row.body.clone().into(),
                    row.status.clone().into(),
                    row.error.clone().into(),
                    row.in_reply_to.clone().into(),
                    row.seq.into(),
                    row.request.clone().into(),
                    0_i32.into(),
                    now.into(),
                    now.into(),
                    now.into(),
                ])
                .map_err(|e| corrupt("messages", e))?;
        }
        self.db.exec(&insert).await
    }

    /// Outbound rows due to be sent now, in sending order (at most `limit`):
    /// pending, not waiting for a retry, not claimed, and with no earlier
    /// row of the same customer still waiting (the customer's order holds).
    /// Rows that are not due never hide due rows of other customers.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`], [`DbError::Corrupt`].
    pub async fn due(&self, limit: u64) -> Result<Vec<PendingOutbound>, DbError> {
        self.pending_rows(limit, true).await
    }

    /// Every outbound row still to send, due or not, in sending order (at
    /// most `limit`), with whether each is due.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`], [`DbError::Corrupt`].
    pub async fn pending(&self, limit: u64) -> Result<Vec<PendingOutbound>, DbError> {
        self.pending_rows(limit, false).await
    }

    async fn pending_rows(
        &self,
        limit: u64,
        due_only: bool,
    ) -> Result<Vec<PendingOutbound>, DbError> {
        let now = self.db.now_ms();
        let mut select = Query::select()
            .columns([
                (Messages::Table, Messages::Id),
                (Messages::Table, Messages::Provider),
                (Messages::Table, Messages::Customer),
                (Messages::Table, Messages::Request),
                (Messages::Table, Messages::Attempts),
                (Messages::Table, Messages::InReplyTo),
                (Messages::Table, Messages::NextAttemptAtMs),
                (Messages::Table, Messages::ClaimedUntilMs),
            ])
            .from(Messages::Table)
            .and_where(Expr::col((Messages::Table, Messages::Direction)).eq("out"))
            .and_where(Expr::col((Messages::Table, Messages::Status)).eq("pending"))
            .order_by((Messages::Table, Messages::Id), Order::Asc)
            .limit(limit)
            .to_owned();
        if due_only {
            // Spelled out with IS NOT NULL: a NULL comparison would make the
            // whole condition unknown, and NOT unknown drops the row.
            let waiting = |table: sea_orm::sea_query::DynIden| {
                let next = Expr::col((table.clone(), Messages::NextAttemptAtMs));
                let claimed = Expr::col((table, Messages::ClaimedUntilMs));
                next.clone()
                    .is_not_null()
                    .and(next.gt(now))
                    .or(claimed.clone().is_not_null().and(claimed.gt(now)))
            };
            let earlier = sea_orm::sea_query::Alias::new("earlier");
            let blocked = Query::select()
                .expr(Expr::val(1))
                .from_as(Messages::Table, earlier.clone())
                .and_where(Expr::col((earlier.clone(), Messages::Direction)).eq("out"))
                .and_where(Expr::col((earlier.clone(), Messages::Status)).eq("pending"))
                .and_where(
                    Expr::col((earlier.clone(), Messages::Customer))
                        .equals((Messages::Table, Messages::Customer)),
                )
                .and_where(
                    Expr::col((earlier.clone(), Messages::Id))
                        .lt(Expr::col((Messages::Table, Messages::Id))),
                )
                .and_where(waiting(sea_orm::sea_query::IntoIden::into_iden(earlier)))
                .to_owned();
            select
                .and_where(waiting(sea_orm::sea_query::IntoIden::into_iden(Messages::Table)).not())
                .and_where(Expr::exists(blocked).not());
        }
        let rows = self.db.all(&select).await?;
        rows.iter()
            .map(|r| {
                let next: Option<i64> = r.try_get("", "next_attempt_at_ms")?;
                let claimed: Option<i64> = r.try_get("", "claimed_until_ms")?;
                let request: Option<String> = r.try_get("", "request")?;
                Ok(PendingOutbound {
                    id: r.try_get("", "id")?,
                    provider: r.try_get("", "provider")?,
                    customer: r.try_get("", "customer")?,
                    request: request.unwrap_or_default(),
                    attempts: r.try_get("", "attempts")?,
                    in_reply_to: r.try_get("", "in_reply_to")?,
                    due: next.is_none_or(|t| t <= now) && claimed.is_none_or(|t| t <= now),
                })
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(DbError::from)
    }

    /// Claims a pending row for `lease_ms`, so no other dispatcher sends it
    /// meanwhile, and counts the send attempt. Returns the attempts so far
    /// (this one included) when this caller got the row, `None` otherwise.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn claim(&self, id: i64, lease_ms: i64) -> Result<Option<i32>, DbError> {
        let now = self.db.now_ms();
        // The claim counts the attempt: a send cut off by a crash (its
        // outcome unknown) is still an attempt.
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::ClaimedUntilMs, now.saturating_add(lease_ms))
            .value(Messages::Attempts, Expr::col(Messages::Attempts).add(1))
            .value(Messages::UpdatedAtMs, now)
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Status).eq("pending"))
            .and_where(
                Expr::col(Messages::ClaimedUntilMs)
                    .is_null()
                    .or(Expr::col(Messages::ClaimedUntilMs).lte(now)),
            )
            .returning_col(Messages::Attempts)
            .to_owned();
        match self.db.one(&update).await? {
            Some(row) => Ok(Some(row.try_get("", "attempts")?)),
            None => Ok(None),
        }
    }

    /// The provider accepted row `id` as `provider_message_id`. Any status
    /// the provider already reported for that id is applied right away.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn mark_accepted(
        &self,
        id: i64,
        provider_message_id: &str,
        attempts: i32,
    ) -> Result<(), DbError> {
        let now = self.db.now_ms();
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::ProviderMessageId, provider_message_id)
            .value(Messages::Status, "queued")
            .value(Messages::Attempts, attempts)
            .value(Messages::Error, Option::<String>::None)
            .value(Messages::ClaimedUntilMs, Option::<i64>::None)
            .value(Messages::UpdatedAtMs, now)
            .and_where(Expr::col(Messages::Id).eq(id))
            .to_owned();
        self.db.exec(&update).await?;

        // Reports that overtook the send.
        let select = Query::select()
            .columns([
                DeliveryStatuses::Provider,
                DeliveryStatuses::Status,
                DeliveryStatuses::Error,
            ])
            .from(DeliveryStatuses::Table)
            .and_where(Expr::col(DeliveryStatuses::ProviderMessageId).eq(provider_message_id))
            .to_owned();
        let early = self.db.all(&select).await?;
        let best = early
            .iter()
            .filter_map(|r| {
                let status: String = r.try_get("", "status").ok()?;
                let error: Option<String> = r.try_get("", "error").ok()?;
                Some((rank(&status)?, status, error))
            })
            .max_by_key(|(r, _, _)| *r);
        if let Some((_, status, error)) = best {
            self.advance_by_id(id, &status, error.as_deref()).await?;
        }
        Ok(())
    }

    /// Row `id` failed to send and will be tried again at `next_attempt_at_ms`.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn mark_retry(
        &self,
        id: i64,
        attempts: i32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> Result<(), DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Attempts, attempts)
            .value(Messages::NextAttemptAtMs, next_attempt_at_ms)
            .value(Messages::ClaimedUntilMs, Option::<i64>::None)
            .value(Messages::Error, error)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }

    /// Row `id` ends in `status` (`failed` or `dry_run`) and is not sent again.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn mark_final(
        &self,
        id: i64,
        status: &str,
        attempts: i32,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, status)
            .value(Messages::Attempts, attempts)
            .value(Messages::ClaimedUntilMs, Option::<i64>::None)
            .value(Messages::Error, error.map(str::to_owned))
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }

    /// Records a provider's delivery report and moves the message forward
    /// when the report ranks higher than what is stored. Returns whether a
    /// stored message moved.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn record_status(&self, event: &StatusEvent) -> Result<bool, DbError> {
        let status = event.status.as_str();
        let error = match &event.status {
            framework::DeliveryStatus::Failed(f) => Some(
                [f.code.as_deref(), f.message.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": "),
            ),
            _ => None,
        };
        let insert = Query::insert()
            .into_table(DeliveryStatuses::Table)
            .columns([
                DeliveryStatuses::Provider,
                DeliveryStatuses::ProviderMessageId,
                DeliveryStatuses::Status,
                DeliveryStatuses::Error,
                DeliveryStatuses::ReceivedAtMs,
            ])
            .values([
                event.provider.as_str().into(),
                event.message_id.as_str().into(),
                status.into(),
                error.clone().into(),
                self.db.now_ms().into(),
            ])
            .map_err(|e| corrupt("delivery_statuses", e))?
            .on_conflict(
                OnConflict::columns([
                    DeliveryStatuses::Provider,
                    DeliveryStatuses::ProviderMessageId,
                    DeliveryStatuses::Status,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        self.db.exec(&insert).await?;
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, status)
            .value(Messages::Error, error)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Direction).eq("out"))
            .and_where(Expr::col(Messages::Provider).eq(event.provider.as_str()))
            .and_where(Expr::col(Messages::ProviderMessageId).eq(event.message_id.as_str()))
            .and_where(Expr::col(Messages::Status).is_in(lower_than(status)))
            .to_owned();
        Ok(self.db.exec(&update).await? > 0)
    }

    async fn advance_by_id(
        &self,
        id: i64,
        status: &str,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, status)
            .value(Messages::Error, error.map(str::to_owned))
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Status).is_in(lower_than(status)))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }

    /// The latest `limit` rows, newest first, optionally of one customer.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn recent(
        &self,
        customer: Option<&str>,
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
        let rows = self.db.all(&select).await?;
        rows.iter()
            .map(|r| {
                Ok(LogEntry {
                    id: r.try_get("", "id")?,
                    direction: r.try_get("", "direction")?,
                    provider: r.try_get("", "provider")?,
                    provider_message_id: r.try_get("", "provider_message_id")?,
                    customer: r.try_get("", "customer")?,
                    kind: r.try_get("", "kind")?,
                    body: r.try_get("", "body")?,
                    status: r.try_get("", "status")?,
                    error: r.try_get("", "error")?,
                    in_reply_to: r.try_get("", "in_reply_to")?,
                    attempts: r.try_get("", "attempts")?,
                })
            })
            .collect::<Result<_, sea_orm::DbErr>>()
            .map_err(DbError::from)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn reports_only_move_forward() {
        assert_eq!(lower_than("pending"), Vec::<&str>::new());
        assert_eq!(lower_than("delivered"), ["pending", "queued", "sent"]);
        assert_eq!(
            lower_than("failed"),
            ["pending", "queued", "sent", "delivered", "read"]
        );
        assert!(
            lower_than("dry_run").is_empty(),
            "unknown statuses move nothing"
        );
    }
}
