//! What reminders need from storage: [`ReminderRepository`].

use std::future::Future;

use super::domain::Reminder;
use crate::shared::{CustomerPhone, RepositoryError};

/// A stored reminder's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReminderId(i64);

impl ReminderId {
    /// The id `id`.
    #[must_use]
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    /// The number.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl std::fmt::Display for ReminderId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Reminders and the customers who asked for none. Implementations only
/// persist; the rules live in [`Reminder`] and the
/// [`ReminderService`](super::ReminderService).
///
/// # Errors
///
/// Every method returns [`RepositoryError::Backend`] when storage fails and
/// [`RepositoryError::Corrupt`] for stored rows that no longer validate.
pub trait ReminderRepository: Clone + Send + Sync + 'static {
    /// Stores a new reminder; a payment reminder of the same invoice and
    /// time stored before is not stored again, and its id is returned.
    fn add(
        &self,
        reminder: &Reminder,
    ) -> impl Future<Output = Result<ReminderId, RepositoryError>> + Send;

    /// Reminder `id`.
    fn get(
        &self,
        id: ReminderId,
    ) -> impl Future<Output = Result<Option<Reminder>, RepositoryError>> + Send;

    /// Stores a reminder's new status, only if it is still scheduled in
    /// storage (a reminder is sent or cancelled once). Returns whether it
    /// changed.
    fn save_status(
        &self,
        id: ReminderId,
        reminder: &Reminder,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Records that `customer` wants reminders (`true`) or none (`false`).
    /// Returns whether that changed anything.
    fn set_opted_out(
        &self,
        customer: &CustomerPhone,
        opted_out: bool,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Whether `customer` asked for no reminders.
    fn is_opted_out(
        &self,
        customer: &CustomerPhone,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;
}
