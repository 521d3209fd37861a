use std::time::Duration;

use crate::reply::Reply;

/// How many messages a key may send per period.
///
/// A quota of `limit` per `period` allows a burst of `limit` messages, then one
/// more every `period / limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    limit: u32,
    period: Duration,
}

impl Quota {
    /// `limit` messages per `period`. `limit` is clamped to at least 1 and
    /// `period` to at least 1 millisecond.
    #[must_use]
    pub fn new(limit: u32, period: Duration) -> Self {
        Self {
            limit: limit.max(1),
            period: period.max(Duration::from_millis(1)),
        }
    }

    /// `limit` messages per minute.
    #[must_use]
    pub fn per_minute(limit: u32) -> Self {
        Self::new(limit, Duration::from_secs(60))
    }

    /// The number of messages allowed per period (and the largest burst).
    #[must_use]
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The period.
    #[must_use]
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The time one message "costs": `period / limit`, at least a nanosecond
    /// (a zero interval would never limit).
    #[must_use]
    pub fn interval(&self) -> Duration {
        (self.period / self.limit).max(Duration::from_nanos(1))
    }
}

/// Configuration of the [rate limit](super).
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    pub(super) quota: Quota,
    pub(super) notice: Option<Reply>,
}

impl Default for RateLimitConfig {
    /// 30 messages per minute per conversation; the notice is
    /// "You're sending messages faster than I can answer. Please wait a moment
    /// and try again."
    fn default() -> Self {
        Self {
            quota: Quota::per_minute(30),
            notice: Some(Reply::text(
                "You're sending messages faster than I can answer. Please wait a moment and try again.",
            )),
        }
    }
}

impl RateLimitConfig {
    /// Sets the quota.
    #[must_use]
    pub fn with_quota(mut self, quota: Quota) -> Self {
        self.quota = quota;
        self
    }

    /// Sets the "please slow down" reply; `None` drops limited messages silently.
    #[must_use]
    pub fn with_notice(mut self, notice: Option<Reply>) -> Self {
        self.notice = notice;
        self
    }

    /// The quota.
    #[must_use]
    pub fn quota(&self) -> &Quota {
        &self.quota
    }
}
