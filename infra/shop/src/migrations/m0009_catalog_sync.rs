//! The catalog synced from Zoho CRM: each product's Zoho record id (NULL
//! for a product never synced, which a sync leaves alone), and when each
//! kind of sync last succeeded.

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_catalog_sync"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Products {
    Table,
    SourceId,
}

#[derive(DeriveIden, Clone, Copy)]
enum SyncMarks {
    Table,
    Name,
    AtMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Products::Table)
                .add_column(text_null(Products::SourceId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SyncMarks::Table)
                .if_not_exists()
                .col(text(SyncMarks::Name).primary_key())
                .col(big(SyncMarks::AtMs))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
