//! [`ReminderService`]: scheduling, "stop reminders", and the decision a
//! reminder's job makes when it fires. The only place with reminder
//! business logic.

use std::time::Duration;

use super::commands::{
    Fire, MarkReminderSent, PrepareReminder, SchedulePaymentReminders, ScheduleReminder,
    ScheduledReminder, StartReminders, StopReminders,
};
use super::domain::{Readiness, Reminder, ReminderKind, ShopClock, payment_reminder_times};
use super::error::ReminderError;
use super::ports::ReminderRepository;
use super::queries::{GetReminder, RemindersStopped};
use crate::invoices::InvoiceRepository;
use crate::shared::Now;

/// Reminders over a [`ReminderRepository`], checking invoices in an
/// [`InvoiceRepository`].
///
/// The time comes from the injected [`Now`]; the shop's time zone and
/// quiet hours from its [`ShopClock`].
#[derive(Debug, Clone)]
pub struct ReminderService<R, I> {
    reminders: R,
    invoices: I,
    clock: ShopClock,
    first_payment_reminder_after: Option<Duration>,
    now: Now,
}

impl<R, I> ReminderService<R, I>
where
    R: ReminderRepository,
    I: InvoiceRepository,
{
    /// Reminders in `reminders`, sent at the times of the shop's `clock`
    /// (time zone, quiet hours), reading the time from `now`.
    #[must_use]
    pub fn new(reminders: R, invoices: I, clock: ShopClock, now: Now) -> Self {
        Self {
            reminders,
            invoices,
            clock,
            first_payment_reminder_after: None,
            now,
        }
    }

    /// The first payment reminder that long after the invoice is issued,
    /// instead of a day before it is due (`CAMPANILE_PAYMENT_REMINDER_AFTER`).
    #[must_use]
    pub fn with_first_payment_reminder_after(mut self, after: Option<Duration>) -> Self {
        self.first_payment_reminder_after = after;
        self
    }

    /// The shop's clock: its time zone and quiet hours (not the time; that
    /// is the injected [`Now`]).
    #[must_use]
    pub fn clock(&self) -> &ShopClock {
        &self.clock
    }

    /// Schedules the payment reminders of a newly issued invoice; returns
    /// each with its time, earliest first, so the caller can schedule its
    /// job. Scheduling again (an overlapping run of the invoice's job)
    /// stores nothing new and returns the same reminders. Quiet hours are
    /// applied when a reminder fires.
    ///
    /// # Errors
    ///
    /// [`ReminderError::Storage`].
    pub async fn schedule_payment_reminders(
        &self,
        cmd: SchedulePaymentReminders,
    ) -> Result<Vec<ScheduledReminder>, ReminderError> {
        let times = payment_reminder_times(
            cmd.issued_at_ms,
            cmd.due_at_ms,
            self.first_payment_reminder_after,
        );
        let mut scheduled = Vec::with_capacity(times.len());
        for at_ms in times {
            let reminder = Reminder::new(
                cmd.customer.clone(),
                ReminderKind::Payment {
                    invoice: cmd.invoice,
                },
                at_ms,
            );
            let id = self.reminders.add(&reminder).await?;
            scheduled.push(ScheduledReminder { id, at_ms });
        }
        Ok(scheduled)
    }

    /// Schedules a reminder the shop writes for a customer.
    ///
    /// # Errors
    ///
    /// [`ReminderError::Storage`].
    pub async fn schedule_reminder(
        &self,
        cmd: ScheduleReminder,
    ) -> Result<ScheduledReminder, ReminderError> {
        let reminder = Reminder::new(
            cmd.customer,
            ReminderKind::Custom { text: cmd.text },
            cmd.at_ms,
        );
        let id = self.reminders.add(&reminder).await?;
        Ok(ScheduledReminder {
            id,
            at_ms: cmd.at_ms,
        })
    }

    /// "stop reminders". Returns whether it changed anything.
    ///
    /// # Errors
    ///
    /// [`ReminderError::Storage`].
    pub async fn stop_reminders(&self, cmd: StopReminders) -> Result<bool, ReminderError> {
        Ok(self.reminders.set_opted_out(&cmd.customer, true).await?)
    }

    /// "start reminders". Returns whether it changed anything.
    ///
    /// # Errors
    ///
    /// [`ReminderError::Storage`].
    pub async fn start_reminders(&self, cmd: StartReminders) -> Result<bool, ReminderError> {
        Ok(self.reminders.set_opted_out(&cmd.customer, false).await?)
    }

    /// Decides, now, what to do with a reminder whose job fired. A reminder
    /// that is never to be sent (invoice paid or void, customer opted out)
    /// is cancelled in storage with the reason.
    ///
    /// # Errors
    ///
    /// [`ReminderError::Storage`].
    pub async fn prepare_reminder(&self, cmd: PrepareReminder) -> Result<Fire, ReminderError> {
        let id = cmd.id;
        let Some(mut reminder) = self.reminders.get(id).await? else {
            return Ok(Fire::Missing);
        };
        let awaits_payment = match &reminder.kind {
            ReminderKind::Payment { invoice } => Some(
                self.invoices
                    .by_number(*invoice)
                    .await?
                    .is_some_and(|i| i.awaits_payment()),
            ),
            ReminderKind::Custom { .. } => None,
        };
        let opted_out = self.reminders.is_opted_out(&reminder.customer).await?;
        match reminder.is_ready_to_send(self.now.ms(), &self.clock, awaits_payment, opted_out) {
            Readiness::Send => Ok(Fire::Send(reminder)),
            Readiness::Wait(at) => Ok(Fire::Wait(at)),
            Readiness::Skip(reason) => {
                if reminder.cancel(reason).is_ok() {
                    self.reminders.save_status(id, &reminder).await?;
                }
                Ok(Fire::Skip(reason))
            }
        }
    }

    /// Records that a reminder was sent. Returns `false` when it was sent
    /// or cancelled meanwhile (then the caller must not send it).
    ///
    /// # Errors
    ///
    /// [`ReminderError::Storage`].
    pub async fn mark_reminder_sent(&self, cmd: MarkReminderSent) -> Result<bool, ReminderError> {
        let mut sent = cmd.reminder;
        if sent.mark_as_sent(self.now.ms()).is_err() {
            return Ok(false);
        }
        Ok(self.reminders.save_status(cmd.id, &sent).await?)
    }

    /// Reminder `id`, as stored.
    ///
    /// # Errors
    ///
    /// [`ReminderError::Storage`].
    pub async fn get_reminder(
        &self,
        query: GetReminder,
    ) -> Result<Option<Reminder>, ReminderError> {
        Ok(self.reminders.get(query.id).await?)
    }

    /// Whether the customer said "stop reminders".
    ///
    /// # Errors
    ///
    /// [`ReminderError::Storage`].
    pub async fn reminders_stopped(&self, query: RemindersStopped) -> Result<bool, ReminderError> {
        Ok(self.reminders.is_opted_out(&query.customer).await?)
    }
}
