//! The provider-neutral message model.
//!
//! - [`InboundMessage`] and [`Content`]: what a customer sent.
//! - [`StatusEvent`] and [`DeliveryStatus`]: what happened to what the bot sent.
//! - [`Reply`](crate::reply::Reply): what the bot sends, validated against WhatsApp's limits.
//! - [`Response`] and [`Outcome`]: what one turn of the pipeline produced.
//! - [`ConversationKey`], [`PhoneNumber`], [`MessageId`], [`Provider`]: identities.
//!
//! Provider wire formats never appear here; [`crate::provider`] translates.

mod inbound;
mod key;
pub mod reply;
mod response;
mod status;

pub use self::inbound::{
    CatalogOrder, CatalogOrderItem, Contact, ContactPhone, Content, InboundMessage, Location,
    Media, MediaKind,
};
pub use self::key::{ConversationKey, MessageId, PhoneNumber, PhoneNumberError, Provider};
pub use self::response::{Outcome, Response};
pub use self::status::{DeliveryFailure, DeliveryStatus, StatusEvent};

/// Everything a webhook can carry, after translation.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum WebhookEvent {
    /// A customer's message.
    Message(InboundMessage),
    /// A status update for a message the bot sent.
    Status(StatusEvent),
    /// An error the provider reports outside any message (Meta `value.errors[]`).
    ProviderError(ProviderErrorEvent),
}

/// An error a provider reports in a webhook, not tied to one inbound message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderErrorEvent {
    /// The provider reporting.
    pub provider: Provider,
    /// The provider's error code, e.g. `131000`.
    pub code: Option<String>,
    /// The provider's title or message.
    pub message: String,
}
