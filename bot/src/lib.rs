//! The `campanile` binary's library: everything the binary does, kept here
//! so tests run exactly what the binary runs.
//!
//! # Layout
//!
//! - [`cli`]: the commands, one file each (`serve`, `chat`, `worker`, …).
//! - [`config`]: settings from the environment and an optional file.
//! - [`services`]: [`services::Services`], everything the bot runs on,
//!   built once from the settings and closed once.
//! - [`server`]: `serve`'s tasks (HTTP, inbox, dispatcher, workers),
//!   started and stopped together; [`http`]: the routes.
//! - The path of an inbound message (record, run, commit) is
//!   [`infra_sql::inbound`]; the bot gives it its pipeline.
//! - [`pipeline`]: the message pipeline, top to bottom in one
//!   `ServiceBuilder`; [`stores`]: its stores for each way to run.
//! - [`flows`]: the shop conversation; [`i18n`]: everything it says, in
//!   the customer's language.
//! - [`rules`]: automation rules in the pipeline (the message rules'
//!   layer) and their effects.
//! - [`jobs`]: the background jobs, one file each, and their runtime.
//! - [`documents`]: invoice PDFs and their signed links.
//! - [`telemetry`]: logs and metrics.

pub mod cli;
pub mod config;
pub mod documents;
pub mod flows;
pub mod handoff;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod language;
pub mod rules;
pub mod server;
pub mod services;
pub mod step;
pub mod stores;
pub mod telemetry;
pub mod zoho;

use std::convert::Infallible;
use std::time::Duration;

use framework::rate_limit::RateLimitConfig;
use framework::reply::Reply;
use framework::session::SessionConfig;
use framework::webhook::Outbox;
use framework::{InboundMessage, Response, ServiceBuilderExt};
use infra_sql::messages::InboxQueue;
use tower::{Service, ServiceBuilder};

use crate::flows::{Shop, ShopFlow};

/// How long the dedup layer remembers a finished message. The message
/// log's `handled` mark, not the dedup layer, keeps a finished message from
/// running again (a second run finds it at its mark and rolls back); a done
/// id only spares that turn to a second run that claimed the inbox row
/// before the first committed, which reaches the dedup layer milliseconds
/// later unless its process stalls: 60 s is a wide margin. Without Redis
/// these ids live in the process's memory (about 250 bytes each, up to 1.5
/// × rate × this TTL of them).
pub const DEDUP_DONE_TTL: Duration = Duration::from_secs(60);

/// What the pipeline is built from.
#[derive(Debug, Clone)]
pub struct PipelineDeps<O> {
    /// Catalog and orders.
    pub shop: Shop,
    /// Where each turn's `handled` mark is written, in the turn's commit.
    pub inbox: InboxQueue,
    /// Dedup, rate limits, sessions and the conversation lane.
    pub stores: stores::Stores,
    /// Where replies go.
    pub outbox: O,
    /// How long a quiet conversation keeps its state.
    pub session_ttl: Duration,
    /// How long a message being processed is held (dedup in-flight claim).
    pub in_flight_ttl: Duration,
    /// The conversation lane's lease.
    pub lane_ttl: Duration,
    /// The time a message's age is judged by.
    pub clock: framework::clock::Clock,
}

/// The inbound pipeline, outermost layer first (see docs/ARCHITECTURE.md for
/// why this order); replies go to the outbox before the turn completes.
/// Messages reach it recorded ([`infra_sql::inbound`]): it runs them.
///
/// The apology for a failed turn and the rate limit's "slow down" notice are
/// in the default language: those layers take one fixed [`Reply`], made
/// here once, before any customer's language is known.
pub fn pipeline<O: Outbox>(
    deps: PipelineDeps<O>,
) -> impl Service<InboundMessage, Response = Response, Error = Infallible, Future = impl Send>
+ Clone
+ Send
+ Sync
+ 'static {
    let language = language::LanguageLayer::new(
        std::sync::Arc::clone(&deps.shop.customers),
        deps.shop.texts.clone(),
        std::sync::Arc::clone(&deps.shop.consent_words),
        infra_sql::messages::MessageQueries::new(deps.inbox.database().clone()),
    )
    .on_first_contact(deps.shop.language_on_first_contact);
    let handoff = handoff::HandoffLayer::new(
        std::sync::Arc::clone(&deps.shop.handoffs),
        deps.shop.texts.clone(),
        std::sync::Arc::clone(&deps.shop.consent_words),
    );
    let rules = rules::RulesLayer::new(
        std::sync::Arc::clone(&deps.shop.rules),
        std::sync::Arc::clone(&deps.shop.consent_words),
        deps.inbox.database().clone(),
        deps.clock.clone(),
        deps.shop.jobs.clone(),
    );
    let said = deps.shop.texts.say(deps.shop.texts.default_locale());
    let (apology, slow_down) = (said.apology(), said.slow_down());
    ServiceBuilder::new()
        .trace()
        .layer(
            // A turn that failed on a dropped database or Redis connection
            // left nothing behind (one transaction): the inbox runs it again
            // with its backoff instead of the customer getting an apology.
            framework::handle_error::HandleErrorLayer::new()
                .with_apology(Some(Reply::text(apology)))
                .with_retry_when(|e| {
                    infra_sql::transient::is_transient(e) || infra_redis::is_transient(e)
                }),
        )
        .layer(
            framework::dedup::DedupLayer::new(deps.stores.seen).with_config(
                framework::dedup::DedupConfig::default()
                    // The message log decides what ran (a message runs
                    // only from `received`, its turn commits `handled`):
                    // a done id needs remembering only while a second run
                    // of a lapsed claim may still start, not for the 7
                    // days a bot without a log needs. Kept in memory
                    // without Redis, 7 days of ids would grow with every
                    // message.
                    .with_ttl(DEDUP_DONE_TTL)
                    .with_in_flight_ttl(deps.in_flight_ttl)
                    .with_clock(deps.clock.clone()),
            ),
        )
        .conversation_rate_limit(
            deps.stores.rates,
            RateLimitConfig::default().with_notice(Some(Reply::text(slow_down))),
        )
        .layer(
            framework::session::SessionLayer::new(deps.stores.sessions, deps.stores.lanes)
                .with_config(
                    SessionConfig::default()
                        .with_ttl(deps.session_ttl)
                        .with_lease_ttl(deps.lane_ttl),
                )
                .with_turn_scope(infra_sql::inbound::TurnCommit::new(deps.inbox)),
        )
        .deliver(deps.outbox)
        .menus()
        .layer(language)
        .layer(handoff)
        .layer(rules)
        .conversation::<ShopFlow>()
        .service(flows::router(deps.shop))
}
