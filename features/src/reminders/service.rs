//! [`ReminderService`]: scheduling, "stop reminders", and the decision a
//! reminder's job makes when it fires.

use std::time::Duration;

use super::domain::{Readiness, Reminder, ReminderKind, ShopClock, payment_reminder_times};
use super::ports::{ReminderId, ReminderRepository};
use crate::invoices::{Invoice, InvoiceRepository};
use crate::shared::{CustomerPhone, RepositoryError};

/// Errors of [`ReminderService`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReminderServiceError {
    /// Storage failed.
    #[error(transparent)]
    Repository(#[from] RepositoryError),
}

/// What to do with a reminder whose job fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fire {
    /// Send it now, then [`mark_sent`](ReminderService::mark_sent).
    Send(Reminder),
    /// Not before this time (ms since the epoch): quiet hours, or its time
    /// has not come.
    Wait(i64),
    /// Never; it is now cancelled (or was sent or cancelled before).
    Skip(&'static str),
    /// No such reminder.
    Missing,
}

/// Reminders over a [`ReminderRepository`], checking invoices in an
/// [`InvoiceRepository`].
#[derive(Debug, Clone)]
pub struct ReminderService<R, I> {
    reminders: R,
    invoices: I,
    clock: ShopClock,
    first_payment_reminder_after: Option<Duration>,
    now: fn() -> i64,
}

fn system_now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

impl<R: ReminderRepository, I: InvoiceRepository> ReminderService<R, I> {
    /// Reminders in `reminders`, at the times of the shop's `clock`.
    #[must_use]
    pub fn new(reminders: R, invoices: I, clock: ShopClock) -> Self {
        Self {
            reminders,
            invoices,
            clock,
            first_payment_reminder_after: None,
            now: system_now,
        }
    }

    /// The first payment reminder that long after the invoice is issued,
    /// instead of a day before it is due (`CAMPANILE_PAYMENT_REMINDER_AFTER`).
    #[must_use]
    pub fn with_first_payment_reminder_after(mut self, after: Option<Duration>) -> Self {
        self.first_payment_reminder_after = after;
        self
    }

    /// Reads the time from `now` (ms since the epoch), for tests.
    #[must_use]
    pub fn with_clock(mut self, now: fn() -> i64) -> Self {
        self.now = now;
        self
    }

    /// The shop's clock.
    #[must_use]
    pub fn clock(&self) -> &ShopClock {
        &self.clock
    }

    /// Schedules the payment reminders of a newly issued invoice; returns
    /// each with its time, earliest first, so the caller can schedule its
    /// job. Quiet hours are applied when a reminder fires.
    ///
    /// # Errors
    ///
    /// [`ReminderServiceError::Repository`].
    pub async fn schedule_payment_reminders(
        &self,
        invoice: &Invoice,
    ) -> Result<Vec<(ReminderId, i64)>, ReminderServiceError> {
        let times = payment_reminder_times(
            invoice.issued_at_ms(),
            invoice.due_at_ms(),
            self.first_payment_reminder_after,
        );
        let mut scheduled = Vec::with_capacity(times.len());
        for at in times {
            let reminder = Reminder::new(
                invoice.customer().clone(),
                ReminderKind::Payment {
                    invoice: invoice.number(),
                },
                at,
            );
            scheduled.push((self.reminders.add(&reminder).await?, at));
        }
        Ok(scheduled)
    }

    /// Schedules a reminder with `text` for `customer` at `at_ms`.
    ///
    /// # Errors
    ///
    /// [`ReminderServiceError::Repository`].
    pub async fn schedule_reminder(
        &self,
        customer: &CustomerPhone,
        at_ms: i64,
        text: &str,
    ) -> Result<ReminderId, ReminderServiceError> {
        let reminder = Reminder::new(
            customer.clone(),
            ReminderKind::Custom {
                text: text.to_owned(),
            },
            at_ms,
        );
        Ok(self.reminders.add(&reminder).await?)
    }

    /// "stop reminders" (`stop = true`) or "start reminders". Returns
    /// whether it changed anything.
    ///
    /// # Errors
    ///
    /// [`ReminderServiceError::Repository`].
    pub async fn set_stopped(
        &self,
        customer: &CustomerPhone,
        stop: bool,
    ) -> Result<bool, ReminderServiceError> {
        Ok(self.reminders.set_opted_out(customer, stop).await?)
    }

    /// Decides, now, what to do with reminder `id` whose job fired. A
    /// reminder that is never to be sent (invoice paid or void, customer
    /// opted out) is cancelled in storage with the reason.
    ///
    /// # Errors
    ///
    /// [`ReminderServiceError::Repository`].
    pub async fn prepare(&self, id: ReminderId) -> Result<Fire, ReminderServiceError> {
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
        match reminder.is_ready_to_send((self.now)(), &self.clock, awaits_payment, opted_out) {
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

    /// Records that reminder `id` was sent. Returns `false` when it was
    /// sent or cancelled meanwhile (then the caller must not send it).
    ///
    /// # Errors
    ///
    /// [`ReminderServiceError::Repository`].
    pub async fn mark_sent(
        &self,
        id: ReminderId,
        reminder: &Reminder,
    ) -> Result<bool, ReminderServiceError> {
        let mut sent = reminder.clone();
        if sent.mark_as_sent((self.now)()).is_err() {
            return Ok(false);
        }
        Ok(self.reminders.save_status(id, &sent).await?)
    }
}
