//! Mounting a pipeline on axum: the Twilio and Meta webhook routes.
//!
//! [`routes`] returns an `axum::Router` with
//!
//! - `POST /webhooks/twilio`: messages and status callbacks (form-encoded,
//!   `X-Twilio-Signature`), answered with TwiML: an empty `<Response/>`, or
//!   the replies an outbox hands back for an inline answer;
//! - `GET /webhooks/meta`: the subscription handshake (echoes `hub.challenge`);
//! - `POST /webhooks/meta`: notifications (JSON, `X-Hub-Signature-256`), which
//!   may batch many messages and statuses.
//!
//! Every request is checked in this order: body size (413 over
//! [`DEFAULT_BODY_LIMIT`]), whether the provider is configured (403), content
//! type (415), signature (403, nothing is processed), parsing (400 with the
//! reason). Verified messages go through the
//! pipeline, their replies to the [`Outbox`], statuses to
//! [`Outbox::record_status`]; the provider gets 2xx only after that succeeded,
//! and 500 (so it retries) if it did not.
//!
//! Every refusal is counted in [`REFUSED_METRIC`]
//! (`campanile_webhooks_refused_total{provider, reason}`). Those an unsigned
//! request can cause are logged once per provider and reason per
//! [`REFUSAL_LOG_INTERVAL`], with the number refused since the last line, so
//! a flood of forged requests cannot flood the logs; a signed request that
//! cannot be parsed (400) is logged every time.
//!
//! # Example
//!
//! ```no_run
//! use framework::handler::{Router, Text};
//! use framework::webhook::{self, LogOutbox, WebhookConfig};
//!
//! async fn echo(Text(text): Text) -> String { text }
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let bot = Router::new().fallback(echo).into_service();
//! let config = WebhookConfig::new().with_twilio("auth-token", "https://bot.example.com");
//! let app = axum::Router::new()
//!     .route("/", axum::routing::get(|| async { "my shop" }))
//!     .merge(webhook::routes(bot, LogOutbox, config));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```

mod config;
mod ingress;
mod outbox;
mod refusals;
mod routes;

pub use self::config::{DEFAULT_BODY_LIMIT, WebhookConfig};
pub use self::ingress::{
    InFlightElsewhere, Ingress, PipelineIngress, UNADDRESSABLE_METRIC, report_unaddressable,
};
pub use self::outbox::{Delivery, InlineOutbox, LogOutbox, OutboundTurn, Outbox, OutboxError};
pub use self::refusals::{REFUSAL_LOG_INTERVAL, REFUSED_METRIC, RefusalReason};
pub use self::routes::{META_PATH, TWILIO_PATH, routes_with_ingress};

use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceExt};

use crate::{BoxError, InboundMessage, Response};

/// The webhook routes for `pipeline`, with replies going to `outbox`.
///
/// Shorthand for [`routes_with_ingress`] with a [`PipelineIngress`].
pub fn routes<P, O, S>(pipeline: P, outbox: O, config: WebhookConfig) -> axum::Router<S>
where
    P: Service<InboundMessage, Response = Response> + Clone + Send + Sync + 'static,
    P::Error: Into<BoxError>,
    P::Future: Send,
    O: Outbox,
    S: Clone + Send + Sync + 'static,
{
    // Boxed once here: the ingress spawns each webhook's work on a task, and a
    // boxed pipeline keeps that task's future type (and its `Send` proof)
    // simple for every pipeline a user can build.
    let pipeline = BoxCloneSyncService::new(pipeline.map_err(Into::<BoxError>::into));
    routes_with_ingress(PipelineIngress::new(pipeline, outbox), config)
}
