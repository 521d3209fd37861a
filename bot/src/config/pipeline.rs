//! How long the pipeline, the inbox and the dispatcher hold things, and
//! whether `serve` runs the job workers.

use std::time::Duration;

use serde::de::Error as _;
use serde::{Deserialize as _, Deserializer};

framework::settings! {
    /// How long the pipeline, the inbox and the dispatcher hold things.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct PipelineSettings {
        /// How long a quiet conversation keeps its cart, e.g. 30m, 24h
        /// [default: 24h].
        #[var("CAMPANILE_SESSION_TTL")]
        #[serde(with = "humantime_serde")]
        pub session_ttl: Duration,
        /// How long a message being processed is held without renewal; its
        /// turn renews it every third of this, so a crashed instance's
        /// messages run again on another within this time [default: 10s].
        #[var("CAMPANILE_IN_FLIGHT_TTL")]
        #[serde(with = "humantime_serde")]
        pub in_flight_ttl: Duration,
        /// Lease of a conversation's lane, renewed every third of it while a
        /// turn runs; a crashed holder's lane frees after it [default: 10s].
        #[var("CAMPANILE_LANE_TTL")]
        #[serde(with = "humantime_serde")]
        pub lane_ttl: Duration,
        /// How long a dispatcher holds a reply it is sending without renewal;
        /// the send renews it every third of this, so a crashed dispatcher's
        /// replies go out from another within this time [default: 10s].
        #[var("CAMPANILE_SEND_LEASE")]
        #[serde(with = "humantime_serde")]
        pub send_lease: Duration,
        /// Customers the dispatcher sends to at once; a slow or hung provider
        /// request holds only its own customer [default: 64].
        #[var("CAMPANILE_SEND_CONCURRENCY")]
        pub send_concurrency: usize,
        /// Turns that run at once on this instance; messages beyond it stay
        /// recorded and run as turns finish, so a flood of webhooks cannot
        /// take every database connection from the dispatcher [default: 8].
        #[var("CAMPANILE_TURN_CONCURRENCY")]
        pub turn_concurrency: usize,
    }
}

impl Default for PipelineSettings {
    /// 24 h sessions; 10 s in-flight claims, lanes and send leases (each
    /// renewed while its work runs); 64 customers sent to at once; 8 turns
    /// at once.
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(24 * 60 * 60),
            in_flight_ttl: Duration::from_secs(10),
            lane_ttl: Duration::from_secs(10),
            send_lease: Duration::from_secs(10),
            send_concurrency: 64,
            turn_concurrency: 8,
        }
    }
}

framework::settings! {
    /// The background job workers.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct WorkerSettings {
        /// Whether `serve` also runs the background job workers (invoices,
        /// reminders): on or off; `campanile worker` runs them alone
        /// [default: on].
        #[var("CAMPANILE_WORKERS")]
        #[serde(deserialize_with = "on_off")]
        pub run: bool,
    }
}

impl Default for WorkerSettings {
    /// `serve` runs the workers.
    fn default() -> Self {
        Self { run: true }
    }
}

/// `on` or `off` (also `true`/`false`, `yes`/`no`, `1`/`0`).
fn on_off<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    match String::deserialize(deserializer)?
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "on" | "true" | "yes" | "1" => Ok(true),
        "off" | "false" | "no" | "0" => Ok(false),
        _ => Err(D::Error::custom("must be on or off")),
    }
}
