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
    /// Replies a [`deliver`](crate::deliver) layer already handed to the
    /// outbox (they are no longer in `replies`).
    delivered: Vec<Reply>,
    /// Whether `replies` were already offered to the outbox, which handed
    /// them back to be answered inline.
    inline: bool,
    /// Whether a [`TurnScope`](crate::session::TurnScope) committed the
    /// turn and finished the message with it.
    committed: bool,
}

/// What happened to an inbound message, for logs, metrics and callers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// A handler ran (it may have chosen to send nothing).
    Handled,
    /// A handler ran and deliberately let the message go: not for this bot
    /// (a reaction, a sticker, a message in a group it does not serve).
    /// The turn finished like a handled one (its effects commit, a retry is
    /// a duplicate); logs and `campanile_turns_total{outcome="ignored"}`
    /// tell it apart from a message that was answered.
    Ignored,
    /// The message was seen before (a provider retry); nothing ran.
    Duplicate,
    /// The message is being processed right now (by another instance, or
    /// another delivery of it); nothing ran here. The webhook answers with a
    /// retryable error, so if that turn never finishes (its process died),
    /// the provider's retry runs it once its claim expires.
    InFlight,
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
            Self::Ignored => "ignored",
            Self::Duplicate => "duplicate",
            Self::InFlight => "in_flight",
            Self::RateLimited => "rate_limited",
            Self::Stale => "stale",
            Self::Failed => "failed",
        }
    }
}

impl Outcome {
    /// Whether a handler ran to its end ([`Handled`](Self::Handled) or
    /// [`Ignored`](Self::Ignored)): the turn's own commit finished the
    /// message, as opposed to a layer that stopped it before a handler.
    #[must_use]
    pub const fn handler_ran(self) -> bool {
        matches!(self, Self::Handled | Self::Ignored)
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
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// A handled turn that sends one reply.
    #[must_use]
    pub fn reply(reply: impl Into<Reply>) -> Self {
        Self {
            replies: vec![reply.into()],
            outcome: Outcome::Handled,
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// A handled turn that sends nothing.
    #[must_use]
    pub fn empty() -> Self {
        Self {
            replies: Vec::new(),
            outcome: Outcome::Handled,
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// A handler that deliberately lets the message go: nothing is sent and
    /// the outcome is [`Outcome::Ignored`], not "handled".
    ///
    /// ```
    /// use framework::{Content, InboundMessage, Outcome, Response};
    ///
    /// async fn only_text(msg: InboundMessage) -> Response {
    ///     match msg.content() {
    ///         Content::Text { body } => Response::reply(format!("You said: {body}")),
    ///         _ => Response::ignored(),
    ///     }
    /// }
    /// # assert_eq!(Response::ignored().outcome(), Outcome::Ignored);
    /// # assert!(Response::ignored().replies().is_empty());
    /// ```
    #[must_use]
    pub fn ignored() -> Self {
        Self {
            replies: Vec::new(),
            outcome: Outcome::Ignored,
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// A turn stopped because the message was seen before.
    #[must_use]
    pub fn duplicate() -> Self {
        Self {
            replies: Vec::new(),
            outcome: Outcome::Duplicate,
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// A turn stopped because the message is being processed elsewhere; see
    /// [`Outcome::InFlight`].
    #[must_use]
    pub fn in_flight() -> Self {
        Self {
            replies: Vec::new(),
            outcome: Outcome::InFlight,
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// A turn stopped because the message is too old to answer.
    #[must_use]
    pub fn stale() -> Self {
        Self {
            replies: Vec::new(),
            outcome: Outcome::Stale,
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// A turn stopped by the rate limit, with the "please slow down" notice when
    /// the customer has not had one in this window.
    #[must_use]
    pub fn rate_limited(notice: Option<Reply>) -> Self {
        Self {
            replies: notice.into_iter().collect(),
            outcome: Outcome::RateLimited,
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// A failed turn answered with an apology.
    #[must_use]
    pub fn failed(apology: Option<Reply>) -> Self {
        Self {
            replies: apology.into_iter().collect(),
            outcome: Outcome::Failed,
            delivered: Vec::new(),
            inline: false,
            committed: false,
        }
    }

    /// Marks the turn as committed by a
    /// [`TurnScope`](crate::session::TurnScope) that also recorded the
    /// message as finished (a durable inbox's turn commit does): whoever
    /// runs the pipeline need not finish it again.
    #[must_use]
    pub fn committed(mut self) -> Self {
        self.committed = true;
        self
    }

    /// Whether a turn scope committed this turn and finished its message
    /// ([`committed`](Self::committed)).
    #[must_use]
    pub fn is_committed(&self) -> bool {
        self.committed
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

    /// The replies already handed to the outbox inside the pipeline (see
    /// [`deliver`](crate::deliver)); they are not in [`replies`](Self::replies).
    #[must_use]
    pub fn delivered(&self) -> &[Reply] {
        &self.delivered
    }

    /// Every reply of the turn, delivered or not, in order: what the customer
    /// gets (for logs, transcripts and the terminal chat).
    pub fn all_replies(&self) -> impl Iterator<Item = &Reply> {
        self.delivered.iter().chain(&self.replies)
    }

    /// The response after the outbox accepted its replies: they move to
    /// [`delivered`](Self::delivered).
    #[must_use]
    pub fn into_delivered(mut self) -> Self {
        self.delivered.append(&mut self.replies);
        self
    }

    /// The response after the outbox handed its replies back to be answered
    /// inline: they stay in [`replies`](Self::replies), marked so the webhook
    /// answers them without offering them to the outbox again.
    #[must_use]
    pub fn into_inline(mut self) -> Self {
        self.inline = true;
        self
    }

    /// Whether [`replies`](Self::replies) are to be answered inline, the
    /// outbox having seen them already.
    #[must_use]
    pub fn is_inline(&self) -> bool {
        self.inline
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
