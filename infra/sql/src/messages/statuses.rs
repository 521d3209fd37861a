//! Delivery statuses: every report a provider sends about an outbound
//! message, kept in `delivery_statuses`, and applied to the message by rank
//! (forward only), whatever order the reports arrive in.

use framework::{DeliveryStatus, StatusEvent};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use super::stored::{self, Direction, OutboundStatus};
use crate::schema::{DeliveryStatuses as Reports, Messages};
use crate::{Database, DbError, corrupt};

/// The status a report moves a message to; `None` for a report this
/// version does not rank (it is kept, and moves nothing).
fn reported(status: &DeliveryStatus) -> Option<OutboundStatus> {
    match status {
        DeliveryStatus::Queued => Some(OutboundStatus::Queued),
        DeliveryStatus::Sent => Some(OutboundStatus::Sent),
        DeliveryStatus::Delivered => Some(OutboundStatus::Delivered),
        DeliveryStatus::Read => Some(OutboundStatus::Read),
        DeliveryStatus::Failed(_) => Some(OutboundStatus::Failed),
        _ => None,
    }
}

/// The providers' delivery reports and the statuses they move; cheap to
/// clone. See the [module docs](super) for the roles.
#[derive(Debug, Clone)]
pub struct DeliveryStatuses {
    db: Database,
}

impl DeliveryStatuses {
    /// The delivery statuses in `db`'s message log.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The database the log is in.
    #[must_use]
    pub fn database(&self) -> &Database {
        &self.db
    }

    /// Records a provider's delivery report and moves the message forward
    /// when the report ranks higher than what is stored. Returns whether a
    /// stored message moved.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn record(&self, event: &StatusEvent) -> Result<bool, DbError> {
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
            .into_table(Reports::Table)
            .columns([
                Reports::Provider,
                Reports::ProviderMessageId,
                Reports::Status,
                Reports::Error,
                Reports::ReceivedAtMs,
            ])
            .values([
                event.provider.as_str().into(),
                event.message_id.as_str().into(),
                // As reported, ranked or not.
                event.status.as_str().into(),
                error.clone().into(),
                self.db.now_ms().into(),
            ])
            .map_err(|e| corrupt("delivery_statuses", e))?
            .on_conflict(
                OnConflict::columns([
                    Reports::Provider,
                    Reports::ProviderMessageId,
                    Reports::Status,
                ])
                .do_nothing()
                .to_owned(),
            )
            .to_owned();
        self.db.exec(&insert).await?;
        let Some(status) = reported(&event.status) else {
            return Ok(false);
        };
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, status)
            .value(Messages::Error, error)
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Direction).eq(Direction::Out))
            .and_where(Expr::col(Messages::Provider).eq(event.provider.as_str()))
            .and_where(Expr::col(Messages::ProviderMessageId).eq(event.message_id.as_str()))
            .and_where(Expr::col(Messages::Status).is_in(status.ranked_below()))
            .to_owned();
        let moved = self.db.exec(&update).await? > 0;
        if let framework::DeliveryStatus::Failed(failure) = &event.status
            && failure
                .code
                .as_deref()
                .is_some_and(|c| super::fallback::WINDOW_CODES.contains(&c))
        {
            // Accepted, then refused for the 24-hour window: the template
            // it carries goes instead (once, however often this is reported).
            let fallback = super::fallback::enqueue_fallback(&self.db, |select| {
                select
                    .and_where(Expr::col(Messages::Provider).eq(event.provider.as_str()))
                    .and_where(
                        Expr::col(Messages::ProviderMessageId).eq(event.message_id.as_str()),
                    );
            })
            .await?;
            if moved {
                metrics::counter!(
                    "campanile_outbound_window_failures_total",
                    "provider" => event.provider.as_str(),
                    "fallback" => if fallback { "template" } else { "none" },
                )
                .increment(1);
            }
        }
        if let framework::DeliveryStatus::Failed(failure) = &event.status
            && failure.code.as_deref() == Some(crate::consent::STOPPED_MARKETING)
        {
            self.stopped_marketing(event, failure).await?;
        }
        Ok(moved)
    }

    /// The customer of the message `event` reports on stopped marketing
    /// messages: recorded, so no campaign reaches them again.
    async fn stopped_marketing(
        &self,
        event: &StatusEvent,
        failure: &framework::DeliveryFailure,
    ) -> Result<(), DbError> {
        let select = Query::select()
            .column(Messages::Customer)
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq(Direction::Out))
            .and_where(Expr::col(Messages::Provider).eq(event.provider.as_str()))
            .and_where(Expr::col(Messages::ProviderMessageId).eq(event.message_id.as_str()))
            .limit(1)
            .to_owned();
        let customer: Option<String> = match self.db.one(&select).await? {
            Some(row) => Some(row.try_get("", "customer")?),
            None => event.recipient.as_ref().map(|r| r.as_str().to_owned()),
        };
        if let Some(customer) = customer {
            let reason = format!(
                "{}: {}",
                crate::consent::STOPPED_MARKETING,
                failure
                    .message
                    .as_deref()
                    .unwrap_or("user stopped marketing messages")
            );
            if crate::consent::MarketingOptOuts::new(self.db.clone())
                .opt_out(&customer, &reason)
                .await?
            {
                tracing::info!(
                    provider = event.provider.as_str(),
                    "a customer stopped marketing messages; no campaign reaches them again"
                );
                metrics::counter!("campanile_marketing_opt_outs_total", "provider" => event.provider.as_str()).increment(1);
            }
        }
        Ok(())
    }

    /// Applies to row `id`, just accepted as `provider_message_id`, the
    /// highest-ranked report that arrived before the send returned.
    pub(super) async fn apply_early(
        &self,
        id: i64,
        provider_message_id: &str,
    ) -> Result<(), DbError> {
        let select = Query::select()
            .columns([Reports::Provider, Reports::Status, Reports::Error])
            .from(Reports::Table)
            .and_where(Expr::col(Reports::ProviderMessageId).eq(provider_message_id))
            .to_owned();
        let early = self.db.all(&select).await?;
        let best = early
            .iter()
            .filter_map(|r| {
                // A report this version does not rank moves nothing, as in
                // `record`: skipped, not an error.
                let status: String = r.try_get("", "status").ok()?;
                let status = stored::parse::<OutboundStatus>(&status, "delivery_statuses").ok()?;
                let error: Option<String> = r.try_get("", "error").ok()?;
                Some((status.rank()?, status, error))
            })
            .max_by_key(|(r, _, _)| *r);
        if let Some((_, status, error)) = best {
            self.advance_by_id(id, status, error.as_deref()).await?;
        }
        Ok(())
    }

    async fn advance_by_id(
        &self,
        id: i64,
        status: OutboundStatus,
        error: Option<&str>,
    ) -> Result<(), DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, status)
            .value(Messages::Error, error.map(str::to_owned))
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Status).is_in(status.ranked_below()))
            .to_owned();
        self.db.exec(&update).await?;
        Ok(())
    }
}
