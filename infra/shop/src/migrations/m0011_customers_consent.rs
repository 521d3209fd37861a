//! Customers' tags (`customer_tags`), and the consent record: `infra_sql`'s
//! `marketing_opt_outs` (where a Meta 131050 report records a marketing
//! opt-out) gains what the shop's opt-outs say besides: the `scope`
//! (`marketing` or `all`) and the `source` (`provider`, `keyword`,
//! `operator`). Rows written before, and those `infra_sql` writes on a
//! 131050, are provider opt-outs of marketing: the defaults. One table,
//! one source of truth.

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, text};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0011_customers_consent"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerTags {
    Table,
    Phone,
    Tag,
    AtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum MarketingOptOuts {
    Table,
    Scope,
    Source,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CustomerTags::Table)
                .if_not_exists()
                .col(text(CustomerTags::Phone))
                .col(text(CustomerTags::Tag))
                .col(big(CustomerTags::AtMs))
                .primary_key(
                    Index::create()
                        .col(CustomerTags::Phone)
                        .col(CustomerTags::Tag),
                )
                .to_owned(),
        )
        .await?;
        // An audience by tag reads the customers of a tag in phone order.
        m.create_index(
            Index::create()
                .name("customer_tags_tag")
                .table(CustomerTags::Table)
                .col(CustomerTags::Tag)
                .col(CustomerTags::Phone)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        // One column per statement: SQLite alters one at a time.
        for (column, default) in [
            (MarketingOptOuts::Scope, "marketing"),
            (MarketingOptOuts::Source, "provider"),
        ] {
            m.alter_table(
                Table::alter()
                    .table(MarketingOptOuts::Table)
                    .add_column(
                        ColumnDef::new(column)
                            .text()
                            .not_null()
                            .default(default)
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
