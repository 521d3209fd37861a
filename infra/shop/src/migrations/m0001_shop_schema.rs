//! The first schema: shops (with the demo shop), customers, the catalog,
//! orders; then sessions, the message log and delivery statuses, which are
//! `infra_sql`'s ([`create_message_log`](infra_sql::migrations::create_message_log)).

use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm_migration::prelude::*;

use infra_sql::migrations::columns::{big, big_null, id, text};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(crate) struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_shop_schema"
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Shops {
    Table,
    Id,
    Name,
    Currency,
    CreatedAtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum Products {
    Table,
    Id,
    Sku,
    Name,
    Aliases,
    Unit,
    PriceMinor,
    Currency,
    Stock,
    Active,
    UpdatedAtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum Orders {
    Table,
    Id,
    ShopId,
    CustomerPhone,
    Currency,
    Status,
    TotalMinor,
    IdempotencyKey,
    CreatedAtMs,
    UpdatedAtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum OrderLines {
    Table,
    Id,
    OrderId,
    Position,
    Sku,
    Name,
    Unit,
    Quantity,
    UnitPriceMinor,
}

/// When the demo shop was made. Migrations run without the database's
/// clock (sea-orm builds them without state), and this time decides
/// nothing: it is only shown.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis().try_into().unwrap_or(i64::MAX))
}

// `async_trait` needs the trait's elided lifetime spelled the same way.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Shops::Table)
                .if_not_exists()
                .col(id(Shops::Id))
                .col(text(Shops::Name))
                .col(text(Shops::Currency))
                .col(big(Shops::CreatedAtMs))
                .to_owned(),
        )
        .await?;
        m.exec_stmt(
            Query::insert()
                .into_table(Shops::Table)
                .columns([Shops::Id, Shops::Name, Shops::Currency, Shops::CreatedAtMs])
                .values([
                    1_i64.into(),
                    "Campanile Demo Shop".into(),
                    "INR".into(),
                    now_ms().into(),
                ])
                .map_err(|e| DbErr::Migration(e.to_string()))?
                .on_conflict(OnConflict::column(Shops::Id).do_nothing().to_owned())
                .to_owned(),
        )
        .await?;

        infra_sql::migrations::create_customers(m).await?;

        m.create_table(
            Table::create()
                .table(Products::Table)
                .if_not_exists()
                .col(id(Products::Id))
                .col(text(Products::Sku).unique_key())
                .col(text(Products::Name))
                .col(text(Products::Aliases))
                .col(text(Products::Unit))
                .col(big(Products::PriceMinor))
                .col(text(Products::Currency))
                .col(big_null(Products::Stock))
                .col(ColumnDef::new(Products::Active).boolean().not_null())
                .col(big(Products::UpdatedAtMs))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Orders::Table)
                .if_not_exists()
                .col(id(Orders::Id))
                .col(big(Orders::ShopId))
                .col(text(Orders::CustomerPhone))
                .col(text(Orders::Currency))
                .col(text(Orders::Status))
                .col(big(Orders::TotalMinor))
                .col(text(Orders::IdempotencyKey).unique_key())
                .col(big(Orders::CreatedAtMs))
                .col(big(Orders::UpdatedAtMs))
                .foreign_key(
                    ForeignKey::create()
                        .from(Orders::Table, Orders::ShopId)
                        .to(Shops::Table, Shops::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("orders_by_customer")
                .table(Orders::Table)
                .col(Orders::CustomerPhone)
                .col(Orders::CreatedAtMs)
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OrderLines::Table)
                .if_not_exists()
                .col(id(OrderLines::Id))
                .col(big(OrderLines::OrderId))
                .col(ColumnDef::new(OrderLines::Position).integer().not_null())
                .col(text(OrderLines::Sku))
                .col(text(OrderLines::Name))
                .col(text(OrderLines::Unit))
                .col(big(OrderLines::Quantity))
                .col(big(OrderLines::UnitPriceMinor))
                .foreign_key(
                    ForeignKey::create()
                        .from(OrderLines::Table, OrderLines::OrderId)
                        .to(Orders::Table, Orders::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .index(
                    Index::create()
                        .name("order_lines_position")
                        .col(OrderLines::OrderId)
                        .col(OrderLines::Position)
                        .unique(),
                )
                .to_owned(),
        )
        .await?;

        // The framework's tables, as they were released with this migration.
        infra_sql::migrations::create_message_log(m).await?;
        Ok(())
    }
}
