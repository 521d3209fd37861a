//! The shop's background jobs: one file per job (its queue, payload,
//! enqueue function and handler), the worker runtime ([`worker`]) and the
//! channel policy the jobs that message customers share ([`channel`]).
//!
//! | queue | enqueued by | does |
//! |---|---|---|
//! | [`process-order`](process_order) | the confirming turn, in its transaction (dedup `order:{id}`) | issues the order's invoice (at most one per order), schedules its payment reminders and its `send-invoice`, all in one transaction |
//! | [`send-invoice`](send_invoice) | `process-order` (`invoice:{n}:issued`); "invoice INV-…" (`invoice:{n}:{message id}`) | sends the invoice: a PDF document at a signed link inside the 24-hour window, the invoice template outside it; in `campanile chat`, a PDF file |
//! | [`send-reminder`](send_reminder) | `process-order` and `campanile remind`, delayed (`reminder:{id}:{time}`) | checks the reminder now (paid, void, "stop reminders", quiet hours), then sends it or waits again |
//! | [`sync-order`](sync_order) | with Zoho CRM configured: the confirming turn (`sync-order:{id}:confirmed`) and the cancelling one (`sync-order:{id}:cancelled`), in their transactions | upserts the order into `ZOHO_ORDERS_MODULE` by its number: a retry updates the one record |
//! | [`zoho-sync`](sync_catalog) | with Zoho CRM configured: the workers as they start, and each run for the next tick, delayed (`zoho-sync:{tick_ms}`) | syncs the catalog from Zoho's products (one instance per tick) and records when |
//! | [`send-campaign`](send_campaign) | `campanile campaign start` / `resume` and the operator API (`campaign:{id}:{cause}`), then each run for the next (`campaign:{id}:after:{job}`) | sends the next batch of a running campaign, each recipient once, within quiet hours, the outbox's pace and the messaging limit |
//!
//! A job's messages go through the outbox like a turn's replies, under an
//! idempotency key of the job (`job:send-invoice:INV-00001:issued`): a
//! retried job stores nothing twice, and a failed send is retried by the
//! dispatcher without making anything again.
//!
//! # Adding a job
//!
//! A new file with the payload (ids only, never entities) implementing
//! [`ShopJob`] (queue name, retries, handler) and an `enqueue` function,
//! then one line in [`registry`].
//!
//! `campanile serve` runs the workers unless `CAMPANILE_WORKERS=off`;
//! `campanile worker` runs only them.

pub mod channel;
pub mod handoff_idle;
pub mod process_order;
pub mod rule_event;
pub mod rule_fan_out;
pub mod rule_webhook;
pub mod rules_tick;
pub mod send_campaign;
pub mod send_invoice;
pub mod send_reminder;
pub mod sync_catalog;
pub mod sync_order;
pub mod worker;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use framework::BoxError;
use framework::clock::Clock;
use framework::jobs::{Backoff, Job, JobError, JobOptions, JobQueue as _};
use infra_sql::Database;
use infra_sql::sender::Sender;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::documents::Documents;
use crate::services::{Campaigns, Catalog, Invoices, Orders, Reminders, Rules};

pub use channel::TemplateSids;

/// Every job, registered once: [`run_workers`] runs a worker for each, and
/// `campanile jobs` knows their queues.
#[must_use]
pub fn registry() -> [Registered; 11] {
    [
        Registered::of::<process_order::ProcessOrder>(),
        Registered::of::<send_campaign::SendCampaign>(),
        Registered::of::<send_invoice::SendInvoice>(),
        Registered::of::<send_reminder::SendReminder>(),
        Registered::of::<sync_order::SyncOrder>(),
        Registered::of::<sync_catalog::SyncCatalog>(),
        Registered::of::<rules_tick::RulesTick>(),
        Registered::of::<handoff_idle::HandoffIdle>(),
        Registered::of::<rule_fan_out::RuleFanOut>(),
        Registered::of::<rule_event::RuleEventJob>(),
        Registered::of::<rule_webhook::RuleWebhook>(),
    ]
}

/// A job in the [`registry`]: its queue and how to start its worker.
#[derive(Debug, Clone, Copy)]
pub struct Registered {
    /// The queue's name.
    pub queue: &'static str,
    start: fn(&worker::Workers) -> worker::Running,
}

impl Registered {
    fn of<J: ShopJob>() -> Self {
        Self {
            queue: J::QUEUE,
            start: worker::Workers::run::<J>,
        }
    }
}

/// The names of the registered queues, e.g. for a message about a queue
/// that is not one.
#[must_use]
pub fn queues() -> Vec<&'static str> {
    registry().iter().map(|r| r.queue).collect()
}

/// The job queue the bot enqueues in (every job, in the transaction of
/// its cause).
pub type Queue = infra_sql::jobs::DbJobQueue;

/// A kind of background job: its payload (ids only) is the type, its queue
/// and retries are constants, and [`run`](ShopJob::run) handles one job.
pub trait ShopJob: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// The queue's name.
    const QUEUE: &'static str;

    /// The first retry's delay; later ones double it. 12 attempts from 2 s
    /// is about 2.3 hours of retries (a relay to a Redis that is down waits
    /// that long before it is a dead letter).
    const FIRST_RETRY: Duration = Duration::from_secs(2);

    /// Runs one job; `job` is the queue's record of it (id, attempt).
    fn run(self, deps: JobDeps, job: Job) -> impl Future<Output = Result<(), JobError>> + Send;

    /// The retries of this queue's jobs (the same on both queues).
    #[must_use]
    fn retries() -> JobOptions {
        JobOptions::default().with_attempts(12, Backoff::Exponential(Self::FIRST_RETRY))
    }
}

/// What the job handlers work with; cheap to clone.
#[derive(Debug, Clone)]
pub struct JobDeps {
    /// The queue (handlers enqueue follow-up jobs).
    pub queue: Queue,
    /// The database (one transaction per job's changes).
    pub db: Database,
    /// The time.
    pub clock: Clock,
    /// Invoices.
    pub invoices: Arc<Invoices>,
    /// Reminders.
    pub reminders: Arc<Reminders>,
    /// Campaigns.
    pub campaigns: Arc<Campaigns>,
    /// Automation rules (the timed ones run here).
    pub rules: Arc<Rules>,
    /// Customers (an invoice is made out to the customer's registration).
    pub customers: Arc<crate::services::Customers>,
    /// Handoffs (the idle ones go back to the bot).
    pub handoffs: Arc<crate::services::Handoffs>,
    /// How long a handoff waits with nobody writing (`CAMPANILE_HANDOFF_IDLE`).
    pub handoff_idle: Duration,
    /// Rules' webhook calls (a deadline and a circuit breaker).
    pub webhooks: infra_providers::webhook::WebhookClient,
    /// Campaign pacing: messaging limits and batch size.
    pub pacing: crate::config::CampaignSettings,
    /// The Twilio sender (`TWILIO_WHATSAPP_FROM`), which reaches campaign
    /// recipients who never wrote.
    pub twilio_from: Option<framework::PhoneNumber>,
    /// The catalog (synced from Zoho).
    pub catalog: Arc<Catalog>,
    /// Orders (sent to Zoho).
    pub orders: Arc<Orders>,
    /// Zoho CRM, when configured.
    pub zoho: Option<crate::zoho::Zoho>,
    /// How messages reach customers outside a turn (their last channel,
    /// the 24-hour window, the outbox).
    pub sender: Sender,
    /// PDFs and their links.
    pub documents: Documents,
    /// Twilio's template SIDs.
    pub templates: TemplateSids,
    /// What the shop says, in each customer's language.
    pub texts: crate::i18n::Texts,
    /// This deployment's id (made once, kept in the database): relayed
    /// jobs' dedup ids carry it, so a new database's job 1 is not taken
    /// for an old one's by a Redis that outlived it.
    pub deployment: Arc<str>,
    /// With Redis (`REDIS_URL`): BullMQ runs the jobs; the database queue
    /// relays each job to it once its transaction committed and it is due.
    pub runner: Option<infra_redis::jobs::RedisJobQueue>,
}

impl JobDeps {
    /// Reads of the message log (windows, backlogs, messaging limits).
    #[must_use]
    pub fn sender_log(&self) -> infra_sql::messages::MessageQueries {
        infra_sql::messages::MessageQueries::new(self.db.clone())
    }
}

/// Enqueues `payload` on its queue with the queue's retries, the dedup id
/// `dedup` and `delay`. Inside a unit of work, it commits with it.
///
/// # Errors
///
/// When the payload cannot be written or the queue cannot store it.
pub async fn enqueue<J: ShopJob>(
    queue: &Queue,
    payload: &J,
    dedup: String,
    delay: Duration,
) -> Result<(), BoxError> {
    let options = J::retries().delayed(delay).with_dedup_id(dedup);
    queue
        .enqueue(J::QUEUE, &serde_json::to_string(payload)?, &options)
        .await?;
    Ok(())
}

/// Runs the workers of every [registered](registry) job until `shutdown`
/// resolves, then lets the jobs in progress finish.
pub async fn run_workers(deps: JobDeps, shutdown: impl Future<Output = ()> + Send + 'static) {
    if let Err(e) = sync_catalog::ensure_scheduled(&deps).await {
        tracing::error!(error.message = %e, "cannot schedule the Zoho catalog sync; the next start tries again");
    }
    if let Err(e) = rules_tick::ensure_scheduled(&deps).await {
        tracing::error!(error.message = %e, "cannot schedule the rules' minute tick; the next start tries again");
    }
    if let Err(e) = handoff_idle::ensure_scheduled(&deps).await {
        tracing::error!(error.message = %e, "cannot schedule the handoffs' idle check; the next start tries again");
    }
    let workers = worker::Workers::new(deps, shutdown);
    futures_util::future::join_all(registry().iter().map(|job| (job.start)(&workers))).await;
}

/// How long from `now_ms` until `at_ms` (zero when it has passed).
pub(crate) fn delay_until(at_ms: i64, now_ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(at_ms.saturating_sub(now_ms)).unwrap_or(0))
}
