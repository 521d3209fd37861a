//! What the operator reads about campaigns.

use super::cost::CampaignCost;
use super::domain::Campaign;
use super::ports::{CampaignId, DeliveryCounts, RecipientCounts, RecipientState};
use crate::shared::CustomerPhone;

/// Campaigns newest first, a page at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListCampaigns {
    /// After this one (the previous page's last).
    pub before: Option<CampaignId>,
    /// At most this many.
    pub limit: u32,
}

/// The recipients of campaign `id`, a page at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListRecipients {
    /// The campaign.
    pub id: CampaignId,
    /// Only those in this state.
    pub state: Option<RecipientState>,
    /// After this number (the previous page's last).
    pub after: Option<CustomerPhone>,
    /// At most this many.
    pub limit: u32,
}

/// The message campaign `id` would send to `phone`, whose window is open
/// or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewCampaign {
    /// The campaign.
    pub id: CampaignId,
    /// The recipient.
    pub phone: CustomerPhone,
    /// Whether their 24-hour window is open.
    pub window_open: bool,
}

/// A campaign with its progress and metrics (`getCampaignMetrics`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignReport {
    /// The campaign.
    pub id: CampaignId,
    /// Its definition and state.
    pub campaign: Campaign,
    /// Its frozen recipients by state.
    pub recipients: RecipientCounts,
    /// What the providers reported.
    pub delivery: DeliveryCounts,
    /// What its delivered messages cost, by the rate card; `None` from
    /// [`CampaignService::progress`](super::CampaignService::progress).
    pub cost: Option<CampaignCost>,
}
