//! Wiring: everything the bot runs on, built once from the settings
//! ([`Services::build`]) and closed once ([`Services::close`]).

use std::sync::Arc;

use anyhow::Context as _;
use features::catalog::{CatalogService, OrderLimits};
use features::customers::CustomerService;
use features::invoices::InvoiceService;
use features::orders::OrderService;
use features::reminders::ReminderService;
use features::shared::{Currency, Now};
use framework::Provider;
use infra_providers::Providers;
use infra_providers::meta::MetaClient;
use infra_providers::policy::Resilient;
use infra_providers::twilio::TwilioClient;
use infra_shop::customers::DbCustomerRepository;
use infra_shop::invoices::DbInvoiceRepository;
use infra_shop::orders::DbOrderRepository;
use infra_shop::products::DbProductRepository;
use infra_shop::reminders::DbReminderRepository;
use infra_sql::Database;
use infra_sql::messages::{InboxQueue, MessageQueries};
use infra_sql::outbox::{DbOutbox, DispatchConfig, Dispatcher};
use infra_sql::sessions::DbSessionStore;

use crate::PipelineDeps;
use crate::config::Settings;
use crate::flows::Shop;
use crate::stores::{Lanes, Rates, Seen, Stores};
use framework::clock::Clock;
use framework::dedup::InMemSeenStore;
use framework::rate_limit::InMemRateStore;
use framework::session::InMemConversationLock;

/// The catalog over the database.
pub type Catalog = CatalogService<DbProductRepository>;

/// Orders over the database, priced again by the catalog when placed and
/// followed up by their jobs (`process-order`; `sync-order` with Zoho).
pub type Orders = OrderService<
    DbOrderRepository,
    CatalogService<DbProductRepository>,
    crate::jobs::sync_order::OrderJobs,
>;

/// Invoices over the database.
pub type Invoices = InvoiceService<DbInvoiceRepository, DbOrderRepository>;

/// Customers' tags and consent over the database (consent in the table
/// where a Meta 131050 is recorded too).
pub type Customers = CustomerService<DbCustomerRepository>;

/// Handoffs to a person, over the database (shared by every instance).
pub type Handoffs = features::handoff::HandoffService<infra_shop::handoff::DbHandoffRepository>;

/// The support responder: the FAQ, then the language model if one is
/// configured (`CAMPANILE_LLM_*`).
pub type Support = features::support::SupportService<infra_providers::llm::ChatClient>;

/// Reminders over the database.
pub type Reminders = ReminderService<DbReminderRepository, DbInvoiceRepository>;

/// Campaigns over the database: the shop's customers as audiences, their
/// consent (the customers' own record), the message log's reports.
pub type Campaigns = features::campaigns::CampaignService<
    infra_shop::campaigns::DbCampaignRepository,
    infra_shop::campaigns::DbAudience,
    Customers,
    infra_shop::campaigns::DbDeliveryReports,
>;

/// Automation rules over the database.
pub type Rules = features::rules::RuleService<
    infra_shop::rules::DbRuleRepository,
    infra_shop::rules::DbRuleSubjects,
>;

/// Everything the bot runs on, built once at start.
#[derive(Debug, Clone)]
pub struct Services {
    /// The settings it was built from.
    pub settings: Settings,
    /// The time, for everything the services decide by it.
    pub clock: Clock,
    /// The database pool.
    pub db: Database,
    /// Catalog and orders.
    pub shop: Shop,
    /// The message log, to read.
    pub messages: MessageQueries,
    /// Dedup, rate limits, sessions and the conversation lane (in process
    /// or on Redis).
    pub stores: crate::stores::Stores,
    /// The Redis connection, when `REDIS_URL` is set.
    pub redis: Option<infra_redis::RedisConnection>,
    /// Where replies are stored to be sent.
    pub outbox: DbOutbox,
    /// The provider clients (a provider without credentials: dry run).
    pub providers: Providers,
    /// The same clients, each behind its outbound policy (deadline, retry,
    /// circuit breaker, throughput shaper): what the dispatcher sends
    /// through, and whose breakers `/readyz` reports.
    pub outbound: Resilient<Rates>,
    /// Background jobs.
    pub jobs: crate::jobs::Queue,
    /// Invoices.
    pub invoices: Arc<Invoices>,
    /// Reminders.
    pub reminders: Arc<Reminders>,
    /// Campaigns.
    pub campaigns: Arc<Campaigns>,
    /// Invoice PDFs and their signed links.
    pub documents: crate::documents::Documents,
    /// With `REDIS_URL`: BullMQ runs the jobs the database queue relays.
    pub job_runner: Option<infra_redis::jobs::RedisJobQueue>,
    /// This deployment's id, made once and kept in the database.
    pub deployment: Arc<str>,
    /// Zoho CRM, when its credentials are set.
    pub zoho: Option<crate::zoho::Zoho>,
    /// Automation rules' webhook calls.
    pub webhooks: infra_providers::webhook::WebhookClient,
}

/// The provider clients the settings configure.
///
/// # Errors
///
/// When a client cannot be built (an unusable base URL).
pub fn providers(settings: &Settings) -> anyhow::Result<Providers> {
    let mut providers = Providers::new();
    if let Some(config) = settings.twilio.client_config() {
        providers = providers.with_twilio(TwilioClient::new(config).context("Twilio client")?);
    }
    if let Some(config) = settings.meta.client_config() {
        providers = providers.with_meta(MetaClient::new(config).context("Meta client")?);
    }
    Ok(providers)
}

impl Services {
    /// Connects to the database, migrates it, and builds the services and
    /// the provider clients. Does not seed (see
    /// [`seed_demo_catalog`](Self::seed_demo_catalog)).
    ///
    /// # Errors
    ///
    /// When the database is unreachable, a migration fails, or a provider
    /// client cannot be built.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let providers = providers(&settings)?;
        Self::build_with(settings, providers, Clock::system()).await
    }

    /// [`build`](Self::build) with the given provider clients and clock.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    pub async fn build_with(
        settings: Settings,
        providers: Providers,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        // The database stamps and compares times by the services' clock.
        let db = Database::connect(&settings.database)
            .await
            .context("cannot open the database")?
            .with_clock(clock.clone());
        db.migrate_with::<infra_shop::Migrator>()
            .await
            .context("cannot migrate the database")?;
        let currency = Currency::INR;
        // The services' one time: this clock.
        let now = Now::from_fn({
            let clock = clock.clone();
            move || clock.now_ms()
        });
        let catalog = CatalogService::new(
            DbProductRepository::new(db.clone()),
            OrderLimits {
                max_quantity: settings.shop.max_quantity,
            },
        );
        let jobs = infra_sql::jobs::DbJobQueue::new(db.clone());
        let zoho_on = settings.zoho.client_config().is_some();
        let orders = OrderService::new(
            DbOrderRepository::new(db.clone()),
            catalog.clone(),
            crate::jobs::sync_order::OrderJobs::new(jobs.clone(), zoho_on),
            now.clone(),
        );
        let invoices = Arc::new(features::invoices::InvoiceService::new(
            infra_shop::invoices::DbInvoiceRepository::new(db.clone()),
            DbOrderRepository::new(db.clone()),
            settings.shop.tax(),
            now.clone(),
        ));
        let customers = Arc::new(CustomerService::new(
            DbCustomerRepository::new(db.clone()),
            now.clone(),
        ));
        let reminders = Arc::new(
            features::reminders::ReminderService::new(
                infra_shop::reminders::DbReminderRepository::new(db.clone()),
                infra_shop::invoices::DbInvoiceRepository::new(db.clone()),
                settings
                    .shop
                    .clock()
                    .context("CAMPANILE_TIMEZONE / CAMPANILE_QUIET_HOURS")?,
                now.clone(),
            )
            .with_first_payment_reminder_after(settings.shop.payment_reminder_after),
        );
        let campaigns = Arc::new(
            features::campaigns::CampaignService::new(
                infra_shop::campaigns::DbCampaignRepository::new(db.clone()),
                infra_shop::campaigns::DbAudience::new(db.clone()),
                (*customers).clone(),
                infra_shop::campaigns::DbDeliveryReports::new(db.clone()),
                now.clone(),
            )
            .with_rate_card(settings.campaigns.rate_card.clone()),
        );
        let rules = Arc::new(features::rules::RuleService::new(
            infra_shop::rules::DbRuleRepository::new(db.clone()),
            infra_shop::rules::DbRuleSubjects::new(db.clone()),
            settings
                .shop
                .clock()
                .context("CAMPANILE_TIMEZONE / CAMPANILE_QUIET_HOURS")?,
            settings.shop.templates.iter().cloned().collect(),
            now.clone(),
        ));
        let deployment: Arc<str> = infra_shop::secrets::secret(&db, "deployment")
            .await
            .map(|id| hex::encode(id.get(..8).unwrap_or(&id)))
            .context("cannot read or make the deployment's id")?
            .into();
        let link_key = infra_shop::secrets::secret(&db, "invoice-links")
            .await
            .context("cannot read or make the invoice link key")?;
        let documents = crate::documents::Documents {
            links: crate::documents::InvoiceLinks::new(
                &link_key,
                &settings.server.base_url(),
                settings.shop.invoice_link_ttl,
            )
            .context("invoice link key")?,
            shop: Arc::new(infra_shop::pdf::ShopDetails {
                name: settings.shop.name.clone(),
                address: settings.shop.address.clone(),
                phone: settings
                    .twilio
                    .whatsapp_from
                    .as_ref()
                    .map(|p| p.as_str().to_owned()),
                gstin: settings.shop.gstin.clone(),
                time_zone: Some(settings.shop.timezone.clone()),
            }),
            invoices: Arc::clone(&invoices),
            dir: settings.shop.invoice_dir.clone(),
        };
        let messages = MessageQueries::new(db.clone());
        let redis_config = settings.redis.config();
        let (stores, redis) = match &redis_config {
            Some(config) => {
                let redis = infra_redis::connect(config)
                    .await
                    .context("cannot connect to Redis (REDIS_URL)")?;
                let stores = Stores {
                    seen: Seen::Redis(redis.seen_store()),
                    rates: Rates::Redis(redis.rate_store()),
                    sessions: DbSessionStore::new(db.clone()),
                    lanes: Lanes::Redis(redis.conversation_lock()),
                };
                (stores, Some(redis))
            }
            None => (
                Stores {
                    seen: Seen::InMem(InMemSeenStore::new()),
                    rates: Rates::InMem(InMemRateStore::new()),
                    sessions: DbSessionStore::new(db.clone()),
                    lanes: Lanes::InMem(InMemConversationLock::new()),
                },
                None,
            ),
        };
        // With Redis, every instance shares Zoho's access token.
        let zoho = crate::zoho::Zoho::from_settings(&settings.zoho, currency, redis.as_ref())
            .context("Zoho CRM client (ZOHO_*)")?;
        let job_runner = match &redis_config {
            Some(config) => Some(
                infra_redis::jobs::RedisJobQueue::connect(config)
                    .await
                    .context("cannot open the job queue on Redis (REDIS_URL)")?,
            ),
            None => None,
        };
        // The shop's texts, customers without a language of their own in
        // the default one.
        let texts = framework::locale::Locale::parse(&settings.support.language)
            .map_err(anyhow::Error::from)
            .and_then(|default| crate::i18n::Texts::embedded(default).map_err(Into::into))
            .context("the shop's texts (bot/locales/, CAMPANILE_LANGUAGE)")?;
        if !texts.supports(texts.default_locale()) {
            anyhow::bail!(
                "CAMPANILE_LANGUAGE={}: no such bundled language (bot/locales has {})",
                settings.support.language,
                texts
                    .languages()
                    .iter()
                    .map(|(l, _)| l.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let handoffs = Arc::new(features::handoff::HandoffService::new(
            infra_shop::handoff::DbHandoffRepository::new(db.clone()),
            now.clone(),
        ));
        let support = Arc::new(support(&settings)?);
        let profile =
            crate::flows::profile::form(&texts, clock.clone()).context("the profile form")?;
        let outbox = DbOutbox::new(db.clone(), settings.render_config());
        let mut outbound = Resilient::new(providers.clone(), stores.rates.clone());
        for provider in [Provider::Twilio, Provider::Meta] {
            outbound = outbound
                .with_policy(provider, settings.outbound.policy(provider))
                .context("the outbound policy's settings")?;
        }
        Ok(Self {
            shop: Shop {
                catalog: Arc::new(catalog),
                orders: Arc::new(orders),
                currency,
                jobs: jobs.clone(),
                invoices: Arc::clone(&invoices),
                reminders: Arc::clone(&reminders),
                customers,
                consent_words: Arc::new(settings.shop.consent_keywords()),
                rules,
                texts,
                handoffs,
                support,
                profile,
                profile_before_first_order: settings.support.profile_before_first_order,
                language_on_first_contact: settings.support.language_on_first_contact,
            },
            stores,
            redis,
            messages,
            outbox,
            providers,
            outbound,
            jobs,
            invoices,
            reminders,
            campaigns,
            documents,
            job_runner,
            deployment,
            zoho,
            webhooks: infra_providers::webhook::WebhookClient::new(
                &infra_providers::webhook::WebhookConfig::default(),
            )
            .context("the rules' webhook client")?,
            db,
            clock,
            settings,
        })
    }

    /// Closes the database pool. Every command ends with it.
    pub async fn close(self) {
        self.db.close().await;
    }

    /// What the job handlers work with.
    #[must_use]
    pub fn job_deps(&self) -> crate::jobs::JobDeps {
        crate::jobs::JobDeps {
            queue: self.jobs.clone(),
            db: self.db.clone(),
            clock: self.clock.clone(),
            invoices: Arc::clone(&self.invoices),
            reminders: Arc::clone(&self.reminders),
            campaigns: Arc::clone(&self.campaigns),
            rules: Arc::clone(&self.shop.rules),
            customers: Arc::clone(&self.shop.customers),
            handoffs: Arc::clone(&self.shop.handoffs),
            handoff_idle: self.settings.support.handoff_idle,
            webhooks: self.webhooks.clone(),
            pacing: self.settings.campaigns.clone(),
            twilio_from: self.settings.twilio.whatsapp_from.clone(),
            catalog: Arc::clone(&self.shop.catalog),
            orders: Arc::clone(&self.shop.orders),
            zoho: self.zoho.clone(),
            sender: infra_sql::sender::Sender::new(self.outbox.clone()),
            documents: self.documents.clone(),
            templates: self.settings.shop.job_templates(),
            texts: self.shop.texts.clone(),
            runner: self.job_runner.clone(),
            deployment: Arc::clone(&self.deployment),
        }
    }

    /// Seeds the demo catalog into an empty catalog (`serve` and `chat` do;
    /// `catalog import` does not, so an operator's first import is the whole
    /// catalog).
    ///
    /// # Errors
    ///
    /// When the catalog cannot be read or written.
    pub async fn seed_demo_catalog(&self) -> anyhow::Result<()> {
        if self
            .shop
            .catalog
            .seed_demo()
            .await
            .context("cannot seed the demo catalog")?
        {
            tracing::info!(
                "empty catalog: seeded the demo catalog (replace it with `campanile catalog import FILE --replace`)"
            );
        }
        Ok(())
    }

    /// The pipeline's dependencies.
    #[must_use]
    pub fn pipeline_deps(&self) -> PipelineDeps<DbOutbox> {
        PipelineDeps {
            shop: self.shop.clone(),
            inbox: InboxQueue::new(self.db.clone()),
            stores: self.stores.clone(),
            outbox: self.outbox.clone(),
            session_ttl: self.settings.pipeline.session_ttl,
            in_flight_ttl: self.settings.pipeline.in_flight_ttl,
            lane_ttl: self.settings.pipeline.lane_ttl,
            clock: self.clock.clone(),
        }
    }

    /// The inbox recorded messages run from, through the pipeline.
    #[must_use]
    pub fn inbox(&self) -> infra_sql::inbound::Inbox {
        infra_sql::inbound::Inbox::new(
            InboxQueue::new(self.db.clone()),
            self.outbox.clone(),
            tower::util::BoxCloneSyncService::new(crate::pipeline(self.pipeline_deps())),
            infra_sql::inbound::InboxConfig {
                lease: self.settings.pipeline.in_flight_ttl,
                turns: self.settings.pipeline.turn_concurrency,
                ..infra_sql::inbound::InboxConfig::default()
            },
        )
    }

    /// The ingress webhooks (and the terminal chat) record into, with a new
    /// [`inbox`](Self::inbox) running what it records.
    #[must_use]
    pub fn ingress(&self) -> infra_sql::inbound::InboxIngress {
        infra_sql::inbound::InboxIngress::new(self.inbox())
    }

    /// A dispatcher sending the outbox through the provider clients.
    #[must_use]
    pub fn dispatcher(&self) -> Dispatcher<Resilient<Rates>> {
        self.outbox.dispatcher(
            self.outbound.clone(),
            DispatchConfig {
                lease: self.settings.pipeline.send_lease,
                concurrency: self.settings.pipeline.send_concurrency,
                ..DispatchConfig::default()
            },
        )
    }

    /// Logs how each provider is set up, so a dry run is never a surprise,
    /// and warns about timings that let work run twice.
    pub fn announce(&self) {
        // Each lease is renewed every third of its length while its work
        // runs: a process that stalls longer than that (or a store slower
        // than that to answer) lets another instance take the work over
        // beside it.
        let shortest = std::time::Duration::from_secs(3);
        for (name, lease) in [
            (
                "CAMPANILE_IN_FLIGHT_TTL",
                self.settings.pipeline.in_flight_ttl,
            ),
            ("CAMPANILE_LANE_TTL", self.settings.pipeline.lane_ttl),
            ("CAMPANILE_SEND_LEASE", self.settings.pipeline.send_lease),
        ] {
            if lease < shortest {
                tracing::warn!(
                    lease = ?lease,
                    "{name} is under 3 s: renewed every third of it, a short stall of the process lets work run twice"
                );
            }
        }
        if self.providers.configured(Provider::Twilio) {
            for (name, sid) in [
                (
                    "TWILIO_CONTENT_SID_INVOICE",
                    &self.settings.shop.twilio_invoice_content_sid,
                ),
                (
                    "TWILIO_CONTENT_SID_REMINDER",
                    &self.settings.shop.twilio_reminder_content_sid,
                ),
                (
                    "TWILIO_CONTENT_SID_NOTICE",
                    &self.settings.shop.twilio_notice_content_sid,
                ),
            ] {
                if sid.is_none() {
                    tracing::warn!(
                        setting = name,
                        "unset: outside the 24-hour window Twilio cannot send that template; such jobs become dead letters (`campanile jobs dead`)"
                    );
                }
            }
        }
        let webhooks = self.settings.webhooks();
        for (provider, receives, sends) in [
            (
                Provider::Twilio,
                webhooks.twilio_enabled(),
                self.providers.configured(Provider::Twilio),
            ),
            (
                Provider::Meta,
                webhooks.meta_enabled(),
                self.providers.configured(Provider::Meta),
            ),
        ] {
            let receives = if receives {
                "webhooks verified"
            } else {
                "webhooks refused (403): no secret to verify them"
            };
            let sends = if sends {
                "replies sent"
            } else {
                "dry run: replies logged and recorded, never sent"
            };
            tracing::info!(provider = provider.as_str(), "{receives}; {sends}");
        }
    }
}

/// The support responder from the settings: the FAQ file (or the demo's),
/// and the language model when `CAMPANILE_LLM_URL` and `_MODEL` are set.
pub(crate) fn support(settings: &Settings) -> anyhow::Result<Support> {
    let text = settings.support.faq_text().with_context(|| {
        format!(
            "cannot read the FAQ (CAMPANILE_FAQ={:?})",
            settings.support.faq
        )
    })?;
    let faq = features::support::Faq::from_toml(&text).context("the FAQ (CAMPANILE_FAQ)")?;
    if settings.support.faq.is_none() {
        tracing::warn!(
            "CAMPANILE_FAQ is not set: customers' questions are answered from the demo shop's FAQ (docs/examples/faq.toml); set it to your shop's"
        );
    }
    let model = settings
        .llm
        .client_config()
        .map(|config| infra_providers::llm::ChatClient::new(&config))
        .transpose()
        .context("the language model (CAMPANILE_LLM_*)")?;
    let config =
        features::support::SupportConfig::default().with_shop_name(settings.shop.name.clone());
    Ok(features::support::SupportService::new(faq, config).with_model(model))
}
