//! The OpenAPI 3.1 document, `GET /api/openapi.json`: made from the
//! handlers' `#[utoipa::path]` attributes as the routes are registered
//! (`utoipa_axum`), so it lists exactly the routes there are. Like every
//! route under `/api/`, it requires the bearer token: it describes the
//! shop's operations, and whoever may read it may call them.

use std::sync::Arc;

use axum::Extension;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};

use super::problem::{FieldError, PROBLEM_JSON, Problem};

/// The name of the bearer token's security scheme.
const BEARER: &str = "bearer";

/// The document's fixed parts: info, tags, the problem schemas.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Campanile operator API",
        description = "The shop's orders, invoices, catalog, campaigns, automation rules, dead jobs and message log. \
            Every operation requires `Authorization: Bearer <CAMPANILE_ADMIN_TOKEN>`; \
            errors are RFC 9457 problem details (`application/problem+json`)."
    ),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "orders", description = "Every customer's orders"),
        (name = "customers", description = "Customers' tags and consent"),
        (name = "campaigns", description = "Campaigns: write, preview, start, pause, resume, cancel, follow"),
        (name = "rules", description = "Automation rules: write, switch on or off, dry-run, see their runs"),
        (name = "handoffs", description = "Conversations handed to a person: the queue, replies, giving them back to the bot"),
        (name = "invoices", description = "Invoices and their payments"),
        (name = "catalog", description = "The products on sale"),
        (name = "jobs", description = "Dead-lettered background jobs"),
        (name = "messages", description = "The message log"),
        (name = "meta", description = "This document"),
    )
)]
pub struct ApiDoc;

/// The document served: the fixed parts, the routes' paths under `/api`,
/// the bearer scheme required by every operation, and a problem body for
/// 401 and any other error status.
#[must_use]
pub fn document(paths: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi().nest("/api", paths);
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.components
        .get_or_insert_with(Default::default)
        .add_security_scheme(
            BEARER,
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    doc.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    let problem = |description: &str| {
        RefOr::T(
            ResponseBuilder::new()
                .description(description)
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build(),
        )
    };
    for item in doc.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            let responses = &mut operation.responses.responses;
            responses
                .entry("401".to_owned())
                .or_insert_with(|| problem("No or a wrong bearer token"));
            responses
                .entry("default".to_owned())
                .or_insert_with(|| problem("Any other error"));
        }
    }
    doc
}

/// The document as served, made once.
#[derive(Debug, Clone)]
pub struct Document(pub Arc<str>);

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API", body = Object, content_type = "application/json"))
)]
pub async fn openapi_json(Extension(Document(json)): Extension<Document>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        json.to_string(),
    )
        .into_response()
}
