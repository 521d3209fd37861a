//! [`DbHandoffRepository`]: customers' handoffs to a person (`handoffs`,
//! made by `m0016_handoffs`), shared by every bot instance.
//!
//! Every write is one statement that decides on the stored row, so
//! instances racing each other cannot break the rules: opening is an
//! insert that does nothing when the partial unique index `handoffs_open`
//! (one row per customer without `released_at_ms`) already holds an open
//! handoff; replies and releases are updates conditional on the row's
//! state, returning the rows they changed. None fails on purpose (no
//! unique violation caught), so inside a turn's
//! [`UnitOfWork`](infra_sql::UnitOfWork) on PostgreSQL no statement aborts
//! the turn's transaction, and what a turn did to a handoff commits with
//! its reply, or not at all.

use anyhow::anyhow;
use features::handoff::{
    Handoff, HandoffFilter, HandoffId, HandoffReason, HandoffRepository, HandoffStatus, Opened,
    ReleaseReason, ReplyNoted,
};
use features::shared::{CustomerPhone, RepositoryError};
use infra_sql::Database;
use sea_orm::sea_query::{
    Expr, ExprTrait as _, OnConflict, Order, Query, ReturningClause, SimpleExpr,
};
use sea_orm::{DeriveIden, QueryResult};

use crate::products::repo_error;

/// The `handoffs` table as this repository names it (m0016).
#[derive(DeriveIden, Debug, Clone, Copy)]
enum Handoffs {
    Table,
    Id,
    Phone,
    /// `waiting`, `active`, `released`.
    Status,
    /// `customer_asked`, `offered`.
    Reason,
    /// An offered handoff's question.
    Question,
    OpenedAtMs,
    LastCustomerAtMs,
    LastOperatorAtMs,
    Operator,
    /// `by_operator`, `idle`, `by_customer`; NULL while open.
    ReleaseReason,
    ReleasedAtMs,
}

const COLUMNS: [Handoffs; 11] = [
    Handoffs::Id,
    Handoffs::Phone,
    Handoffs::Status,
    Handoffs::Reason,
    Handoffs::Question,
    Handoffs::OpenedAtMs,
    Handoffs::LastCustomerAtMs,
    Handoffs::LastOperatorAtMs,
    Handoffs::Operator,
    Handoffs::ReleaseReason,
    Handoffs::ReleasedAtMs,
];

/// How many times [`DbHandoffRepository::open`] tries when the open
/// handoff it ran into is released before it can read it.
const OPEN_ATTEMPTS: usize = 3;

/// Customers' handoffs in the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbHandoffRepository {
    db: Database,
}

impl DbHandoffRepository {
    /// Handoffs in `db`. Inside a [`UnitOfWork`](infra_sql::UnitOfWork) on
    /// the same pool, every statement joins its transaction.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

fn corrupt(id: i64, what: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Corrupt(format!("handoff {id}: {what}"))
}

fn returning() -> ReturningClause {
    Query::returning().columns(COLUMNS)
}

/// The row is open: not released.
fn open() -> SimpleExpr {
    Expr::col(Handoffs::ReleasedAtMs).is_null()
}

fn handoff_of(row: &QueryResult) -> Result<Handoff, RepositoryError> {
    let id: i64 = row.try_get("", "id").map_err(repo_error)?;
    let text = |c: &str| row.try_get::<String>("", c).map_err(repo_error);
    let text_null = |c: &str| row.try_get::<Option<String>>("", c).map_err(repo_error);
    let big = |c: &str| row.try_get::<i64>("", c).map_err(repo_error);
    let big_null = |c: &str| row.try_get::<Option<i64>>("", c).map_err(repo_error);

    let phone = text("phone")?;
    let customer =
        // (The stored text is not repeated: it may be a phone number.)
        CustomerPhone::parse(&phone).map_err(|_| corrupt(id, "its phone is not a number"))?;
    let kind = text("reason")?;
    let reason = HandoffReason::parse(&kind, text_null("question")?)
        .ok_or_else(|| corrupt(id, format!("reason {kind:?}")))?;
    let released_at_ms = big_null("released_at_ms")?;
    let status = match (text("status")?.as_str(), text_null("release_reason")?) {
        ("waiting", None) if released_at_ms.is_none() => HandoffStatus::Waiting,
        ("active", None) if released_at_ms.is_none() => HandoffStatus::Active,
        ("released", Some(why)) if released_at_ms.is_some() => HandoffStatus::Released {
            reason: ReleaseReason::parse(&why)
                .ok_or_else(|| corrupt(id, format!("release reason {why:?}")))?,
        },
        (status, why) => {
            return Err(corrupt(
                id,
                format!(
                    "status {status:?}, release reason {why:?}, released at {released_at_ms:?}"
                ),
            ));
        }
    };
    Ok(Handoff {
        id: HandoffId::new(id),
        customer,
        status,
        reason,
        opened_at_ms: big("opened_at_ms")?,
        last_customer_at_ms: big("last_customer_at_ms")?,
        last_operator_at_ms: big_null("last_operator_at_ms")?,
        operator: text_null("operator")?,
        released_at_ms,
    })
}

impl DbHandoffRepository {
    /// Runs an update of at most one row returning it.
    async fn update_one(
        &self,
        update: &sea_orm::sea_query::UpdateStatement,
    ) -> Result<Option<Handoff>, RepositoryError> {
        let row = self.db.one(update).await.map_err(repo_error)?;
        row.as_ref().map(handoff_of).transpose()
    }
}

impl HandoffRepository for DbHandoffRepository {
    async fn open(
        &self,
        customer: &CustomerPhone,
        reason: &HandoffReason,
        at_ms: i64,
    ) -> Result<Opened, RepositoryError> {
        let insert = Query::insert()
            .into_table(Handoffs::Table)
            .columns([
                Handoffs::Phone,
                Handoffs::Status,
                Handoffs::Reason,
                Handoffs::Question,
                Handoffs::OpenedAtMs,
                Handoffs::LastCustomerAtMs,
            ])
            .values([
                customer.as_str().into(),
                HandoffStatus::Waiting.kind().into(),
                reason.kind().into(),
                reason.question().map(str::to_owned).into(),
                at_ms.into(),
                at_ms.into(),
            ])
            .map_err(|e| RepositoryError::Corrupt(e.to_string()))?
            // The partial unique index `handoffs_open`: an open handoff of
            // the customer's, committed or being inserted by another
            // instance (waited for), makes this insert nothing.
            .on_conflict(
                OnConflict::column(Handoffs::Phone)
                    .target_and_where(open())
                    .do_nothing()
                    .to_owned(),
            )
            .returning(returning())
            .to_owned();
        for _ in 0..OPEN_ATTEMPTS {
            if let Some(row) = self.db.one(&insert).await.map_err(repo_error)? {
                return Ok(Opened::New(handoff_of(&row)?));
            }
            if let Some(open) = self.open_for(customer).await? {
                return Ok(Opened::AlreadyOpen(open));
            }
            // Released between the two statements: open one now.
        }
        // (No phone number in an error: errors are logged.)
        Err(RepositoryError::Backend(anyhow!(
            "a customer's handoff was released each time it was opened"
        )))
    }

    async fn open_for(&self, customer: &CustomerPhone) -> Result<Option<Handoff>, RepositoryError> {
        // Both conditions of the partial unique index: it serves the read.
        let select = Query::select()
            .columns(COLUMNS)
            .from(Handoffs::Table)
            .and_where(Expr::col(Handoffs::Phone).eq(customer.as_str()))
            .and_where(open())
            .to_owned();
        let row = self.db.one(&select).await.map_err(repo_error)?;
        row.as_ref().map(handoff_of).transpose()
    }

    async fn customer_wrote(
        &self,
        customer: &CustomerPhone,
        at_ms: i64,
    ) -> Result<bool, RepositoryError> {
        let update = Query::update()
            .table(Handoffs::Table)
            .value(Handoffs::LastCustomerAtMs, at_ms)
            .and_where(Expr::col(Handoffs::Phone).eq(customer.as_str()))
            .and_where(open())
            .to_owned();
        Ok(self.db.exec(&update).await.map_err(repo_error)? > 0)
    }

    async fn operator_replied(
        &self,
        customer: &CustomerPhone,
        operator: &str,
        at_ms: i64,
    ) -> Result<ReplyNoted, RepositoryError> {
        // Each update re-checks the status on the row it changes: of two
        // replies at once, one activates and the other continues.
        for (from, noted) in [
            (
                HandoffStatus::Waiting,
                ReplyNoted::Activated as fn(Handoff) -> ReplyNoted,
            ),
            (HandoffStatus::Active, ReplyNoted::Continued),
        ] {
            let update = Query::update()
                .table(Handoffs::Table)
                .value(Handoffs::Status, HandoffStatus::Active.kind())
                .value(Handoffs::LastOperatorAtMs, at_ms)
                .value(Handoffs::Operator, operator)
                .and_where(Expr::col(Handoffs::Phone).eq(customer.as_str()))
                .and_where(open())
                .and_where(Expr::col(Handoffs::Status).eq(from.kind()))
                .returning(returning())
                .to_owned();
            if let Some(handoff) = self.update_one(&update).await? {
                return Ok(noted(handoff));
            }
        }
        Ok(ReplyNoted::NotOpen)
    }

    async fn release(
        &self,
        customer: &CustomerPhone,
        reason: ReleaseReason,
        at_ms: i64,
    ) -> Result<Option<Handoff>, RepositoryError> {
        let update = Query::update()
            .table(Handoffs::Table)
            .value(Handoffs::Status, HandoffStatus::Released { reason }.kind())
            .value(Handoffs::ReleaseReason, reason.as_str())
            .value(Handoffs::ReleasedAtMs, at_ms)
            .and_where(Expr::col(Handoffs::Phone).eq(customer.as_str()))
            .and_where(open())
            .returning(returning())
            .to_owned();
        self.update_one(&update).await
    }

    async fn release_idle(
        &self,
        cutoff_ms: i64,
        at_ms: i64,
    ) -> Result<Vec<Handoff>, RepositoryError> {
        let reason = ReleaseReason::Idle;
        let update = Query::update()
            .table(Handoffs::Table)
            .value(Handoffs::Status, HandoffStatus::Released { reason }.kind())
            .value(Handoffs::ReleaseReason, reason.as_str())
            .value(Handoffs::ReleasedAtMs, at_ms)
            .and_where(open())
            .and_where(Expr::col(Handoffs::OpenedAtMs).lt(cutoff_ms))
            .and_where(Expr::col(Handoffs::LastCustomerAtMs).lt(cutoff_ms))
            .and_where(
                Expr::col(Handoffs::LastOperatorAtMs)
                    .is_null()
                    .or(Expr::col(Handoffs::LastOperatorAtMs).lt(cutoff_ms)),
            )
            .returning(returning())
            .to_owned();
        let rows = self.db.all(&update).await.map_err(repo_error)?;
        let mut released = rows.iter().map(handoff_of).collect::<Result<Vec<_>, _>>()?;
        released.sort_by_key(|h| h.id);
        Ok(released)
    }

    async fn list(
        &self,
        filter: HandoffFilter,
        after: Option<HandoffId>,
        limit: u32,
    ) -> Result<Vec<Handoff>, RepositoryError> {
        let mut select = Query::select()
            .columns(COLUMNS)
            .from(Handoffs::Table)
            .order_by(Handoffs::Id, Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        let statuses: &[HandoffStatus] = match filter {
            HandoffFilter::Open => &[HandoffStatus::Waiting, HandoffStatus::Active],
            HandoffFilter::Waiting => &[HandoffStatus::Waiting],
            HandoffFilter::Active => &[HandoffStatus::Active],
            HandoffFilter::All => &[],
        };
        if !statuses.is_empty() {
            select.and_where(Expr::col(Handoffs::Status).is_in(statuses.iter().map(|s| s.kind())));
        }
        if let Some(after) = after {
            select.and_where(Expr::col(Handoffs::Id).gt(after.get()));
        }
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(handoff_of).collect()
    }

    async fn history(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> Result<Vec<Handoff>, RepositoryError> {
        let select = Query::select()
            .columns(COLUMNS)
            .from(Handoffs::Table)
            .and_where(Expr::col(Handoffs::Phone).eq(customer.as_str()))
            .order_by(Handoffs::Id, Order::Desc)
            .limit(u64::from(limit))
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(handoff_of).collect()
    }
}
