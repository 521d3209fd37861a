//! Write intents for reminders: one struct per command, and what the
//! commands answer.

use super::domain::Reminder;
use super::ports::ReminderId;
use crate::invoices::{Invoice, InvoiceNumber};
use crate::shared::CustomerPhone;

/// Schedule the payment reminders of a newly issued invoice. Built from
/// the invoice with `SchedulePaymentReminders::from(&invoice)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SchedulePaymentReminders {
    /// Who pays.
    pub customer: CustomerPhone,
    /// The invoice.
    pub invoice: InvoiceNumber,
    /// When it was issued (ms since the epoch).
    pub issued_at_ms: i64,
    /// When it is due (ms since the epoch).
    pub due_at_ms: i64,
}

impl From<&Invoice> for SchedulePaymentReminders {
    fn from(invoice: &Invoice) -> Self {
        Self {
            customer: invoice.customer().clone(),
            invoice: invoice.number(),
            issued_at_ms: invoice.issued_at_ms(),
            due_at_ms: invoice.due_at_ms(),
        }
    }
}

/// Schedule a reminder the shop writes for a customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScheduleReminder {
    /// Who.
    pub customer: CustomerPhone,
    /// When it is due (ms since the epoch); quiet hours are applied when it
    /// fires.
    pub at_ms: i64,
    /// The message.
    pub text: String,
}

/// A scheduled reminder: its id and when it is due, for its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScheduledReminder {
    /// The stored reminder.
    pub id: ReminderId,
    /// When it is due (ms since the epoch).
    pub at_ms: i64,
}

/// The customer says "stop reminders": none is sent to them any more (each
/// is cancelled when it fires).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StopReminders {
    /// Who.
    pub customer: CustomerPhone,
}

/// The customer says "start reminders": reminders are sent again (those
/// cancelled meanwhile stay cancelled).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct StartReminders {
    /// Who.
    pub customer: CustomerPhone,
}

/// A reminder's job fired: decide, now, whether to send it, wait, or skip
/// it (then it is cancelled in storage).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PrepareReminder {
    /// The reminder.
    pub id: ReminderId,
}

/// What to do with a reminder whose job fired: the answer to
/// [`PrepareReminder`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fire {
    /// Send it now, then mark it sent ([`MarkReminderSent`]).
    Send(Reminder),
    /// Not before this time (ms since the epoch): quiet hours, or its time
    /// has not come.
    Wait(i64),
    /// Never; it is now cancelled (or was sent or cancelled before).
    Skip(&'static str),
    /// No such reminder.
    Missing,
}

/// Record that a reminder was sent: only if it is still scheduled in
/// storage (a reminder is sent once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkReminderSent {
    /// The reminder.
    pub id: ReminderId,
    /// The reminder as [`Fire::Send`] gave it.
    pub reminder: Reminder,
}
