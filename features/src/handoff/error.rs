//! [`HandoffError`]: everything the handoff feature can fail with.

use super::domain::MAX_OPERATOR_CHARS;
use crate::shared::RepositoryError;

/// Why a handoff operation failed.
///
/// # Handling
///
/// - [`HandoffError::is_user_error`]: the operator must fix the input; the
///   `Display` text is written for them.
/// - [`HandoffError::is_retryable`]: storage failed; a job retries, a chat
///   turn logs it and apologises (and, unable to tell whether the
///   customer is handed off, answers as the bot would).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HandoffError {
    /// An operator reply named no operator.
    #[error("name the operator who replied")]
    NoOperator,
    /// An operator name longer than [`MAX_OPERATOR_CHARS`].
    #[error("the operator's name is longer than {MAX_OPERATOR_CHARS} characters")]
    OperatorTooLong,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

impl HandoffError {
    /// Whether the operator must be told (`true`: the `Display` text is
    /// written for them), rather than the error logged.
    #[must_use]
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Storage(_))
    }

    /// Whether trying again later can succeed: storage failed.
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
        let storage = HandoffError::from(RepositoryError::Corrupt("x".to_owned()));
        assert!(storage.is_retryable() && !storage.is_user_error());
        for told in [HandoffError::NoOperator, HandoffError::OperatorTooLong] {
            assert!(told.is_user_error() && !told.is_retryable(), "{told:?}");
        }
    }
}
