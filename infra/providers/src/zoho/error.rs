//! What can go wrong calling Zoho CRM, classified by what the caller should
//! do about it.

use std::time::Duration;

/// Which limit a [`ZohoError::Throttled`] answer hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ThrottleScope {
    /// Too many API calls in flight (HTTP 429 `TOO_MANY_REQUESTS` with
    /// credits left): clears within seconds. Not counted by the breaker.
    Concurrency,
    /// The accounts server refused a token refresh ("Access Denied" with
    /// HTTP 200: more than 10 refreshes in 10 minutes). Clears when the
    /// 10-minute window moves on; counted by the breaker, so a burst of
    /// callers stops knocking.
    TokenRefresh,
}

/// Why a Zoho call failed. See [`is_retryable`](Self::is_retryable) for
/// what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZohoError {
    /// Zoho failed to answer (5xx, a connection that could not be opened,
    /// a read that timed out): nothing was changed; try again.
    #[error("zoho is unavailable: {message}")]
    Retryable {
        /// What happened.
        message: String,
        /// Zoho's code, e.g. `INTERNAL_ERROR`.
        code: Option<String>,
    },
    /// Zoho asked us to slow down; try again after `retry_after` (or a
    /// short backoff).
    #[error("zoho asked us to slow down ({scope:?}): {message}")]
    Throttled {
        /// Which limit.
        scope: ThrottleScope,
        /// What happened.
        message: String,
        /// Our least wait, when we know one.
        retry_after: Option<Duration>,
    },
    /// The org's API credits for the rolling 24 hours are spent (HTTP 429
    /// with `X-API-CREDITS-REMAINING: 0`): every call fails until credits
    /// come back. Opens the breaker.
    #[error("the zoho API credits are used up: {message}")]
    CreditsExhausted {
        /// What happened.
        message: String,
    },
    /// Zoho refused our credentials (a bad client id or secret, a revoked
    /// refresh token, a missing scope, an access token refused even after a
    /// refresh). Permanent until an operator fixes the settings.
    #[error("zoho refused our credentials: {message}")]
    Auth {
        /// What happened.
        message: String,
        /// Zoho's code, e.g. `invalid_client`, `INVALID_TOKEN`,
        /// `OAUTH_SCOPE_MISMATCH`.
        code: Option<String>,
    },
    /// Zoho refused the request itself (`INVALID_DATA`,
    /// `MANDATORY_NOT_FOUND`, `INVALID_MODULE`, `NO_PERMISSION`, …):
    /// sending it again gets the same answer.
    #[error("zoho refused the request (HTTP {status}, {code}): {message}")]
    Permanent {
        /// The HTTP status.
        status: u16,
        /// Zoho's code.
        code: String,
        /// Zoho's message, and the field it names when it names one.
        message: String,
    },
    /// A write timed out or its connection broke after it was sent: Zoho
    /// may have applied it. Our writes converge (upsert, update by id), so
    /// sending the same write again is safe, but it is the caller's call.
    #[error("zoho did not answer a write: {message}; it may have been applied")]
    UnknownOutcome {
        /// What happened.
        message: String,
    },
    /// The circuit breaker is open: the call was not made.
    #[error("the zoho circuit breaker is open; no call was made")]
    CircuitOpen {
        /// How long the breaker still refuses every call, when known.
        retry_in: Option<Duration>,
    },
}

impl ZohoError {
    /// Whether the same call may succeed later, unchanged: [`Retryable`],
    /// [`Throttled`], [`CreditsExhausted`] (much later) and [`CircuitOpen`].
    /// Not [`Auth`] or [`Permanent`] (someone must change something), nor
    /// [`UnknownOutcome`] (it may have been applied: the caller decides).
    ///
    /// [`Retryable`]: Self::Retryable
    /// [`Throttled`]: Self::Throttled
    /// [`CreditsExhausted`]: Self::CreditsExhausted
    /// [`CircuitOpen`]: Self::CircuitOpen
    /// [`Auth`]: Self::Auth
    /// [`Permanent`]: Self::Permanent
    /// [`UnknownOutcome`]: Self::UnknownOutcome
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Retryable { .. }
                | Self::Throttled { .. }
                | Self::CreditsExhausted { .. }
                | Self::CircuitOpen { .. }
        )
    }

    /// Our least wait before trying again, when we know one.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Throttled { retry_after, .. } => *retry_after,
            Self::CircuitOpen { retry_in } => *retry_in,
            _ => None,
        }
    }

    /// Zoho's code, when it sent one.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Retryable { code, .. } | Self::Auth { code, .. } => code.as_deref(),
            Self::Permanent { code, .. } => Some(code),
            Self::CreditsExhausted { .. } | Self::Throttled { .. } => Some("TOO_MANY_REQUESTS"),
            Self::UnknownOutcome { .. } | Self::CircuitOpen { .. } => None,
        }
    }

    /// Whether an access token was refused (`INVALID_TOKEN`,
    /// `INVALID_OAUTHTOKEN`): a fresh token may succeed.
    pub(super) fn is_invalid_token(&self) -> bool {
        matches!(
            self,
            Self::Auth { code: Some(code), .. }
                if code == "INVALID_TOKEN" || code == "INVALID_OAUTHTOKEN"
        )
    }

    /// What counts against the breaker: Zoho failing to answer, unknown
    /// outcomes, spent credits and refused token refreshes. Not answers
    /// about the request, nor concurrency throttles (the bulkhead handles
    /// those).
    pub(super) fn counts_against_breaker(&self) -> bool {
        matches!(
            self,
            Self::Retryable { .. }
                | Self::UnknownOutcome { .. }
                | Self::CreditsExhausted { .. }
                | Self::Throttled {
                    scope: ThrottleScope::TokenRefresh,
                    ..
                }
        )
    }

    /// The `outcome` label of `campanile_outbound_attempts_total`.
    pub(super) fn outcome(&self) -> &'static str {
        match self {
            Self::Retryable { .. } => "retryable",
            Self::Throttled { .. } => "throttled",
            Self::CreditsExhausted { .. } => "credits_exhausted",
            Self::Auth { .. } => "auth",
            Self::Permanent { .. } => "permanent",
            Self::UnknownOutcome { .. } => "unknown",
            Self::CircuitOpen { .. } => "breaker_open",
        }
    }
}

/// Why a [`ZohoClient`](super::ZohoClient) could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ZohoConfigError {
    /// A base URL cannot be used.
    #[error("invalid zoho base URL {url:?}: {reason}")]
    InvalidBaseUrl {
        /// The configured URL.
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The client id is empty.
    #[error("the zoho client id is empty")]
    MissingClientId,
    /// The timeout is zero.
    #[error("the zoho timeout must be more than zero")]
    ZeroTimeout,
    /// The breaker's settings are unusable.
    #[error(transparent)]
    Breaker(#[from] crate::policy::BreakerConfigError),
    /// The HTTP client could not be built (TLS setup).
    #[error("could not build the HTTP client")]
    Client(#[from] reqwest::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_say_whether_to_retry() {
        let retryable = ZohoError::Retryable {
            message: "m".into(),
            code: None,
        };
        let concurrency = ZohoError::Throttled {
            scope: ThrottleScope::Concurrency,
            message: "m".into(),
            retry_after: None,
        };
        let token = ZohoError::Throttled {
            scope: ThrottleScope::TokenRefresh,
            message: "m".into(),
            retry_after: None,
        };
        let auth = ZohoError::Auth {
            message: "m".into(),
            code: Some("INVALID_OAUTHTOKEN".into()),
        };
        let unknown = ZohoError::UnknownOutcome {
            message: "m".into(),
        };
        assert!(retryable.is_retryable() && retryable.counts_against_breaker());
        assert!(concurrency.is_retryable() && !concurrency.counts_against_breaker());
        assert!(token.is_retryable() && token.counts_against_breaker());
        assert!(!auth.is_retryable() && auth.is_invalid_token());
        assert!(!unknown.is_retryable() && unknown.counts_against_breaker());
    }
}
