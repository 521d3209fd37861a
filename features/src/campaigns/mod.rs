//! Campaigns: a message sent to an audience of the shop's customers, each
//! recipient at most once, with exact delivery metrics.
//!
//! A campaign is written as a draft ([`Campaign`]: name, [`Audience`],
//! [`CampaignMessage`]), started now or at a time, and then sent by the
//! bot's `send-campaign` job in batches: [`CampaignService::next_batch`]
//! hands out pending recipients, [`CampaignService::consenting`] says which
//! may still get it (asked as their message is stored; a STOP or an
//! operator's opt-out also takes back what waits to be sent), the job
//! personalises each message
//! ([`CampaignMessage::personalise`]: the text inside the customer's
//! 24-hour window, the template outside it), hands it to the outbox under
//! a key of campaign and number (kept for good, so nobody is sent to
//! twice whatever crashes or resumes), and marks the recipient
//! [`RecipientState::Sent`]. With nobody left the campaign completes.
//!
//! # Layout
//!
//! - [`domain`]: [`Campaign`] and its life cycle ([`CampaignState`]:
//!   draft → scheduled → running ⇄ paused → completed, or cancelled) and
//!   its [`Audience`]; [`message`]: [`CampaignMessage`], [`Recipient`] and
//!   the [`Personalised`] message.
//! - [`limits`]: WhatsApp's messaging limit per business number
//!   ([`MessagingLimits`]), which a campaign waits for instead of being
//!   refused by the provider.
//! - [`cost`]: what a campaign cost, from the providers' billing reports
//!   and the operator's [`RateCard`].
//! - [`numbers`]: an uploaded list of numbers, each validated
//!   ([`parse_numbers`]).
//! - [`commands`]: [`CreateCampaign`], [`EditCampaign`], a life-cycle
//!   [`Step`], [`NextBatch`] (answered with a [`Batch`]),
//!   [`MarkRecipient`]; [`queries`]: [`ListCampaigns`],
//!   [`ListRecipients`], [`PreviewCampaign`], and the [`CampaignReport`].
//! - [`ports`]: [`CampaignRepository`], [`AudienceSource`],
//!   [`MarketingConsent`], [`DeliveryReports`].
//! - [`service`]: the [`CampaignService`].
//! - [`error`]: the [`CampaignError`] enum.

pub mod commands;
pub mod cost;
pub mod domain;
pub mod error;
pub mod limits;
pub mod message;
pub mod numbers;
pub mod ports;
pub mod queries;
pub mod service;

pub use commands::{Batch, CreateCampaign, EditCampaign, MarkRecipient, NextBatch, Step};
pub use cost::{BilledSend, CampaignCost, CategoryCost, RateCard};
pub use domain::{Audience, BoughtWithin, Campaign, CampaignState, LifecycleError};
pub use error::CampaignError;
pub use limits::{DEFAULT_MESSAGING_LIMIT, LIMIT_WINDOW, MessagingLimits};
pub use message::{CampaignMessage, Personalised, Recipient, TemplateMessage, Variable};
pub use numbers::{NumberList, parse_numbers};
pub use ports::{
    AudienceSource, CampaignId, CampaignRepository, DeliveryCounts, DeliveryReports,
    MarketingConsent, RecipientCounts, RecipientRow, RecipientState,
};
pub use queries::{CampaignReport, ListCampaigns, ListRecipients, PreviewCampaign};
pub use service::CampaignService;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
