//! `campanile catalog import|sync|list`: the catalog from a CSV file or
//! from Zoho CRM, and what is on sale.

use std::path::PathBuf;

use anyhow::Context as _;
use features::catalog::{ImportCatalog, ListProducts};

use crate::config::Settings;

/// `catalog`'s subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
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
    /// Sync the catalog from Zoho CRM now (needs ZOHO_CLIENT_ID,
    /// ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN): products only Zoho has are
    /// added, known ones (product code = SKU) take Zoho's name, price and
    /// stock, products synced earlier that Zoho no longer lists are
    /// deactivated; products never synced are left alone. Every page is
    /// read before anything changes: when Zoho fails, the catalog is as it
    /// was.
    Sync,
    /// List the active products.
    List,
}

/// Runs a `catalog` subcommand.
///
/// # Errors
///
/// A file that cannot be read, a CSV that cannot be imported at all, or a
/// storage failure.
pub async fn run(settings: Settings, command: Command) -> anyhow::Result<()> {
    super::with_services(settings, async |services| match command {
        Command::Import { file, replace } => {
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
                .await
                .map_err(|e| anyhow::anyhow!("nothing imported from {}: {e}", file.display()))?;
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
            Ok(())
        }
        Command::Sync => {
            let Some(zoho) = services.zoho.clone() else {
                anyhow::bail!(
                    "Zoho CRM is not configured: set ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET and ZOHO_REFRESH_TOKEN (see campanile --help)"
                );
            };
            let bar = indicatif::ProgressBar::new_spinner().with_message("reading products from Zoho CRM");
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            let progress = bar.clone();
            let report = crate::zoho::sync_catalog(&zoho, &services.shop.catalog, &services.db, move |n| {
                progress.set_message(format!("{n} products read from Zoho CRM"));
            })
            .await;
            bar.finish_and_clear();
            let report = report.context("catalog sync failed; the catalog is unchanged")?;
            let c = report.outcome.counts;
            println!(
                "synced {} products from Zoho CRM: {} added, {} updated, {} deactivated, {} unchanged, {} skipped",
                report.fetched,
                c.added,
                c.updated,
                c.deactivated,
                c.unchanged,
                report.outcome.skipped.len() + report.unusable.len()
            );
            for reason in &report.unusable {
                println!("  skipped: {reason}");
            }
            for skipped in &report.outcome.skipped {
                println!("  skipped {}: {}", skipped.sku, skipped.reason);
            }
            Ok(())
        }
        Command::List => {
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
            Ok(())
        }
    })
    .await
}
