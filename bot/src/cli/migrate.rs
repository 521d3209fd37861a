//! `campanile migrate`: create or update the schema, and say what is
//! applied.

use crate::config::Settings;

/// Migrates the database and lists the migrations applied.
///
/// # Errors
///
/// When the database is unreachable or a migration fails.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    super::with_database(&settings, async |db| {
        db.migrate_with::<infra_shop::Migrator>().await?;
        let applied = db.applied_migrations::<infra_shop::Migrator>().await?;
        println!(
            "database {} ({}) is up to date; {} migration(s) applied:",
            settings.database.redacted_url(),
            db.backend_name(),
            applied.len()
        );
        for name in applied {
            println!("  {name}");
        }
        Ok(())
    })
    .await
}
