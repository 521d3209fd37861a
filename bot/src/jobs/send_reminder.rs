//! `send-reminder`: a reminder is checked when its job fires (paid, void,
//! "stop reminders", quiet hours) and then sent, or waits again.

use std::time::Duration;

use features::reminders::{
    Fire, MarkReminderSent, PrepareReminder, ReminderId, ReminderKind, ScheduleReminder,
};
use features::shared::CustomerPhone;
use framework::BoxError;
use framework::jobs::{Job, JobError};
use framework::reply::Reply;
use infra_sql::UnitOfWork;

use infra_sql::sender::Outgoing;

use super::channel::{choose_template, customer_locale, due_date, reach, send};
use super::worker::{by_kind, permanent, retryable};
use super::{JobDeps, Queue, ShopJob, delay_until};

/// The template of a payment reminder outside the window: body `{{1}}`
/// number, `{{2}}` total, `{{3}}` due date. In the customer's language
/// where it is approved in it, the due date written in that language
/// ([`TemplateSids::choose`](super::TemplateSids::choose)).
pub const PAYMENT_REMINDER_TEMPLATE: &str = "payment_reminder";

/// The template of a shop's own reminder outside the window: body `{{1}}`
/// the text (as the shop wrote it), in the customer's language where it is
/// approved in it.
pub const REMINDER_TEMPLATE: &str = "reminder";

/// The payload of a `send-reminder` job.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendReminder {
    /// The reminder.
    pub reminder_id: i64,
}

/// Enqueues the `send-reminder` job of reminder `id`, delayed until
/// `at_ms`.
///
/// # Errors
///
/// When the queue cannot store it.
pub async fn enqueue(
    queue: &Queue,
    id: ReminderId,
    at_ms: i64,
    now_ms: i64,
) -> Result<(), BoxError> {
    let payload = SendReminder {
        reminder_id: id.get(),
    };
    let dedup = format!("reminder:{id}:{at_ms}");
    super::enqueue(queue, &payload, dedup, delay_until(at_ms, now_ms)).await
}

/// Schedules a reminder with `text` for `customer` at `at_ms`, and its job,
/// in one transaction (`campanile remind`).
///
/// # Errors
///
/// When storage or the queue fails (then nothing is scheduled).
pub async fn schedule(
    deps: &JobDeps,
    customer: &CustomerPhone,
    at_ms: i64,
    text: &str,
) -> Result<ReminderId, BoxError> {
    let uow = UnitOfWork::new(&deps.db);
    let id = uow
        .run(async {
            let scheduled = deps
                .reminders
                .schedule_reminder(ScheduleReminder {
                    customer: customer.clone(),
                    at_ms,
                    text: text.to_owned(),
                })
                .await?;
            enqueue(&deps.queue, scheduled.id, at_ms, deps.clock.now_ms()).await?;
            Ok::<_, BoxError>(scheduled.id)
        })
        .await?;
    uow.commit().await?;
    Ok(id)
}

impl ShopJob for SendReminder {
    const QUEUE: &'static str = "send-reminder";
    const FIRST_RETRY: Duration = Duration::from_secs(5);

    async fn run(self, deps: JobDeps, job: Job) -> Result<(), JobError> {
        let id = ReminderId::new(self.reminder_id);
        let fire = deps
            .reminders
            .prepare_reminder(PrepareReminder { id })
            .await
            .map_err(by_kind)?;
        let reminder = match fire {
            Fire::Missing => {
                tracing::warn!(reminder = %id, "no such reminder; nothing sent");
                return Ok(());
            }
            Fire::Skip(reason) => {
                tracing::info!(reminder = %id, reason, "reminder not sent");
                return Ok(());
            }
            Fire::Wait(at) => {
                // Its next job, named after this one: never the same dedup
                // id as a job that ran (a clock a little behind would
                // otherwise ask for the same time again and be taken for a
                // duplicate). A rerun of this job asks for the same next
                // job, once.
                let dedup = format!("reminder:{id}:after:{}:{}", job.queue, job.id);
                let delay = delay_until(at, deps.clock.now_ms());
                super::enqueue(&deps.queue, &self, dedup, delay)
                    .await
                    .map_err(JobError::Retryable)?;
                tracing::info!(reminder = %id, at_ms = at, "reminder not due yet or in the quiet hours: it waits");
                return Ok(());
            }
            Fire::Send(reminder) => reminder,
        };
        let to = reach(&deps, reminder.customer.as_str()).await?;
        let locale = customer_locale(&deps, &reminder.customer).await;
        let say = deps.texts.say(&locale);
        let (outgoing, setting) = match &reminder.kind {
            ReminderKind::Payment { invoice: number } => {
                let invoice = deps
                    .documents
                    .invoice(*number)
                    .await
                    .map_err(by_kind)?
                    .ok_or_else(|| permanent(format!("no invoice {number}")))?;
                let due = due_date(&deps, &locale, &invoice);
                let text = say.payment_reminder(*number, invoice.total(), &due);
                let choice = choose_template(&deps, &to, PAYMENT_REMINDER_TEMPLATE, &locale);
                let template = choice
                    .template(PAYMENT_REMINDER_TEMPLATE)
                    .param(number.to_string())
                    .param(invoice.total().to_string())
                    .param(due_date(&deps, &choice.locale, &invoice));
                (
                    Outgoing::new(Reply::text(text)).or_template(template),
                    "TWILIO_CONTENT_SID_REMINDER",
                )
            }
            ReminderKind::Custom { text } => {
                let template = choose_template(&deps, &to, REMINDER_TEMPLATE, &locale)
                    .template(REMINDER_TEMPLATE)
                    .param(text.clone());
                (
                    Outgoing::new(Reply::text(say.shop_reminder(text))).or_template(template),
                    "TWILIO_CONTENT_SID_NOTICE",
                )
            }
        };
        // The message and "sent" commit together: a reminder sent or
        // cancelled meanwhile (another run, "stop reminders") rolls this one
        // back.
        let uow = UnitOfWork::new(&deps.db);
        let key = format!("job:{}:{id}", Self::QUEUE);
        let marked = uow
            .run(async {
                send(&deps, &to, outgoing.with_key(key), setting).await?;
                deps.reminders
                    .mark_reminder_sent(MarkReminderSent { id, reminder })
                    .await
                    .map_err(by_kind)
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
}
