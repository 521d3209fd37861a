//! What happens to a verified, parsed webhook.

use std::collections::HashMap;
use std::future::Future;

use tower::{Service, ServiceExt};

use super::outbox::{Delivery, OutboundTurn, Outbox};
use crate::{BoxError, ConversationKey, InboundMessage, Outcome, Response, WebhookEvent};

/// A message of the webhook is being processed by another worker right now.
#[derive(Debug, thiserror::Error)]
#[error("a message is being processed by another worker; retry later")]
pub struct InFlightElsewhere;

/// Takes the events of one verified webhook; the provider is answered 2xx when
/// [`accept`](Self::accept) returns `Ok`, 500 (and retries) otherwise.
///
/// `accept` returns the turns the webhook response should answer inline (see
/// [`Delivery::Inline`]); an ingress that sends everything through an outbox
/// returns none.
///
/// [`PipelineIngress`] runs each message through a pipeline and hands the
/// replies to an [`Outbox`]. A deployment that must acknowledge before
/// processing implements this trait to record the events durably first.
pub trait Ingress: Clone + Send + Sync + 'static {
    /// Handles the events of one webhook request, in order.
    ///
    /// # Errors
    ///
    /// Any error makes the webhook answer 500 so the provider retries; return
    /// one only when retrying can help.
    fn accept(
        &self,
        events: Vec<WebhookEvent>,
    ) -> impl Future<Output = Result<Vec<OutboundTurn>, BoxError>> + Send;
}

/// Runs each message through a pipeline and hands the replies left in its
/// response to an outbox.
///
/// Messages of different conversations in one webhook (Meta batches up to
/// 1000) run concurrently, each conversation on a task of its own, and every
/// conversation runs to its end even when another fails: a failure must not
/// cancel a sibling's turn half-way. Messages of one conversation run in
/// order; after a failure the conversation's later messages are left for the
/// provider's retry, so they are never processed out of order. Status reports
/// go to [`Outbox::record_status`]; provider errors are logged.
///
/// Replies left in a response are those no [`deliver`](crate::deliver) layer
/// took: all of them in a pipeline without one, otherwise the rate limit's
/// notices, the error handler's apologies and inline answers.
#[derive(Debug, Clone)]
pub struct PipelineIngress<P, O> {
    pipeline: P,
    outbox: O,
}

impl<P, O> PipelineIngress<P, O> {
    /// Messages go through `pipeline`, replies to `outbox`.
    pub fn new(pipeline: P, outbox: O) -> Self {
        Self { pipeline, outbox }
    }
}

impl<P, O> PipelineIngress<P, O>
where
    P: Service<InboundMessage, Response = Response> + Clone + Send + Sync + 'static,
    P::Error: Into<BoxError>,
    P::Future: Send,
    O: Outbox,
{
    async fn run_conversation(
        self,
        messages: Vec<InboundMessage>,
    ) -> Result<Vec<OutboundTurn>, BoxError> {
        let mut inline = Vec::new();
        for msg in messages {
            let turn = OutboundTurn::answering(&msg);
            let response = self
                .pipeline
                .clone()
                .oneshot(msg)
                .await
                .map_err(Into::into)?;
            if response.outcome() == Outcome::InFlight {
                // Another worker holds this message: answer with an error so
                // the provider retries; if that worker died, the retry runs
                // it after the claim expires. Later messages of this
                // conversation wait for the retry too, keeping their order.
                return Err(InFlightElsewhere.into());
            }
            if response.replies().is_empty() {
                continue;
            }
            let already_offered = response.is_inline();
            let turn = OutboundTurn {
                outcome: response.outcome(),
                replies: response.into_replies(),
                ..turn
            };
            if already_offered {
                // A deliver layer offered these to the outbox, which handed
                // them back for the webhook's answer: do not offer them twice.
                inline.push(turn);
            } else if let Delivery::Inline(turn) = self.outbox.deliver(turn).await? {
                inline.push(turn);
            }
        }
        Ok(inline)
    }
}

impl<P, O> Ingress for PipelineIngress<P, O>
where
    P: Service<InboundMessage, Response = Response> + Clone + Send + Sync + 'static,
    P::Error: Into<BoxError>,
    P::Future: Send,
    O: Outbox,
{
    async fn accept(&self, events: Vec<WebhookEvent>) -> Result<Vec<OutboundTurn>, BoxError> {
        // Group messages by conversation, keeping the order of first appearance
        // and the order within each conversation.
        let mut conversations: Vec<Vec<InboundMessage>> = Vec::new();
        let mut index: HashMap<ConversationKey, usize> = HashMap::new();
        let mut statuses = Vec::new();
        for event in events {
            match event {
                WebhookEvent::Message(msg) => match index.get(msg.key()) {
                    Some(&i) => conversations[i].push(msg),
                    None => {
                        index.insert(msg.key().clone(), conversations.len());
                        conversations.push(vec![msg]);
                    }
                },
                WebhookEvent::Status(status) => statuses.push(status),
                WebhookEvent::ProviderError(e) => tracing::warn!(
                    provider = e.provider.as_str(),
                    code = e.code.as_deref().unwrap_or_default(),
                    message = %e.message,
                    "provider reported an error"
                ),
            }
        }
        let tasks: Vec<_> = conversations
            .into_iter()
            .map(|c| tokio::spawn(self.clone().run_conversation(c)))
            .collect();
        let mut first_error: Option<BoxError> = None;
        for status in statuses {
            if let Err(e) = self.outbox.record_status(status).await {
                first_error.get_or_insert(e.into());
            }
        }
        let mut inline = Vec::new();
        for task in tasks {
            match task.await {
                Ok(Ok(turns)) => inline.extend(turns),
                Ok(Err(e)) => {
                    first_error.get_or_insert(e);
                }
                Err(join) => {
                    first_error.get_or_insert(Box::new(join));
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(inline),
        }
    }
}
