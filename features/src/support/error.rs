//! [`SupportError`]: what setting up the support responder can fail with;
//! [`ModelError`]: what a [`LanguageModel`](super::LanguageModel) can fail
//! with.
//!
//! Answering never fails: model trouble is logged and the customer gets
//! the FAQ's answer or the offer of a person
//! ([`SupportAnswer`](super::SupportAnswer)).

use std::time::Duration;

/// Why the FAQ, a language tag or the thresholds are unusable. The
/// `Display` text is written for the operator who maintains the FAQ file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SupportError {
    /// The file is not TOML, or has keys other than `[[faq]]`.
    #[error("the FAQ file is not valid: {0}")]
    Toml(String),
    /// A field of the file is wrong: `faq[2].hi.answer: empty`.
    #[error("{field}: {problem}")]
    Invalid {
        /// Where: `faq[2].hi.answer` (entries count from 0).
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// Not a language tag.
    #[error(transparent)]
    BadLanguage(#[from] crate::shared::LanguageError),
    /// Not an FAQ id.
    #[error("{0:?} is not an id (1 to 64 lower-case letters, digits, '-' or '_')")]
    BadId(String),
    /// The thresholds are not `0 < maybe <= answer <= 1`.
    #[error(
        "the FAQ thresholds must be 0 < maybe <= answer <= 1, not answer {answer}, maybe {maybe}"
    )]
    BadThresholds {
        /// The answer threshold given.
        answer: f32,
        /// The maybe threshold given.
        maybe: f32,
    },
}

impl SupportError {
    /// Always `true`: every variant is a mistake in the shop's settings, and
    /// the `Display` text says which.
    #[must_use]
    pub fn is_user_error(&self) -> bool {
        true
    }
}

/// Why a language model gave no answer. An implementation of
/// [`LanguageModel`](super::LanguageModel) MUST map its failures to these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The model's server failed: no connection, 5xx, 429. Counted by its
    /// circuit breaker.
    #[error("the language model is down: {0}")]
    Down(String),
    /// No answer within the deadline.
    #[error("the language model did not answer in time")]
    TimedOut,
    /// Its circuit breaker is open: no call was made.
    #[error("the language model is failing: calls refused for {retry_in:?}")]
    CircuitOpen {
        /// How long the breaker still refuses calls, when known.
        retry_in: Option<Duration>,
    },
    /// The server refused the call (a wrong key, a model it does not know,
    /// a request it does not take): trying again will not help.
    #[error("the language model refused the call: {0}")]
    Refused(String),
    /// The server answered something that is not a chat completion.
    #[error("the language model's answer is unreadable: {0}")]
    BadResponse(String),
    /// No model is configured.
    #[error("no language model is configured")]
    NotConfigured,
}

impl ModelError {
    /// Whether trying again later can succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Down(_) | Self::TimedOut | Self::CircuitOpen { .. } | Self::BadResponse(_)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_fields_are_named_first() {
        let e = SupportError::Invalid {
            field: "faq[2].hi.answer".to_owned(),
            problem: "empty".to_owned(),
        };
        assert_eq!(e.to_string(), "faq[2].hi.answer: empty");
        assert!(e.is_user_error());
    }

    #[test]
    fn refusals_are_not_retried() {
        assert!(!ModelError::Refused("401".to_owned()).is_retryable());
        assert!(!ModelError::NotConfigured.is_retryable());
        assert!(ModelError::TimedOut.is_retryable());
    }
}
