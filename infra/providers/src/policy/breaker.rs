//! One circuit breaker per target, on tower-resilience-circuitbreaker
//! (ADR 0009), wrapped here so a future swap touches this file only.
//!
//! [`Breaker`] is generic over what the guarded call answers: the outbound
//! policy guards sends (`Result<Accepted, SendError>`, the default), the
//! Zoho client guards its API calls with its own error type. Each user
//! gives a classifier (which results count as failures) and a function
//! that turns an open circuit into its error type.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tower_resilience_circuitbreaker::{
    CircuitBreakerError, CircuitBreakerHandle, CircuitBreakerLayer, CircuitState, FnClassifier,
};

use super::BreakerConfig;
use crate::transport::{Accepted, SendError};

/// The classifier's function type: which results count as failures.
pub(crate) type Classify<Res, E> = fn(&Result<Res, E>) -> bool;

/// Makes the error a refused call answers: the target, and how long the
/// breaker still refuses every call.
pub(crate) type OpenError<E> = fn(&'static str, Option<Duration>) -> E;

/// What counts against a provider: it failed to answer (5xx, a connection
/// refused, a timeout). Its answers about the request (4xx validation, an
/// invalid number, the 24-hour window) and its requests to slow down
/// (throughput codes: they slow the shaper instead) do not.
fn is_failure(result: &Result<Accepted, SendError>) -> bool {
    matches!(
        result,
        Err(SendError::Retryable { .. } | SendError::Unknown { .. })
    )
}

/// A breaker's state, as `campanile_breaker_state{target}` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakerState {
    /// Calls go through (gauge 0).
    Closed,
    /// Calls are refused without reaching the provider (gauge 1).
    Open,
    /// One probe is let through; its outcome closes or reopens the breaker
    /// (gauge 2).
    HalfOpen,
}

impl BreakerState {
    /// The gauge's value.
    #[must_use]
    pub fn gauge(self) -> u8 {
        match self {
            Self::Closed => 0,
            Self::Open => 1,
            Self::HalfOpen => 2,
        }
    }

    /// `closed`, `open` or `half_open`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Closed => "closed",
            Self::Open => "open",
            Self::HalfOpen => "half_open",
        }
    }

    fn from_circuit(state: CircuitState) -> Self {
        match state {
            CircuitState::Closed => Self::Closed,
            CircuitState::Open => Self::Open,
            CircuitState::HalfOpen => Self::HalfOpen,
        }
    }
}

/// How long a caller is told to wait while a half-open breaker's probe is
/// out.
const PROBE_WAIT: Duration = Duration::from_millis(200);

/// One target's breaker: the layer that goes into its stack, and what the
/// operator's endpoints read.
pub(crate) struct Breaker<Res = Accepted, E = SendError> {
    target: &'static str,
    layer: CircuitBreakerLayer<FnClassifier<Classify<Res, E>>>,
    handle: CircuitBreakerHandle<FnClassifier<Classify<Res, E>>>,
    open_for: Duration,
    /// When it last opened (for how long it still refuses).
    opened_at: Arc<Mutex<Option<Instant>>>,
    /// Times it opened since the process started.
    openings: Arc<AtomicU64>,
    /// When a caller was last let go to probe an open breaker whose open
    /// time ran out (so the others wait instead of being refused one by
    /// one).
    probe_admitted_at: Arc<Mutex<Option<Instant>>>,
    /// The error a refused call answers.
    open_error: OpenError<E>,
}

// By hand: a derive would ask `Res: Clone, E: Clone`, which a breaker does
// not need.
impl<Res, E> Clone for Breaker<Res, E> {
    fn clone(&self) -> Self {
        Self {
            target: self.target,
            layer: self.layer.clone(),
            handle: self.handle.clone(),
            open_for: self.open_for,
            opened_at: Arc::clone(&self.opened_at),
            openings: Arc::clone(&self.openings),
            probe_admitted_at: Arc::clone(&self.probe_admitted_at),
            open_error: self.open_error,
        }
    }
}

impl<Res: 'static, E: 'static> std::fmt::Debug for Breaker<Res, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Breaker")
            .field("target", &self.target)
            .field("state", &self.state())
            .finish_non_exhaustive()
    }
}

/// Why a breaker cannot be built.
#[derive(Debug, thiserror::Error)]
#[error("invalid circuit breaker settings for {target}: {source}")]
pub struct BreakerConfigError {
    target: &'static str,
    #[source]
    source: tower_resilience_circuitbreaker::CircuitBreakerConfigError,
}

impl Breaker {
    /// A breaker for sends: [`SendError::Retryable`] and
    /// [`SendError::Unknown`] count as failures, a refused call answers
    /// [`SendError::CircuitOpen`].
    pub(crate) fn new(
        target: &'static str,
        config: &BreakerConfig,
    ) -> Result<Self, BreakerConfigError> {
        Self::with_classifier(target, config, is_failure, |target, retry_in| {
            SendError::CircuitOpen { target, retry_in }
        })
    }
}

impl<Res, E> Breaker<Res, E>
where
    Res: 'static,
    E: 'static,
{
    /// A breaker whose failures are what `classify` says, and whose refused
    /// calls answer `open_error`.
    pub(crate) fn with_classifier(
        target: &'static str,
        config: &BreakerConfig,
        classify: Classify<Res, E>,
        open_error: OpenError<E>,
    ) -> Result<Self, BreakerConfigError> {
        let opened_at = Arc::new(Mutex::new(None));
        let openings = Arc::new(AtomicU64::new(0));
        let on_transition = {
            let opened_at = Arc::clone(&opened_at);
            let openings = Arc::clone(&openings);
            move |from: CircuitState, to: CircuitState| {
                let (from, to) = (
                    BreakerState::from_circuit(from),
                    BreakerState::from_circuit(to),
                );
                metrics::gauge!("campanile_breaker_state", "target" => target)
                    .set(f64::from(to.gauge()));
                if to == BreakerState::Open {
                    *opened_at.lock().unwrap_or_else(PoisonError::into_inner) =
                        Some(Instant::now());
                    openings.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(
                        target_name = target,
                        from = from.as_str(),
                        "circuit breaker opened: nothing is sent to {target} until a probe succeeds; messages wait in the outbox"
                    );
                } else {
                    tracing::info!(
                        target_name = target,
                        from = from.as_str(),
                        to = to.as_str(),
                        "circuit breaker changed state"
                    );
                }
            }
        };
        let (layer, handle) = CircuitBreakerLayer::builder()
            .name(target)
            .consecutive_failures(config.failure_threshold.max(1))
            .wait_duration_in_open(config.open_for)
            .permitted_calls_in_half_open(config.half_open_probes.max(1))
            .failure_classifier(classify)
            .on_state_transition(on_transition)
            .build_with_handle()
            .map_err(|source| BreakerConfigError { target, source })?;
        metrics::gauge!("campanile_breaker_state", "target" => target).set(0.0);
        Ok(Self {
            target,
            layer,
            handle,
            open_for: config.open_for,
            opened_at,
            openings,
            probe_admitted_at: Arc::default(),
            open_error,
        })
    }

    pub(crate) fn layer(&self) -> &CircuitBreakerLayer<FnClassifier<Classify<Res, E>>> {
        &self.layer
    }

    pub(crate) fn target(&self) -> &'static str {
        self.target
    }

    pub(crate) fn state(&self) -> BreakerState {
        BreakerState::from_circuit(self.handle.state())
    }

    pub(crate) fn openings(&self) -> u64 {
        self.openings.load(Ordering::Relaxed)
    }

    /// How long the breaker still refuses every call but a probe: while it
    /// is open and its open time has not run out, and while its probe is out
    /// (half-open: the probe was let through and its outcome decides). `None`
    /// once a probe may go, or when closed.
    pub(crate) fn refusing_for(&self) -> Option<Duration> {
        match self.state() {
            BreakerState::Closed => return None,
            BreakerState::HalfOpen => return Some(PROBE_WAIT),
            BreakerState::Open => {}
        }
        let opened = (*self
            .opened_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner))?;
        self.open_for
            .checked_sub(opened.elapsed())
            .filter(|left| !left.is_zero())
    }

    /// Whether a caller may send now (`None`) or should wait (how long).
    /// Closed: yes. Open, with open time left: wait. Open with its open
    /// time run out, or half-open: one caller per [`PROBE_WAIT`] × 5 goes
    /// (the probe, or a call the breaker itself refuses while its probe is
    /// out, at no cost to the provider); the others wait. So a probe that
    /// was cancelled before its outcome was recorded is followed by another,
    /// and a breaker that needs several probes gets them.
    pub(crate) fn admit(&self) -> Option<Duration> {
        match self.state() {
            BreakerState::Closed => return None,
            BreakerState::Open => {
                if let Some(left) = self.refusing_for() {
                    return Some(left);
                }
            }
            BreakerState::HalfOpen => {}
        }
        let mut admitted = self
            .probe_admitted_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let opened = *self
            .opened_at
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match *admitted {
            // A caller was let go since the breaker last opened, recently.
            Some(at) if opened.is_none_or(|o| at > o) && at.elapsed() < PROBE_WAIT * 5 => {
                Some(PROBE_WAIT)
            }
            _ => {
                *admitted = Some(Instant::now());
                None
            }
        }
    }

    /// Opens the breaker now, whatever the count of failures (a cause
    /// known to last, such as a spent daily quota). It refuses every call
    /// for its open time, then lets a probe through as usual.
    pub(crate) async fn force_open(&self) {
        self.handle.force_open().await;
    }

    /// The breaker's error as the guarded call's error type.
    pub(crate) fn error(&self, e: CircuitBreakerError<E>) -> E {
        match e {
            CircuitBreakerError::Inner(e) => e,
            CircuitBreakerError::OpenCircuit => {
                metrics::counter!("campanile_outbound_attempts_total", "target" => self.target, "outcome" => "breaker_open").increment(1);
                (self.open_error)(self.target, self.refusing_for())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An open breaker whose open time ran out lets one caller go to probe
    /// and tells the others to wait; if that caller never sends (its row
    /// was taken by another instance, its probe cancelled), another goes a
    /// second later: the breaker never stays stuck.
    #[tokio::test]
    async fn one_caller_goes_to_probe_and_another_if_it_never_did() {
        let config = BreakerConfig {
            open_for: Duration::from_millis(50),
            ..BreakerConfig::default()
        };
        let breaker = Breaker::new("twilio", &config).unwrap();
        assert_eq!(breaker.admit(), None, "closed");
        breaker.force_open().await;
        *breaker.opened_at.lock().unwrap() = Some(Instant::now());
        assert!(breaker.admit().is_some(), "open, with open time left");

        tokio::time::sleep(Duration::from_millis(80)).await;
        assert_eq!(breaker.admit(), None, "the probe goes");
        assert_eq!(breaker.admit(), Some(PROBE_WAIT), "the others wait");
        assert_eq!(breaker.admit(), Some(PROBE_WAIT));

        tokio::time::sleep(PROBE_WAIT * 5 + Duration::from_millis(50)).await;
        assert_eq!(breaker.admit(), None, "no outcome came: another goes");
    }
}
