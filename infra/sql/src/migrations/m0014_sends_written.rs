//! Whether a claimed send's request may have left: `messages.written_attempt`,
//! the attempt whose request was let go to the provider (after every wait in
//! the outbound policy: the shaper, a breaker). A claim that lapses (its
//! dispatcher died) is an unknown outcome only when its attempt is marked
//! so; a message that never may be sent twice (a campaign's) and was still
//! waiting for its turn is sent again.

use sea_orm_migration::prelude::*;

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_sends_written"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    WrittenAttempt,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(ColumnDef::new(Messages::WrittenAttempt).integer().null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
