//! The durable inbox: the webhook records each verified message and answers
//! 2xx at once; inbox workers run the recorded messages through the
//! pipeline (DESIGN.md §2: "verify signature, parse, durable record, ack").
//!
//! - [`InboxIngress`] is the webhook's [`Ingress`]: it records the messages
//!   of a webhook in the message log (the whole message, one row each,
//!   unique on the provider's message id) and its delivery statuses, in one
//!   commit, and starts a drain of each conversation it touched. A failure
//!   to record rolls the webhook back and answers 500, so the provider
//!   retries; nothing is acknowledged that is not stored (invariant 1).
//! - [`Inbox::drain`] runs a conversation's queue from its head, one
//!   message at a time, in arrival order: it claims the oldest unfinished
//!   message (a lease of `CAMPANILE_IN_FLIGHT_TTL`), runs the pipeline, and
//!   goes on to the next. Only a queue's head can be claimed, so two
//!   workers (of any instances) never run one conversation's messages out of
//!   order or at once. The turn marks its message handled in its own commit
//!   ([`crate::turn`]).
//! - [`Inbox::run_sweeps`] finds queues whose head is runnable (a message
//!   whose worker died, once its lease expired; a message waiting for a
//!   retry) and drains them, on every instance, every `poll`.
//!
//! A message that cannot run now (its lane busy past the wait, a store
//! down: [`Outcome::InFlight`]) is given back with a backoff (250 ms
//! doubling to 10 s); its conversation's later messages wait behind it.
//! Replies the pipeline leaves in its response (the rate limit's notice,
//! the error handler's apology) are stored in the outbox; then the message
//! is marked handled.

use std::convert::Infallible;
use std::time::Duration;

use framework::webhook::{Ingress, OutboundTurn, Outbox};
use framework::{
    BoxError, ConversationKey, InboundMessage, Outcome, Provider, Response, WebhookEvent,
};
use infra::db::UnitOfWork;
use infra::db::messages::{InboundClaim, InboundState, MessageLog, QueuedInbound};
use infra::db::now_ms;
use infra::outbox::DbOutbox;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

/// How many queues one sweep drains at once.
const SWEEP_CONCURRENCY: usize = 8;

/// The pipeline as the inbox runs it.
pub type Pipeline = BoxCloneSyncService<InboundMessage, Response, Infallible>;

/// How the inbox runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InboxConfig {
    /// How long a worker holds a message it runs; after that (its process
    /// died) another worker may run it.
    pub lease: Duration,
    /// How often each instance looks for queues to run (after a crash, or a
    /// retry's time).
    pub poll: Duration,
    /// How many unfinished messages one sweep looks at.
    pub sweep_batch: u64,
}

impl Default for InboxConfig {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(120),
            poll: Duration::from_millis(500),
            sweep_batch: 500,
        }
    }
}

/// Runs recorded messages; cheap to clone. See the [module docs](self).
#[derive(Clone)]
pub struct Inbox {
    log: MessageLog,
    outbox: DbOutbox,
    pipeline: Pipeline,
    config: InboxConfig,
    tasks: TaskTracker,
    stopping: CancellationToken,
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
    /// Finished: the next message of the conversation may run.
    Finished,
    /// Not run, or given back for later: the conversation waits.
    Waiting,
}

impl Inbox {
    /// An inbox over `log`, running messages through `pipeline`, storing
    /// left-over replies in `outbox`.
    #[must_use]
    pub fn new(log: MessageLog, outbox: DbOutbox, pipeline: Pipeline, config: InboxConfig) -> Self {
        Self {
            log,
            outbox,
            pipeline,
            config,
            tasks: TaskTracker::new(),
            stopping: CancellationToken::new(),
        }
    }

    /// Drains the conversation's queue on a task of its own (tracked, so a
    /// shutdown waits for it).
    pub fn spawn_drain(&self, provider: Provider, key: ConversationKey) {
        let inbox = self.clone();
        self.tasks
            .spawn(async move { inbox.drain(provider, &key).await });
    }

    /// Runs the conversation's messages from the head of its queue until it
    /// is empty, its head must wait, or another worker holds it.
    pub async fn drain(&self, provider: Provider, key: &ConversationKey) {
        // A shutdown lets the turn in progress finish, and starts no other:
        // the rest stay recorded for the next worker.
        while !self.stopping.is_cancelled() {
            let head = match self.log.queue_head(provider, key).await {
                Ok(Some(head)) if head.runnable => head,
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot read the inbox; the sweep tries again");
                    return;
                }
            };
            match self.run(head).await {
                Ran::Finished => {}
                Ran::Waiting => return,
            }
        }
    }

    /// Claims and runs one queue head.
    async fn run(&self, head: QueuedInbound) -> Ran {
        let lease_ms = i64::try_from(self.config.lease.as_millis()).unwrap_or(i64::MAX);
        let claim = match self.log.claim_inbound(head.id, lease_ms).await {
            Ok(Some(claim)) => claim,
            // Another worker has it (or it finished meanwhile).
            Ok(None) => return Ran::Waiting,
            Err(e) => {
                tracing::warn!(error.message = %e, "cannot claim an inbound message; the sweep tries again");
                return Ran::Waiting;
            }
        };
        let msg = head.message;
        let answering = OutboundTurn::answering(&msg);
        let Ok(response) = self.pipeline.clone().oneshot(msg.clone()).await;
        let outcome = response.outcome();
        match outcome {
            Outcome::InFlight => {
                self.retry_later(&claim).await;
                return Ran::Waiting;
            }
            // The turn marked its message in its own commit.
            Outcome::Handled if response.replies().is_empty() => return Ran::Finished,
            _ => {}
        }
        // Replies left over (the rate limit's notice, the error handler's
        // apology) and the mark of a message answered without a turn, in
        // one commit: a failure leaves neither, and the message runs again.
        let uow = UnitOfWork::new(self.log.database());
        let finished = uow
            .run(async {
                if !response.replies().is_empty() {
                    let turn = OutboundTurn {
                        outcome,
                        replies: response.into_replies(),
                        ..answering
                    };
                    self.outbox.deliver(turn).await?;
                }
                if outcome != Outcome::Handled {
                    self.log.mark_handled(&msg).await?;
                }
                Ok::<_, BoxError>(())
            })
            .await;
        let committed = match finished {
            Ok(()) => uow.commit().await.map_err(BoxError::from),
            Err(e) => Err(e),
        };
        if let Err(e) = committed {
            tracing::warn!(error.message = %e, "cannot store the answer to a message; running it again later");
            self.retry_later(&claim).await;
            return Ran::Waiting;
        }
        Ran::Finished
    }

    async fn retry_later(&self, claim: &InboundClaim) {
        let exponent = u32::try_from(claim.attempts.clamp(1, 7) - 1).unwrap_or(0);
        let delay = (Duration::from_millis(250) * 2_u32.pow(exponent)).min(Duration::from_secs(10));
        let at = now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
        if let Err(e) = self.log.retry_inbound(claim, at).await {
            tracing::warn!(error.message = %e, "cannot give an inbound message back; it runs again when its lease expires");
        }
    }

    /// One sweep: drains every queue whose head may run now, a few at a
    /// time (bounded: a backlog must not take every database connection
    /// from the webhooks), and returns how many it drained.
    pub async fn sweep(&self) -> usize {
        let heads = match self.log.queue_heads(self.config.sweep_batch).await {
            Ok(heads) => heads,
            Err(e) => {
                tracing::warn!(error.message = %e, error.cause_chain = ?e, "inbox sweep failed; trying again");
                return 0;
            }
        };
        let runnable: Vec<_> = heads.into_iter().filter(|h| h.runnable).collect();
        for chunk in runnable.chunks(SWEEP_CONCURRENCY) {
            if self.stopping.is_cancelled() {
                break;
            }
            futures_util::future::join_all(
                chunk
                    .iter()
                    .map(|h| self.drain(h.message.provider(), h.message.key())),
            )
            .await;
        }
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
            }
            tokio::select! {
                () = &mut shutdown => break,
                _ = self.sweep() => {}
            }
        }
        self.stopping.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        tracing::info!("inbox stopped; unfinished messages stay recorded");
    }
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
}

impl Ingress for InboxIngress {
    async fn accept(&self, events: Vec<WebhookEvent>) -> Result<Vec<OutboundTurn>, BoxError> {
        // One commit for the whole webhook (each message's row and its
        // customer, the statuses), before the answer.
        let uow = UnitOfWork::new(self.inbox.log.database());
        let (touched, first_error) = uow.run(self.record(events)).await;
        if let Some(e) = first_error {
            // Rolled back: the provider retries the whole webhook.
            return Err(e);
        }
        uow.commit().await?;
        for (provider, key) in touched {
            self.inbox.spawn_drain(provider, key);
        }
        Ok(Vec::new())
    }
}

impl InboxIngress {
    /// Records the events; returns the conversations with messages to run,
    /// and the first failure.
    async fn record(
        &self,
        events: Vec<WebhookEvent>,
    ) -> (Vec<(Provider, ConversationKey)>, Option<BoxError>) {
        let mut first_error: Option<BoxError> = None;
        let mut touched: Vec<(Provider, ConversationKey)> = Vec::new();
        for event in events {
            match event {
                WebhookEvent::Message(msg) => match self.inbox.log.record_inbound(&msg).await {
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
                        let conversation = (msg.provider(), msg.key().clone());
                        if !touched.contains(&conversation) {
                            touched.push(conversation);
                        }
                    }
                    Err(e) => {
                        tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot record a message; the provider should retry");
                        first_error.get_or_insert(e.into());
                    }
                },
                WebhookEvent::Status(status) => {
                    if let Err(e) = self.inbox.outbox.record_status(status).await {
                        first_error.get_or_insert(e.into());
                    }
                }
                WebhookEvent::ProviderError(e) => tracing::warn!(
                    provider = e.provider.as_str(),
                    code = e.code.as_deref().unwrap_or_default(),
                    message = %e.message,
                    "provider reported an error"
                ),
                // No phone number to answer: logged as unsupported, counted, acknowledged.
                WebhookEvent::Unaddressable(m) => framework::webhook::report_unaddressable(&m),
                other => tracing::debug!(event = ?other, "webhook event ignored"),
            }
        }
        (touched, first_error)
    }
}
