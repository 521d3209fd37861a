//! Sends put off on their own: `messages.not_before_ms`, the time before
//! which an outbound row is not sent. Such a row is outside its customer's
//! order (no later row waits for it): a marketing template that WhatsApp
//! capped for the customer (Meta 131049, Twilio 63049) is sent again no
//! sooner than 24 hours later, and the customer's replies meanwhile go out
//! as usual.

use sea_orm_migration::prelude::*;

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_deferred_sends"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    NotBeforeMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(ColumnDef::new(Messages::NotBeforeMs).big_integer().null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
