//! The server: the HTTP application, the inbox's sweeps, the outbox's
//! dispatcher and the job workers, started together and stopped together.

use std::future::Future;

use tokio::net::TcpListener;

use crate::services::Services;

/// Serves `services` on `listener`, runs recorded messages and sends
/// replies until `shutdown` resolves; then stops taking requests, finishes
/// the turns in flight, lets the dispatcher finish the sends in flight, and returns.
/// The caller closes the services (`cli::with_services` does).
///
/// Connections are served by [`crate::http::serve`]: up to
/// `CAMPANILE_MAX_CONNECTIONS`, each closed when its client takes too long
/// (`CAMPANILE_HEADER_TIMEOUT`, `CAMPANILE_BODY_TIMEOUT`,
/// `CAMPANILE_IDLE_TIMEOUT`); a slow client delays the shutdown by at most
/// one of these.
///
/// # Errors
///
/// None today; the `Result` is kept for the wiring's callers.
pub async fn run(
    services: &Services,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let dispatcher = services.dispatcher();
    let mut dispatcher_stop = stop_rx.clone();
    let dispatcher = tokio::spawn(dispatcher.run(async move {
        let _ = dispatcher_stop.wait_for(|stop| *stop).await;
    }));
    let ingress = services.ingress();
    let (inbox_stop_tx, mut inbox_stop) = tokio::sync::watch::channel(false);
    let sweeps = tokio::spawn(ingress.inbox().clone().run_sweeps(async move {
        let _ = inbox_stop.wait_for(|stop| *stop).await;
    }));
    let (workers_stop_tx, mut workers_stop) = tokio::sync::watch::channel(false);
    let workers = services.settings.workers.run.then(|| {
        tokio::spawn(crate::jobs::run_workers(services.job_deps(), async move {
            let _ = workers_stop.wait_for(|stop| *stop).await;
        }))
    });
    let app = crate::http::app(services, ingress);
    crate::http::serve::serve(listener, app, &services.settings.server, shutdown).await;
    tracing::info!(
        "server stopped; finishing the turns in flight, then the dispatcher's sends in flight"
    );
    let _ = inbox_stop_tx.send(true);
    if let Err(e) = sweeps.await {
        tracing::error!(error.message = %e, "inbox task failed");
    }
    let _ = workers_stop_tx.send(true);
    if let Some(workers) = workers
        && let Err(e) = workers.await
    {
        tracing::error!(error.message = %e, "job worker task failed");
    }
    let _ = stop_tx.send(true);
    if let Err(e) = dispatcher.await {
        tracing::error!(error.message = %e, "dispatcher task failed");
    }
    Ok(())
}
