//! [`CustomerError`]: everything the customers feature can fail with.

use super::details::DetailsError;
use super::domain::TagError;
use crate::shared::RepositoryError;

/// Why a customers operation failed.
///
/// # Handling
///
/// - [`CustomerError::is_user_error`]: the operator (or customer) must fix
///   the input; the `Display` text is written for them.
/// - [`CustomerError::is_retryable`]: storage failed; a job retries, a chat
///   turn logs it and apologises.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CustomerError {
    /// A tag that is not valid.
    #[error(transparent)]
    Tag(#[from] TagError),
    /// A language or registration that is not valid.
    #[error(transparent)]
    Details(#[from] DetailsError),
    /// A command or query given no tags.
    #[error("name at least one tag")]
    NoTags,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

impl CustomerError {
    /// Whether the operator (or customer) must be told (`true`: the
    /// `Display` text is written for them), rather than the error logged.
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
        let storage = CustomerError::from(RepositoryError::Corrupt("x".to_owned()));
        assert!(storage.is_retryable() && !storage.is_user_error());
        for told in [CustomerError::NoTags, CustomerError::Tag(TagError::Empty)] {
            assert!(told.is_user_error() && !told.is_retryable(), "{told:?}");
        }
    }
}
