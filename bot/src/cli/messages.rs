//! `campanile messages`: the latest entries of the message log.

use infra_sql::messages::{MessageStatus, OutboundStatus};

use crate::config::Settings;

/// `messages`' flags.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many entries.
    #[arg(long, default_value_t = 20)]
    limit: u64,
    /// Only this customer's messages (E.164, e.g. +919812345678).
    #[arg(long)]
    customer: Option<String>,
    /// Only outbound messages in this status: pending, queued, sent,
    /// delivered, read, failed, dry_run, local, or unknown (sent, but
    /// whether the provider took it is unknown and it was not sent again:
    /// review these).
    #[arg(long, value_parser = outbound_status)]
    status: Option<OutboundStatus>,
}

/// An outbound status by its stored name.
fn outbound_status(text: &str) -> Result<OutboundStatus, String> {
    OutboundStatus::parse(text).ok_or_else(|| {
        "expected pending, queued, sent, delivered, read, failed, dry_run, local or unknown"
            .to_owned()
    })
}

/// Prints the entries, oldest first.
///
/// # Errors
///
/// When the database cannot be read.
pub async fn run(settings: Settings, args: Args) -> anyhow::Result<()> {
    super::with_database(&settings, async |db| {
        db.migrate_with::<infra_shop::Migrator>().await?;
        let log = infra_sql::messages::MessageQueries::new(db.clone());
        let status = args.status.map(MessageStatus::Out);
        let rows = log
            .recent_in(args.customer.as_deref(), status, args.limit)
            .await?;
        if rows.is_empty() && status.is_some() {
            println!("no messages in that status");
        }
        for row in rows.iter().rev() {
            println!(
                "#{:<5} {:<3} {:<6} {:<16} {:<9} {:<10} {}{}",
                row.id,
                row.direction().as_str(),
                row.provider.as_str(),
                row.customer,
                row.kind,
                row.status.as_str(),
                row.body.as_deref().unwrap_or_default().replace('\n', " / "),
                row.error
                    .as_deref()
                    .map(|e| format!("  [error: {e}]"))
                    .unwrap_or_default()
            );
        }
        Ok(())
    })
    .await
}
