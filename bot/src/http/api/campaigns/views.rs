//! The campaigns API's wire format: requests and views, apart from the
//! domain types.

use std::collections::BTreeMap;

use features::campaigns::{
    Audience, BoughtWithin, Campaign, CampaignCost, CampaignId, CampaignMessage, CampaignReport,
    CampaignState, CreateCampaign, Personalised, RecipientRow, RecipientState, TemplateMessage,
    Variable,
};
use features::shared::CustomerPhone;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::super::problem::{ApiError, FieldError};
use super::super::timestamp;

/// A campaign's life-cycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StateView {
    /// Being written: the only editable state.
    Draft,
    /// Waiting for its start time.
    Scheduled,
    /// Sending.
    Running,
    /// Stopped until resumed.
    Paused,
    /// Every recipient sent to or skipped.
    Completed,
    /// Stopped for good.
    Cancelled,
}

impl From<CampaignState> for StateView {
    fn from(state: CampaignState) -> Self {
        match state {
            CampaignState::Draft => Self::Draft,
            CampaignState::Scheduled => Self::Scheduled,
            CampaignState::Running => Self::Running,
            CampaignState::Paused => Self::Paused,
            CampaignState::Completed => Self::Completed,
            CampaignState::Cancelled => Self::Cancelled,
        }
    }
}

/// Customers who bought a product within some days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BoughtView {
    /// A product's name or part of it.
    #[schema(min_length = 1, max_length = 80)]
    pub product: String,
    /// How many days back (1 to 3650).
    #[schema(minimum = 1, maximum = 3650)]
    pub days: u32,
}

/// An approved template and its variables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateView {
    /// The template's approved name.
    #[schema(min_length = 1, max_length = 512)]
    pub name: String,
    /// Its language code [default: en].
    #[serde(default = "english")]
    pub language: String,
    /// Twilio's Content SID for it (needed to send it through Twilio).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sid: Option<String>,
    /// Its variables in order: `{{name}}`, `{{last_order}}` or a text.
    #[serde(default)]
    pub variables: Vec<String>,
}

fn english() -> String {
    "en".to_owned()
}

/// A campaign to write (`POST /api/campaigns`): who it reaches and what it
/// sends. Audience criteria combine (tags and a past-order filter narrow
/// the shop's customers; numbers are added).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCampaignRequest {
    /// Its name, 1 to 100 characters.
    pub name: String,
    /// Customers tagged with each of these.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Customers who bought a product recently.
    #[serde(default)]
    pub bought: Option<BoughtView>,
    /// Numbers added as they are (E.164, e.g. `+919812345678`).
    #[serde(default)]
    pub numbers: Vec<String>,
    /// Free text for recipients inside their 24-hour window; `{{name}}`
    /// and `{{last_order}}` are filled in.
    #[serde(default)]
    pub text: Option<String>,
    /// The template, for recipients outside their window.
    #[serde(default)]
    pub template: Option<TemplateView>,
}

impl CreateCampaignRequest {
    /// The command, every field checked (all bad fields named at once).
    pub(super) fn command(self) -> Result<CreateCampaign, ApiError> {
        let mut errors = Vec::new();
        let numbers = self
            .numbers
            .iter()
            .enumerate()
            .filter_map(|(i, n)| match CustomerPhone::parse(n) {
                Ok(phone) => Some(phone),
                Err(e) => {
                    errors.push(FieldError::new(format!("numbers[{i}]"), e.to_string()));
                    None
                }
            })
            .collect();
        let tags = self
            .tags
            .iter()
            .enumerate()
            .filter_map(|(i, t)| match features::customers::Tag::parse(t) {
                Ok(tag) => Some(tag.as_str().to_owned()),
                Err(e) => {
                    errors.push(FieldError::new(format!("tags[{i}]"), e.to_string()));
                    None
                }
            })
            .collect();
        if let Some(b) = &self.bought
            && (b.product.trim().is_empty()
                || b.product.trim().chars().count() > 80
                || !(1..=3650).contains(&b.days))
        {
            errors.push(FieldError::new(
                "bought",
                "a product name (1 to 80 characters) and 1 to 3650 days",
            ));
        }
        if let Some(t) = &self.template {
            if t.name.trim().is_empty() {
                errors.push(FieldError::new("template.name", "must not be blank"));
            } else if t.name.chars().count() > 512 {
                errors.push(FieldError::new("template.name", "at most 512 characters"));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        Ok(CreateCampaign {
            name: self.name,
            audience: Audience {
                tags,
                bought: self.bought.map(|b| BoughtWithin {
                    product: b.product.trim().to_owned(),
                    days: b.days,
                }),
                numbers,
            },
            message: CampaignMessage {
                template: self.template.map(|t| TemplateMessage {
                    name: t.name,
                    language: t.language,
                    content_sid: t.content_sid,
                    variables: t.variables.iter().map(|v| Variable::parse(v)).collect(),
                }),
                text: self.text,
            },
        })
    }
}

/// A campaign's definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CampaignView {
    /// Its id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Where it is in its life cycle.
    pub state: StateView,
    /// Audience: customers tagged with each of these.
    pub tags: Vec<String>,
    /// Audience: customers who bought a product recently.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bought: Option<BoughtView>,
    /// Audience: how many numbers were listed.
    pub numbers: usize,
    /// Free text for recipients inside their window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The template for everyone else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateView>,
    /// When a scheduled campaign starts (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_at: Option<String>,
    /// Created at (RFC 3339, UTC).
    pub created_at: String,
    /// When it started (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// When it completed or was cancelled (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
}

impl CampaignView {
    pub(super) fn of(id: CampaignId, c: &Campaign) -> Self {
        Self {
            id: id.get(),
            name: c.name.clone(),
            state: c.state.into(),
            tags: c.audience.tags.clone(),
            bought: c.audience.bought.as_ref().map(|b| BoughtView {
                product: b.product.clone(),
                days: b.days,
            }),
            numbers: c.audience.numbers.len(),
            text: c.message.text.clone(),
            template: c.message.template.as_ref().map(|t| TemplateView {
                name: t.name.clone(),
                language: t.language.clone(),
                content_sid: t.content_sid.clone(),
                variables: t.variables.iter().map(|v| v.as_text().to_owned()).collect(),
            }),
            start_at: c.start_at_ms.map(timestamp),
            created_at: timestamp(c.created_at_ms),
            started_at: c.started_at_ms.map(timestamp),
            finished_at: c.finished_at_ms.map(timestamp),
        }
    }
}

/// How many frozen recipients are in each state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProgressView {
    /// All of them.
    pub total: u64,
    /// Not sent to yet.
    pub pending: u64,
    /// Handed to the outbox.
    pub sent: u64,
    /// Skipped: opted out of marketing.
    pub opted_out: u64,
    /// Skipped: no channel, or window closed without a template.
    pub unreachable: u64,
}

/// What the providers reported, each recipient counted once per stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MetricsView {
    /// In the outbox, not yet accepted.
    pub queued: u64,
    /// Accepted by the provider.
    pub sent: u64,
    /// Delivered (a read counts as delivered).
    pub delivered: u64,
    /// Read.
    pub read: u64,
    /// Failed, by the provider's error code.
    pub failed: BTreeMap<String, u64>,
    /// Outcome unknown (never sent again).
    pub unknown: u64,
    /// Capped by WhatsApp for the recipient: sent again a day later.
    pub deferred: u64,
    /// Taken back unsent when the campaign was cancelled.
    pub withdrawn: u64,
    /// Wrote back within 24 hours.
    pub replied: u64,
    /// Opted out of marketing after their message (and not back in).
    pub opted_out: u64,
}

/// What the delivered messages cost, from the providers' billing reports
/// (Meta's `pricing`) and the rate card (`CAMPANILE_RATE_CARD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CostView {
    /// The currency of the amounts.
    #[schema(example = "USD")]
    pub currency: String,
    /// What the priced messages cost, as a decimal.
    #[schema(example = "10.70")]
    pub total: String,
    /// Charged messages the rate card has no price for (not in `total`).
    pub unpriced: u64,
    /// By the provider's category (`marketing`, `utility`, …).
    pub by_category: BTreeMap<String, CategoryCostView>,
}

/// The delivered messages of one category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CategoryCostView {
    /// Reported charged.
    pub charged: u64,
    /// Reported free.
    pub free: u64,
    /// What the priced charged ones cost, as a decimal.
    pub amount: String,
    /// Charged ones without a price.
    pub unpriced: u64,
}

impl CostView {
    fn of(cost: &CampaignCost) -> Self {
        Self {
            currency: cost.currency.clone(),
            total: cost.total.to_string(),
            unpriced: cost.unpriced,
            by_category: cost
                .by_category
                .iter()
                .map(|(category, c)| {
                    let view = CategoryCostView {
                        charged: c.charged,
                        free: c.free,
                        amount: c.amount.to_string(),
                        unpriced: c.unpriced,
                    };
                    (category.clone(), view)
                })
                .collect(),
        }
    }
}

/// A campaign with its progress and metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CampaignReportView {
    /// The campaign.
    pub campaign: CampaignView,
    /// Its recipients by state.
    pub progress: ProgressView,
    /// Its delivery metrics.
    pub metrics: MetricsView,
    /// What it cost.
    pub cost: Option<CostView>,
}

impl CampaignReportView {
    pub(super) fn of(report: &CampaignReport) -> Self {
        let r = &report.recipients;
        let d = &report.delivery;
        Self {
            campaign: CampaignView::of(report.id, &report.campaign),
            progress: ProgressView {
                total: r.total,
                pending: r.pending,
                sent: r.sent,
                opted_out: r.opted_out,
                unreachable: r.unreachable,
            },
            metrics: MetricsView {
                queued: d.queued,
                sent: d.sent,
                delivered: d.delivered,
                read: d.read,
                failed: d.failed.clone(),
                unknown: d.unknown,
                deferred: d.deferred,
                withdrawn: d.withdrawn,
                replied: d.replied,
                opted_out: d.opted_out,
            },
            cost: report.cost.as_ref().map(CostView::of),
        }
    }
}

/// Where one recipient is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecipientStateView {
    /// Not sent to yet.
    Pending,
    /// Handed to the outbox, once.
    Sent,
    /// Skipped: opted out.
    OptedOut,
    /// Skipped: no channel, or window closed without a template.
    Unreachable,
}

impl From<RecipientState> for RecipientStateView {
    fn from(state: RecipientState) -> Self {
        match state {
            RecipientState::Pending => Self::Pending,
            RecipientState::Sent => Self::Sent,
            RecipientState::OptedOut => Self::OptedOut,
            RecipientState::Unreachable => Self::Unreachable,
        }
    }
}

impl From<RecipientStateView> for RecipientState {
    fn from(state: RecipientStateView) -> Self {
        match state {
            RecipientStateView::Pending => Self::Pending,
            RecipientStateView::Sent => Self::Sent,
            RecipientStateView::OptedOut => Self::OptedOut,
            RecipientStateView::Unreachable => Self::Unreachable,
        }
    }
}

/// One recipient of a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecipientView {
    /// Their number.
    pub phone: String,
    /// Their name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Where they are.
    pub state: RecipientStateView,
    /// When they left `pending` (RFC 3339, UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl RecipientView {
    pub(super) fn of(row: RecipientRow) -> Self {
        Self {
            phone: row.recipient.phone.as_str().to_owned(),
            name: row.recipient.name,
            state: row.state.into(),
            at: row.at_ms.map(timestamp),
        }
    }
}

/// The query of `GET /api/campaigns/{id}/recipients` and its CSV export.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecipientQuery {
    /// Only recipients in this state.
    #[param(inline)]
    pub status: Option<RecipientStateView>,
    /// Recipients per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// The query of `GET /api/campaigns`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignListQuery {
    /// Campaigns per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// Whom to preview a campaign's message for.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewRequest {
    /// The recipient (E.164).
    pub phone: String,
}

/// A campaign's message as one recipient would get it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PreviewView {
    /// The recipient.
    pub phone: String,
    /// Whether their 24-hour window is open now.
    pub window_open: bool,
    /// `text` or `template`.
    pub kind: String,
    /// The message, or the template with its values.
    pub message: String,
}

impl PreviewView {
    pub(super) fn of(phone: &CustomerPhone, window_open: bool, p: &Personalised) -> Self {
        Self {
            phone: phone.as_str().to_owned(),
            window_open,
            kind: match p {
                Personalised::Text(_) => "text",
                Personalised::Template { .. } => "template",
            }
            .to_owned(),
            message: p.summary(),
        }
    }
}

/// When a scheduled campaign starts (`POST /api/campaigns/{id}/schedule`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// RFC 3339, e.g. `2026-12-24T10:00:00+05:30`.
    pub at: String,
}
