//! [`DbReminderRepository`]: reminders and the customers who said "stop
//! reminders". A reminder leaves `scheduled` once: the status update is
//! conditional on it, so two workers cannot both send it.

use features::invoices::InvoiceNumber;
use features::reminders::{Reminder, ReminderId, ReminderKind, ReminderRepository, ReminderStatus};
use features::shared::{CustomerPhone, RepositoryError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::products::repo_error;
use crate::schema::{ReminderOptOuts, Reminders};
use infra_sql::Database;

/// A reminder's columns, as stored and read.
const COLUMNS: [Reminders; 8] = [
    Reminders::CustomerPhone,
    Reminders::Kind,
    Reminders::InvoiceSeq,
    Reminders::Body,
    Reminders::DueAtMs,
    Reminders::Status,
    Reminders::SentAtMs,
    Reminders::CancelReason,
];

/// Reminders in the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct DbReminderRepository {
    db: Database,
}

impl DbReminderRepository {
    /// Reminders in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

fn status_columns(reminder: &Reminder) -> (&'static str, Option<i64>, Option<String>) {
    match reminder.status() {
        ReminderStatus::Scheduled => ("scheduled", None, None),
        ReminderStatus::Sent(at) => ("sent", Some(*at), None),
        ReminderStatus::Cancelled(reason) => ("cancelled", None, Some(reason.clone())),
    }
}

impl ReminderRepository for DbReminderRepository {
    async fn add(&self, reminder: &Reminder) -> Result<ReminderId, RepositoryError> {
        let (kind, invoice, body): (&str, Option<i64>, Option<String>) = match &reminder.kind {
            ReminderKind::Payment { invoice } => (
                "payment",
                Some(
                    i64::try_from(invoice.seq())
                        .map_err(|e| RepositoryError::Corrupt(e.to_string()))?,
                ),
                None,
            ),
            ReminderKind::Custom { text } => ("custom", None, Some(text.clone())),
        };
        let (status, sent_at, reason) = status_columns(reminder);
        let insert = Query::insert()
            .into_table(Reminders::Table)
            .columns(COLUMNS.into_iter().chain([Reminders::CreatedAtMs]))
            .values([
                reminder.customer.as_str().into(),
                kind.into(),
                invoice.into(),
                body.into(),
                reminder.due_at_ms.into(),
                status.into(),
                sent_at.into(),
                reason.into(),
                self.db.now_ms().into(),
            ])
            .map_err(|e| RepositoryError::Corrupt(e.to_string()))?
            .on_conflict(
                OnConflict::columns([Reminders::InvoiceSeq, Reminders::DueAtMs])
                    .do_nothing()
                    .to_owned(),
            )
            .returning_col(Reminders::Id)
            .to_owned();
        let row = match self.db.one(&insert).await.map_err(repo_error)? {
            Some(row) => row,
            // The invoice's reminder at that time exists: that one.
            None => {
                let existing = Query::select()
                    .column(Reminders::Id)
                    .from(Reminders::Table)
                    .and_where(Expr::col(Reminders::InvoiceSeq).eq(invoice))
                    .and_where(Expr::col(Reminders::DueAtMs).eq(reminder.due_at_ms))
                    .to_owned();
                self.db
                    .one(&existing)
                    .await
                    .map_err(repo_error)?
                    .ok_or_else(|| {
                        RepositoryError::Corrupt(
                            "a reminder conflicted but none holds it".to_owned(),
                        )
                    })?
            }
        };
        Ok(ReminderId::new(row.try_get("", "id").map_err(repo_error)?))
    }

    async fn get(&self, id: ReminderId) -> Result<Option<Reminder>, RepositoryError> {
        let select = Query::select()
            .columns(COLUMNS)
            .from(Reminders::Table)
            .and_where(Expr::col(Reminders::Id).eq(id.get()))
            .to_owned();
        let Some(row) = self.db.one(&select).await.map_err(repo_error)? else {
            return Ok(None);
        };
        let corrupt = |what: String| RepositoryError::Corrupt(format!("reminder {id}: {what}"));
        let text = |c: &str| row.try_get::<String>("", c).map_err(repo_error);
        let text_null = |c: &str| row.try_get::<Option<String>>("", c).map_err(repo_error);
        let int_null = |c: &str| row.try_get::<Option<i64>>("", c).map_err(repo_error);
        let customer =
            CustomerPhone::parse(&text("customer_phone")?).map_err(|e| corrupt(e.to_string()))?;
        let kind = match text("kind")?.as_str() {
            "payment" => {
                let seq = int_null("invoice_seq")?.ok_or_else(|| corrupt("no invoice".into()))?;
                ReminderKind::Payment {
                    invoice: InvoiceNumber::new(
                        u64::try_from(seq).map_err(|e| corrupt(e.to_string()))?,
                    ),
                }
            }
            "custom" => ReminderKind::Custom {
                text: text_null("body")?.unwrap_or_default(),
            },
            other => return Err(corrupt(format!("kind {other:?}"))),
        };
        let status = match text("status")?.as_str() {
            "scheduled" => ReminderStatus::Scheduled,
            "sent" => ReminderStatus::Sent(int_null("sent_at_ms")?.unwrap_or_default()),
            "cancelled" => {
                ReminderStatus::Cancelled(text_null("cancel_reason")?.unwrap_or_default())
            }
            other => return Err(corrupt(format!("status {other:?}"))),
        };
        let due: i64 = row.try_get("", "due_at_ms").map_err(repo_error)?;
        Ok(Some(Reminder::restore(customer, kind, due, status)))
    }

    async fn save_status(
        &self,
        id: ReminderId,
        reminder: &Reminder,
    ) -> Result<bool, RepositoryError> {
        let (status, sent_at, reason) = status_columns(reminder);
        let update = Query::update()
            .table(Reminders::Table)
            .value(Reminders::Status, status)
            .value(Reminders::SentAtMs, sent_at)
            .value(Reminders::CancelReason, reason)
            .and_where(Expr::col(Reminders::Id).eq(id.get()))
            .and_where(Expr::col(Reminders::Status).eq("scheduled"))
            .to_owned();
        Ok(self.db.exec(&update).await.map_err(repo_error)? == 1)
    }

    async fn set_opted_out(
        &self,
        customer: &CustomerPhone,
        opted_out: bool,
    ) -> Result<bool, RepositoryError> {
        let changed = if opted_out {
            let insert = Query::insert()
                .into_table(ReminderOptOuts::Table)
                .columns([ReminderOptOuts::CustomerPhone, ReminderOptOuts::AtMs])
                .values([customer.as_str().into(), self.db.now_ms().into()])
                .map_err(|e| RepositoryError::Corrupt(e.to_string()))?
                .on_conflict(
                    OnConflict::column(ReminderOptOuts::CustomerPhone)
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned();
            self.db.exec(&insert).await.map_err(repo_error)?
        } else {
            let delete = Query::delete()
                .from_table(ReminderOptOuts::Table)
                .and_where(Expr::col(ReminderOptOuts::CustomerPhone).eq(customer.as_str()))
                .to_owned();
            self.db.exec(&delete).await.map_err(repo_error)?
        };
        Ok(changed == 1)
    }

    async fn is_opted_out(&self, customer: &CustomerPhone) -> Result<bool, RepositoryError> {
        let select = Query::select()
            .column(ReminderOptOuts::CustomerPhone)
            .from(ReminderOptOuts::Table)
            .and_where(Expr::col(ReminderOptOuts::CustomerPhone).eq(customer.as_str()))
            .to_owned();
        Ok(self.db.one(&select).await.map_err(repo_error)?.is_some())
    }
}
