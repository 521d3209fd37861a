//! Reads of reminders: one struct per query. They answer with the
//! [`Reminder`](super::Reminder) itself or a plain fact.

use super::ports::ReminderId;
use crate::shared::CustomerPhone;

/// Reminder `id`, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GetReminder {
    /// The reminder.
    pub id: ReminderId,
}

/// Whether a customer said "stop reminders" (and not "start reminders"
/// since).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemindersStopped {
    /// Who.
    pub customer: CustomerPhone,
}
