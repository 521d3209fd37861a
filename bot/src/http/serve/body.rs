//! The request body's deadline: a body that has not arrived whole within
//! `CAMPANILE_BODY_TIMEOUT` of its request's headers ends in an error, and
//! its request is answered 408 whatever the route made of the error.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// The error a body gives when its deadline passed before its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the request body did not arrive within {}", humantime::format_duration(*.0))]
pub(super) struct BodyTimeout(pub(super) Duration);

/// Whether a request's body ran out of time; shared by its
/// [`DeadlineBody`] and whoever answers the request.
#[derive(Debug, Clone, Default)]
pub(super) struct Expired(Arc<AtomicBool>);

impl Expired {
    /// The body ran out of time (it gave [`BodyTimeout`]).
    pub(super) fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn set(&self) {
        self.0.store(true, Ordering::Release);
    }
}

pin_project_lite::pin_project! {
    /// `inner`, which must end within its timeout of being made: the whole
    /// body, not each frame, so a trickle of bytes does not keep it alive.
    pub(super) struct DeadlineBody<B> {
        #[pin]
        inner: B,
        timeout: Duration,
        deadline: Instant,
        // Made when the body first waits: most bodies never do.
        sleep: Option<Pin<Box<Sleep>>>,
        expired: Expired,
    }
}

impl<B> DeadlineBody<B> {
    /// `inner`, to end within `timeout` from now; `expired` says whether it
    /// did not.
    pub(super) fn new(inner: B, timeout: Duration, expired: Expired) -> Self {
        Self {
            inner,
            timeout,
            deadline: Instant::now() + timeout,
            sleep: None,
            expired,
        }
    }
}

impl<B> Body for DeadlineBody<B>
where
    B: Body<Data = Bytes>,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        if this.expired.is_set() {
            // Never `None` after the error: a reader must not take the part
            // it has for the whole body.
            return Poll::Ready(Some(Err(BodyTimeout(*this.timeout).into())));
        }
        if let Poll::Ready(frame) = this.inner.poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        let deadline = *this.deadline;
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.as_mut().poll(cx).is_ready() {
            this.expired.set();
            return Poll::Ready(Some(Err(BodyTimeout(*this.timeout).into())));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The answer to a request whose body ran out of time: 408, and (HTTP/1)
/// the connection closes after it.
pub(super) fn timed_out() -> Response {
    (
        StatusCode::REQUEST_TIMEOUT,
        [(header::CONNECTION, "close")],
        "request body timeout\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use http_body_util::{BodyExt as _, Full, StreamBody};

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_body_that_arrives_in_time_is_read_whole() {
        let expired = Expired::default();
        let body = DeadlineBody::new(
            Full::new(Bytes::from_static(b"hello")),
            Duration::from_secs(1),
            expired.clone(),
        );
        assert_eq!(body.size_hint().exact(), Some(5), "the size is kept");
        let bytes = body.collect().await.unwrap().to_bytes();
        assert_eq!(&bytes[..], b"hello");
        assert!(!expired.is_set());
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_ends_in_an_error_at_the_deadline_not_per_frame() {
        // Arrange: a byte every 400 ms, forever; a 1 s deadline.
        let frames = futures_util::stream::unfold((), |()| async {
            tokio::time::sleep(Duration::from_millis(400)).await;
            Some((
                Ok::<_, std::convert::Infallible>(Frame::data(Bytes::from_static(b"x"))),
                (),
            ))
        });
        let expired = Expired::default();
        let mut body = std::pin::pin!(DeadlineBody::new(
            StreamBody::new(frames),
            Duration::from_secs(1),
            expired.clone(),
        ));
        let start = Instant::now();

        // Act: read until the error.
        let mut read = 0;
        let error = loop {
            match body.frame().await.unwrap() {
                Ok(_) => read += 1,
                Err(e) => break e,
            }
        };

        // Assert
        assert_eq!(read, 2, "two bytes came before the deadline");
        assert_eq!(start.elapsed(), Duration::from_secs(1));
        assert!(error.downcast_ref::<BodyTimeout>().is_some(), "{error}");
        assert!(expired.is_set());
        assert!(
            body.frame().await.unwrap().is_err(),
            "and it stays an error, never the end of the body"
        );
    }
}
