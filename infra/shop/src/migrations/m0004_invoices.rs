//! Invoices, their lines, and the shop's invoice counter.

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, big_null, id, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_invoices"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Shops {
    Table,
    InvoiceSeq,
}

#[derive(DeriveIden, Clone, Copy)]
enum Invoices {
    Table,
    Id,
    ShopId,
    NumberSeq,
    OrderId,
    CustomerPhone,
    Currency,
    Gstin,
    IssuedAtMs,
    DueAtMs,
    Status,
    PaidReference,
    PaidAtMs,
    VoidReason,
    TotalMinor,
}

#[derive(DeriveIden, Clone, Copy)]
enum InvoiceLines {
    Table,
    InvoiceId,
    Position,
    Description,
    Quantity,
    Unit,
    UnitPriceMinor,
    RateBp,
    TaxableMinor,
    CgstMinor,
    SgstMinor,
    TotalMinor,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Shops::Table)
                .add_column(
                    ColumnDef::new(Shops::InvoiceSeq)
                        .big_integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Invoices::Table)
                .if_not_exists()
                .col(id(Invoices::Id))
                .col(big(Invoices::ShopId))
                .col(big(Invoices::NumberSeq))
                .col(big(Invoices::OrderId))
                .col(text(Invoices::CustomerPhone))
                .col(text(Invoices::Currency))
                .col(text_null(Invoices::Gstin))
                .col(big(Invoices::IssuedAtMs))
                .col(big(Invoices::DueAtMs))
                .col(text(Invoices::Status))
                .col(text_null(Invoices::PaidReference))
                .col(big_null(Invoices::PaidAtMs))
                .col(text_null(Invoices::VoidReason))
                .col(big(Invoices::TotalMinor))
                .to_owned(),
        )
        .await?;
        for (name, cols) in [
            ("invoices_order", vec![Invoices::OrderId]),
            (
                "invoices_number",
                vec![Invoices::ShopId, Invoices::NumberSeq],
            ),
        ] {
            let mut index = Index::create();
            index
                .name(name)
                .table(Invoices::Table)
                .unique()
                .if_not_exists();
            for col in cols {
                index.col(col);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(InvoiceLines::Table)
                .if_not_exists()
                .col(big(InvoiceLines::InvoiceId))
                .col(ColumnDef::new(InvoiceLines::Position).integer().not_null())
                .col(text(InvoiceLines::Description))
                .col(big(InvoiceLines::Quantity))
                .col(text(InvoiceLines::Unit))
                .col(big(InvoiceLines::UnitPriceMinor))
                .col(big(InvoiceLines::RateBp))
                .col(big(InvoiceLines::TaxableMinor))
                .col(big(InvoiceLines::CgstMinor))
                .col(big(InvoiceLines::SgstMinor))
                .col(big(InvoiceLines::TotalMinor))
                .primary_key(
                    Index::create()
                        .col(InvoiceLines::InvoiceId)
                        .col(InvoiceLines::Position),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
