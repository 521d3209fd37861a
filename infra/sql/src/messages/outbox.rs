//! The outbox: outbound rows waiting to be sent, in sending order, claimed
//! by the [`Dispatcher`](crate::outbox::Dispatcher) one at a time per
//! customer.
//!
//! A row is stored [`Pending`](OutboundStatus::Pending) (or
//! [`Local`](OutboundStatus::Local), or [`Failed`](OutboundStatus::Failed)
//! when it could not be rendered), claimed for a lease while it is sent, and
//! ends [`Queued`](OutboundStatus::Queued) (the provider accepted it;
//! [delivery statuses](super::DeliveryStatuses) move it further), `Failed`
//! or [`DryRun`](OutboundStatus::DryRun), or waits for a retry time.

use framework::Provider;
use sea_orm::sea_query::{
    Alias, DynIden, Expr, ExprTrait, IntoIden, OnConflict, Order, Query, SelectStatement,
};

use super::DeliveryStatuses;
use super::plan::{literal, probed_per_row};
use super::stored::{Direction, OutboundStatus};
use crate::schema::{Messages, WithdrawnKeys};
use crate::{Database, DbError, corrupt};

/// An outbound row to store: one provider request answering an inbound
/// message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutbound {
    /// The provider it goes through.
    pub provider: Provider,
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
    /// [`Pending`](OutboundStatus::Pending) (to send),
    /// [`Local`](OutboundStatus::Local), or [`Failed`](OutboundStatus::Failed)
    /// (could not be rendered).
    pub status: OutboundStatus,
    /// Why it failed, for `failed`.
    pub error: Option<String>,
    /// Never sent again after an unknown outcome (a proactive message);
    /// `false` for a conversational reply, which is sent again once.
    pub at_most_once: bool,
    /// The request (JSON) to send instead when the provider refuses this
    /// one for the 24-hour window (a template with the same information).
    pub fallback: Option<String>,
    /// Not sent before then (milliseconds since the epoch), and outside its
    /// customer's order: later rows do not wait for it. `None` for a row
    /// sent in order as soon as it can be.
    pub not_before_ms: Option<i64>,
}

/// An outbound row waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingOutbound {
    /// Row id (sending order).
    pub id: i64,
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
    /// Never sent again after an unknown outcome.
    pub at_most_once: bool,
    /// Sends whose outcome was unknown so far.
    pub unknown_outcomes: i32,
    /// Put off on its own until a time (a capped marketing template's
    /// retry): consent is checked again before it goes.
    pub put_off: bool,
}

/// The outbound rows of the log as the outbox; cheap to clone. See the
/// [module docs](super) for the roles.
#[derive(Debug, Clone)]
pub struct OutboxQueue {
    pub(super) db: Database,
    /// Reports that overtook a send are applied when it is accepted.
    statuses: DeliveryStatuses,
}

impl OutboxQueue {
    /// The outbox in `db`'s message log.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self {
            statuses: DeliveryStatuses::new(db.clone()),
            db,
        }
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
                Messages::AtMostOnce,
                Messages::Fallback,
                Messages::NotBeforeMs,
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
                    Direction::Out.into(),
                    row.provider.as_str().into(),
                    row.customer.clone().into(),
                    row.business.clone().into(),
                    row.kind.clone().into(),
                    row.body.clone().into(),
                    row.status.into(),
                    row.error.clone().into(),
                    row.in_reply_to.clone().into(),
                    row.seq.into(),
                    row.request.clone().into(),
                    0_i32.into(),
                    now.into(),
                    now.into(),
                    now.into(),
                    row.at_most_once.into(),
                    row.fallback.clone().into(),
                    row.not_before_ms.into(),
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
                (Messages::Table, Messages::AtMostOnce),
                (Messages::Table, Messages::UnknownOutcomes),
                (Messages::Table, Messages::NotBeforeMs),
            ])
            .from(Messages::Table)
            .and_where(
                Expr::col((Messages::Table, Messages::Direction)).eq(literal(Direction::Out)),
            )
            .and_where(
                Expr::col((Messages::Table, Messages::Status)).eq(literal(OutboundStatus::Pending)),
            )
            .order_by((Messages::Table, Messages::Id), Order::Asc)
            .limit(limit)
            .to_owned();
        if due_only {
            select
                .and_where(waiting(Messages::Table.into_iden(), now).not())
                .and_where(Expr::exists(earlier_unsent(Some(now))).not());
        }
        let rows = self.db.all(&select).await?;
        rows.iter()
            .map(|r| -> Result<PendingOutbound, DbError> {
                let next: Option<i64> = r.try_get("", "next_attempt_at_ms")?;
                let claimed: Option<i64> = r.try_get("", "claimed_until_ms")?;
                let not_before: Option<i64> = r.try_get("", "not_before_ms")?;
                let request: Option<String> = r.try_get("", "request")?;
                Ok(PendingOutbound {
                    id: r.try_get("", "id")?,
                    customer: r.try_get("", "customer")?,
                    request: request.unwrap_or_default(),
                    attempts: r.try_get("", "attempts")?,
                    in_reply_to: r.try_get("", "in_reply_to")?,
                    due: [next, claimed, not_before]
                        .into_iter()
                        .flatten()
                        .all(|t| t <= now),
                    at_most_once: r.try_get("", "at_most_once")?,
                    unknown_outcomes: r.try_get("", "unknown_outcomes")?,
                    put_off: not_before.is_some(),
                })
            })
            .collect()
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
            .value(Messages::Status, OutboundStatus::Queued)
            .value(Messages::Attempts, attempts)
            .value(Messages::Error, Option::<String>::None)
            .value(Messages::ClaimedUntilMs, Option::<i64>::None)
            .value(Messages::UpdatedAtMs, now)
            .and_where(Expr::col(Messages::Id).eq(id))
            .to_owned();
        self.db.exec(&update).await?;

        // Reports that overtook the send.
        self.statuses.apply_early(id, provider_message_id).await
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

    /// Row `id` was refused for the 24-hour window: stores its fallback (a
    /// template), if it has one, to be sent next. Returns whether one was
    /// stored.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn enqueue_fallback_of(&self, id: i64) -> Result<bool, DbError> {
        super::refused::enqueue_fallback(&self.db, |select| {
            select.and_where(Expr::col(Messages::Id).eq(id));
        })
        .await
    }

    /// Row `id`'s send ended with an unknown outcome and it is sent again
    /// at `next_attempt_at_ms` (a conversational reply, once): counted in
    /// its unknown outcomes.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn mark_unknown_retry(
        &self,
        id: i64,
        attempts: i32,
        unknown_outcomes: i32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> Result<(), DbError> {
        self.mark_unknown_outcome(
            id,
            attempts,
            unknown_outcomes,
            Some(next_attempt_at_ms),
            error,
        )
        .await
    }

    /// Row `id`'s send ended with an unknown outcome and it is not sent
    /// again: it ends [`Unknown`](OutboundStatus::Unknown), with
    /// `unknown_outcomes` counted, listed for review.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn mark_unknown(
        &self,
        id: i64,
        attempts: i32,
        unknown_outcomes: i32,
        error: &str,
    ) -> Result<(), DbError> {
        self.mark_unknown_outcome(id, attempts, unknown_outcomes, None, error)
            .await
    }

    /// Records an unknown outcome: sent again at `next_attempt_at_ms`, or
    /// (`None`) never: status `unknown`.
    async fn mark_unknown_outcome(
        &self,
        id: i64,
        attempts: i32,
        unknown_outcomes: i32,
        next_attempt_at_ms: Option<i64>,
        error: &str,
    ) -> Result<(), DbError> {
        let mut update = Query::update()
            .table(Messages::Table)
            .value(Messages::Attempts, attempts)
            .value(Messages::UnknownOutcomes, unknown_outcomes)
            .value(Messages::ClaimedUntilMs, Option::<i64>::None)
            .to_owned();
        match next_attempt_at_ms {
            Some(at) => update.value(Messages::NextAttemptAtMs, at),
            None => update.value(Messages::Status, OutboundStatus::Unknown),
        };
        let update = update
            .value(Messages::Error, error)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }

    /// Withdraws the keys that start with `prefix` for good (a cancelled
    /// campaign's `campaign:{id}:`), in the caller's unit of work when one
    /// runs: every unsent row under it ends `failed` with `reason` and is
    /// never sent, and no follow-up a later status report would store under
    /// it (a capped template's retry, a closed window's template) is stored.
    /// A row a dispatcher claimed is left to it: one claimed now finishes,
    /// one whose claim lapsed mid-send ends `unknown` as any other. Returns
    /// how many rows were withdrawn. `prefix` is matched literally by
    /// `LIKE`: it must not hold `%` or `_`.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn withdraw_keyed(&self, prefix: &str, reason: &str) -> Result<u64, DbError> {
        let now = self.db.now_ms();
        let tombstone = Query::insert()
            .into_table(WithdrawnKeys::Table)
            .columns([
                WithdrawnKeys::Prefix,
                WithdrawnKeys::Reason,
                WithdrawnKeys::AtMs,
            ])
            .values_panic([prefix.into(), reason.into(), now.into()])
            .on_conflict(
                OnConflict::column(WithdrawnKeys::Prefix)
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        self.db.exec(&tombstone).await?;
        self.withdraw_unsent(prefix, reason, None).await
    }

    /// Takes back `customer`'s unsent rows whose key starts with `prefix`
    /// (their campaign messages waiting to go, once they opted out of
    /// marketing): each ends `failed` with `reason`. The key stays usable,
    /// and a row a dispatcher claimed is left to it. Returns how many.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn withdraw_customer_keyed(
        &self,
        customer: &str,
        prefix: &str,
        reason: &str,
    ) -> Result<u64, DbError> {
        self.withdraw_unsent(prefix, reason, Some(customer)).await
    }

    /// Fails the unsent, unclaimed rows under `prefix` (of `customer` only,
    /// when given) with `reason`.
    async fn withdraw_unsent(
        &self,
        prefix: &str,
        reason: &str,
        customer: Option<&str>,
    ) -> Result<u64, DbError> {
        let mut update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, OutboundStatus::Failed)
            .value(Messages::Error, reason)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Direction).eq(literal(Direction::Out)))
            .and_where(Expr::col(Messages::Status).eq(literal(OutboundStatus::Pending)))
            .and_where(Expr::col(Messages::InReplyTo).like(format!("{prefix}%")))
            .and_where(Expr::col(Messages::ClaimedUntilMs).is_null())
            .to_owned();
        if let Some(customer) = customer {
            update.and_where(Expr::col(Messages::Customer).eq(customer));
        }
        self.db.exec(&update).await
    }

    /// Whether `key` is under a prefix [withdrawn](Self::withdraw_keyed)
    /// for good.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn is_withdrawn(&self, key: &str) -> Result<bool, DbError> {
        // Few rows (one per cancelled campaign), read only for a follow-up.
        let select = Query::select()
            .column(WithdrawnKeys::Prefix)
            .from(WithdrawnKeys::Table)
            .to_owned();
        for row in self.db.all(&select).await? {
            let prefix: String = row.try_get("", "prefix")?;
            if key.starts_with(&prefix) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Row `id` ends in `status` ([`Failed`](OutboundStatus::Failed) or
    /// [`DryRun`](OutboundStatus::DryRun), or
    /// [`Unknown`](OutboundStatus::Unknown) with `unknown_outcomes`) and is
    /// not sent again.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn mark_final(
        &self,
        id: i64,
        status: OutboundStatus,
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
}

/// Whether a row (of `table`) waits: for a retry's time, for the time it
/// was put off to, or claimed by a dispatcher until after `now`. Spelled
/// out with IS NOT NULL: a NULL comparison would make the whole condition
/// unknown, and NOT unknown drops the row.
pub(super) fn waiting(table: DynIden, now: i64) -> Expr {
    let after_now = |column: Messages| {
        let column = Expr::col((table.clone(), column));
        column.clone().is_not_null().and(column.gt(now))
    };
    after_now(Messages::NextAttemptAtMs)
        .or(after_now(Messages::ClaimedUntilMs))
        .or(after_now(Messages::NotBeforeMs))
}

/// An earlier unsent reply to the same customer as the row of `messages`
/// being selected or updated: with `Some(now)`, only one that waits at
/// `now` (the due select: a due earlier row is read with it, in order);
/// with `None`, any (a claim: the earlier one goes first).
pub(super) fn earlier_unsent(waiting_at: Option<i64>) -> SelectStatement {
    let earlier = Alias::new("earlier");
    let col = |c: Messages| Expr::col((earlier.clone(), c));
    let mut select = Query::select()
        .expr(Expr::val(1))
        .from_as(Messages::Table, earlier.clone())
        .and_where(col(Messages::Direction).eq(literal(Direction::Out)))
        .and_where(col(Messages::Status).eq(literal(OutboundStatus::Pending)))
        .and_where(col(Messages::Customer).equals((Messages::Table, Messages::Customer)))
        .and_where(col(Messages::Id).lt(Expr::col((Messages::Table, Messages::Id))))
        // A row put off on its own holds up no later row.
        .and_where(col(Messages::NotBeforeMs).is_null())
        .to_owned();
    if let Some(now) = waiting_at {
        select.and_where(waiting(earlier.into_iden(), now));
    }
    probed_per_row(select)
}
