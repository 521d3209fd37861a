//! A turn is one database transaction: the session load and save, the
//! handler's domain effects (an order), the replies it stores in the outbox
//! and the inbound message's `handled` mark commit together or not at all
//! (steps 5 and 6 of the [path](super); docs/adr/0012-one-transaction-per-turn.md).
//!
//! This module is the only writer of the `handled` mark: [`TurnCommit`]
//! for a message whose turn ran, [`answer_without_turn`] for one answered
//! by a layer before any turn (rate limited, stale) or after a failed one
//! (the apology).
//!
//! [`TurnCommit`] is the session layer's [`TurnScope`]: it runs the turn in
//! an [`crate::UnitOfWork`], so every statement of every repository in
//! the turn joins one transaction, and commits it inside the conversation's
//! lane. The `handled` mark is the turn's idempotency check: it updates the
//! inbound row only if no run of the same message committed before. On
//! PostgreSQL, two runs of one message (a provider retry that outlived the
//! dedup claim, say) both reach that update; the second waits on the row
//! lock, then finds the row handled and rolls back everything it did. So a
//! replay after a crash at any point yields the first run's outcome, once.
//!
//! | the turn ends with … | committed | then (the [inbox](super::inbox)) |
//! |---|---|---|
//! | a response | everything | the next message of the conversation runs |
//! | "in flight" (the session could not be loaded) | nothing | the message is given back, runs again after a backoff |
//! | an error (a handler failed) | nothing | the apology is stored and the message marked handled |
//! | another run committed first | nothing | answered as a duplicate |
//! | the mark or the commit failed | nothing | the message is given back, runs again after a backoff |
//! | a timeout or a crash | nothing | a timeout: the apology; a crash: another worker runs it after the claim's lease |

use crate::UnitOfWork;
use crate::messages::InboxQueue;
use crate::outbox::DbOutbox;
use framework::session::TurnScope;
use framework::webhook::{OutboundTurn, Outbox as _};
use framework::{BoxError, InboundMessage, Outcome, Response};

/// Commits each turn as one transaction of the message log's database; see
/// the [module docs](self).
#[derive(Debug, Clone)]
pub struct TurnCommit {
    inbox: InboxQueue,
}

impl TurnCommit {
    /// Turns committed in `inbox`'s database, marked handled in `inbox`.
    #[must_use]
    pub fn new(inbox: InboxQueue) -> Self {
        Self { inbox }
    }
}

impl TurnScope for TurnCommit {
    fn run<F>(
        &self,
        msg: &InboundMessage,
        turn: F,
    ) -> impl Future<Output = Result<Response, BoxError>> + Send + 'static + use<F>
    where
        F: Future<Output = Result<Response, BoxError>> + Send + 'static,
    {
        let inbox = self.inbox.clone();
        let msg = msg.clone();
        async move {
            let uow = UnitOfWork::new(inbox.database());
            // An error rolls everything back (dropping the unit).
            let response = uow.run(turn).await?;
            if response.outcome() == Outcome::InFlight {
                return Ok(response);
            }
            match uow.run(inbox.mark_handled(&msg)).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!(
                        message_id = %msg.id(),
                        "another run of this message committed first; this run's effects are rolled back"
                    );
                    metrics::counter!("campanile_turns_rolled_back_total", "reason" => "committed_elsewhere")
                        .increment(1);
                    return Ok(Response::duplicate());
                }
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot mark the message handled; the turn is rolled back and the inbox runs the message again");
                    return Ok(Response::in_flight());
                }
            }
            if let Err(e) = uow.commit().await {
                tracing::warn!(error.message = %e, error.cause_chain = ?e, "the turn's commit failed; nothing of it is kept and the inbox runs the message again");
                metrics::counter!("campanile_turns_rolled_back_total", "reason" => "commit_failed")
                    .increment(1);
                return Ok(Response::in_flight());
            }
            Ok(response.committed())
        }
    }
}

/// Finishes a message answered without a committed turn: the replies left
/// in `response` (the rate limit's notice, the error handler's apology) are
/// stored and the message is marked handled, in one commit. The mark comes
/// first: a message another run finished meanwhile gets no notice or
/// apology from this one. On an error neither is kept, and the message runs
/// again.
///
/// # Errors
///
/// When the replies or the mark cannot be stored, or the commit fails.
pub async fn answer_without_turn(
    inbox: &InboxQueue,
    outbox: &DbOutbox,
    msg: &InboundMessage,
    response: Response,
) -> Result<(), BoxError> {
    let outcome = response.outcome();
    let committed = response.is_committed();
    let uow = UnitOfWork::new(inbox.database());
    let answered = uow
        .run(async {
            // A turn committed by `TurnCommit` marked its message itself;
            // any other answer (a pipeline without it too) is marked here.
            if !committed && !inbox.mark_handled(msg).await? {
                return Ok(false);
            }
            if !response.replies().is_empty() {
                let turn = OutboundTurn {
                    outcome,
                    replies: response.into_replies(),
                    ..OutboundTurn::answering(msg)
                };
                outbox.deliver(turn).await?;
            }
            Ok::<_, BoxError>(true)
        })
        .await?;
    if !answered {
        tracing::info!(
            message_id = %msg.id(),
            outcome = ?outcome,
            "another run of this message finished it first; this run's notice or apology is not sent"
        );
        return Ok(());
    }
    uow.commit().await?;
    Ok(())
}
