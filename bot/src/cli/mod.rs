//! The `campanile` command line: one file per subcommand, each opening what
//! it needs through [`with_services`] (or [`with_database`]), which always
//! closes it.
//!
//! | command | file |
//! |---|---|
//! | `serve` (the default) | [`serve`] |
//! | `chat` | [`chat`] |
//! | `worker` | [`worker`] |
//! | `migrate` | [`migrate`] |
//! | `catalog import`, `catalog list` | [`catalog`] |
//! | `invoices show`, `pay`, `send` | [`invoices`] |
//! | `remind` | [`remind`] |
//! | `jobs dead`, `jobs retry` | [`jobs`] |
//! | `messages` | [`messages`] |

pub mod catalog;
pub mod chat;
pub mod invoices;
pub mod jobs;
pub mod messages;
pub mod migrate;
pub mod remind;
pub mod serve;
pub mod worker;

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::config::{Settings, VARIABLES};
use crate::services::Services;

fn variables_help() -> String {
    let mut out = String::from(
        "Configuration comes from the environment, then the --config file (TOML with the same names); the environment wins, a flag wins over both:\n",
    );
    for (name, what) in VARIABLES {
        let _ = write!(out, "\n  {name:<28} {what}");
    }
    out.push_str(
        "\n\nWithout provider credentials the bot runs in dry run: replies are logged and recorded in the message log, never sent. `campanile chat` talks to the bot in the terminal with no provider at all.",
    );
    out
}

/// Campanile, a WhatsApp shop bot on tower services.
#[derive(Debug, Parser)]
#[command(name = "campanile", version, about, after_long_help = variables_help())]
pub struct Cli {
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, global = true)]
    json_logs: bool,

    /// A TOML file of settings (names as in the environment).
    #[arg(long, global = true, env = "CAMPANILE_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// The database, e.g. sqlite://shop.db?mode=rwc or postgres://… [default: ./campanile.db]
    #[arg(long, global = true, value_name = "URL")]
    database_url: Option<String>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the webhooks, health and metrics endpoints and send replies (the default).
    Serve(serve::Args),
    /// Chat with the bot in this terminal, through the same pipeline and
    /// database, without any provider. Buttons and lists show as numbered
    /// choices; type a number to pick one, /quit to leave.
    Chat(chat::Args),
    /// Run only the background job workers (invoices, reminders), no HTTP server, until
    /// Ctrl-C or SIGTERM. `serve` runs them too unless CAMPANILE_WORKERS=off.
    Worker,
    /// Create or update the database schema and exit.
    Migrate,
    /// Manage the catalog.
    #[command(subcommand)]
    Catalog(catalog::Command),
    /// Invoices: show one (and write its PDF), record a payment, send it
    /// again.
    #[command(subcommand)]
    Invoices(invoices::Command),
    /// Schedule a reminder for a customer: sent at that time (moved out of
    /// the quiet hours), as free text inside the 24-hour window and as the
    /// `reminder` template outside it.
    Remind(remind::Args),
    /// Jobs that failed for good (dead letters): list them, or run one again.
    #[command(subcommand)]
    Jobs(jobs::Command),
    /// Show the latest entries of the message log.
    Messages(messages::Args),
}

/// Runs the command line: logs, settings, then the subcommand.
///
/// # Errors
///
/// Whatever the subcommand reports; the binary prints it and exits 1.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let quiet = matches!(cli.command, Some(Command::Chat(_)));
    // The chat shows warnings and what the background jobs did (the
    // invoice issued, sent, its PDF), not every turn's log line.
    crate::telemetry::init_logs(
        cli.json_logs,
        if quiet { "warn,bot::jobs=info" } else { "info" },
    );
    let settings = settings(&cli)?;
    match cli.command {
        None => serve::run(settings, serve::Args::default()).await,
        Some(Command::Serve(args)) => serve::run(settings, args).await,
        Some(Command::Chat(args)) => chat::run(settings, args).await,
        Some(Command::Worker) => worker::run(settings).await,
        Some(Command::Migrate) => migrate::run(settings).await,
        Some(Command::Catalog(command)) => catalog::run(settings, command).await,
        Some(Command::Invoices(command)) => invoices::run(settings, command).await,
        Some(Command::Remind(args)) => remind::run(settings, args).await,
        Some(Command::Jobs(command)) => jobs::run(settings, command).await,
        Some(Command::Messages(args)) => messages::run(settings, args).await,
    }
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let mut settings = Settings::load(cli.config.as_deref())?;
    if let Some(url) = &cli.database_url {
        settings.database = infra::db::DatabaseSettings::new(Some(url));
    }
    if let Some(key) = settings.log_pseudonym_key.as_deref() {
        // The length was checked with the other settings.
        framework::trace::set_pseudonym_key(key.as_bytes());
    }
    Ok(settings)
}

/// Opens the services (database, migrations, stores, clients), runs `f`
/// with them, and closes them whatever `f` returned.
///
/// # Errors
///
/// When the services cannot be opened, or what `f` returns.
pub async fn with_services<T>(
    settings: Settings,
    f: impl AsyncFnOnce(&Services) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let services = Services::build(settings).await?;
    let result = f(&services).await;
    services.close().await;
    result
}

/// Opens the database only (no migrations, services or clients), runs `f`
/// with it, and closes it whatever `f` returned: for commands that must not
/// need anything else (`migrate`, `messages`).
///
/// # Errors
///
/// When the database is unreachable, or what `f` returns.
pub async fn with_database<T>(
    settings: &Settings,
    f: impl AsyncFnOnce(&infra::db::Database) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let db = infra::db::Database::connect(&settings.database).await?;
    let result = f(&db).await;
    db.close().await;
    result
}

/// A future that resolves when the process is asked to stop (Ctrl-C or
/// SIGTERM). The handlers are installed when this returns, before the
/// server says it listens: a signal that arrives right after that is a
/// graceful stop, not a kill.
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for Ctrl-C")?;
        let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
            tracing::info!("shutting down: finishing in-flight turns");
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            if let Err(e) = tokio::signal::ctrl_c().await {
                tracing::error!(error.message = %e, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
            tracing::info!("shutting down: finishing in-flight turns");
        })
    }
}
