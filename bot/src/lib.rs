//! The `campanile` binary's library: configuration, the pipeline and the HTTP
//! application, kept here so tests run exactly what the binary runs.
//!
//! # Layout
//!
//! - [`config`]: settings from the environment.
//! - [`pipeline`]: the message pipeline, top to bottom in one `ServiceBuilder`.
//! - [`app`]: the axum application (webhooks, health).
//!
//! The shop features (catalog, orders, invoices) arrive in later issues; until
//! then the bot greets and says what it can do.

pub mod config;

use std::convert::Infallible;

use axum::routing::get;
use framework::dedup::InMemSeenStore;
use framework::handler::{ProfileName, Router};
use framework::rate_limit::{InMemRateStore, RateLimitConfig};
use framework::session::{InMemConversationLock, InMemSessionStore};
use framework::webhook::{self, LogOutbox, Outbox};
use framework::{InboundMessage, Response, ServiceBuilderExt};
use tower::{Service, ServiceBuilder};

use crate::config::Settings;

/// What the bot says to "hi", "menu" or "help".
pub const GREETING: &str = "Namaste! This is the Campanile shop bot. Ordering over WhatsApp is coming soon; for now, say \"hi\" and I'll answer.";

async fn greet(ProfileName(name): ProfileName) -> String {
    match name {
        Some(name) => format!("Hi {name}! {GREETING}"),
        None => GREETING.to_owned(),
    }
}

async fn not_yet() -> &'static str {
    "I can't take orders yet. Say \"menu\" to see what I can do."
}

/// The inbound pipeline, outermost layer first (see docs/ARCHITECTURE.md for
/// why this order); replies go to `outbox`.
pub fn pipeline<O: Outbox>(
    outbox: O,
) -> impl Service<InboundMessage, Response = Response, Error = Infallible, Future = impl Send>
+ Clone
+ Send
+ Sync
+ 'static {
    ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .conversation_rate_limit(InMemRateStore::new(), RateLimitConfig::default())
        .session(InMemSessionStore::new(), InMemConversationLock::new())
        .deliver(outbox)
        .menus()
        .service(
            Router::new()
                .keyword(["hi", "hello", "menu", "help", "namaste"], greet)
                .fallback(not_yet)
                .into_service(),
        )
}

/// The HTTP application: the provider webhooks, `/healthz` and `/readyz`.
/// Replies are logged, not sent (dry run) until the provider clients arrive.
pub fn app(settings: &Settings) -> axum::Router {
    app_with_outbox(settings, LogOutbox)
}

/// [`app`] with replies going to `outbox` (tests record them).
pub fn app_with_outbox<O: Outbox>(settings: &Settings, outbox: O) -> axum::Router {
    axum::Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(|| async { "ready\n" }))
        .merge(webhook::routes(
            pipeline(outbox.clone()),
            outbox,
            settings.webhooks(),
        ))
}
