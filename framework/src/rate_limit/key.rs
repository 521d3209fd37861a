use crate::InboundMessage;

/// Chooses the key a message is counted against; `None` exempts the message.
///
/// Implemented for closures `Fn(&InboundMessage) -> Option<String>`, so
///
/// ```
/// # use framework::rate_limit::{RateLimitLayer, InMemRateStore, RateLimitConfig};
/// // one budget per customer across all the shop's numbers
/// let layer = RateLimitLayer::new(InMemRateStore::new(), RateLimitConfig::default())
///     .with_key(|msg: &framework::InboundMessage| Some(msg.key().customer().to_string()));
/// ```
pub trait KeyFn: Clone + Send + Sync + 'static {
    /// The key for `msg`.
    fn key(&self, msg: &InboundMessage) -> Option<String>;
}

impl<F> KeyFn for F
where
    F: Fn(&InboundMessage) -> Option<String> + Clone + Send + Sync + 'static,
{
    fn key(&self, msg: &InboundMessage) -> Option<String> {
        self(msg)
    }
}

/// The default key: the conversation (business number + customer number).
#[derive(Debug, Clone, Copy, Default)]
pub struct PerConversation;

impl KeyFn for PerConversation {
    fn key(&self, msg: &InboundMessage) -> Option<String> {
        Some(msg.key().storage_key())
    }
}
