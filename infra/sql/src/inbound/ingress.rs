//! The webhook's ingress (step 2 of the [path](super)): records each
//! verified message and delivery status, answers, then starts the runs.
//!
//! [`InboxIngress`] records the messages of a webhook in the message log
//! (the whole message, one row each, unique on the provider's message id)
//! and its delivery statuses, in one commit, and starts a drain of each
//! conversation it touched. A failure to record rolls the webhook back and
//! answers 500, so the provider retries; nothing is acknowledged that is not
//! stored (invariant 1). A message whose turn finished before is a replay:
//! recorded once, never run again.

use crate::UnitOfWork;
use crate::messages::InboundState;
use framework::webhook::{Ingress, OutboundTurn, Outbox as _};
use framework::{BoxError, ConversationKey, MessageId, Provider, WebhookEvent};

use super::inbox::Inbox;

/// What a webhook's commit left to run: each conversation with messages to
/// run (new, or recorded before but never finished), in order of first
/// appearance, with those messages.
#[derive(Debug, Default)]
pub(super) struct Recorded {
    pub(super) conversations: Vec<ToRun>,
}

/// One conversation with messages to run.
#[derive(Debug)]
pub(super) struct ToRun {
    /// The provider the conversation is on.
    pub(super) provider: Provider,
    /// The conversation.
    pub(super) key: ConversationKey,
    /// Its messages to run, in order of arrival.
    pub(super) messages: Vec<MessageId>,
}

/// The webhook's ingress: record, answer, run; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct InboxIngress {
    inbox: Inbox,
}

impl InboxIngress {
    /// Records into `inbox` and starts its drains.
    #[must_use]
    pub fn new(inbox: Inbox) -> Self {
        Self { inbox }
    }

    /// The inbox it records into.
    #[must_use]
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }

    /// Records a webhook's events in one commit (each message's row and its
    /// customer, the statuses) and returns the conversations with messages
    /// to run.
    ///
    /// # Errors
    ///
    /// The first failure; then nothing is kept, and the webhook answers 500
    /// so the provider retries the whole of it.
    pub(super) async fn commit(&self, events: Vec<WebhookEvent>) -> Result<Recorded, BoxError> {
        let uow = UnitOfWork::new(self.inbox.queue().database());
        let (recorded, first_error) = uow.run(self.record(events)).await;
        if let Some(e) = first_error {
            return Err(e);
        }
        uow.commit().await?;
        Ok(recorded)
    }
}

impl Ingress for InboxIngress {
    async fn accept(&self, events: Vec<WebhookEvent>) -> Result<Vec<OutboundTurn>, BoxError> {
        for run in self.commit(events).await?.conversations {
            self.inbox.spawn_drain(run.provider, run.key);
        }
        Ok(Vec::new())
    }
}

impl InboxIngress {
    /// Records the events; returns what is to run, and the first failure.
    async fn record(&self, events: Vec<WebhookEvent>) -> (Recorded, Option<BoxError>) {
        let mut first_error: Option<BoxError> = None;
        let mut recorded = Recorded::default();
        for event in events {
            match event {
                WebhookEvent::Message(msg) => match self.inbox.queue().record(&msg).await {
                    Ok(state) => {
                        let provider = msg.provider().as_str();
                        match state {
                            InboundState::New => {
                                metrics::counter!("campanile_messages_in_total", "provider" => provider)
                                    .increment(1);
                            }
                            InboundState::Unfinished => {}
                            InboundState::Handled => {
                                tracing::info!(message_id = %msg.id(), "a message whose turn finished before arrived again; not run twice");
                                metrics::counter!("campanile_turns_total", "provider" => provider, "outcome" => "duplicate")
                                    .increment(1);
                                continue;
                            }
                        }
                        let same = |run: &&mut ToRun| {
                            run.provider == msg.provider() && &run.key == msg.key()
                        };
                        match recorded.conversations.iter_mut().find(same) {
                            Some(run) => run.messages.push(msg.id().clone()),
                            None => recorded.conversations.push(ToRun {
                                provider: msg.provider(),
                                key: msg.key().clone(),
                                messages: vec![msg.id().clone()],
                            }),
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot record a message; the webhook answers 500 and the provider retries it");
                        first_error.get_or_insert(e.into());
                    }
                },
                WebhookEvent::Status(status) => {
                    if let Err(e) = self.inbox.outbox().record_status(status).await {
                        first_error.get_or_insert(e.into());
                    }
                }
                WebhookEvent::ProviderError(e) => tracing::warn!(
                    provider = e.provider.as_str(),
                    code = e.code.as_deref().unwrap_or_default(),
                    message = %e.message,
                    "provider reported an error"
                ),
                // No phone number to answer: recorded as unsupported (once),
                // logged and counted the first time, acknowledged.
                WebhookEvent::Unaddressable(m) => {
                    match self.inbox.queue().record_unaddressable(&m).await {
                        Ok(true) => framework::webhook::report_unaddressable(&m),
                        Ok(false) => {
                            tracing::debug!(message_id = %m.message_id, "a message without a phone number arrived again");
                        }
                        Err(e) => {
                            tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot record a message; the webhook answers 500 and the provider retries it");
                            first_error.get_or_insert(e.into());
                        }
                    }
                }
                other => tracing::debug!(event = ?other, "webhook event ignored"),
            }
        }
        (recorded, first_error)
    }
}
