//! `campanile worker`: only the background job workers, until Ctrl-C or
//! SIGTERM.

use crate::config::Settings;

/// Runs the workers until asked to stop, then lets the jobs in progress
/// finish.
///
/// # Errors
///
/// When the services cannot start.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    let shutdown = super::shutdown_signal()?;
    super::with_services(settings, async |services| {
        tracing::info!(
            database = services.db.backend_name(),
            "running the job workers only; Ctrl-C or SIGTERM stops them after the jobs in progress"
        );
        crate::jobs::run_workers(services.job_deps(), shutdown).await;
        Ok(())
    })
    .await
}
