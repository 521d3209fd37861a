//! `campanile`: the shop bot.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context as _;
use bot::config::{Settings, VARIABLES};
use bot::startup::Services;

use clap::{Parser, Subcommand};
use features::catalog::{ImportCatalog, ListProducts};
use features::invoices::InvoiceNumber;
use framework::PhoneNumber;
use framework::local::Terminal;

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
struct Cli {
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
    Serve {
        /// Address to listen on [env: CAMPANILE_ADDR, default: 127.0.0.1:8080].
        #[arg(long)]
        addr: Option<SocketAddr>,
    },
    /// Chat with the bot in this terminal, through the same pipeline and
    /// database, without any provider. Buttons and lists show as numbered
    /// choices; type a number to pick one, /quit to leave.
    Chat {
        /// The customer number to chat as.
        #[arg(long = "as", default_value = "+919812345678", value_name = "NUMBER")]
        customer: String,
        /// The profile name to send.
        #[arg(long, default_value = "Asha")]
        name: String,
    },
    /// Run only the background job workers (invoices, reminders), no HTTP server, until
    /// Ctrl-C or SIGTERM. `serve` runs them too unless CAMPANILE_WORKERS=off.
    Worker,
    /// Create or update the database schema and exit.
    Migrate,
    /// Manage the catalog.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Invoices: show one (and write its PDF), record a payment, send it
    /// again.
    #[command(subcommand)]
    Invoices(InvoicesCommand),
    /// Schedule a reminder for a customer: sent at that time (moved out of
    /// the quiet hours), as free text inside the 24-hour window and as the
    /// `reminder` template outside it.
    Remind {
        /// The customer (E.164, e.g. +919812345678); they must have written
        /// to the shop before.
        #[arg(long)]
        to: String,
        /// How long from now, e.g. 30m, 2h, 1d.
        #[arg(long = "in", value_name = "DURATION", conflicts_with = "at")]
        after: Option<humantime::Duration>,
        /// When, e.g. 2026-11-23T10:00:00+05:30.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// The message.
        text: String,
    },
    /// Jobs that failed for good (dead letters): list them, or run one again.
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Show the latest entries of the message log.
    Messages {
        /// How many entries.
        #[arg(long, default_value_t = 20)]
        limit: u64,
        /// Only this customer's messages (E.164, e.g. +919812345678).
        #[arg(long)]
        customer: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum InvoicesCommand {
    /// Print an invoice and a signed link to its PDF; with --pdf, write the
    /// PDF there too.
    Show {
        /// The invoice, e.g. INV-00001.
        number: String,
        /// Write the PDF to this file.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
    },
    /// Record that an invoice was paid; its reminders are then not sent.
    Pay {
        /// The invoice, e.g. INV-00001.
        number: String,
        /// The payment's reference (UTR, cheque number).
        #[arg(long)]
        reference: String,
    },
    /// Send an invoice to its customer again (a `send-invoice` job).
    Send {
        /// The invoice, e.g. INV-00001.
        number: String,
    },
}

#[derive(Debug, Subcommand)]
enum JobsCommand {
    /// List a queue's dead jobs with their last error.
    Dead {
        /// process-order, send-invoice or send-reminder.
        queue: String,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Run a dead job again (its attempts start over).
    Retry {
        /// The job's queue.
        queue: String,
        /// The job's id (from `jobs dead`).
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum CatalogCommand {
    /// Import products from a CSV file with the header
    /// `sku,name,aliases,unit,price,stock` (aliases separated by `|`, price in
    /// rupees like 350 or 350.50, empty stock = not tracked). Products are
    /// matched by SKU: new ones are added, known ones updated. Rows that are
    /// not valid are reported with their line number and skipped.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Also deactivate every product not in the file (replace the catalog).
        #[arg(long)]
        replace: bool,
    },
    /// List the active products.
    List,
}

async fn settings(cli: &Cli) -> anyhow::Result<Settings> {
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

async fn serve(mut settings: Settings, addr: Option<SocketAddr>) -> anyhow::Result<()> {
    if let Some(addr) = addr {
        if settings.public_url == format!("http://{}", settings.addr) {
            settings.public_url = format!("http://{addr}");
        }
        settings.addr = addr;
    }
    tracing::info!(?settings, "starting");
    let shutdown = shutdown_signal()?;
    let services = Services::build(settings).await?;
    services.seed_demo_catalog().await?;
    services.announce();
    if let Some(handle) = bot::telemetry::metrics() {
        bot::telemetry::spawn_upkeep(handle);
    }
    let addr = services.settings.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr().context("listener address")?;
    tracing::info!(
        addr = %local,
        database = services.db.backend_name(),
        "listening; webhooks at /webhooks/twilio and /webhooks/meta, health at /healthz and /readyz, metrics at /metrics"
    );
    bot::startup::run(services, listener, shutdown).await
}

async fn chat(settings: Settings, customer: &str, name: String) -> anyhow::Result<()> {
    let customer = PhoneNumber::parse(customer)
        .with_context(|| format!("--as {customer:?} is not a phone number like +919812345678"))?;
    let business = settings
        .twilio
        .whatsapp_from
        .clone()
        .map_or_else(|| PhoneNumber::parse("+14155238886"), Ok)
        .context("business number")?;
    let services = Services::build(settings).await?;
    services.seed_demo_catalog().await?;
    println!(
        "Campanile shop chat (database: {}). Try \"Cement x 100\", then \"1\" to confirm.",
        services.db.backend_name()
    );
    let pipeline = bot::pipeline(services.pipeline_deps());
    // Invoices are issued in the background, as with `serve`.
    let (stop_workers, mut workers_stopped) = tokio::sync::watch::channel(false);
    let workers = tokio::spawn(bot::jobs::run_workers(services.job_deps(), async move {
        let _ = workers_stopped.wait_for(|stop| *stop).await;
    }));
    // What the jobs send this customer (the invoice, reminders) is printed
    // as it is stored.
    let (notices, shown) = tokio::sync::mpsc::unbounded_channel();
    let watch = tokio::spawn(bot::chat_notices(
        services.log.clone(),
        customer.as_str().to_owned(),
        notices,
    ));
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    Terminal::new(pipeline)
        .with_numbers(business, customer)
        .with_profile_name(name)
        .with_notices(shown)
        .run(stdin, tokio::io::stdout())
        .await
        .context("terminal")?;
    watch.abort();
    let _ = stop_workers.send(true);
    if let Err(e) = workers.await {
        tracing::error!(error.message = %e, "job worker task failed");
    }
    services.db.close().await;
    Ok(())
}

async fn worker(settings: Settings) -> anyhow::Result<()> {
    let shutdown = shutdown_signal()?;
    let services = Services::build(settings).await?;
    tracing::info!(
        database = services.db.backend_name(),
        "running the job workers only; Ctrl-C or SIGTERM stops them after the jobs in progress"
    );
    bot::jobs::run_workers(services.job_deps(), shutdown).await;
    services.db.close().await;
    Ok(())
}

async fn migrate(settings: Settings) -> anyhow::Result<()> {
    let db = infra::db::Database::connect(&settings.database).await?;
    db.migrate().await?;
    let applied = db.applied_migrations().await?;
    println!(
        "database {} ({}) is up to date; {} migration(s) applied:",
        settings.database.redacted_url(),
        db.backend_name(),
        applied.len()
    );
    for name in applied {
        println!("  {name}");
    }
    db.close().await;
    Ok(())
}

async fn catalog(settings: Settings, command: CatalogCommand) -> anyhow::Result<()> {
    let services = Services::build(settings).await?;
    match command {
        CatalogCommand::Import { file, replace } => {
            let csv = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let outcome = services
                .shop
                .catalog
                .import(ImportCatalog {
                    csv,
                    currency: services.shop.currency,
                    replace,
                })
                .await;
            let outcome = match outcome {
                Ok(o) => o,
                Err(e) => {
                    services.db.close().await;
                    anyhow::bail!("nothing imported from {}: {e}", file.display());
                }
            };
            println!(
                "imported {}: {} added, {} updated, {} deactivated, {} rejected",
                file.display(),
                outcome.counts.inserted,
                outcome.counts.updated,
                outcome.counts.deactivated,
                outcome.rejected.len()
            );
            for row in &outcome.rejected {
                println!("  line {}: {}", row.line, row.reason);
            }
        }
        CatalogCommand::List => {
            let products = services.shop.catalog.list(ListProducts).await?;
            println!(
                "{:<12} {:<28} {:<8} {:>12} {:>8}  aliases",
                "sku", "name", "unit", "price", "stock"
            );
            for p in products {
                println!(
                    "{:<12} {:<28} {:<8} {:>12} {:>8}  {}",
                    p.sku().as_str(),
                    p.name(),
                    p.unit().as_str(),
                    p.price().to_string(),
                    p.stock().map_or_else(|| "-".to_owned(), |s| s.to_string()),
                    p.aliases().join(", ")
                );
            }
        }
    }
    services.db.close().await;
    Ok(())
}

fn invoice_number(text: &str) -> anyhow::Result<InvoiceNumber> {
    InvoiceNumber::parse(text)
        .with_context(|| format!("{text:?} is not an invoice number like INV-00001"))
}

async fn invoices(settings: Settings, command: InvoicesCommand) -> anyhow::Result<()> {
    let services = Services::build(settings).await?;
    let result = invoices_with(&services, command).await;
    services.db.close().await;
    result
}

async fn invoices_with(services: &Services, command: InvoicesCommand) -> anyhow::Result<()> {
    match command {
        InvoicesCommand::Show { number, pdf } => {
            let number = invoice_number(&number)?;
            let invoice = services
                .invoices
                .invoice(number)
                .await?
                .with_context(|| format!("there is no invoice {number}"))?;
            println!(
                "{number}  order {}  customer {}  total {} (taxable {}, CGST {}, SGST {})  status {}",
                features::shared::OrderNumber::from(invoice.order()),
                invoice.customer().as_str(),
                invoice.total(),
                invoice.taxable(),
                invoice.cgst(),
                invoice.sgst(),
                invoice.status().as_str()
            );
            let now = jiff::Timestamp::now().as_millisecond();
            println!("link: {}", services.documents.links.url(number, now));
            if let Some(path) = pdf {
                let bytes = services.documents.pdf(&invoice)?;
                std::fs::write(&path, bytes)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                println!("PDF written to {}", path.display());
            }
        }
        InvoicesCommand::Pay { number, reference } => {
            let number = invoice_number(&number)?;
            let paid = services
                .invoices
                .record_payment(number, &reference)
                .await
                .with_context(|| format!("cannot record the payment of {number}"))?
                .with_context(|| format!("there is no invoice {number}"))?;
            println!(
                "{number} is paid ({}, reference {}); its reminders will not be sent",
                paid.total(),
                reference.trim()
            );
        }
        InvoicesCommand::Send { number } => {
            let number = invoice_number(&number)?;
            services
                .invoices
                .invoice(number)
                .await?
                .with_context(|| format!("there is no invoice {number}"))?;
            let request = format!("cli-{}", jiff::Timestamp::now().as_millisecond());
            bot::jobs::enqueue_send_invoice(&services.jobs, number, &request)
                .await
                .map_err(|e| anyhow::anyhow!(e))?;
            println!("{number} will be sent by the next worker (`serve` or `worker`)");
        }
    }
    Ok(())
}

async fn remind(
    settings: Settings,
    to: &str,
    after: Option<humantime::Duration>,
    at: Option<String>,
    text: &str,
) -> anyhow::Result<()> {
    let customer = features::shared::CustomerPhone::parse(to)
        .with_context(|| format!("--to {to:?} is not a phone number like +919812345678"))?;
    let at_ms = match (after, at) {
        (Some(d), _) => {
            jiff::Timestamp::now().as_millisecond()
                + i64::try_from(std::time::Duration::from(d).as_millis()).unwrap_or(i64::MAX / 2)
        }
        (None, Some(at)) => at
            .parse::<jiff::Timestamp>()
            .with_context(|| format!("--at {at:?} is not a time like 2026-11-23T10:00:00+05:30"))?
            .as_millisecond(),
        (None, None) => anyhow::bail!("say when: --in 2h or --at 2026-11-23T10:00:00+05:30"),
    };
    if text.trim().is_empty() {
        anyhow::bail!("the reminder's text is empty");
    }
    let services = Services::build(settings).await?;
    let result = bot::jobs::schedule_reminder(&services.job_deps(), &customer, at_ms, text.trim())
        .await
        .map_err(|e| anyhow::anyhow!(e));
    services.db.close().await;
    let id = result?;
    println!(
        "reminder {id} for {} scheduled at {}",
        customer.as_str(),
        jiff::Timestamp::from_millisecond(at_ms)
            .map_or_else(|_| at_ms.to_string(), |t| t.to_string())
    );
    Ok(())
}

async fn jobs(settings: Settings, command: JobsCommand) -> anyhow::Result<()> {
    use framework::jobs::JobQueue as _;
    let services = Services::build(settings).await?;
    let result = match (&services.job_runner, command) {
        // With Redis, BullMQ runs the jobs and keeps their dead letters;
        // the database queue keeps those of relays that never reached it.
        (Some(redis), JobsCommand::Dead { queue, limit }) => {
            println!("BullMQ (the jobs):");
            let ran = jobs_on(
                redis,
                JobsCommand::Dead {
                    queue: queue.clone(),
                    limit,
                },
            )
            .await;
            println!("database (relays that never reached Redis):");
            ran.and(jobs_on(&services.jobs, JobsCommand::Dead { queue, limit }).await)
        }
        (Some(redis), JobsCommand::Retry { queue, id }) => {
            // A BullMQ job id, else a database job's (a relay).
            let on_redis = redis
                .retry_dead(&queue, &framework::jobs::JobId::new(id.clone()))
                .await
                .unwrap_or(false);
            if on_redis {
                println!("job {id} of {queue} is queued again");
                Ok(())
            } else {
                jobs_on(&services.jobs, JobsCommand::Retry { queue, id }).await
            }
        }
        (None, command) => jobs_on(&services.jobs, command).await,
    };
    services.db.close().await;
    result
}

async fn jobs_on(
    jobs: &impl framework::jobs::JobQueue,
    command: JobsCommand,
) -> anyhow::Result<()> {
    match command {
        JobsCommand::Dead { queue, limit } => match jobs.dead(&queue, limit).await {
            Ok(dead) => {
                if dead.is_empty() {
                    println!("no dead jobs in {queue}");
                }
                for job in dead {
                    println!(
                        "#{:<6} attempts {:<3} {}  error: {}",
                        job.id,
                        job.attempts,
                        job.payload,
                        job.error.as_deref().unwrap_or("-")
                    );
                }
                Ok(())
            }
            Err(e) => Err(anyhow::Error::new(e)),
        },
        JobsCommand::Retry { queue, id } => {
            match jobs
                .retry_dead(&queue, &framework::jobs::JobId::new(id.clone()))
                .await
            {
                Ok(true) => {
                    println!("job {id} of {queue} is queued again");
                    Ok(())
                }
                Ok(false) => Err(anyhow::anyhow!("{queue} has no dead job {id}")),
                Err(e) => Err(anyhow::Error::new(e)),
            }
        }
    }
}

async fn messages(settings: Settings, limit: u64, customer: Option<String>) -> anyhow::Result<()> {
    let db = infra::db::Database::connect(&settings.database).await?;
    db.migrate().await?;
    let log = infra::db::messages::MessageLog::new(db.clone());
    let rows = log.recent(customer.as_deref(), limit).await?;
    for row in rows.iter().rev() {
        println!(
            "#{:<5} {:<3} {:<6} {:<16} {:<9} {:<10} {}{}",
            row.id,
            row.direction,
            row.provider,
            row.customer,
            row.kind,
            row.status,
            row.body.as_deref().unwrap_or_default().replace('\n', " / "),
            row.error
                .as_deref()
                .map(|e| format!("  [error: {e}]"))
                .unwrap_or_default()
        );
    }
    db.close().await;
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let quiet = matches!(cli.command, Some(Command::Chat { .. }));
    // The chat shows warnings and what the background jobs did (the
    // invoice issued, sent, its PDF), not every turn's log line.
    bot::telemetry::init_logs(
        cli.json_logs,
        if quiet { "warn,bot::jobs=info" } else { "info" },
    );
    let settings = settings(&cli).await?;
    match cli.command {
        None => serve(settings, None).await,
        Some(Command::Serve { addr }) => serve(settings, addr).await,
        Some(Command::Chat { customer, name }) => chat(settings, &customer, name).await,
        Some(Command::Invoices(command)) => invoices(settings, command).await,
        Some(Command::Remind {
            to,
            after,
            at,
            text,
        }) => remind(settings, &to, after, at, &text).await,
        Some(Command::Jobs(command)) => jobs(settings, command).await,
        Some(Command::Worker) => worker(settings).await,
        Some(Command::Migrate) => migrate(settings).await,
        Some(Command::Catalog(command)) => catalog(settings, command).await,
        Some(Command::Messages { limit, customer }) => messages(settings, limit, customer).await,
    }
}
