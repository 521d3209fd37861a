//! The operator API's extractors: axum's `Query`, `Path` and `Json`, whose
//! rejections are answered as [problem](super::problem) bodies that name
//! the field at fault, instead of axum's plain-text 400/422.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use serde::de::DeserializeOwned;

use super::problem::ApiError;

/// The query string as `T`; a bad parameter is a 400 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        serde_path_to_error::deserialize(deserializer)
            .map(Self)
            .map_err(|e| refused(&e, "query"))
    }
}

/// The path's parameters as `T`; a bad one is a 400 naming it.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(e)) => {
                let field = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key }
                    | ErrorKind::DeserializeError { key, .. } => key.clone(),
                    _ => "path".to_owned(),
                };
                Err(ApiError::invalid(field, e.body_text()))
            }
            Err(other) => Err(ApiError::invalid("path", other.body_text())),
        }
    }
}

/// A JSON body as `T` (`Content-Type: application/json`); a bad field is a
/// 400 naming it, another media type 415, a body over axum's limit 413.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_media_type(request.headers(), "application/json") {
            return Err(ApiError::UnsupportedMediaType("application/json"));
        }
        let bytes = body(request, state).await?;
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value =
            serde_path_to_error::deserialize(&mut deserializer).map_err(|e| refused(&e, "body"))?;
        deserializer
            .end()
            .map_err(|e| ApiError::invalid("body", e.to_string()))?;
        Ok(Self(value))
    }
}

/// A CSV body as text (`Content-Type: text/csv`, UTF-8).
#[derive(Debug, Clone, Default)]
pub struct CsvBody(pub String);

impl<S> FromRequest<S> for CsvBody
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !has_media_type(request.headers(), "text/csv") {
            return Err(ApiError::UnsupportedMediaType("text/csv"));
        }
        let bytes = body(request, state).await?;
        String::from_utf8(bytes.to_vec())
            .map(Self)
            .map_err(|_| ApiError::invalid("body", "the CSV is not UTF-8 text"))
    }
}

/// The body's bytes, up to axum's body limit.
async fn body<S>(request: Request, state: &S) -> Result<Bytes, ApiError>
where
    S: Send + Sync,
{
    Bytes::from_request(request, state).await.map_err(|e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge
        } else {
            ApiError::invalid("body", e.body_text())
        }
    })
}

/// Whether the request's `Content-Type` is `media_type` (parameters such
/// as `charset` aside).
fn has_media_type(headers: &HeaderMap, media_type: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case(media_type))
}

/// A deserialization error as a 400 naming the field: its path, or, for a
/// missing field, that field; `whole` when the error is about the input as
/// a whole.
fn refused<E>(error: &serde_path_to_error::Error<E>, whole: &str) -> ApiError
where
    E: std::fmt::Display,
{
    let message = error.inner().to_string();
    let path = error.path().to_string();
    let field = if path == "." {
        missing_field(&message).unwrap_or(whole).to_owned()
    } else {
        path
    };
    ApiError::invalid(field, message)
}

/// The field of serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message
        .strip_prefix("missing field `")?
        .split('`')
        .next()
        .filter(|f| !f.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_field_is_named() {
        assert_eq!(
            missing_field("missing field `reference` at line 1 column 2"),
            Some("reference")
        );
        assert_eq!(missing_field("expected value"), None);
    }
}
