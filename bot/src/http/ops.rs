//! The operator's endpoints: `GET /healthz` (the process is alive),
//! `GET /readyz` (the database and Redis, if configured, answer) and
//! `GET /metrics` (Prometheus text format).

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use infra_sql::Database;

/// What the operator's endpoints check and show.
#[derive(Clone)]
pub struct Ops {
    /// The database `/readyz` pings.
    pub db: Database,
    /// Redis, which `/readyz` pings when configured.
    pub redis: Option<infra_redis::RedisConnection>,
    /// The process's metrics recorder.
    pub metrics: Option<metrics_exporter_prometheus::PrometheusHandle>,
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

/// `GET /readyz`: 200 when every store answers, 503 naming the first that
/// does not.
pub async fn readyz(State(ops): State<Ops>) -> impl IntoResponse {
    if let Err(e) = ops.db.ping().await {
        tracing::warn!(error.message = %e, "readiness check failed: database");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: database unreachable\n".to_owned(),
        );
    }
    if let Some(redis) = &ops.redis
        && let Err(e) = redis::cmd("PING")
            .query_async::<String>(&mut redis.manager().clone())
            .await
    {
        tracing::warn!(error.message = %e, "readiness check failed: redis");
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: redis unreachable\n".to_owned(),
        );
    }
    (StatusCode::OK, "ready\n".to_owned())
}

/// `GET /metrics`.
pub async fn metrics(State(ops): State<Ops>) -> axum::response::Response {
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
