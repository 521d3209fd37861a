//! The operator's endpoints: `GET /healthz` (the process is alive),
//! `GET /readyz` (the database and Redis, if configured, answer; with each
//! provider's circuit breaker in its JSON body) and `GET /metrics`
//! (Prometheus text format).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use infra_providers::policy::{BreakerReport, Resilient};
use infra_sql::Database;
use serde::Serialize;

use crate::stores::Rates;

/// What the operator's endpoints check and show.
#[derive(Clone)]
pub struct Ops {
    /// The database `/readyz` pings.
    pub db: Database,
    /// Redis, which `/readyz` pings when configured.
    pub redis: Option<infra_redis::RedisConnection>,
    /// The process's metrics recorder.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
    /// The providers behind their policies, whose breakers `/readyz` shows.
    pub outbound: Resilient<Rates>,
    /// Whether Zoho CRM is configured (then `/readyz` shows the last
    /// catalog sync).
    pub zoho: bool,
}

impl std::fmt::Debug for Ops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ops")
            .field("db", &self.db.backend_name())
            .field("redis", &self.redis.is_some())
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

/// `GET /healthz`.
pub async fn healthz() -> &'static str {
    "ok\n"
}

/// What `/readyz` answers (JSON), and `campanile status` prints.
#[derive(Debug, Serialize)]
pub struct Readiness {
    /// `ready` or `not ready`.
    pub status: &'static str,
    /// `ok` or `unreachable`.
    pub database: &'static str,
    /// `ok`, `unreachable`, or `off` (no `REDIS_URL`).
    pub redis: &'static str,
    /// Each configured provider's circuit breaker. An open breaker does not
    /// make the instance unready: the outage is the provider's, and every
    /// instance would see it; replies wait in the outbox meanwhile.
    pub breakers: Vec<BreakerReport>,
    /// With Zoho CRM configured: when the catalog was last synced from it.
    /// A stale sync does not make the instance unready: the last synced
    /// catalog keeps serving.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogSync>,
}

/// The last successful catalog sync from Zoho CRM, in [`Readiness`].
#[derive(Debug, Serialize)]
pub struct CatalogSync {
    /// When (RFC 3339, UTC), or `None` if never.
    pub catalog_synced_at: Option<String>,
    /// How long ago, in seconds, or `None` if never.
    pub age_seconds: Option<u64>,
}

/// `GET /readyz`: 200 when the database and Redis (if configured) answer,
/// 503 otherwise; the body says which, and how each breaker stands.
pub async fn readyz(State(ops): State<Ops>) -> impl IntoResponse {
    let database = match ops.db.ping().await {
        Ok(()) => "ok",
        Err(e) => {
            tracing::warn!(error.message = %e, "readiness check failed: database");
            "unreachable"
        }
    };
    let redis = match &ops.redis {
        None => "off",
        Some(redis) => match redis::cmd("PING")
            .query_async::<String>(&mut redis.manager().clone())
            .await
        {
            Ok(_) => "ok",
            Err(e) => {
                tracing::warn!(error.message = %e, "readiness check failed: redis");
                "unreachable"
            }
        },
    };
    let ready = database == "ok" && redis != "unreachable";
    let catalog = if ops.zoho {
        let last = infra_shop::sync_marks::last(&ops.db, infra_shop::sync_marks::CATALOG)
            .await
            .unwrap_or_else(|e| {
                tracing::warn!(error.message = %e, "cannot read the last catalog sync");
                None
            });
        Some(CatalogSync {
            catalog_synced_at: last.and_then(|ms| {
                jiff::Timestamp::from_millisecond(ms)
                    .ok()
                    .map(|t| t.to_string())
            }),
            age_seconds: last
                .map(|ms| u64::try_from(ops.db.now_ms().saturating_sub(ms) / 1000).unwrap_or(0)),
        })
    } else {
        None
    };
    let body = Readiness {
        status: if ready { "ready" } else { "not ready" },
        database,
        redis,
        breakers: ops.outbound.breakers(),
        catalog,
    };
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body))
}

/// `GET /metrics`.
pub async fn metrics(State(ops): State<Ops>) -> axum::response::Response {
    record_rule_runs(&ops.db).await;
    match &ops.metrics {
        Some(handle) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            handle.render(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable\n",
        )
            .into_response(),
    }
}

/// Sets `campanile_rule_runs{rule,result}` from the run log: the whole
/// deployment's runs of each rule (every instance reads the same shared
/// database), as the operator API counts them.
async fn record_rule_runs(db: &infra_sql::Database) {
    use features::rules::RuleRepository as _;
    match infra_shop::rules::DbRuleRepository::new(db.clone())
        .counts()
        .await
    {
        Ok(counts) => {
            for (rule, c) in counts {
                for (result, n) in [
                    ("succeeded", c.succeeded),
                    ("skipped", c.skipped),
                    ("failed", c.failed),
                ] {
                    // A gauge reads a count of a few billion exactly.
                    #[allow(clippy::cast_precision_loss)]
                    let n = n as f64;
                    metrics::gauge!("campanile_rule_runs", "rule" => rule.clone(), "result" => result)
                        .set(n);
                }
            }
        }
        Err(e) => tracing::warn!(error.message = %e, "cannot read the rules' run counts"),
    }
}
