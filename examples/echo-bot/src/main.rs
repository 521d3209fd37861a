//! Run with `cargo run -p example-echo-bot` and point Twilio's WhatsApp
//! sandbox at `{PUBLIC_URL}/webhooks/twilio`, Meta's webhook at
//! `{PUBLIC_URL}/webhooks/meta` (e.g. through `ngrok http 3000`).
//!
//! An echo bot on both providers: the webhook routes verify each request's
//! signature, the echo is stored in a durable outbox (a SQLite file) before
//! the webhook is answered, and a dispatcher sends it through the Twilio
//! Messages API or the Meta Cloud API. A crash between the two loses
//! nothing: the next start sends what is stored.
//!
//! | variable | what |
//! |---|---|
//! | `PUBLIC_URL` | the URL the providers call (Twilio signs it) [default: `http://127.0.0.1:3000`] |
//! | `DATABASE_URL` | where the outbox is [default: `sqlite://echo.db?mode=rwc`] |
//! | `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` | Twilio's webhooks and sends (both unset: Twilio off) |
//! | `META_APP_SECRET`, `META_VERIFY_TOKEN`, `META_ACCESS_TOKEN` | Meta's webhooks and sends (unset: Meta off) |
//! | `TWILIO_API_BASE`, `META_API_BASE` | the providers' APIs, e.g. a fake's [default: the real ones] |
//!
//! ```text
//! customer: Cement x 100
//! bot:      You said: Cement x 100
//! ```

use anyhow::Context as _;
use framework::ServiceBuilderExt as _;
use framework::dedup::InMemSeenStore;
use framework::handler::{Router, Text};
use framework::webhook::{self, WebhookConfig};
use infra_providers::Providers;
use infra_providers::meta::{MetaClient, MetaConfig};
use infra_providers::twilio::{TwilioClient, TwilioConfig};
use infra_sql::outbox::{DbOutbox, DispatchConfig, Dispatcher, RenderConfig};
use infra_sql::{Database, DatabaseSettings};
use tower::ServiceBuilder;

async fn echo(Text(text): Text) -> String {
    format!("You said: {text}")
}

/// The bot's settings; [`Settings::from_env`] reads them.
#[derive(Debug, Clone, Default)]
struct Settings {
    public_url: String,
    database_url: String,
    /// Account SID and auth token.
    twilio: Option<(String, String)>,
    twilio_api_base: Option<String>,
    /// App secret, verify token and access token.
    meta: Option<(String, String, String)>,
    meta_api_base: Option<String>,
}

impl Settings {
    fn from_env() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v: &String| !v.is_empty());
        Self {
            public_url: var("PUBLIC_URL").unwrap_or_else(|| "http://127.0.0.1:3000".to_owned()),
            database_url: var("DATABASE_URL").unwrap_or_else(|| "sqlite://echo.db?mode=rwc".into()),
            twilio: var("TWILIO_ACCOUNT_SID").zip(var("TWILIO_AUTH_TOKEN")),
            twilio_api_base: var("TWILIO_API_BASE"),
            meta: var("META_APP_SECRET")
                .zip(var("META_VERIFY_TOKEN"))
                .zip(var("META_ACCESS_TOKEN"))
                .map(|((secret, verify), token)| (secret, verify, token)),
            meta_api_base: var("META_API_BASE"),
        }
    }
}

/// The webhook routes, and the dispatcher that sends what they store.
async fn bot(settings: &Settings) -> anyhow::Result<(axum::Router, Dispatcher<Providers>)> {
    let db = Database::connect(&DatabaseSettings::new(Some(&settings.database_url))).await?;
    db.migrate().await?;
    let (mut providers, mut webhooks) = (Providers::new(), WebhookConfig::new());
    if let Some((sid, token)) = &settings.twilio {
        let mut config = TwilioConfig::new(sid, token);
        if let Some(base) = &settings.twilio_api_base {
            config = config.with_base_url(base);
        }
        providers = providers.with_twilio(TwilioClient::new(config)?);
        webhooks = webhooks.with_twilio(token, &settings.public_url);
    }
    if let Some((app_secret, verify_token, access_token)) = &settings.meta {
        let mut config = MetaConfig::new(access_token);
        if let Some(base) = &settings.meta_api_base {
            config = config.with_base_url(base);
        }
        providers = providers.with_meta(MetaClient::new(config)?);
        webhooks = webhooks.with_meta(app_secret, verify_token);
    }
    let outbox = DbOutbox::new(db, RenderConfig::default());
    let dispatcher = outbox.dispatcher(providers, DispatchConfig::default());
    let pipeline = ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .service(Router::new().fallback(echo).into_service());
    Ok((webhook::routes(pipeline, outbox, webhooks), dispatcher))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt::init();
    let settings = Settings::from_env();
    anyhow::ensure!(
        settings.twilio.is_some() || settings.meta.is_some(),
        "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or META_APP_SECRET, META_VERIFY_TOKEN and META_ACCESS_TOKEN"
    );
    let (app, dispatcher) = bot(&settings).await?;
    let (stop, stopped) = tokio::sync::watch::channel(());
    let sending = tokio::spawn(dispatcher.run(async move {
        let mut stopped = stopped;
        let _ = stopped.changed().await;
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .context("cannot listen on 127.0.0.1:3000")?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    drop(stop);
    sending.await?;
    Ok(())
}

#[cfg(test)]
mod tests;
