//! Delivery statuses: every report a provider sends about an outbound
//! message, kept in `delivery_statuses`, and applied to the message by rank
//! (forward only), whatever order the reports arrive in.

use framework::StatusEvent;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::db::schema::{DeliveryStatuses as Reports, Messages};
use crate::db::{Database, DbError, corrupt};

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
                status.into(),
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
