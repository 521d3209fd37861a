//! Fixtures for the documentation's examples. Not part of the public API.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::message::{Content, ConversationKey, InboundMessage, MessageId, PhoneNumber, Provider};

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

/// The shop's number in examples.
pub const SHOP: &str = "+14155238886";
/// The customer's number in examples.
pub const CUSTOMER: &str = "+919812345678";

/// The example conversation's key.
#[must_use]
pub fn key() -> ConversationKey {
    key_for(CUSTOMER)
}

/// The key of a conversation between the example shop and `customer`.
///
/// # Panics
///
/// Panics if `customer` is not a phone number (examples use fixed numbers).
#[must_use]
pub fn key_for(customer: &str) -> ConversationKey {
    #[allow(clippy::expect_used)] // fixed example numbers
    ConversationKey::new(
        PhoneNumber::parse(SHOP).expect("example shop number"),
        PhoneNumber::parse(customer).expect("example customer number"),
    )
}

/// A text message from the example customer with a fresh id.
#[must_use]
pub fn text(body: &str) -> InboundMessage {
    InboundMessage::new(
        Provider::Local,
        fresh_id(),
        key(),
        Content::Text {
            body: body.to_owned(),
        },
    )
}

/// A tap on the reply button `id` by the example customer.
#[must_use]
pub fn tap(id: &str) -> InboundMessage {
    InboundMessage::new(
        Provider::Local,
        fresh_id(),
        key(),
        Content::ButtonReply {
            id: id.to_owned(),
            title: id.to_owned(),
        },
    )
}

/// A message id no other example message has.
#[must_use]
pub fn fresh_id() -> MessageId {
    MessageId::new(format!("doc-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed)))
}
