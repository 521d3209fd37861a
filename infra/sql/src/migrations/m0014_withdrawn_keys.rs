//! Outbox keys withdrawn for good: `withdrawn_keys`, one row per key
//! prefix (a cancelled campaign's `campaign:{id}:`), with why and when. A
//! follow-up a provider's later report would store under such a key (a
//! capped template's retry a day later, the template for a closed window)
//! is not stored.

use sea_orm_migration::prelude::*;

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_withdrawn_keys"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum WithdrawnKeys {
    Table,
    Prefix,
    Reason,
    AtMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(WithdrawnKeys::Table)
                .col(
                    ColumnDef::new(WithdrawnKeys::Prefix)
                        .text()
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(WithdrawnKeys::Reason).text().not_null())
                .col(ColumnDef::new(WithdrawnKeys::AtMs).big_integer().not_null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
