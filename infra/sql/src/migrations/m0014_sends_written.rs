//! Whether a claimed send's request certainly has not left:
//! `messages.unsent_attempt`, set by each claim to its attempt and cleared
//! just before the request is let go to the provider (after every wait in
//! the outbound policy: the shaper's). A claim that lapses (its dispatcher
//! died) with its attempt still there never left: a message that may never
//! be sent twice (a campaign's) is sent again then. Any other lapsed claim
//! (this column cleared, or a row claimed by a version before this one) may
//! have left, and is an unknown outcome.

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
    UnsentAttempt,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(ColumnDef::new(Messages::UnsentAttempt).integer().null())
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
