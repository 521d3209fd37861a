//! The HTTP side of a download, shared by both providers: redirects followed
//! by hand (credentials only where allowed), a capped streamed read, the
//! checksum, logs and metrics.

use std::time::{Duration, Instant};

use framework::Provider;
use http::{HeaderMap, HeaderValue, header};
use reqwest::Url;
use sha2::{Digest as _, Sha256};

use super::{DownloadError, Downloaded};
use crate::transport as providers;

/// The most redirects one fetch follows.
const MAX_REDIRECTS: usize = 5;

/// The most bytes of an error body (or of Meta's metadata JSON) read.
pub(crate) const SMALL_BODY_LIMIT: u64 = 64 * 1024;

/// A reqwest client for downloads: redirects are ours to follow, the
/// deadline is the download's ([`super::MediaConfig::timeout`]).
pub(crate) fn client(connect_timeout: Duration) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(connect_timeout)
        .user_agent(concat!("campanile/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// What a media download needs: a client that leaves redirects to us, the
/// parsed base and the credentials as a header.
#[derive(Debug, Clone)]
pub(crate) struct MediaHttp {
    pub(crate) http: reqwest::Client,
    pub(crate) base: reqwest::Url,
    pub(crate) authorization: http::HeaderValue,
}

/// One GET, with the redirects it leads to.
pub(crate) struct Get<'a> {
    pub(crate) http: &'a reqwest::Client,
    pub(crate) provider: Provider,
    /// The `Authorization` header (marked sensitive).
    pub(crate) authorization: &'a HeaderValue,
    /// Whether a URL may receive the credentials.
    pub(crate) trusted: &'a (dyn Fn(&Url) -> bool + Sync),
    /// The most body bytes accepted on a 2xx answer.
    pub(crate) limit: u64,
}

/// The final answer of a [`Get`].
pub(crate) struct Fetched {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    /// The body: whole for a 2xx (at most the limit), the first
    /// [`SMALL_BODY_LIMIT`] bytes otherwise.
    pub(crate) body: Vec<u8>,
    /// Whether the final URL got the credentials (the provider's own answer,
    /// not a storage host's).
    pub(crate) trusted: bool,
}

impl Fetched {
    /// Whether the answer is a 2xx.
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The `Content-Type`, without parameters.
    pub(crate) fn content_type(&self) -> Option<String> {
        let value = self.headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
        let mime = value.split(';').next().unwrap_or_default().trim();
        (!mime.is_empty()).then(|| mime.to_owned())
    }

    /// The `filename` of a `Content-Disposition`, when plain.
    pub(crate) fn file_name(&self) -> Option<String> {
        let value = self
            .headers
            .get(header::CONTENT_DISPOSITION)?
            .to_str()
            .ok()?;
        value.split(';').find_map(|part| {
            let (name, value) = part.trim().split_once('=')?;
            if !name.trim().eq_ignore_ascii_case("filename") {
                return None;
            }
            let value = value.trim().trim_matches('"').trim();
            (!value.is_empty()).then(|| value.to_owned())
        })
    }
}

impl Get<'_> {
    /// Fetches `url`, following up to [`MAX_REDIRECTS`] redirects.
    pub(crate) async fn send(&self, mut url: Url) -> Result<Fetched, DownloadError> {
        for _ in 0..=MAX_REDIRECTS {
            let trusted = (self.trusted)(&url);
            let mut request = self.http.get(url.clone());
            if trusted {
                request = request.header(header::AUTHORIZATION, self.authorization.clone());
            }
            let mut response = request
                .send()
                .await
                .map_err(|e| network_error(self.provider, e))?;
            let status = response.status();
            if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
                url = redirect_target(&url, response.headers())?;
                continue;
            }
            let headers = response.headers().clone();
            let body = if status.is_success() {
                if let Some(declared) = response.content_length().filter(|&n| n > self.limit) {
                    return Err(DownloadError::TooLarge {
                        limit: self.limit,
                        declared: Some(declared),
                    });
                }
                read_capped(&mut response, self.limit, false)
                    .await
                    .map_err(|e| e.into_error(self.provider, self.limit))?
            } else {
                // An error body is only read for its code: its first bytes do.
                read_capped(&mut response, SMALL_BODY_LIMIT, true)
                    .await
                    .unwrap_or_default()
            };
            return Ok(Fetched {
                status: status.as_u16(),
                headers,
                body,
                trusted,
            });
        }
        Err(DownloadError::Permanent {
            message: format!(
                "more than {MAX_REDIRECTS} redirects from {}",
                redact(url.as_str())
            ),
            code: None,
        })
    }
}

/// Where a redirect leads, if it may be followed.
fn redirect_target(from: &Url, headers: &HeaderMap) -> Result<Url, DownloadError> {
    let Some(location) = headers.get(header::LOCATION).and_then(|l| l.to_str().ok()) else {
        return Err(DownloadError::Permanent {
            message: format!(
                "{} answered a redirect without a Location",
                redact(from.as_str())
            ),
            code: None,
        });
    };
    let Ok(next) = from.join(location) else {
        return Err(DownloadError::ForbiddenUrl {
            url: redact(location),
            reason: "the redirect's Location is not a URL",
        });
    };
    if !matches!(next.scheme(), "http" | "https") {
        return Err(DownloadError::ForbiddenUrl {
            url: redact(next.as_str()),
            reason: "redirects are followed to http(s) only",
        });
    }
    if from.scheme() == "https" && next.scheme() == "http" {
        return Err(DownloadError::ForbiddenUrl {
            url: redact(next.as_str()),
            reason: "a redirect from https to http is not followed",
        });
    }
    Ok(next)
}

/// Why a capped read stopped.
pub(crate) enum ReadError {
    TooLarge,
    Network(reqwest::Error),
}

impl ReadError {
    fn into_error(self, provider: Provider, limit: u64) -> DownloadError {
        match self {
            Self::TooLarge => DownloadError::TooLarge {
                limit,
                declared: None,
            },
            Self::Network(e) => network_error(provider, e),
        }
    }
}

/// Reads the body chunk by chunk, never holding more than `limit` bytes:
/// past it, fails (or, when `truncate`, stops).
async fn read_capped(
    response: &mut reqwest::Response,
    limit: u64,
    truncate: bool,
) -> Result<Vec<u8>, ReadError> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let expected = response
        .content_length()
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let mut body = Vec::with_capacity(expected.min(limit));
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Network)? {
        let room = limit.saturating_sub(body.len());
        if chunk.len() > room {
            if truncate {
                body.extend_from_slice(chunk.get(..room).unwrap_or_default());
                break;
            }
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A network error (no whole answer read): retryable, downloads are safe to
/// repeat. The URL is removed (it may be signed).
pub(crate) fn network_error(provider: Provider, error: reqwest::Error) -> DownloadError {
    let error = error.without_url();
    let what = if error.is_connect() {
        "could not connect to"
    } else if error.is_timeout() {
        "no answer in time from"
    } else {
        "the request failed at"
    };
    DownloadError::Retryable {
        message: format!("{what} {provider}: {}", providers::cause_chain(&error)),
        retry_after: None,
        code: None,
    }
}

/// `scheme://host[:port]/…`: a URL for logs and errors, without its path
/// (account ids) and query (signatures).
pub(crate) fn redact(url: &str) -> String {
    match Url::parse(url) {
        Ok(parsed) => match parsed.host_str() {
            Some(host) => match parsed.port() {
                Some(port) => format!("{}://{host}:{port}/…", parsed.scheme()),
                None => format!("{}://{host}/…", parsed.scheme()),
            },
            None => format!("{}:…", parsed.scheme()),
        },
        Err(_) => "an unreadable URL".to_owned(),
    }
}

/// Whether `url` has the origin (scheme, host, port) of `base`, and a path
/// under the base's.
pub(crate) fn is_under(base: &Url, url: &Url) -> bool {
    if url.origin() != base.origin() {
        return false;
    }
    let prefix = base.path().trim_end_matches('/');
    prefix.is_empty()
        || url
            .path()
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Checks `actual` (hex) against a SHA-256 a provider gave, in hex or base64.
pub(crate) fn check_sha256(expected: &str, actual: &str) -> Result<(), DownloadError> {
    use base64::Engine as _;
    let expected_trimmed = expected.trim();
    let decoded = if expected_trimmed.len() == 64 {
        hex::decode(expected_trimmed).ok()
    } else {
        base64::engine::general_purpose::STANDARD
            .decode(expected_trimmed)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(expected_trimmed))
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(expected_trimmed))
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(expected_trimmed))
            .ok()
    };
    match decoded {
        Some(digest) if hex::encode(&digest) == actual => Ok(()),
        _ => Err(DownloadError::ChecksumMismatch {
            expected: expected.to_owned(),
            actual: actual.to_owned(),
        }),
    }
}

/// Runs a download under its deadline, in its span's logs and metrics.
pub(crate) async fn measured<F>(
    provider: Provider,
    timeout: Duration,
    download: F,
) -> Result<Downloaded, DownloadError>
where
    F: Future<Output = (Result<Downloaded, DownloadError>, bool)>,
{
    let started = Instant::now();
    let (result, auth_failed) = match tokio::time::timeout(timeout, download).await {
        Ok(outcome) => outcome,
        Err(_) => (
            Err(DownloadError::Retryable {
                message: format!("the download from {provider} did not finish within {timeout:?}"),
                retry_after: None,
                code: None,
            }),
            false,
        ),
    };
    record(provider, &result, started.elapsed(), auth_failed);
    result
}

fn record(
    provider: Provider,
    result: &Result<Downloaded, DownloadError>,
    elapsed: Duration,
    auth_failed: bool,
) {
    let name = provider.as_str();
    let outcome = match result {
        Ok(file) => {
            tracing::Span::current().record("bytes", file.bytes.len());
            tracing::debug!(
                bytes = file.bytes.len(),
                mime_type = file.mime_type.as_deref().unwrap_or("unknown"),
                elapsed_ms = elapsed.as_millis(),
                "media downloaded"
            );
            metrics::counter!("campanile_media_download_bytes_total", "provider" => name)
                .increment(u64::try_from(file.bytes.len()).unwrap_or(u64::MAX));
            "ok"
        }
        Err(e) if e.is_retryable() => {
            tracing::warn!(
                error.message = %e,
                elapsed_ms = elapsed.as_millis(),
                "media download failed, retryable"
            );
            "retryable"
        }
        Err(e) if auth_failed => {
            tracing::error!(
                error.message = %e,
                "{name} refused our credentials: no media can be downloaded until they are fixed"
            );
            "permanent"
        }
        Err(e) => {
            tracing::warn!(
                error.message = %e,
                elapsed_ms = elapsed.as_millis(),
                "media download failed permanently"
            );
            "permanent"
        }
    };
    metrics::counter!(
        "campanile_media_downloads_total",
        "provider" => name,
        "outcome" => outcome
    )
    .increment(1);
    metrics::histogram!("campanile_media_download_seconds", "provider" => name)
        .record(elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn urls_are_under_the_base_by_origin_and_path() {
        let base = url("https://api.twilio.com");
        assert!(is_under(&base, &url("https://api.twilio.com/2010-04-01/A")));
        assert!(!is_under(&base, &url("http://api.twilio.com/2010-04-01/A")));
        assert!(!is_under(&base, &url("https://api.twilio.com:8443/x")));
        assert!(!is_under(
            &base,
            &url("https://api.twilio.com.evil.example/x")
        ));
        assert!(!is_under(
            &base,
            &url("https://evil.example/api.twilio.com/x")
        ));
        let base = url("http://127.0.0.1:9000/twilio");
        assert!(is_under(
            &base,
            &url("http://127.0.0.1:9000/twilio/2010-04-01")
        ));
        assert!(!is_under(&base, &url("http://127.0.0.1:9000/twilio2/x")));
        assert!(!is_under(&base, &url("http://127.0.0.1:9001/twilio/x")));
    }

    #[test]
    fn redirects_go_to_http_s_only_and_never_down_to_http() {
        let at = |location: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::LOCATION, HeaderValue::from_str(location).unwrap());
            headers
        };
        let from = url("https://api.twilio.com/2010-04-01/A/Media/ME1");
        let next = redirect_target(&from, &at("https://s3.amazonaws.com/x?Signature=s")).unwrap();
        assert_eq!(next.host_str(), Some("s3.amazonaws.com"));
        let next = redirect_target(&from, &at("/storage/ME1")).unwrap();
        assert_eq!(next.as_str(), "https://api.twilio.com/storage/ME1");
        for refused in [
            "http://s3.amazonaws.com/x",
            "file:///etc/passwd",
            "ftp://h/x",
        ] {
            let err = redirect_target(&from, &at(refused)).unwrap_err();
            assert!(
                matches!(err, DownloadError::ForbiddenUrl { .. }),
                "{refused}: {err:?}"
            );
        }
        assert!(redirect_target(&from, &HeaderMap::new()).is_err());
        let plain = url("http://127.0.0.1:9000/x");
        assert!(redirect_target(&plain, &at("http://127.0.0.1:9000/y")).is_ok());
    }

    #[test]
    fn redaction_keeps_the_origin_only() {
        assert_eq!(
            redact("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&hash=s3cr3t"),
            "https://lookaside.fbsbx.com/…"
        );
        assert_eq!(
            redact("http://127.0.0.1:9000/2010-04-01/Accounts/AC1/Messages"),
            "http://127.0.0.1:9000/…"
        );
        assert_eq!(redact("not a url"), "an unreadable URL");
    }

    #[test]
    fn checksums_are_read_in_hex_or_base64() {
        let actual = sha256_hex(b"hello");
        assert_eq!(
            actual,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(check_sha256(&actual, &actual).is_ok());
        assert!(check_sha256(&actual.to_ascii_uppercase(), &actual).is_ok());
        assert!(check_sha256("LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=", &actual).is_ok());
        assert!(check_sha256("LPJNul-wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ", &actual).is_ok());
        let other = sha256_hex(b"hellO");
        assert!(matches!(
            check_sha256(&other, &actual),
            Err(DownloadError::ChecksumMismatch { .. })
        ));
        assert!(check_sha256("not a hash", &actual).is_err());
    }
}
