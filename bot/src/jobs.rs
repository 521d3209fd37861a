//! The shop's background jobs: the queues of the seed design and their
//! handlers, each a tower service (error mapping → 60 s timeout → the
//! handler, run in a `job` span with its queue, id and attempt); retries
//! and their backoff are the queue's.
//!
//! | queue | enqueued by | does |
//! |---|---|---|
//! | `process-order` | the confirming turn, in its transaction (dedup `order:{id}`) | issues the order's invoice (at most one per order), schedules its payment reminders and its `send-invoice`, all in one transaction |
//! | `send-invoice` | `process-order` (`invoice:{n}:issued`); "invoice INV-…" (`invoice:{n}:{message id}`) | sends the invoice: a PDF document at a signed link inside the 24-hour window, the invoice template outside it; in `campanile chat`, a PDF file |
//! | `send-reminder` | `process-order` and `schedule_reminder`, delayed (`reminder:{id}:{time}`) | checks the reminder now (paid, void, "stop reminders", quiet hours), then sends it or waits again |
//! | `send-campaign-message` | the campaigns issue (not built yet) | – |
//!
//! A job's messages go through the outbox like a turn's replies, under an
//! idempotency key of the job (`job:send-invoice:INV-00001:issued`): a
//! retried job stores nothing twice, and a failed send is retried by the
//! dispatcher without making anything again.
//!
//! `campanile serve` runs the workers unless `CAMPANILE_WORKERS=off`;
//! `campanile worker` runs only them.

use std::sync::Arc;
use std::time::Duration;

use features::invoices::{
    Invoice, InvoiceError, InvoiceNumber, InvoiceService, InvoiceServiceError, InvoiceStatus,
    IssueError,
};
use features::reminders::{Fire, ReminderId, ReminderKind, ReminderService};
use features::shared::{OrderId, OrderNumber};
use framework::jobs::{Backoff, Job, JobError, JobOptions, JobQueue, WorkerConfig};
use framework::reply::{MediaReply, Reply, Template, TemplateHeader};
use framework::webhook::{OutboundTurn, Outbox as _};
use framework::{BoxError, ConversationKey, MessageId, Outcome, PhoneNumber, Provider};
use infra::db::invoices::DbInvoiceRepository;
use infra::db::messages::{Contact, MessageLog};
use infra::db::orders::DbOrderRepository;
use infra::db::reminders::DbReminderRepository;
use infra::db::{Database, UnitOfWork};
use infra::outbox::DbOutbox;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tracing::Instrument as _;

use crate::documents::Documents;

/// Issues an order's invoice, schedules its reminders and its sending.
pub const PROCESS_ORDER: &str = "process-order";
/// Sends an invoice.
pub const SEND_INVOICE: &str = "send-invoice";
/// Sends a reminder when it is due.
pub const SEND_REMINDER: &str = "send-reminder";
/// Sends one campaign message (the campaigns issue; no worker yet).
pub const SEND_CAMPAIGN_MESSAGE: &str = "send-campaign-message";

/// The template of an invoice sent outside the 24-hour window: body
/// `{{1}}` number, `{{2}}` total, `{{3}}` due date; on Meta the PDF is the
/// header document, on Twilio (no header parameters) its link is `{{4}}`.
pub const INVOICE_TEMPLATE: &str = "invoice_ready";
/// The template of a payment reminder outside the window: body `{{1}}`
/// number, `{{2}}` total, `{{3}}` due date.
pub const PAYMENT_REMINDER_TEMPLATE: &str = "payment_reminder";
/// The template of a shop's own reminder outside the window: body `{{1}}`
/// the text.
pub const REMINDER_TEMPLATE: &str = "reminder";

/// The customer-service window: free-form messages only this long after
/// the customer's last message (providers.md §4.3).
pub const SERVICE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// How long before the window closes a job already uses the template: a
/// free-form message decided just inside it may be sent (after the
/// outbox's retries) just outside it, and then be refused.
const WINDOW_MARGIN: Duration = Duration::from_secs(30 * 60);

/// The longest a job may run before it counts as failed (and is retried).
const JOB_TIMEOUT: Duration = Duration::from_secs(60);

/// The job queue the bot uses.
pub type Queue = infra::db::jobs::DbJobQueue;

/// Invoices over the database.
pub type Invoices = InvoiceService<DbInvoiceRepository, DbOrderRepository>;

/// Reminders over the database.
pub type Reminders = ReminderService<DbReminderRepository, DbInvoiceRepository>;

/// The payload of a `process-order` job: ids only, never the order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProcessOrder {
    /// The confirmed order.
    pub order_id: i64,
}

/// The payload of a `send-invoice` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendInvoice {
    /// The invoice's number in the shop's sequence.
    pub invoice: u64,
    /// What asked for it (`issued`, or the message that asked again): one
    /// send per request, however often the job runs.
    pub request: String,
}

/// The payload of a `send-reminder` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendReminder {
    /// The reminder.
    pub reminder_id: i64,
}

/// Template Content SIDs on Twilio (Meta addresses templates by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateSids {
    /// `TWILIO_CONTENT_SID_INVOICE`.
    pub invoice: Option<String>,
    /// `TWILIO_CONTENT_SID_REMINDER`.
    pub reminder: Option<String>,
    /// `TWILIO_CONTENT_SID_NOTICE` (a shop's own reminder).
    pub notice: Option<String>,
}

/// What the job handlers work with; cheap to clone.
#[derive(Debug, Clone)]
pub struct JobDeps {
    /// The queue (handlers enqueue follow-up jobs).
    pub queue: Queue,
    /// The database (one transaction per job's changes).
    pub db: Database,
    /// Invoices.
    pub invoices: Arc<Invoices>,
    /// Reminders.
    pub reminders: Arc<Reminders>,
    /// Where customers' last messages are (the 24-hour window).
    pub log: MessageLog,
    /// Where messages go to be sent.
    pub outbox: DbOutbox,
    /// PDFs and their links.
    pub documents: Documents,
    /// Twilio's template SIDs.
    pub templates: TemplateSids,
    /// This deployment's id (made once, kept in the database): relayed
    /// jobs' dedup ids carry it, so a new database's job 1 is not taken
    /// for an old one's by a Redis that outlived it.
    pub deployment: Arc<str>,
    /// With Redis (`REDIS_URL`): BullMQ runs the jobs; the database queue
    /// relays each job to it once its transaction committed and it is due.
    pub runner: Option<infra::redis::jobs::RedisJobQueue>,
}

/// Enqueues `payload` (JSON) on `queue` with that queue's retries, the
/// dedup id `dedup` and `delay`.
async fn enqueue_json<T: serde::Serialize>(
    jobs: &Queue,
    queue: &str,
    payload: &T,
    dedup: String,
    delay: Duration,
) -> Result<(), BoxError> {
    let options = retries(queue).delayed(delay).with_dedup_id(dedup);
    jobs.enqueue(queue, &serde_json::to_string(payload)?, &options)
        .await?;
    Ok(())
}

/// Enqueues the `process-order` job of a confirmed order. Inside a turn's
/// unit of work, it commits with the confirmation.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue_process_order(jobs: &Queue, order: OrderId) -> Result<(), BoxError> {
    let payload = ProcessOrder {
        order_id: order.get(),
    };
    let dedup = format!("order:{}", order.get());
    enqueue_json(jobs, PROCESS_ORDER, &payload, dedup, Duration::ZERO).await
}

/// Enqueues a `send-invoice` job for invoice `number`, once per `request`.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue_send_invoice(
    jobs: &Queue,
    number: InvoiceNumber,
    request: &str,
) -> Result<(), BoxError> {
    let payload = SendInvoice {
        invoice: number.seq(),
        request: request.to_owned(),
    };
    let dedup = format!("invoice:{}:{request}", number.seq());
    enqueue_json(jobs, SEND_INVOICE, &payload, dedup, Duration::ZERO).await
}

/// Enqueues the `send-reminder` job of reminder `id`, delayed until
/// `at_ms`.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue_reminder(
    jobs: &Queue,
    id: ReminderId,
    at_ms: i64,
    now_ms: i64,
) -> Result<(), BoxError> {
    let payload = SendReminder {
        reminder_id: id.get(),
    };
    let delay = Duration::from_millis(u64::try_from(at_ms.saturating_sub(now_ms)).unwrap_or(0));
    let dedup = format!("reminder:{id}:{at_ms}");
    enqueue_json(jobs, SEND_REMINDER, &payload, dedup, delay).await
}

/// Schedules a reminder with `text` for `customer` at `at_ms`, and its job,
/// in one transaction.
///
/// # Errors
///
/// When storage or the queue fails (then nothing is scheduled).
pub async fn schedule_reminder(
    deps: &JobDeps,
    customer: &features::shared::CustomerPhone,
    at_ms: i64,
    text: &str,
) -> Result<ReminderId, BoxError> {
    let uow = UnitOfWork::new(&deps.db);
    let id = uow
        .run(async {
            let id = deps
                .reminders
                .schedule_reminder(customer, at_ms, text)
                .await?;
            enqueue_reminder(&deps.queue, id, at_ms, now_ms()).await?;
            Ok::<_, BoxError>(id)
        })
        .await?;
    uow.commit().await?;
    Ok(id)
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A job handler's error as the queue sees it: a handler's own
/// [`JobError`] as is; anything else (the timeout) is retryable.
fn job_error(e: BoxError) -> JobError {
    match e.downcast::<JobError>() {
        Ok(e) => *e,
        Err(e) => JobError::Retryable(e),
    }
}

fn retryable(e: impl Into<BoxError>) -> JobError {
    JobError::Retryable(e.into())
}

fn permanent(e: impl Into<BoxError>) -> JobError {
    JobError::Permanent(e.into())
}

/// The `process-order` handler: issue the invoice, and with it (one
/// transaction) schedule its payment reminders and its sending.
async fn process_order(deps: JobDeps, job: Job) -> Result<(), JobError> {
    let ProcessOrder { order_id } = job.payload()?;
    let order = OrderId::new(order_id);
    let uow = UnitOfWork::new(&deps.db);
    let issued = uow
        .run(async {
            // Issued by an earlier run whose acknowledgement was lost: its
            // reminders exist; only the (deduplicated) send is asked again.
            let earlier = deps
                .invoices
                .order_invoice(order)
                .await
                .map_err(retryable)?;
            let invoice = match deps.invoices.issue_for_order(order).await {
                Ok(invoice) => invoice,
                // Cancelled before its invoice was made: nothing to invoice.
                Err(InvoiceServiceError::Issue(IssueError::Invoice(
                    InvoiceError::OrderNotConfirmed(_),
                ))) => return Ok(None),
                // Retrying cannot help: no such order, or the domain refused it.
                Err(
                    e @ (InvoiceServiceError::NoSuchOrder(_)
                    | InvoiceServiceError::Issue(IssueError::Invoice(_))),
                ) => return Err(permanent(e)),
                Err(e) => return Err(retryable(e)),
            };
            if earlier.is_none() {
                let now = now_ms();
                for (id, at) in deps
                    .reminders
                    .schedule_payment_reminders(&invoice)
                    .await
                    .map_err(retryable)?
                {
                    enqueue_reminder(&deps.queue, id, at, now)
                        .await
                        .map_err(JobError::Retryable)?;
                }
            }
            enqueue_send_invoice(&deps.queue, invoice.number(), "issued")
                .await
                .map_err(JobError::Retryable)?;
            Ok(Some((invoice, earlier.is_none())))
        })
        .await?;
    let Some((invoice, new)) = issued else {
        tracing::info!(order = %OrderNumber::from(order), "the order is no longer confirmed; no invoice");
        return Ok(());
    };
    uow.commit().await.map_err(retryable)?;
    tracing::info!(
        invoice = %invoice.number(),
        order = %OrderNumber::from(order),
        total = %invoice.total(),
        new,
        "invoice issued; sending it and scheduling its payment reminders"
    );
    Ok(())
}

/// Where and how a job's message goes: the customer's last channel.
struct Addressed {
    provider: Provider,
    key: ConversationKey,
    channel_id: Option<String>,
    in_window: bool,
}

async fn address(deps: &JobDeps, customer: &str) -> Result<Addressed, JobError> {
    let contact: Contact = deps
        .log
        .last_contact(customer)
        .await
        .map_err(retryable)?
        .ok_or_else(|| {
            permanent("the customer never wrote to the shop: no channel to reach them")
        })?;
    let provider = match contact.provider.as_str() {
        "twilio" => Provider::Twilio,
        "meta" => Provider::Meta,
        "local" => Provider::Local,
        other => {
            return Err(permanent(format!(
                "no way to reach a customer of provider {other:?}"
            )));
        }
    };
    let key = ConversationKey::new(
        PhoneNumber::parse(&contact.business).map_err(permanent)?,
        PhoneNumber::parse(customer).map_err(permanent)?,
    );
    let window =
        i64::try_from(SERVICE_WINDOW.saturating_sub(WINDOW_MARGIN).as_millis()).unwrap_or(i64::MAX);
    Ok(Addressed {
        provider,
        key,
        channel_id: contact.channel_id,
        in_window: now_ms().saturating_sub(contact.last_inbound_ms) < window,
    })
}

/// Stores a job's `replies` in the outbox under the idempotency key
/// `job_key`: a second run stores nothing.
async fn deliver(
    deps: &JobDeps,
    to: Addressed,
    job_key: String,
    replies: Vec<Reply>,
) -> Result<(), JobError> {
    deps.outbox
        .deliver(OutboundTurn {
            provider: to.provider,
            key: to.key,
            in_reply_to: MessageId::new(job_key),
            channel_id: to.channel_id,
            outcome: Outcome::Handled,
            replies,
        })
        .await
        .map_err(retryable)?;
    Ok(())
}

/// The invoice's due date in the shop's time zone, as the PDF shows it.
fn due_date(deps: &JobDeps, invoice: &Invoice) -> String {
    crate::flows::replies::date(invoice.due_at_ms(), deps.reminders.clock().time_zone())
}

/// A template for `to`: on Twilio it needs its Content SID, else the
/// provider could never send it; that is a dead letter to fix (set the SID,
/// then `campanile jobs retry`), not a message stored as failed.
fn template_for(
    to: &Addressed,
    template: Template,
    sid: Option<&String>,
    setting: &str,
) -> Result<Reply, JobError> {
    match sid {
        Some(sid) => Ok(Reply::Template(template.with_content_sid(sid.clone()))),
        None if to.provider == Provider::Twilio => Err(permanent(format!(
            "outside the 24-hour window Twilio needs the {} template's Content SID: set {setting}",
            template.name
        ))),
        None => Ok(Reply::Template(template)),
    }
}

/// The `send-invoice` handler.
async fn send_invoice(deps: JobDeps, job: Job) -> Result<(), JobError> {
    let SendInvoice { invoice, request } = job.payload()?;
    let number = InvoiceNumber::new(invoice);
    let invoice = deps
        .documents
        .invoice(number)
        .await
        .map_err(retryable)?
        .ok_or_else(|| permanent(format!("no invoice {number}")))?;
    if let InvoiceStatus::Void { .. } = invoice.status() {
        tracing::info!(invoice = %number, "the invoice is void; not sent");
        return Ok(());
    }
    let to = address(&deps, invoice.customer().as_str()).await?;
    let order = OrderNumber::from(invoice.order());
    let summary = format!(
        "Invoice {number} for order {order}: {}, due {}.",
        invoice.total(),
        due_date(&deps, &invoice)
    );
    let (reply, shown) = if to.provider == Provider::Local {
        // The terminal chat: the PDF is a file on this machine.
        let path = deps
            .documents
            .write_file(&invoice)
            .await
            .map_err(|e| match e {
                // Rendering the same invoice again fails the same way.
                e @ crate::documents::DocumentError::Pdf(_) => permanent(e),
                e => retryable(e),
            })?;
        let path = path.display().to_string();
        (Reply::text(format!("🧾 {summary}\nPDF: {path}")), path)
    } else {
        let url = deps.documents.links.url(number, now_ms());
        let filename = format!("{number}.pdf");
        let reply = if to.in_window {
            Reply::Media(
                MediaReply::document(url.clone(), filename)
                    .and_then(|m| m.with_caption(format!("🧾 {summary}")))
                    .map_err(permanent)?,
            )
        } else {
            let template = Template::new(INVOICE_TEMPLATE, "en")
                .param(number.to_string())
                .param(invoice.total().to_string())
                .param(due_date(&deps, &invoice));
            let template = if to.provider == Provider::Meta {
                template.with_header(TemplateHeader::Document {
                    url: url.clone(),
                    filename,
                })
            } else {
                // Twilio content templates take no header parameters: the
                // link is variable 4 (the template's media URL or text).
                template.param(url.clone())
            };
            template_for(
                &to,
                template,
                deps.templates.invoice.as_ref(),
                "TWILIO_CONTENT_SID_INVOICE",
            )?
        };
        (reply, url)
    };
    let template = matches!(reply, Reply::Template(_));
    deliver(
        &deps,
        to,
        format!("job:{SEND_INVOICE}:{number}:{request}"),
        vec![reply],
    )
    .await?;
    tracing::info!(
        invoice = %number,
        order = %order,
        document = %shown,
        template,
        "invoice sent"
    );
    Ok(())
}

/// The `send-reminder` handler.
async fn send_reminder(deps: JobDeps, job: Job) -> Result<(), JobError> {
    let SendReminder { reminder_id } = job.payload()?;
    let id = ReminderId::new(reminder_id);
    let reminder = match deps.reminders.prepare(id).await.map_err(retryable)? {
        Fire::Missing => {
            tracing::warn!(reminder = %id, "no such reminder; nothing sent");
            return Ok(());
        }
        Fire::Skip(reason) => {
            tracing::info!(reminder = %id, reason, "reminder not sent");
            return Ok(());
        }
        Fire::Wait(at) => {
            // Its next job, named after this one: never the same dedup id as
            // a job that ran (a clock a little behind would otherwise ask
            // for the same time again and be taken for a duplicate). A
            // rerun of this job asks for the same next job, once.
            let payload = SendReminder { reminder_id };
            let delay = Duration::from_millis(u64::try_from(at - now_ms()).unwrap_or(0));
            let dedup = format!("reminder:{id}:after:{}:{}", job.queue, job.id);
            enqueue_json(&deps.queue, SEND_REMINDER, &payload, dedup, delay)
                .await
                .map_err(JobError::Retryable)?;
            tracing::info!(reminder = %id, at_ms = at, "reminder not due yet or in the quiet hours: it waits");
            return Ok(());
        }
        Fire::Send(reminder) => reminder,
    };
    let to = address(&deps, reminder.customer.as_str()).await?;
    let reply = match &reminder.kind {
        ReminderKind::Payment { invoice: number } => {
            let invoice = deps
                .documents
                .invoice(*number)
                .await
                .map_err(retryable)?
                .ok_or_else(|| permanent(format!("no invoice {number}")))?;
            if to.in_window || to.provider == Provider::Local {
                Reply::text(format!(
                    "⏰ A reminder: invoice {number} ({}) is due {}. Reply \"invoice {number}\" for the PDF, or \"stop reminders\" to get no more reminders.",
                    invoice.total(),
                    due_date(&deps, &invoice)
                ))
            } else {
                let t = Template::new(PAYMENT_REMINDER_TEMPLATE, "en")
                    .param(number.to_string())
                    .param(invoice.total().to_string())
                    .param(due_date(&deps, &invoice));
                template_for(
                    &to,
                    t,
                    deps.templates.reminder.as_ref(),
                    "TWILIO_CONTENT_SID_REMINDER",
                )?
            }
        }
        ReminderKind::Custom { text } => {
            if to.in_window || to.provider == Provider::Local {
                Reply::text(format!("⏰ {text}"))
            } else {
                let t = Template::new(REMINDER_TEMPLATE, "en").param(text.clone());
                template_for(
                    &to,
                    t,
                    deps.templates.notice.as_ref(),
                    "TWILIO_CONTENT_SID_NOTICE",
                )?
            }
        }
    };
    // The message and "sent" commit together: a reminder sent or cancelled
    // meanwhile (another run, "stop reminders") rolls this one back.
    let uow = UnitOfWork::new(&deps.db);
    let marked = uow
        .run(async {
            deliver(&deps, to, format!("job:{SEND_REMINDER}:{id}"), vec![reply]).await?;
            deps.reminders
                .mark_sent(id, &reminder)
                .await
                .map_err(retryable)
        })
        .await?;
    if !marked {
        tracing::info!(reminder = %id, "reminder sent or cancelled meanwhile; not sent");
        return Ok(());
    }
    uow.commit().await.map_err(retryable)?;
    tracing::info!(reminder = %id, "reminder sent");
    Ok(())
}

/// The retries of a queue's jobs (the same on both queues).
fn retries(queue: &str) -> JobOptions {
    let base = match queue {
        SEND_REMINDER => Duration::from_secs(5),
        _ => Duration::from_secs(2),
    };
    // 12 attempts: about 2.3 hours of retries from a 2 s base (a relay to
    // a Redis that is down waits that long before it is a dead letter).
    JobOptions::default().with_attempts(12, Backoff::Exponential(base))
}

/// The relay of a queue's jobs from the database to BullMQ: a database job
/// is done once BullMQ holds it (its dedup id is the database job's, so a
/// relay repeated after a crash adds nothing while the first copy is kept).
async fn relay(
    redis: infra::redis::jobs::RedisJobQueue,
    deployment: Arc<str>,
    job: Job,
) -> Result<(), JobError> {
    let options = retries(&job.queue).with_dedup_id(format!("db:{deployment}:{}", job.id));
    let added = redis
        .enqueue(&job.queue, &job.payload, &options)
        .await
        .map_err(retryable)?;
    if let framework::jobs::Enqueued::Duplicate(held) = &added {
        // A relay repeated after a crash: BullMQ holds (or held) it.
        tracing::warn!(queue = %job.queue, db_job = %job.id, bullmq_job = %held, "job relayed before; not added again");
    }
    tracing::debug!(queue = %job.queue, db_job = %job.id, bullmq_job = %added.id(), "job relayed to BullMQ");
    Ok(())
}

/// Runs one queue's worker until `stop`: on the database queue, or, with
/// Redis, on BullMQ with the database queue relaying to it.
async fn worker<F, Fut>(deps: JobDeps, queue: &'static str, handle: F, stop: CancellationToken)
where
    F: Fn(JobDeps, Job) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    let Some(redis) = deps.runner.clone() else {
        return work_on(deps.queue.clone(), deps, queue, handle, stop).await;
    };
    let relays = deps.queue.clone();
    let relayed = {
        let redis = redis.clone();
        let deployment = Arc::clone(&deps.deployment);
        let stop = stop.clone();
        async move {
            let handler = ServiceBuilder::new()
                .map_err(job_error)
                .timeout(JOB_TIMEOUT)
                .service_fn(move |job: Job| relay(redis.clone(), Arc::clone(&deployment), job));
            if let Err(e) = relays
                .work(
                    queue,
                    handler,
                    WorkerConfig::default(),
                    stop.cancelled_owned(),
                )
                .await
            {
                tracing::error!(queue, error.message = %e, "job relay stopped on an error");
            }
        }
    };
    tokio::join!(relayed, work_on(redis, deps, queue, handle, stop));
}

/// Runs `handle` on `jobs`' queue `queue` until `stop`.
async fn work_on<Q, F, Fut>(
    jobs: Q,
    deps: JobDeps,
    queue: &'static str,
    handle: F,
    stop: CancellationToken,
) where
    Q: JobQueue,
    F: Fn(JobDeps, Job) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<(), JobError>> + Send + 'static,
{
    let handler = ServiceBuilder::new()
        .map_err(job_error)
        .timeout(JOB_TIMEOUT)
        .service_fn(move |job: Job| {
            // Every log line of a job's run carries its queue, id and attempt.
            let span =
                tracing::info_span!("job", queue = %job.queue, id = %job.id, attempt = job.attempt);
            handle(deps.clone(), job).instrument(span)
        });
    tracing::info!(queue, "job worker started");
    if let Err(e) = jobs
        .work(
            queue,
            handler,
            WorkerConfig::default(),
            stop.cancelled_owned(),
        )
        .await
    {
        tracing::error!(queue, error.message = %e, "job worker stopped on an error");
    }
}

/// Runs the workers of every built queue until `shutdown` resolves, then
/// lets the jobs in progress finish.
pub async fn run_workers(deps: JobDeps, shutdown: impl Future<Output = ()> + Send + 'static) {
    let stop = CancellationToken::new();
    let trigger = stop.clone();
    tokio::spawn(async move {
        shutdown.await;
        trigger.cancel();
    });
    tokio::join!(
        worker(deps.clone(), PROCESS_ORDER, process_order, stop.clone()),
        worker(deps.clone(), SEND_INVOICE, send_invoice, stop.clone()),
        worker(deps, SEND_REMINDER, send_reminder, stop),
    );
}
