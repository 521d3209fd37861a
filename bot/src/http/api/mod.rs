//! The operator API: JSON over HTTP under `/api/`, for the shop's staff and
//! their tools, with its OpenAPI 3.1 document at `/api/openapi.json`.
//!
//! It is on only with `CAMPANILE_ADMIN_TOKEN`; without it, [`router`] gives
//! nothing and `/api/` answers 404 like any unknown path. With it, every
//! route requires `Authorization: Bearer <token>` ([`auth`]).
//!
//! | route | module |
//! |---|---|
//! | `GET /api/orders`, `GET /api/orders/{number}` | [`orders`] |
//! | `GET /api/invoices`, `GET /api/invoices/{number}`, `POST /api/invoices/{number}/paid` | [`invoices`] |
//! | `GET /api/catalog`, `POST /api/catalog/import` | [`catalog`] |
//! | `GET /api/jobs/dead`, `POST /api/jobs/dead/{id}/retry` | [`jobs`] |
//! | `GET /api/messages` | [`messages`] |
//! | `GET`/`POST /api/campaigns`, `GET /api/campaigns/{id}`, `POST /api/campaigns/{id}/preview`, `…/start`, `…/schedule`, `…/pause`, `…/resume`, `…/cancel`, `GET /api/campaigns/{id}/recipients`, `…/recipients.csv` | [`campaigns`] |
//! | `GET /api/customers?tags=…`, `GET /api/customers/{phone}`, `POST /api/customers/{phone}/tags`, `…/opt-out`, `…/opt-in` | [`customers`] |
//! | `GET /api/handoffs`, `POST /api/handoffs/{customer}/release`, `POST /api/conversations/{customer}/messages` | [`handoffs`] |
//! | `GET /api/openapi.json` | [`openapi`] |
//!
//! # Adding a resource
//!
//! 1. A module here with the handlers, each an `async fn` with a
//!    `#[utoipa::path(…)]` attribute (path relative to `/api`, a `tag`, its
//!    `params`, `request_body` and every response it gives; error bodies are
//!    [`Problem`](problem::Problem) as `application/problem+json`), and a
//!    `pub fn routes() -> OpenApiRouter<Services>` registering them with
//!    `utoipa_axum::routes!` (one call per path).
//! 2. `.merge(that::routes())` in [`router`], and a tag in
//!    [`openapi::ApiDoc`]. The token check, the 401 and default problem
//!    responses in the document, and the `/api` prefix come with it.
//! 3. Handlers take [`extract::ApiQuery`], [`extract::ApiPath`] and
//!    [`extract::ApiJson`] (never axum's own `Query`, `Path`, `Json`, whose
//!    rejections are plain text) and return `Result<Json<_>, ApiError>`;
//!    bad input is [`ApiError::invalid`](problem::ApiError::invalid) naming
//!    the field, checked before anything changes.
//! 4. Lists take `limit` and `cursor` and answer a
//!    [`Page`](paging::Page), through [`paging::Paging`].
//! 5. Business rules stay in the features: a handler calls a service of
//!    [`Services`] (adding a query to a feature, with its tests, when one
//!    is missing) and turns its answer into a view type (`…View`, with
//!    `ToSchema`): domain types never derive the wire format.

pub mod auth;
pub mod campaigns;
pub mod catalog;
pub mod customers;
pub mod extract;
pub mod handoffs;
pub mod invoices;
pub mod jobs;
pub mod messages;
pub mod openapi;
pub mod orders;
pub mod paging;
pub mod problem;
pub mod rules;

use axum::{Extension, middleware};
use features::shared::Money;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::services::Services;

/// The operator API's routes under `/api/`, or `None` when
/// `CAMPANILE_ADMIN_TOKEN` is not set (the API is off).
#[must_use]
pub fn router(services: &Services) -> Option<axum::Router> {
    let token = services.settings.api.admin_token.as_ref()?;
    let (routes, paths) = OpenApiRouter::new()
        .merge(orders::routes())
        .merge(campaigns::routes())
        .merge(customers::routes())
        .merge(rules::routes())
        .merge(handoffs::routes())
        .merge(invoices::routes())
        .merge(catalog::routes())
        .merge(jobs::routes())
        .merge(messages::routes())
        .routes(routes!(openapi::openapi_json))
        .split_for_parts();
    let document = openapi::document(paths);
    let json = serde_json::to_string(&document).unwrap_or_else(|e| {
        tracing::error!(error.message = %e, "cannot write the operator API's OpenAPI document");
        "{}".to_owned()
    });
    let api = routes
        .fallback(problem::not_found)
        .method_not_allowed_fallback(problem::method_not_allowed)
        .layer(Extension(openapi::Document(json.into())))
        .layer(middleware::from_fn_with_state(
            auth::AdminToken::new(token),
            auth::require_token,
        ))
        .with_state(services.clone());
    Some(axum::Router::new().nest("/api", api))
}

/// An amount of money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MoneyView {
    /// In minor units (paise for INR).
    pub minor: i64,
    /// The ISO 4217 code, e.g. `INR`.
    pub currency: String,
    /// As shown to customers, e.g. `₹1,250.50`.
    pub display: String,
}

impl From<Money> for MoneyView {
    fn from(money: Money) -> Self {
        Self {
            minor: money.minor(),
            currency: money.currency().code().to_owned(),
            display: money.to_string(),
        }
    }
}

/// Milliseconds since the epoch as RFC 3339 (UTC).
fn timestamp(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}
