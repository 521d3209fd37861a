//! `campanile messages`: the latest entries of the message log.

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
        let rows = log.recent(args.customer.as_deref(), args.limit).await?;
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
