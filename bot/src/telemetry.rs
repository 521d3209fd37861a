//! Logs and metrics.
//!
//! Logs are human-readable by default and JSON lines with `--json-logs`;
//! `RUST_LOG` filters them (default `info`). Metrics go to one
//! process-wide Prometheus recorder, rendered at `GET /metrics`:
//!
//! | metric | labels | from |
//! |---|---|---|
//! | `campanile_messages_in_total` | provider | every new inbound message |
//! | `campanile_messages_unaddressable_total` | provider | messages without a phone number (business-scoped user id only): acknowledged, not answered |
//! | `campanile_turns_total` | provider, outcome (`handled`, `duplicate`, `rate_limited`, `failed`, ...) | the trace layer, one per turn |
//! | `campanile_turn_duration_seconds` (histogram) | provider | the trace layer |
//! | `campanile_messages_out_total` | provider, outcome (`accepted`, `dry_run`, `retrying`, `failed`) | the outbox dispatcher, one per send |
//! | `campanile_delivery_status_total` | provider, status | status callbacks |
//! | `campanile_outbound_requests_total`, `campanile_outbound_request_seconds` | provider, outcome | the provider HTTP clients |
//! | `campanile_http_connections` (gauge) | | connections open ([`crate::http::serve`]) |
//! | `campanile_http_timeouts_total` | timeout (`header`, `body`, `idle`) | connections closed, or requests answered 408, for a client's slowness |

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::EnvFilter;

/// Installs the log subscriber (once; later calls do nothing). `default`
/// applies when `RUST_LOG` is unset (`info`; the terminal chat uses `warn`).
pub fn init_logs(json: bool, default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // Err means a subscriber is installed already (tests); keep it.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Turn latency buckets, in seconds: a turn is a few database round trips.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use; `None` when
/// another metrics recorder was installed first (then `/metrics` says so).
pub fn metrics() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(
                    Matcher::Suffix("_seconds".to_owned()),
                    &LATENCY_BUCKETS,
                )
                .and_then(|b| b.install_recorder());
            match builder {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error.message = %e, "metrics recorder not installed; /metrics is unavailable");
                    None
                }
            }
        })
        .clone()
}

fn describe() {
    metrics::describe_counter!(
        "campanile_messages_in_total",
        "Inbound messages received, once per provider message id"
    );
    metrics::describe_counter!(
        framework::webhook::UNADDRESSABLE_METRIC,
        "Inbound messages without a phone number (business-scoped user id only), acknowledged but not answered"
    );
    metrics::describe_counter!(
        "campanile_turns_total",
        "Turns by outcome (handled, duplicate, rate_limited, failed, ...)"
    );
    metrics::describe_histogram!(
        "campanile_turn_duration_seconds",
        metrics::Unit::Seconds,
        "Time from a message entering the pipeline to its turn's end"
    );
    metrics::describe_counter!(
        "campanile_messages_out_total",
        "Outbound send attempts by outcome"
    );
    metrics::describe_counter!(
        "campanile_delivery_status_total",
        "Delivery status reports from providers"
    );
    metrics::describe_gauge!(
        crate::http::serve::CONNECTIONS_METRIC,
        "HTTP connections open"
    );
    metrics::describe_counter!(
        crate::http::serve::TIMEOUTS_METRIC,
        "HTTP connections closed (header, idle) or requests answered 408 (body) because the client was too slow"
    );
}

/// Runs the recorder's upkeep (draining histogram buffers) every few
/// seconds until the process ends.
pub fn spawn_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    });
}
