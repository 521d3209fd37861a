//! What one turn of the pipeline produced.

use super::reply::Reply;

/// The result of handling one inbound message: the replies to send and what
/// happened to the message.
///
/// Layers that stop a message (a duplicate, a rate-limited customer) answer with
/// a `Response` rather than an error; only infrastructure failures are errors
/// (see [`crate::handle_error`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    replies: Vec<Reply>,
    outcome: Outcome,
    /// How many replies a [`deliver`](crate::deliver) layer already handed to
    /// the outbox (they are no longer in `replies`).
    delivered: usize,
}

/// What happened to an inbound message, for logs, metrics and callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// A handler ran (it may have chosen to send nothing).
    Handled,
    /// The message was seen before (a provider retry); nothing ran.
    Duplicate,
    /// The customer is over their rate limit; no handler ran.
    RateLimited,
    /// The message is too old to answer (a late provider retry); nothing ran.
    Stale,
    /// Something failed; the customer got an apology.
    Failed,
}

impl Outcome {
    /// The lower-case name used in logs and metrics.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Handled => "handled",
            Self::Duplicate => "duplicate",
            Self::RateLimited => "rate_limited",
            Self::Stale => "stale",
            Self::Failed => "failed",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Response {
    /// A handled turn that sends the given replies.
    #[must_use]
    pub fn from_replies(replies: impl IntoIterator<Item = Reply>) -> Self {
        Self {
            replies: replies.into_iter().collect(),
            outcome: Outcome::Handled,
            delivered: 0,
        }
    }

    /// A handled turn that sends one reply.
    #[must_use]
    pub fn reply(reply: impl Into<Reply>) -> Self {
        Self {
            replies: vec![reply.into()],
            outcome: Outcome::Handled,
            delivered: 0,
        }
    }

    /// A handled turn that sends nothing.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            replies: Vec::new(),
            outcome: Outcome::Handled,
            delivered: 0,
        }
    }

    /// A turn stopped because the message was seen before.
    #[must_use]
    pub fn duplicate() -> Self {
        Self {
            replies: Vec::new(),
            outcome: Outcome::Duplicate,
            delivered: 0,
        }
    }

    /// A turn stopped because the message is too old to answer.
    #[must_use]
    pub fn stale() -> Self {
        Self {
            replies: Vec::new(),
            outcome: Outcome::Stale,
            delivered: 0,
        }
    }

    /// A turn stopped by the rate limit, with the "please slow down" notice when
    /// the customer has not had one in this window.
    #[must_use]
    pub fn rate_limited(notice: Option<Reply>) -> Self {
        Self {
            replies: notice.into_iter().collect(),
            outcome: Outcome::RateLimited,
            delivered: 0,
        }
    }

    /// A failed turn answered with an apology.
    #[must_use]
    pub fn failed(apology: Option<Reply>) -> Self {
        Self {
            replies: apology.into_iter().collect(),
            outcome: Outcome::Failed,
            delivered: 0,
        }
    }

    /// The replies to send, in order.
    #[must_use]
    pub fn replies(&self) -> &[Reply] {
        &self.replies
    }

    /// Takes the replies out of the response.
    #[must_use]
    pub fn into_replies(self) -> Vec<Reply> {
        self.replies
    }

    /// What happened to the message.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// How many replies were already handed to the outbox inside the
    /// pipeline (see [`deliver`](crate::deliver)).
    #[must_use]
    pub fn delivered(&self) -> usize {
        self.delivered
    }

    /// The response after its replies were handed to the outbox: no replies
    /// left, [`delivered`](Self::delivered) counts them.
    #[must_use]
    pub fn into_delivered(mut self) -> Self {
        self.delivered += self.replies.len();
        self.replies.clear();
        self
    }

    /// Appends a reply (e.g. a layer adding a notice after the handler's answer).
    pub fn push(&mut self, reply: impl Into<Reply>) {
        self.replies.push(reply.into());
    }
}

impl Default for Response {
    fn default() -> Self {
        Self::empty()
    }
}
