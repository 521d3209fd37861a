//! The [`Campaign`] and its life cycle, and its [`Audience`]; what it sends
//! is in [`message`](super::message).

use std::fmt;

use super::message::CampaignMessage;
use crate::shared::CustomerPhone;

/// Where a campaign is in its life cycle.
///
/// ```text
/// draft ──► scheduled ──► running ◄──► paused
///   │           │            │           │
///   │           │            ▼           │
///   │           │        completed       │
///   └───────────┴──────► cancelled ◄─────┘
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CampaignState {
    /// Being written: the only state in which it can be edited.
    Draft,
    /// Waiting for its start time.
    Scheduled,
    /// Sending: its audience is frozen.
    Running,
    /// Stopped sending until resumed.
    Paused,
    /// Every recipient was sent to or skipped.
    Completed,
    /// Stopped for good.
    Cancelled,
}

impl CampaignState {
    /// Every state, in life-cycle order.
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::Scheduled,
        Self::Running,
        Self::Paused,
        Self::Completed,
        Self::Cancelled,
    ];

    /// The stored and displayed name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Running => "running",
            Self::Paused => "paused",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// The state named `text` ([`as_str`](Self::as_str)).
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

impl fmt::Display for CampaignState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A life-cycle step the campaign's state does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    /// Editing outside the draft.
    #[error("a {0} campaign cannot be edited: only a draft can")]
    NotEditable(CampaignState),
    /// A step from a state that does not lead there.
    #[error("a {from} campaign cannot be {step}")]
    NotAllowed {
        /// The state it is in.
        from: CampaignState,
        /// The step, as a past participle ("started", "resumed", …).
        step: &'static str,
    },
    /// Scheduled or started with no audience criterion.
    #[error("the campaign has no audience: add tags, a past-order filter or numbers")]
    NoAudience,
    /// Scheduled or started with no message.
    #[error("the campaign has no message: set a template or a text")]
    NoMessage,
}

/// Customers who bought a product within the last `days` days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoughtWithin {
    /// A product name (or part of it), matched case-insensitively.
    pub product: String,
    /// How many days back.
    pub days: u32,
}

/// Who a campaign reaches: customers with all of `tags`, who bought
/// `bought` recently, and the listed `numbers`. Criteria combine: tags and
/// a past-order filter narrow the shop's customers (both must hold when
/// both are set), numbers are added as they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Audience {
    /// Customers tagged with each of these (lower case).
    pub tags: Vec<String>,
    /// Customers with a recent order of a product.
    pub bought: Option<BoughtWithin>,
    /// Numbers added as they are (an uploaded list).
    pub numbers: Vec<CustomerPhone>,
}

impl Audience {
    /// Whether no criterion is set (nobody would be reached).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.tags.is_empty() && self.bought.is_none() && self.numbers.is_empty()
    }

    /// Whether the shop's customers are filtered (by tags or past orders),
    /// as opposed to only the listed numbers.
    #[must_use]
    pub fn filters_customers(&self) -> bool {
        !self.tags.is_empty() || self.bought.is_some()
    }
}

/// A campaign: what it sends, to whom, and where it is in its life cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Its name, for the operator.
    pub name: String,
    /// Its state.
    pub state: CampaignState,
    /// Who it reaches (frozen into recipients when it starts).
    pub audience: Audience,
    /// What it sends.
    pub message: CampaignMessage,
    /// When a scheduled campaign starts (ms since the epoch).
    pub start_at_ms: Option<i64>,
    /// Created at.
    pub created_at_ms: i64,
    /// When it started running.
    pub started_at_ms: Option<i64>,
    /// When it completed or was cancelled.
    pub finished_at_ms: Option<i64>,
}

impl Campaign {
    /// A new draft.
    #[must_use]
    pub fn draft(
        name: impl Into<String>,
        audience: Audience,
        message: CampaignMessage,
        now_ms: i64,
    ) -> Self {
        Self {
            name: name.into(),
            state: CampaignState::Draft,
            audience,
            message,
            start_at_ms: None,
            created_at_ms: now_ms,
            started_at_ms: None,
            finished_at_ms: None,
        }
    }

    /// Changes the draft.
    ///
    /// # Errors
    ///
    /// [`LifecycleError::NotEditable`] outside the draft.
    pub fn edit(&mut self, change: impl FnOnce(&mut Self)) -> Result<(), LifecycleError> {
        if self.state != CampaignState::Draft {
            return Err(LifecycleError::NotEditable(self.state));
        }
        change(self);
        self.state = CampaignState::Draft;
        Ok(())
    }

    fn ready(&self) -> Result<(), LifecycleError> {
        if self.audience.is_empty() {
            return Err(LifecycleError::NoAudience);
        }
        if self.message.is_empty() {
            return Err(LifecycleError::NoMessage);
        }
        Ok(())
    }

    fn step(
        &mut self,
        allowed: &[CampaignState],
        to: CampaignState,
        step: &'static str,
    ) -> Result<(), LifecycleError> {
        if !allowed.contains(&self.state) {
            return Err(LifecycleError::NotAllowed {
                from: self.state,
                step,
            });
        }
        self.state = to;
        Ok(())
    }

    /// Schedules the draft to start at `at_ms`.
    ///
    /// # Errors
    ///
    /// [`LifecycleError`]: not a draft, no audience or no message.
    pub fn schedule(&mut self, at_ms: i64) -> Result<(), LifecycleError> {
        if self.state == CampaignState::Draft {
            self.ready()?;
        }
        self.step(
            &[CampaignState::Draft],
            CampaignState::Scheduled,
            "scheduled",
        )?;
        self.start_at_ms = Some(at_ms);
        Ok(())
    }

    /// Starts a draft or scheduled campaign: its audience is frozen now.
    ///
    /// # Errors
    ///
    /// [`LifecycleError`]: running or over already, no audience or no
    /// message.
    pub fn start(&mut self, now_ms: i64) -> Result<(), LifecycleError> {
        if matches!(self.state, CampaignState::Draft | CampaignState::Scheduled) {
            self.ready()?;
        }
        self.step(
            &[CampaignState::Draft, CampaignState::Scheduled],
            CampaignState::Running,
            "started",
        )?;
        self.started_at_ms = Some(now_ms);
        Ok(())
    }

    /// Pauses a running campaign.
    ///
    /// # Errors
    ///
    /// [`LifecycleError::NotAllowed`] unless running.
    pub fn pause(&mut self) -> Result<(), LifecycleError> {
        self.step(&[CampaignState::Running], CampaignState::Paused, "paused")
    }

    /// Resumes a paused campaign.
    ///
    /// # Errors
    ///
    /// [`LifecycleError::NotAllowed`] unless paused (a completed or
    /// cancelled campaign is never resumed).
    pub fn resume(&mut self) -> Result<(), LifecycleError> {
        self.step(&[CampaignState::Paused], CampaignState::Running, "resumed")
    }

    /// Completes a running campaign (every recipient sent to or skipped).
    ///
    /// # Errors
    ///
    /// [`LifecycleError::NotAllowed`] unless running.
    pub fn complete(&mut self, now_ms: i64) -> Result<(), LifecycleError> {
        self.step(
            &[CampaignState::Running],
            CampaignState::Completed,
            "completed",
        )?;
        self.finished_at_ms = Some(now_ms);
        Ok(())
    }

    /// Cancels a campaign that is not over.
    ///
    /// # Errors
    ///
    /// [`LifecycleError::NotAllowed`] when completed or cancelled already.
    pub fn cancel(&mut self, now_ms: i64) -> Result<(), LifecycleError> {
        self.step(
            &[
                CampaignState::Draft,
                CampaignState::Scheduled,
                CampaignState::Running,
                CampaignState::Paused,
            ],
            CampaignState::Cancelled,
            "cancelled",
        )?;
        self.finished_at_ms = Some(now_ms);
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ready() -> Campaign {
        Campaign::draft(
            "Diwali",
            Audience {
                tags: vec!["contractor".to_owned()],
                ..Audience::default()
            },
            CampaignMessage {
                text: Some("Hi {{name}}".to_owned()),
                ..CampaignMessage::default()
            },
            1_000,
        )
    }

    #[test]
    fn a_draft_runs_pauses_resumes_and_completes() {
        let mut c = ready();
        c.start(2_000).unwrap();
        assert_eq!(
            (c.state, c.started_at_ms),
            (CampaignState::Running, Some(2_000))
        );
        c.pause().unwrap();
        c.resume().unwrap();
        c.complete(3_000).unwrap();
        assert_eq!(
            (c.state, c.finished_at_ms),
            (CampaignState::Completed, Some(3_000))
        );
    }

    #[test]
    fn no_start_without_an_audience_or_a_message() {
        let mut c = ready();
        c.audience = Audience::default();
        assert_eq!(c.start(1), Err(LifecycleError::NoAudience));
        assert_eq!(c.schedule(1), Err(LifecycleError::NoAudience));
        let mut c = ready();
        c.message = CampaignMessage {
            text: Some("  ".to_owned()),
            template: None,
        };
        assert_eq!(c.start(1), Err(LifecycleError::NoMessage));
        assert_eq!(c.state, CampaignState::Draft, "nothing changed");
    }

    #[test]
    fn finished_campaigns_are_never_resumed_or_restarted() {
        for finish in [
            |c: &mut Campaign| c.complete(5),
            |c: &mut Campaign| c.cancel(5),
        ] {
            let mut c = ready();
            c.start(1).unwrap();
            finish(&mut c).unwrap();
            let before = c.clone();
            assert!(c.resume().is_err());
            assert!(c.start(6).is_err());
            assert!(c.pause().is_err());
            assert!(c.cancel(6).is_err());
            assert_eq!(c, before);
        }
    }

    #[test]
    fn only_a_draft_is_edited() {
        let mut c = ready();
        c.edit(|c| c.name = "Holi".to_owned()).unwrap();
        assert_eq!(c.name, "Holi");
        c.schedule(9_000).unwrap();
        assert_eq!(
            c.edit(|c| c.name = "x".to_owned()),
            Err(LifecycleError::NotEditable(CampaignState::Scheduled))
        );
        assert_eq!(c.name, "Holi");
        c.start(9_000).unwrap();
        assert!(c.edit(|_| {}).is_err());
    }

    #[test]
    fn states_are_stored_under_their_released_names() {
        // The names stored rows carry (m0012): renaming one orphans them.
        let names: Vec<&str> = CampaignState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            names,
            [
                "draft",
                "scheduled",
                "running",
                "paused",
                "completed",
                "cancelled"
            ]
        );
        for s in CampaignState::ALL {
            assert_eq!(CampaignState::parse(s.as_str()), Some(s));
        }
        assert_eq!(CampaignState::parse("done"), None);
    }
}
