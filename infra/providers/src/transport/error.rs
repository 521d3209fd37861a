//! [`SendError`]: why a send failed, and what to do next (see the
//! [transport module docs](super) for which failures land where).

use std::time::Duration;

use framework::Provider;

/// Why a send failed, and what to do next.
///
/// See the [module docs](super) for which failures land in which variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// No credentials for this provider: dry run, never sent. Not retryable:
    /// configure the provider.
    #[error("{0} is not configured (no credentials): the message was not sent")]
    NotConfigured(Provider),
    /// Not sent, and may succeed later (5xx, a connection that could not be
    /// opened). `retry_after` when the provider said how long
    /// (`Retry-After` header) or our policy for the code; otherwise back
    /// off exponentially with jitter.
    #[error("send failed, retry later: {message}")]
    Retryable {
        /// What happened (the provider's error, or the network error).
        message: String,
        /// The least time to wait before trying again, when known.
        retry_after: Option<Duration>,
        /// The provider's error code (`"20429"`, `"130429"`), when there is one.
        code: Option<String>,
    },
    /// Not sent: a throughput limit (HTTP 429; Twilio 20429, 21611, 63017,
    /// 63018; Meta 4, 80007, 130429, 131056). Always safe to
    /// send again, after `retry_after`. It slows the sender down rather than
    /// tripping a circuit breaker.
    #[error("the provider asks to slow down: {message}")]
    Throttled {
        /// What happened (the provider's error).
        message: String,
        /// The least time to wait before trying again, when known.
        retry_after: Option<Duration>,
        /// The provider's error code, when there is one.
        code: Option<String>,
    },
    /// The outcome is unknown: the request was written and no answer came
    /// (a timeout, a connection dropped mid-answer). The provider may have
    /// accepted the message, so sending it again may deliver it twice; the
    /// outbox decides per kind of message whether to.
    #[error("outcome unknown: {message}")]
    Unknown {
        /// What happened.
        message: String,
    },
    /// Not sent: the provider's circuit breaker is open after repeated
    /// failures, and nothing goes to the provider until it lets a probe
    /// through. The message waits, with no attempt counted.
    #[error("{target}'s circuit breaker is open: the message was not sent; it waits")]
    CircuitOpen {
        /// The breaker's target (`twilio`, `meta`).
        target: &'static str,
        /// How long until the breaker lets a probe through, when known.
        retry_in: Option<Duration>,
    },
    /// Will never succeed as is (4xx validation, invalid recipient, outside the
    /// 24 h window, auth errors).
    #[error("send failed permanently: {message}")]
    Permanent {
        /// What happened (the provider's error).
        message: String,
        /// The provider's error code (`"21211"`, `"131047"`), when there is one.
        code: Option<String>,
        /// The customer is outside the 24 h window (Twilio 63016, Meta
        /// 131047): only a template can reach them now.
        needs_template: bool,
    },
}

impl SendError {
    /// Whether the request was certainly not sent and sending it again later
    /// may succeed ([`Retryable`](Self::Retryable),
    /// [`Throttled`](Self::Throttled), [`CircuitOpen`](Self::CircuitOpen)).
    /// An [`Unknown`](Self::Unknown) outcome is not: the provider may have
    /// the message.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Retryable { .. } | Self::Throttled { .. } | Self::CircuitOpen { .. }
        )
    }

    /// Whether the provider asked to slow down.
    #[must_use]
    pub fn is_throttled(&self) -> bool {
        matches!(self, Self::Throttled { .. })
    }

    /// Whether the provider may have accepted the message although no answer
    /// said so.
    #[must_use]
    pub fn is_unknown(&self) -> bool {
        matches!(self, Self::Unknown { .. })
    }

    /// How long to wait before the next attempt, when the provider said so or
    /// the code has a known minimum. `None` for permanent errors, and for
    /// retryable ones without a hint (use exponential backoff).
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Retryable { retry_after, .. } | Self::Throttled { retry_after, .. } => {
                *retry_after
            }
            Self::CircuitOpen { retry_in, .. } => *retry_in,
            Self::NotConfigured(_) | Self::Permanent { .. } | Self::Unknown { .. } => None,
        }
    }

    /// The provider's error code, when it sent one.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Retryable { code, .. }
            | Self::Throttled { code, .. }
            | Self::Permanent { code, .. } => code.as_deref(),
            Self::NotConfigured(_) | Self::Unknown { .. } | Self::CircuitOpen { .. } => None,
        }
    }

    /// Whether only a template can reach the customer now (outside the 24 h
    /// window).
    #[must_use]
    pub fn needs_template(&self) -> bool {
        matches!(
            self,
            Self::Permanent {
                needs_template: true,
                ..
            }
        )
    }
}
