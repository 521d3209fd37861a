//! Claims of outbound rows: a dispatcher takes a due row for a lease
//! ([`OutboxQueue::claim_send`]), renews it while the send runs, or gives
//! it back unused. A claim that lapses without a recorded outcome (its
//! dispatcher died mid-send) counts, at the next claim, as an unknown
//! outcome.

use sea_orm::sea_query::{Expr, ExprTrait, IntoIden, Query};

use super::outbox::{OutboxQueue, earlier_unsent, waiting};
use super::stored::OutboundStatus;
use crate::DbError;
use crate::schema::Messages;

/// A claim of an outbound row ([`OutboxQueue::claim_send`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendClaim {
    /// Attempts so far, this one included.
    pub attempts: i32,
    /// Sends whose outcome was unknown so far, counting the previous
    /// claim's if it lapsed unrecorded (its dispatcher died mid-send).
    pub unknown_outcomes: i32,
}

impl OutboxQueue {
    /// Claims a pending row until `until_ms`, so no other dispatcher sends
    /// it meanwhile, and counts the send attempt. Returns the attempts so far
    /// (this one included) when this caller got the row, `None` otherwise.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`]. The claim may have taken even so: the database
    /// committed it and the connection dropped before the answer came (a
    /// server stopped at that moment). The caller names the time, so that
    /// it can [`release`](Self::release) the claim it may hold.
    pub async fn claim(&self, id: i64, until_ms: i64) -> Result<Option<i32>, DbError> {
        Ok(self.claim_send(id, until_ms).await?.map(|c| c.attempts))
    }

    /// [`claim`](Self::claim), also counting the previous claim's send as an
    /// unknown outcome when that claim lapsed without a recorded outcome
    /// (its dispatcher died, or stalled past its lease, mid-send): a row
    /// whose outcome was recorded, or whose claim was given back, holds no
    /// claim.
    ///
    /// # Errors
    ///
    /// As [`claim`](Self::claim).
    pub async fn claim_send(&self, id: i64, until_ms: i64) -> Result<Option<SendClaim>, DbError> {
        let now = self.db.now_ms();
        // The claim counts the attempt: a send cut off by a crash (its
        // outcome unknown) is still an attempt. An UPDATE's right-hand
        // sides read the row as it was: the lapsed claim is still there.
        let lapsed = Expr::case(Expr::col(Messages::ClaimedUntilMs).is_not_null(), 1).finally(0);
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::ClaimedUntilMs, until_ms)
            .value(Messages::Attempts, Expr::col(Messages::Attempts).add(1))
            .value(
                Messages::UnknownOutcomes,
                Expr::col(Messages::UnknownOutcomes).add(lapsed),
            )
            .value(Messages::UpdatedAtMs, now)
            .and_where(Expr::col((Messages::Table, Messages::Id)).eq(id))
            .and_where(Expr::col((Messages::Table, Messages::Status)).eq(OutboundStatus::Pending))
            // Due now, and its customer's earlier replies all sent: the
            // claim decides, so a dispatcher acting on an older read (its
            // own, or another instance's) never sends early or out of order.
            .and_where(waiting(Messages::Table.into_iden(), now).not())
            .and_where(Expr::exists(earlier_unsent(None)).not())
            .returning(Query::returning().columns([Messages::Attempts, Messages::UnknownOutcomes]))
            .to_owned();
        match self.db.one(&update).await? {
            Some(row) => Ok(Some(SendClaim {
                attempts: row.try_get("", "attempts")?,
                unknown_outcomes: row.try_get("", "unknown_outcomes")?,
            })),
            None => Ok(None),
        }
    }

    /// Holds the claim of row `id` (made with `attempts`) for another
    /// `lease_ms` from now, while its send runs; `false` when the claim is
    /// no longer the caller's (its lease lapsed and another dispatcher
    /// claimed the row, or its outcome is recorded).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn renew(&self, id: i64, attempts: i32, lease_ms: i64) -> Result<bool, DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(
                Messages::ClaimedUntilMs,
                self.db.now_ms().saturating_add(lease_ms),
            )
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Status).eq(OutboundStatus::Pending))
            .and_where(Expr::col(Messages::ClaimedUntilMs).is_not_null())
            .and_where(Expr::col(Messages::Attempts).eq(attempts))
            .to_owned();
        Ok(self.db.exec(&update).await? == 1)
    }

    /// Gives back a claim of pending row `id` until `until_ms`, counting
    /// `attempts` (the row's count before the claim, plus one), that was
    /// not used (nothing was sent under it): the row is due again at once.
    /// Does nothing unless the row is still pending and held by exactly
    /// that claim, so a claim that never took, or another dispatcher's, is
    /// left alone.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn release(&self, id: i64, until_ms: i64, attempts: i32) -> Result<(), DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::ClaimedUntilMs, Option::<i64>::None)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Status).eq(OutboundStatus::Pending))
            .and_where(Expr::col(Messages::ClaimedUntilMs).eq(until_ms))
            .and_where(Expr::col(Messages::Attempts).eq(attempts))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }
}
