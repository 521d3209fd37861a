//! `/api/handoffs` and `/api/conversations/{customer}/messages`: the
//! operators' side of a handoff ([`crate::handoff`]): the queue of
//! conversations handed to a person, a reply to a customer (inside the
//! 24-hour window), and giving the conversation back to the bot.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use features::handoff::{
    Handoff, HandoffError, HandoffFilter, HandoffId, HandoffReason, HandoffStatus, ListHandoffs,
    MAX_OPERATOR_CHARS, NoteOperatorReply, OpenHandoffFor, ReleaseHandoff, ReleaseReason, Released,
};
use features::shared::CustomerPhone;
use framework::reply::Reply;
use infra_sql::UnitOfWork;
use infra_sql::sender::{Outgoing, Sender, SenderError};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::extract::{ApiJson, ApiPath, ApiQuery};
use super::paging::{Page, Paging};
use super::problem::{ApiError, Problem};
use super::timestamp;
use crate::services::Services;

/// The routes.
pub fn routes() -> OpenApiRouter<Services> {
    OpenApiRouter::new()
        .routes(routes!(list_handoffs))
        .routes(routes!(release_handoff))
        .routes(routes!(send_message))
}

/// The longest operator message (WhatsApp's text limit).
pub const MAX_TEXT_CHARS: usize = 4_096;

/// A conversation handed to a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HandoffView {
    /// The handoff's id (the list's order).
    pub id: i64,
    /// The customer (E.164).
    pub customer: String,
    /// `waiting` (no operator reply yet), `active` or `released`.
    pub status: String,
    /// Released: by `operator`, `idle` or `customer`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_by: Option<String>,
    /// `customer_asked` or `offered` (the bot could not answer).
    pub reason: String,
    /// Offered: the question the bot could not answer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<String>,
    /// When it was opened (RFC 3339, UTC).
    pub opened_at: String,
    /// The customer's last message while handed off.
    pub last_customer_at: String,
    /// The last operator reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_operator_at: Option<String>,
    /// Who replied last.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// When it was released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released_at: Option<String>,
}

impl HandoffView {
    fn of(h: Handoff) -> Self {
        let released_by = match h.status {
            HandoffStatus::Released { reason } => Some(
                match reason {
                    ReleaseReason::ByOperator => "operator",
                    ReleaseReason::Idle => "idle",
                    ReleaseReason::ByCustomer => "customer",
                }
                .to_owned(),
            ),
            _ => None,
        };
        let question = match &h.reason {
            HandoffReason::Offered { question } => Some(question.clone()),
            HandoffReason::CustomerAsked => None,
        };
        Self {
            id: h.id.get(),
            customer: h.customer.as_str().to_owned(),
            status: h.status.kind().to_owned(),
            released_by,
            reason: h.reason.kind().to_owned(),
            question,
            opened_at: timestamp(h.opened_at_ms),
            last_customer_at: timestamp(h.last_customer_at_ms),
            last_operator_at: h.last_operator_at_ms.map(timestamp),
            operator: h.operator,
            released_at: h.released_at_ms.map(timestamp),
        }
    }
}

/// The query of `GET /api/handoffs`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandoffListQuery {
    /// `open` (waiting and active: the queue), `waiting`, `active` or `all`
    /// [default: open].
    pub status: Option<String>,
    /// Handoffs per page (1 to 500) [default: 50].
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the page before.
    pub cursor: Option<String>,
}

/// An operator's message to a customer.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorMessage {
    /// The text (1 to 4096 characters).
    #[schema(min_length = 1, max_length = 4096)]
    pub text: String,
    /// Who writes (recorded on the handoff) [default: operator].
    #[schema(max_length = 100)]
    #[serde(default)]
    pub operator: Option<String>,
}

/// What happened to an operator's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MessageSent {
    /// `queued` (in the outbox, sent in order) or `duplicate` (a message
    /// with this `Idempotency-Key` was queued before).
    pub status: String,
    /// The customer's handoff, when one is open.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handoff: Option<HandoffView>,
}

fn phone(text: &str) -> Result<CustomerPhone, ApiError> {
    CustomerPhone::parse(text).map_err(|e| ApiError::invalid("customer", e.to_string()))
}

fn handoff_error(e: HandoffError) -> ApiError {
    if e.is_user_error() {
        ApiError::invalid("operator", e.to_string())
    } else {
        ApiError::internal(e)
    }
}

/// The operators' queue: open handoffs, oldest first.
#[utoipa::path(
    get,
    path = "/handoffs",
    tag = "handoffs",
    params(HandoffListQuery),
    responses(
        (status = 200, description = "A page of handoffs, oldest first", body = Page<HandoffView>),
        (status = 400, description = "A bad query parameter", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list_handoffs(
    State(services): State<Services>,
    ApiQuery(query): ApiQuery<HandoffListQuery>,
) -> Result<Json<Page<HandoffView>>, ApiError> {
    let paging = Paging::new(query.limit, query.cursor.as_deref())?;
    let filter = match query.status.as_deref() {
        None => HandoffFilter::Open,
        Some(text) => HandoffFilter::parse(text)
            .ok_or_else(|| ApiError::invalid("status", "open, waiting, active or all"))?,
    };
    let after = paging
        .after
        .and_then(|n| i64::try_from(n).ok())
        .map(HandoffId::new);
    let found = services
        .shop
        .handoffs
        .list(ListHandoffs {
            filter,
            after,
            limit: paging.fetch(),
        })
        .await
        .map_err(handoff_error)?;
    Ok(Json(paging.keyset(found, |h| h.id.get(), HandoffView::of)))
}

/// Gives a customer's conversation back to the bot; the customer is told.
#[utoipa::path(
    post,
    path = "/handoffs/{customer}/release",
    tag = "handoffs",
    params(("customer" = String, Path, description = "The customer's number (E.164)", pattern = "^\\+[1-9][0-9]{6,14}$")),
    responses(
        (status = 200, description = "Released: the bot answers the customer again", body = HandoffView),
        (status = 400, description = "Not a phone number", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The customer has no open handoff", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn release_handoff(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<HandoffView>, ApiError> {
    let customer = phone(&number)?;
    let locale =
        crate::jobs::channel::locale_of(&services.shop.customers, &services.shop.texts, &customer)
            .await;
    // The release and its notice commit together, or neither does.
    let uow = UnitOfWork::new(&services.db);
    let handoff = uow
        .run(async {
            let released = services
                .shop
                .handoffs
                .release(ReleaseHandoff {
                    customer: customer.clone(),
                    reason: ReleaseReason::ByOperator,
                })
                .await
                .map_err(handoff_error)?;
            let Released::Released(handoff) = released else {
                return Err(ApiError::NotFound(format!(
                    "{} has no open handoff",
                    customer.as_str()
                )));
            };
            crate::handoff::tell_released(
                &Sender::new(services.outbox.clone()),
                &services.shop.texts,
                &locale,
                &customer,
                ReleaseReason::ByOperator,
                format!("handoff:{}:released", handoff.id.get()),
            )
            .await
            .map_err(ApiError::internal)?;
            Ok(handoff)
        })
        .await?;
    uow.commit().await.map_err(ApiError::internal)?;
    Ok(Json(HandoffView::of(handoff)))
}

/// Sends a customer a message from an operator: free-form text, inside the
/// 24-hour window only. With an open handoff, the reply is noted on it
/// (`waiting` becomes `active`). An `Idempotency-Key` header makes a
/// retried request queue the message once.
#[utoipa::path(
    post,
    path = "/conversations/{customer}/messages",
    tag = "handoffs",
    params(
        ("customer" = String, Path, description = "The customer's number (E.164)", pattern = "^\\+[1-9][0-9]{6,14}$"),
        ("Idempotency-Key" = Option<String>, Header, description = "Queues the message once however often the request is sent"),
    ),
    request_body(content = OperatorMessage, content_type = "application/json"),
    responses(
        (status = 202, description = "Queued for sending", body = MessageSent),
        (status = 400, description = "A bad number or text, named", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The customer never wrote to the shop", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Outside the 24-hour window: only a template may go", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is too large", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "The body is not JSON", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn send_message(
    State(services): State<Services>,
    ApiPath(number): ApiPath<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<OperatorMessage>,
) -> Result<(StatusCode, Json<MessageSent>), ApiError> {
    let customer = phone(&number)?;
    let text = request.text.trim();
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_TEXT_CHARS {
        return Err(ApiError::invalid(
            "text",
            format!("1 to {MAX_TEXT_CHARS} characters"),
        ));
    }
    let operator = request
        .operator
        .as_deref()
        .map_or("operator", str::trim)
        .to_owned();
    if operator.is_empty() || operator.chars().count() > MAX_OPERATOR_CHARS {
        return Err(ApiError::invalid(
            "operator",
            format!("1 to {MAX_OPERATOR_CHARS} characters"),
        ));
    }
    let key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .filter(|k| !k.is_empty() && k.len() <= 200)
                .ok_or_else(|| {
                    ApiError::invalid("Idempotency-Key", "1 to 200 visible ASCII characters")
                })?,
        ),
    };
    let Ok(to) = framework::PhoneNumber::parse(customer.as_str()) else {
        return Err(ApiError::invalid("customer", "not a phone number"));
    };
    let mut outgoing = Outgoing::new(Reply::text(text));
    if let Some(key) = key {
        outgoing = outgoing.with_key(format!("operator:{}:{key}", customer.as_str()));
    }
    // The message and the note on the handoff commit together.
    let uow = UnitOfWork::new(&services.db);
    let (duplicate, handoff) = uow
        .run(async {
            let sent = Sender::new(services.outbox.clone())
                .send(&to, outgoing)
                .await
                .map_err(|e| match e {
                    SenderError::NeverWrote { .. } => ApiError::NotFound(format!(
                        "{} never wrote to the shop: there is no conversation",
                        customer.as_str()
                    )),
                    SenderError::WindowClosed { .. } => ApiError::Conflict(format!(
                        "{} last wrote more than 24 hours ago (less a margin): WhatsApp takes only a template now",
                        customer.as_str()
                    )),
                    other => ApiError::internal(other),
                })?;
            let duplicate = matches!(sent, infra_sql::sender::Sent::AlreadySent);
            let handoffs = &services.shop.handoffs;
            let noted = if duplicate {
                None
            } else {
                handoffs
                    .note_operator_reply(NoteOperatorReply {
                        customer: customer.clone(),
                        operator,
                    })
                    .await
                    .map_err(handoff_error)?
                    .handoff()
                    .cloned()
            };
            let handoff = match noted {
                Some(handoff) => Some(handoff),
                None => handoffs
                    .open_for(OpenHandoffFor {
                        customer: customer.clone(),
                    })
                    .await
                    .map_err(handoff_error)?,
            };
            Ok::<_, ApiError>((duplicate, handoff))
        })
        .await?;
    uow.commit().await.map_err(ApiError::internal)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(MessageSent {
            status: if duplicate { "duplicate" } else { "queued" }.to_owned(),
            handoff: handoff.map(HandoffView::of),
        }),
    ))
}
