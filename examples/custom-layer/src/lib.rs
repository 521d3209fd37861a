//! Answer "We're closed, back at 9:00." outside opening hours: a tower layer
//! written the way Campanile's own layers are.
//!
//! Outside the configured hours [`OpeningHoursLayer`] answers every message
//! itself and does not call the inner service; during opening hours it passes
//! the message through untouched. What time it is comes from a [`Clock`], so
//! tests pick the time instead of depending on when they run.
//!
//! # Example
//!
//! ```
//! use example_custom_layer::{OpeningHoursConfig, OpeningHoursLayer, TimeOfDay};
//! use framework::{BoxError, InboundMessage, Response};
//! use tower::{service_fn, ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! // A clock that always says 21:30: after closing time.
//! let late_evening = || TimeOfDay::new(21, 30);
//! let bot = ServiceBuilder::new()
//!     .layer(OpeningHoursLayer::new(OpeningHoursConfig::default(), late_evening))
//!     .service(service_fn(|_msg: InboundMessage| async {
//!         Ok::<_, BoxError>(Response::reply("Here is our price list"))
//!     }));
//!
//! let r = bot.oneshot(framework::doc::text("prices?")).await?;
//! assert_eq!(r.replies()[0].body(), Some("We're closed, back at 9:00."));
//! # Ok(())
//! # }
//! ```
//!
//! # Ordering
//!
//! Inside `dedup` (a provider's retry of a night-time message gets no second
//! notice) and the rate limit (a flood at night is still limited); outside
//! `session`, so a closed shop takes no conversation lane and loads no state.
//!
//! # Customization
//!
//! [`OpeningHoursConfig`] sets the hours and the notice; any
//! `Fn() -> TimeOfDay` closure is a [`Clock`], and [`SystemClock`] reads the
//! system time in the shop's time zone.
//!
//! # Errors
//!
//! None of its own: the service's error type is the inner service's, so an
//! error of a handler reaches `handle_error` unchanged.

use std::fmt;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use framework::reply::Reply;
use framework::{BoxFuture, InboundMessage, Response};
use tower::{Layer, Service};

/// A time of day, to the minute, in the shop's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimeOfDay {
    /// Minutes since midnight, `0..1440`.
    minutes: u16,
}

impl TimeOfDay {
    /// `hour:minute`; the hour is clamped to 23 and the minute to 59.
    #[must_use]
    pub fn new(hour: u8, minute: u8) -> Self {
        Self {
            minutes: u16::from(hour.min(23)) * 60 + u16::from(minute.min(59)),
        }
    }

    /// The hour, `0..=23`.
    #[must_use]
    pub fn hour(self) -> u8 {
        // Below 24 by construction.
        u8::try_from(self.minutes / 60).unwrap_or(23)
    }

    /// The minute, `0..=59`.
    #[must_use]
    pub fn minute(self) -> u8 {
        u8::try_from(self.minutes % 60).unwrap_or(59)
    }
}

impl fmt::Display for TimeOfDay {
    /// `9:00`, `18:30`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{:02}", self.hour(), self.minute())
    }
}

/// Tells the layer what time it is.
///
/// Implemented for any `Fn() -> TimeOfDay` closure (tests pass a fixed or a
/// movable time) and for [`SystemClock`].
pub trait Clock: Clone + Send + Sync + 'static {
    /// The current time of day in the shop's time zone.
    fn now(&self) -> TimeOfDay;
}

impl<F> Clock for F
where
    F: Fn() -> TimeOfDay + Clone + Send + Sync + 'static,
{
    fn now(&self) -> TimeOfDay {
        self()
    }
}

/// The system's clock, in a time zone with a fixed offset from UTC.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SystemClock {
    utc_offset_minutes: i32,
}

impl SystemClock {
    /// Reads the time `minutes` ahead of UTC (negative: behind), e.g. `330`
    /// for India (UTC+5:30). Clamped to ±14 hours. Defaults to UTC.
    #[must_use]
    pub fn with_utc_offset_minutes(mut self, minutes: i32) -> Self {
        self.utc_offset_minutes = minutes.clamp(-14 * 60, 14 * 60);
        self
    }
}

impl Clock for SystemClock {
    fn now(&self) -> TimeOfDay {
        let since_epoch = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let minutes = i64::try_from(since_epoch / 60).unwrap_or(0);
        let local = (minutes + i64::from(self.utc_offset_minutes)).rem_euclid(24 * 60);
        // `local` is in 0..1440.
        let minutes = u16::try_from(local).unwrap_or(0);
        TimeOfDay { minutes }
    }
}

/// When the shop is open, and what it says when it is not.
///
/// See the [crate docs](crate) for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningHoursConfig {
    opens_at: TimeOfDay,
    closes_at: TimeOfDay,
    notice: Option<String>,
}

impl Default for OpeningHoursConfig {
    /// Open from 9:00 to 18:00; the notice is "We're closed, back at 9:00."
    fn default() -> Self {
        Self {
            opens_at: TimeOfDay::new(9, 0),
            closes_at: TimeOfDay::new(18, 0),
            notice: None,
        }
    }
}

impl OpeningHoursConfig {
    /// Sets the opening time.
    #[must_use]
    pub fn with_opens_at(mut self, at: TimeOfDay) -> Self {
        self.opens_at = at;
        self
    }

    /// Sets the closing time (the first minute the shop is closed). A closing
    /// time before the opening time spans midnight (22:00 to 6:00); equal
    /// times mean open around the clock.
    #[must_use]
    pub fn with_closes_at(mut self, at: TimeOfDay) -> Self {
        self.closes_at = at;
        self
    }

    /// Replaces the notice "We're closed, back at {opening time}."
    #[must_use]
    pub fn with_notice(mut self, notice: impl Into<String>) -> Self {
        self.notice = Some(notice.into());
        self
    }

    /// Whether the shop is open at `at`.
    #[must_use]
    pub fn is_open(&self, at: TimeOfDay) -> bool {
        let (opens, closes) = (self.opens_at, self.closes_at);
        match opens.cmp(&closes) {
            std::cmp::Ordering::Less => opens <= at && at < closes,
            std::cmp::Ordering::Greater => at >= opens || at < closes,
            std::cmp::Ordering::Equal => true,
        }
    }

    /// The reply to a message outside opening hours.
    #[must_use]
    pub fn notice(&self) -> Reply {
        match &self.notice {
            Some(text) => Reply::text(text.clone()),
            None => Reply::text(format!("We're closed, back at {}.", self.opens_at)),
        }
    }
}

/// Applies [`OpeningHours`] to a service.
///
/// See the [crate docs](crate) for an example.
#[derive(Debug, Clone)]
pub struct OpeningHoursLayer<C> {
    config: OpeningHoursConfig,
    clock: C,
}

impl<C> OpeningHoursLayer<C> {
    /// Answers outside the hours of `config`, reading the time from `clock`.
    #[must_use]
    pub fn new(config: OpeningHoursConfig, clock: C) -> Self {
        Self { config, clock }
    }
}

impl<S, C: Clone> Layer<S> for OpeningHoursLayer<C> {
    type Service = OpeningHours<S, C>;

    fn layer(&self, inner: S) -> Self::Service {
        OpeningHours {
            inner,
            config: self.config.clone(),
            clock: self.clock.clone(),
        }
    }
}

/// Answers messages outside opening hours itself; see the [crate docs](crate).
#[derive(Debug, Clone)]
pub struct OpeningHours<S, C> {
    inner: S,
    config: OpeningHoursConfig,
    clock: C,
}

impl<S, C> OpeningHours<S, C> {
    /// Gets a reference to the wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Gets a mutable reference to the wrapped service.
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Consumes `self`, returning the wrapped service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, C> Service<InboundMessage> for OpeningHours<S, C>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: 'static,
    S::Future: Send,
    C: Clock,
{
    type Response = Response;
    // The inner service's error, unchanged: this layer adds no failure of its
    // own, and the inner errors still reach `handle_error` as they were.
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        let now = self.clock.now();
        if !self.config.is_open(now) {
            // Answered here. The inner service is not called and keeps the
            // readiness `poll_ready` gave it, for the next message.
            tracing::debug!(%now, "outside opening hours; answered with the notice");
            let notice = self.config.notice();
            return Box::pin(async move { Ok(Response::reply(notice)) });
        }
        // `poll_ready` made `self.inner` ready: that is the service to call.
        // Take it and leave a clone behind (a clone is not necessarily ready).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move { inner.call(msg).await })
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use framework::Outcome;
    use tower::{ServiceBuilder, ServiceExt, service_fn};

    use super::*;

    fn at(hour: u8, minute: u8) -> impl Clock {
        move || TimeOfDay::new(hour, minute)
    }

    #[test]
    fn the_shop_is_open_from_the_opening_minute_until_the_closing_minute() {
        let hours = OpeningHoursConfig::default();
        assert!(!hours.is_open(TimeOfDay::new(8, 59)));
        assert!(hours.is_open(TimeOfDay::new(9, 0)));
        assert!(hours.is_open(TimeOfDay::new(17, 59)));
        assert!(!hours.is_open(TimeOfDay::new(18, 0)));
    }

    #[test]
    fn hours_may_span_midnight() {
        let night_shift = OpeningHoursConfig::default()
            .with_opens_at(TimeOfDay::new(22, 0))
            .with_closes_at(TimeOfDay::new(6, 0));
        assert!(night_shift.is_open(TimeOfDay::new(23, 30)));
        assert!(night_shift.is_open(TimeOfDay::new(5, 59)));
        assert!(!night_shift.is_open(TimeOfDay::new(12, 0)));
        assert_eq!(
            night_shift.notice().body(),
            Some("We're closed, back at 22:00.")
        );
    }

    #[test]
    fn times_are_clamped_and_shown_with_two_digit_minutes() {
        assert_eq!(TimeOfDay::new(99, 99), TimeOfDay::new(23, 59));
        assert_eq!(TimeOfDay::new(9, 5).to_string(), "9:05");
    }

    #[tokio::test]
    async fn inner_errors_come_out_unchanged() {
        // Arrange: an inner service whose error type is our own.
        #[derive(Debug, PartialEq)]
        struct InventoryDown;
        let bot = ServiceBuilder::new()
            .layer(OpeningHoursLayer::new(
                OpeningHoursConfig::default(),
                at(10, 0),
            ))
            .service(service_fn(|_msg: InboundMessage| async {
                Err::<Response, _>(InventoryDown)
            }));

        // Act
        let result = bot.oneshot(framework::doc::text("stock?")).await;

        // Assert: the error is still an `InventoryDown`, not a boxed error.
        assert_eq!(result, Err(InventoryDown));
    }

    #[tokio::test]
    async fn closed_hours_answer_without_calling_the_inner_service() {
        let bot = ServiceBuilder::new()
            .layer(OpeningHoursLayer::new(
                OpeningHoursConfig::default().with_notice("Closed for Diwali!"),
                at(7, 30),
            ))
            .service(service_fn(|_msg: InboundMessage| async {
                Ok::<_, Infallible>(Response::reply("from the inner service"))
            }));

        let response = bot.oneshot(framework::doc::text("hi")).await.unwrap();

        assert_eq!(response.outcome(), Outcome::Handled);
        assert_eq!(response.replies().len(), 1);
        assert_eq!(response.replies()[0].body(), Some("Closed for Diwali!"));
    }
}
