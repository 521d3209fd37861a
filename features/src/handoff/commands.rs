//! Write intents for handoffs: one struct per command.

use std::time::Duration;

use super::domain::{HandoffReason, ReleaseReason};
use crate::shared::CustomerPhone;

/// Hand a customer's conversation to a person. Idempotent: with one open
/// already, that one is returned as it was
/// ([`Opened::AlreadyOpen`](super::Opened::AlreadyOpen)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OpenHandoff {
    /// Whose conversation.
    pub customer: CustomerPhone,
    /// Why.
    pub reason: HandoffReason,
}

/// The customer wrote while handed off: their last message time moves on
/// (an idle release counts from it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteCustomerMessage {
    /// Who wrote.
    pub customer: CustomerPhone,
}

/// An operator replied to a handed-off customer: a waiting handoff becomes
/// active, and the operator is remembered as the last to reply.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NoteOperatorReply {
    /// To whom.
    pub customer: CustomerPhone,
    /// Who replied (trimmed; 1 to
    /// [`MAX_OPERATOR_CHARS`](super::MAX_OPERATOR_CHARS) characters).
    pub operator: String,
}

/// Give a customer's conversation back to the bot. Idempotent: without an
/// open handoff, nothing changes
/// ([`Released::NotOpen`](super::Released::NotOpen)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReleaseHandoff {
    /// Whose conversation.
    pub customer: CustomerPhone,
    /// Why.
    pub reason: ReleaseReason,
}

/// Release every open handoff with no activity (its opening, a customer
/// message, an operator reply) for at least `idle_for`, for
/// [`ReleaseReason::Idle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReleaseIdle {
    /// How long without activity releases a handoff.
    pub idle_for: Duration,
}
