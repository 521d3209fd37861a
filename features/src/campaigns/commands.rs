//! What the operator (and the campaign's jobs) ask of campaigns.

use super::domain::{Audience, Campaign};
use super::message::{CampaignMessage, Recipient};
use super::ports::{CampaignId, RecipientState};
use crate::shared::CustomerPhone;

/// Creates a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateCampaign {
    /// Its name.
    pub name: String,
    /// Who it reaches.
    pub audience: Audience,
    /// What it sends.
    pub message: CampaignMessage,
}

/// Changes a draft: each field given replaces the draft's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditCampaign {
    /// The campaign.
    pub id: CampaignId,
    /// A new name.
    pub name: Option<String>,
    /// A new audience.
    pub audience: Option<Audience>,
    /// A new message.
    pub message: Option<CampaignMessage>,
}

/// A life-cycle step of campaign `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Start now (a draft or a scheduled campaign): the audience is frozen.
    Start,
    /// Start at this time (ms since the epoch).
    Schedule(i64),
    /// Stop sending until resumed.
    Pause,
    /// Send again.
    Resume,
    /// Stop for good.
    Cancel,
}

impl Step {
    /// The step's name, for messages.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Schedule(_) => "schedule",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::Cancel => "cancel",
        }
    }
}

/// The next recipients of running campaign `id` to send to, at most
/// `limit` (the caller's batch and messaging-limit allowance).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextBatch {
    /// The campaign.
    pub id: CampaignId,
    /// At most this many.
    pub limit: u32,
}

/// What a campaign's sending job does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Batch {
    /// Send to these (those [`consenting`](super::CampaignService::consenting)
    /// still), then ask again.
    Send {
        /// The campaign (its message personalises each send).
        campaign: Box<Campaign>,
        /// Who.
        recipients: Vec<Recipient>,
    },
    /// Nobody is left: the campaign is completed now.
    Done,
    /// The campaign is not running (paused, cancelled, …): stop asking.
    Stopped(super::domain::CampaignState),
}

/// Records what became of recipient `phone` of campaign `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkRecipient {
    /// The campaign.
    pub id: CampaignId,
    /// Who.
    pub phone: CustomerPhone,
    /// [`RecipientState::Sent`] once the message is in the outbox, or
    /// why it was skipped.
    pub state: RecipientState,
}
