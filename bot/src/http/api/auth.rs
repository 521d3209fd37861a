//! The operator API's bearer token: every route under `/api/` (its
//! OpenAPI document and its fallbacks included) requires
//! `Authorization: Bearer <CAMPANILE_ADMIN_TOKEN>`; otherwise 401 with
//! `WWW-Authenticate: Bearer` and a problem body.
//!
//! The token is compared in constant time: both sides are hashed with
//! SHA-256 first, so neither its content nor its length shows in the time
//! an answer takes. It is never logged.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use super::problem::ApiError;

/// The token the API requires, kept as its SHA-256 digest.
#[derive(Clone)]
pub struct AdminToken {
    digest: [u8; 32],
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminToken(<hidden>)")
    }
}

impl AdminToken {
    /// The token `token` (from `CAMPANILE_ADMIN_TOKEN`).
    #[must_use]
    pub fn new(token: &SecretString) -> Self {
        Self {
            digest: Sha256::digest(token.expose_secret().as_bytes()).into(),
        }
    }

    /// Whether `presented` is the token, in constant time.
    #[must_use]
    pub fn accepts(&self, presented: &[u8]) -> bool {
        let digest: [u8; 32] = Sha256::digest(presented).into();
        digest.ct_eq(&self.digest).into()
    }
}

/// The bearer token of an `Authorization` header's value, if it has one
/// (the scheme's case does not matter).
fn bearer(value: &[u8]) -> Option<&[u8]> {
    let scheme = value.get(..7)?;
    if !scheme.eq_ignore_ascii_case(b"bearer ") {
        return None;
    }
    let token = value.get(7..)?.trim_ascii();
    (!token.is_empty()).then_some(token)
}

/// Middleware: runs the request only with the right bearer token.
pub async fn require_token(
    State(token): State<AdminToken>,
    request: Request,
    next: Next,
) -> Response {
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| bearer(value.as_bytes()))
        .is_some_and(|presented| token.accepts(presented));
    if authorized {
        next.run(request).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_token_is_accepted() {
        let token = AdminToken::new(&SecretString::from("admin-token-0123456789"));
        assert!(token.accepts(b"admin-token-0123456789"));
        assert!(!token.accepts(b"admin-token-012345678"));
        assert!(!token.accepts(b""));
        assert!(!format!("{token:?}").contains("admin"));
    }

    #[test]
    fn the_bearer_scheme_is_read_in_any_case() {
        assert_eq!(bearer(b"Bearer abc"), Some(&b"abc"[..]));
        assert_eq!(bearer(b"bearer  abc "), Some(&b"abc"[..]));
        assert_eq!(bearer(b"Basic abc"), None);
        assert_eq!(bearer(b"Bearer "), None);
        assert_eq!(bearer(b"Bear"), None);
    }
}
