//! Delivery-status events for messages the bot sent.

use std::time::SystemTime;

use super::key::{MessageId, PhoneNumber, Provider};

/// A provider's report on a message the bot sent (Twilio status callback, Meta
/// `statuses[]` entry).
///
/// Providers deliver these out of order and more than once; use
/// [`DeliveryStatus::rank`] to never move a message backwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    /// The provider that reports.
    pub provider: Provider,
    /// The provider's id of the outbound message (the id its send API returned).
    pub message_id: MessageId,
    /// The customer the message went to, when the provider says.
    pub recipient: Option<PhoneNumber>,
    /// The new status.
    pub status: DeliveryStatus,
    /// When the provider says the status changed (Meta only).
    pub timestamp: Option<SystemTime>,
    /// How the provider bills the message, when it says (Meta's `pricing`
    /// object, on `sent` and on one of `delivered`/`read`).
    pub pricing: Option<Pricing>,
}

/// How a provider bills one outbound message (Meta's `pricing` object of a
/// status update). The same message's reports repeat it; keep it once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pricing {
    /// What it is billed as: `marketing`, `marketing_lite`, `utility`,
    /// `authentication`, `authentication-international`, `service`,
    /// `referral_conversion`, … as reported.
    pub category: String,
    /// The pricing model (`PMP`, per message; `CBP` before July 2025).
    pub model: Option<String>,
    /// Whether it is charged: `regular`, or free (`free_customer_service`,
    /// `free_entry_point`), as reported in `type`.
    pub kind: Option<String>,
    /// The deprecated `billable` flag, for reports without a `type`.
    pub billable: Option<bool>,
}

impl Pricing {
    /// Whether the message is charged: `type` `regular` is, a `free_…`
    /// type is not; without a type (or with one this version does not
    /// know) the deprecated `billable` flag decides, and a message that
    /// says neither counts as charged (a cost is never hidden).
    #[must_use]
    pub fn charged(&self) -> bool {
        match self.kind.as_deref() {
            Some("regular") => true,
            Some(kind) if kind.starts_with("free") => false,
            _ => self.billable.unwrap_or(true),
        }
    }
}

/// Where an outbound message is in its life.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeliveryStatus {
    /// Accepted by the provider, not yet handed to WhatsApp (Twilio `queued`,
    /// `accepted`, `scheduled`, `sending`).
    Queued,
    /// Handed to WhatsApp.
    Sent,
    /// On the customer's device.
    Delivered,
    /// Read by the customer (Meta `played` for voice notes counts as read).
    Read,
    /// Not delivered, terminally (Twilio `failed`/`undelivered`/`canceled`, Meta
    /// `failed`).
    Failed(DeliveryFailure),
}

impl DeliveryStatus {
    /// The lower-case name used in logs, metrics and the message log.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed(_) => "failed",
        }
    }

    /// Progress rank for out-of-order events: `queued < sent < delivered < read`;
    /// `failed` is terminal and ranks above everything.
    ///
    /// Apply an event only when its rank is higher than the stored one.
    #[must_use]
    pub fn rank(&self) -> u8 {
        match self {
            Self::Queued => 0,
            Self::Sent => 1,
            Self::Delivered => 2,
            Self::Read => 3,
            Self::Failed(_) => 4,
        }
    }

    /// Whether no later status can follow.
    #[must_use]
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Read | Self::Failed(_))
    }
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeliveryFailure {
    /// The provider's error code (Twilio `ErrorCode`, e.g. `63016`; Meta
    /// `errors[].code`, e.g. `131047`).
    pub code: Option<String>,
    /// The provider's explanation, if any.
    pub message: Option<String>,
}
