//! The `campanile` binary's library: configuration, wiring, the pipeline and
//! the HTTP application, kept here so tests run exactly what the binary runs.
//!
//! # Layout
//!
//! - [`config`]: settings from the environment and an optional file.
//! - [`startup`]: [`startup::Services`] (database, catalog, orders, outbox,
//!   providers) built from settings; the server and the dispatcher.
//! - [`pipeline`]: the message pipeline, top to bottom in one `ServiceBuilder`.
//! - [`app`]: the axum application (webhooks, health, metrics).
//! - [`flows`]: the shop conversation; [`inbound_log`]: the layer that
//!   records every inbound message; [`telemetry`]: logs and metrics.

pub mod config;
pub mod documents;
pub mod flows;
pub mod inbound_log;
pub mod inbox;
pub mod jobs;
pub mod startup;
pub mod stores;
pub mod telemetry;
pub mod turn;

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use framework::rate_limit::RateLimitConfig;
use framework::session::SessionConfig;
use framework::webhook::{self, Outbox};
use framework::{InboundMessage, Response, ServiceBuilderExt};
use infra::db::Database;
use infra::db::messages::MessageLog;
use tower::{Service, ServiceBuilder};

use crate::flows::{Shop, ShopFlow};
use crate::inbound_log::RecordInboundLayer;

/// What the pipeline is built from.
#[derive(Debug, Clone)]
pub struct PipelineDeps<O> {
    /// Catalog and orders.
    pub shop: Shop,
    /// Where inbound messages are recorded.
    pub log: MessageLog,
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
    /// Whether the pipeline records each message in the log itself (a
    /// pipeline called directly, like the terminal chat), rather than an
    /// [`inbox::InboxIngress`] recording it before the pipeline runs.
    pub record_inbound: bool,
}

/// The inbound pipeline, outermost layer first (see docs/ARCHITECTURE.md for
/// why this order); replies go to the outbox before the turn completes.
pub fn pipeline<O: Outbox>(
    deps: PipelineDeps<O>,
) -> impl Service<InboundMessage, Response = Response, Error = Infallible, Future = impl Send>
+ Clone
+ Send
+ Sync
+ 'static {
    ServiceBuilder::new()
        .trace()
        .handle_errors()
        .layer(
            framework::dedup::DedupLayer::new(deps.stores.seen).with_config(
                framework::dedup::DedupConfig::default().with_in_flight_ttl(deps.in_flight_ttl),
            ),
        )
        .option_layer(
            deps.record_inbound
                .then(|| RecordInboundLayer::new(deps.log.clone())),
        )
        .conversation_rate_limit(deps.stores.rates, RateLimitConfig::default())
        .layer(
            framework::session::SessionLayer::new(deps.stores.sessions, deps.stores.lanes)
                .with_config(
                    SessionConfig::default()
                        .with_ttl(deps.session_ttl)
                        .with_lease_ttl(deps.lane_ttl),
                )
                .with_turn_scope(turn::TurnCommit::new(deps.log)),
        )
        .deliver(deps.outbox)
        .menus()
        .conversation::<ShopFlow>()
        .service(flows::router(deps.shop))
}

#[derive(Clone)]
struct Ops {
    db: Database,
    redis: Option<infra::redis::RedisConnection>,
    metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
}

async fn readyz(State(ops): State<Ops>) -> impl IntoResponse {
    if let Err(e) = ops.db.ping().await {
        tracing::warn!(error.message = %e, "readiness check failed: database");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: database unreachable\n".to_owned(),
        );
    }
    if let Some(redis) = &ops.redis
        && let Err(e) = redis::cmd("PING")
            .query_async::<String>(&mut redis.manager().clone())
            .await
    {
        tracing::warn!(error.message = %e, "readiness check failed: redis");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: redis unreachable\n".to_owned(),
        );
    }
    (StatusCode::OK, "ready\n".to_owned())
}

async fn metrics(State(ops): State<Ops>) -> axum::response::Response {
    match &ops.metrics {
        Some(handle) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable\n",
        )
            .into_response(),
    }
}

/// The HTTP application: the provider webhooks (recorded into `inbox`,
/// answered, then run), `/healthz`, `/readyz` and `/metrics`.
pub fn app(services: &startup::Services, inbox: &inbox::Inbox) -> axum::Router {
    let ops = Ops {
        db: services.db.clone(),
        redis: services.redis.clone(),
        metrics: telemetry::metrics(),
    };
    axum::Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(ops)
        .route(
            "/invoices/{file}",
            get(documents::invoice_pdf).with_state(services.documents.clone()),
        )
        .merge(webhook::routes_with_ingress(
            inbox::InboxIngress::new(inbox.clone()),
            services.settings.webhooks(),
        ))
}

/// Sends `customer`'s job messages (an invoice, a reminder) to `notices` as
/// they are stored, polling the message log every 300 ms, until the
/// receiver is gone: `campanile chat` prints them between turns.
pub async fn chat_notices(
    log: infra::db::messages::MessageLog,
    customer: String,
    notices: tokio::sync::mpsc::UnboundedSender<String>,
) {
    let mut after = None;
    loop {
        match log.job_messages(&customer, after).await {
            Ok((messages, last)) => {
                after = Some(last);
                for (_, body) in messages {
                    if notices.send(body).is_err() {
                        return;
                    }
                }
            }
            Err(e) => tracing::warn!(error.message = %e, "cannot read the chat's job messages"),
        }
        if notices.is_closed() {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
}
