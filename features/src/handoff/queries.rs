//! Reads of handoffs: one struct per query.

use super::domain::HandoffId;
use crate::shared::CustomerPhone;

/// The most handoffs one list or history returns.
pub const MAX_LIST: u32 = 1_000;

/// The customer's open handoff, if any: asked on every inbound message
/// (one indexed read), so the bot stays quiet while a person answers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OpenHandoffFor {
    /// Who wrote.
    pub customer: CustomerPhone,
}

/// Which handoffs a list holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum HandoffFilter {
    /// Waiting and active: the operators' queue.
    #[default]
    Open,
    /// Open, no operator reply yet.
    Waiting,
    /// Open, an operator has replied.
    Active,
    /// Every handoff, released ones too.
    All,
}

impl HandoffFilter {
    /// `open`, `waiting`, `active` or `all`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Waiting => "waiting",
            Self::Active => "active",
            Self::All => "all",
        }
    }

    /// The filter `text` names.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "open" => Some(Self::Open),
            "waiting" => Some(Self::Waiting),
            "active" => Some(Self::Active),
            "all" => Some(Self::All),
            _ => None,
        }
    }
}

/// Handoffs oldest first (by id: the order they were opened, so the
/// customer waiting longest comes first), a page at a time: for the
/// operators.
///
/// Keyset paging: pass the id of the last handoff of a page as `after`;
/// handoffs opened meanwhile come on later pages, none is seen twice.
/// To tell whether another page follows, ask for one more than you show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ListHandoffs {
    /// Which ones.
    pub filter: HandoffFilter,
    /// Only handoffs after this one (the last of the page before).
    pub after: Option<HandoffId>,
    /// At most this many (0 gives none; at most [`MAX_LIST`]).
    pub limit: u32,
}

/// A customer's handoffs, newest first, released ones too.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HandoffHistory {
    /// Whose.
    pub customer: CustomerPhone,
    /// At most this many (0 gives none; at most [`MAX_LIST`]).
    pub limit: u32,
}
