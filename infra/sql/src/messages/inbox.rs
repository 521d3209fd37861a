//! The inbox: inbound messages, recorded once per provider id, queued per
//! conversation and run from the queue's head.
//!
//! A message is [`Received`](InboundStatus::Received) until its turn
//! commits ([`Handled`](InboundStatus::Handled)), or set aside
//! ([`Unreadable`](InboundStatus::Unreadable)) when its stored copy cannot be
//! read back. A conversation's queue is its received rows in arrival order;
//! only the head may be claimed, by one worker at a time (a lease), so a
//! conversation's messages run one after the other, in order.

use framework::{InboundMessage, UnaddressableMessage};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, OnConflict, Order, Query};

use super::plan::{literal, probed_per_row};
use super::stored::{self, Direction, InboundStatus};
use crate::schema::{Customers, Messages};
use crate::{Database, DbError, corrupt};

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
    /// Held until then (ms since the epoch), as claimed; a renewal
    /// ([`InboxQueue::renew`]) holds it longer.
    pub until_ms: i64,
    /// Runs so far, this one included (identifies the claim: every claim
    /// counts one more run).
    pub attempts: i32,
    /// Whether the database answered the claim. A claim whose answer was
    /// lost ([`unanswered`](Self::unanswered)) may not have taken, and
    /// another worker's claim may count the same run: it is known by its
    /// exact end instead (never renewed, it still holds `until_ms`).
    answered: bool,
}

impl InboundClaim {
    /// The claim of row `id` until `until_ms` that a worker may hold when
    /// its [`claim`](InboxQueue::claim) failed without an answer (the
    /// database committed it and the connection dropped: a server stopped
    /// at that moment), for [`retry`](InboxQueue::retry) to give back if
    /// it took. `attempts` is the row's count before the claim.
    #[must_use]
    pub fn unanswered(id: i64, until_ms: i64, attempts_before: i32) -> Self {
        Self {
            id,
            until_ms,
            attempts: attempts_before.saturating_add(1),
            answered: false,
        }
    }
}

/// The inbound rows of the log as queues, one per conversation; cheap to
/// clone. See the [module docs](super) for the roles.
#[derive(Debug, Clone)]
pub struct InboxQueue {
    db: Database,
}

impl InboxQueue {
    /// The inbox in `db`'s message log.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The database the log is in.
    #[must_use]
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Records an inbound message (once per provider id) and the customer
    /// (first seen, last inbound, profile name), and says whether its turn
    /// is new, unfinished or done.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`]; [`DbError::Corrupt`] when a copy recorded before
    /// has a status this version does not know.
    pub async fn record(&self, msg: &InboundMessage) -> Result<InboundState, DbError> {
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
                Direction::In.into(),
                msg.provider().as_str().into(),
                msg.id().as_str().into(),
                customer.clone().into(),
                msg.key().business().as_str().into(),
                msg.content().kind().into(),
                // Text, or the id of the button or row tapped.
                msg.text().or(msg.choice_id()).map(str::to_owned).into(),
                InboundStatus::Received.into(),
                payload.clone().into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| corrupt("messages", e))?
            .on_conflict(once_per_provider_id())
            .to_owned();
        let inserted = self.db.exec(&insert).await? == 1;
        let state = if inserted {
            InboundState::New
        } else {
            let select = Query::select()
                .column(Messages::Status)
                .from(Messages::Table)
                .and_where(Expr::col(Messages::Direction).eq(Direction::In))
                .and_where(Expr::col(Messages::Provider).eq(msg.provider().as_str()))
                .and_where(Expr::col(Messages::ProviderMessageId).eq(msg.id().as_str()))
                .to_owned();
            let row = self.db.one(&select).await?;
            // A status this version does not know is no reason to refuse a
            // delivery (a 500 on every retry): only `handled` is a replay.
            let status = row.and_then(|r| {
                stored::column::<InboundStatus>(&r, "status", "messages")
                    .inspect_err(|e| tracing::warn!(error.message = %e, "an inbound row's status is unknown; the message counts as unfinished"))
                    .ok()
            });
            if status == Some(InboundStatus::Handled) {
                InboundState::Handled
            } else {
                // Recorded before the inbox stored whole messages (an
                // unfinished turn from before migration m0002): store it now,
                // so the inbox can run it.
                let fill = Query::update()
                    .table(Messages::Table)
                    .value(Messages::Payload, payload.clone())
                    .and_where(Expr::col(Messages::Direction).eq(Direction::In))
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

    /// Records a message that names no phone number to answer
    /// ([`UnaddressableMessage`]: a user known only by a business-scoped
    /// id), once per provider id, as `unsupported`: it is kept, never run.
    /// The customer column holds the user id (or nothing). Returns `true`
    /// the first time, `false` for a redelivery.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn record_unaddressable(&self, msg: &UnaddressableMessage) -> Result<bool, DbError> {
        let now = self.db.now_ms();
        let insert = Query::insert()
            .into_table(Messages::Table)
            .columns([
                Messages::Direction,
                Messages::Provider,
                Messages::ProviderMessageId,
                Messages::Customer,
                Messages::Business,
                Messages::Kind,
                Messages::Status,
                Messages::CreatedAtMs,
                Messages::UpdatedAtMs,
            ])
            .values([
                Direction::In.into(),
                msg.provider.as_str().into(),
                msg.message_id.as_str().into(),
                msg.user_id.clone().unwrap_or_default().into(),
                msg.channel_id.clone().unwrap_or_default().into(),
                msg.kind.clone().into(),
                InboundStatus::Unsupported.into(),
                now.into(),
                now.into(),
            ])
            .map_err(|e| corrupt("messages", e))?
            .on_conflict(once_per_provider_id())
            .to_owned();
        Ok(self.db.exec(&insert).await? == 1)
    }

    /// Marks an inbound message's turn as finished: a later delivery of the
    /// same message is a replay. Returns `false` when it was marked before
    /// (or is not in the log): inside a turn's [`UnitOfWork`](crate::UnitOfWork)
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
            .value(Messages::Status, InboundStatus::Handled)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Direction).eq(Direction::In))
            .and_where(Expr::col(Messages::Provider).eq(msg.provider().as_str()))
            .and_where(Expr::col(Messages::ProviderMessageId).eq(msg.id().as_str()))
            .and_where(Expr::col(Messages::Status).ne(InboundStatus::Handled))
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
    pub async fn head(
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
            .value(Messages::Status, InboundStatus::Unreadable)
            .value(Messages::Error, why)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }

    /// The oldest `limit` heads of the conversations' queues, whether they
    /// may run now or not ([`QueuedInbound::runnable`] says).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`], [`DbError::Corrupt`].
    pub async fn heads(&self, limit: u64) -> Result<Vec<QueuedInbound>, DbError> {
        self.select_heads(limit, false).await
    }

    /// The heads of the conversations' queues that may run now (due and
    /// held by nobody), oldest first, at most `limit` (for the inbox's
    /// sweep). Heads waiting for their retry time or held by a worker are
    /// left out by the query, so however many of them there are, they
    /// never take the places of runnable ones. They still hold their
    /// conversations' later messages back. The price: when fewer than
    /// `limit` heads may run, the query reads every unfinished inbound row
    /// (in id order, on `messages_queue_order`) to find that out, where a
    /// select of the first `limit` heads stopped there.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`], [`DbError::Corrupt`].
    pub async fn runnable_heads(&self, limit: u64) -> Result<Vec<QueuedInbound>, DbError> {
        self.select_heads(limit, true).await
    }

    async fn select_heads(
        &self,
        limit: u64,
        runnable_only: bool,
    ) -> Result<Vec<QueuedInbound>, DbError> {
        let now = self.db.now_ms();
        // Heads only, whatever the backlog of one conversation: a flood
        // behind one head does not hide the other conversations.
        let mut select = Self::queued_select()
            .and_where(Expr::exists(Self::earlier_in_conversation(None)).not())
            .limit(limit)
            .to_owned();
        if runnable_only {
            let lapsed = |c: Messages| Expr::col(c).is_null().or(Expr::col(c).lte(now));
            select
                .and_where(lapsed(Messages::NextAttemptAtMs))
                .and_where(lapsed(Messages::ClaimedUntilMs));
        }
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
        probed_per_row(
            Query::select()
                .expr(Expr::val(1))
                .from_as(Messages::Table, other.clone())
                .and_where(col(Messages::Direction).eq(literal(Direction::In)))
                .and_where(col(Messages::Status).eq(literal(InboundStatus::Received)))
                .and_where(col(Messages::Payload).is_not_null())
                .and_where(same(Messages::Provider))
                .and_where(same(Messages::Customer))
                .and_where(same(Messages::Business))
                .and_where(blocking)
                .to_owned(),
        )
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
            .and_where(Expr::col(Messages::Direction).eq(literal(Direction::In)))
            .and_where(Expr::col(Messages::Status).eq(literal(InboundStatus::Received)))
            .and_where(Expr::col(Messages::Payload).is_not_null())
            .order_by(Messages::Id, Order::Asc)
            .to_owned()
    }

    /// Claims unfinished inbound row `id` until `until_ms` (a worker runs
    /// its turn meanwhile) if it is due, nobody holds it, it is its
    /// conversation's head (no older unfinished message) and no other
    /// message of the conversation is held; counts the run. Returns the
    /// claim (for [`retry`](Self::retry)), or `None` when
    /// this caller did not get it.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`]. The claim may have taken even so: the database
    /// committed it and the connection dropped before the answer came (a
    /// server stopped at that moment). The caller names the time, so that
    /// it can give back the claim it may hold:
    /// [`InboundClaim::unanswered`] to [`retry`](Self::retry), which does
    /// nothing unless that claim took.
    pub async fn claim(&self, id: i64, until_ms: i64) -> Result<Option<InboundClaim>, DbError> {
        let now = self.db.now_ms();
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::ClaimedUntilMs, until_ms)
            .value(Messages::Attempts, Expr::col(Messages::Attempts).add(1))
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Direction).eq(Direction::In))
            .and_where(Expr::col(Messages::Status).eq(InboundStatus::Received))
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
                until_ms,
                attempts: row.try_get("", "attempts")?,
                answered: true,
            })),
            None => Ok(None),
        }
    }

    /// Keeps a claim for another `lease_ms` from now, while its message
    /// runs; `false` when the claim is no longer the caller's (its lease
    /// expired and another worker claimed the row, or the row is finished).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn renew(&self, claim: &InboundClaim, lease_ms: i64) -> Result<bool, DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(
                Messages::ClaimedUntilMs,
                self.db.now_ms().saturating_add(lease_ms),
            )
            .cond_where(Self::held_by(claim))
            .to_owned();
        Ok(self.db.exec(&update).await? == 1)
    }

    /// The row `claim` claimed, still unfinished and claimed by it: every
    /// claim counts one more attempt, so the count names the claim (with
    /// its exact end for an [unanswered](InboundClaim::unanswered) one).
    fn held_by(claim: &InboundClaim) -> Condition {
        let held = if claim.answered {
            Expr::col(Messages::ClaimedUntilMs).is_not_null()
        } else {
            Expr::col(Messages::ClaimedUntilMs).eq(claim.until_ms)
        };
        Condition::all()
            .add(Expr::col(Messages::Id).eq(claim.id))
            .add(Expr::col(Messages::Direction).eq(Direction::In))
            .add(Expr::col(Messages::Status).eq(InboundStatus::Received))
            .add(held)
            .add(Expr::col(Messages::Attempts).eq(claim.attempts))
    }

    /// Gives a claimed inbound row back, to run again at `at_ms` (a
    /// conversation's later messages wait for it). Does nothing when the
    /// claim is no longer the caller's (its lease expired and another
    /// worker claimed the row).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn retry(&self, claim: &InboundClaim, at_ms: i64) -> Result<(), DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::ClaimedUntilMs, Option::<i64>::None)
            .value(Messages::NextAttemptAtMs, at_ms)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .cond_where(Self::held_by(claim))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }
}

/// A provider's message is recorded once: a second delivery of the same id
/// inserts nothing.
fn once_per_provider_id() -> OnConflict {
    OnConflict::columns([
        Messages::Provider,
        Messages::Direction,
        Messages::ProviderMessageId,
    ])
    .do_nothing()
    .to_owned()
}
