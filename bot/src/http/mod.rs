//! The HTTP application: the provider webhooks (recorded by the
//! [inbound path](infra_sql::inbound), answered, then run), the invoice links,
//! and the operator's endpoints.
//!
//! | route | module |
//! |---|---|
//! | `POST /webhooks/twilio`, `GET`/`POST /webhooks/meta` | `framework::webhook` over [`infra_sql::inbound::InboxIngress`] |
//! | `GET /invoices/{number}.pdf` | [`invoices`] |
//! | `GET /healthz`, `GET /readyz`, `GET /metrics` | [`ops`] |
//! | `/api/…` (with `CAMPANILE_ADMIN_TOKEN`) | [`api`] |
//!
//! [`serve`] serves it: connections up to a cap, each closed when its
//! client takes too long (headers, body, idle).

pub mod api;
pub mod invoices;
pub mod ops;
pub mod serve;

use axum::routing::get;
use framework::webhook;

use crate::services::Services;
use infra_sql::inbound::InboxIngress;

/// The application: webhooks recorded into `ingress`, the invoice links,
/// health, readiness and metrics, and the operator API when it is on.
pub fn app(services: &Services, ingress: InboxIngress) -> axum::Router {
    let ops = ops::Ops {
        db: services.db.clone(),
        redis: services.redis.clone(),
        metrics: crate::telemetry::metrics(),
        outbound: services.outbound.clone(),
        zoho: services.zoho.is_some(),
    };
    let files = invoices::InvoiceFiles {
        documents: services.documents.clone(),
        clock: services.clock.clone(),
    };
    let app = axum::Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .with_state(ops)
        .route(
            "/invoices/{file}",
            get(invoices::invoice_pdf).with_state(files),
        )
        .merge(webhook::routes_with_ingress(
            ingress,
            services.settings.webhooks(),
        ));
    match api::router(services) {
        Some(api) => app.merge(api),
        None => app,
    }
}
