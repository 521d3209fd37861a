//! Automation rules (`rules`: each as written, JSON), their run log
//! (`rule_runs`: one row per rule, customer and occurrence, for good) and
//! customers' attributes (`customer_attributes`: `birthday`, `city`, …).

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, id, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_rules"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Rules {
    Table,
    Id,
    Name,
    Enabled,
    Priority,
    Definition,
    UpdatedAtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum RuleRuns {
    Table,
    Id,
    Rule,
    Phone,
    Trigger,
    Occurrence,
    Actions,
    Result,
    Detail,
    AtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum CustomerAttributes {
    Table,
    Phone,
    Name,
    Value,
    AtMs,
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Rules::Table)
                .if_not_exists()
                .col(id(Rules::Id))
                .col(text(Rules::Name))
                .col(big(Rules::Enabled))
                .col(big(Rules::Priority))
                .col(text(Rules::Definition))
                .col(big(Rules::UpdatedAtMs))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("rules_name")
                .table(Rules::Table)
                .col(Rules::Name)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(RuleRuns::Table)
                .if_not_exists()
                .col(id(RuleRuns::Id))
                .col(text(RuleRuns::Rule))
                .col(text(RuleRuns::Phone))
                .col(text(RuleRuns::Trigger))
                .col(text(RuleRuns::Occurrence))
                .col(text(RuleRuns::Actions))
                .col(text(RuleRuns::Result))
                .col(text_null(RuleRuns::Detail))
                .col(big(RuleRuns::AtMs))
                .to_owned(),
        )
        .await?;
        // At most one run per rule, customer and occurrence, for good.
        m.create_index(
            Index::create()
                .name("rule_runs_once")
                .table(RuleRuns::Table)
                .col(RuleRuns::Rule)
                .col(RuleRuns::Phone)
                .col(RuleRuns::Occurrence)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        // A cap counts a customer's recent runs of a rule.
        m.create_index(
            Index::create()
                .name("rule_runs_recent")
                .table(RuleRuns::Table)
                .col(RuleRuns::Rule)
                .col(RuleRuns::Phone)
                .col(RuleRuns::AtMs)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CustomerAttributes::Table)
                .if_not_exists()
                .col(text(CustomerAttributes::Phone))
                .col(text(CustomerAttributes::Name))
                .col(text(CustomerAttributes::Value))
                .col(big(CustomerAttributes::AtMs))
                .primary_key(
                    Index::create()
                        .col(CustomerAttributes::Phone)
                        .col(CustomerAttributes::Name),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
