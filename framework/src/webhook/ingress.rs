//! What happens to a verified, parsed webhook.

use std::collections::HashMap;
use std::future::Future;

use tower::{Service, ServiceExt};

use super::outbox::{Delivery, OutboundTurn, Outbox};
use crate::{
    BoxError, ConversationKey, InboundMessage, Outcome, Response, UnaddressableMessage,
    WebhookEvent,
};

/// The counter [`report_unaddressable`] increments, labelled by `provider`.
pub const UNADDRESSABLE_METRIC: &str = "campanile_messages_unaddressable_total";

/// Reports a message the bot cannot answer (it carries no phone number; see
/// [`UnaddressableMessage`]): one `warn` line (provider, message id, kind,
/// whether a user id came with it; never the user id itself, which
/// identifies a person) and one increment of [`UNADDRESSABLE_METRIC`]
/// (`campanile_messages_unaddressable_total{provider}`) through the
/// `metrics` facade.
///
/// Every [`Ingress`] calls it for [`WebhookEvent::Unaddressable`] and
/// acknowledges the webhook: the message is unsupported, not malformed, and
/// a refusal would only make the provider send it again.
///
/// ```
/// use framework::webhook::report_unaddressable;
/// use framework::{MessageId, Provider, UnaddressableMessage};
///
/// report_unaddressable(&UnaddressableMessage {
///     provider: Provider::Meta,
///     message_id: MessageId::new("wamid.ID"),
///     user_id: Some("US.13491208655302741918".to_owned()),
///     kind: "text".to_owned(),
///     channel_id: Some("106540352242922".to_owned()),
/// });
/// ```
pub fn report_unaddressable(message: &UnaddressableMessage) {
    let provider = message.provider.as_str();
    tracing::warn!(
        provider,
        message_id = %message.message_id,
        kind = %message.kind,
        has_user_id = message.user_id.is_some(),
        "unsupported: a message without a phone number (business-scoped user id only) cannot be answered; acknowledged and dropped"
    );
    metrics::counter!(UNADDRESSABLE_METRIC, "provider" => provider).increment(1);
}

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
/// go to [`Outbox::record_status`]; provider errors are logged; messages
/// without a phone number are reported with [`report_unaddressable`].
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
                WebhookEvent::Unaddressable(m) => report_unaddressable(&m),
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use metrics::{
        Counter, CounterFn, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
    };

    use super::*;
    use crate::{MessageId, Provider};

    /// Counters by name and labels, e.g. `name{provider=meta}`.
    #[derive(Default)]
    struct Counters(Arc<Mutex<BTreeMap<String, u64>>>);

    struct Handle {
        key: String,
        counts: Arc<Mutex<BTreeMap<String, u64>>>,
    }

    impl CounterFn for Handle {
        fn increment(&self, value: u64) {
            *self
                .counts
                .lock()
                .unwrap()
                .entry(self.key.clone())
                .or_default() += value;
        }
        fn absolute(&self, value: u64) {
            self.counts.lock().unwrap().insert(self.key.clone(), value);
        }
    }

    impl Recorder for Counters {
        fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
        fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
            let labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            Counter::from_arc(Arc::new(Handle {
                key: format!("{}{{{}}}", key.name(), labels.join(",")),
                counts: self.0.clone(),
            }))
        }
        fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
            Gauge::noop()
        }
        fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
            Histogram::noop()
        }
    }

    #[test]
    fn unaddressable_messages_are_counted_by_provider() {
        let recorder = Counters::default();
        let message = |provider| UnaddressableMessage {
            provider,
            message_id: MessageId::new("wamid.ID"),
            user_id: Some("US.13491208655302741918".to_owned()),
            kind: "text".to_owned(),
            channel_id: None,
        };
        metrics::with_local_recorder(&recorder, || {
            report_unaddressable(&message(Provider::Meta));
            report_unaddressable(&message(Provider::Meta));
            report_unaddressable(&message(Provider::Twilio));
        });
        let counts = recorder.0.lock().unwrap().clone();
        assert_eq!(
            counts,
            BTreeMap::from([
                (
                    "campanile_messages_unaddressable_total{provider=meta}".to_owned(),
                    2
                ),
                (
                    "campanile_messages_unaddressable_total{provider=twilio}".to_owned(),
                    1
                ),
            ])
        );
    }
}
