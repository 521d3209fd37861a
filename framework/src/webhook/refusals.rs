//! Refused webhooks: one counter for all, and log lines that a flood cannot
//! multiply.
//!
//! Anyone who finds the webhook URL can send it requests without a valid
//! signature. Each is refused (403, 413, 415), and a log line for each would
//! let them fill the logs (and bury the lines that matter). So, per provider
//! and reason, the first refusal is logged, then at most one line per
//! [`REFUSAL_LOG_INTERVAL`], which says how many were refused since the last
//! line (`suppressed`). A flood that stops has its last count told by the
//! next line, and every refusal, logged or not, is counted in
//! [`REFUSED_METRIC`].
//!
//! A signed request that cannot be parsed (400) is logged every time: only a
//! holder of the provider's secret can send one, and each may be a
//! different problem worth reading.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::Provider;

/// The counter of refused webhook requests, labelled by `provider` and
/// `reason` ([`RefusalReason::as_str`]).
pub const REFUSED_METRIC: &str = "campanile_webhooks_refused_total";

/// At most one log line per provider and reason in this time (after the
/// first); see the [webhook module docs](crate::webhook).
pub const REFUSAL_LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Why a webhook request was refused, as [`REFUSED_METRIC`] labels it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalReason {
    /// The body is larger than the limit (413).
    TooLarge,
    /// The body could not be read (400).
    UnreadableBody,
    /// The provider is not configured here (403).
    NotConfigured,
    /// The content type is not the provider's (415).
    ContentType,
    /// The signature is missing, malformed or wrong (403).
    Signature,
    /// A Meta subscription handshake with a wrong verify token or mode (403).
    Handshake,
    /// A signed request whose body cannot be parsed (400); never limited.
    Malformed,
}

impl RefusalReason {
    const ALL: [Self; 7] = [
        Self::TooLarge,
        Self::UnreadableBody,
        Self::NotConfigured,
        Self::ContentType,
        Self::Signature,
        Self::Handshake,
        Self::Malformed,
    ];

    /// The reason's label: `too_large`, `unreadable_body`,
    /// `not_configured`, `content_type`, `signature`, `handshake`,
    /// `malformed`.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::TooLarge => "too_large",
            Self::UnreadableBody => "unreadable_body",
            Self::NotConfigured => "not_configured",
            Self::ContentType => "content_type",
            Self::Signature => "signature",
            Self::Handshake => "handshake",
            Self::Malformed => "malformed",
        }
    }

    /// Whether its log lines are limited: whatever an unsigned request can
    /// cause is.
    const fn is_limited(self) -> bool {
        !matches!(self, Self::Malformed)
    }

    /// Refusals that may be an attack or a misconfiguration are `warn`.
    const fn is_warning(self) -> bool {
        matches!(
            self,
            Self::Signature | Self::NotConfigured | Self::Handshake
        )
    }

    fn index(self) -> usize {
        Self::ALL
            .iter()
            .position(|r| *r == self)
            .unwrap_or_default()
    }
}

/// Counts refusals and decides which are logged; one per set of routes.
#[derive(Debug)]
pub(super) struct RefusalLog {
    start: Instant,
    interval_ms: u64,
    /// Per provider (Twilio, Meta) and reason.
    slots: [[Slot; RefusalReason::ALL.len()]; 2],
}

/// One provider and reason: when the next line may be written (ms after
/// `start`), and how many were not logged since the last one.
#[derive(Debug, Default)]
struct Slot {
    next_ms: AtomicU64,
    suppressed: AtomicU64,
}

impl RefusalLog {
    pub(super) fn new(interval: Duration) -> Self {
        Self {
            start: Instant::now(),
            interval_ms: u64::try_from(interval.as_millis()).unwrap_or(u64::MAX),
            slots: Default::default(),
        }
    }

    /// Counts one refusal and logs it if its slot allows.
    pub(super) fn refused(
        &self,
        provider: Provider,
        reason: RefusalReason,
        status: u16,
        error: &dyn std::fmt::Display,
    ) {
        let name = provider.as_str();
        metrics::counter!(REFUSED_METRIC, "provider" => name, "reason" => reason.as_str())
            .increment(1);
        let suppressed = if reason.is_limited() {
            match self.admit(provider, reason) {
                Some(suppressed) => suppressed,
                None => return,
            }
        } else {
            0
        };
        let warn = reason.is_warning();
        let reason = reason.as_str();
        if warn {
            tracing::warn!(provider = name, reason, status, suppressed, error.message = %error, "webhook refused");
        } else {
            tracing::info!(provider = name, reason, status, suppressed, error.message = %error, "webhook refused");
        }
    }

    /// `Some(refusals not logged since the last line)` when this one is to
    /// be logged.
    fn admit(&self, provider: Provider, reason: RefusalReason) -> Option<u64> {
        let row = usize::from(provider == Provider::Meta);
        let slot = self.slots.get(row)?.get(reason.index())?;
        let now = u64::try_from(
            Instant::now()
                .saturating_duration_since(self.start)
                .as_millis(),
        )
        .unwrap_or(u64::MAX);
        let next = slot.next_ms.load(Ordering::Acquire);
        if now >= next
            && slot
                .next_ms
                .compare_exchange(
                    next,
                    now.saturating_add(self.interval_ms),
                    Ordering::AcqRel,
                    Ordering::Acquire,
                )
                .is_ok()
        {
            Some(slot.suppressed.swap(0, Ordering::AcqRel))
        } else {
            slot.suppressed.fetch_add(1, Ordering::AcqRel);
            None
        }
    }
}
