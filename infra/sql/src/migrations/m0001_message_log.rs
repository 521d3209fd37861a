//! The message log's first tables: customers (who wrote, and when last:
//! the 24-hour window), sessions, the message log and delivery statuses.
//! The shop's history made them in its first migration
//! (`m0001_shop_schema`, which calls [`create_customers`] and
//! [`create_message_log`]); a bot on `infra_sql` alone makes them in this
//! one.

use sea_orm_migration::prelude::*;

use super::columns::{big, big_null, id, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_message_log"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    Id,
    Phone,
    ProfileName,
    FirstSeenMs,
    LastInboundMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Key,
    Data,
    ExpiresAtMs,
    MaxFence,
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    Id,
    Direction,
    Provider,
    ProviderMessageId,
    Customer,
    Business,
    Kind,
    Body,
    Status,
    Error,
    InReplyTo,
    Seq,
    Request,
    Attempts,
    NextAttemptAtMs,
    ClaimedUntilMs,
    CreatedAtMs,
    UpdatedAtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum DeliveryStatuses {
    Table,
    Id,
    Provider,
    ProviderMessageId,
    Status,
    Error,
    ReceivedAtMs,
}

/// Creates the customers table, as first released. Frozen: a migration
/// that ran it is history.
///
/// # Errors
///
/// The database's, when the statement fails.
pub async fn create_customers(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(Customers::Table)
            .if_not_exists()
            .col(id(Customers::Id))
            .col(text(Customers::Phone).unique_key())
            .col(text_null(Customers::ProfileName))
            .col(big(Customers::FirstSeenMs))
            .col(big(Customers::LastInboundMs))
            .to_owned(),
    )
    .await?;
    Ok(())
}

/// Creates the sessions, the message log and delivery statuses tables, as
/// they were first released. Frozen: a migration that ran it is history.
///
/// # Errors
///
/// The database's, when a statement fails.
pub async fn create_message_log(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table(Sessions::Table)
            .if_not_exists()
            .col(
                ColumnDef::new(Sessions::Key)
                    .string_len(512)
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(Sessions::Data).blob().null())
            .col(big(Sessions::ExpiresAtMs))
            .col(big(Sessions::MaxFence))
            .to_owned(),
    )
    .await?;

    m.create_table(
        Table::create()
            .table(Messages::Table)
            .if_not_exists()
            .col(id(Messages::Id))
            .col(text(Messages::Direction))
            .col(text(Messages::Provider))
            .col(text_null(Messages::ProviderMessageId))
            .col(text(Messages::Customer))
            .col(text(Messages::Business))
            .col(text(Messages::Kind))
            .col(text_null(Messages::Body))
            .col(text(Messages::Status))
            .col(text_null(Messages::Error))
            .col(text_null(Messages::InReplyTo))
            .col(ColumnDef::new(Messages::Seq).integer().null())
            .col(text_null(Messages::Request))
            .col(
                ColumnDef::new(Messages::Attempts)
                    .integer()
                    .not_null()
                    .default(0),
            )
            .col(big_null(Messages::NextAttemptAtMs))
            .col(big_null(Messages::ClaimedUntilMs))
            .col(big(Messages::CreatedAtMs))
            .col(big(Messages::UpdatedAtMs))
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create()
            .name("messages_provider_id")
            .table(Messages::Table)
            .col(Messages::Provider)
            .col(Messages::Direction)
            .col(Messages::ProviderMessageId)
            .unique()
            .if_not_exists()
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create()
            .name("messages_reply_seq")
            .table(Messages::Table)
            .col(Messages::Direction)
            .col(Messages::InReplyTo)
            .col(Messages::Seq)
            .unique()
            .if_not_exists()
            .to_owned(),
    )
    .await?;
    m.create_index(
        Index::create()
            .name("messages_due")
            .table(Messages::Table)
            .col(Messages::Status)
            .col(Messages::NextAttemptAtMs)
            .if_not_exists()
            .to_owned(),
    )
    .await?;

    m.create_table(
        Table::create()
            .table(DeliveryStatuses::Table)
            .if_not_exists()
            .col(id(DeliveryStatuses::Id))
            .col(text(DeliveryStatuses::Provider))
            .col(text(DeliveryStatuses::ProviderMessageId))
            .col(text(DeliveryStatuses::Status))
            .col(text_null(DeliveryStatuses::Error))
            .col(big(DeliveryStatuses::ReceivedAtMs))
            .index(
                Index::create()
                    .name("delivery_statuses_once")
                    .col(DeliveryStatuses::Provider)
                    .col(DeliveryStatuses::ProviderMessageId)
                    .col(DeliveryStatuses::Status)
                    .unique(),
            )
            .to_owned(),
    )
    .await?;
    Ok(())
}

// `async_trait` needs the trait's elided lifetime spelled the same way.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_customers(m).await?;
        create_message_log(m).await
    }
}
