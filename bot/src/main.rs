//! `campanile`: the shop bot.

use std::net::SocketAddr;

use anyhow::Context as _;
use bot::config::Settings;
use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

/// Campanile, a WhatsApp shop bot on tower services.
///
/// Without provider credentials the bot runs in dry-run: webhooks of a
/// provider whose secret is unset are refused (403), and replies are logged
/// instead of sent.
#[derive(Debug, Parser)]
#[command(name = "campanile", version, about, long_about)]
struct Cli {
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true)]
    json_logs: bool,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the webhooks and health endpoints (the default).
    Serve(ServeArgs),
}

#[derive(Debug, Clone, clap::Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CAMPANILE_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,

    #[arg(
        long,
        env = "CAMPANILE_PUBLIC_URL",
        help = "The scheme, host and port providers call (Twilio signs URLs built from it), e.g. https://bot.example.com [default: http://<addr>]"
    )]
    public_url: Option<String>,

    /// Twilio auth token; verifies Twilio webhooks.
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    twilio_auth_token: Option<String>,

    /// Meta app secret; verifies Meta webhooks.
    #[arg(long, env = "META_APP_SECRET", hide_env_values = true)]
    meta_app_secret: Option<String>,

    /// The verify token Meta's subscription handshake must present.
    #[arg(long, env = "META_VERIFY_TOKEN", hide_env_values = true)]
    meta_verify_token: Option<String>,

    /// A secret (16 bytes or more) that keys the conversation pseudonyms in
    /// logs, so they match across instances and restarts (random per process
    /// when unset).
    #[arg(long, env = "CAMPANILE_LOG_PSEUDONYM_KEY", hide_env_values = true)]
    log_pseudonym_key: Option<String>,
}

impl Default for ServeArgs {
    fn default() -> Self {
        // Parsing an empty argument list applies the env vars and defaults.
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            args: ServeArgs,
        }
        Only::parse_from(["campanile"]).args
    }
}

impl ServeArgs {
    fn settings(self) -> Settings {
        if let Some(key) = self.log_pseudonym_key.as_deref().filter(|k| !k.is_empty())
            && !framework::trace::set_pseudonym_key(key.as_bytes())
        {
            tracing::warn!(
                min_len = framework::trace::MIN_PSEUDONYM_KEY_LEN,
                "CAMPANILE_LOG_PSEUDONYM_KEY is too short and is ignored; log pseudonyms use a random key"
            );
        }
        let public_url = self
            .public_url
            .unwrap_or_else(|| format!("http://{}", self.addr));
        Settings {
            addr: self.addr,
            public_url,
            twilio_auth_token: self.twilio_auth_token.filter(|t| !t.is_empty()),
            meta_app_secret: self.meta_app_secret.filter(|t| !t.is_empty()),
            meta_verify_token: self.meta_verify_token.filter(|t| !t.is_empty()),
        }
    }
}

fn init_logs(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Resolves when the process is asked to stop (Ctrl-C or SIGTERM).
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error.message = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error.message = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    if settings.twilio_auth_token.is_none() {
        tracing::warn!("TWILIO_AUTH_TOKEN is not set: Twilio webhooks are refused (403)");
    }
    if settings.meta_app_secret.is_none() || settings.meta_verify_token.is_none() {
        tracing::warn!(
            "META_APP_SECRET / META_VERIFY_TOKEN are not set: Meta webhooks are refused (403)"
        );
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .with_context(|| format!("cannot listen on {}", settings.addr))?;
    let addr = listener.local_addr().context("listener address")?;
    tracing::info!(%addr, "listening; webhooks at /webhooks/twilio and /webhooks/meta");
    axum::serve(listener, bot::app(&settings))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    init_logs(cli.json_logs);
    match cli.command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(args) => serve(args.settings()).await,
    }
}
