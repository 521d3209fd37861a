//! The webhook verification handshake (`GET` with `hub.mode`, `hub.challenge`,
//! `hub.verify_token`).
//!
//! Meta sends it whenever the callback URL or the verify token is set. Answer
//! `200` with the challenge as the body when the token matches; anything else
//! makes Meta refuse the callback URL.

use http::StatusCode;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Why a verification handshake was refused.
///
/// [`SubscriptionError::status`] gives the HTTP status to answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SubscriptionError {
    /// A query parameter Meta always sends is absent or empty.
    #[error("the {0} query parameter is missing")]
    MissingParam(&'static str),
    /// `hub.mode` is not `subscribe`.
    #[error("hub.mode is {0:?}; only \"subscribe\" is accepted")]
    WrongMode(String),
    /// `hub.verify_token` is not the configured verify token.
    #[error("hub.verify_token does not match the configured verify token")]
    TokenMismatch,
    /// The configured verify token is empty, so no handshake can succeed.
    #[error("no verify token is configured for Meta webhooks")]
    NotConfigured,
}

impl SubscriptionError {
    /// The HTTP status to answer with: 403 when the token is wrong (or none is
    /// configured), 400 when the request is not a well-formed handshake.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            Self::TokenMismatch | Self::NotConfigured => StatusCode::FORBIDDEN,
            Self::MissingParam(_) | Self::WrongMode(_) => StatusCode::BAD_REQUEST,
        }
    }
}

/// Checks a verification request and returns the challenge to echo.
///
/// `query` is the raw query string (without `?`), percent-encoded as received.
/// When a parameter is repeated, the first occurrence counts. The token is
/// compared in constant time (over SHA-256 digests, so its length does not leak
/// either).
///
/// ```
/// use framework::provider::meta::{verify_subscription, SubscriptionError};
///
/// let query = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=s3cr%C3%A9t";
/// assert_eq!(verify_subscription(query, "s3crét").unwrap(), "1158201444");
///
/// let err = verify_subscription(query, "other").unwrap_err();
/// assert_eq!(err, SubscriptionError::TokenMismatch);
/// assert_eq!(err.status(), http::StatusCode::FORBIDDEN);
/// ```
///
/// # Errors
///
/// [`SubscriptionError::MissingParam`] when `hub.mode`, `hub.challenge` or
/// `hub.verify_token` is absent or empty, [`SubscriptionError::WrongMode`] when
/// the mode is not `subscribe`, [`SubscriptionError::TokenMismatch`] when the
/// token differs, and [`SubscriptionError::NotConfigured`] when `verify_token`
/// is empty.
pub fn verify_subscription(query: &str, verify_token: &str) -> Result<String, SubscriptionError> {
    let mut mode = None;
    let mut challenge = None;
    let mut token = None;
    for (name, value) in form_urlencoded::parse(query.trim_start_matches('?').as_bytes()) {
        let slot = match name.as_ref() {
            "hub.mode" => &mut mode,
            "hub.challenge" => &mut challenge,
            "hub.verify_token" => &mut token,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(value.into_owned());
        }
    }
    let mode = present(mode, "hub.mode")?;
    let challenge = present(challenge, "hub.challenge")?;
    let token = present(token, "hub.verify_token")?;
    if mode != "subscribe" {
        return Err(SubscriptionError::WrongMode(mode));
    }
    if verify_token.is_empty() {
        return Err(SubscriptionError::NotConfigured);
    }
    let given = Sha256::digest(token.as_bytes());
    let expected = Sha256::digest(verify_token.as_bytes());
    if bool::from(given.as_slice().ct_eq(expected.as_slice())) {
        Ok(challenge)
    } else {
        Err(SubscriptionError::TokenMismatch)
    }
}

fn present(value: Option<String>, name: &'static str) -> Result<String, SubscriptionError> {
    value
        .filter(|v| !v.is_empty())
        .ok_or(SubscriptionError::MissingParam(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_the_challenge_when_the_token_matches() {
        let q = "hub.mode=subscribe&hub.challenge=abc%20123&hub.verify_token=tok";
        assert_eq!(verify_subscription(q, "tok").unwrap(), "abc 123");
        // Order does not matter, a leading '?' is tolerated, unknown params are ignored.
        let q = "?hub.verify_token=tok&x=1&hub.challenge=42&hub.mode=subscribe";
        assert_eq!(verify_subscription(q, "tok").unwrap(), "42");
    }

    #[test]
    fn refuses_bad_handshakes_with_the_right_status() {
        let cases = [
            (
                "hub.challenge=1&hub.verify_token=tok",
                SubscriptionError::MissingParam("hub.mode"),
            ),
            (
                "hub.mode=subscribe&hub.verify_token=tok",
                SubscriptionError::MissingParam("hub.challenge"),
            ),
            (
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=",
                SubscriptionError::MissingParam("hub.verify_token"),
            ),
            (
                "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=tok",
                SubscriptionError::WrongMode("unsubscribe".to_owned()),
            ),
            (
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=tok2",
                SubscriptionError::TokenMismatch,
            ),
            (
                "hub.mode=subscribe&hub.challenge=1&hub.verify_token=to",
                SubscriptionError::TokenMismatch,
            ),
        ];
        for (query, expected) in cases {
            assert_eq!(
                verify_subscription(query, "tok"),
                Err(expected.clone()),
                "{query}"
            );
        }
        assert_eq!(
            SubscriptionError::TokenMismatch.status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            SubscriptionError::MissingParam("hub.mode").status(),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            verify_subscription("hub.mode=subscribe&hub.challenge=1&hub.verify_token=x", ""),
            Err(SubscriptionError::NotConfigured)
        );
    }
}
