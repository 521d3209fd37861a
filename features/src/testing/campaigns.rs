//! In-memory fakes of the campaigns' ports: [`InMemCampaigns`] (the
//! repository), [`FixedAudience`], [`OptOutList`] and [`NoReports`].

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::campaigns::{
    Audience, AudienceSource, BilledSend, Campaign, CampaignId, CampaignRepository, CampaignState,
    DeliveryCounts, DeliveryReports, MarketingConsent, Recipient, RecipientCounts, RecipientRow,
    RecipientState,
};
use crate::shared::{CustomerPhone, RepositoryError};

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Default)]
struct Store {
    campaigns: BTreeMap<CampaignId, Campaign>,
    /// By campaign, then by number.
    recipients: BTreeMap<CampaignId, BTreeMap<String, RecipientRow>>,
    /// Campaigns whose unsent messages were taken back.
    withdrawn: HashSet<CampaignId>,
    last_id: i64,
}

/// An in-memory [`CampaignRepository`]; clones share it.
#[derive(Debug, Clone, Default)]
pub struct InMemCampaigns(Arc<Mutex<Store>>);

impl InMemCampaigns {
    /// Whether campaign `id`'s unsent messages were taken back
    /// ([`CampaignRepository::withdraw_unsent`]).
    #[must_use]
    pub fn withdrew(&self, id: CampaignId) -> bool {
        lock(&self.0).withdrawn.contains(&id)
    }
}

impl CampaignRepository for InMemCampaigns {
    async fn add(&self, campaign: &Campaign) -> Result<CampaignId, RepositoryError> {
        let mut store = lock(&self.0);
        store.last_id += 1;
        let id = CampaignId::new(store.last_id);
        store.campaigns.insert(id, campaign.clone());
        Ok(id)
    }

    async fn get(&self, id: CampaignId) -> Result<Option<Campaign>, RepositoryError> {
        Ok(lock(&self.0).campaigns.get(&id).cloned())
    }

    async fn save(
        &self,
        id: CampaignId,
        campaign: &Campaign,
        was: CampaignState,
    ) -> Result<bool, RepositoryError> {
        let mut store = lock(&self.0);
        match store.campaigns.get_mut(&id) {
            Some(stored) if stored.state == was => {
                *stored = campaign.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn withdraw_unsent(&self, id: CampaignId) -> Result<u64, RepositoryError> {
        // No outbox here: what matters is that it was asked.
        lock(&self.0).withdrawn.insert(id);
        Ok(0)
    }

    async fn hold_running(&self, id: CampaignId) -> Result<bool, RepositoryError> {
        Ok(lock(&self.0)
            .campaigns
            .get(&id)
            .is_some_and(|c| c.state == CampaignState::Running))
    }

    async fn list(
        &self,
        before: Option<CampaignId>,
        limit: u32,
    ) -> Result<Vec<(CampaignId, Campaign)>, RepositoryError> {
        Ok(lock(&self.0)
            .campaigns
            .iter()
            .rev()
            .filter(|(id, _)| before.is_none_or(|b| **id < b))
            .take(limit as usize)
            .map(|(id, c)| (*id, c.clone()))
            .collect())
    }

    async fn due(&self, now_ms: i64) -> Result<Vec<CampaignId>, RepositoryError> {
        Ok(lock(&self.0)
            .campaigns
            .iter()
            .filter(|(_, c)| {
                c.state == CampaignState::Scheduled && c.start_at_ms.is_some_and(|t| t <= now_ms)
            })
            .map(|(id, _)| *id)
            .collect())
    }

    async fn freeze(
        &self,
        id: CampaignId,
        recipients: &[Recipient],
    ) -> Result<u64, RepositoryError> {
        let mut store = lock(&self.0);
        let rows = store.recipients.entry(id).or_default();
        let mut new = 0;
        for r in recipients {
            if !rows.contains_key(r.phone.as_str()) {
                rows.insert(
                    r.phone.as_str().to_owned(),
                    RecipientRow {
                        recipient: r.clone(),
                        state: RecipientState::Pending,
                        at_ms: None,
                    },
                );
                new += 1;
            }
        }
        Ok(new)
    }

    async fn pending(&self, id: CampaignId, limit: u32) -> Result<Vec<Recipient>, RepositoryError> {
        Ok(lock(&self.0)
            .recipients
            .get(&id)
            .into_iter()
            .flat_map(|rows| rows.values())
            .filter(|r| r.state == RecipientState::Pending)
            .take(limit as usize)
            .map(|r| r.recipient.clone())
            .collect())
    }

    async fn mark(
        &self,
        id: CampaignId,
        phone: &CustomerPhone,
        state: RecipientState,
        at_ms: i64,
    ) -> Result<bool, RepositoryError> {
        let mut store = lock(&self.0);
        let row = store
            .recipients
            .get_mut(&id)
            .and_then(|rows| rows.get_mut(phone.as_str()));
        match row {
            Some(row) if row.state == RecipientState::Pending => {
                row.state = state;
                row.at_ms = Some(at_ms);
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn recipients(
        &self,
        id: CampaignId,
        state: Option<RecipientState>,
        after: Option<&CustomerPhone>,
        limit: u32,
    ) -> Result<Vec<RecipientRow>, RepositoryError> {
        Ok(lock(&self.0)
            .recipients
            .get(&id)
            .into_iter()
            .flat_map(|rows| rows.iter())
            .filter(|(phone, _)| after.is_none_or(|a| phone.as_str() > a.as_str()))
            .map(|(_, row)| row)
            .filter(|r| state.is_none_or(|s| r.state == s))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn counts(&self, id: CampaignId) -> Result<RecipientCounts, RepositoryError> {
        let store = lock(&self.0);
        let mut counts = RecipientCounts::default();
        for row in store
            .recipients
            .get(&id)
            .into_iter()
            .flat_map(|r| r.values())
        {
            counts.total += 1;
            match row.state {
                RecipientState::Pending => counts.pending += 1,
                RecipientState::Sent => counts.sent += 1,
                RecipientState::OptedOut => counts.opted_out += 1,
                RecipientState::Unreachable => counts.unreachable += 1,
            }
        }
        Ok(counts)
    }
}

/// An [`AudienceSource`] that reaches the same recipients whatever the
/// audience (plus its listed numbers); clones share the list.
#[derive(Debug, Clone, Default)]
pub struct FixedAudience(Arc<Mutex<Vec<Recipient>>>);

impl FixedAudience {
    /// Reaches `recipients`.
    #[must_use]
    pub fn new(recipients: Vec<Recipient>) -> Self {
        Self(Arc::new(Mutex::new(recipients)))
    }

    /// Adds a customer who matches from now on.
    pub fn add(&self, recipient: Recipient) {
        lock(&self.0).push(recipient);
    }
}

impl AudienceSource for FixedAudience {
    async fn resolve(
        &self,
        audience: &Audience,
        _now_ms: i64,
    ) -> Result<Vec<Recipient>, RepositoryError> {
        let mut seen = HashSet::new();
        let mut all = Vec::new();
        let customers = if audience.filters_customers() {
            lock(&self.0).clone()
        } else {
            Vec::new()
        };
        for r in customers
            .into_iter()
            .chain(audience.numbers.iter().cloned().map(Recipient::number))
        {
            if seen.insert(r.phone.clone()) {
                all.push(r);
            }
        }
        Ok(all)
    }

    async fn recipient(&self, phone: &CustomerPhone) -> Result<Recipient, RepositoryError> {
        Ok(lock(&self.0)
            .iter()
            .find(|r| &r.phone == phone)
            .cloned()
            .unwrap_or_else(|| Recipient::number(phone.clone())))
    }
}

/// A [`MarketingConsent`] that refuses the numbers listed; clones share
/// the list.
#[derive(Debug, Clone, Default)]
pub struct OptOutList(Arc<Mutex<HashSet<CustomerPhone>>>);

impl OptOutList {
    /// `phone` opts out from now on.
    pub fn opt_out(&self, phone: &CustomerPhone) {
        lock(&self.0).insert(phone.clone());
    }
}

impl MarketingConsent for OptOutList {
    async fn may_receive_marketing(&self, phone: &CustomerPhone) -> Result<bool, RepositoryError> {
        Ok(!lock(&self.0).contains(phone))
    }
}

/// [`DeliveryReports`] with nothing reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoReports;

impl DeliveryReports for NoReports {
    async fn delivery(&self, _id: CampaignId) -> Result<DeliveryCounts, RepositoryError> {
        Ok(DeliveryCounts::default())
    }

    async fn billed(&self, _id: CampaignId) -> Result<Vec<BilledSend>, RepositoryError> {
        Ok(Vec::new())
    }
}
