//! Background jobs: the embedded default's queue (`db::jobs`).

use sea_orm_migration::prelude::*;

use super::columns::{big, big_null, id, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0003_jobs"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Jobs {
    Table,
    Id,
    Queue,
    Payload,
    Priority,
    RunAtMs,
    Status,
    Attempts,
    Claims,
    MaxAttempts,
    BackoffKind,
    BackoffMs,
    DedupId,
    LockedUntilMs,
    LastError,
    CreatedAtMs,
    UpdatedAtMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Jobs::Table)
                .if_not_exists()
                .col(id(Jobs::Id))
                .col(text(Jobs::Queue))
                .col(text(Jobs::Payload))
                .col(big(Jobs::Priority))
                .col(big(Jobs::RunAtMs))
                .col(text(Jobs::Status))
                .col(big(Jobs::Attempts))
                .col(big(Jobs::Claims))
                .col(big(Jobs::MaxAttempts))
                .col(text(Jobs::BackoffKind))
                .col(big(Jobs::BackoffMs))
                .col(text_null(Jobs::DedupId))
                .col(big_null(Jobs::LockedUntilMs))
                .col(text_null(Jobs::LastError))
                .col(big(Jobs::CreatedAtMs))
                .col(big(Jobs::UpdatedAtMs))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("jobs_dedup")
                .table(Jobs::Table)
                .col(Jobs::Queue)
                .col(Jobs::DedupId)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("jobs_due")
                .table(Jobs::Table)
                .col(Jobs::Queue)
                .col(Jobs::Status)
                .col(Jobs::Priority)
                .col(Jobs::RunAtMs)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
