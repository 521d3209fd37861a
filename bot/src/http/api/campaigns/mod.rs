//! `/api/campaigns`: write a campaign, preview it, take it through its
//! life cycle, follow its progress and metrics, and list its recipients
//! (paged, or all as CSV), through
//! [`CampaignService`](features::campaigns::CampaignService) and the
//! `send-campaign` job.

mod views;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use features::campaigns::{
    CampaignError, CampaignId, ListCampaigns, ListRecipients, PreviewCampaign, Step,
};
use features::shared::CustomerPhone;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use self::views::{
    BoughtView, CampaignListQuery, CampaignReportView, CampaignView, CreateCampaignRequest,
    MetricsView, PreviewRequest, PreviewView, ProgressView, RecipientQuery, RecipientStateView,
    RecipientView, ScheduleRequest, StateView, TemplateView,
};
use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::paging::{Page, Paging};
use super::problem::{ApiError, Problem};
use crate::jobs::send_campaign::{self, StepError};
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_campaigns, create_campaign))
        .routes(routes!(get_campaign))
        .routes(routes!(preview_campaign))
        .routes(routes!(start_campaign))
        .routes(routes!(schedule_campaign))
        .routes(routes!(pause_campaign))
        .routes(routes!(resume_campaign))
        .routes(routes!(cancel_campaign))
        .routes(routes!(list_recipients))
        .routes(routes!(export_recipients))
}

/// What a campaign error answers.
fn campaign_error(e: CampaignError) -> ApiError {
    match e {
        CampaignError::NotFound(id) => ApiError::NotFound(format!("there is no campaign {id}")),
        CampaignError::BadName => ApiError::invalid("name", e.to_string()),
        CampaignError::Lifecycle(_)
        | CampaignError::EmptyAudience
        | CampaignError::Conflict(_)
        | CampaignError::NeedsTemplate => ApiError::Conflict(e.to_string()),
        other => ApiError::internal(other),
    }
}

fn campaign_id(text: &str) -> Result<CampaignId, ApiError> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(CampaignId::new)
        .ok_or_else(|| ApiError::invalid("id", "not a campaign id (a positive whole number)"))
}

async fn report(services: &Services, id: CampaignId) -> Result<CampaignReportView, ApiError> {
    let report = services
        .campaigns
        .report(id)
        .await
        .map_err(campaign_error)?;
    Ok(CampaignReportView::of(&report))
}

/// Campaigns, newest first.
#[utoipa::path(
    get,
    path = "/campaigns",
    tag = "campaigns",
    params(CampaignListQuery),
    responses(
        (status = 200, description = "A page of campaigns, newest first", body = Page<CampaignView>),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_campaigns(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<CampaignListQuery>,
) -> Result<Json<Page<CampaignView>>, ApiError> {
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    let campaigns = services
        .campaigns
        .list(ListCampaigns {
            before: paging.before().map(CampaignId::new),
            limit: paging.fetch(),
        })
        .await
        .map_err(campaign_error)?;
    Ok(Json(paging.keyset(
        campaigns,
        |(id, _)| id.get(),
        |(id, c)| CampaignView::of(id, &c),
    )))
}

/// Writes a draft.
#[utoipa::path(
    post,
    path = "/campaigns",
    tag = "campaigns",
    request_body(content = CreateCampaignRequest, content_type = "application/json"),
    responses(
        (status = 201, description = "The draft, with its id", body = CampaignReportView),
        (status = 400, description = "A bad field, named", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create_campaign(
    State(services): State<Services>,
    ApiJson(request): ApiJson<CreateCampaignRequest>,
) -> Result<(StatusCode, Json<CampaignReportView>), ApiError> {
    let command = request.command()?;
    let id = services
        .campaigns
        .create(command)
        .await
        .map_err(campaign_error)?;
    Ok((StatusCode::CREATED, Json(report(&services, id).await?)))
}

/// A campaign with its progress and metrics.
#[utoipa::path(
    get,
    path = "/campaigns/{id}",
    tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$")),
    responses(
        (status = 200, description = "The campaign, its progress and metrics", body = CampaignReportView),
        (status = 400, description = "Not a campaign id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_campaign(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CampaignReportView>, ApiError> {
    Ok(Json(report(&services, campaign_id(&id)?).await?))
}

/// The message one recipient would get now (by their 24-hour window).
#[utoipa::path(
    post,
    path = "/campaigns/{id}/preview",
    tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$")),
    request_body(content = PreviewRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The message as that recipient would get it", body = PreviewView),
        (status = 400, description = "A bad id or number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Their window is closed and the campaign has no template", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn preview_campaign(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<PreviewRequest>,
) -> Result<Json<PreviewView>, ApiError> {
    let id = campaign_id(&id)?;
    let phone = CustomerPhone::parse(&request.phone)
        .map_err(|e| ApiError::invalid("phone", e.to_string()))?;
    let window_open = send_campaign::window_open(&services.job_deps(), &phone)
        .await
        .map_err(ApiError::internal)?;
    let message = services
        .campaigns
        .preview(PreviewCampaign {
            id,
            phone: phone.clone(),
            window_open,
        })
        .await
        .map_err(campaign_error)?;
    Ok(Json(PreviewView::of(&phone, window_open, &message)))
}

async fn take(
    services: &Services,
    id: &str,
    step: Step,
) -> Result<Json<CampaignReportView>, ApiError> {
    let id = campaign_id(id)?;
    send_campaign::step(&services.job_deps(), id, step)
        .await
        .map_err(|e| match e {
            StepError::Campaign(e) => campaign_error(e),
            StepError::Queue(e) => ApiError::Internal(e),
        })?;
    Ok(Json(report(services, id).await?))
}

/// Starts a draft or scheduled campaign now: its audience is frozen.
#[utoipa::path(
    post,
    path = "/campaigns/{id}/start",
    tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$")),
    responses(
        (status = 200, description = "The campaign, running", body = CampaignReportView),
        (status = 400, description = "Not a campaign id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not startable: running or over, no audience, no message, or an audience that matches nobody", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn start_campaign(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CampaignReportView>, ApiError> {
    take(&services, &id, Step::Start).await
}

/// Schedules a draft to start at a time.
#[utoipa::path(
    post,
    path = "/campaigns/{id}/schedule",
    tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$")),
    request_body(content = ScheduleRequest, content_type = "application/json"),
    responses(
        (status = 200, description = "The campaign, scheduled", body = CampaignReportView),
        (status = 400, description = "A bad id or time", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not a draft, or no audience or message", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn schedule_campaign(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
    ApiJson(request): ApiJson<ScheduleRequest>,
) -> Result<Json<CampaignReportView>, ApiError> {
    let at = request
        .at
        .parse::<jiff::Timestamp>()
        .map_err(|_| ApiError::invalid("at", "not a time like 2026-12-24T10:00:00+05:30"))?
        .as_millisecond();
    take(&services, &id, Step::Schedule(at)).await
}

/// Pauses a running campaign: no batch starts after this answer.
#[utoipa::path(
    post,
    path = "/campaigns/{id}/pause",
    tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$")),
    responses(
        (status = 200, description = "The campaign, paused", body = CampaignReportView),
        (status = 400, description = "Not a campaign id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not running", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn pause_campaign(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CampaignReportView>, ApiError> {
    take(&services, &id, Step::Pause).await
}

/// Resumes a paused campaign.
#[utoipa::path(
    post,
    path = "/campaigns/{id}/resume",
    tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$")),
    responses(
        (status = 200, description = "The campaign, running again", body = CampaignReportView),
        (status = 400, description = "Not a campaign id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not paused (a completed or cancelled campaign never resumes)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn resume_campaign(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CampaignReportView>, ApiError> {
    take(&services, &id, Step::Resume).await
}

/// Cancels a campaign for good; its messages not sent yet (the outbox's
/// backlog, capped retries a day later) are taken back.
#[utoipa::path(
    post,
    path = "/campaigns/{id}/cancel",
    tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$")),
    responses(
        (status = 200, description = "The campaign, cancelled", body = CampaignReportView),
        (status = 400, description = "Not a campaign id", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Completed or cancelled already", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn cancel_campaign(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CampaignReportView>, ApiError> {
    take(&services, &id, Step::Cancel).await
}

/// The recipients' query, checked: the campaign, the state, the page.
fn recipients_query(
    id: &str,
    query: &RecipientQuery,
) -> Result<(ListRecipients, Paging), ApiError> {
    let id = campaign_id(id)?;
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    // The cursor is the last number's digits.
    let after =
        match paging.after {
            None => None,
            Some(digits) => Some(CustomerPhone::parse(&format!("+{digits}")).map_err(|_| {
                ApiError::invalid("cursor", "not a cursor: pass a page's next_cursor")
            })?),
        };
    Ok((
        ListRecipients {
            id,
            state: query.status.map(Into::into),
            after,
            limit: paging.fetch(),
        },
        paging,
    ))
}

fn phone_key(phone: &str) -> i64 {
    phone.trim_start_matches('+').parse().unwrap_or(i64::MAX)
}

/// A campaign's recipients and their states, by number.
#[utoipa::path(
    get,
    path = "/campaigns/{id}/recipients",
    tag = "campaigns",
    params(("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$"), RecipientQuery),
    responses(
        (status = 200, description = "A page of recipients, by number", body = Page<RecipientView>),
        (status = 400, description = "A bad id or query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_recipients(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<RecipientQuery>,
) -> Result<Json<Page<RecipientView>>, ApiError> {
    let (list, paging) = recipients_query(&id, &query)?;
    let rows = services
        .campaigns
        .recipients(list)
        .await
        .map_err(campaign_error)?;
    Ok(Json(paging.keyset(
        rows,
        |r| phone_key(r.recipient.phone.as_str()),
        RecipientView::of,
    )))
}

/// Every recipient of a campaign (in a state, when given) as CSV:
/// `phone,name,state,at`.
#[utoipa::path(
    get,
    path = "/campaigns/{id}/recipients.csv",
    tag = "campaigns",
    params(
        ("id" = String, Path, description = "The campaign's id", pattern = "^[1-9][0-9]{0,17}$"),
        ("status" = Option<RecipientStateView>, Query, description = "Only recipients in this state"),
    ),
    responses(
        (status = 200, description = "The recipients as CSV, by number", body = String, content_type = "text/csv"),
        (status = 400, description = "A bad id or query parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn export_recipients(
    State(services): State<Services>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<RecipientQuery>,
) -> Result<Response, ApiError> {
    let (mut list, _) = recipients_query(&id, &query)?;
    let mut csv = String::from("phone,name,state,at\n");
    loop {
        list.limit = 1000;
        let rows = services
            .campaigns
            .recipients(list.clone())
            .await
            .map_err(campaign_error)?;
        let last = rows.last().map(|r| r.recipient.phone.clone());
        for row in rows {
            let row_state = row.state;
            let view = RecipientView::of(row);
            // Names are the customers' own: a leading = + - @ would be a
            // formula in a spreadsheet.
            let mut name = view.name.unwrap_or_default().replace('"', "\"\"");
            if name.starts_with(['=', '+', '-', '@']) {
                name.insert(0, '\'');
            }
            let state = row_state.as_str();
            csv.push_str(&format!(
                "{},\"{name}\",{state},{}\n",
                view.phone,
                view.at.unwrap_or_default()
            ));
        }
        match last {
            Some(last) => list.after = Some(last),
            None => break,
        }
    }
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], csv).into_response())
}
