//! The accounts server: `POST {accounts}/oauth/v2/token` with the refresh
//! token, and how its answers read.

use std::time::Duration;

use secrecy::{ExposeSecret as _, SecretString};

use super::client::network_error;
use super::error::{ThrottleScope, ZohoError};
use super::settings::ZohoConfig;
use super::token::{CachedToken, Refresh};
use super::wire;

/// The accounts server: `POST {accounts}/oauth/v2/token` with the refresh
/// token.
#[derive(Debug)]
pub(super) struct Accounts {
    http: reqwest::Client,
    url: String,
    client_id: String,
    client_secret: SecretString,
    refresh_token: SecretString,
}

impl Accounts {
    /// The token endpoint of `base` (checked), with `config`'s credentials.
    pub(super) fn new(http: reqwest::Client, base: &str, config: &ZohoConfig) -> Self {
        Self {
            http,
            url: format!("{base}/oauth/v2/token"),
            client_id: config.client_id().to_owned(),
            client_secret: config.client_secret().clone(),
            refresh_token: config.refresh_token().clone(),
        }
    }
}

impl Refresh for Accounts {
    async fn refresh(&self) -> Result<CachedToken, ZohoError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
            ("refresh_token", self.refresh_token.expose_secret()),
        ];
        let response = self
            .http
            .post(&self.url)
            .form(&form)
            .send()
            .await
            .map_err(|e| network_error(e, false))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| network_error(e, false))?;
        if status >= 500 {
            return Err(ZohoError::Retryable {
                message: format!("the zoho accounts server answered HTTP {status}"),
                code: None,
            });
        }
        let Ok(answer) = serde_json::from_slice::<wire::TokenAnswer>(&body) else {
            return Err(ZohoError::Retryable {
                message: format!("the zoho accounts server's answer (HTTP {status}) is not JSON"),
                code: None,
            });
        };
        token_from(answer)
    }
}

/// A token, or why there is none. "Access Denied" comes with HTTP 200: it is
/// a throttle, never a token.
fn token_from(answer: wire::TokenAnswer) -> Result<CachedToken, ZohoError> {
    let description = answer.error_description.unwrap_or_default();
    match (answer.access_token, answer.error) {
        (Some(token), None) if !token.is_empty() => Ok(CachedToken::expiring_in(
            token,
            Duration::from_secs(answer.expires_in.unwrap_or(3600)),
        )),
        (_, Some(error))
            if error.eq_ignore_ascii_case("access denied")
                || description
                    .to_ascii_lowercase()
                    .contains("too many requests") =>
        {
            Err(ZohoError::Throttled {
                scope: ThrottleScope::TokenRefresh,
                message: format!(
                    "the zoho accounts server refused a token refresh: {error} {description}"
                ),
                retry_after: None,
            })
        }
        (_, error) => Err(ZohoError::Auth {
            message: format!(
                "the zoho accounts server refused the refresh token: {} {description}",
                error.as_deref().unwrap_or("no token in the answer")
            ),
            code: error,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(json: &str) -> Result<CachedToken, ZohoError> {
        token_from(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn access_denied_is_a_throttle_never_a_token() {
        for json in [
            r#"{"error":"Access Denied"}"#,
            r#"{"error_description":"You have made too many requests continuously. Please try again after some time.","error":"Access Denied","status":"failure"}"#,
        ] {
            let err = read(json).unwrap_err();
            assert!(
                matches!(
                    err,
                    ZohoError::Throttled {
                        scope: ThrottleScope::TokenRefresh,
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        let err = read(r#"{"error":"invalid_code"}"#).unwrap_err();
        assert_eq!(err.code(), Some("invalid_code"));
        assert!(!err.is_retryable());
        let token = read(r#"{"access_token":"1000.a","api_domain":"https://www.zohoapis.com","token_type":"Bearer","expires_in":3600}"#).unwrap();
        assert_eq!(token.access_token().expose_secret(), "1000.a");
    }
}
