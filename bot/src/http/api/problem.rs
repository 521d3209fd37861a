//! Errors as RFC 9457 problem details: every error the operator API
//! answers is an `application/problem+json` body ([`Problem`]) made from an
//! [`ApiError`]. Bad input names its field in the `errors` extension.
//!
//! An error changes nothing: handlers check their input before they call a
//! service, and a service refuses a command as a whole.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of a problem body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem detail (RFC 9457).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Problem {
    /// What kind of problem, as a URI (`urn:campanile:problem:…`).
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// For bad input: each field at fault and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

/// A field of the request that was refused, in [`Problem::errors`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field: a query parameter (`limit`), a path parameter
    /// (`number`), a JSON body's field (`reference`), `body` for a body as a
    /// whole, or `line N` for a row of a CSV body.
    pub field: String,
    /// Why it was refused.
    pub message: String,
}

impl FieldError {
    /// `field` refused because of `message`.
    #[must_use]
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Why an operator API request failed; answered as a [`Problem`].
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request's query, path or body is malformed or out of range
    /// (400).
    #[error("invalid request: {}", describe(.0))]
    Invalid(Vec<FieldError>),
    /// The body is well-formed but cannot be applied (422).
    #[error("{detail}")]
    Unprocessable {
        /// What cannot be applied.
        detail: String,
        /// The fields (or CSV lines) at fault.
        errors: Vec<FieldError>,
    },
    /// No or a wrong bearer token (401).
    #[error("a valid bearer token is required")]
    Unauthorized,
    /// No such resource (404).
    #[error("{0}")]
    NotFound(String),
    /// The path exists but not with this method (405).
    #[error("this method is not allowed here")]
    MethodNotAllowed,
    /// The resource is not in a state that allows this (409).
    #[error("{0}")]
    Conflict(String),
    /// The body is too large (413).
    #[error("the body is too large")]
    TooLarge,
    /// The body is not of the media type the operation takes (415).
    #[error("expected a body of type {0}")]
    UnsupportedMediaType(&'static str),
    /// Storage or another failure of ours (500); the cause is logged, not
    /// told.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

fn describe(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ApiError {
    /// Bad input in one field.
    #[must_use]
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// A failure of ours, logged with its cause chain when answered.
    #[must_use]
    pub fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Box::new(error))
    }

    /// The status code it is answered with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Invalid(_) => StatusCode::BAD_REQUEST,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The problem body.
    #[must_use]
    pub fn problem(&self) -> Problem {
        let (kind, title) = match self {
            Self::Invalid(_) => ("invalid-input", "Invalid input"),
            Self::Unprocessable { .. } => ("unprocessable", "Cannot be applied"),
            Self::Unauthorized => ("unauthorized", "Unauthorized"),
            Self::NotFound(_) => ("not-found", "Not found"),
            Self::MethodNotAllowed => ("method-not-allowed", "Method not allowed"),
            Self::Conflict(_) => ("conflict", "Conflict"),
            Self::TooLarge => ("too-large", "Body too large"),
            Self::UnsupportedMediaType(_) => ("unsupported-media-type", "Unsupported media type"),
            Self::Internal(_) => ("internal", "Internal error"),
        };
        let errors = match self {
            Self::Invalid(errors) | Self::Unprocessable { errors, .. } => errors.clone(),
            _ => Vec::new(),
        };
        Problem {
            kind: format!("urn:campanile:problem:{kind}"),
            title: title.to_owned(),
            status: self.status().as_u16(),
            detail: self.to_string(),
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(cause) = &self {
            tracing::error!(error.cause_chain = ?cause, error.message = %cause, "operator API request failed");
        }
        let mut response = (self.status(), self.problem()).into_response();
        if matches!(self, Self::Unauthorized) {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"campanile\""),
            );
        }
        response
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        match serde_json::to_vec(&self) {
            Ok(body) => (
                status,
                [(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON))],
                body,
            )
                .into_response(),
            Err(_) => status.into_response(),
        }
    }
}

/// The fallback of `/api/`: no such route (404).
pub async fn not_found() -> ApiError {
    ApiError::NotFound("there is no such operator API route".to_owned())
}

/// The fallback of a route called with another method (405).
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_names_its_fields() {
        let problem = ApiError::invalid("limit", "must be at most 500").problem();
        let json = serde_json::to_value(&problem).unwrap();
        assert_eq!(json["type"], "urn:campanile:problem:invalid-input");
        assert_eq!(json["status"], 400);
        assert_eq!(json["errors"][0]["field"], "limit");
        assert_eq!(
            json["detail"],
            "invalid request: limit: must be at most 500"
        );
    }

    #[test]
    fn unauthorized_says_how_to_authenticate() {
        let response = ApiError::Unauthorized.into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response.headers()[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer")
        );
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
    }
}
