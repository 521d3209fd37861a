//! What the support responder needs from outside: a [`LanguageModel`].

use std::future::Future;

use super::error::ModelError;

/// Who said a message of a [`ModelRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The customer.
    User,
    /// The model (an earlier answer).
    Assistant,
}

impl Role {
    /// `user` or `assistant`, as chat APIs name them.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Assistant => "assistant",
        }
    }
}

/// One call to a language model: its instructions and the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ModelRequest {
    /// The system prompt: what the model is, what it may answer, the FAQ
    /// and the reply format.
    pub system: String,
    /// The conversation, oldest first; the last is the customer's question.
    pub messages: Vec<(Role, String)>,
}

/// A chat model (an OpenAI-compatible API, a local server, a fake) that
/// completes a conversation with one reply.
///
/// The implementation owns the outbound policy: a deadline and a circuit
/// breaker, so a slow or failing model costs a customer's turn at most the
/// deadline, and nothing while the breaker is open.
///
/// # Errors
///
/// `complete` MUST return [`ModelError::TimedOut`] when the deadline
/// passed, [`ModelError::CircuitOpen`] when its breaker refused the call
/// without making it, [`ModelError::Refused`] when the server refused the
/// call as made (401, 403, another 4xx but 408 and 429),
/// [`ModelError::Down`] for other failures of the server (no connection,
/// 408, 429, 5xx) and [`ModelError::BadResponse`] when its answer is not a
/// completion. The reply is returned as the model wrote it: checking it is
/// the [`SupportService`](super::SupportService)'s job.
pub trait LanguageModel: Clone + Send + Sync + 'static {
    /// The model's reply to `request`.
    fn complete(
        &self,
        request: ModelRequest,
    ) -> impl Future<Output = Result<String, ModelError>> + Send;
}

/// No language model: the responder answers from the FAQ alone. Never
/// called (a [`SupportService`](super::SupportService) without a model
/// does not call one); answers [`ModelError::NotConfigured`] if it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NoModel;

impl LanguageModel for NoModel {
    async fn complete(&self, _request: ModelRequest) -> Result<String, ModelError> {
        Err(ModelError::NotConfigured)
    }
}
