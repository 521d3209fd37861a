//! [`ReminderError`]: everything the reminders feature can fail with.

use crate::shared::RepositoryError;

/// Why a reminder operation failed: the shop's reminder settings, the
/// reminder life cycle's rules, storage.
///
/// # Handling
///
/// - [`ReminderError::is_user_error`]: the operator must fix the input (a
///   time zone or quiet hours written wrong) or is told that the reminder
///   was sent or cancelled already; the `Display` text is written for
///   them.
/// - [`ReminderError::is_retryable`]: storage failed
///   ([`ReminderError::Storage`]); a job should retry, a chat turn log it
///   and apologise.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReminderError {
    /// Quiet hours not written `HH:MM-HH:MM`.
    #[error("quiet hours must look like 21:00-09:00, not {0:?}")]
    BadQuietHours(String),
    /// No such time zone.
    #[error("unknown time zone {0:?} (use an IANA name like Asia/Kolkata)")]
    UnknownTimeZone(String),
    /// The reminder was sent already.
    #[error("the reminder was sent already")]
    AlreadySent,
    /// The reminder was cancelled.
    #[error("the reminder was cancelled")]
    Cancelled,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

impl ReminderError {
    /// Whether the operator (or customer) must be told (`true`: the
    /// `Display` text is written for them), rather than the error logged
    /// (`false`).
    #[must_use]
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Storage(_))
    }

    /// Whether trying again later can succeed: storage failed. A job
    /// retries these and fails permanently on the others.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Storage(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_is_retried_the_rest_is_told() {
        let storage = ReminderError::from(RepositoryError::Corrupt("x".to_owned()));
        assert!(storage.is_retryable() && !storage.is_user_error());
        for told in [
            ReminderError::BadQuietHours("x".to_owned()),
            ReminderError::UnknownTimeZone("x".to_owned()),
            ReminderError::AlreadySent,
            ReminderError::Cancelled,
        ] {
            assert!(told.is_user_error() && !told.is_retryable(), "{told:?}");
        }
    }
}
