//! The terminal chat's ingress: the webhook's record and the same inbox,
//! then it waits for the turns and answers with their replies, so the
//! terminal ([`framework::local::Terminal`]) prints them before it reads
//! the next line.

use std::time::Duration;

use framework::webhook::{Ingress, OutboundTurn};
use framework::{BoxError, Outcome, WebhookEvent};

use super::ingress::InboxIngress;

/// How often a message given back for later (its lane busy, a store down)
/// is looked at again while the terminal waits.
const RECHECK: Duration = Duration::from_millis(100);

/// An [`Ingress`] for a terminal chat: records like [`InboxIngress`], runs
/// the conversation now and answers with what its turns replied (every
/// reply, stored in the outbox as a webhook's would be).
#[derive(Debug, Clone)]
pub struct ChatIngress {
    ingress: InboxIngress,
    patience: Duration,
}

impl ChatIngress {
    /// Records through `ingress` and waits up to `patience` for each
    /// message's turn. A message still not run by then (its lane busy, a
    /// store down, another process holding it) is shown as in flight; it
    /// stays recorded and runs when the conversation's next message is
    /// typed, or when a server on the same database sweeps it.
    #[must_use]
    pub fn new(ingress: InboxIngress, patience: Duration) -> Self {
        Self { ingress, patience }
    }
}

impl Ingress for ChatIngress {
    async fn accept(&self, events: Vec<WebhookEvent>) -> Result<Vec<OutboundTurn>, BoxError> {
        let recorded = self.ingress.commit(events).await?;
        let deadline = tokio::time::Instant::now() + self.patience;
        let mut answers: Vec<OutboundTurn> = Vec::new();
        for run in &recorded.conversations {
            let ids = &run.messages;
            loop {
                // Older unfinished messages of the conversation run first,
                // and are shown too: they are this chat's.
                self.ingress
                    .inbox()
                    .drain_with(run.provider, &run.key, &mut |answer| answers.push(answer))
                    .await;
                let waiting = ids
                    .iter()
                    .any(|id| !answers.iter().any(|a| &a.in_reply_to == id));
                if !waiting {
                    break;
                }
                if tokio::time::Instant::now() >= deadline {
                    for id in ids {
                        if !answers.iter().any(|a| &a.in_reply_to == id) {
                            answers.push(OutboundTurn {
                                provider: run.provider,
                                key: run.key.clone(),
                                in_reply_to: id.clone(),
                                channel_id: None,
                                outcome: Outcome::InFlight,
                                replies: Vec::new(),
                            });
                        }
                    }
                    break;
                }
                // Given back with a backoff: run it when its time comes.
                tokio::time::sleep(RECHECK).await;
            }
        }
        Ok(answers)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::time::Duration;

    use crate::messages::InboxQueue;
    use crate::outbox::{DbOutbox, RenderConfig};
    use crate::{Database, DatabaseSettings};
    use framework::reply::Reply;
    use framework::{InboundMessage, Response};
    use tower::util::BoxCloneSyncService;

    use super::*;
    use crate::inbound::{Inbox, InboxConfig};

    /// A chat ingress over a fresh in-memory database whose pipeline answers
    /// every message with `answer`.
    async fn chat(answer: fn(&InboundMessage) -> Response) -> ChatIngress {
        let db = Database::connect(&DatabaseSettings::in_memory())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        let pipeline = BoxCloneSyncService::new(tower::service_fn(move |msg: InboundMessage| {
            std::future::ready(Ok(answer(&msg)))
        }));
        let inbox = Inbox::new(
            InboxQueue::new(db.clone()),
            DbOutbox::new(db, RenderConfig::default()),
            pipeline,
            InboxConfig::default(),
        );
        ChatIngress::new(InboxIngress::new(inbox), Duration::from_millis(300))
    }

    #[tokio::test]
    async fn a_message_is_answered_with_its_turn_s_replies() {
        let chat = chat(|_| Response::reply(Reply::text("hello"))).await;
        let msg = framework::doc::text("hi");

        let answers = chat
            .accept(vec![WebhookEvent::Message(msg.clone())])
            .await
            .unwrap();

        assert_eq!(answers.len(), 1, "{answers:?}");
        assert_eq!(&answers[0].in_reply_to, msg.id());
        assert_eq!(answers[0].replies, [Reply::text("hello")]);
    }

    #[tokio::test]
    async fn an_ignored_message_finishes_with_its_outcome_and_nothing_to_send() {
        let chat = chat(|_| Response::ignored()).await;
        let msg = framework::doc::text("a sticker");

        let answers = chat
            .accept(vec![WebhookEvent::Message(msg.clone())])
            .await
            .unwrap();

        assert_eq!(answers.len(), 1, "{answers:?}");
        assert_eq!(answers[0].outcome, Outcome::Ignored);
        assert!(answers[0].replies.is_empty());
    }

    #[tokio::test]
    async fn a_message_that_cannot_run_is_shown_in_flight_not_silence() {
        // Regression: the terminal printed nothing when a message was given
        // back (its lane busy) for longer than the chat waited.
        let chat = chat(|_| Response::in_flight()).await;
        let msg = framework::doc::text("hi");

        let answers = chat
            .accept(vec![WebhookEvent::Message(msg.clone())])
            .await
            .unwrap();

        assert_eq!(answers.len(), 1, "{answers:?}");
        assert_eq!(&answers[0].in_reply_to, msg.id());
        assert_eq!(answers[0].outcome, Outcome::InFlight);
        assert!(answers[0].replies.is_empty());
    }
}
