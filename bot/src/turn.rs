//! A turn is one database transaction: the session load and save, the
//! handler's domain effects (an order), the replies it stores in the outbox
//! and the inbound message's `handled` mark commit together or not at all
//! (DESIGN.md §5; docs/adr/0012-one-transaction-per-turn.md).
//!
//! [`TurnCommit`] is the session layer's [`TurnScope`]: it runs the turn in
//! an [`infra::db::UnitOfWork`], so every statement of every repository in
//! the turn joins one transaction, and commits it inside the conversation's
//! lane. The `handled` mark is the turn's idempotency check: it updates the
//! inbound row only if no run of the same message committed before. On
//! PostgreSQL, two runs of one message (a provider retry that outlived the
//! dedup claim, say) both reach that update; the second waits on the row
//! lock, then finds the row handled and rolls back everything it did. So a
//! replay after a crash at any point yields the first run's outcome, once.
//!
//! | the turn ends with … | committed | then (the inbox, [`crate::inbox`]) |
//! |---|---|---|
//! | a response | everything | the next message of the conversation runs |
//! | "in flight" (the session could not be loaded) | nothing | the message is given back, runs again after a backoff |
//! | an error (a handler failed) | nothing | the apology is stored and the message marked handled |
//! | another run committed first | nothing | answered as a duplicate |
//! | the mark or the commit failed | nothing | the message is given back, runs again after a backoff |
//! | a timeout or a crash | nothing | a timeout: the apology; a crash: another worker runs it after the claim's lease |

use framework::session::TurnScope;
use framework::{BoxError, InboundMessage, Outcome, Response};
use infra::db::UnitOfWork;
use infra::db::messages::MessageLog;

/// Commits each turn as one transaction of the message log's database; see
/// the [module docs](self).
#[derive(Debug, Clone)]
pub struct TurnCommit {
    log: MessageLog,
}

impl TurnCommit {
    /// Turns committed in `log`'s database, marked handled in `log`.
    #[must_use]
    pub fn new(log: MessageLog) -> Self {
        Self { log }
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
        let log = self.log.clone();
        let msg = msg.clone();
        async move {
            let uow = UnitOfWork::new(log.database());
            // An error rolls everything back (dropping the unit).
            let response = uow.run(turn).await?;
            if response.outcome() == Outcome::InFlight {
                return Ok(response);
            }
            match uow.run(log.mark_handled(&msg)).await {
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
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot mark the message handled; the turn is rolled back and the provider should retry");
                    return Ok(Response::in_flight());
                }
            }
            if let Err(e) = uow.commit().await {
                tracing::warn!(error.message = %e, error.cause_chain = ?e, "the turn's commit failed; nothing of it is kept and the provider should retry");
                metrics::counter!("campanile_turns_rolled_back_total", "reason" => "commit_failed")
                    .increment(1);
                return Ok(Response::in_flight());
            }
            Ok(response)
        }
    }
}
