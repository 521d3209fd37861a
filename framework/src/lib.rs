//! Campanile framework: WhatsApp bots as tower services.

#[macro_use]
mod macros;

mod builder;
pub mod conversation;
pub mod dedup;
#[doc(hidden)]
pub mod doc;
pub mod handle_error;
pub mod handler;
pub mod local;
pub mod message;
pub mod provider;
pub mod rate_limit;
pub mod session;
pub mod trace;
pub mod webhook;

#[cfg(any(test, feature = "test-util"))]
pub mod testing;

pub use crate::builder::ServiceBuilderExt;
pub use crate::message::reply;
pub use crate::message::{
    CatalogOrder, CatalogOrderItem, Contact, ContactPhone, Content, ConversationKey,
    DeliveryFailure, DeliveryStatus, InboundMessage, Location, Media, MediaKind, MessageId,
    Outcome, PhoneNumber, PhoneNumberError, Provider, ProviderErrorEvent, Response, StatusEvent,
    WebhookEvent,
};

/// The boxed error type used at tower plumbing boundaries.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;
