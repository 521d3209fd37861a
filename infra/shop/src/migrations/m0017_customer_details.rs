//! `m0017_customer_details`: what customers tell the shop
//! (`customer_details`): the language they chose, when they were first
//! offered the choice, and their registration (name, business, GSTIN,
//! delivery address).

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, big_null, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0017_customer_details"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerDetails {
    Table,
    Phone,
    Language,
    LanguageOfferedAtMs,
    Name,
    Business,
    Gstin,
    Address,
    RegisteredAtMs,
    UpdatedAtMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CustomerDetails::Table)
                .if_not_exists()
                .col(text(CustomerDetails::Phone).primary_key())
                .col(text_null(CustomerDetails::Language))
                .col(big_null(CustomerDetails::LanguageOfferedAtMs))
                .col(text_null(CustomerDetails::Name))
                .col(text_null(CustomerDetails::Business))
                .col(text_null(CustomerDetails::Gstin))
                .col(text_null(CustomerDetails::Address))
                .col(big_null(CustomerDetails::RegisteredAtMs))
                .col(big(CustomerDetails::UpdatedAtMs))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
