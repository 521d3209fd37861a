//! `X-Hub-Signature-256`: HMAC-SHA256 of the raw request body, keyed with the
//! app secret, sent as `sha256=<hex>`.
//!
//! The MAC covers the body bytes exactly as received. Meta writes non-ASCII
//! characters as `\uXXXX` escapes, so parsing and re-serialising a payload
//! changes its bytes and its MAC: verify first, parse afterwards.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::message::Provider;
use crate::provider::SignatureError;

/// The header Meta signs webhook notifications with.
pub const SIGNATURE_HEADER: &str = "X-Hub-Signature-256";

/// The prefix of the header value.
const PREFIX: &str = "sha256=";

/// Length of a hex-encoded SHA-256 MAC.
const HEX_LEN: usize = 64;

type HmacSha256 = Hmac<Sha256>;

fn mac(app_secret: &[u8], body: &[u8]) -> HmacSha256 {
    // HMAC accepts keys of any length (long keys are hashed first), so this
    // never fails; the fallback only keeps the function total.
    let mut mac = HmacSha256::new_from_slice(app_secret)
        .unwrap_or_else(|_| HmacSha256::new(&Default::default()));
    mac.update(body);
    mac
}

/// Signs `body` the way Meta does and returns the `X-Hub-Signature-256` header
/// value: `sha256=` followed by the lower-case hex HMAC-SHA256.
///
/// ```
/// use framework::provider::meta::sign;
///
/// assert_eq!(
///     sign(b"TEST_APP_SECRET", b"test"),
///     "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221",
/// );
/// ```
#[must_use]
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let tag = mac(app_secret, body).finalize().into_bytes();
    let mut value = String::with_capacity(PREFIX.len() + HEX_LEN);
    value.push_str(PREFIX);
    value.push_str(&hex::encode(tag));
    value
}

/// Checks the `X-Hub-Signature-256` header of a webhook against its raw body.
///
/// `header` is the header's value, `None` when the request had none. Hex digits
/// are accepted in either case; the comparison runs in constant time.
///
/// # Errors
///
/// - [`SignatureError::NotConfigured`] when `app_secret` is empty: an empty key
///   would make any forger's signature valid.
/// - [`SignatureError::Missing`] when there is no header.
/// - [`SignatureError::Malformed`] when the value does not start with
///   `sha256=` or is not 64 hex digits.
/// - [`SignatureError::Mismatch`] when the MAC does not match the body.
pub fn verify_signature(
    app_secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    if app_secret.is_empty() {
        return Err(SignatureError::NotConfigured(Provider::Meta));
    }
    let value = header
        .ok_or(SignatureError::Missing(SIGNATURE_HEADER))?
        .trim();
    let hex_part = value
        .get(..PREFIX.len())
        .filter(|prefix| prefix.eq_ignore_ascii_case(PREFIX))
        .and_then(|_| value.get(PREFIX.len()..))
        .ok_or(SignatureError::Malformed {
            header: SIGNATURE_HEADER,
            reason: "the value does not start with sha256=",
        })?;
    if hex_part.len() != HEX_LEN {
        return Err(SignatureError::Malformed {
            header: SIGNATURE_HEADER,
            reason: "the MAC is not 64 hex digits long",
        });
    }
    let expected = hex::decode(hex_part).map_err(|_| SignatureError::Malformed {
        header: SIGNATURE_HEADER,
        reason: "the MAC is not hexadecimal",
    })?;
    mac(app_secret, body)
        .verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"TEST_APP_SECRET";
    const GOOD: &str = "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221";

    #[test]
    fn signs_the_official_sdk_vector() {
        assert_eq!(sign(SECRET, b"test"), GOOD);
    }

    #[test]
    fn accepts_its_own_signature_in_either_case() {
        assert_eq!(verify_signature(SECRET, b"test", Some(GOOD)), Ok(()));
        let upper = format!("sha256={}", GOOD[7..].to_ascii_uppercase());
        assert_eq!(verify_signature(SECRET, b"test", Some(&upper)), Ok(()));
        assert_eq!(
            verify_signature(SECRET, b"test", Some(&format!(" {GOOD} "))),
            Ok(())
        );
    }

    #[test]
    fn refuses_what_does_not_match() {
        assert_eq!(
            verify_signature(SECRET, b"test", None),
            Err(SignatureError::Missing(SIGNATURE_HEADER))
        );
        assert_eq!(
            verify_signature(SECRET, b"test!", Some(GOOD)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"other", b"test", Some(GOOD)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature(b"", b"test", Some(GOOD)),
            Err(SignatureError::NotConfigured(Provider::Meta))
        );
        for malformed in [
            "",
            "sha1=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221",
            "0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221",
            "sha256=",
            "sha256=0c61",
            "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d988822",
            "sha256=zz61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221",
            "sha256=0c61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d9888221aa",
            "sha256=é61947b610d4f45e65f3d680e26027121ec2413e77598bcb6cfc6e0d98882",
        ] {
            assert!(
                matches!(
                    verify_signature(SECRET, b"test", Some(malformed)),
                    Err(SignatureError::Malformed { .. })
                ),
                "{malformed:?}"
            );
        }
    }
}
