//! The live schema: tables and columns as the queries name them.
//!
//! These identifiers follow the code; the migrations that built the tables
//! keep identifiers of their own ([`migrations`](super::migrations)), so a
//! rename here cannot rewrite history. A change to a table is a new
//! migration, then the change here. Money is integer minor units
//! (`*_minor`) with a currency code; times are milliseconds since the Unix
//! epoch (`*_ms`), portable across backends.

use sea_orm::DeriveIden;

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
    /// [`Direction`](super::messages::Direction).
    Direction,
    /// [`Provider::as_str`](framework::Provider::as_str).
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
    /// [`InboundStatus`](super::messages::InboundStatus) or
    /// [`OutboundStatus`](super::messages::OutboundStatus), by direction.
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
    /// Outbound: never sent again after an unknown outcome (proactive
    /// messages); conversational replies may be, once.
    AtMostOnce,
    /// Outbound: sends of this row whose outcome was unknown.
    UnknownOutcomes,
    /// Outbound: the request (JSON) sent instead when the provider refuses
    /// this one for the 24-hour window; none for most rows.
    Fallback,
    /// Outbound: not sent before then, and outside its customer's order (no
    /// later row waits for it): a send put off on its own (m0010).
    NotBeforeMs,
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
    /// [`Provider::as_str`](framework::Provider::as_str).
    Provider,
    /// The provider's message id.
    ProviderMessageId,
    /// The status as reported ([`DeliveryStatus::as_str`](framework::DeliveryStatus::as_str)).
    Status,
    /// Error code and message, for failures.
    Error,
    /// Received at.
    ReceivedAtMs,
}

/// Outbox key prefixes withdrawn for good
/// ([`OutboxQueue::withdraw_keyed`](crate::messages::OutboxQueue::withdraw_keyed)).
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum WithdrawnKeys {
    /// The table.
    Table,
    /// The key prefix (primary key).
    Prefix,
    /// Why, as the withdrawn rows' error says.
    Reason,
    /// When.
    AtMs,
}

/// What each outbound message is billed as, kept once from the first
/// status report with a pricing object (Meta's `pricing`).
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum MessagePricing {
    /// The table.
    Table,
    /// [`Provider::as_str`](framework::Provider::as_str).
    Provider,
    /// The provider's message id (primary key with the provider).
    ProviderMessageId,
    /// [`Pricing::category`](framework::Pricing::category).
    Category,
    /// [`Pricing::model`](framework::Pricing::model).
    Model,
    /// [`Pricing::kind`](framework::Pricing::kind) (the wire's `type`).
    Kind,
    /// [`Pricing::charged`](framework::Pricing::charged).
    Charged,
    /// Received at.
    ReceivedAtMs,
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

/// Customers who stopped marketing messages (Meta 131050): never sent a
/// campaign again.
#[derive(DeriveIden, Debug, Clone, Copy)]
pub enum MarketingOptOuts {
    /// The table.
    Table,
    /// The customer's E.164 number (primary key).
    Phone,
    /// When it was learned.
    AtMs,
    /// How (`131050: …`).
    Reason,
}
