//! `/api/rules`: automation rules as the operator manages them (written as
//! in the TOML file, as JSON), what each did, and a dry run, through
//! [`RuleService`](features::rules::RuleService).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use features::rules::{
    DeleteRule, DryRun, GetRule, Hit, ListRules, RuleError, RuleReport, RuleRuns, RuleSpec,
    RunRecord, SaveRule, SetRuleEnabled,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::problem::{ApiError, Problem};
use super::timestamp;
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, save_rule))
        .routes(routes!(get_rule, delete_rule))
        .routes(routes!(enable_rule))
        .routes(routes!(disable_rule))
        .routes(routes!(test_rule))
        .routes(routes!(rule_runs))
}

/// A rule as in the rule file, as JSON: `name`, `enabled`, `priority`,
/// `stop_processing`, `trigger` (one of `keyword`, `regex`,
/// `any_message`, `new_contact`, `birthday`, `cron`, `once`,
/// `order_confirmed`, `invoice_overdue`),
/// `conditions` (`tags`, `not_tags`, `opted_in`, `inside_window`,
/// `between`, `at_most`) and `actions` (each one of `send`, `tag`,
/// `untag`, `set`, `log`, `webhook`). See README.md.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct RuleBody(pub RuleSpec);

/// What a rule did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RunCountsView {
    /// Every run.
    pub fired: u64,
    /// Runs that did everything.
    pub succeeded: u64,
    /// Runs a condition stopped.
    pub skipped: u64,
    /// Runs an action failed.
    pub failed: u64,
}

/// A rule: as written, and what it did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleView {
    /// Its name.
    pub name: String,
    /// Whether it runs.
    pub enabled: bool,
    /// Higher first.
    pub priority: i32,
    /// The rule as written.
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// Its runs, by result.
    pub counts: RunCountsView,
    /// Last changed (RFC 3339, UTC).
    pub updated_at: String,
}

impl RuleView {
    fn of(report: &RuleReport) -> Self {
        let c = report.counts;
        Self {
            name: report.rule.spec.name.clone(),
            enabled: report.rule.spec.enabled,
            priority: report.rule.spec.priority,
            definition: serde_json::to_value(&report.rule.spec).unwrap_or_default(),
            counts: RunCountsView {
                fired: c.fired(),
                succeeded: c.succeeded,
                skipped: c.skipped,
                failed: c.failed,
            },
            updated_at: timestamp(report.rule.updated_ms),
        }
    }
}

/// Every rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RuleList {
    /// By name.
    pub rules: Vec<RuleView>,
}

/// One run of a rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunView {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// For whom.
    pub customer: String,
    /// The trigger's kind.
    pub trigger: String,
    /// Which occurrence (a message id, a local minute, a date).
    pub occurrence: String,
    /// `done`, `skipped` or `failed`.
    pub result: String,
    /// Why skipped or failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What was done, one line per action.
    pub actions: Vec<String>,
}

impl RunView {
    fn of(run: &RunRecord) -> Self {
        Self {
            at: timestamp(run.at_ms),
            customer: run.customer.as_str().to_owned(),
            trigger: run.trigger.clone(),
            occurrence: run.occurrence.clone(),
            result: run.result.as_str().to_owned(),
            detail: run.result.detail().map(str::to_owned),
            actions: run.actions.clone(),
        }
    }
}

/// A rule's last runs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunList {
    /// Newest first.
    pub runs: Vec<RunView>,
}

/// The query of `GET /api/rules/{name}/runs`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// How many (1 to 1000) [default: 50].
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u32>,
}

/// The query of `POST /api/rules/{name}/test`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TestQuery {
    /// How far back, e.g. `7d`, `12h` (up to 31 days) [default: 7d].
    pub since: Option<String>,
}

/// What a rule would have done for one customer at one time.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HitView {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub customer: String,
    /// The occurrence.
    pub occurrence: String,
    /// What it would have done; empty when skipped.
    pub actions: Vec<String>,
    /// Why it would have done nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

impl HitView {
    fn of(hit: &Hit) -> Self {
        Self {
            at: timestamp(hit.at_ms),
            customer: hit.customer.as_str().to_owned(),
            occurrence: hit.occurrence.clone(),
            actions: hit.actions.clone(),
            skipped: hit.skipped.clone(),
        }
    }
}

/// A dry run's answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DryRunView {
    /// From when (RFC 3339, UTC).
    pub since: String,
    /// Whom the rule would have hit, and with what, oldest first.
    pub hits: Vec<HitView>,
}

fn rule_error(e: RuleError) -> ApiError {
    match e {
        RuleError::Invalid { field, reason } => ApiError::invalid(field, reason),
        RuleError::NotFound(_) => ApiError::NotFound(e.to_string()),
        RuleError::BadFile(_) => ApiError::invalid("body", e.to_string()),
        e => ApiError::internal(e),
    }
}

async fn view(services: &Services, name: String) -> Result<RuleView, ApiError> {
    let report = services
        .shop
        .rules
        .get(GetRule { name })
        .await
        .map_err(rule_error)?;
    Ok(RuleView::of(&report))
}

/// Every rule, by name, with what it did.
#[utoipa::path(
    get,
    path = "/rules",
    tag = "rules",
    responses((status = 200, description = "Every rule, by name, with what it did", body = RuleList))
)]
pub async fn list_rules(State(services): State<Services>) -> Result<Json<RuleList>, ApiError> {
    let rules = services
        .shop
        .rules
        .list(ListRules)
        .await
        .map_err(rule_error)?;
    Ok(Json(RuleList {
        rules: rules.iter().map(RuleView::of).collect(),
    }))
}

/// Stores a rule after checking it (a rule of that name is replaced).
#[utoipa::path(
    post,
    path = "/rules",
    tag = "rules",
    request_body(content = RuleBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The rule, stored (a rule of that name replaced)", body = RuleView),
        (status = 400, description = "A bad field, named (`trigger.cron`, `actions[1].send.template.name`)", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn save_rule(
    State(services): State<Services>,
    ApiJson(RuleBody(spec)): ApiJson<RuleBody>,
) -> Result<Json<RuleView>, ApiError> {
    let saved = services
        .shop
        .rules
        .save(SaveRule { spec })
        .await
        .map_err(rule_error)?;
    Ok(Json(view(&services, saved.spec.name).await?))
}

/// One rule, with what it did.
#[utoipa::path(
    get,
    path = "/rules/{name}",
    tag = "rules",
    params(("name" = String, Path, description = "The rule's name", pattern = "^[a-z0-9_-]{1,64}$")),
    responses(
        (status = 200, description = "The rule, with what it did", body = RuleView),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_rule(
    State(services): State<Services>,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<RuleView>, ApiError> {
    Ok(Json(view(&services, name).await?))
}

/// Deletes a rule; its runs stay in the log.
#[utoipa::path(
    delete,
    path = "/rules/{name}",
    tag = "rules",
    params(("name" = String, Path, description = "The rule's name", pattern = "^[a-z0-9_-]{1,64}$")),
    responses(
        (status = 204, description = "Deleted (its runs stay in the log)"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete_rule(
    State(services): State<Services>,
    ApiPath(name): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    services
        .shop
        .rules
        .delete(DeleteRule { name })
        .await
        .map_err(rule_error)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn switch(services: &Services, name: String, enabled: bool) -> Result<RuleView, ApiError> {
    services
        .shop
        .rules
        .set_enabled(SetRuleEnabled {
            name: name.clone(),
            enabled,
        })
        .await
        .map_err(rule_error)?;
    view(services, name).await
}

/// Switches a rule on.
#[utoipa::path(
    post,
    path = "/rules/{name}/enable",
    tag = "rules",
    params(("name" = String, Path, description = "The rule's name", pattern = "^[a-z0-9_-]{1,64}$")),
    responses(
        (status = 200, description = "The rule, on", body = RuleView),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn enable_rule(
    State(services): State<Services>,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<RuleView>, ApiError> {
    Ok(Json(switch(&services, name, true).await?))
}

/// Switches a rule off (it can still be tested).
#[utoipa::path(
    post,
    path = "/rules/{name}/disable",
    tag = "rules",
    params(("name" = String, Path, description = "The rule's name", pattern = "^[a-z0-9_-]{1,64}$")),
    responses(
        (status = 200, description = "The rule, off", body = RuleView),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn disable_rule(
    State(services): State<Services>,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<RuleView>, ApiError> {
    Ok(Json(switch(&services, name, false).await?))
}

/// Dry run: whom the rule would have hit since then, with what.
#[utoipa::path(
    post,
    path = "/rules/{name}/test",
    tag = "rules",
    params(
        ("name" = String, Path, description = "The rule's name", pattern = "^[a-z0-9_-]{1,64}$"),
        TestQuery,
    ),
    responses(
        (status = 200, description = "Whom the rule would have hit since then, with what; nothing sent or stored", body = DryRunView),
        (status = 400, description = "A bad `since`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn test_rule(
    State(services): State<Services>,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<TestQuery>,
) -> Result<Json<DryRunView>, ApiError> {
    let since = match query.since.as_deref() {
        None => std::time::Duration::from_secs(7 * 24 * 3600),
        Some(text) => humantime::parse_duration(text)
            .map_err(|e| ApiError::invalid("since", format!("{text:?}: {e}")))?,
    };
    if since > std::time::Duration::from_secs(31 * 24 * 3600) {
        return Err(ApiError::invalid("since", "at most 31 days"));
    }
    let now = services.clock.now_ms();
    let since_ms = now.saturating_sub(i64::try_from(since.as_millis()).unwrap_or(i64::MAX));
    let hits = services
        .shop
        .rules
        .dry_run(DryRun {
            rule: name,
            since_ms,
        })
        .await
        .map_err(rule_error)?;
    Ok(Json(DryRunView {
        since: timestamp(since_ms),
        hits: hits.iter().map(HitView::of).collect(),
    }))
}

/// A rule's last runs, newest first.
#[utoipa::path(
    get,
    path = "/rules/{name}/runs",
    tag = "rules",
    params(
        ("name" = String, Path, description = "The rule's name", pattern = "^[a-z0-9_-]{1,64}$"),
        RunsQuery,
    ),
    responses(
        (status = 200, description = "The rule's last runs, newest first", body = RunList),
        (status = 400, description = "A bad limit", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn rule_runs(
    State(services): State<Services>,
    ApiPath(name): ApiPath<String>,
    ApiQuery(query): ApiQuery<RunsQuery>,
) -> Result<Json<RunList>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "1 to 1000"));
    }
    let runs = services
        .shop
        .rules
        .runs(RuleRuns { rule: name, limit })
        .await
        .map_err(rule_error)?;
    Ok(Json(RunList {
        runs: runs.iter().map(RunView::of).collect(),
    }))
}
