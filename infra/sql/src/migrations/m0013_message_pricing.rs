//! What each outbound message is billed as: `message_pricing`, one row per
//! provider message id, from the first status report that carried a
//! pricing object (Meta's `pricing`: category, model, type). The same
//! message's later reports repeat it and change nothing; a campaign's cost
//! is booked from these rows, by category, for the messages delivered.

use sea_orm_migration::prelude::*;

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_message_pricing"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum MessagePricing {
    Table,
    Provider,
    ProviderMessageId,
    Category,
    Model,
    Kind,
    Charged,
    ReceivedAtMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MessagePricing::Table)
                .col(ColumnDef::new(MessagePricing::Provider).text().not_null())
                .col(
                    ColumnDef::new(MessagePricing::ProviderMessageId)
                        .text()
                        .not_null(),
                )
                .col(ColumnDef::new(MessagePricing::Category).text().not_null())
                .col(ColumnDef::new(MessagePricing::Model).text().null())
                .col(ColumnDef::new(MessagePricing::Kind).text().null())
                .col(ColumnDef::new(MessagePricing::Charged).boolean().not_null())
                .col(
                    ColumnDef::new(MessagePricing::ReceivedAtMs)
                        .big_integer()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(MessagePricing::Provider)
                        .col(MessagePricing::ProviderMessageId),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
