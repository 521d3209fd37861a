//! Run with `cargo run -p example-echo-bot` and point Twilio's WhatsApp
//! sandbox at `{PUBLIC_URL}/webhooks/twilio`, Meta's webhook at
//! `{PUBLIC_URL}/webhooks/meta` (e.g. through `ngrok http 3000`).
//!
//! An echo bot on both providers, durable end to end: the webhook routes
//! verify each request's signature; each message is recorded in a SQLite
//! file before the webhook is answered, then run (one at a time per
//! customer) with its session and its echo committed together
//! ([`TurnCommit`]); a dispatcher sends the stored echo through the Twilio
//! Messages API or the Meta Cloud API. A crash anywhere loses nothing: the
//! next start runs what was recorded and sends what was stored. Because
//! every message is recorded, an `infra_sql::sender::Sender` on the same
//! outbox can reach these customers later.
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
use framework::pipeline::boxed;
use framework::session::{InMemConversationLock, SessionLayer};
use framework::webhook::{WebhookConfig, routes_with_ingress};
use infra_providers::Providers;
use infra_providers::meta::{MetaClient, MetaConfig};
use infra_providers::twilio::{TwilioClient, TwilioConfig};
use infra_sql::inbound::{Inbox, InboxConfig, InboxIngress, TurnCommit};
use infra_sql::messages::InboxQueue;
use infra_sql::outbox::{DbOutbox, DispatchConfig, Dispatcher, RenderConfig};
use infra_sql::sessions::DbSessionStore;
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

/// The bot's parts: the webhook routes, the inbox that runs what they
/// record, the dispatcher that sends what the turns store.
struct Bot {
    app: axum::Router,
    inbox: Inbox,
    dispatcher: Dispatcher<Providers>,
    /// Where a `Sender` stores proactive messages (the tests send one).
    #[cfg_attr(not(test), allow(dead_code))]
    outbox: DbOutbox,
}

async fn bot(settings: &Settings) -> anyhow::Result<Bot> {
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
    let (queue, outbox) = (
        InboxQueue::new(db.clone()),
        DbOutbox::new(db.clone(), RenderConfig::default()),
    );
    let sessions = SessionLayer::new(DbSessionStore::new(db), InMemConversationLock::new())
        .with_turn_scope(TurnCommit::new(queue.clone()));
    let pipeline = ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .layer(sessions)
        .deliver(outbox.clone())
        .service(Router::new().fallback(echo).into_service());
    let inbox = Inbox::new(
        queue,
        outbox.clone(),
        boxed(pipeline),
        InboxConfig::default(),
    );
    Ok(Bot {
        app: routes_with_ingress(InboxIngress::new(inbox.clone()), webhooks),
        inbox,
        dispatcher: outbox.dispatcher(providers, DispatchConfig::default()),
        outbox,
    })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Each turn, each refused signature, each send: `info` unless RUST_LOG says otherwise.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let settings = Settings::from_env();
    anyhow::ensure!(
        settings.twilio.is_some() || settings.meta.is_some(),
        "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, or META_APP_SECRET, META_VERIFY_TOKEN and META_ACCESS_TOKEN"
    );
    let Bot {
        app,
        inbox,
        dispatcher,
        ..
    } = bot(&settings).await?;
    let (stop, stopped) = tokio::sync::watch::channel(());
    let until_stopped = move || {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.changed().await;
        }
    };
    let running = tokio::spawn(inbox.run_sweeps(until_stopped()));
    let sending = tokio::spawn(dispatcher.run(until_stopped()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .context("cannot listen on 127.0.0.1:3000")?;
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    drop(stop);
    running.await?;
    sending.await?;
    Ok(())
}

#[cfg(test)]
mod tests;
