//! `campanile serve` (the default): the webhooks, health and metrics, the
//! inbox, the dispatcher and (unless `CAMPANILE_WORKERS=off`) the job
//! workers, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use anyhow::Context as _;

use crate::config::Settings;

/// `serve`'s flags.
#[derive(Debug, Default, clap::Args)]
pub struct Args {
    /// Address to listen on [env: CAMPANILE_ADDR, default: 127.0.0.1:8080].
    #[arg(long)]
    addr: Option<SocketAddr>,
}

impl Args {
    /// The settings these flags set, as name and value: they win over the
    /// environment and the file.
    pub(super) fn flags(&self) -> Vec<(&'static str, String)> {
        self.addr
            .map(|addr| ("CAMPANILE_ADDR", addr.to_string()))
            .into_iter()
            .collect()
    }
}

/// Serves until asked to stop, then stops gracefully.
///
/// # Errors
///
/// When the services cannot start, the address cannot be bound, or the
/// server fails.
pub async fn run(settings: Settings) -> anyhow::Result<()> {
    tracing::info!(?settings, "starting");
    let shutdown = super::shutdown_signal()?;
    super::with_services(settings, async |services| {
        services.seed_demo_catalog().await?;
        services.announce();
        if let Some(handle) = crate::telemetry::metrics() {
            crate::telemetry::spawn_upkeep(handle);
        }
        let addr = services.settings.server.addr;
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr().context("listener address")?;
        tracing::info!(
            addr = %local,
            database = services.db.backend_name(),
            "listening; webhooks at /webhooks/twilio and /webhooks/meta, health at /healthz and /readyz, metrics at /metrics"
        );
        crate::server::run(services, listener, shutdown).await
    })
    .await
}
