//! `GET /api/messages`: the message log, newest first, through
//! [`MessageQueries`](infra_sql::messages::MessageQueries) (what
//! `campanile messages` prints).

use axum::Json;
use axum::extract::State;
use infra_sql::messages::{LogEntry, MessageStatus, OutboundStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::ApiQuery;
use super::paging::{Page, Paging};
use super::problem::{ApiError, Problem};
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new().routes(routes!(list_messages))
}

/// The longest `customer` filter.
const MAX_CUSTOMER_LEN: usize = 64;

/// An entry of the message log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MessageView {
    /// The row's id.
    pub id: i64,
    /// `in` (from the customer) or `out` (to the customer).
    pub direction: String,
    /// `twilio`, `meta` or `local`.
    pub provider: String,
    /// The provider's id of the message, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_message_id: Option<String>,
    /// The customer (E.164, or a provider's user id).
    pub customer: String,
    /// The kind of message (`text`, `template`, …).
    pub kind: String,
    /// Its text or a summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Inbound: `received`, `handled`, `unreadable`, `unsupported`;
    /// outbound: the values of the `status` filter.
    pub status: String,
    /// The last error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Outbound: the provider id of the inbound message it answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_reply_to: Option<String>,
    /// Outbound: how many times it was sent.
    pub attempts: i32,
}

impl From<LogEntry> for MessageView {
    fn from(row: LogEntry) -> Self {
        Self {
            id: row.id,
            direction: row.direction().as_str().to_owned(),
            provider: row.provider.as_str().to_owned(),
            provider_message_id: row.provider_message_id,
            customer: row.customer,
            kind: row.kind,
            body: row.body,
            status: row.status.as_str().to_owned(),
            error: row.error,
            in_reply_to: row.in_reply_to,
            attempts: row.attempts,
        }
    }
}

/// An outbound message's status, to filter by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutboundStatusFilter {
    /// Stored, to be sent.
    Pending,
    /// Accepted by the provider.
    Queued,
    /// Handed to WhatsApp.
    Sent,
    /// On the customer's device.
    Delivered,
    /// Read.
    Read,
    /// Not delivered, for good.
    Failed,
    /// No credentials: logged, never sent.
    DryRun,
    /// A terminal chat's.
    Local,
    /// Sent, but whether the provider took it is unknown: review these.
    Unknown,
}

impl From<OutboundStatusFilter> for OutboundStatus {
    fn from(status: OutboundStatusFilter) -> Self {
        match status {
            OutboundStatusFilter::Pending => Self::Pending,
            OutboundStatusFilter::Queued => Self::Queued,
            OutboundStatusFilter::Sent => Self::Sent,
            OutboundStatusFilter::Delivered => Self::Delivered,
            OutboundStatusFilter::Read => Self::Read,
            OutboundStatusFilter::Failed => Self::Failed,
            OutboundStatusFilter::DryRun => Self::DryRun,
            OutboundStatusFilter::Local => Self::Local,
            OutboundStatusFilter::Unknown => Self::Unknown,
        }
    }
}

/// The query of `GET /api/messages`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageListQuery {
    /// Entries per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
    /// Only this customer's messages (as stored: E.164, e.g. `+919812345678`).
    #[param(max_length = 64)]
    pub customer: Option<String>,
    /// Only outbound messages in this status.
    #[param(inline)]
    pub status: Option<OutboundStatusFilter>,
}

/// The message log, newest first.
#[utoipa::path(
    get,
    path = "/messages",
    tag = "messages",
    params(MessageListQuery),
    responses(
        (status = 200, description = "A page of the log, newest first", body = Page<MessageView>),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_messages(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<MessageListQuery>,
) -> Result<Json<Page<MessageView>>, ApiError> {
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    if query
        .customer
        .as_ref()
        .is_some_and(|c| c.chars().count() > MAX_CUSTOMER_LEN)
    {
        return Err(ApiError::invalid(
            "customer",
            format!("at most {MAX_CUSTOMER_LEN} characters"),
        ));
    }
    let rows = services
        .messages
        .page(
            query.customer.as_deref(),
            query.status.map(|s| MessageStatus::Out(s.into())),
            paging.before(),
            u64::from(paging.fetch()),
        )
        .await
        .map_err(ApiError::internal)?;
    Ok(Json(paging.keyset(rows, |r| r.id, MessageView::from)))
}
