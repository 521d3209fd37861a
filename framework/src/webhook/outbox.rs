//! Where a turn's replies and the providers' status reports go.

use std::future::Future;

use crate::reply::Reply;
use crate::{BoxError, ConversationKey, MessageId, Outcome, Provider, StatusEvent};

/// The replies one turn decided, with what is needed to send them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundTurn {
    /// The provider to send through (the one the message came from).
    pub provider: Provider,
    /// The conversation: reply from `key.business()` to `key.customer()`.
    pub key: ConversationKey,
    /// The inbound message the replies answer (an idempotency key for sending).
    pub in_reply_to: MessageId,
    /// The provider's business channel id (Meta `phone_number_id`), if any.
    pub channel_id: Option<String>,
    /// What happened to the inbound message.
    pub outcome: Outcome,
    /// The replies, in order.
    pub replies: Vec<Reply>,
}

impl OutboundTurn {
    /// A turn answering `msg`, with no replies yet (outcome `Handled`).
    #[must_use]
    pub fn answering(msg: &crate::InboundMessage) -> Self {
        Self {
            provider: msg.provider(),
            key: msg.key().clone(),
            in_reply_to: msg.id().clone(),
            channel_id: msg.channel_id().map(str::to_owned),
            outcome: Outcome::Handled,
            replies: Vec::new(),
        }
    }
}

/// Errors of an [`Outbox`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutboxError {
    /// The outbox could not accept the replies or the status.
    #[error("outbox failed")]
    Backend(#[source] BoxError),
}

/// What an [`Outbox`] did with a turn.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivery {
    /// The outbox took the replies (sent them, stored them to send, or logged
    /// them).
    Accepted,
    /// The webhook response should carry the replies (Twilio answers them as
    /// TwiML `<Message>` elements; no API call is made).
    Inline(OutboundTurn),
}

/// Takes a turn's replies (to send them) and the providers' status reports.
///
/// The webhook answers the provider only after [`deliver`](Self::deliver)
/// returned (with [`Delivery::Inline`] turns in the response itself), so an implementation that sends over the network should store the
/// replies durably and send them from there (a crash between accepting and
/// sending then loses nothing), and report an error only when it could not
/// accept them: the webhook then answers 500 and the provider retries.
pub trait Outbox: Clone + Send + Sync + 'static {
    /// Accepts the replies of one turn, or hands them back to be answered
    /// inline.
    ///
    /// # Errors
    ///
    /// [`OutboxError::Backend`] when the replies could not be accepted.
    fn deliver(
        &self,
        turn: OutboundTurn,
    ) -> impl Future<Output = Result<Delivery, OutboxError>> + Send;

    /// Records a delivery-status report for a message sent earlier.
    ///
    /// # Errors
    ///
    /// [`OutboxError::Backend`] when the report could not be recorded.
    fn record_status(
        &self,
        event: StatusEvent,
    ) -> impl Future<Output = Result<(), OutboxError>> + Send;
}

/// An [`Outbox`] that sends nothing and logs every reply and status (dry run).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogOutbox;

fn log_replies(turn: &OutboundTurn, what: &'static str) {
    for reply in &turn.replies {
        tracing::info!(
            provider = turn.provider.as_str(),
            conversation = %turn.key.pseudonym(),
            in_reply_to = %turn.in_reply_to,
            kind = reply.kind(),
            body = reply.body().unwrap_or_default(),
            "{what}"
        );
    }
}

fn log_status(event: &StatusEvent) {
    tracing::info!(
        provider = event.provider.as_str(),
        message_id = %event.message_id,
        status = event.status.as_str(),
        "delivery status"
    );
}

impl Outbox for LogOutbox {
    async fn deliver(&self, turn: OutboundTurn) -> Result<Delivery, OutboxError> {
        log_replies(&turn, "dry run: reply not sent");
        Ok(Delivery::Accepted)
    }

    async fn record_status(&self, event: StatusEvent) -> Result<(), OutboxError> {
        log_status(&event);
        Ok(())
    }
}

/// An [`Outbox`] that answers Twilio messages inline, in the webhook's TwiML
/// response, with no API call and no credentials beyond the auth token that
/// verifies webhooks. The smallest way to a working bot.
///
/// Inline answers can carry text and media (buttons and lists become a
/// numbered text menu); templates, reactions and read receipts cannot be sent
/// this way and are logged and dropped. Meta has no inline answers: Meta turns
/// are logged (a dry run) — use an outbox that calls the Cloud API for them.
/// Terminal chats ([`Provider::Local`], [`crate::local::Terminal`]) are
/// answered inline too: the terminal prints them.
#[derive(Debug, Clone, Copy, Default)]
pub struct InlineOutbox;

impl Outbox for InlineOutbox {
    async fn deliver(&self, turn: OutboundTurn) -> Result<Delivery, OutboxError> {
        if matches!(turn.provider, Provider::Twilio | Provider::Local) {
            return Ok(Delivery::Inline(turn));
        }
        log_replies(&turn, "no inline answers for this provider: reply not sent");
        Ok(Delivery::Accepted)
    }

    async fn record_status(&self, event: StatusEvent) -> Result<(), OutboxError> {
        log_status(&event);
        Ok(())
    }
}
