//! The one read of the support responder, [`AskSupport`], and what it
//! answers: a [`SupportAnswer`] with the [`Reason`] it was chosen.
//!
//! (The responder changes nothing, so the feature has no commands.)

use super::domain::{FaqHit, FaqId, Language};
use super::error::ModelError;

/// A customer's question that is not an order: "what are your opening
/// hours", "do you deliver to Pune".
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AskSupport {
    /// The message as the customer wrote it.
    pub question: String,
    /// The language to answer in (the customer's).
    pub language: Language,
}

/// What to tell the customer. Never an error: when neither the FAQ nor the
/// model has a good answer, [`SupportAnswer::Unsure`] says to offer a
/// person.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SupportAnswer {
    /// An FAQ entry's answer: it matched well ([`Reason::FaqMatch`]), or
    /// it matched fairly and the model could not do better (the reason
    /// says why).
    Faq {
        /// The entry, its answer and score.
        hit: FaqHit,
        /// Why the FAQ answered.
        reason: Reason,
    },
    /// The model's answer, checked by the guard ([`Reason::ModelAnswered`]).
    Model {
        /// The answer, in the customer's language.
        text: String,
        /// The FAQ entries it is based on (at least one).
        sources: Vec<FaqId>,
    },
    /// No good answer: offer the customer a person (a handoff).
    Unsure {
        /// The best entry found, too weak to send (for logs and for the
        /// person who takes over).
        best_guess: Option<FaqHit>,
        /// Why no answer.
        reason: Reason,
    },
}

impl SupportAnswer {
    /// The text to send, if any (`None`: offer a person).
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match self {
            Self::Faq { hit, .. } => Some(&hit.answer),
            Self::Model { text, .. } => Some(text),
            Self::Unsure { .. } => None,
        }
    }

    /// Why this answer, for logs and metrics.
    #[must_use]
    pub fn reason(&self) -> Reason {
        match self {
            Self::Faq { reason, .. } | Self::Unsure { reason, .. } => *reason,
            Self::Model { .. } => Reason::ModelAnswered,
        }
    }
}

/// Why a [`SupportAnswer`] is what it is; [`as_str`](Self::as_str) is a
/// metric label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The FAQ matched at or above the `answer` threshold; no model asked.
    FaqMatch,
    /// The model answered and its answer passed the guard.
    ModelAnswered,
    /// The message has no words (emoji, punctuation); no model asked.
    NoQuestion,
    /// No model is configured.
    NoModel,
    /// The model was asked and failed.
    ModelFailed(ModelFailure),
    /// The model answered, and the guard refused the answer.
    Rejected(Rejection),
}

impl Reason {
    /// `faq_match`, `model_answered`, `no_question`, `no_model`,
    /// `model_down`, `model_timed_out`, `model_circuit_open`,
    /// `model_refused`, `model_bad_response`, `model_not_configured`,
    /// `rejected_not_json`, `rejected_off_topic`, `rejected_empty`,
    /// `rejected_too_long`, `rejected_no_sources`,
    /// `rejected_unknown_source`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FaqMatch => "faq_match",
            Self::ModelAnswered => "model_answered",
            Self::NoQuestion => "no_question",
            Self::NoModel => "no_model",
            Self::ModelFailed(failure) => failure.as_str(),
            Self::Rejected(rejection) => rejection.as_str(),
        }
    }
}

/// How a model call failed (a [`ModelError`] without its details).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ModelFailure {
    /// [`ModelError::Down`].
    Down,
    /// [`ModelError::TimedOut`].
    TimedOut,
    /// [`ModelError::CircuitOpen`].
    CircuitOpen,
    /// [`ModelError::Refused`].
    Refused,
    /// [`ModelError::BadResponse`].
    BadResponse,
    /// [`ModelError::NotConfigured`].
    NotConfigured,
}

impl ModelFailure {
    /// The metric label: `model_down`, `model_timed_out`, …
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Down => "model_down",
            Self::TimedOut => "model_timed_out",
            Self::CircuitOpen => "model_circuit_open",
            Self::Refused => "model_refused",
            Self::BadResponse => "model_bad_response",
            Self::NotConfigured => "model_not_configured",
        }
    }
}

impl From<&ModelError> for ModelFailure {
    fn from(e: &ModelError) -> Self {
        match e {
            ModelError::Down(_) => Self::Down,
            ModelError::TimedOut => Self::TimedOut,
            ModelError::CircuitOpen { .. } => Self::CircuitOpen,
            ModelError::Refused(_) => Self::Refused,
            ModelError::BadResponse(_) => Self::BadResponse,
            ModelError::NotConfigured => Self::NotConfigured,
        }
    }
}

/// Why the guard refused a model's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rejection {
    /// Not the JSON object asked for (prose, a wrong shape).
    NotJson,
    /// The model said the question is not about the shop (`on_topic`
    /// false).
    OffTopic,
    /// An empty answer (the model does not know).
    Empty,
    /// An answer longer than the cap.
    TooLong,
    /// No sources named.
    NoSources,
    /// A source that was not among the FAQ entries it was given.
    UnknownSource,
}

impl Rejection {
    /// The metric label: `rejected_not_json`, `rejected_off_topic`, …
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotJson => "rejected_not_json",
            Self::OffTopic => "rejected_off_topic",
            Self::Empty => "rejected_empty",
            Self::TooLong => "rejected_too_long",
            Self::NoSources => "rejected_no_sources",
            Self::UnknownSource => "rejected_unknown_source",
        }
    }
}
