//! Handoffs to a person (`handoffs`): one row per handoff, kept once
//! released. A partial unique index allows one open handoff (no
//! `released_at_ms`) per customer, and serves the lookup every inbound
//! message makes; the others read a customer's history and the operators'
//! queue by status, both in id order. SQLite (3.8+) and PostgreSQL both
//! build partial indexes, and both accept one as an `ON CONFLICT` target.

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, big_null, id, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_handoffs"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Handoffs {
    Table,
    Id,
    Phone,
    Status,
    Reason,
    Question,
    OpenedAtMs,
    LastCustomerAtMs,
    LastOperatorAtMs,
    Operator,
    ReleaseReason,
    ReleasedAtMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Handoffs::Table)
                .if_not_exists()
                .col(id(Handoffs::Id))
                .col(text(Handoffs::Phone))
                // `waiting`, `active`, `released`.
                .col(text(Handoffs::Status))
                // `customer_asked`, `offered` (with its question).
                .col(text(Handoffs::Reason))
                .col(text_null(Handoffs::Question))
                .col(big(Handoffs::OpenedAtMs))
                .col(big(Handoffs::LastCustomerAtMs))
                .col(big_null(Handoffs::LastOperatorAtMs))
                .col(text_null(Handoffs::Operator))
                // `by_operator`, `idle`, `by_customer`; NULL while open.
                .col(text_null(Handoffs::ReleaseReason))
                .col(big_null(Handoffs::ReleasedAtMs))
                .to_owned(),
        )
        .await?;
        // At most one open handoff per customer, whatever instances open
        // one at once; and the one read every inbound message makes.
        m.create_index(
            Index::create()
                .name("handoffs_open")
                .table(Handoffs::Table)
                .col(Handoffs::Phone)
                .unique()
                .and_where(Expr::col(Handoffs::ReleasedAtMs).is_null())
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        // A customer's history, newest first.
        m.create_index(
            Index::create()
                .name("handoffs_phone")
                .table(Handoffs::Table)
                .col(Handoffs::Phone)
                .col(Handoffs::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        // The operators' queue: waiting or active ones, oldest first.
        m.create_index(
            Index::create()
                .name("handoffs_status")
                .table(Handoffs::Table)
                .col(Handoffs::Status)
                .col(Handoffs::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
