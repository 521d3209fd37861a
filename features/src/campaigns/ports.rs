//! What campaigns need from storage and from the rest of the shop:
//! [`CampaignRepository`] (campaigns and their frozen recipients),
//! [`AudienceSource`] (who matches an audience) and [`DeliveryReports`]
//! (what the providers reported about the sends).

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use super::cost::BilledSend;
use super::domain::{Audience, Campaign, CampaignState};
use super::message::Recipient;
use crate::customers::{CustomerError, CustomerRepository, CustomerService};
use crate::shared::{CustomerPhone, RepositoryError};

/// A stored campaign's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CampaignId(i64);

impl CampaignId {
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

impl std::fmt::Display for CampaignId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Where one recipient of a running campaign is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecipientState {
    /// Not sent to yet.
    Pending,
    /// Handed to the outbox, once and for good (its key is the campaign and
    /// the number); the message log has what became of it.
    Sent,
    /// Opted out of marketing when their turn came: never sent.
    OptedOut,
    /// Their 24-hour window was closed and the campaign has no template.
    Unreachable,
}

impl RecipientState {
    /// Every state.
    pub const ALL: [Self; 4] = [Self::Pending, Self::Sent, Self::OptedOut, Self::Unreachable];

    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::OptedOut => "opted_out",
            Self::Unreachable => "unreachable",
        }
    }

    /// The state named `text`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// One frozen recipient and their state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientRow {
    /// Who, with what personalises their message.
    pub recipient: Recipient,
    /// Where they are.
    pub state: RecipientState,
    /// When they left `pending`.
    pub at_ms: Option<i64>,
}

/// How many frozen recipients are in each state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecipientCounts {
    /// All of them.
    pub total: u64,
    /// Not sent to yet.
    pub pending: u64,
    /// Handed to the outbox.
    pub sent: u64,
    /// Skipped: opted out.
    pub opted_out: u64,
    /// Skipped: window closed, no template.
    pub unreachable: u64,
}

/// Campaigns and their frozen recipients. Implementations only persist;
/// the rules live in [`Campaign`] and the
/// [`CampaignService`](super::CampaignService).
///
/// # Errors
///
/// Every method returns [`RepositoryError::Backend`] when storage fails and
/// [`RepositoryError::Corrupt`] for stored rows that no longer validate.
pub trait CampaignRepository: Clone + Send + Sync + 'static {
    /// Stores a new campaign.
    fn add(
        &self,
        campaign: &Campaign,
    ) -> impl Future<Output = Result<CampaignId, RepositoryError>> + Send;

    /// Campaign `id`.
    fn get(
        &self,
        id: CampaignId,
    ) -> impl Future<Output = Result<Option<Campaign>, RepositoryError>> + Send;

    /// Stores `campaign` as campaign `id` only if its stored state is still
    /// `was` (two operators, or two instances, never both step it).
    /// Returns whether it was stored.
    fn save(
        &self,
        id: CampaignId,
        campaign: &Campaign,
        was: CampaignState,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Takes back, for good, what campaign `id` handed over to be sent and
    /// was not sent yet (its messages waiting to go, and retries a
    /// provider's later reports would add): a cancelled campaign sends
    /// nothing more. A send under way finishes. Returns how many messages
    /// were taken back.
    fn withdraw_unsent(
        &self,
        id: CampaignId,
    ) -> impl Future<Output = Result<u64, RepositoryError>> + Send;

    /// Whether campaign `id` is still running; inside a transaction, it
    /// also holds the campaign until the transaction ends, so that no step
    /// (a pause, a cancel) takes effect between this answer and the
    /// commit: a batch commits wholly before a pause, or not at all.
    fn hold_running(
        &self,
        id: CampaignId,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Campaigns newest first, after `before` when given, at most `limit`.
    fn list(
        &self,
        before: Option<CampaignId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<(CampaignId, Campaign)>, RepositoryError>> + Send;

    /// Scheduled campaigns whose start time is at or before `now_ms`.
    fn due(
        &self,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<CampaignId>, RepositoryError>> + Send;

    /// Freezes `recipients` as campaign `id`'s audience, each number once
    /// and for good: a number frozen before keeps its row and state.
    /// Returns how many were new.
    fn freeze(
        &self,
        id: CampaignId,
        recipients: &[Recipient],
    ) -> impl Future<Output = Result<u64, RepositoryError>> + Send;

    /// Up to `limit` recipients of campaign `id` still pending, in a
    /// stable order.
    fn pending(
        &self,
        id: CampaignId,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Recipient>, RepositoryError>> + Send;

    /// Moves recipient `phone` of campaign `id` out of `pending` to
    /// `state`, at `at_ms`; only from `pending`. Returns whether it moved.
    fn mark(
        &self,
        id: CampaignId,
        phone: &CustomerPhone,
        state: RecipientState,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Recipients of campaign `id` (in `state` when given), by number,
    /// after `after` when given, at most `limit`.
    fn recipients(
        &self,
        id: CampaignId,
        state: Option<RecipientState>,
        after: Option<&CustomerPhone>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<RecipientRow>, RepositoryError>> + Send;

    /// How many recipients of campaign `id` are in each state.
    fn counts(
        &self,
        id: CampaignId,
    ) -> impl Future<Output = Result<RecipientCounts, RepositoryError>> + Send;
}

/// Who matches an audience: the shop's customers by tags and past orders,
/// and listed numbers, each with what personalises their message.
pub trait AudienceSource: Clone + Send + Sync + 'static {
    /// Everyone `audience` reaches at `now_ms`, each number once.
    fn resolve(
        &self,
        audience: &Audience,
        now_ms: i64,
    ) -> impl Future<Output = Result<Vec<Recipient>, RepositoryError>> + Send;

    /// `phone` with what personalises their message (name, last order),
    /// known to the shop or not.
    fn recipient(
        &self,
        phone: &CustomerPhone,
    ) -> impl Future<Output = Result<Recipient, RepositoryError>> + Send;
}

/// What the providers reported about a campaign's sends, from their status
/// callbacks: each recipient counted once per stage, whatever order and
/// however often the reports came.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeliveryCounts {
    /// Messages in the outbox, not yet accepted by the provider.
    pub queued: u64,
    /// Accepted by the provider (or reported further).
    pub sent: u64,
    /// Reported delivered (a `read` counts as delivered too).
    pub delivered: u64,
    /// Reported read.
    pub read: u64,
    /// Failed, by the provider's error code (`unknown` without one).
    pub failed: BTreeMap<String, u64>,
    /// Sends whose outcome stayed unknown (never sent again).
    pub unknown: u64,
    /// Marketing templates WhatsApp capped for the recipient, waiting to be
    /// sent again a day later (not queued: the campaign does not wait for
    /// them).
    pub deferred: u64,
    /// Taken back unsent when the campaign was cancelled (its message
    /// waiting in the outbox, or a capped template's retry).
    pub withdrawn: u64,
    /// Recipients who wrote to the shop within 24 h of their message.
    pub replied: u64,
    /// Recipients who opted out of marketing after their message (a STOP,
    /// the provider's report or the operator) and have not opted back in.
    pub opted_out: u64,
}

/// The delivery side of a campaign's metrics.
pub trait DeliveryReports: Clone + Send + Sync + 'static {
    /// The counts for campaign `id`'s sends.
    fn delivery(
        &self,
        id: CampaignId,
    ) -> impl Future<Output = Result<DeliveryCounts, RepositoryError>> + Send;

    /// Campaign `id`'s delivered messages that the provider reported how
    /// it bills (its category, charged or free), for the cost.
    fn billed(
        &self,
        id: CampaignId,
    ) -> impl Future<Output = Result<Vec<BilledSend>, RepositoryError>> + Send;
}

/// Whether a customer may get marketing messages now (not opted out of
/// them, by STOP, a provider's report or the operator). Checked for each
/// recipient when their turn comes, not when the campaign starts.
pub trait MarketingConsent: Clone + Send + Sync + 'static {
    /// `false` when `phone` opted out of marketing.
    fn may_receive_marketing(
        &self,
        phone: &CustomerPhone,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Which of `phones` may get marketing now. The default asks
    /// [`may_receive_marketing`](Self::may_receive_marketing) for each.
    fn may_receive_marketing_among(
        &self,
        phones: &[CustomerPhone],
    ) -> impl Future<Output = Result<BTreeSet<CustomerPhone>, RepositoryError>> + Send {
        async move {
            let mut may = BTreeSet::new();
            for phone in phones {
                if self.may_receive_marketing(phone).await? {
                    may.insert(phone.clone());
                }
            }
            Ok(may)
        }
    }
}

/// The customers' own consent record answers for campaigns: one rule
/// ([`Consent::may_receive_marketing`](crate::customers::Consent::may_receive_marketing))
/// for every question "may this customer get marketing".
impl<R: CustomerRepository> MarketingConsent for CustomerService<R> {
    async fn may_receive_marketing(&self, phone: &CustomerPhone) -> Result<bool, RepositoryError> {
        CustomerService::may_receive_marketing(self, phone)
            .await
            .map_err(storage)
    }

    async fn may_receive_marketing_among(
        &self,
        phones: &[CustomerPhone],
    ) -> Result<BTreeSet<CustomerPhone>, RepositoryError> {
        CustomerService::may_receive_marketing_among(self, phones)
            .await
            .map_err(storage)
    }
}

/// A consent read's error: only storage can fail (nothing is validated).
fn storage(e: CustomerError) -> RepositoryError {
    match e {
        CustomerError::Storage(e) => e,
        other => RepositoryError::backend(other),
    }
}
