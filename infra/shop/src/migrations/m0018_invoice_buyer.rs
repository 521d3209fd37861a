//! `m0018_invoice_buyer`: who each invoice is made out to (`invoices.buyer`:
//! the customer's registration when it was issued, as JSON; `NULL` for a
//! customer who had not registered).

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::text_null;

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0018_invoice_buyer"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Invoices {
    Table,
    Buyer,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Invoices::Table)
                .add_column(text_null(Invoices::Buyer))
                .to_owned(),
        )
        .await
    }
}
