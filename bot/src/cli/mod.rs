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
//! | `campaign create`, `list`, `status`, `preview`, `start`, `pause`, `resume`, `cancel`, `watch`, `recipients` | [`campaign`] |
//! | `catalog import`, `catalog sync`, `catalog list` | [`catalog`] |
//! | `customers tag`, `untag`, `show`, `opt-out`, `opt-in` | [`customers`] |
//! | `faq check`, `faq ask` | [`faq`] |
//! | `invoices show`, `pay`, `send` | [`invoices`] |
//! | `remind` | [`remind`] |
//! | `jobs dead`, `jobs retry` | [`jobs`] |
//! | `messages` | [`messages`] |

pub mod campaign;
pub mod catalog;
pub mod chat;
pub mod customers;
pub mod faq;
pub mod invoices;
pub mod jobs;
pub mod messages;
pub mod migrate;
pub mod remind;
pub mod rules;
pub mod serve;
pub mod status;
pub mod worker;

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{CommandFactory as _, Parser, Subcommand};
use secrecy::ExposeSecret as _;

use crate::config::Settings;
use crate::services::Services;

/// Where the help's descriptions of the variables wrap.
const HELP_WIDTH: usize = 100;

/// The column the descriptions of the variables start at.
const HELP_INDENT: usize = 31;

/// The settings, listed from their declarations ([`Settings::SECTIONS`]).
fn variables_help() -> String {
    let mut out = String::from(
        "Configuration comes from the environment, then the --config file (TOML with the same names); the environment wins, a flag wins over both. Durations are written like 90s, 30m, 24h or 7d.\n",
    );
    for section in Settings::SECTIONS {
        let _ = write!(out, "\n{}:", section.title);
        for variable in section.variables {
            let _ = write!(out, "\n  {:<w$} ", variable.name, w = HELP_INDENT - 3);
            let mut column = HELP_INDENT.max(variable.name.len() + 3);
            // Word-wrapped, continued under the first column of
            // descriptions; a `[default: …]` keeps its first word.
            let help = variable.help().replace("[default: ", "[default:\u{a0}");
            for (i, word) in help.split(' ').enumerate() {
                let width = word.chars().count();
                if i > 0 && column + 1 + width > HELP_WIDTH {
                    let _ = write!(out, "\n{:w$}", "", w = HELP_INDENT);
                    column = HELP_INDENT;
                } else if i > 0 {
                    out.push(' ');
                    column += 1;
                }
                out.push_str(&word.replace('\u{a0}', " "));
                column += width;
            }
        }
        out.push('\n');
    }
    out.push_str(
        "\nWithout provider credentials the bot runs in dry run: replies are logged and recorded in the message log, never sent. `campanile chat` talks to the bot in the terminal with no provider at all.",
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
    /// Customers: tag them (campaign audiences), show their tags and
    /// consent, opt them out or back in.
    #[command(subcommand)]
    Customers(customers::Command),
    /// The FAQ support answers come from: check a file (entries per
    /// language, or the field that is wrong), or ask a question and see what
    /// a customer would get, why, and the FAQ's best matches with their
    /// scores.
    #[command(subcommand)]
    Faq(faq::Command),
    /// Automation rules: import a TOML file, list, show, switch on or off,
    /// delete, dry-run against the last days, see their runs.
    #[command(subcommand)]
    Rules(rules::Command),
    /// Campaigns: write, preview, start, pause, resume, cancel, watch.
    #[command(subcommand)]
    Campaign(campaign::Command),
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
    /// Ask a running instance whether it is ready: its database, Redis, and
    /// each provider's circuit breaker (closed, open, half_open). Exits 1
    /// when it is not ready or does not answer.
    Status(status::Args),
}

/// Runs the command line: logs, settings, then the subcommand.
///
/// # Errors
///
/// Whatever the subcommand reports; the binary prints it and exits 1.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let quiet = matches!(cli.command, Some(Command::Chat(_) | Command::Faq(_)));
    // The chat shows warnings and what the background jobs did (the
    // invoice issued, sent, its PDF), not every turn's log line.
    crate::telemetry::init_logs(
        cli.json_logs,
        if quiet { "warn,bot::jobs=info" } else { "info" },
    );
    let settings = settings(&cli)?;
    match cli.command {
        None | Some(Command::Serve(_)) => serve::run(settings).await,
        Some(Command::Chat(args)) => chat::run(settings, args).await,
        Some(Command::Worker) => worker::run(settings).await,
        Some(Command::Migrate) => migrate::run(settings).await,
        Some(Command::Catalog(command)) => catalog::run(settings, command).await,
        Some(Command::Customers(command)) => customers::run(settings, command).await,
        Some(Command::Faq(command)) => faq::run(settings, command).await,
        Some(Command::Campaign(command)) => campaign::run(settings, command).await,
        Some(Command::Rules(command)) => rules::run(settings, command).await,
        Some(Command::Invoices(command)) => invoices::run(settings, command).await,
        Some(Command::Remind(args)) => remind::run(settings, args).await,
        Some(Command::Jobs(command)) => jobs::run(settings, command).await,
        Some(Command::Messages(args)) => messages::run(settings, args).await,
        Some(Command::Status(args)) => status::run(settings, args).await,
    }
}

/// The settings: the environment over the `--config` file, with the flags
/// over both.
fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    let mut flags = Vec::new();
    if let Some(url) = &cli.database_url {
        flags.push(("DATABASE_URL", url.clone()));
    }
    if let Some(Command::Serve(args)) = &cli.command {
        flags.extend(args.flags());
    }
    let settings = Settings::load(cli.config.as_deref(), &flags)?;
    warn_about_unknown_variables();
    if let Some(key) = &settings.log.pseudonym_key {
        // The length was checked with the other settings.
        framework::trace::set_pseudonym_key(key.expose_secret().as_bytes());
    }
    Ok(settings)
}

/// Warns about each `CAMPANILE_*` variable that is no setting (nor read by
/// the command line itself, like `CAMPANILE_CONFIG`): it is ignored, and
/// usually a typo.
fn warn_about_unknown_variables() {
    let command = Cli::command();
    let read_by_flags: Vec<String> = command
        .get_arguments()
        .filter_map(|arg| arg.get_env()?.to_str().map(str::to_owned))
        .collect();
    let names: Vec<String> = std::env::vars_os()
        .filter_map(|(name, _)| name.into_string().ok())
        .filter(|name| !read_by_flags.contains(name))
        .collect();
    for unknown in crate::config::unknown_variables(names.iter().map(String::as_str)) {
        tracing::warn!(
            variable = %unknown.name,
            closest = unknown.closest,
            "{} is not a setting and is ignored; did you mean {}?",
            unknown.name,
            unknown.closest
        );
    }
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
    f: impl AsyncFnOnce(&infra_sql::Database) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let db = infra_sql::Database::connect(&settings.database).await?;
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
