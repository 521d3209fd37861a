//! `GET /api/jobs/dead` and `POST /api/jobs/dead/{id}/retry`: dead-lettered
//! jobs, as `campanile jobs dead|retry` shows and retries them: the
//! database queue's, and with Redis also BullMQ's (which runs the jobs
//! then; the database keeps the relays that never reached it).

use axum::Json;
use axum::extract::State;
use framework::jobs::{DeadJob, JobId, JobQueue};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiPath, ApiQuery};
use super::paging::{Page, Paging};
use super::problem::{ApiError, Problem};
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_dead_jobs))
        .routes(routes!(retry_dead_job))
}

/// Which queue keeps a dead job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStore {
    /// The database queue.
    Database,
    /// BullMQ on Redis.
    Bullmq,
}

/// A dead-lettered job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DeadJobView {
    /// Its queue, e.g. `send-invoice`.
    pub queue: String,
    /// Its id in its store.
    pub id: String,
    /// Where it is kept.
    pub store: JobStore,
    /// Its payload (JSON text: ids only).
    pub payload: String,
    /// How many times it ran.
    pub attempts: u32,
    /// Its last error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A job queued again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RetriedJob {
    /// Its queue.
    pub queue: String,
    /// Its id.
    pub id: String,
    /// Where it is kept.
    pub store: JobStore,
}

/// The query of `GET /api/jobs/dead`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeadJobQuery {
    /// Jobs per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// Only this queue's (`process-order`, `send-invoice`, …) [default: every queue].
    pub queue: Option<String>,
}

/// The query of `POST /api/jobs/dead/{id}/retry`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RetryQuery {
    /// The job's queue [default: the first queue with a dead job of that id].
    pub queue: Option<String>,
}

/// The queues `queue` names: that one (if it exists) or all of them.
fn queues(queue: Option<&str>) -> Result<Vec<&'static str>, ApiError> {
    let known = crate::jobs::queues();
    match queue {
        None => Ok(known),
        Some(name) => known
            .iter()
            .copied()
            .find(|q| *q == name)
            .map(|q| vec![q])
            .ok_or_else(|| {
                ApiError::invalid("queue", format!("the queues are {}", known.join(", ")))
            }),
    }
}

fn view(queue: &str, store: JobStore, job: DeadJob) -> DeadJobView {
    DeadJobView {
        queue: queue.to_owned(),
        id: job.id.as_str().to_owned(),
        store,
        payload: job.payload,
        attempts: job.attempts,
        error: job.error,
    }
}

/// Dead-lettered jobs, queue by queue, oldest first.
#[utoipa::path(
    get,
    path = "/jobs/dead",
    tag = "jobs",
    params(DeadJobQuery),
    responses(
        (status = 200, description = "A page of dead jobs", body = Page<DeadJobView>),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_dead_jobs(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<DeadJobQuery>,
) -> Result<Json<Page<DeadJobView>>, ApiError> {
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    let queues = queues(query.queue.as_deref())?;
    // Enough of each store to fill the page after the offset.
    let wanted = u32::try_from(paging.offset())
        .unwrap_or(u32::MAX)
        .saturating_add(paging.fetch());
    let mut all = Vec::new();
    for queue in queues {
        if let Some(redis) = &services.job_runner {
            let dead = redis
                .dead(queue, wanted)
                .await
                .map_err(ApiError::internal)?;
            all.extend(dead.into_iter().map(|j| view(queue, JobStore::Bullmq, j)));
        }
        let dead = services
            .jobs
            .dead(queue, wanted)
            .await
            .map_err(ApiError::internal)?;
        all.extend(dead.into_iter().map(|j| view(queue, JobStore::Database, j)));
    }
    Ok(Json(paging.slice(all, |j| j)))
}

/// Runs a dead job again, its attempts starting over.
#[utoipa::path(
    post,
    path = "/jobs/dead/{id}/retry",
    tag = "jobs",
    params(("id" = String, Path, description = "The job's id (from `GET /api/jobs/dead`)", pattern = "^[A-Za-z0-9_:.-]{1,64}$"), RetryQuery),
    responses(
        (status = 200, description = "The job is queued again", body = RetriedJob),
        (status = 400, description = "A bad id or queue", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No dead job with that id", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn retry_dead_job(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<RetryQuery>,
) -> Result<Json<RetriedJob>, ApiError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b))
    {
        return Err(ApiError::invalid(
            "id",
            "a job id is 1 to 64 letters, digits, '-', '_', ':' or '.'",
        ));
    }
    let job = JobId::new(id.clone());
    for queue in queues(query.queue.as_deref())? {
        if let Some(redis) = &services.job_runner
            && redis
                .retry_dead(queue, &job)
                .await
                .map_err(ApiError::internal)?
        {
            return Ok(Json(RetriedJob {
                queue: queue.to_owned(),
                id,
                store: JobStore::Bullmq,
            }));
        }
        if services
            .jobs
            .retry_dead(queue, &job)
            .await
            .map_err(ApiError::internal)?
        {
            return Ok(Json(RetriedJob {
                queue: queue.to_owned(),
                id,
                store: JobStore::Database,
            }));
        }
    }
    Err(ApiError::NotFound(format!("there is no dead job {id}")))
}
