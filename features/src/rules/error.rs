//! [`RuleError`]: everything the rules feature can fail with.

use crate::shared::RepositoryError;

/// Why a rules operation failed.
///
/// # Handling
///
/// - [`RuleError::is_user_error`]: the operator must change something (the
///   `Display` text names the field); nothing was changed.
/// - [`RuleError::is_retryable`]: storage failed; a job retries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuleError {
    /// A field of a rule as written is wrong.
    #[error("{field}: {reason}")]
    Invalid {
        /// Where: `trigger.cron`, `rule[2].actions[0].send.template.name`, …
        field: String,
        /// What is wrong, for the operator.
        reason: String,
    },
    /// No rule of that name.
    #[error("no rule named {0:?}")]
    NotFound(String),
    /// The rule file is not TOML of the expected shape.
    #[error("the rule file does not parse: {0}")]
    BadFile(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

impl RuleError {
    /// Whether the operator must be told (`true`) rather than the error
    /// logged.
    #[must_use]
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Storage(_))
    }

    /// Whether trying again later can succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Storage(_))
    }

    /// The same error with `prefix.` before its field (`rule[2].`).
    #[must_use]
    pub fn within(self, prefix: &str) -> Self {
        match self {
            Self::Invalid { field, reason } => Self::Invalid {
                field: format!("{prefix}.{field}"),
                reason,
            },
            other => other,
        }
    }
}
