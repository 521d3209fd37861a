//! One connection: served by hyper (HTTP/1.1 or HTTP/2), watched for what
//! it is waiting for, and closed when a client takes too long.
//!
//! A connection is always in one [`Phase`]:
//!
//! ```text
//!  accepted ─> Head ──(a request's headers)──> Busy(n) ──(its response is done)──> Idle
//!                ^                                ^                                  │
//!                │                                └────────(a request's headers)─────┤
//!                └───────────────────────(the first byte of the next request)────────┘
//! ```
//!
//! - **Head**: from the connection's opening, or from the first byte after
//!   the last response, the client has `CAMPANILE_HEADER_TIMEOUT` to finish
//!   a request's headers. Bytes that keep coming do not restart it, so a
//!   byte every few seconds does not keep a connection open.
//! - **Busy**: requests in flight. The connection has no deadline of its
//!   own; each request's body has its own ([`super::body`]), and the
//!   handlers answer in their own time. (So an HTTP/2 stream whose headers
//!   trickle in while another request is in flight is not timed, and a
//!   client that does not read a response larger than hyper's write buffer
//!   keeps its connection.)
//! - **Idle**: the last response is done and nothing has come since;
//!   after `CAMPANILE_IDLE_TIMEOUT` the connection is closed.
//!
//! A connection past its deadline is dropped: hyper closes the socket.
//! Nothing is in flight in `Head` or `Idle`, so nothing is lost; a client
//! that sent the first bytes of a request at that very moment sees the
//! connection close, as with any keep-alive timeout.
//!
//! hyper's own `header_read_timeout` is not used: it also runs while a
//! kept-alive HTTP/1 connection waits for its next request (which would
//! make the idle timeout the header timeout), and it covers neither the
//! protocol sniffing of the first bytes nor HTTP/2.

use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::Watcher;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit};
use tokio::time::Instant;
use tower::ServiceExt as _;

use super::body::{DeadlineBody, Expired, timed_out};

/// How long a client may take: the server's settings for one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Limits {
    /// To finish a request's headers.
    pub(super) header: Duration,
    /// To send a request's whole body, from its headers.
    pub(super) body: Duration,
    /// To start the next request, once the last response is done.
    pub(super) idle: Duration,
}

/// Which deadline closed a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Timeout {
    /// A request's headers took too long.
    Header,
    /// No request came for too long.
    Idle,
}

impl Timeout {
    /// The metric label.
    pub(super) fn label(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Idle => "idle",
        }
    }
}

/// Serves `stream` with `app` until the client closes it, a deadline of
/// `limits` passes, or (after a graceful shutdown began, through `watcher`)
/// its requests in flight are answered. Holds `permit`, one of the
/// connection cap's, until then.
pub(super) async fn run(
    stream: TcpStream,
    app: axum::Router,
    builder: auto::Builder<TokioExecutor>,
    limits: Limits,
    watcher: Watcher,
    permit: OwnedSemaphorePermit,
) {
    let _permit = permit;
    let _open = OpenGauge::new();
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        io: stream,
        activity: Arc::clone(&activity),
    });
    let service = {
        let activity = Arc::clone(&activity);
        hyper::service::service_fn(move |request: Request<Incoming>| {
            serve_request(
                app.clone(),
                request,
                limits.body,
                activity.request_started(),
            )
        })
    };
    let conn = watcher.watch(builder.serve_connection_with_upgrades(io, service));
    let mut conn = std::pin::pin!(conn);
    loop {
        let deadline = activity.deadline(&limits);
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(error.message = %e, "connection ended with an error");
                }
                return;
            }
            () = activity.changed.notified() => {}
            () = sleep_until(deadline) => {
                if let Some(timeout) = activity.expired(&limits, Instant::now()) {
                    tracing::debug!(timeout = timeout.label(), "closing a connection past its deadline");
                    metrics::counter!(super::TIMEOUTS_METRIC, "timeout" => timeout.label())
                        .increment(1);
                    return;
                }
            }
        }
    }
}

/// One request: its body under its deadline, answered by `app`; 408 if the
/// body ran out of time. `in_flight` lasts until the response's body is
/// done (or dropped).
async fn serve_request(
    app: axum::Router,
    request: Request<Incoming>,
    body_timeout: Duration,
    in_flight: InFlight,
) -> Result<axum::response::Response, Infallible> {
    let expired = Expired::default();
    let request =
        request.map(|body| Body::new(DeadlineBody::new(body, body_timeout, expired.clone())));
    let Ok(response) = app.oneshot(request).await;
    let response = if expired.is_set() {
        metrics::counter!(super::TIMEOUTS_METRIC, "timeout" => "body").increment(1);
        timed_out()
    } else {
        response
    };
    Ok(response.map(|body| {
        Body::new(body.map_frame(move |frame| {
            // Keeps the request in flight until its response's body is done.
            let _ = &in_flight;
            frame
        }))
    }))
}

/// What a connection is waiting for, and since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// A request's headers, since this instant.
    Head(Instant),
    /// This many requests in flight.
    Busy(usize),
    /// Nothing, since this instant (the last response was done).
    Idle(Instant),
}

/// A connection's [`Phase`], moved by its socket's reads and its requests.
#[derive(Debug)]
struct Activity {
    phase: Mutex<Phase>,
    /// Wakes the connection's task when the phase changed (one waiter; a
    /// change while it is busy elsewhere is kept for it).
    changed: Notify,
}

impl Activity {
    /// A connection just accepted: waiting for headers.
    fn new() -> Self {
        Self {
            phase: Mutex::new(Phase::Head(Instant::now())),
            changed: Notify::new(),
        }
    }

    fn update(&self, change: impl FnOnce(Phase) -> Phase) {
        let mut phase = self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        let next = change(*phase);
        if next != *phase {
            *phase = next;
            self.changed.notify_one();
        }
    }

    /// Bytes came: an idle connection now waits for the rest of a request's
    /// headers.
    fn bytes_read(&self) {
        self.update(|phase| match phase {
            Phase::Idle(_) => Phase::Head(Instant::now()),
            other => other,
        });
    }

    /// A request's headers came; the request is in flight until the
    /// returned guard is dropped.
    fn request_started(self: &Arc<Self>) -> InFlight {
        self.update(|phase| match phase {
            Phase::Busy(n) => Phase::Busy(n + 1),
            Phase::Head(_) | Phase::Idle(_) => Phase::Busy(1),
        });
        InFlight(Arc::clone(self))
    }

    fn request_finished(&self) {
        self.update(|phase| match phase {
            Phase::Busy(n) if n > 1 => Phase::Busy(n - 1),
            Phase::Busy(_) => Phase::Idle(Instant::now()),
            other => other,
        });
    }

    /// When the current phase ends the connection, if it does.
    fn deadline(&self, limits: &Limits) -> Option<Instant> {
        let phase = *self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        match phase {
            Phase::Head(since) => Some(since + limits.header),
            Phase::Idle(since) => Some(since + limits.idle),
            Phase::Busy(_) => None,
        }
    }

    /// Which deadline has passed at `now`, if one has.
    fn expired(&self, limits: &Limits, now: Instant) -> Option<Timeout> {
        let phase = *self.phase.lock().unwrap_or_else(PoisonError::into_inner);
        match phase {
            Phase::Head(since) if now >= since + limits.header => Some(Timeout::Header),
            Phase::Idle(since) if now >= since + limits.idle => Some(Timeout::Idle),
            _ => None,
        }
    }
}

/// A request in flight on a connection, until dropped.
#[derive(Debug)]
struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_finished();
    }
}

/// Counts the open connections (`campanile_http_connections`) while it lives.
#[derive(Debug)]
struct OpenGauge;

impl OpenGauge {
    fn new() -> Self {
        metrics::gauge!(super::CONNECTIONS_METRIC).increment(1.0);
        Self
    }
}

impl Drop for OpenGauge {
    fn drop(&mut self) {
        metrics::gauge!(super::CONNECTIONS_METRIC).decrement(1.0);
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The socket, telling its connection's [`Activity`] when bytes come.
#[derive(Debug)]
struct Watched {
    io: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let read = Pin::new(&mut self.io).poll_read(cx, buf);
        if matches!(read, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.bytes_read();
        }
        read
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    const LIMITS: Limits = Limits {
        header: Duration::from_secs(10),
        body: Duration::from_secs(30),
        idle: Duration::from_secs(60),
    };

    #[tokio::test(start_paused = true)]
    async fn phases_move_with_bytes_and_requests() {
        // Arrange: a connection just accepted waits for headers.
        let activity = Arc::new(Activity::new());
        let opened = Instant::now();
        assert_eq!(activity.deadline(&LIMITS), Some(opened + LIMITS.header));

        // Bytes do not restart the header deadline.
        tokio::time::advance(Duration::from_secs(5)).await;
        activity.bytes_read();
        assert_eq!(activity.deadline(&LIMITS), Some(opened + LIMITS.header));
        assert_eq!(
            activity.expired(&LIMITS, opened + LIMITS.header),
            Some(Timeout::Header)
        );

        // Two requests in flight: no deadline of the connection's.
        let first = activity.request_started();
        let second = activity.request_started();
        assert_eq!(activity.deadline(&LIMITS), None);
        drop(first);
        assert_eq!(activity.deadline(&LIMITS), None, "one is still in flight");
        activity.bytes_read();
        assert_eq!(activity.deadline(&LIMITS), None, "bytes of a body");

        // The last response done: idle from then.
        tokio::time::advance(Duration::from_secs(1)).await;
        drop(second);
        let idle = Instant::now();
        assert_eq!(activity.deadline(&LIMITS), Some(idle + LIMITS.idle));
        assert_eq!(activity.expired(&LIMITS, idle + LIMITS.header), None);
        assert_eq!(
            activity.expired(&LIMITS, idle + LIMITS.idle),
            Some(Timeout::Idle)
        );

        // The next request's first byte: its headers' deadline starts.
        tokio::time::advance(Duration::from_secs(30)).await;
        activity.bytes_read();
        assert_eq!(
            activity.deadline(&LIMITS),
            Some(Instant::now() + LIMITS.header)
        );
    }
}
