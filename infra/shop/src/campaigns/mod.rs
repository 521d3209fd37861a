//! Campaigns in the database: [`DbCampaignRepository`] (campaigns and
//! their frozen recipients), [`DbAudience`] (who matches an audience) and
//! [`DbDeliveryReports`] (what the message log says about the sends).
//! Consent is the customers' own record (`features::customers`).
//!
//! A recipient's row is keyed by campaign and number and never deleted; it
//! leaves `pending` once (the update is conditional on it).

mod audience;
mod delivery;
mod stored;

use features::campaigns::{
    Campaign, CampaignId, CampaignRepository, CampaignState, Recipient, RecipientCounts,
    RecipientRow, RecipientState,
};
use features::shared::{CustomerPhone, RepositoryError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

pub use self::audience::DbAudience;
pub use self::delivery::{
    CAMPAIGN_KEYS, DbDeliveryReports, campaign_key_prefix, campaign_outbox_key,
};
use crate::products::repo_error;
use crate::schema::{CampaignRecipients as Recipients, Campaigns};
use infra_sql::Database;
use infra_sql::messages::OutboxQueue;

/// Why a cancelled campaign's unsent message was never sent.
pub const CANCELLED_UNSENT: &str = "not sent: the campaign was cancelled";

/// How many recipients one insert statement freezes.
const FREEZE_CHUNK: usize = 500;

/// Campaigns and their recipients in the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbCampaignRepository {
    db: Database,
}

impl DbCampaignRepository {
    /// Campaigns in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

const COLUMNS: [Campaigns; 9] = [
    Campaigns::Id,
    Campaigns::Name,
    Campaigns::State,
    Campaigns::Audience,
    Campaigns::Message,
    Campaigns::StartAtMs,
    Campaigns::CreatedAtMs,
    Campaigns::StartedAtMs,
    Campaigns::FinishedAtMs,
];

fn campaign_of(row: &sea_orm::QueryResult) -> Result<(CampaignId, Campaign), RepositoryError> {
    let id = CampaignId::new(row.try_get("", "id").map_err(repo_error)?);
    let text = |c: &str| row.try_get::<String>("", c).map_err(repo_error);
    let ms = |c: &str| row.try_get::<Option<i64>>("", c).map_err(repo_error);
    let state = text("state")?;
    let state = CampaignState::parse(&state)
        .ok_or_else(|| RepositoryError::Corrupt(format!("campaign {id}: state {state:?}")))?;
    Ok((
        id,
        Campaign {
            name: text("name")?,
            state,
            audience: stored::audience(&text("audience")?)?,
            message: stored::message(&text("message")?)?,
            start_at_ms: ms("start_at_ms")?,
            created_at_ms: row.try_get("", "created_at_ms").map_err(repo_error)?,
            started_at_ms: ms("started_at_ms")?,
            finished_at_ms: ms("finished_at_ms")?,
        },
    ))
}

fn recipient_row(row: &sea_orm::QueryResult) -> Result<RecipientRow, RepositoryError> {
    let phone: String = row.try_get("", "phone").map_err(repo_error)?;
    let state: String = row.try_get("", "state").map_err(repo_error)?;
    Ok(RecipientRow {
        recipient: Recipient {
            phone: CustomerPhone::parse(&phone)
                .map_err(|e| RepositoryError::Corrupt(format!("recipient {phone:?}: {e}")))?,
            name: row.try_get("", "name").map_err(repo_error)?,
            last_order: row.try_get("", "last_order").map_err(repo_error)?,
        },
        state: RecipientState::parse(&state)
            .ok_or_else(|| RepositoryError::Corrupt(format!("recipient state {state:?}")))?,
        at_ms: row.try_get("", "at_ms").map_err(repo_error)?,
    })
}

impl CampaignRepository for DbCampaignRepository {
    async fn add(&self, campaign: &Campaign) -> Result<CampaignId, RepositoryError> {
        let now = self.db.now_ms();
        let insert = Query::insert()
            .into_table(Campaigns::Table)
            .columns(COLUMNS.into_iter().skip(1).chain([Campaigns::UpdatedAtMs]))
            .values([
                campaign.name.clone().into(),
                campaign.state.as_str().into(),
                stored::audience_json(&campaign.audience)?.into(),
                stored::message_json(&campaign.message)?.into(),
                campaign.start_at_ms.into(),
                campaign.created_at_ms.into(),
                campaign.started_at_ms.into(),
                campaign.finished_at_ms.into(),
                now.into(),
            ])
            .map_err(|e| RepositoryError::Corrupt(e.to_string()))?
            .returning_col(Campaigns::Id)
            .to_owned();
        let row = self
            .db
            .one(&insert)
            .await
            .map_err(repo_error)?
            .ok_or_else(|| RepositoryError::Corrupt("an insert returned no id".to_owned()))?;
        Ok(CampaignId::new(row.try_get("", "id").map_err(repo_error)?))
    }

    async fn get(&self, id: CampaignId) -> Result<Option<Campaign>, RepositoryError> {
        let select = Query::select()
            .columns(COLUMNS)
            .from(Campaigns::Table)
            .and_where(Expr::col(Campaigns::Id).eq(id.get()))
            .to_owned();
        let row = self.db.one(&select).await.map_err(repo_error)?;
        row.as_ref()
            .map(|r| campaign_of(r).map(|(_, c)| c))
            .transpose()
    }

    async fn save(
        &self,
        id: CampaignId,
        campaign: &Campaign,
        was: CampaignState,
    ) -> Result<bool, RepositoryError> {
        let update = Query::update()
            .table(Campaigns::Table)
            .value(Campaigns::Name, campaign.name.clone())
            .value(Campaigns::State, campaign.state.as_str())
            .value(
                Campaigns::Audience,
                stored::audience_json(&campaign.audience)?,
            )
            .value(Campaigns::Message, stored::message_json(&campaign.message)?)
            .value(Campaigns::StartAtMs, campaign.start_at_ms)
            .value(Campaigns::StartedAtMs, campaign.started_at_ms)
            .value(Campaigns::FinishedAtMs, campaign.finished_at_ms)
            .value(Campaigns::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Campaigns::Id).eq(id.get()))
            .and_where(Expr::col(Campaigns::State).eq(was.as_str()))
            .to_owned();
        Ok(self.db.exec(&update).await.map_err(repo_error)? == 1)
    }

    async fn withdraw_unsent(&self, id: CampaignId) -> Result<u64, RepositoryError> {
        OutboxQueue::new(self.db.clone())
            .withdraw_keyed(&campaign_key_prefix(id), CANCELLED_UNSENT)
            .await
            .map_err(repo_error)
    }

    async fn hold_running(&self, id: CampaignId) -> Result<bool, RepositoryError> {
        // An update locks the row (PostgreSQL) or the database (SQLite)
        // until the transaction ends: a pause waits for this batch.
        let touch = Query::update()
            .table(Campaigns::Table)
            .value(Campaigns::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Campaigns::Id).eq(id.get()))
            .and_where(Expr::col(Campaigns::State).eq(CampaignState::Running.as_str()))
            .to_owned();
        Ok(self.db.exec(&touch).await.map_err(repo_error)? == 1)
    }

    async fn list(
        &self,
        before: Option<CampaignId>,
        limit: u32,
    ) -> Result<Vec<(CampaignId, Campaign)>, RepositoryError> {
        let mut select = Query::select()
            .columns(COLUMNS)
            .from(Campaigns::Table)
            .order_by(Campaigns::Id, Order::Desc)
            .limit(u64::from(limit))
            .to_owned();
        if let Some(before) = before {
            select.and_where(Expr::col(Campaigns::Id).lt(before.get()));
        }
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(campaign_of).collect()
    }

    async fn due(&self, now_ms: i64) -> Result<Vec<CampaignId>, RepositoryError> {
        let select = Query::select()
            .column(Campaigns::Id)
            .from(Campaigns::Table)
            .and_where(Expr::col(Campaigns::State).eq(CampaignState::Scheduled.as_str()))
            .and_where(Expr::col(Campaigns::StartAtMs).lte(now_ms))
            .order_by(Campaigns::Id, Order::Asc)
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter()
            .map(|r| Ok(CampaignId::new(r.try_get("", "id").map_err(repo_error)?)))
            .collect()
    }

    async fn freeze(
        &self,
        id: CampaignId,
        recipients: &[Recipient],
    ) -> Result<u64, RepositoryError> {
        let mut new = 0;
        for chunk in recipients.chunks(FREEZE_CHUNK) {
            let mut insert = Query::insert()
                .into_table(Recipients::Table)
                .columns([
                    Recipients::CampaignId,
                    Recipients::Phone,
                    Recipients::Name,
                    Recipients::LastOrder,
                    Recipients::State,
                ])
                .on_conflict(
                    OnConflict::columns([Recipients::CampaignId, Recipients::Phone])
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned();
            for r in chunk {
                insert
                    .values([
                        id.get().into(),
                        r.phone.as_str().into(),
                        r.name.clone().into(),
                        r.last_order.clone().into(),
                        RecipientState::Pending.as_str().into(),
                    ])
                    .map_err(|e| RepositoryError::Corrupt(e.to_string()))?;
            }
            new += self.db.exec(&insert).await.map_err(repo_error)?;
        }
        Ok(new)
    }

    async fn pending(&self, id: CampaignId, limit: u32) -> Result<Vec<Recipient>, RepositoryError> {
        let rows = self
            .recipients(id, Some(RecipientState::Pending), None, limit)
            .await?;
        Ok(rows.into_iter().map(|r| r.recipient).collect())
    }

    async fn mark(
        &self,
        id: CampaignId,
        phone: &CustomerPhone,
        state: RecipientState,
        at_ms: i64,
    ) -> Result<bool, RepositoryError> {
        let update = Query::update()
            .table(Recipients::Table)
            .value(Recipients::State, state.as_str())
            .value(Recipients::AtMs, at_ms)
            .and_where(Expr::col(Recipients::CampaignId).eq(id.get()))
            .and_where(Expr::col(Recipients::Phone).eq(phone.as_str()))
            .and_where(Expr::col(Recipients::State).eq(RecipientState::Pending.as_str()))
            .to_owned();
        Ok(self.db.exec(&update).await.map_err(repo_error)? == 1)
    }

    async fn recipients(
        &self,
        id: CampaignId,
        state: Option<RecipientState>,
        after: Option<&CustomerPhone>,
        limit: u32,
    ) -> Result<Vec<RecipientRow>, RepositoryError> {
        let mut select = Query::select()
            .columns([
                Recipients::Phone,
                Recipients::Name,
                Recipients::LastOrder,
                Recipients::State,
                Recipients::AtMs,
            ])
            .from(Recipients::Table)
            .and_where(Expr::col(Recipients::CampaignId).eq(id.get()))
            .order_by(Recipients::Phone, Order::Asc)
            .limit(u64::from(limit))
            .to_owned();
        if let Some(state) = state {
            select.and_where(Expr::col(Recipients::State).eq(state.as_str()));
        }
        if let Some(after) = after {
            select.and_where(Expr::col(Recipients::Phone).gt(after.as_str()));
        }
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter().map(recipient_row).collect()
    }

    async fn counts(&self, id: CampaignId) -> Result<RecipientCounts, RepositoryError> {
        let select = Query::select()
            .column(Recipients::State)
            .expr_as(Expr::col(Recipients::Phone).count(), "n")
            .from(Recipients::Table)
            .and_where(Expr::col(Recipients::CampaignId).eq(id.get()))
            .group_by_col(Recipients::State)
            .to_owned();
        let mut counts = RecipientCounts::default();
        for row in self.db.all(&select).await.map_err(repo_error)? {
            let state: String = row.try_get("", "state").map_err(repo_error)?;
            let n: i64 = row.try_get("", "n").map_err(repo_error)?;
            let n = u64::try_from(n).unwrap_or(0);
            counts.total += n;
            match RecipientState::parse(&state) {
                Some(RecipientState::Pending) => counts.pending += n,
                Some(RecipientState::Sent) => counts.sent += n,
                Some(RecipientState::OptedOut) => counts.opted_out += n,
                Some(RecipientState::Unreachable) => counts.unreachable += n,
                None => {
                    return Err(RepositoryError::Corrupt(format!(
                        "recipient state {state:?}"
                    )));
                }
            }
        }
        Ok(counts)
    }
}
