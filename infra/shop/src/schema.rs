//! The shop's live schema: its tables and columns as the repositories name
//! them (the message log's, the sessions' and the jobs' are in
//! [`infra_sql::schema`]).
//!
//! These identifiers follow the code; the migrations that built the tables
//! keep identifiers of their own ([`migrations`](super::migrations), and `infra_sql`'s), so a
//! rename here cannot rewrite history. A change to a table is a new
//! migration, then the change here. Money is integer minor units
//! (`*_minor`) with a currency code; times are milliseconds since the Unix
//! epoch (`*_ms`), portable across backends.

use sea_orm::DeriveIden;

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
    /// The Zoho CRM record id of a product a sync stored; NULL for one
    /// never synced (m0009).
    SourceId,
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
    /// Who it is made out to (JSON, m0018; `NULL`: not registered).
    Buyer,
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

/// When each kind of sync last succeeded (m0009): `catalog` for the Zoho
/// catalog sync.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum SyncMarks {
    /// The table.
    Table,
    /// The sync's name, primary key.
    Name,
    /// When it last succeeded (ms since the epoch, the database's clock).
    AtMs,
}

/// Customers' tags (m0011): one row per customer and tag.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum CustomerTags {
    /// The table.
    Table,
    /// The customer's E.164 number (primary key, with the tag).
    Phone,
    /// The tag, lower-case (primary key, with the phone).
    Tag,
    /// When it was added.
    AtMs,
}

/// The consent record: one row per customer who opted out (`infra_sql`'s
/// table, m0008, where a Meta 131050 report records a marketing opt-out;
/// `scope` and `source` from m0011). No row: subscribed.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum MarketingOptOuts {
    /// The table.
    Table,
    /// The customer's E.164 number (primary key).
    Phone,
    /// When they opted out.
    AtMs,
    /// The detail of the source: the keyword (`STOP`), the provider's code
    /// and message (`131050: …`), or `operator`.
    Reason,
    /// `marketing` or `all`.
    Scope,
    /// `provider`, `keyword` or `operator`.
    Source,
}

/// Campaigns (m0012).
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Campaigns {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// Its name.
    Name,
    /// `draft`, `scheduled`, `running`, `paused`, `completed`, `cancelled`.
    State,
    /// Who it reaches (JSON).
    Audience,
    /// What it sends (JSON).
    Message,
    /// When a scheduled campaign starts.
    StartAtMs,
    /// Created at.
    CreatedAtMs,
    /// When it started running.
    StartedAtMs,
    /// When it completed or was cancelled.
    FinishedAtMs,
    /// Last change.
    UpdatedAtMs,
}

/// A campaign's frozen recipients (m0012): one row per campaign and
/// number, kept for good.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum CampaignRecipients {
    /// The table.
    Table,
    /// The campaign.
    CampaignId,
    /// E.164 number.
    Phone,
    /// Their name when frozen.
    Name,
    /// Their last order when frozen.
    LastOrder,
    /// `pending`, `sent`, `opted_out`, `unreachable`.
    State,
    /// When they left `pending`.
    AtMs,
}

/// Automation rules (m0015), each as written.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum Rules {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// Its name, unique.
    Name,
    /// 1 when it runs.
    Enabled,
    /// Higher first.
    Priority,
    /// The rule as written (JSON of `features::rules::RuleSpec`).
    Definition,
    /// Last change.
    UpdatedAtMs,
}

/// Every execution of a rule (m0015): one row per rule, customer and
/// occurrence, for good.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum RuleRuns {
    /// The table.
    Table,
    /// Primary key.
    Id,
    /// The rule's name.
    Rule,
    /// The customer's E.164 number.
    Phone,
    /// The trigger's kind.
    Trigger,
    /// Which occurrence (a message id, a local minute, a date).
    Occurrence,
    /// What was done (JSON array of lines).
    Actions,
    /// `done`, `skipped`, `failed`.
    Result,
    /// Why skipped or failed.
    Detail,
    /// When.
    AtMs,
}

/// Customers' attributes (m0015): `birthday`, `city`, …
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum CustomerAttributes {
    /// The table.
    Table,
    /// E.164 number (primary key, with the name).
    Phone,
    /// The attribute's name.
    Name,
    /// Its value.
    Value,
    /// When it was set.
    AtMs,
}

/// What customers tell the shop (m0017): language, registration.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum CustomerDetails {
    /// The table.
    Table,
    /// E.164 number (primary key).
    Phone,
    /// The language tag they chose, if they did.
    Language,
    /// When they were first offered the choice of language.
    LanguageOfferedAtMs,
    /// Their name (registration).
    Name,
    /// Their business (registration, optional).
    Business,
    /// Their business's GSTIN (registration, optional).
    Gstin,
    /// Where orders go (registration).
    Address,
    /// When they last registered (`NULL`: never).
    RegisteredAtMs,
    /// When the row last changed.
    UpdatedAtMs,
}
