//! The terminal chat's ingress: the webhook's record and the same inbox,
//! then it waits for the turns and answers with their replies, so the
//! terminal ([`framework::local::Terminal`]) prints them before it reads
//! the next line.

use std::time::Duration;

use framework::webhook::{Ingress, OutboundTurn};
use framework::{BoxError, WebhookEvent};

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
    /// message's turn (a message that waits longer is answered later, by
    /// the inbox, and shown by nothing).
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
        for (provider, key, ids) in &recorded.conversations {
            loop {
                // Older unfinished messages of the conversation run first,
                // and are shown too: they are this chat's.
                self.ingress
                    .inbox()
                    .drain_with(*provider, key, &mut |answer| answers.push(answer))
                    .await;
                let waiting = ids
                    .iter()
                    .any(|id| !answers.iter().any(|a| &a.in_reply_to == id));
                if !waiting || tokio::time::Instant::now() >= deadline {
                    break;
                }
                // Given back with a backoff: run it when its time comes.
                tokio::time::sleep(RECHECK).await;
            }
        }
        Ok(answers)
    }
}
