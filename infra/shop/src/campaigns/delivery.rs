//! [`DbDeliveryReports`]: a campaign's delivery metrics, read from the
//! message log: its sends (outbound rows keyed `campaign:{id}:{number}`,
//! with their window fallbacks and capped retries) and every status report
//! the providers sent about them (`delivery_statuses`, kept as they came).
//!
//! Each recipient counts once per stage, however many reports came and in
//! whatever order: delivered when any report said `delivered` or `read`,
//! read when any said `read`; failed (by the provider's code) or unknown
//! when their last send ended so and nothing was delivered; deferred while
//! their last send is a capped template's retry waiting for its day.

use std::collections::BTreeMap;

use features::campaigns::{BilledSend, CampaignId, DeliveryCounts, DeliveryReports};
use features::shared::{CustomerPhone, RepositoryError};
use infra_sql::Database;
use infra_sql::schema::{DeliveryStatuses as Reports, MessagePricing as Priced, Messages};

use crate::schema::MarketingOptOuts as OptOuts;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query, SelectStatement};

use crate::products::repo_error;

/// How long after a campaign message a customer's message counts as a
/// reply to it.
const REPLY_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// What the outbox keys of every campaign's messages start with.
pub const CAMPAIGN_KEYS: &str = "campaign:";

/// The key campaign `id`'s messages are stored under in the outbox: the
/// `Sender` keeps each recipient's as `{key}:{number}`, for good, so it is
/// stored (and sent) once.
#[must_use]
pub fn campaign_outbox_key(id: CampaignId) -> String {
    format!("{CAMPAIGN_KEYS}{id}")
}

/// What every outbox key of campaign `id`'s messages starts with.
#[must_use]
pub fn campaign_key_prefix(id: CampaignId) -> String {
    format!("{}:", campaign_outbox_key(id))
}

/// Delivery metrics from the message log; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbDeliveryReports {
    db: Database,
}

impl DbDeliveryReports {
    /// The message log in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// `EXISTS` a report about the outbound row `m` with one of `statuses`.
fn reported(statuses: &[&str]) -> SelectStatement {
    let d = Alias::new("d");
    let m = Alias::new("m");
    Query::select()
        .expr(Expr::val(1))
        .from_as(Reports::Table, d.clone())
        .and_where(
            Expr::col((d.clone(), Reports::Provider)).equals((m.clone(), Messages::Provider)),
        )
        .and_where(
            Expr::col((d.clone(), Reports::ProviderMessageId))
                .equals((m, Messages::ProviderMessageId)),
        )
        .and_where(Expr::col((d, Reports::Status)).is_in(statuses.iter().copied()))
        .to_owned()
}

/// `EXISTS` an opt-out of marketing by the customer of the outbound row
/// `m` recorded at or after it (an opt-in deletes the record), by the
/// customer or the operator: a provider's (Meta 131050) arrives as the
/// failure of that very message, the customer having stopped marketing
/// before it.
fn opted_out_after(m: &Alias) -> SelectStatement {
    let o = Alias::new("o");
    Query::select()
        .expr(Expr::val(1))
        .from_as(OptOuts::Table, o.clone())
        .and_where(Expr::col((o.clone(), OptOuts::Phone)).equals((m.clone(), Messages::Customer)))
        .and_where(Expr::col((o.clone(), OptOuts::Source)).ne("provider"))
        .and_where(Expr::col((o, OptOuts::AtMs)).gte(Expr::col((m.clone(), Messages::CreatedAtMs))))
        .to_owned()
}

/// A boolean column of `row`: PostgreSQL's `bool`, SQLite's integer.
fn flag(row: &sea_orm::QueryResult, column: &str) -> Result<bool, RepositoryError> {
    row.try_get::<bool>("", column)
        .or_else(|_| row.try_get::<i32>("", column).map(|n| n != 0))
        .map_err(repo_error)
}

/// One recipient's sends, folded.
#[derive(Debug, Default)]
struct Fold {
    sent: bool,
    delivered: bool,
    read: bool,
    replied: bool,
    opted_out: bool,
    /// The last send's status and error, and whether it is put off.
    last: Option<(String, Option<String>, bool)>,
}

impl DeliveryReports for DbDeliveryReports {
    async fn delivery(&self, id: CampaignId) -> Result<DeliveryCounts, RepositoryError> {
        let m = Alias::new("m");
        let i = Alias::new("i");
        let col = |c: Messages| Expr::col((m.clone(), c));
        let replied = Query::select()
            .expr(Expr::val(1))
            .from_as(Messages::Table, i.clone())
            .and_where(Expr::col((i.clone(), Messages::Direction)).eq("in"))
            .and_where(
                Expr::col((i.clone(), Messages::Customer)).equals((m.clone(), Messages::Customer)),
            )
            .and_where(Expr::col((i.clone(), Messages::CreatedAtMs)).gt(col(Messages::CreatedAtMs)))
            .and_where(
                Expr::col((i, Messages::CreatedAtMs))
                    .lte(col(Messages::CreatedAtMs).add(REPLY_WINDOW_MS)),
            )
            .to_owned();
        let select = Query::select()
            .expr_as(col(Messages::Customer), "customer")
            .expr_as(col(Messages::Status), "status")
            .expr_as(col(Messages::Error), "error")
            .expr_as(col(Messages::ProviderMessageId), "provider_message_id")
            .expr_as(col(Messages::NotBeforeMs), "not_before_ms")
            .expr_as(Expr::exists(reported(&["delivered", "read"])), "delivered")
            .expr_as(Expr::exists(reported(&["read"])), "was_read")
            .expr_as(Expr::exists(replied), "replied")
            .expr_as(Expr::exists(opted_out_after(&m)), "opted_out")
            .from_as(Messages::Table, m.clone())
            .and_where(col(Messages::Direction).eq("out"))
            .and_where(col(Messages::InReplyTo).like(format!("{}%", campaign_key_prefix(id))))
            .order_by((m, Messages::Id), Order::Asc)
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        let mut by_recipient: BTreeMap<String, Fold> = BTreeMap::new();
        for row in rows {
            // A recipient's sends: the first, its window fallback, its
            // capped retry.
            let customer: String = row.try_get("", "customer").map_err(repo_error)?;
            let fold = by_recipient.entry(customer).or_default();
            let status: String = row.try_get("", "status").map_err(repo_error)?;
            let error: Option<String> = row.try_get("", "error").map_err(repo_error)?;
            let accepted: Option<String> =
                row.try_get("", "provider_message_id").map_err(repo_error)?;
            fold.sent |= accepted.is_some();
            fold.delivered |= flag(&row, "delivered")?;
            fold.read |= flag(&row, "was_read")?;
            fold.replied |= flag(&row, "replied")?;
            fold.opted_out |= flag(&row, "opted_out")?;
            let put_off: Option<i64> = row.try_get("", "not_before_ms").map_err(repo_error)?;
            fold.last = Some((status, error, put_off.is_some()));
        }
        let mut counts = DeliveryCounts::default();
        for fold in by_recipient.values() {
            counts.sent += u64::from(fold.sent);
            counts.delivered += u64::from(fold.delivered || fold.read);
            counts.read += u64::from(fold.read);
            counts.replied += u64::from(fold.replied);
            counts.opted_out += u64::from(fold.opted_out);
            let Some((status, error, put_off)) = &fold.last else {
                continue;
            };
            match status.as_str() {
                "pending" if *put_off => counts.deferred += 1,
                "pending" => counts.queued += 1,
                "unknown" if !fold.delivered => counts.unknown += 1,
                "failed" if error.as_deref() == Some(super::CANCELLED_UNSENT) => {
                    counts.withdrawn += 1;
                }
                // Opted out after their message was stored: counted so (a
                // provider's 131050 is not counted above; this row is).
                "failed" if error.as_deref() == Some(infra_sql::consent::OPTED_OUT_UNSENT) => {
                    counts.opted_out += u64::from(!fold.opted_out);
                }
                "failed" if !fold.delivered && !fold.read => {
                    let code = error
                        .as_deref()
                        .and_then(infra_sql::messages::failure_code)
                        .map_or("unknown", |(code, _)| code);
                    *counts.failed.entry(code.to_owned()).or_default() += 1;
                }
                _ => {}
            }
        }
        Ok(counts)
    }

    async fn billed(&self, id: CampaignId) -> Result<Vec<BilledSend>, RepositoryError> {
        let m = Alias::new("m");
        let p = Alias::new("m_p");
        let col = |c: Messages| Expr::col((m.clone(), c));
        let select = Query::select()
            .expr_as(col(Messages::Customer), "customer")
            .expr_as(Expr::col((p.clone(), Priced::Category)), "category")
            .expr_as(Expr::col((p.clone(), Priced::Charged)), "charged")
            .from_as(Messages::Table, m.clone())
            .join_as(
                JoinType::InnerJoin,
                Priced::Table,
                p.clone(),
                Expr::col((p.clone(), Priced::Provider))
                    .equals((m.clone(), Messages::Provider))
                    .and(
                        Expr::col((p, Priced::ProviderMessageId))
                            .equals((m.clone(), Messages::ProviderMessageId)),
                    ),
            )
            .and_where(col(Messages::Direction).eq("out"))
            .and_where(col(Messages::InReplyTo).like(format!("{}%", campaign_key_prefix(id))))
            // Booked on delivery, as WhatsApp charges.
            .and_where(Expr::exists(reported(&["delivered", "read"])))
            .order_by((m, Messages::Id), Order::Asc)
            .to_owned();
        let rows = self.db.all(&select).await.map_err(repo_error)?;
        rows.iter()
            .map(|row| {
                let customer: String = row.try_get("", "customer").map_err(repo_error)?;
                Ok(BilledSend {
                    phone: CustomerPhone::parse(&customer).map_err(|e| {
                        RepositoryError::Corrupt(format!("messages.customer `{customer}`: {e}"))
                    })?,
                    category: row.try_get("", "category").map_err(repo_error)?,
                    charged: flag(row, "charged")?,
                })
            })
            .collect()
    }
}
