//! The [`Dispatcher`]: sends the outbox's due rows, per customer in order,
//! many customers at once, and records each outcome.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use framework::lease::{Renewal, renewing};
use futures_util::StreamExt as _;
use tokio::sync::Notify;
use tokio::task::JoinSet;

mod outcome;

use self::outcome::{Outcome, resend_after_unknown};

use crate::messages::{OutboundStatus, OutboxQueue, PendingOutbound, SendClaim};
use crate::{DbError, duration_ms};
use infra_providers::{OutboundRequest, Transport};

/// How the [`Dispatcher`] paces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchConfig {
    /// Rows read per round. Defaults to 200.
    pub batch: u64,
    /// Customers sent to at once: each has at most one send in flight, and
    /// a slow or hung send holds only its own customer. Defaults to 64.
    pub concurrency: usize,
    /// How long a claimed row is held without renewal; the send renews it
    /// every third of this, so after a dispatcher died another sends its
    /// reply within this time. Defaults to 10 s.
    pub lease: Duration,
    /// Attempts before a retryable failure becomes final. Defaults to 8.
    pub max_attempts: i32,
    /// First retry delay, doubled per attempt. Defaults to 1 s.
    pub backoff: Duration,
    /// Longest retry delay. Defaults to 5 minutes.
    pub max_backoff: Duration,
    /// How often to look for due rows without being woken. Defaults to 1 s.
    pub poll: Duration,
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            batch: 200,
            concurrency: 64,
            lease: Duration::from_secs(10),
            max_attempts: 8,
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            poll: Duration::from_secs(1),
        }
    }
}

/// What one [`Dispatcher::run_once`] round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoundReport {
    /// Accepted by a provider.
    pub sent: u64,
    /// Logged, not sent (no credentials).
    pub dry_run: u64,
    /// Will be retried.
    pub retrying: u64,
    /// Failed for good.
    pub failed: u64,
    /// Sent with an unknown outcome and not sent again (status `unknown`).
    pub unknown: u64,
    /// Left in the outbox unclaimed: their provider's circuit breaker is
    /// open.
    pub held: u64,
}

impl RoundReport {
    fn add(&mut self, other: Self) {
        self.sent += other.sent;
        self.dry_run += other.dry_run;
        self.retrying += other.retrying;
        self.failed += other.failed;
        self.unknown += other.unknown;
        self.held += other.held;
    }

    /// Rows this round finished or rescheduled.
    #[must_use]
    pub fn total(&self) -> u64 {
        self.sent + self.dry_run + self.retrying + self.failed + self.unknown
    }
}

/// Sends the outbox's pending rows; see the [outbox module docs](super).
#[derive(Debug, Clone)]
pub struct Dispatcher<T> {
    queue: OutboxQueue,
    transport: T,
    wake: Arc<Notify>,
    config: DispatchConfig,
}

impl<T: Transport> Dispatcher<T> {
    pub(super) fn new(
        queue: OutboxQueue,
        transport: T,
        wake: Arc<Notify>,
        config: DispatchConfig,
    ) -> Self {
        Self {
            queue,
            transport,
            wake,
            config,
        }
    }

    /// Sends until `shutdown` resolves, then finishes the sends in flight
    /// (a send is never cut off half-way) and returns.
    ///
    /// Sends run continuously, not in rounds: up to
    /// [`concurrency`](DispatchConfig::concurrency) customers' lanes are in
    /// flight, and as one finishes the next lane read starts. So a hung
    /// provider request delays only its own customer's replies, never
    /// everybody's. The queue is read again only when the lanes read are all
    /// started and it may hold more: after a wake (new replies), a poll tick
    /// (retries coming due), a full batch, or a lane put off because its
    /// customer was still being sent to — not once per send.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) {
        tokio::pin!(shutdown);
        let this = Arc::new(self);
        let capacity = this.config.concurrency.max(1);
        // Lanes are tasks of their own: they progress (and give their
        // database connections back) while this loop reads the queue.
        let mut in_flight: JoinSet<RoundReport> = JoinSet::new();
        // The customers whose lanes are in flight, by task.
        let mut busy: HashMap<tokio::task::Id, String> = HashMap::new();
        // Lanes read and not started yet, in sending order.
        let mut ready: VecDeque<Vec<PendingOutbound>> = VecDeque::new();
        // Whether the queue may hold due rows that `ready` does not.
        let mut unread = true;
        let mut poll = tokio::time::interval(this.config.poll);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stopping = false;
        loop {
            if !stopping && in_flight.len() < capacity {
                if ready.is_empty() && unread {
                    unread = false;
                    match this.queue.due(this.config.batch).await {
                        Ok(rows) => {
                            unread = rows.len() as u64 >= this.config.batch;
                            ready.extend(lanes(rows));
                        }
                        Err(e) => {
                            tracing::error!(error.message = %e, error.cause_chain = ?e, "outbox dispatcher cannot read due replies; retrying");
                        }
                    }
                }
                while in_flight.len() < capacity {
                    let Some(lane) = ready.pop_front() else { break };
                    let customer = &lane[0].customer;
                    if busy.values().any(|c| c == customer) {
                        // Read again once its lane is done.
                        unread = true;
                        continue;
                    }
                    let customer = customer.clone();
                    let dispatcher = Arc::clone(&this);
                    let task = in_flight.spawn(async move { dispatcher.send_lane(lane).await });
                    busy.insert(task.id(), customer);
                }
            }
            if stopping && in_flight.is_empty() {
                break;
            }
            tokio::select! {
                biased;
                () = &mut shutdown, if !stopping => stopping = true,
                Some(done) = in_flight.join_next_with_id(), if !in_flight.is_empty() => {
                    let task = match done {
                        Ok((task, _)) => task,
                        Err(e) => {
                            // Its customer's row stays claimed until its
                            // lease ends, then is sent again.
                            tracing::error!(error.message = %e, "an outbox lane failed");
                            e.id()
                        }
                    };
                    busy.remove(&task);
                }
                () = this.wake.notified(), if !stopping => unread = true,
                _ = poll.tick(), if !stopping => unread = true,
            }
        }
        tracing::info!("outbox dispatcher stopped; unsent replies stay stored");
    }

    /// One round: sends the due rows (per customer in order, at most
    /// `batch` of them), reschedules failures.
    ///
    /// # Errors
    ///
    /// [`DbError`] when the log cannot be read; a failure to record one
    /// row's outcome is logged and the row is sent again after its lease.
    pub async fn run_once(&self) -> Result<RoundReport, DbError> {
        let pending = self.queue.due(self.config.batch).await?;
        let mut report = RoundReport::default();
        let mut results = futures_util::stream::iter(lanes(pending))
            .map(|lane| self.send_lane(lane))
            .buffer_unordered(self.config.concurrency.max(1));
        while let Some(r) = results.next().await {
            report.add(r);
        }
        Ok(report)
    }

    async fn send_lane(&self, lane: Vec<PendingOutbound>) -> RoundReport {
        let mut report = RoundReport::default();
        for row in lane {
            if !row.due {
                break;
            }
            let request = serde_json::from_str::<OutboundRequest>(&row.request);
            if let Ok(request) = &request
                && self.transport.refusing(request.provider()).is_some()
            {
                // Its breaker is open: the row stays where it is, unclaimed
                // and in order, until a probe may go.
                report.held += 1;
                break;
            }
            // The time by the log's database, whose statements judge the lease.
            let until_ms = self.queue.database().clock().ms_after(self.config.lease);
            let claim = match self.queue.claim_send(row.id, until_ms).await {
                Ok(Some(claim)) => claim,
                Ok(None) => break, // another dispatcher has it; keep the order
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "cannot claim an outbox row");
                    self.release_unanswered_claim(row.id, until_ms, row.attempts.saturating_add(1))
                        .await;
                    break;
                }
            };
            if row.put_off && self.opted_out_meanwhile(&row).await {
                // A capped marketing template's retry, a day later: the
                // customer stopped marketing since. It never goes.
                if let Err(e) = self
                    .queue
                    .mark_final(
                        row.id,
                        OutboundStatus::Failed,
                        claim.attempts,
                        Some(crate::consent::OPTED_OUT_UNSENT),
                    )
                    .await
                {
                    tracing::warn!(error.message = %e, "cannot record a withheld retry; it is looked at again");
                }
                report.failed += 1;
                continue;
            }
            let outcome = if claim.unknown_outcomes > row.unknown_outcomes {
                // The previous claim lapsed mid-send: its outcome is unknown.
                self.after_lapsed_claim(&row, claim, request).await
            } else {
                self.send_claimed(&row, claim, request).await
            };
            let stop = outcome == Outcome::Retrying;
            match outcome {
                Outcome::Sent => report.sent += 1,
                Outcome::DryRun => report.dry_run += 1,
                Outcome::Retrying => report.retrying += 1,
                Outcome::Failed => report.failed += 1,
                Outcome::Unknown => report.unknown += 1,
            }
            if stop {
                break;
            }
        }
        report
    }

    /// Whether the customer of `row` opted out of marketing (a STOP, a
    /// provider's 131050, an operator); when that cannot be read, `true`:
    /// a marketing retry is withheld rather than sent against a STOP.
    async fn opted_out_meanwhile(&self, row: &PendingOutbound) -> bool {
        crate::consent::MarketingOptOuts::new(self.queue.database().clone())
            .is_opted_out(&row.customer)
            .await
            .unwrap_or(true)
    }

    /// Sends a claimed row, renewing its short lease while the send runs
    /// (so a crashed dispatcher's reply goes out soon).
    async fn send_claimed(
        &self,
        row: &PendingOutbound,
        claim: SendClaim,
        request: Result<OutboundRequest, serde_json::Error>,
    ) -> Outcome {
        renewing(
            self.send_row(row, claim, request),
            self.config.lease / 3,
            || self.renew(row, claim.attempts),
        )
        .await
    }

    /// A row whose previous claim lapsed without a recorded outcome (its
    /// dispatcher died or stalled mid-send): the provider may have it. A
    /// conversational reply is sent again, once; a proactive message
    /// (at-most-once) never: it ends `unknown`, listed for review.
    async fn after_lapsed_claim(
        &self,
        row: &PendingOutbound,
        claim: SendClaim,
        request: Result<OutboundRequest, serde_json::Error>,
    ) -> Outcome {
        let target = request
            .as_ref()
            .map(|r| r.provider().as_str())
            .unwrap_or("unknown");
        metrics::counter!("campanile_outbound_unknown_total", "target" => target).increment(1);
        if resend_after_unknown(row.at_most_once, claim.unknown_outcomes) {
            tracing::warn!(
                row = row.id,
                in_reply_to = row.in_reply_to.as_deref().unwrap_or_default(),
                "a reply's previous send lapsed with its outcome unknown; sending it once more (the customer may get it twice)"
            );
            metrics::counter!("campanile_outbound_resent_total", "target" => target).increment(1);
            return self.send_claimed(row, claim, request).await;
        }
        let error = "a send lapsed with its outcome unknown (its dispatcher stopped mid-send); not sent again";
        tracing::warn!(
            row = row.id,
            at_most_once = row.at_most_once,
            in_reply_to = row.in_reply_to.as_deref().unwrap_or_default(),
            "{error}"
        );
        let stored = self
            .queue
            .mark_unknown(row.id, claim.attempts, claim.unknown_outcomes, error)
            .await;
        Self::record(row, Outcome::Unknown, stored);
        Outcome::Unknown
    }

    /// Holds the claim of `row` for another lease; [`Renewal::Lost`] once
    /// another dispatcher holds it.
    async fn renew(&self, row: &PendingOutbound, attempts: i32) -> Renewal {
        match self
            .queue
            .renew(row.id, attempts, duration_ms(self.config.lease))
            .await
        {
            Ok(true) => Renewal::Held,
            Ok(false) => {
                tracing::warn!(
                    row = row.id,
                    "a reply's send lease is no longer held during its send (its outcome is recorded, or it lapsed and another dispatcher may send it again)"
                );
                Renewal::Lost
            }
            Err(e) => {
                tracing::warn!(error.message = %e, "cannot renew a reply's send lease; trying again");
                Renewal::Held
            }
        }
    }

    /// A claim that failed may have taken even so (committed, and the
    /// connection dropped before the answer: a database stopped at that
    /// moment); it would hold the customer's replies for the whole lease.
    /// Nothing was sent under it: give it back, trying again a few times
    /// (each try waits for a connection while the database restarts); a
    /// claim that did not take is left as it is.
    async fn release_unanswered_claim(&self, id: i64, until_ms: i64, attempts: i32) {
        let mut released = Ok(());
        for wait_ms in [0, 250, 1_000, 5_000] {
            tokio::time::sleep(Duration::from_millis(wait_ms)).await;
            released = self.queue.release(id, until_ms, attempts).await;
            if released.is_ok() {
                return;
            }
        }
        if let Err(e) = released {
            tracing::warn!(row = id, error.message = %e, "cannot give back an outbox claim that may have taken; the row waits for its lease");
        }
    }
}

/// Each customer's rows in order, customers in the order of their first
/// row; never an empty lane.
fn lanes(rows: Vec<PendingOutbound>) -> Vec<Vec<PendingOutbound>> {
    let mut order: Vec<String> = Vec::new();
    let mut by_customer: HashMap<String, Vec<PendingOutbound>> = HashMap::new();
    for row in rows {
        let lane = by_customer.entry(row.customer.clone()).or_insert_with(|| {
            order.push(row.customer.clone());
            Vec::new()
        });
        lane.push(row);
    }
    order
        .into_iter()
        .filter_map(|c| by_customer.remove(&c))
        .collect()
}
