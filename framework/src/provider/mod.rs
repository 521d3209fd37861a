//! Pure translation between provider wire formats and the [message model](crate::message).
//!
//! No IO happens here: each adapter turns raw webhook bytes into
//! [`WebhookEvent`](crate::WebhookEvent)s, checks signatures, and turns
//! [`Reply`](crate::reply::Reply)s into the provider's outbound request payloads.
//! HTTP calls live in `infra_providers`; the axum routes that call these
//! functions live in [`crate::webhook`].
//!
//! - [`twilio`]: form-encoded webhooks, `X-Twilio-Signature`, Messages API form fields.
//! - [`meta`]: the Cloud API's verification handshake, JSON webhooks,
//!   `X-Hub-Signature-256`, Graph API message JSON.
//!
//! Wire types (the serde structs mirroring the providers' JSON) are private to
//! each adapter; only the message model and the small request/response types
//! below cross the boundary.

pub mod meta;
pub mod twilio;

use http::StatusCode;

use crate::message::Provider;

/// Why a webhook request was refused.
///
/// [`WebhookError::status`] gives the HTTP status to answer with: 403 for a
/// signature problem (nothing is processed), 415 for a wrong content type, 400
/// for a body that cannot be read. A well-formed message of an unknown type is
/// not an error; it becomes [`Content::Unsupported`](crate::Content::Unsupported).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signature header is missing, malformed or does not match.
    #[error("signature check failed: {0}")]
    Signature(#[from] SignatureError),
    /// The request's content type is not the one the provider sends.
    #[error("content type {found:?} is not accepted here; send {expected}")]
    ContentType {
        /// The content type received (empty when there was none).
        found: String,
        /// The content type expected.
        expected: &'static str,
    },
    /// The body is empty.
    #[error("the request body is empty")]
    EmptyBody,
    /// The body is not valid UTF-8.
    #[error("the request body is not valid UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// A form body that cannot be decoded.
    #[error("malformed form body: {0}")]
    MalformedForm(String),
    /// A JSON body that cannot be parsed or does not have the expected shape.
    #[error("invalid JSON body: {0}")]
    InvalidJson(#[source] serde_json::Error),
    /// A field the provider always sends is missing.
    #[error("required field {0} is missing")]
    MissingField(String),
    /// A field has a value that cannot be understood.
    #[error("field {field} has an invalid value: {reason}")]
    InvalidField {
        /// The field's name, e.g. `From`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl WebhookError {
    /// The HTTP status to answer with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::Signature(_) => StatusCode::FORBIDDEN,
            Self::ContentType { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// Why a webhook signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The signature header is absent.
    #[error("the {0} header is missing")]
    Missing(&'static str),
    /// The header is present but not in the provider's format.
    #[error("the {header} header is malformed: {reason}")]
    Malformed {
        /// The header's name.
        header: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The signature does not match the request.
    #[error("the signature does not match the request")]
    Mismatch,
    /// Twilio JSON webhook: the body's SHA-256 does not match `bodySHA256` in the
    /// URL, or the URL carries no `bodySHA256`.
    #[error("the body hash does not match the bodySHA256 query parameter")]
    BodyHash,
    /// No secret is configured for this provider, so nothing can be verified.
    #[error("no secret is configured to verify {0} webhooks")]
    NotConfigured(Provider),
}

/// Why a reply cannot be rendered for a provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// The provider cannot send this kind of reply (e.g. reactions on Twilio).
    #[error("{provider} cannot send {kind} replies")]
    Unsupported {
        /// The provider.
        provider: Provider,
        /// The reply kind, as [`Reply::kind`](crate::reply::Reply::kind) names it.
        kind: &'static str,
    },
    /// The reply has nothing to send (e.g. an empty text); providers reject
    /// empty messages, so this is caught before the send.
    #[error("the {kind} reply is empty; providers reject empty messages")]
    Empty {
        /// The reply kind, as [`Reply::kind`](crate::reply::Reply::kind) names it.
        kind: &'static str,
    },
    /// A template has no Twilio Content SID configured.
    #[error(
        "template {name:?} has no Twilio Content SID; configure one or set Template::content_sid"
    )]
    MissingContentSid {
        /// The template's name.
        name: String,
    },
}

/// A provider's message id as a webhook names it, when it can be one: not
/// empty, and without control characters. Twilio's `SM…`/`MM…` SIDs and
/// Meta's `wamid.…` are printable ASCII; an id with a line break or a NUL
/// in it is a forgery (or a bug), and would travel on into stores, keys and
/// log lines.
///
/// # Errors
///
/// [`WebhookError::MissingField`] when empty, [`WebhookError::InvalidField`]
/// (naming the field, never repeating the value) when it holds a control
/// character.
pub(crate) fn message_id(value: &str, field: &str) -> Result<crate::MessageId, WebhookError> {
    if value.is_empty() {
        return Err(WebhookError::MissingField(field.to_owned()));
    }
    if value.chars().any(char::is_control) {
        return Err(WebhookError::InvalidField {
            field: field.to_owned(),
            reason: "a message id cannot contain control characters".to_owned(),
        });
    }
    Ok(crate::MessageId::new(value))
}
