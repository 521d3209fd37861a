//! `send-campaign`: sends a running campaign, a batch at a time, each
//! recipient at most once.
//!
//! A run sends batches for up to ten seconds, then enqueues the next run.
//! Each batch is the next pending recipients
//! ([`CampaignService::next_batch`](features::campaigns::CampaignService::next_batch)),
//! their consent read inside the batch's transaction, in one query
//! ([`CampaignService::consenting`](features::campaigns::CampaignService::consenting)),
//! each message personalised by the recipient's window (text inside it,
//! the template outside), stored in the outbox under the key
//! `campaign:{id}:{number}` (kept for good: a retried, resumed or crashed
//! run never stores it twice), the recipient marked sent, all in one
//! transaction. Before each batch the run waits:
//!
//! - while the outbox still holds a batch of the campaign (looking every
//!   50 ms): the campaign goes at the outbox's pace, shaped per sender
//!   number, and a pause stops sends within about a batch;
//! - during the shop's quiet hours (a new run when they end);
//! - when a template would take a business number past its messaging limit
//!   (distinct customers sent templates in the rolling 24 hours, counted
//!   from the message log before each batch,
//!   `CAMPANILE_MESSAGING_LIMIT`): a new run when the window frees a place.
//!
//! A paused, cancelled or completed campaign ends the chain; resuming
//! starts a new one. A scheduled campaign's job waits for its time and
//! starts it.

use std::collections::HashMap;
use std::time::Duration;

use features::campaigns::{
    Batch, CampaignId, CampaignState, LIMIT_WINDOW, MarkRecipient, MessagingLimits, NextBatch,
    Personalised, Recipient, RecipientState,
};
use framework::jobs::{Job, JobError};
use framework::{BoxError, PhoneNumber};
use infra_sql::UnitOfWork;

use super::channel::send;
use super::worker::{by_kind, retryable};
use super::{JobDeps, Queue, ShopJob, delay_until};

/// How often a run looks whether the outbox has sent the campaign's last
/// batch.
const BACKLOG_POLL: Duration = Duration::from_millis(50);

/// How long one run sends before it hands over to the next (well within
/// the job's lease).
const RUN_FOR: Duration = Duration::from_secs(10);

/// The payload of a `send-campaign` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendCampaign {
    /// The campaign.
    pub campaign_id: i64,
}

/// Enqueues campaign `id`'s sending, after `delay` (a scheduled start),
/// under a dedup id naming `cause` (a start, a resume at a time).
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(
    queue: &Queue,
    id: CampaignId,
    cause: &str,
    delay: Duration,
) -> Result<(), BoxError> {
    let payload = SendCampaign {
        campaign_id: id.get(),
    };
    super::enqueue(queue, &payload, format!("campaign:{id}:{cause}"), delay).await
}

/// Why a life-cycle step of a campaign did not happen (nothing changed).
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The campaign refused it (its state, an empty audience, …) or its
    /// storage failed.
    #[error(transparent)]
    Campaign(#[from] features::campaigns::CampaignError),
    /// Its sending could not be enqueued, or the transaction not committed.
    #[error("cannot enqueue the campaign's sending: {0}")]
    Queue(BoxError),
}

/// Takes `step` on campaign `id`; a start, a resume or a schedule enqueues
/// its sending in the same transaction (so a campaign never runs without
/// its job, nor a job without its step).
///
/// # Errors
///
/// [`StepError`]; then nothing changed.
pub async fn step(
    deps: &JobDeps,
    id: CampaignId,
    step: features::campaigns::Step,
) -> Result<features::campaigns::Campaign, StepError> {
    use features::campaigns::Step;
    let now = deps.clock.now_ms();
    let uow = UnitOfWork::new(&deps.db);
    let campaign = uow
        .run(async {
            let campaign = deps.campaigns.step(id, step).await?;
            let delay = match step {
                Step::Start | Step::Resume => Some(Duration::ZERO),
                Step::Schedule(at) => Some(delay_until(at, now)),
                Step::Pause | Step::Cancel => None,
            };
            if let Some(delay) = delay {
                enqueue(&deps.queue, id, &format!("{}:{now}", step.as_str()), delay)
                    .await
                    .map_err(StepError::Queue)?;
            }
            Ok::<_, StepError>(campaign)
        })
        .await?;
    uow.commit()
        .await
        .map_err(|e| StepError::Queue(Box::new(e)))?;
    Ok(campaign)
}

impl SendCampaign {
    /// The next run, after `delay`; named after this job, so a rerun of
    /// this one asks for the same next run once.
    async fn again(&self, deps: &JobDeps, job: &Job, delay: Duration) -> Result<(), JobError> {
        let dedup = format!(
            "campaign:{}:after:{}:{}",
            self.campaign_id, job.queue, job.id
        );
        super::enqueue(&deps.queue, self, dedup, delay)
            .await
            .map_err(JobError::Retryable)
    }
}

/// What one step of a run did.
enum Next {
    /// Sent a batch: go on.
    Sent,
    /// The outbox still holds a batch of the campaign: look again shortly.
    Backlog,
    /// Wait this long (quiet hours, the messaging limit), in a new run.
    Wait(Duration),
    /// The campaign is not running (or is done): the chain ends.
    Stop,
}

/// What held a batch back.
enum Held {
    /// Nothing: all of it went.
    No,
    /// The campaign stopped running before it began: none of it went.
    Stopped,
    /// The messaging limit, until then: the rest waits.
    Limit(i64),
}

/// Messaging-limit places left per business number, counted from the
/// message log for each batch and spent as the batch sends templates.
struct Allowances<'a> {
    deps: &'a JobDeps,
    limits: &'a MessagingLimits,
    /// Places left and when the window frees one next.
    by_business: HashMap<String, (u32, Option<i64>)>,
}

impl Allowances<'_> {
    /// Takes a place for a template from `business`; `Err` with when one
    /// frees up when there is none.
    async fn take(&mut self, business: &str) -> Result<Result<(), i64>, JobError> {
        if !self.by_business.contains_key(business) {
            // One batch at a time per number counts and spends its places
            // (two campaigns on one number never both take the last ones):
            // held until the batch's transaction ends.
            self.deps
                .db
                .hold_key(&format!("messaging-limit:{business}"))
                .await
                .map_err(retryable)?;
            let now = self.deps.clock.now_ms();
            let window = i64::try_from(LIMIT_WINDOW.as_millis()).unwrap_or(i64::MAX);
            let (used, oldest) = self
                .deps
                .sender_log()
                .template_reach_since(business, now.saturating_sub(window))
                .await
                .map_err(retryable)?;
            self.by_business.insert(
                business.to_owned(),
                (
                    self.limits.allowance(business, used),
                    MessagingLimits::next_release(oldest),
                ),
            );
        }
        let Some((left, release)) = self.by_business.get_mut(business) else {
            return Ok(Ok(()));
        };
        if *left == 0 {
            return Ok(Err(
                release.unwrap_or_else(|| self.deps.clock.now_ms() + 60_000)
            ));
        }
        *left -= 1;
        Ok(Ok(()))
    }
}

impl ShopJob for SendCampaign {
    const QUEUE: &'static str = "send-campaign";

    async fn run(self, deps: JobDeps, job: Job) -> Result<(), JobError> {
        let id = CampaignId::new(self.campaign_id);
        let started = std::time::Instant::now();
        loop {
            match step_once(&deps, id).await? {
                Next::Sent if started.elapsed() < RUN_FOR => {}
                Next::Sent => return self.again(&deps, &job, Duration::ZERO).await,
                Next::Backlog if started.elapsed() < RUN_FOR => {
                    tokio::time::sleep(BACKLOG_POLL).await;
                }
                Next::Backlog => return self.again(&deps, &job, BACKLOG_POLL).await,
                Next::Wait(delay) => return self.again(&deps, &job, delay).await,
                Next::Stop => return Ok(()),
            }
        }
    }
}

/// One step of a run: waits for quiet hours or the outbox, or sends the
/// next batch.
async fn step_once(deps: &JobDeps, id: CampaignId) -> Result<Next, JobError> {
    let now = deps.clock.now_ms();
    let allowed = deps.reminders.clock().next_allowed(now);
    if allowed > now {
        tracing::info!(campaign = %id, until_ms = allowed, "quiet hours: the campaign waits");
        return Ok(Next::Wait(delay_until(allowed, now)));
    }
    let backlog = deps
        .sender_log()
        .pending_keyed(&infra_shop::campaigns::campaign_key_prefix(id))
        .await
        .map_err(retryable)?;
    let size = deps.pacing.batch.max(1);
    if backlog >= u64::from(size) {
        return Ok(Next::Backlog);
    }
    let batch = deps
        .campaigns
        .next_batch(NextBatch { id, limit: size })
        .await
        .map_err(by_kind)?;
    let (campaign, recipients) = match batch {
        Batch::Send {
            campaign,
            recipients,
        } => (campaign, recipients),
        Batch::Done => {
            tracing::info!(campaign = %id, "campaign completed: every recipient sent to or skipped");
            return Ok(Next::Stop);
        }
        Batch::Stopped(CampaignState::Scheduled) => {
            let (started, failed) = deps.campaigns.start_due().await.map_err(by_kind)?;
            for (campaign, e) in failed {
                tracing::warn!(%campaign, error.message = %e, "a scheduled campaign could not start");
            }
            // Not due yet by this instance's clock (the job fired a moment
            // early): look again shortly; a cancelled one stops then.
            return Ok(if started.contains(&id) {
                Next::Sent
            } else {
                Next::Wait(Duration::from_secs(1))
            });
        }
        Batch::Stopped(state) => {
            tracing::info!(campaign = %id, %state, "campaign not running: sending stops");
            return Ok(Next::Stop);
        }
    };
    // Counted again for each batch, so runs of other campaigns on the same
    // number are seen within a batch.
    let mut allowances = Allowances {
        deps,
        limits: &deps.pacing.messaging_limit,
        by_business: HashMap::new(),
    };
    let allowances = &mut allowances;
    let uow = UnitOfWork::new(&deps.db);
    let held = uow
        .run(async {
            // Paused or cancelled since the batch was taken: nothing of it
            // goes (and a pause from now on waits for this commit).
            if !deps.campaigns.hold_running(id).await.map_err(by_kind)? {
                return Ok::<_, JobError>(Held::Stopped);
            }
            let recipients = deps
                .campaigns
                .consenting(id, recipients)
                .await
                .map_err(by_kind)?;
            for recipient in &recipients {
                if let Err(at) =
                    send_one(deps, id, &campaign.message, recipient, allowances).await?
                {
                    return Ok(Held::Limit(at));
                }
            }
            Ok(Held::No)
        })
        .await?;
    if matches!(held, Held::Stopped) {
        // Nothing was written: the unit of work rolls back as it drops.
        return Ok(Next::Stop);
    }
    uow.commit().await.map_err(retryable)?;
    Ok(match held {
        Held::No | Held::Stopped => Next::Sent,
        Held::Limit(at) => {
            tracing::info!(campaign = %id, until_ms = at, "messaging limit reached: the campaign waits for the 24-hour window to roll");
            Next::Wait(delay_until(at, deps.clock.now_ms()))
        }
    })
}

/// Sends campaign `id`'s message to `recipient` (or marks why not);
/// `Err(at)` when the messaging limit holds it until `at`.
async fn send_one(
    deps: &JobDeps,
    id: CampaignId,
    message: &features::campaigns::CampaignMessage,
    recipient: &Recipient,
    allowances: &mut Allowances<'_>,
) -> Result<Result<(), i64>, JobError> {
    let mark = |state| {
        deps.campaigns.mark(MarkRecipient {
            id,
            phone: recipient.phone.clone(),
            state,
        })
    };
    let Some(reach) = super::channel::reach_any(deps, &recipient.phone).await? else {
        mark(RecipientState::Unreachable).await.map_err(by_kind)?;
        return Ok(Ok(()));
    };
    let Some(personalised) = message.personalise(recipient, reach.free_form()) else {
        mark(RecipientState::Unreachable).await.map_err(by_kind)?;
        return Ok(Ok(()));
    };
    if matches!(personalised, Personalised::Template { .. }) {
        let business = reach.key.business().as_str().to_owned();
        if let Err(at) = allowances.take(&business).await? {
            return Ok(Err(at));
        }
    }
    let outgoing = super::channel::outgoing(personalised);
    send(
        deps,
        &reach,
        outgoing.with_key(infra_shop::campaigns::campaign_outbox_key(id)),
        "the campaign template's content_sid",
    )
    .await?;
    mark(RecipientState::Sent).await.map_err(by_kind)?;
    Ok(Ok(()))
}

/// Whether `phone`'s 24-hour window is open now (a preview shows the
/// text then, the template otherwise).
///
/// # Errors
///
/// When the message log cannot be read.
pub async fn window_open(
    deps: &JobDeps,
    phone: &features::shared::CustomerPhone,
) -> Result<bool, infra_sql::sender::SenderError> {
    let Ok(phone) = PhoneNumber::parse(phone.as_str()) else {
        return Ok(false);
    };
    Ok(deps
        .sender
        .reach(&phone)
        .await?
        .is_some_and(|r| r.free_form()))
}
