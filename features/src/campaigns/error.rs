//! [`CampaignError`]: everything the campaigns feature can fail with.

use super::domain::LifecycleError;
use super::ports::CampaignId;
use crate::shared::RepositoryError;

/// Why a campaign operation failed.
///
/// # Handling
///
/// - [`CampaignError::is_user_error`]: the operator must change something
///   (the `Display` text is written for them); nothing was changed.
/// - [`CampaignError::is_retryable`]: storage failed; a job retries.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CampaignError {
    /// No campaign with that id.
    #[error("no campaign {0}")]
    NotFound(CampaignId),
    /// The life cycle does not allow it.
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// The name is empty or longer than 100 characters.
    #[error("a campaign's name must be 1 to 100 characters")]
    BadName,
    /// The audience matched nobody when the campaign was to start.
    #[error("the audience matches nobody: nothing to send")]
    EmptyAudience,
    /// Another operator (or instance) changed the campaign meanwhile.
    #[error("the campaign changed meanwhile (now {0}); try again")]
    Conflict(super::domain::CampaignState),
    /// The recipient cannot be reached: their window is closed and the
    /// campaign has no template.
    #[error("outside the customer's 24-hour window the campaign needs a template")]
    NeedsTemplate,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] RepositoryError),
}

impl CampaignError {
    /// Whether the operator must be told (`true`) rather than the error
    /// logged.
    #[must_use]
    pub fn is_user_error(&self) -> bool {
        !matches!(self, Self::Storage(_))
    }

    /// Whether trying again later can succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Storage(_) | Self::Conflict(_))
    }
}
