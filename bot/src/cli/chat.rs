//! `campanile chat`: a conversation with the bot in this terminal, through
//! the webhook's ingress and inbox and the same database, without any
//! provider; the job workers run too, and what they send this customer (an
//! invoice, a reminder) is printed between turns.

use std::time::Duration;

use anyhow::Context as _;
use framework::PhoneNumber;
use framework::local::Terminal;

use crate::config::Settings;
use infra_sql::inbound::ChatIngress;

/// How often the log is read for the job messages to print.
const NOTICE_POLL: Duration = Duration::from_millis(300);

/// `chat`'s flags.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The customer number to chat as.
    #[arg(long = "as", default_value = "+919812345678", value_name = "NUMBER")]
    customer: String,
    /// The profile name to send.
    #[arg(long, default_value = "Asha")]
    name: String,
}

/// Chats until the input ends or `/quit`.
///
/// # Errors
///
/// A customer number that does not parse, services that cannot start, or
/// the terminal's IO.
pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    let customer = PhoneNumber::parse(&args.customer).with_context(|| {
        format!(
            "--as {:?} is not a phone number like +919812345678",
            args.customer
        )
    })?;
    let business = settings
        .twilio
        .whatsapp_from
        .clone()
        .map_or_else(|| PhoneNumber::parse("+14155238886"), Ok)
        .context("business number")?;
    super::with_services(settings, async |services| {
        services.seed_demo_catalog().await?;
        println!(
            "Campanile shop chat (database: {}). Try \"Cement x 100\", then \"1\" to confirm.",
            services.db.backend_name()
        );
        // Invoices are issued in the background, as with `serve`.
        let (stop_workers, mut workers_stopped) = tokio::sync::watch::channel(false);
        let workers = tokio::spawn(crate::jobs::run_workers(services.job_deps(), async move {
            let _ = workers_stopped.wait_for(|stop| *stop).await;
        }));
        // What the jobs send this customer is printed as it is stored.
        let (notices, shown) = tokio::sync::mpsc::unbounded_channel();
        let watch = tokio::spawn(job_notices(
            services.messages.clone(),
            customer.as_str().to_owned(),
            notices,
        ));
        // The longest a turn may take: its wait for the lane and its run.
        let turn = framework::session::SessionConfig::default();
        let patience = turn.lock_wait() + turn.max_turn();
        let ingress = ChatIngress::new(services.ingress(), patience);
        let stdin = tokio::io::BufReader::new(tokio::io::stdin());
        let chatted = Terminal::new(ingress)
            .with_numbers(business, customer)
            .with_profile_name(args.name)
            .with_notices(shown)
            .run(stdin, tokio::io::stdout())
            .await
            .context("terminal");
        watch.abort();
        let _ = stop_workers.send(true);
        if let Err(e) = workers.await {
            tracing::error!(error.message = %e, "job worker task failed");
        }
        chatted
    })
    .await
}

/// Sends `customer`'s job messages (an invoice, a reminder) to `notices` as
/// they are stored, reading the message log every [`NOTICE_POLL`], until
/// the receiver is gone. The log, not this process, is read: with Redis,
/// another instance's worker may have sent them.
async fn job_notices(
    log: infra_sql::messages::MessageQueries,
    customer: String,
    notices: tokio::sync::mpsc::UnboundedSender<String>,
) {
    let mut after = None;
    loop {
        match log.job_messages(&customer, after).await {
            Ok((messages, last)) => {
                after = Some(last);
                for (_, body) in messages {
                    if notices.send(body).is_err() {
                        return;
                    }
                }
            }
            Err(e) => tracing::warn!(error.message = %e, "cannot read the chat's job messages"),
        }
        if notices.is_closed() {
            return;
        }
        tokio::time::sleep(NOTICE_POLL).await;
    }
}
