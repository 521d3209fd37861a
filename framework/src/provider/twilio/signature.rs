//! `X-Twilio-Signature`: HMAC-SHA1 over the webhook URL and its form parameters
//! (the algorithm is described in the [module docs](super#signatures)).

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::message::Provider;
use crate::provider::SignatureError;

/// The header Twilio puts its webhook signature in.
pub const SIGNATURE_HEADER: &str = "X-Twilio-Signature";

/// Length of an HMAC-SHA1 digest in bytes.
const DIGEST_LEN: usize = 20;

type HmacSha1 = Hmac<Sha1>;

/// Computes the `X-Twilio-Signature` value for a form webhook: base64 of
/// HMAC-SHA1 keyed with the auth token over `url` followed by the sorted
/// `name + value` pairs (see the [module docs](super#signatures)).
///
/// The URL is used exactly as given; no port variant is tried. Pass no params
/// for a JSON-body webhook (the URL then carries `bodySHA256`).
///
/// ```
/// use framework::provider::twilio::compute_signature;
///
/// let params = [("Digits", "1234"), ("To", "+18005551212"), ("From", "+14158675309"),
///     ("Caller", "+14158675309"), ("CallSid", "CA1234567890ABCDE")]
///     .map(|(n, v)| (n.to_owned(), v.to_owned()));
/// let signature = compute_signature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params);
/// assert_eq!(signature, "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
/// ```
#[must_use]
pub fn compute_signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let pairs = canonical_pairs(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    BASE64.encode(signer(auth_token, url, &pairs).finalize().into_bytes())
}

/// Checks the signature of a form-encoded (`application/x-www-form-urlencoded`)
/// webhook.
///
/// `url` is the public URL Twilio called (reconstructed from configuration
/// behind proxies, never lower-cased or re-encoded); `body` is the raw request
/// body; `signature` is the `X-Twilio-Signature` header, if present. The URL as
/// given and its other port form are both tried (see the [module docs](super#signatures)).
/// The comparison is constant-time.
///
/// # Errors
///
/// - [`SignatureError::NotConfigured`] when `auth_token` is empty (anyone could
///   sign with an empty key).
/// - [`SignatureError::Missing`] when there is no header.
/// - [`SignatureError::Malformed`] when the header is not base64 of a 20-byte
///   digest.
/// - [`SignatureError::Mismatch`] when no URL form matches.
pub fn verify_form(
    auth_token: &str,
    url: &str,
    body: &[u8],
    signature: Option<&str>,
) -> Result<(), SignatureError> {
    let expected = decode_header(auth_token, signature)?;
    let decoded: Vec<(Cow<'_, str>, Cow<'_, str>)> = form_urlencoded::parse(body).collect();
    let pairs = canonical_pairs(decoded.iter().map(|(n, v)| (n.as_ref(), v.as_ref())));
    verify_any_port_form(auth_token, url, &pairs, &expected)
}

/// Checks the signature of a webhook with a JSON body.
///
/// The URL must carry `bodySHA256=<hex SHA-256 of body>` in its query string;
/// the hash must match the raw body, and the signature covers the URL alone (no
/// parameters), as given or in its other port form.
///
/// # Errors
///
/// - [`SignatureError::NotConfigured`], [`SignatureError::Missing`],
///   [`SignatureError::Malformed`] as for [`verify_form`].
/// - [`SignatureError::BodyHash`] when the URL has no `bodySHA256` parameter,
///   its value is not hex, or it does not match the body.
/// - [`SignatureError::Mismatch`] when no URL form matches the signature.
pub fn verify_json(
    auth_token: &str,
    url: &str,
    body: &[u8],
    signature: Option<&str>,
) -> Result<(), SignatureError> {
    let expected = decode_header(auth_token, signature)?;
    let claimed = body_sha256_param(url).ok_or(SignatureError::BodyHash)?;
    let claimed = hex::decode(claimed.trim()).map_err(|_| SignatureError::BodyHash)?;
    let actual = Sha256::digest(body);
    if !bool::from(actual.as_slice().ct_eq(&claimed)) {
        return Err(SignatureError::BodyHash);
    }
    verify_any_port_form(auth_token, url, &[], &expected)
}

/// Validates the configuration and the header, returning the digest it carries.
fn decode_header(
    auth_token: &str,
    signature: Option<&str>,
) -> Result<[u8; DIGEST_LEN], SignatureError> {
    if auth_token.is_empty() {
        return Err(SignatureError::NotConfigured(Provider::Twilio));
    }
    let signature = signature.ok_or(SignatureError::Missing(SIGNATURE_HEADER))?;
    let bytes = BASE64
        .decode(signature.trim())
        .map_err(|_| SignatureError::Malformed {
            header: SIGNATURE_HEADER,
            reason: "not base64",
        })?;
    bytes.try_into().map_err(|_| SignatureError::Malformed {
        header: SIGNATURE_HEADER,
        reason: "not a 20-byte HMAC-SHA1 digest",
    })
}

fn verify_any_port_form(
    auth_token: &str,
    url: &str,
    pairs: &[(&str, &str)],
    expected: &[u8; DIGEST_LEN],
) -> Result<(), SignatureError> {
    // Every candidate is checked (no early exit), so timing does not reveal
    // which URL form matched.
    let mut matched = false;
    for candidate in url_candidates(url) {
        matched |= signer(auth_token, &candidate, pairs)
            .verify_slice(expected)
            .is_ok();
    }
    if matched {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// Sorts pairs byte-wise by name then value and drops identical repeats, which
/// gives Twilio's order: names sorted, each distinct value of a name once, sorted.
fn canonical_pairs<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    let mut pairs: Vec<(&str, &str)> = pairs.collect();
    pairs.sort_unstable();
    pairs.dedup();
    pairs
}

fn signer(auth_token: &str, url: &str, pairs: &[(&str, &str)]) -> HmacSha1 {
    #[expect(
        clippy::expect_used,
        reason = "HMAC accepts keys of any length; new_from_slice never fails"
    )]
    let mut mac =
        HmacSha1::new_from_slice(auth_token.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(url.as_bytes());
    for (name, value) in pairs {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    mac
}

/// The value of the first `bodySHA256` parameter of the URL's query string.
fn body_sha256_param(url: &str) -> Option<String> {
    let without_fragment = url.split('#').next().unwrap_or(url);
    let (_, query) = without_fragment.split_once('?')?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "bodySHA256")
        .map(|(_, value)| value.into_owned())
}

/// The URL as given, then its other port form when one can be built.
fn url_candidates(url: &str) -> Vec<Cow<'_, str>> {
    let mut candidates = vec![Cow::Borrowed(url)];
    if let Some(other) = other_port_form(url) {
        candidates.push(Cow::Owned(other));
    }
    candidates
}

/// Where the port sits in a URL: `url[colon..end]` is `:<port>` (or empty when
/// there is no port, with `colon == end`).
struct PortSpan<'a> {
    scheme: &'a str,
    colon: usize,
    end: usize,
}

fn port_span(url: &str) -> Option<PortSpan<'_>> {
    let scheme_end = url.find("://")?;
    let scheme = url.get(..scheme_end)?;
    let authority_start = scheme_end + 3;
    let rest = url.get(authority_start..)?;
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_len)?;
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let host_port = authority.get(host_start..)?;
    // IPv6 literals (`[::1]:8080`) contain colons; the port follows the bracket.
    let search_from = if host_port.starts_with('[') {
        host_port.find(']')?
    } else {
        0
    };
    let end = authority_start + authority_len;
    match host_port.get(search_from..)?.rfind(':') {
        Some(i) => {
            let colon = authority_start + host_start + search_from + i;
            let port = url.get(colon + 1..end)?;
            port.bytes()
                .all(|b| b.is_ascii_digit())
                .then_some(PortSpan { scheme, colon, end })
        }
        None => Some(PortSpan {
            scheme,
            colon: end,
            end,
        }),
    }
}

/// The URL without its port when it has one; with the scheme's default port
/// when it has none. `None` when the URL cannot be split or the scheme has no
/// default port.
fn other_port_form(url: &str) -> Option<String> {
    let span = port_span(url)?;
    let (before, after) = (url.get(..span.colon)?, url.get(span.end..)?);
    if span.colon < span.end {
        return Some(format!("{before}{after}"));
    }
    let default_port = if span.scheme.eq_ignore_ascii_case("https") {
        "443"
    } else if span.scheme.eq_ignore_ascii_case("http") {
        "80"
    } else {
        return None;
    };
    Some(format!("{before}:{default_port}{after}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";

    fn voice_params() -> Vec<(String, String)> {
        [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+14158675309"),
            ("Digits", "1234"),
            ("From", "+14158675309"),
            ("To", "+18005551212"),
        ]
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .to_vec()
    }

    fn form(params: &[(String, String)]) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish()
    }

    #[test]
    fn computes_the_canonical_sdk_vector() {
        assert_eq!(
            compute_signature(TOKEN, URL, &voice_params()),
            "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        );
    }

    #[test]
    fn parameter_order_in_the_body_does_not_matter() {
        let mut params = voice_params();
        params.reverse();
        let body = form(&params);
        assert_eq!(
            verify_form(
                TOKEN,
                URL,
                body.as_bytes(),
                Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")
            ),
            Ok(())
        );
    }

    #[test]
    fn port_forms() {
        assert_eq!(
            other_port_form("https://a.com/x?y=1").as_deref(),
            Some("https://a.com:443/x?y=1")
        );
        assert_eq!(
            other_port_form("http://a.com").as_deref(),
            Some("http://a.com:80")
        );
        assert_eq!(
            other_port_form("HTTP://u:p@A.com/x").as_deref(),
            Some("HTTP://u:p@A.com:80/x")
        );
        assert_eq!(
            other_port_form("https://u:p@a.com:1234/x").as_deref(),
            Some("https://u:p@a.com/x")
        );
        assert_eq!(
            other_port_form("https://a.com:443?q=a:b").as_deref(),
            Some("https://a.com?q=a:b")
        );
        assert_eq!(
            other_port_form("http://[::1]:8080/hook").as_deref(),
            Some("http://[::1]/hook")
        );
        assert_eq!(
            other_port_form("http://[::1]/hook").as_deref(),
            Some("http://[::1]:80/hook")
        );
        // A colon in the query or path is not a port.
        assert_eq!(
            other_port_form("https://a.com/p:1?t=12:30").as_deref(),
            Some("https://a.com:443/p:1?t=12:30")
        );
        assert_eq!(other_port_form("ftp://a.com/x"), None);
        assert_eq!(other_port_form("not a url"), None);
        assert_eq!(other_port_form(""), None);
        assert_eq!(other_port_form("https://a.com:8x/"), None);
    }

    #[test]
    fn host_case_is_part_of_the_signature() {
        // The mixed-case vector's note: the lower-case signature must not match.
        let body = form(&voice_params());
        assert_eq!(
            verify_form(
                TOKEN,
                "https://MyCompany.com/myapp.php?foo=1&bar=2",
                body.as_bytes(),
                Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_non_default_port_is_not_swapped_for_another() {
        // Signed over :1234; presented as :8443 or with :443 must not verify.
        let body = form(&voice_params());
        let sig = compute_signature(
            TOKEN,
            "https://mycompany.com:1234/myapp.php",
            &voice_params(),
        );
        for url in [
            "https://mycompany.com:8443/myapp.php",
            "https://mycompany.com:443/myapp.php",
        ] {
            assert_eq!(
                verify_form(TOKEN, url, body.as_bytes(), Some(&sig)),
                Err(SignatureError::Mismatch),
                "{url}"
            );
        }
    }

    #[test]
    fn header_problems_are_reported_as_such() {
        let body = form(&voice_params());
        assert_eq!(
            verify_form(TOKEN, URL, body.as_bytes(), None),
            Err(SignatureError::Missing("X-Twilio-Signature"))
        );
        assert!(matches!(
            verify_form(TOKEN, URL, body.as_bytes(), Some("not base64!")),
            Err(SignatureError::Malformed { .. })
        ));
        assert!(matches!(
            verify_form(TOKEN, URL, body.as_bytes(), Some("")),
            Err(SignatureError::Malformed { .. })
        ));
        assert!(matches!(
            verify_form(TOKEN, URL, body.as_bytes(), Some("AAAA")),
            Err(SignatureError::Malformed { .. })
        ));
        // Surrounding whitespace from a sloppy proxy is tolerated.
        assert_eq!(
            verify_form(
                TOKEN,
                URL,
                body.as_bytes(),
                Some(" RSOYDt4T1cUTdK1PDd93/VVr8B8= ")
            ),
            Ok(())
        );
    }

    #[test]
    fn an_empty_auth_token_verifies_nothing() {
        // Regression guard: with an empty key anyone can compute a valid signature.
        let body = form(&voice_params());
        let forged = compute_signature("", URL, &voice_params());
        assert_eq!(
            verify_form("", URL, body.as_bytes(), Some(&forged)),
            Err(SignatureError::NotConfigured(Provider::Twilio))
        );
        assert_eq!(
            verify_json("", URL, b"{}", Some(&forged)),
            Err(SignatureError::NotConfigured(Provider::Twilio))
        );
    }

    #[test]
    fn repeated_names_sign_each_distinct_value_once_sorted() {
        let params = [("Digits", "5678"), ("Digits", "1234"), ("Digits", "1234")]
            .map(|(n, v)| (n.to_owned(), v.to_owned()));
        let once =
            [("Digits", "1234"), ("Digits", "5678")].map(|(n, v)| (n.to_owned(), v.to_owned()));
        assert_eq!(
            compute_signature(TOKEN, URL, &params),
            compute_signature(TOKEN, URL, &once)
        );
    }

    #[test]
    fn names_sort_byte_wise_not_case_insensitively() {
        // 'B' (0x42) sorts before 'a' (0x61): "Bx" + "ax", never "ax" + "Bx".
        let params = [("a", "1"), ("B", "2")].map(|(n, v)| (n.to_owned(), v.to_owned()));
        let mut mac = HmacSha1::new_from_slice(TOKEN.as_bytes()).unwrap();
        mac.update(format!("{URL}B2a1").as_bytes());
        assert_eq!(
            compute_signature(TOKEN, URL, &params),
            BASE64.encode(mac.finalize().into_bytes())
        );
    }

    #[test]
    fn json_bodies_need_a_matching_body_hash() {
        let body = br#"{"property": "value", "boolean": true}"#;
        let hash = hex::encode(Sha256::digest(body));
        let url = format!("https://mycompany.com/myapp.php?bodySHA256={hash}");
        let sig = compute_signature(TOKEN, &url, &[]);
        assert_eq!(verify_json(TOKEN, &url, body, Some(&sig)), Ok(()));
        // Upper-case hex is the same hash.
        let upper = format!(
            "https://mycompany.com/myapp.php?bodySHA256={}",
            hash.to_uppercase()
        );
        let sig_upper = compute_signature(TOKEN, &upper, &[]);
        assert_eq!(verify_json(TOKEN, &upper, body, Some(&sig_upper)), Ok(()));
        // A different body with the same signed URL.
        assert_eq!(
            verify_json(TOKEN, &url, b"{}", Some(&sig)),
            Err(SignatureError::BodyHash)
        );
        // No hash in the URL.
        let bare = "https://mycompany.com/myapp.php";
        let sig_bare = compute_signature(TOKEN, bare, &[]);
        assert_eq!(
            verify_json(TOKEN, bare, body, Some(&sig_bare)),
            Err(SignatureError::BodyHash)
        );
        // A hash that is not hex.
        let junk = "https://mycompany.com/myapp.php?bodySHA256=zz";
        assert_eq!(
            verify_json(
                TOKEN,
                junk,
                body,
                Some(&compute_signature(TOKEN, junk, &[]))
            ),
            Err(SignatureError::BodyHash)
        );
        // The right hash, a wrong signature.
        assert_eq!(
            verify_json(TOKEN, &url, body, Some("RSOYDt4T1cUTdK1PDd93/VVr8B8=")),
            Err(SignatureError::Mismatch)
        );
    }
}
