//! The inbox: runs recorded messages, each conversation's in arrival
//! order (steps 3 and 6 of the [path](super)).
//!
//! - [`Inbox::drain`] runs a conversation's queue from its head, one
//!   message at a time: it claims the oldest unfinished message (a lease of
//!   `CAMPANILE_IN_FLIGHT_TTL`, renewed every third of it while the turn
//!   runs), runs the pipeline, and goes on to the next.
//!   Only a queue's head can be claimed, so two workers (of any instances)
//!   never run one conversation's messages out of order or at once.
//! - [`Inbox::run_sweeps`] finds queues whose head is runnable (a message
//!   whose worker died, once its lease expired; a message waiting for a
//!   retry; a message recorded while every turn slot was taken) and drains
//!   them, on every instance, every `poll`, and again right after a turn
//!   finishes while a message waits for a slot (once the sweep in
//!   progress, if any, is done).
//! - At most [`InboxConfig::turns`] turns run at once
//!   (`CAMPANILE_TURN_CONCURRENCY`): under a flood the backlog waits in
//!   the database, and the dispatcher and the webhooks keep their share of
//!   its connections.
//!
//! A message that cannot run now (its lane busy past the wait, a store
//! down: [`Outcome::InFlight`]) is given back with a backoff (250 ms
//! doubling to 10 s); its conversation's later messages wait behind it.
//! When the database fails under a claim or a give-back (a server stopped
//! mid-statement: the claim may have committed unanswered), the give-back
//! is tried again until the database answers, so a message is not held for
//! its whole lease (`CAMPANILE_IN_FLIGHT_TTL`) by a blip.
//! A message answered without a turn is finished by
//! [`answer_without_turn`](super::turn::answer_without_turn).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::messages::{InboundClaim, InboxQueue, QueuedInbound};
use crate::outbox::DbOutbox;
use framework::backoff::Backoff;
use framework::lease::{Renewal, renewing};
use framework::pipeline::BoxPipeline;
use framework::webhook::OutboundTurn;
use framework::{ConversationKey, Outcome, Provider};
use futures_util::StreamExt as _;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

/// How long a message given back waits before it runs again, doubling
/// with each run: 250 ms, 500 ms, 1 s, … at most [`MAX_RETRY_DELAY`].
const RETRY: Backoff = Backoff::Exponential(Duration::from_millis(250));

/// The longest wait of a message given back.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(10);

/// How many queues one sweep drains at once.
const SWEEP_CONCURRENCY: usize = 8;

/// How the inbox runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxConfig {
    /// How long a worker holds a message without renewal; it renews the
    /// lease every third of this while the message runs, so after its
    /// process died another worker runs the message within this time.
    pub lease: Duration,
    /// How often each instance looks for queues to run (after a crash, or a
    /// retry's time).
    pub poll: Duration,
    /// At most how many runnable heads (queues) one sweep drains.
    pub sweep_batch: u64,
    /// Most turns running at once (drains started for new messages and by
    /// sweeps together); a message recorded while all run waits for the
    /// next sweep, started right after a turn finishes.
    pub turns: usize,
}

impl Default for InboxConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(10),
            poll: Duration::from_millis(500),
            sweep_batch: 500,
            turns: 8,
        }
    }
}

/// Runs recorded messages; cheap to clone. See the [module docs](self).
#[derive(Clone)]
pub struct Inbox {
    queue: InboxQueue,
    outbox: DbOutbox,
    pipeline: BoxPipeline,
    config: InboxConfig,
    tasks: TaskTracker,
    stopping: CancellationToken,
    /// One permit per turn that may run ([`InboxConfig::turns`]).
    turns: Arc<Semaphore>,
    /// Set when a new message found every turn running; the next turn to
    /// finish wakes the sweep ([`sweep_now`](Self::run_sweeps)).
    deferred: Arc<AtomicBool>,
    sweep_now: Arc<Notify>,
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox")
            .field("config", &self.config)
            .field("running", &self.tasks.len())
            .finish_non_exhaustive()
    }
}

/// What running a queue's head came to.
enum Ran {
    /// Finished, with its answer: the next message of the conversation may
    /// run.
    Finished(OutboundTurn),
    /// Not run, or given back for later: the conversation waits.
    Waiting,
}

impl Inbox {
    /// An inbox over `queue`, running messages through `pipeline`, storing
    /// left-over replies in `outbox`.
    ///
    /// Give the pipeline's session layer [`TurnCommit`](super::TurnCommit)
    /// as its turn scope, so a turn's session, effects, replies and the
    /// message's `handled` mark commit as one transaction. Without it each
    /// store commits on its own and the inbox marks the message after the
    /// turn (a crash between the two runs the message again).
    #[must_use]
    pub fn new(
        queue: InboxQueue,
        outbox: DbOutbox,
        pipeline: BoxPipeline,
        config: InboxConfig,
    ) -> Self {
        Self {
            queue,
            outbox,
            pipeline,
            turns: Arc::new(Semaphore::new(config.turns.max(1))),
            config,
            tasks: TaskTracker::new(),
            stopping: CancellationToken::new(),
            deferred: Arc::new(AtomicBool::new(false)),
            sweep_now: Arc::new(Notify::new()),
        }
    }

    /// The queues the inbox runs from.
    pub(super) fn queue(&self) -> &InboxQueue {
        &self.queue
    }

    /// Where replies and delivery statuses go.
    pub(super) fn outbox(&self) -> &DbOutbox {
        &self.outbox
    }

    /// Drains the conversation's queue on a task of its own (tracked, so a
    /// shutdown waits for it), if a turn may start now; otherwise the
    /// message stays recorded and the sweep runs it once a turn finishes
    /// (a flood is held in the database, not in tasks waiting in memory,
    /// and cannot take every connection from the dispatcher).
    pub fn spawn_drain(&self, provider: Provider, key: ConversationKey) {
        let permit = match Arc::clone(&self.turns).try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                self.deferred.store(true, Ordering::Release);
                // A turn that finished between the two lines did not see
                // the flag: look once more.
                let Ok(permit) = Arc::clone(&self.turns).try_acquire_owned() else {
                    return;
                };
                permit
            }
        };
        let inbox = self.clone();
        self.tasks.spawn(async move {
            inbox.drain(provider, &key).await;
            inbox.finished(permit);
        });
    }

    /// Frees a turn's permit; wakes the sweep if a message waits for one.
    fn finished(&self, permit: OwnedSemaphorePermit) {
        drop(permit);
        if self.deferred.swap(false, Ordering::AcqRel) {
            self.sweep_now.notify_one();
        }
    }

    /// Runs the conversation's messages from the head of its queue until it
    /// is empty, its head must wait, or another worker holds it.
    pub async fn drain(&self, provider: Provider, key: &ConversationKey) {
        self.drain_with(provider, key, &mut |_| {}).await;
    }

    /// [`drain`](Self::drain), handing `answered` each message's answer
    /// once it is committed: the turn with every reply made for it (stored
    /// by the turn, or after it) and its outcome.
    pub async fn drain_with(
        &self,
        provider: Provider,
        key: &ConversationKey,
        answered: &mut (dyn FnMut(OutboundTurn) + Send),
    ) {
        // A shutdown lets the turn in progress finish, and starts no other:
        // the rest stay recorded for the next worker.
        while !self.stopping.is_cancelled() {
            let head = match self.queue.head(provider, key).await {
                Ok(Some(head)) if head.runnable => head,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot read the inbox; the sweep tries again");
                    return;
                }
            };
            match self.run(head).await {
                Ran::Finished(answer) => answered(answer),
                Ran::Waiting => return,
            }
        }
    }

    /// Claims and runs one queue head.
    async fn run(&self, head: QueuedInbound) -> Ran {
        // The time by the log's database, whose statements judge the lease.
        let until_ms = self.queue.database().clock().ms_after(self.config.lease);
        let claim = match self.queue.claim(head.id, until_ms).await {
            Ok(Some(claim)) => claim,
            // Another worker has it (or it finished meanwhile).
            Ok(None) => return Ran::Waiting,
            Err(e) => {
                tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot claim an inbound message; giving back the claim in case it took, the sweep tries again");
                // The claim may have taken even so (committed, and the
                // connection dropped before the answer: a database stopped
                // at that moment), and would hold the message for the whole
                // lease. Give back the claim it would be; if it did not
                // take, that changes nothing.
                let maybe = InboundClaim::unanswered(head.id, until_ms, head.attempts);
                self.retry_later(&maybe).await;
                return Ran::Waiting;
            }
        };
        let msg = head.message;
        // The lease is short (a crashed worker's message runs again soon)
        // and renewed while the turn runs.
        let turn = self.pipeline.clone().oneshot(msg.clone());
        let Ok(response) = renewing(turn, self.config.lease / 3, || self.renew(&claim)).await;
        let answer = OutboundTurn {
            outcome: response.outcome(),
            replies: response.all_replies().cloned().collect(),
            ..OutboundTurn::answering(&msg)
        };
        match response.outcome() {
            Outcome::InFlight => {
                self.retry_later(&claim).await;
                return Ran::Waiting;
            }
            // The turn marked its message in its own commit.
            // The turn's commit finished the message, and nothing is left
            // to store.
            _ if response.is_committed() && response.replies().is_empty() => {
                return Ran::Finished(answer);
            }
            _ => {}
        }
        if let Err(e) =
            super::turn::answer_without_turn(&self.queue, &self.outbox, &msg, response).await
        {
            tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot store the answer to a message; running it again later");
            self.retry_later(&claim).await;
            return Ran::Waiting;
        }
        Ran::Finished(answer)
    }

    /// Holds `claim` for another lease; [`Renewal::Lost`] once another
    /// worker holds the message.
    async fn renew(&self, claim: &InboundClaim) -> Renewal {
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX);
        match self.queue.renew(claim, lease_ms).await {
            Ok(true) => Renewal::Held,
            Ok(false) => {
                tracing::warn!(
                    message_id = claim.id,
                    "a message's lease is no longer held during its turn (it finished, or lapsed and another worker may run it)"
                );
                Renewal::Lost
            }
            Err(e) => {
                tracing::warn!(error.message = %e, "cannot renew a message's lease; trying again");
                Renewal::Held
            }
        }
    }

    /// Gives a claimed message back, to run again after the backoff. The
    /// database may be failing right now (often why the message could not
    /// run): the give-back is tried again, with the same backoff, until it
    /// lands, the claim's lease would end anyway, or the inbox stops; a
    /// message not given back waits for its lease to end.
    async fn retry_later(&self, claim: &InboundClaim) {
        let next = u32::try_from(claim.attempts.saturating_add(1)).unwrap_or(1);
        let delay = RETRY.delay_before_at_most(next, MAX_RETRY_DELAY);
        // The time by the log's database, whose statements judge when it is due.
        let clock = self.queue.database().clock();
        let at = clock.ms_after(delay);
        let mut tries = 0_u32;
        loop {
            let Err(e) = self.queue.retry(claim, at).await else {
                return;
            };
            tries = tries.saturating_add(1);
            let wait = RETRY.delay_before_at_most(tries, MAX_RETRY_DELAY);
            if self.stopping.is_cancelled() || clock.ms_after(wait) >= claim.until_ms {
                tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot give an inbound message back; it runs again when its lease expires");
                return;
            }
            tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot give an inbound message back yet; trying again");
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = self.stopping.cancelled() => {}
            }
        }
    }

    /// One sweep: drains every queue whose head may run now, a few at a
    /// time (bounded: a backlog must not take every database connection
    /// from the webhooks), and returns how many it drained.
    pub async fn sweep(&self) -> usize {
        let runnable = match self.queue.runnable_heads(self.config.sweep_batch).await {
            Ok(heads) => heads,
            Err(e) => {
                tracing::warn!(error.message = %e, error.cause_chain = ?e, "inbox sweep failed; trying again");
                return 0;
            }
        };
        // A few queues at a time, each finished one making room for the
        // next: a slow turn holds its own queue, not a batch of others.
        let queues: Vec<(Provider, ConversationKey)> = runnable
            .iter()
            .map(|h| (h.message.provider(), h.message.key().clone()))
            .collect();
        let mut drains = futures_util::stream::iter(queues)
            .map(|(provider, key)| async move {
                let Ok(permit) = Arc::clone(&self.turns).acquire_owned().await else {
                    return;
                };
                if !self.stopping.is_cancelled() {
                    self.drain(provider, &key).await;
                }
                self.finished(permit);
            })
            .buffer_unordered(SWEEP_CONCURRENCY);
        while drains.next().await.is_some() {}
        runnable.len()
    }

    /// Sweeps every `poll` until `shutdown` resolves, then waits for the
    /// drains in progress (a turn is never cut off half-way by a shutdown).
    pub async fn run_sweeps(self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(self.config.poll) => {}
                () = self.sweep_now.notified() => {}
            }
            let sweep = self.sweep();
            tokio::pin!(sweep);
            tokio::select! {
                () = &mut shutdown => {
                    // The sweep's turns in progress finish; it starts no
                    // other (a turn cut off would hold its claim for the
                    // lease).
                    self.stopping.cancel();
                    sweep.await;
                    break;
                }
                _ = &mut sweep => {}
            }
        }
        self.stopping.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        tracing::info!("inbox stopped; unfinished messages stay recorded");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests;
