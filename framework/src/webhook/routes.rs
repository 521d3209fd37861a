use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, OriginalUri, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::config::WebhookConfig;
use super::ingress::Ingress;
use super::outbox::OutboundTurn;
use super::refusals::{REFUSAL_LOG_INTERVAL, RefusalLog, RefusalReason};
use crate::provider::{SignatureError, WebhookError, meta, twilio};
use crate::reply::Reply;
use crate::{Provider, WebhookEvent};

/// Path of the Twilio webhook (messages and status callbacks).
pub const TWILIO_PATH: &str = "/webhooks/twilio";
/// Path of the Meta webhook (GET handshake, POST notifications).
pub const META_PATH: &str = "/webhooks/meta";

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

struct Shared<I> {
    ingress: I,
    config: WebhookConfig,
    refusals: RefusalLog,
}

/// The Twilio and Meta webhook routes, handing verified events to `ingress`.
///
/// The returned router has no state of its own, so it merges into any
/// `Router<S>`.
pub fn routes_with_ingress<I, S>(ingress: I, config: WebhookConfig) -> axum::Router<S>
where
    I: Ingress,
    S: Clone + Send + Sync + 'static,
{
    let limit = config.body_limit;
    let shared = Arc::new(Shared {
        ingress,
        config,
        refusals: RefusalLog::new(REFUSAL_LOG_INTERVAL),
    });
    axum::Router::new()
        .route(TWILIO_PATH, post(twilio_webhook::<I>))
        .route(META_PATH, get(meta_handshake::<I>).post(meta_webhook::<I>))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(shared)
}

/// Answers a refused request: the status of the error and its message as
/// plain text. The refusal is counted, and logged as
/// [`RefusalLog`](super::refusals) allows (signature failures at `warn`, as
/// they may be an attack or a misconfiguration).
fn refuse(refusals: &RefusalLog, provider: Provider, error: &WebhookError) -> Response {
    let status = error.status();
    let reason = match error {
        WebhookError::Signature(SignatureError::NotConfigured(_)) => RefusalReason::NotConfigured,
        WebhookError::Signature(_) => RefusalReason::Signature,
        WebhookError::ContentType { .. } => RefusalReason::ContentType,
        _ => RefusalReason::Malformed,
    };
    refusals.refused(provider, reason, status.as_u16(), error);
    plain(status, format!("{error}\n"))
}

/// Answers a body that could not be read: over the limit (413), or cut off.
fn refuse_body(refusals: &RefusalLog, provider: Provider, rejection: &BytesRejection) -> Response {
    let status = rejection.status();
    let reason = if status == StatusCode::PAYLOAD_TOO_LARGE {
        RefusalReason::TooLarge
    } else {
        RefusalReason::UnreadableBody
    };
    let text = rejection.body_text();
    refusals.refused(provider, reason, status.as_u16(), &text);
    plain(status, format!("{text}\n"))
}

fn plain(status: StatusCode, text: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}

/// Checks the request's media type, ignoring parameters such as `charset`.
fn check_content_type(headers: &HeaderMap, expected: &'static str) -> Result<(), WebhookError> {
    let found = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let media_type = found.split(';').next().unwrap_or_default().trim();
    if media_type.eq_ignore_ascii_case(expected) {
        Ok(())
    } else {
        Err(WebhookError::ContentType {
            found: found.to_owned(),
            expected,
        })
    }
}

/// Hands the events to the ingress in a task of their own, so a provider that
/// hangs up mid-request cannot cancel a turn half-way. Returns the turns to
/// answer inline.
async fn hand_over<I: Ingress>(
    ingress: &I,
    provider: &'static str,
    events: Vec<WebhookEvent>,
) -> Result<Vec<OutboundTurn>, Response> {
    let ingress = ingress.clone();
    let failed = || {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "temporarily unable to process; please retry\n",
        )
            .into_response()
    };
    match tokio::spawn(async move { ingress.accept(events).await }).await {
        Ok(Ok(inline)) => Ok(inline),
        Ok(Err(e))
            if e.downcast_ref::<super::ingress::InFlightElsewhere>()
                .is_some() =>
        {
            tracing::info!(
                provider,
                "a message of this webhook is being processed elsewhere; asking the provider to retry"
            );
            Err((
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "being processed; please retry\n",
            )
                .into_response())
        }
        Ok(Err(e)) => {
            tracing::error!(
                provider,
                error.message = %e,
                error.cause_chain = ?e,
                "webhook not processed; answered 500 (the provider may send it again)"
            );
            Err(failed())
        }
        Err(join) => {
            tracing::error!(
                provider,
                error.message = %join,
                "webhook processing panicked; answered 500 (the provider may send it again)"
            );
            Err(failed())
        }
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn twilio_webhook<I: Ingress>(
    State(shared): State<Arc<Shared<I>>>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let refusals = &shared.refusals;
    let refused = |e: &WebhookError| refuse(refusals, Provider::Twilio, e);
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refuse_body(refusals, Provider::Twilio, &rejection),
    };
    let Some(secrets) = &shared.config.twilio else {
        return refused(&SignatureError::NotConfigured(Provider::Twilio).into());
    };
    if let Err(e) = check_content_type(&headers, FORM) {
        return refused(&e);
    }
    let path_and_query = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let url = format!("{}{path_and_query}", secrets.public_url);
    let signature = header_str(&headers, twilio::SIGNATURE_HEADER);
    if let Err(e) = twilio::verify_form(&secrets.auth_token, &url, &body, signature) {
        return refused(&e.into());
    }
    let event = match twilio::parse_webhook(&body) {
        Ok(event) => event,
        Err(e) => return refused(&e),
    };
    match hand_over(&shared.ingress, "twilio", vec![event]).await {
        Ok(inline) => {
            let replies: Vec<Reply> = inline.into_iter().flat_map(|t| t.replies).collect();
            let twiml = twilio::twiml_response(&replies);
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/xml")], twiml).into_response()
        }
        Err(response) => response,
    }
}

async fn meta_handshake<I: Ingress>(
    State(shared): State<Arc<Shared<I>>>,
    RawQuery(query): RawQuery,
) -> Response {
    let refusals = &shared.refusals;
    let Some(secrets) = &shared.config.meta else {
        return refuse(
            refusals,
            Provider::Meta,
            &SignatureError::NotConfigured(Provider::Meta).into(),
        );
    };
    match meta::verify_subscription(query.as_deref().unwrap_or_default(), &secrets.verify_token) {
        Ok(challenge) => {
            tracing::info!("meta webhook subscription verified");
            plain(StatusCode::OK, challenge)
        }
        Err(e) => {
            let status = e.status();
            refusals.refused(
                Provider::Meta,
                RefusalReason::Handshake,
                status.as_u16(),
                &e,
            );
            plain(status, format!("{e}\n"))
        }
    }
}

async fn meta_webhook<I: Ingress>(
    State(shared): State<Arc<Shared<I>>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let refusals = &shared.refusals;
    let refused = |e: &WebhookError| refuse(refusals, Provider::Meta, e);
    let body = match body {
        Ok(body) => body,
        Err(rejection) => return refuse_body(refusals, Provider::Meta, &rejection),
    };
    let Some(secrets) = &shared.config.meta else {
        return refused(&SignatureError::NotConfigured(Provider::Meta).into());
    };
    if let Err(e) = check_content_type(&headers, JSON) {
        return refused(&e);
    }
    let signature = header_str(&headers, meta::SIGNATURE_HEADER);
    if let Err(e) = meta::verify_signature(secrets.app_secret.as_bytes(), &body, signature) {
        return refused(&e.into());
    }
    let events = match meta::parse_webhook(&body) {
        Ok(events) => events,
        Err(e) => return refused(&e),
    };
    match hand_over(&shared.ingress, "meta", events).await {
        Ok(inline) => {
            for turn in inline {
                tracing::warn!(
                    in_reply_to = %turn.in_reply_to,
                    replies = turn.replies.len(),
                    "Meta has no inline answers; these replies are not sent (use an outbox that calls the Cloud API)"
                );
            }
            StatusCode::OK.into_response()
        }
        Err(response) => response,
    }
}
