//! The error every port (repository trait) returns.

/// A storage failure reported by a repository implementation.
///
/// Services treat every variant as "log and apologise": none of them is the
/// customer's fault.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// The backend (database, connection pool, driver) failed.
    #[error("storage failed")]
    Backend(#[from] anyhow::Error),
    /// Stored data no longer passes the domain's validation (for example a
    /// SKU column edited by hand). The string says which value and why.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl RepositoryError {
    /// Wraps any error from a storage driver as [`RepositoryError::Backend`].
    #[must_use]
    pub fn backend<E>(error: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        Self::Backend(anyhow::Error::new(error))
    }
}
