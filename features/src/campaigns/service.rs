//! [`CampaignService`]: the campaigns' life cycle, their frozen audience,
//! the batches their sending job takes, and their reports. The only place
//! with campaign business logic.

use super::commands::{Batch, CreateCampaign, EditCampaign, MarkRecipient, NextBatch, Step};
use super::cost::RateCard;
use super::domain::{Campaign, CampaignState};
use super::error::CampaignError;
use super::message::{Personalised, Recipient};
use super::ports::{
    AudienceSource, CampaignId, CampaignRepository, DeliveryReports, MarketingConsent,
    RecipientRow, RecipientState,
};
use super::queries::{CampaignReport, ListCampaigns, ListRecipients, PreviewCampaign};
use crate::shared::Now;

/// Campaigns over a [`CampaignRepository`], reaching the customers an
/// [`AudienceSource`] finds, when [`MarketingConsent`] allows, reporting
/// what [`DeliveryReports`] say. The time comes from the injected [`Now`].
#[derive(Debug, Clone)]
pub struct CampaignService<C, A, K, D> {
    campaigns: C,
    audience: A,
    consent: K,
    reports: D,
    rates: RateCard,
    now: Now,
}

impl<C, A, K, D> CampaignService<C, A, K, D>
where
    C: CampaignRepository,
    A: AudienceSource,
    K: MarketingConsent,
    D: DeliveryReports,
{
    /// The service over its ports, reading the time from `now`.
    #[must_use]
    pub fn new(campaigns: C, audience: A, consent: K, reports: D, now: Now) -> Self {
        Self {
            campaigns,
            audience,
            consent,
            reports,
            rates: RateCard::default(),
            now,
        }
    }

    /// The service pricing delivered messages from `rates`.
    #[must_use]
    pub fn with_rate_card(mut self, rates: RateCard) -> Self {
        self.rates = rates;
        self
    }

    fn check_name(name: &str) -> Result<String, CampaignError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(CampaignError::BadName);
        }
        Ok(name.to_owned())
    }

    /// Creates a draft.
    ///
    /// # Errors
    ///
    /// [`CampaignError::BadName`], [`CampaignError::Storage`].
    pub async fn create(&self, cmd: CreateCampaign) -> Result<CampaignId, CampaignError> {
        let name = Self::check_name(&cmd.name)?;
        let campaign = Campaign::draft(name, cmd.audience, cmd.message, self.now.ms());
        Ok(self.campaigns.add(&campaign).await?)
    }

    async fn load(&self, id: CampaignId) -> Result<Campaign, CampaignError> {
        self.campaigns
            .get(id)
            .await?
            .ok_or(CampaignError::NotFound(id))
    }

    async fn store(
        &self,
        id: CampaignId,
        campaign: &Campaign,
        was: CampaignState,
    ) -> Result<(), CampaignError> {
        if self.campaigns.save(id, campaign, was).await? {
            return Ok(());
        }
        let now = self.load(id).await?.state;
        Err(CampaignError::Conflict(now))
    }

    /// Changes a draft.
    ///
    /// # Errors
    ///
    /// [`CampaignError::NotFound`], [`CampaignError::BadName`],
    /// [`CampaignError::Lifecycle`] (not a draft),
    /// [`CampaignError::Conflict`], [`CampaignError::Storage`].
    pub async fn edit(&self, cmd: EditCampaign) -> Result<Campaign, CampaignError> {
        let mut campaign = self.load(cmd.id).await?;
        let was = campaign.state;
        let name = cmd.name.as_deref().map(Self::check_name).transpose()?;
        campaign.edit(|c| {
            if let Some(name) = name {
                c.name = name;
            }
            if let Some(audience) = cmd.audience {
                c.audience = audience;
            }
            if let Some(message) = cmd.message {
                c.message = message;
            }
        })?;
        self.store(cmd.id, &campaign, was).await?;
        Ok(campaign)
    }

    /// Takes life-cycle `step` on campaign `id`. Starting freezes the
    /// audience: everyone it matches now, and nobody added later.
    ///
    /// # Errors
    ///
    /// [`CampaignError::NotFound`], [`CampaignError::Lifecycle`],
    /// [`CampaignError::EmptyAudience`] (a start that would reach
    /// nobody), [`CampaignError::Conflict`], [`CampaignError::Storage`].
    pub async fn step(&self, id: CampaignId, step: Step) -> Result<Campaign, CampaignError> {
        let mut campaign = self.load(id).await?;
        let was = campaign.state;
        let now = self.now.ms();
        match step {
            Step::Start => {
                campaign.start(now)?;
                let recipients = self.audience.resolve(&campaign.audience, now).await?;
                if recipients.is_empty() {
                    return Err(CampaignError::EmptyAudience);
                }
                // Frozen before the state says running: a crash between
                // the two leaves a startable campaign, whose next start
                // keeps the rows frozen now.
                self.campaigns.freeze(id, &recipients).await?;
            }
            Step::Schedule(at) => campaign.schedule(at)?,
            Step::Pause => campaign.pause()?,
            Step::Resume => campaign.resume()?,
            Step::Cancel => campaign.cancel(now)?,
        }
        self.store(id, &campaign, was).await?;
        if step == Step::Cancel {
            // In the caller's transaction, when it runs one.
            self.campaigns.withdraw_unsent(id).await?;
        }
        Ok(campaign)
    }

    /// Starts the scheduled campaigns whose time has come; returns those
    /// started. One that cannot start (its audience matches nobody now)
    /// is cancelled, and reported in the error list.
    ///
    /// # Errors
    ///
    /// [`CampaignError::Storage`] reading the due campaigns.
    pub async fn start_due(
        &self,
    ) -> Result<(Vec<CampaignId>, Vec<(CampaignId, CampaignError)>), CampaignError> {
        let mut started = Vec::new();
        let mut failed = Vec::new();
        for id in self.campaigns.due(self.now.ms()).await? {
            match self.step(id, Step::Start).await {
                Ok(_) => started.push(id),
                // Started by another instance meanwhile.
                Err(CampaignError::Conflict(_)) => {}
                Err(e) => {
                    if matches!(e, CampaignError::EmptyAudience) {
                        let _ = self.step(id, Step::Cancel).await;
                    }
                    failed.push((id, e));
                }
            }
        }
        Ok((started, failed))
    }

    /// The next recipients to send to: pending (ask
    /// [`consenting`](Self::consenting) before sending). With nobody
    /// left, the campaign completes.
    ///
    /// # Errors
    ///
    /// [`CampaignError::NotFound`], [`CampaignError::Storage`].
    pub async fn next_batch(&self, cmd: NextBatch) -> Result<Batch, CampaignError> {
        let campaign = self.load(cmd.id).await?;
        if campaign.state != CampaignState::Running {
            return Ok(Batch::Stopped(campaign.state));
        }
        if cmd.limit == 0 {
            return Ok(Batch::Send {
                campaign: Box::new(campaign),
                recipients: Vec::new(),
            });
        }
        let pending = self.campaigns.pending(cmd.id, cmd.limit).await?;
        if pending.is_empty() {
            let mut done = campaign;
            done.complete(self.now.ms())?;
            return match self.store(cmd.id, &done, CampaignState::Running).await {
                Ok(()) | Err(CampaignError::Conflict(_)) => Ok(Batch::Done),
                Err(e) => Err(e),
            };
        }
        Ok(Batch::Send {
            campaign: Box::new(campaign),
            recipients: pending,
        })
    }

    /// Those of `recipients` of campaign `id` who may get its message now
    /// (their consent read at once); the others opted out of marketing and
    /// are marked so (skipped for good). Asked in the batch's transaction,
    /// right before their messages are stored; a STOP or an operator's
    /// opt-out stored later takes back what waits to be sent. Not caught: a
    /// message a dispatcher already holds, and (on PostgreSQL) an opt-out
    /// committed between this answer and the batch's commit.
    ///
    /// # Errors
    ///
    /// [`CampaignError::Storage`].
    pub async fn consenting(
        &self,
        id: CampaignId,
        recipients: Vec<Recipient>,
    ) -> Result<Vec<Recipient>, CampaignError> {
        let phones: Vec<_> = recipients.iter().map(|r| r.phone.clone()).collect();
        let may = self.consent.may_receive_marketing_among(&phones).await?;
        let mut consenting = Vec::with_capacity(recipients.len());
        for recipient in recipients {
            if may.contains(&recipient.phone) {
                consenting.push(recipient);
            } else {
                self.campaigns
                    .mark(
                        id,
                        &recipient.phone,
                        RecipientState::OptedOut,
                        self.now.ms(),
                    )
                    .await?;
            }
        }
        Ok(consenting)
    }

    /// Whether campaign `id` still runs, holding it (inside a transaction)
    /// until the transaction ends: a batch's sends commit wholly before a
    /// pause or cancel, or not at all.
    ///
    /// # Errors
    ///
    /// [`CampaignError::Storage`].
    pub async fn hold_running(&self, id: CampaignId) -> Result<bool, CampaignError> {
        Ok(self.campaigns.hold_running(id).await?)
    }

    /// Records what became of one recipient (only from pending: a
    /// recipient is sent to once).
    ///
    /// # Errors
    ///
    /// [`CampaignError::Storage`].
    pub async fn mark(&self, cmd: MarkRecipient) -> Result<bool, CampaignError> {
        Ok(self
            .campaigns
            .mark(cmd.id, &cmd.phone, cmd.state, self.now.ms())
            .await?)
    }

    /// Campaign `id` with its progress, metrics and cost.
    ///
    /// # Errors
    ///
    /// [`CampaignError::NotFound`], [`CampaignError::Storage`].
    pub async fn report(&self, id: CampaignId) -> Result<CampaignReport, CampaignError> {
        let mut report = self.progress(id).await?;
        report.cost = Some(self.rates.book(&self.reports.billed(id).await?));
        Ok(report)
    }

    /// [`report`](Self::report) without the cost (which reads every priced
    /// message): for following a running campaign.
    ///
    /// # Errors
    ///
    /// [`CampaignError::NotFound`], [`CampaignError::Storage`].
    pub async fn progress(&self, id: CampaignId) -> Result<CampaignReport, CampaignError> {
        let campaign = self.load(id).await?;
        let recipients = self.campaigns.counts(id).await?;
        let delivery = self.reports.delivery(id).await?;
        Ok(CampaignReport {
            id,
            campaign,
            recipients,
            delivery,
            cost: None,
        })
    }

    /// Campaigns newest first, a page at a time.
    ///
    /// # Errors
    ///
    /// [`CampaignError::Storage`].
    pub async fn list(
        &self,
        q: ListCampaigns,
    ) -> Result<Vec<(CampaignId, Campaign)>, CampaignError> {
        Ok(self.campaigns.list(q.before, q.limit).await?)
    }

    /// A campaign's recipients and their states, a page at a time.
    ///
    /// # Errors
    ///
    /// [`CampaignError::NotFound`], [`CampaignError::Storage`].
    pub async fn recipients(&self, q: ListRecipients) -> Result<Vec<RecipientRow>, CampaignError> {
        self.load(q.id).await?;
        Ok(self
            .campaigns
            .recipients(q.id, q.state, q.after.as_ref(), q.limit)
            .await?)
    }

    /// The message campaign `q.id` would send to `q.phone`.
    ///
    /// # Errors
    ///
    /// [`CampaignError::NotFound`], [`CampaignError::NeedsTemplate`] (the
    /// window is closed and there is no template),
    /// [`CampaignError::Storage`].
    pub async fn preview(&self, q: PreviewCampaign) -> Result<Personalised, CampaignError> {
        let campaign = self.load(q.id).await?;
        let recipient = self.audience.recipient(&q.phone).await?;
        campaign
            .message
            .personalise(&recipient, q.window_open)
            .ok_or(CampaignError::NeedsTemplate)
    }
}
