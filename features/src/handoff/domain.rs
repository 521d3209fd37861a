//! A [`Handoff`]: one conversation handed to a person, from the moment it
//! opens to its release, and the rules of its life (waiting → active →
//! released).

use std::fmt;

use crate::shared::CustomerPhone;

/// The longest question kept with an [`HandoffReason::Offered`] handoff,
/// in characters; a longer one is cut (it comes from the customer's
/// message, which is recorded whole elsewhere).
pub const MAX_QUESTION_CHARS: usize = 1_000;

/// The longest operator name, in characters.
pub const MAX_OPERATOR_CHARS: usize = 100;

/// A handoff's storage id: handoffs are numbered in the order they were
/// opened, so a list in id order is oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HandoffId(i64);

impl HandoffId {
    /// The id `id`.
    #[must_use]
    pub const fn new(id: i64) -> Self {
        Self(id)
    }

    /// The number.
    #[must_use]
    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for HandoffId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a conversation was handed to a person.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HandoffReason {
    /// The customer asked ("talk to a person").
    CustomerAsked,
    /// The bot could not answer and offered a person; the customer took
    /// the offer.
    Offered {
        /// What the customer asked that the bot could not answer (at most
        /// [`MAX_QUESTION_CHARS`]).
        question: String,
    },
}

impl HandoffReason {
    /// `customer_asked` or `offered`, as stored.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CustomerAsked => "customer_asked",
            Self::Offered { .. } => "offered",
        }
    }

    /// The reason `kind` names, with the question of an offered one
    /// (`None` for an unknown kind, or an offer without its question).
    #[must_use]
    pub fn parse(kind: &str, question: Option<String>) -> Option<Self> {
        match (kind, question) {
            ("customer_asked", _) => Some(Self::CustomerAsked),
            ("offered", Some(question)) => Some(Self::Offered { question }),
            _ => None,
        }
    }

    /// The question, for an offered handoff.
    #[must_use]
    pub fn question(&self) -> Option<&str> {
        match self {
            Self::CustomerAsked => None,
            Self::Offered { question } => Some(question),
        }
    }
}

/// Why a handoff ended and the bot answers the customer again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseReason {
    /// An operator gave the conversation back.
    ByOperator,
    /// Nobody wrote for the configured idle time.
    Idle,
    /// The customer asked for the bot back.
    ByCustomer,
}

impl ReleaseReason {
    /// `by_operator`, `idle` or `by_customer`, as stored and shown.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ByOperator => "by_operator",
            Self::Idle => "idle",
            Self::ByCustomer => "by_customer",
        }
    }

    /// The reason `text` names.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "by_operator" => Some(Self::ByOperator),
            "idle" => Some(Self::Idle),
            "by_customer" => Some(Self::ByCustomer),
            _ => None,
        }
    }
}

/// Where a handoff is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HandoffStatus {
    /// Open; no operator has replied yet.
    Waiting,
    /// Open; an operator has replied.
    Active,
    /// Over: the bot answers the customer again.
    Released {
        /// Why.
        reason: ReleaseReason,
    },
}

impl HandoffStatus {
    /// `waiting`, `active` or `released`, as stored (a release's reason is
    /// kept apart).
    #[must_use]
    pub fn kind(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Active => "active",
            Self::Released { .. } => "released",
        }
    }

    /// Whether the handoff is open (waiting or active): the bot stays
    /// quiet.
    #[must_use]
    pub fn is_open(self) -> bool {
        !matches!(self, Self::Released { .. })
    }
}

/// One conversation handed to a person. A customer has at most one open
/// (waiting or active) at a time; released ones are kept, a new handoff is
/// a new one.
///
/// Times are milliseconds since the Unix epoch, from the injected clock.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handoff {
    /// Storage id, in the order handoffs were opened.
    pub id: HandoffId,
    /// Whose conversation.
    pub customer: CustomerPhone,
    /// Where it is.
    pub status: HandoffStatus,
    /// Why it was opened.
    pub reason: HandoffReason,
    /// When it was opened.
    pub opened_at_ms: i64,
    /// The customer's last message while handed off (at first, when it
    /// was opened: the customer's own request).
    pub last_customer_at_ms: i64,
    /// The last operator reply, if any.
    pub last_operator_at_ms: Option<i64>,
    /// Who replied last, if anyone did.
    pub operator: Option<String>,
    /// When it was released, once it is.
    pub released_at_ms: Option<i64>,
}

impl Handoff {
    /// A handoff of `customer`'s conversation opened at `at_ms`, waiting
    /// for an operator; `id` is the one storage gives it.
    #[must_use]
    pub fn opened(
        id: HandoffId,
        customer: CustomerPhone,
        reason: HandoffReason,
        at_ms: i64,
    ) -> Self {
        Self {
            id,
            customer,
            status: HandoffStatus::Waiting,
            reason,
            opened_at_ms: at_ms,
            last_customer_at_ms: at_ms,
            last_operator_at_ms: None,
            operator: None,
            released_at_ms: None,
        }
    }

    /// Whether it is open (waiting or active).
    #[must_use]
    pub fn is_open(&self) -> bool {
        self.status.is_open()
    }

    /// The last time anyone acted: the latest of its opening, the
    /// customer's last message and the last operator reply.
    #[must_use]
    pub fn last_activity_ms(&self) -> i64 {
        self.opened_at_ms
            .max(self.last_customer_at_ms)
            .max(self.last_operator_at_ms.unwrap_or(i64::MIN))
    }

    /// Whether it is open and nothing happened since before `cutoff_ms`
    /// (strictly: activity at `cutoff_ms` keeps it).
    #[must_use]
    pub fn is_idle_before(&self, cutoff_ms: i64) -> bool {
        self.is_open() && self.last_activity_ms() < cutoff_ms
    }

    /// This handoff after a customer message at `at_ms` (unchanged once
    /// released).
    #[must_use]
    pub fn with_customer_message(mut self, at_ms: i64) -> Self {
        if self.is_open() {
            self.last_customer_at_ms = at_ms;
        }
        self
    }

    /// This handoff after `operator` replied at `at_ms`: active (unchanged
    /// once released).
    #[must_use]
    pub fn with_operator_reply(mut self, operator: &str, at_ms: i64) -> Self {
        if self.is_open() {
            self.status = HandoffStatus::Active;
            self.last_operator_at_ms = Some(at_ms);
            self.operator = Some(operator.to_owned());
        }
        self
    }

    /// This handoff released for `reason` at `at_ms` (a released one keeps
    /// its first release).
    #[must_use]
    pub fn released(mut self, reason: ReleaseReason, at_ms: i64) -> Self {
        if self.is_open() {
            self.status = HandoffStatus::Released { reason };
            self.released_at_ms = Some(at_ms);
        }
        self
    }
}

/// What opening a handoff did.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Opened {
    /// A new handoff: tell the customer a person will answer.
    New(Handoff),
    /// The customer's open handoff, as it was (nothing changed).
    AlreadyOpen(Handoff),
}

impl Opened {
    /// The open handoff.
    #[must_use]
    pub fn handoff(&self) -> &Handoff {
        match self {
            Self::New(h) | Self::AlreadyOpen(h) => h,
        }
    }

    /// Whether it was opened now.
    #[must_use]
    pub fn is_new(&self) -> bool {
        matches!(self, Self::New(_))
    }
}

/// What noting an operator's reply did.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ReplyNoted {
    /// The first reply: the handoff went from waiting to active.
    Activated(Handoff),
    /// Active already; the reply time and operator are updated.
    Continued(Handoff),
    /// The customer has no open handoff.
    NotOpen,
}

impl ReplyNoted {
    /// The handoff after the reply, unless none was open.
    #[must_use]
    pub fn handoff(&self) -> Option<&Handoff> {
        match self {
            Self::Activated(h) | Self::Continued(h) => Some(h),
            Self::NotOpen => None,
        }
    }
}

/// What releasing a customer's handoff did.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Released {
    /// Released now: tell the customer the bot is back.
    Released(Handoff),
    /// The customer had no open handoff (released already, or never
    /// handed off): nothing changed.
    NotOpen,
}

impl Released {
    /// The handoff released now, if any.
    #[must_use]
    pub fn handoff(&self) -> Option<&Handoff> {
        match self {
            Self::Released(h) => Some(h),
            Self::NotOpen => None,
        }
    }
}

/// `text` cut to at most `max` characters (on a character boundary).
#[must_use]
pub(crate) fn cut(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => text[..end].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::fixtures;

    fn waiting(at_ms: i64) -> Handoff {
        Handoff::opened(
            HandoffId::new(1),
            fixtures::customer(),
            HandoffReason::CustomerAsked,
            at_ms,
        )
    }

    #[test]
    fn a_handoff_waits_then_is_active_then_released_once() {
        let h = waiting(10);
        assert_eq!(h.status, HandoffStatus::Waiting);
        assert_eq!(h.last_customer_at_ms, 10, "the customer's request");
        let h = h.with_customer_message(20).with_operator_reply("asha", 30);
        assert_eq!(h.status, HandoffStatus::Active);
        assert_eq!(
            (h.last_operator_at_ms, h.operator.as_deref()),
            (Some(30), Some("asha"))
        );
        assert_eq!(h.last_activity_ms(), 30);
        let h = h.released(ReleaseReason::ByOperator, 40);
        let again = h.clone().released(ReleaseReason::Idle, 50);
        assert_eq!(again, h, "the first release is kept");
        assert_eq!(
            h.clone().with_operator_reply("ravi", 60),
            h,
            "a released handoff is history"
        );
        assert_eq!(h.clone().with_customer_message(60), h);
        assert!(!h.is_idle_before(i64::MAX), "released is never idle");
    }

    #[test]
    fn idle_means_nothing_since_strictly_before_the_cutoff() {
        let h = waiting(10).with_customer_message(25);
        assert!(h.is_idle_before(26));
        assert!(!h.is_idle_before(25), "activity at the cutoff keeps it");
        let h = h.with_operator_reply("asha", 40);
        assert!(!h.is_idle_before(30), "an operator reply counts");
        assert!(h.is_idle_before(41));
    }

    #[test]
    fn kinds_round_trip() {
        for reason in [
            ReleaseReason::ByOperator,
            ReleaseReason::Idle,
            ReleaseReason::ByCustomer,
        ] {
            assert_eq!(ReleaseReason::parse(reason.as_str()), Some(reason));
        }
        assert_eq!(ReleaseReason::parse("never"), None);
        let offered = HandoffReason::Offered {
            question: "GST on tiles?".to_owned(),
        };
        assert_eq!(
            HandoffReason::parse(offered.kind(), offered.question().map(str::to_owned)),
            Some(offered)
        );
        assert_eq!(
            HandoffReason::parse("customer_asked", None),
            Some(HandoffReason::CustomerAsked)
        );
        assert_eq!(HandoffReason::parse("offered", None), None);
        assert_eq!(HandoffStatus::Waiting.kind(), "waiting");
    }

    #[test]
    fn cut_keeps_whole_characters() {
        assert_eq!(cut("नमस्ते", 2), "नम");
        assert_eq!(cut("abc", 5), "abc");
        assert_eq!(cut("abc", 0), "");
    }
}
