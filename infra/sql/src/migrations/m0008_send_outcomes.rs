//! What the outbox needs to decide about a send whose outcome is unknown (a
//! timeout after the request was written, or a dispatcher that died between
//! sending and recording): `at_most_once` (a proactive message: never sent
//! again, marked `unknown`) and `unknown_outcomes` (how many sends of the
//! row ended unknown; a conversational reply is sent again once), and
//! `fallback`: the request to send instead when the provider refuses the
//! row for the 24-hour window, at once or later in a `failed` status
//! (a template carrying the same information). And `marketing_opt_outs`:
//! customers who told WhatsApp to stop marketing messages (Meta 131050 in a
//! `failed` status), never sent a campaign again.

use sea_orm_migration::prelude::*;

use super::columns::{big, text};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_send_outcomes"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum MarketingOptOuts {
    Table,
    Phone,
    AtMs,
    Reason,
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    AtMostOnce,
    UnknownOutcomes,
    Fallback,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one at a time.
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(
                    ColumnDef::new(Messages::AtMostOnce)
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(
                    ColumnDef::new(Messages::UnknownOutcomes)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(ColumnDef::new(Messages::Fallback).text().null())
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MarketingOptOuts::Table)
                .if_not_exists()
                .col(text(MarketingOptOuts::Phone).primary_key())
                .col(big(MarketingOptOuts::AtMs))
                .col(text(MarketingOptOuts::Reason))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
