//! The HTTP server's connections: accepted up to a cap, each closed when
//! its client takes too long, all finished gracefully on shutdown.
//!
//! [`serve`] replaces `axum::serve`, which waits for a client forever: an
//! idle connection, or one sending a byte every few seconds, stayed open
//! for as long as the client liked, and a few thousand of them took the
//! process's file descriptors and memory.
//!
//! | setting | default | what happens |
//! |---|---|---|
//! | `CAMPANILE_HEADER_TIMEOUT` | 10 s | a request's headers not finished this long after the connection opened, or after the first byte of the next request: the connection is closed |
//! | `CAMPANILE_BODY_TIMEOUT` | 30 s | a request's body not whole this long after its headers: 408, and the connection is closed |
//! | `CAMPANILE_IDLE_TIMEOUT` | 60 s | no request this long after the last response: the connection is closed |
//! | `CAMPANILE_MAX_CONNECTIONS` | 10,000 | at the cap, the server stops accepting; new connections wait in the system's backlog (then are refused by it) until one closes |
//!
//! The deadlines are whole ones: bytes that keep trickling in do not
//! extend them. How a connection moves between them is in
//! `serve/connection.rs`; the body's in `serve/body.rs`.
//!
//! # The cap
//!
//! At the cap the server stops accepting rather than accepting and closing
//! at once: a connection waiting in the backlog is served as soon as a
//! slot frees (the timeouts free them), where one closed at once is lost,
//! and accepting only to close would cost the process the work it saves.
//! The cap is kept below the process's open-file limit less
//! [`RESERVED_FILES`] (read from `/proc/self/limits` where there is one),
//! so that the database, Redis and the provider clients can still open
//! theirs when the cap is reached.
//!
//! # Shutdown
//!
//! When `shutdown` resolves, the server stops accepting, closes idle
//! connections, lets each request in flight finish (HTTP/1 connections
//! close after their response; HTTP/2 ones get a GOAWAY), and returns when
//! every connection is closed. The deadlines still hold meanwhile, so a
//! slow client delays the shutdown by at most a timeout.
//!
//! # Metrics
//!
//! `campanile_http_connections` (gauge): connections open;
//! `campanile_http_timeouts_total{timeout="header"|"body"|"idle"}`:
//! connections closed, or requests answered 408, for a timeout.

mod body;
mod connection;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::TokioExecutor;
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::ServerSettings;

use connection::Limits;

/// Open files kept free for the database, Redis and the provider clients
/// when the open-file limit lowers the connection cap.
pub const RESERVED_FILES: usize = 128;

/// Open connections (gauge).
pub(crate) const CONNECTIONS_METRIC: &str = "campanile_http_connections";

/// Connections closed and requests answered 408 for a timeout, by timeout.
pub(crate) const TIMEOUTS_METRIC: &str = "campanile_http_timeouts_total";

/// Serves `app` on `listener` with `settings`' timeouts and connection cap
/// until `shutdown` resolves; then stops accepting and returns once every
/// connection has finished its requests in flight (see the
/// [module docs](self)).
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    settings: &ServerSettings,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = Limits {
        header: settings.header_timeout,
        body: settings.body_timeout,
        idle: settings.idle_timeout,
    };
    let cap = connection_cap(settings.max_connections, open_file_limit());
    let slots = Arc::new(Semaphore::new(cap));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // Ours covers it, and more (see `connection`'s docs).
    builder.http1().header_read_timeout(None);
    let graceful = GracefulShutdown::new();
    let mut full = CapWarning::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = take_slot(&slots, &mut full, cap) => slot,
        };
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    accept_failed(&e).await;
                    continue;
                }
            },
        };
        tokio::spawn(connection::run(
            stream,
            app.clone(),
            builder.clone(),
            limits,
            graceful.watcher(),
            slot,
        ));
    }
    drop(listener);
    tracing::debug!(
        connections = graceful.count(),
        "not accepting; waiting for the connections' requests in flight"
    );
    graceful.shutdown().await;
}

/// A free slot under the cap, waiting for one if there is none.
async fn take_slot(
    slots: &Arc<Semaphore>,
    full: &mut CapWarning,
    cap: usize,
) -> OwnedSemaphorePermit {
    if let Ok(slot) = Arc::clone(slots).try_acquire_owned() {
        return slot;
    }
    full.warn(cap);
    match Arc::clone(slots).acquire_owned().await {
        Ok(slot) => slot,
        // The semaphore is never closed.
        Err(_) => std::future::pending().await,
    }
}

/// Says, at most once a minute, that the cap was reached.
#[derive(Debug, Default)]
struct CapWarning {
    last: Option<tokio::time::Instant>,
}

impl CapWarning {
    fn warn(&mut self, cap: usize) {
        let now = tokio::time::Instant::now();
        if self
            .last
            .is_some_and(|last| now < last + Duration::from_secs(60))
        {
            return;
        }
        self.last = Some(now);
        tracing::warn!(
            cap,
            "connection cap reached: not accepting until a connection closes (CAMPANILE_MAX_CONNECTIONS)"
        );
    }
}

/// Accept failed: a connection that went away before it was accepted is
/// skipped; anything else (out of file descriptors) is logged and waited
/// out for a second, as `axum::serve` does, rather than spun on.
async fn accept_failed(e: &std::io::Error) {
    use std::io::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::ConnectionRefused | ErrorKind::ConnectionAborted | ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(error.message = %e, "cannot accept a connection; retrying in 1s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// `configured`, lowered below `open_files` (the process's open-file limit,
/// if known) less [`RESERVED_FILES`]; at least 1.
fn connection_cap(configured: usize, open_files: Option<usize>) -> usize {
    let Some(open_files) = open_files else {
        return configured;
    };
    let room = open_files.saturating_sub(RESERVED_FILES).max(1);
    if configured <= room {
        return configured;
    }
    tracing::info!(
        cap = room,
        configured,
        open_files,
        "connection cap lowered below the open-file limit (raise `ulimit -n` for more)"
    );
    room
}

/// The soft limit on open files, where the system says it (Linux).
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_open_file_limit(&limits)
}

fn parse_open_file_limit(limits: &str) -> Option<usize> {
    let line = limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?;
    // "unlimited" is no limit of ours.
    line.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests;
