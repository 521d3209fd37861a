//! The durable inbox: inbound rows carry the whole message, and a
//! conversation's queue is found by an index.

use sea_orm_migration::prelude::*;

use super::columns::text_null;

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_inbox"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    Id,
    Direction,
    Customer,
    Status,
    Payload,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(text_null(Messages::Payload))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("messages_conversation_queue")
                .table(Messages::Table)
                .col(Messages::Direction)
                .col(Messages::Status)
                .col(Messages::Customer)
                .col(Messages::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
