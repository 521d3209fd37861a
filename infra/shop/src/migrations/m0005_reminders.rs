//! Reminders (payment reminders and the shop's own), the customers who
//! said "stop reminders", and the secrets a deployment makes for itself.

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, big_null, id, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_reminders"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Reminders {
    Table,
    Id,
    CustomerPhone,
    Kind,
    InvoiceSeq,
    Body,
    DueAtMs,
    Status,
    SentAtMs,
    CancelReason,
    CreatedAtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum ReminderOptOuts {
    Table,
    CustomerPhone,
    AtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum Secrets {
    Table,
    Name,
    Value,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Reminders::Table)
                .if_not_exists()
                .col(id(Reminders::Id))
                .col(text(Reminders::CustomerPhone))
                .col(text(Reminders::Kind))
                .col(big_null(Reminders::InvoiceSeq))
                .col(text_null(Reminders::Body))
                .col(big(Reminders::DueAtMs))
                .col(text(Reminders::Status))
                .col(big_null(Reminders::SentAtMs))
                .col(text_null(Reminders::CancelReason))
                .col(big(Reminders::CreatedAtMs))
                .to_owned(),
        )
        .await?;
        // One payment reminder per invoice and time, however often (and
        // however concurrently) its job schedules them; custom reminders
        // have no invoice (NULLs never conflict).
        m.create_index(
            Index::create()
                .name("reminders_invoice")
                .table(Reminders::Table)
                .col(Reminders::InvoiceSeq)
                .col(Reminders::DueAtMs)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReminderOptOuts::Table)
                .if_not_exists()
                .col(text(ReminderOptOuts::CustomerPhone).primary_key())
                .col(big(ReminderOptOuts::AtMs))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Secrets::Table)
                .if_not_exists()
                .col(text(Secrets::Name).primary_key())
                .col(text(Secrets::Value))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
