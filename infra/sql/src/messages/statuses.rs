//! Delivery statuses: every report a provider sends about an outbound
//! message, kept in `delivery_statuses`, and applied to the message by rank
//! (forward only), whatever order the reports arrive in.

use framework::{DeliveryStatus, Pricing, StatusEvent};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query, SelectStatement};

use super::refused::{self, CAPPED_CODES, WINDOW_CODES};
use super::stored::{self, Direction, OutboundStatus};
use crate::schema::{DeliveryStatuses as Reports, MessagePricing as Priced, Messages};
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
            framework::DeliveryStatus::Failed(f) => Some(stored::failure_text(
                f.code.as_deref(),
                f.message.as_deref(),
            )),
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
        if let Some(pricing) = &event.pricing {
            self.keep_pricing(event, pricing).await?;
        }
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
            && let Some(code) = failure.code.as_deref()
        {
            let refused = Refused {
                provider: event.provider.as_str(),
                message_id: event.message_id.as_str(),
                code,
                reason: failure.message.as_deref(),
                recipient: event.recipient.as_ref().map(|r| r.as_str()),
            };
            self.follow_up(&refused, moved).await?;
        }
        Ok(moved)
    }

    /// Keeps what the message of `event` is billed as, once: its later
    /// reports repeat the same pricing and change nothing.
    async fn keep_pricing(&self, event: &StatusEvent, pricing: &Pricing) -> Result<(), DbError> {
        let insert = Query::insert()
            .into_table(Priced::Table)
            .columns([
                Priced::Provider,
                Priced::ProviderMessageId,
                Priced::Category,
                Priced::Model,
                Priced::Kind,
                Priced::Charged,
                Priced::ReceivedAtMs,
            ])
            .values([
                event.provider.as_str().into(),
                event.message_id.as_str().into(),
                pricing.category.clone().into(),
                pricing.model.clone().into(),
                pricing.kind.clone().into(),
                pricing.charged().into(),
                self.db.now_ms().into(),
            ])
            .map_err(|e| corrupt("message_pricing", e))?
            .on_conflict(
                OnConflict::columns([Priced::Provider, Priced::ProviderMessageId])
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        self.db.exec(&insert).await?;
        Ok(())
    }

    /// What a `failed` report sets off beyond the status (once, however
    /// often it is reported): the window's fallback, a capped marketing
    /// template put off a day, a stopped-marketing opt-out. `moved` says
    /// whether this report failed the message (and is counted).
    async fn follow_up(&self, refused: &Refused<'_>, moved: bool) -> Result<(), DbError> {
        let this_message = |select: &mut SelectStatement| {
            select
                .and_where(Expr::col(Messages::Provider).eq(refused.provider))
                .and_where(Expr::col(Messages::ProviderMessageId).eq(refused.message_id));
        };
        if WINDOW_CODES.contains(&refused.code) {
            // Accepted, then refused for the 24-hour window: the template
            // it carries goes instead.
            let fallback = refused::enqueue_fallback(&self.db, this_message).await?;
            if moved {
                metrics::counter!(
                    "campanile_outbound_window_failures_total",
                    "provider" => refused.provider.to_owned(),
                    "fallback" => if fallback { "template" } else { "none" },
                )
                .increment(1);
            }
        } else if CAPPED_CODES.contains(&refused.code) {
            let capped = refused::defer_capped(&self.db, refused.code, this_message).await?;
            if moved {
                tracing::info!(
                    provider = refused.provider,
                    code = refused.code,
                    outcome = capped.as_str(),
                    "WhatsApp capped a marketing template for this customer"
                );
                metrics::counter!(
                    "campanile_marketing_capped_total",
                    "provider" => refused.provider.to_owned(),
                    "outcome" => capped.as_str(),
                )
                .increment(1);
            }
        } else if refused.code == crate::consent::STOPPED_MARKETING {
            self.stopped_marketing(refused).await?;
        }
        Ok(())
    }

    /// The customer of the message `refused` reports on stopped marketing
    /// messages: recorded, so no campaign reaches them again.
    async fn stopped_marketing(&self, refused: &Refused<'_>) -> Result<(), DbError> {
        let select = Query::select()
            .column(Messages::Customer)
            .from(Messages::Table)
            .and_where(Expr::col(Messages::Direction).eq(Direction::Out))
            .and_where(Expr::col(Messages::Provider).eq(refused.provider))
            .and_where(Expr::col(Messages::ProviderMessageId).eq(refused.message_id))
            .limit(1)
            .to_owned();
        let customer: Option<String> = match self.db.one(&select).await? {
            Some(row) => Some(row.try_get("", "customer")?),
            None => refused.recipient.map(str::to_owned),
        };
        if let Some(customer) = customer {
            let reason = stored::failure_text(
                Some(crate::consent::STOPPED_MARKETING),
                Some(refused.reason.unwrap_or("user stopped marketing messages")),
            );
            if crate::consent::MarketingOptOuts::new(self.db.clone())
                .opt_out(&customer, &reason)
                .await?
            {
                tracing::info!(
                    provider = refused.provider,
                    "a customer stopped marketing messages; no campaign reaches them again"
                );
                metrics::counter!("campanile_marketing_opt_outs_total", "provider" => refused.provider.to_owned()).increment(1);
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
                let provider: String = r.try_get("", "provider").ok()?;
                Some((status.rank()?, status, error, provider))
            })
            .max_by_key(|(r, _, _, _)| *r);
        let Some((_, status, error, provider)) = best else {
            return Ok(());
        };
        let moved = self.advance_by_id(id, status, error.as_deref()).await?;
        // A failure reported before the send returned sets off what it
        // would have set off after: the stored error is "code: message".
        if status == OutboundStatus::Failed
            && let Some((code, reason)) = error.as_deref().and_then(stored::failure_code)
        {
            let refused = Refused {
                provider: &provider,
                message_id: provider_message_id,
                code,
                reason: Some(reason).filter(|r| !r.is_empty()),
                recipient: None,
            };
            self.follow_up(&refused, moved).await?;
        }
        Ok(())
    }

    async fn advance_by_id(
        &self,
        id: i64,
        status: OutboundStatus,
        error: Option<&str>,
    ) -> Result<bool, DbError> {
        let update = Query::update()
            .table(Messages::Table)
            .value(Messages::Status, status)
            .value(Messages::Error, error.map(str::to_owned))
            .value(Messages::UpdatedAtMs, self.db.now_ms())
            .and_where(Expr::col(Messages::Id).eq(id))
            .and_where(Expr::col(Messages::Status).is_in(status.ranked_below()))
            .to_owned();
        Ok(self.db.exec(&update).await? > 0)
    }
}

/// A `failed` report with a provider error code, for its follow-ups.
struct Refused<'a> {
    provider: &'a str,
    /// The provider's id of the refused message.
    message_id: &'a str,
    code: &'a str,
    reason: Option<&'a str>,
    /// The customer as the report names them, if it does.
    recipient: Option<&'a str>,
}
