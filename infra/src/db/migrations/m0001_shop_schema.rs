//! The first schema: shops (with the demo shop), customers, the catalog,
//! orders, sessions, the message log and delivery statuses.

use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm_migration::prelude::*;

use super::columns::{big, big_null, id, text, text_null};

/// The migration; its name is recorded in every database it ran on.
#[derive(Debug)]
pub(super) struct Migration;

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
enum Customers {
    Table,
    Id,
    Phone,
    ProfileName,
    FirstSeenMs,
    LastInboundMs,
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

#[derive(DeriveIden, Clone, Copy)]
enum Sessions {
    Table,
    Key,
    Data,
    ExpiresAtMs,
    MaxFence,
}

#[derive(DeriveIden, Clone, Copy)]
enum Messages {
    Table,
    Id,
    Direction,
    Provider,
    ProviderMessageId,
    Customer,
    Business,
    Kind,
    Body,
    Status,
    Error,
    InReplyTo,
    Seq,
    Request,
    Attempts,
    NextAttemptAtMs,
    ClaimedUntilMs,
    CreatedAtMs,
    UpdatedAtMs,
}

#[derive(DeriveIden, Clone, Copy)]
enum DeliveryStatuses {
    Table,
    Id,
    Provider,
    ProviderMessageId,
    Status,
    Error,
    ReceivedAtMs,
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

        m.create_table(
            Table::create()
                .table(Customers::Table)
                .if_not_exists()
                .col(id(Customers::Id))
                .col(text(Customers::Phone).unique_key())
                .col(text_null(Customers::ProfileName))
                .col(big(Customers::FirstSeenMs))
                .col(big(Customers::LastInboundMs))
                .to_owned(),
        )
        .await?;

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

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .if_not_exists()
                .col(
                    ColumnDef::new(Sessions::Key)
                        .string_len(512)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Sessions::Data).blob().null())
                .col(big(Sessions::ExpiresAtMs))
                .col(big(Sessions::MaxFence))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Messages::Table)
                .if_not_exists()
                .col(id(Messages::Id))
                .col(text(Messages::Direction))
                .col(text(Messages::Provider))
                .col(text_null(Messages::ProviderMessageId))
                .col(text(Messages::Customer))
                .col(text(Messages::Business))
                .col(text(Messages::Kind))
                .col(text_null(Messages::Body))
                .col(text(Messages::Status))
                .col(text_null(Messages::Error))
                .col(text_null(Messages::InReplyTo))
                .col(ColumnDef::new(Messages::Seq).integer().null())
                .col(text_null(Messages::Request))
                .col(
                    ColumnDef::new(Messages::Attempts)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(big_null(Messages::NextAttemptAtMs))
                .col(big_null(Messages::ClaimedUntilMs))
                .col(big(Messages::CreatedAtMs))
                .col(big(Messages::UpdatedAtMs))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("messages_provider_id")
                .table(Messages::Table)
                .col(Messages::Provider)
                .col(Messages::Direction)
                .col(Messages::ProviderMessageId)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("messages_reply_seq")
                .table(Messages::Table)
                .col(Messages::Direction)
                .col(Messages::InReplyTo)
                .col(Messages::Seq)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("messages_due")
                .table(Messages::Table)
                .col(Messages::Status)
                .col(Messages::NextAttemptAtMs)
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DeliveryStatuses::Table)
                .if_not_exists()
                .col(id(DeliveryStatuses::Id))
                .col(text(DeliveryStatuses::Provider))
                .col(text(DeliveryStatuses::ProviderMessageId))
                .col(text(DeliveryStatuses::Status))
                .col(text_null(DeliveryStatuses::Error))
                .col(big(DeliveryStatuses::ReceivedAtMs))
                .index(
                    Index::create()
                        .name("delivery_statuses_once")
                        .col(DeliveryStatuses::Provider)
                        .col(DeliveryStatuses::ProviderMessageId)
                        .col(DeliveryStatuses::Status)
                        .unique(),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
