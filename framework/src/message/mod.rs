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
pub use self::status::{DeliveryFailure, DeliveryStatus, Pricing, StatusEvent};

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
    /// A customer's message that carries no phone number, so it cannot be
    /// answered (a Meta user known only by a business-scoped user id).
    Unaddressable(UnaddressableMessage),
}

/// A customer's message the bot cannot answer because it carries no phone
/// number.
///
/// Meta identifies WhatsApp users by a business-scoped user id (BSUID,
/// `<ISO country>.<alphanumerics>`, e.g. `US.13491208655302741918`) next to
/// their number, and sends messages of users who chose a username with the
/// BSUID only: no `from`, no `contacts[].wa_id`. Everything a turn needs is
/// keyed by phone numbers ([`ConversationKey`]: sessions, rate limits, the
/// conversation's lane, the replies' recipient), and sending by BSUID is not
/// established, so such a message cannot become an [`InboundMessage`].
///
/// It is not dropped silently and not refused either (a refused notification
/// is retried by Meta for days, and fails the same way every time): the
/// provider adapters return it as [`WebhookEvent::Unaddressable`], and an
/// [`Ingress`](crate::webhook::Ingress) acknowledges it and reports it with
/// [`report_unaddressable`](crate::webhook::report_unaddressable) (a log line
/// and the `campanile_messages_unaddressable_total{provider}` counter).
///
/// A message that carries a phone number *and* a BSUID is an ordinary
/// [`InboundMessage`] whose [`user_id`](InboundMessage::user_id) keeps the BSUID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnaddressableMessage {
    /// The provider it came through.
    pub provider: Provider,
    /// The provider's message id (Meta's wamid, Twilio's `MessageSid`).
    pub message_id: MessageId,
    /// The sender's business-scoped user id (Meta `from_user_id` or the
    /// sender's `contacts[].user_id`; Twilio `ExternalUserId` without its
    /// `whatsapp:` prefix), when the provider sent one.
    pub user_id: Option<String>,
    /// The provider's name for the message type, e.g. `text` or `image`.
    pub kind: String,
    /// The provider's id of the receiving business channel (Meta
    /// `phone_number_id`, Twilio `MessagingServiceSid`), if any.
    pub channel_id: Option<String>,
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
