//! Tables, columns and migrations.
//!
//! Column identifiers are enums shared by the migrations and the queries, so
//! a renamed column fails to compile instead of failing at run time. Money is
//! integer minor units (`*_minor`) with a currency code; times are
//! milliseconds since the Unix epoch (`*_ms`), portable across backends.

use sea_orm_migration::prelude::*;

/// Applies the schema, one migration per change, in order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M0001ShopSchema),
            Box::new(M0002Inbox),
            Box::new(M0003Jobs),
            Box::new(M0004Invoices),
            Box::new(M0005Reminders),
        ]
    }
}

/// Shops (one in the embedded default).
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Shops {
    /// The table.
    Table,
    /// The last invoice number issued (m0004).
    InvoiceSeq,
    /// Primary key.
    Id,
    /// Display name.
    Name,
    /// ISO currency code.
    Currency,
    /// Created at.
    CreatedAtMs,
}

/// Customers, by WhatsApp number.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Customers {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// E.164 number, unique.
    Phone,
    /// The WhatsApp profile name last seen.
    ProfileName,
    /// First message.
    FirstSeenMs,
    /// Last inbound message (the 24-hour customer-service window starts here).
    LastInboundMs,
}

/// The catalog with inventory.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Products {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// Unique SKU.
    Sku,
    /// Display name.
    Name,
    /// Aliases joined by `|`.
    Aliases,
    /// Unit (singular).
    Unit,
    /// Price in minor units.
    PriceMinor,
    /// ISO currency code.
    Currency,
    /// Units in stock; NULL = not tracked.
    Stock,
    /// Offered to customers.
    Active,
    /// Last change.
    UpdatedAtMs,
}

/// Orders.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Orders {
    /// The table.
    Table,
    /// Primary key (the order number is derived from it).
    Id,
    /// The shop.
    ShopId,
    /// E.164 number of the customer.
    CustomerPhone,
    /// ISO currency code.
    Currency,
    /// `draft`, `confirmed`, `cancelled`, `dispatched`, `delivered`.
    Status,
    /// Total in minor units, as the lines add up.
    TotalMinor,
    /// The inbound message id that created the order; unique.
    IdempotencyKey,
    /// Created at.
    CreatedAtMs,
    /// Last status change.
    UpdatedAtMs,
}

/// Order lines, with the product's name, unit and price as they were when
/// the order was made.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum OrderLines {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// The order.
    OrderId,
    /// Position in the order, from 0.
    Position,
    /// Product SKU.
    Sku,
    /// Product name then.
    Name,
    /// Unit then.
    Unit,
    /// Quantity.
    Quantity,
    /// Unit price then, in minor units.
    UnitPriceMinor,
}

/// Conversation sessions that outlive a restart.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Sessions {
    /// The table.
    Table,
    /// The conversation's storage key.
    Key,
    /// Opaque session bytes; NULL when removed or never saved.
    Data,
    /// When the data expires.
    ExpiresAtMs,
    /// The highest fencing token seen for the key.
    MaxFence,
}

/// The message log: every inbound and outbound message. Outbound rows are
/// also the durable outbox the dispatcher sends from.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Messages {
    /// The table.
    Table,
    /// Primary key; sending order.
    Id,
    /// `in` or `out`.
    Direction,
    /// `twilio`, `meta`, `local`.
    Provider,
    /// The provider's id (inbound: always; outbound: once accepted).
    ProviderMessageId,
    /// The customer's E.164 number.
    Customer,
    /// The business number.
    Business,
    /// Message kind (`text`, `buttons`, `list`, ...).
    Kind,
    /// Text or summary, for people reading the log.
    Body,
    /// `received`; `pending`, `sent`, `delivered`, `read`, `failed`, `dry_run`, `local`.
    Status,
    /// Last error (provider code and message).
    Error,
    /// Outbound: the inbound message id answered.
    InReplyTo,
    /// Outbound: position among the requests answering `in_reply_to`.
    Seq,
    /// Outbound: the rendered provider request (JSON).
    Request,
    /// Send attempts (outbound) or runs (inbound) so far.
    Attempts,
    /// When to try next (outbound send, inbound run).
    NextAttemptAtMs,
    /// A dispatcher (outbound) or an inbox worker (inbound) holds the row
    /// until then.
    ClaimedUntilMs,
    /// Inbound: the whole message as it arrived (JSON), run from the inbox.
    Payload,
    /// Created at.
    CreatedAtMs,
    /// Last change.
    UpdatedAtMs,
}

/// Every delivery status a provider reported, kept even when it arrives
/// before the send that created the message returned.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum DeliveryStatuses {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// `twilio` or `meta`.
    Provider,
    /// The provider's message id.
    ProviderMessageId,
    /// The status.
    Status,
    /// Error code and message, for failures.
    Error,
    /// Received at.
    ReceivedAtMs,
}

/// The first schema: shops, customers, catalog, orders, sessions, message log.
#[derive(Debug)]
struct M0001ShopSchema;

impl MigrationName for M0001ShopSchema {
    fn name(&self) -> &str {
        "m0001_shop_schema"
    }
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

fn big_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}

// `async_trait` needs the trait's elided lifetime spelled the same way.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for M0001ShopSchema {
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
                    super::now_ms().into(),
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

/// The durable inbox: inbound rows carry the whole message, and a
/// conversation's queue is found by an index.
#[derive(Debug)]
struct M0002Inbox;

impl MigrationName for M0002Inbox {
    fn name(&self) -> &str {
        "m0002_inbox"
    }
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for M0002Inbox {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Messages::Table)
                .add_column(text_null(Messages::Payload))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("messages_conversation_queue")
                .table(Messages::Table)
                .col(Messages::Direction)
                .col(Messages::Status)
                .col(Messages::Customer)
                .col(Messages::Id)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}

/// Background jobs (the embedded default's queue, `db::jobs`).
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Jobs {
    /// The table.
    Table,
    /// Primary key (the job id).
    Id,
    /// The queue's name.
    Queue,
    /// JSON payload.
    Payload,
    /// 0: none (first); otherwise lower first.
    Priority,
    /// Due at.
    RunAtMs,
    /// `waiting`, `active`, `completed` or `dead`.
    Status,
    /// Runs so far (reset when a dead job is retried).
    Attempts,
    /// Claims so far, never reset: fences a worker's writes.
    Claims,
    /// The most runs.
    MaxAttempts,
    /// `fixed` or `exponential`.
    BackoffKind,
    /// The backoff's delay or base.
    BackoffMs,
    /// Unique per queue when set.
    DedupId,
    /// An active job belongs to its worker until then.
    LockedUntilMs,
    /// The last failure.
    LastError,
    /// Created at.
    CreatedAtMs,
    /// Last change.
    UpdatedAtMs,
}

/// The jobs table.
#[derive(Debug)]
struct M0003Jobs;

impl MigrationName for M0003Jobs {
    fn name(&self) -> &str {
        "m0003_jobs"
    }
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for M0003Jobs {
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

/// Invoices, one per order.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Invoices {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// The shop.
    ShopId,
    /// The shop's invoice number (unique per shop, no gaps).
    NumberSeq,
    /// The order billed (unique).
    OrderId,
    /// E.164.
    CustomerPhone,
    /// ISO code.
    Currency,
    /// The shop's GSTIN when issued.
    Gstin,
    /// Issued at.
    IssuedAtMs,
    /// Due at.
    DueAtMs,
    /// `issued`, `paid` or `void`.
    Status,
    /// Payment reference.
    PaidReference,
    /// Paid at.
    PaidAtMs,
    /// Why it was voided.
    VoidReason,
    /// What the customer pays.
    TotalMinor,
}

/// The lines of an invoice.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum InvoiceLines {
    /// The table.
    Table,
    /// The invoice.
    InvoiceId,
    /// Order of the line.
    Position,
    /// What was sold.
    Description,
    /// How many.
    Quantity,
    /// The unit.
    Unit,
    /// Price of one unit.
    UnitPriceMinor,
    /// GST rate in basis points.
    RateBp,
    /// Taxable value.
    TaxableMinor,
    /// Central GST.
    CgstMinor,
    /// State GST.
    SgstMinor,
    /// Line total.
    TotalMinor,
}

/// Invoices and the shop's invoice counter.
#[derive(Debug)]
struct M0004Invoices;

impl MigrationName for M0004Invoices {
    fn name(&self) -> &str {
        "m0004_invoices"
    }
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for M0004Invoices {
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

/// Reminders: payment reminders and the shop's own (m0005).
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Reminders {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// E.164 number of the customer.
    CustomerPhone,
    /// `payment` or `custom`.
    Kind,
    /// The invoice's number (payment reminders).
    InvoiceSeq,
    /// The text (custom reminders).
    Body,
    /// When it is due.
    DueAtMs,
    /// `scheduled`, `sent` or `cancelled`.
    Status,
    /// When it was sent.
    SentAtMs,
    /// Why it was cancelled.
    CancelReason,
    /// Created at.
    CreatedAtMs,
}

/// Customers who said "stop reminders" (m0005).
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum ReminderOptOuts {
    /// The table.
    Table,
    /// E.164 number, primary key.
    CustomerPhone,
    /// When they asked.
    AtMs,
}

/// Secrets the deployment makes for itself and shares through the database
/// (m0005): the key that signs invoice links.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Secrets {
    /// The table.
    Table,
    /// The secret's name, primary key.
    Name,
    /// Its value (hex).
    Value,
}

#[derive(Debug)]
struct M0005Reminders;

impl MigrationName for M0005Reminders {
    fn name(&self) -> &str {
        "m0005_reminders"
    }
}

#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for M0005Reminders {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Reminders::Table)
                .if_not_exists()
                .col(id(Reminders::Id))
                .col(text(Reminders::CustomerPhone))
                .col(text(Reminders::Kind))
                .col(big_null(Reminders::InvoiceSeq))
                .col(text_null(Reminders::Body))
                .col(big(Reminders::DueAtMs))
                .col(text(Reminders::Status))
                .col(big_null(Reminders::SentAtMs))
                .col(text_null(Reminders::CancelReason))
                .col(big(Reminders::CreatedAtMs))
                .to_owned(),
        )
        .await?;
        // One payment reminder per invoice and time, however often (and
        // however concurrently) its job schedules them; custom reminders
        // have no invoice (NULLs never conflict).
        m.create_index(
            Index::create()
                .name("reminders_invoice")
                .table(Reminders::Table)
                .col(Reminders::InvoiceSeq)
                .col(Reminders::DueAtMs)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ReminderOptOuts::Table)
                .if_not_exists()
                .col(text(ReminderOptOuts::CustomerPhone).primary_key())
                .col(big(ReminderOptOuts::AtMs))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(Secrets::Table)
                .if_not_exists()
                .col(text(Secrets::Name).primary_key())
                .col(text(Secrets::Value))
                .to_owned(),
        )
        .await?;
        Ok(())
    }
}
