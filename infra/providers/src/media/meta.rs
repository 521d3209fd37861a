//! Meta media: the media id's metadata from the Graph API, then the
//! short-lived URL it names, both with the Bearer token.

use framework::provider::meta as wire;
use framework::{Media, Provider};
use reqwest::Url;
use serde_json::Value;
use tracing::Instrument as _;

use super::fetch::{self, Fetched, Get};
use super::{DownloadError, Downloaded};
use crate::meta::MetaClient;
use crate::transport as providers;

/// What `GET /{version}/{media-id}` answers.
struct Metadata {
    url: String,
    mime_type: Option<String>,
    sha256: Option<String>,
    file_size: Option<u64>,
}

impl MetaClient {
    /// Downloads a media item of a Meta message by its `id` (the webhook's
    /// `url`, if any, is not used: only the URL Meta's API names is
    /// fetched). The SHA-256 of the bytes must match both Meta's answer and
    /// the webhook's (`media.sha256`) when they are there; the file name is
    /// a document's `filename`.
    ///
    /// See the [media module](crate::media) for the safety rules and an
    /// example.
    ///
    /// # Errors
    ///
    /// [`DownloadError::NoSource`] when `media` has no `id`; otherwise as
    /// [`download_id`](Self::download_id).
    pub async fn download(&self, media: &Media) -> Result<Downloaded, DownloadError> {
        let Some(id) = media.id.as_deref() else {
            return Err(DownloadError::NoSource {
                provider: Provider::Meta,
                missing: "id",
            });
        };
        let announced = media.sha256.as_deref().filter(|s| !s.trim().is_empty());
        let mut file = self.measured(id, announced).await?;
        if file.mime_type.is_none() {
            file.mime_type.clone_from(&media.mime_type);
        }
        if media.filename.is_some() {
            file.file_name.clone_from(&media.filename);
        }
        Ok(file)
    }

    /// Downloads the media `media_id`: `GET {base}/{version}/{media_id}`
    /// for its metadata, then its `url` with the token (over https, on the
    /// API base's origin or an allowed
    /// [media host](crate::meta::MetaConfig::with_media_hosts)), and checks
    /// its `sha256`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use infra_providers::media::DownloadError;
    /// use infra_providers::meta::MetaClient;
    /// use infra_providers::testing::{FakeMedia, FakeMeta};
    ///
    /// let fake = FakeMeta::start("token").await;
    /// let media = fake.add_media(FakeMedia::new("audio/ogg", b"OggS voice note".to_vec()));
    /// let client = MetaClient::new(fake.config()).unwrap();
    ///
    /// let file = client.download_id(media.id.as_deref().unwrap()).await.unwrap();
    /// assert_eq!(file.bytes, b"OggS voice note");
    ///
    /// // An id Meta does not know: code 100, permanent.
    /// let err = client.download_id("1234567890").await.unwrap_err();
    /// assert_eq!(err.code(), Some("100"));
    /// assert!(!err.is_retryable());
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`DownloadError::Permanent`] without a call for an id that cannot be a
    /// path segment, and for 190 (wrong token), 100 (unknown id) and other
    /// refusals; [`DownloadError::ForbiddenUrl`] when Meta's `url` is
    /// elsewhere; [`DownloadError::TooLarge`] over the limit (from
    /// `file_size` before fetching); [`DownloadError::ChecksumMismatch`];
    /// [`DownloadError::Retryable`] for 429, 5xx, Meta's retryable codes,
    /// an expired URL (404), network errors and the timeout.
    pub async fn download_id(&self, media_id: &str) -> Result<Downloaded, DownloadError> {
        self.measured(media_id, None).await
    }

    /// The download in its span, logs and metrics; `announced` is the
    /// webhook's SHA-256.
    async fn measured(
        &self,
        media_id: &str,
        announced: Option<&str>,
    ) -> Result<Downloaded, DownloadError> {
        let span = tracing::info_span!(
            "meta.download",
            provider = "meta",
            media_id,
            bytes = tracing::field::Empty,
        );
        let limits = *self.config().media();
        fetch::measured(
            Provider::Meta,
            limits.timeout(),
            self.fetch(media_id, announced),
        )
        .instrument(span)
        .await
    }

    /// The download; the flag says the token was refused.
    async fn fetch(
        &self,
        media_id: &str,
        announced: Option<&str>,
    ) -> (Result<Downloaded, DownloadError>, bool) {
        if !providers::is_path_segment(media_id) || !media_id.contains(char::is_alphanumeric) {
            return (
                Err(DownloadError::Permanent {
                    message: format!(
                        "invalid meta media id {media_id:?}: expected the id from the webhook, \
                         e.g. 1037543291543636"
                    ),
                    code: None,
                }),
                false,
            );
        }
        let media = self.media_http();
        let base = &media.base;
        let hosts = self.config().media_hosts();
        let trusted = |url: &Url| may_get_token(base, hosts, url);
        let limit = self.config().media().max_bytes();
        let mut get = Get {
            http: &media.http,
            provider: Provider::Meta,
            authorization: &media.authorization,
            trusted: &trusted,
            limit: fetch::SMALL_BODY_LIMIT,
        };

        // 1. The metadata.
        let Ok(url) = Url::parse(&format!("{}/{media_id}", self.prefix())) else {
            return (
                Err(DownloadError::Permanent {
                    message: format!("no URL can be made for the meta media id {media_id:?}"),
                    code: None,
                }),
                false,
            );
        };
        let fetched = match get.send(url).await {
            Ok(fetched) if fetched.is_success() => fetched,
            Ok(fetched) => return refusal(&fetched, "meta"),
            Err(e) => return (Err(e), false),
        };
        let metadata = match metadata(&fetched.body) {
            Ok(metadata) => metadata,
            Err(e) => return (Err(e), false),
        };
        if let Some(declared) = metadata.file_size.filter(|&n| n > limit) {
            return (
                Err(DownloadError::TooLarge {
                    limit,
                    declared: Some(declared),
                }),
                false,
            );
        }

        // 2. The bytes, only from where the token may go.
        let url = match Url::parse(&metadata.url) {
            Ok(url) if trusted(&url) => url,
            Ok(_) => {
                return (
                    Err(DownloadError::ForbiddenUrl {
                        url: fetch::redact(&metadata.url),
                        reason: "meta's media URL is neither on the API base nor on an allowed \
                                 media host over https: the token is not sent there",
                    }),
                    false,
                );
            }
            Err(_) => {
                return (
                    Err(DownloadError::Permanent {
                        message: "meta's media metadata has a url that is not a URL".to_owned(),
                        code: None,
                    }),
                    false,
                );
            }
        };
        get.limit = limit;
        let fetched = match get.send(url).await {
            Ok(fetched) if fetched.is_success() => fetched,
            Ok(fetched) if fetched.status == 404 => {
                // Meta: "On 404, fetch a new URL" — which a retry does.
                return (
                    Err(DownloadError::Retryable {
                        message: "meta's media URL answered 404 (expired?); a retry asks for a \
                                  new one"
                            .to_owned(),
                        retry_after: None,
                        code: None,
                    }),
                    false,
                );
            }
            Ok(fetched) => return refusal(&fetched, "meta's media URL"),
            Err(e) => return (Err(e), false),
        };

        // 3. The checksum.
        let sha256 = fetch::sha256_hex(&fetched.body);
        for expected in [metadata.sha256.as_deref(), announced]
            .into_iter()
            .flatten()
        {
            if let Err(e) = fetch::check_sha256(expected, &sha256) {
                return (Err(e), false);
            }
        }
        let mime_type = metadata.mime_type.or_else(|| fetched.content_type());
        let file_name = fetched.file_name();
        (
            Ok(Downloaded {
                bytes: fetched.body,
                mime_type,
                sha256,
                file_name,
            }),
            false,
        )
    }
}

/// Whether `url` may receive the token: the API base's origin, or an allowed
/// media host over https (http only when the API base itself is http: a
/// local fake).
fn may_get_token(base: &Url, hosts: &[String], url: &Url) -> bool {
    if url.origin() == base.origin() {
        return true;
    }
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && base.scheme() == "http");
    let default_port = url.port().is_none();
    scheme_ok
        && default_port
        && url
            .host_str()
            .is_some_and(|host| hosts.iter().any(|h| h.eq_ignore_ascii_case(host)))
}

/// Reads Meta's metadata JSON.
fn metadata(body: &[u8]) -> Result<Metadata, DownloadError> {
    let unreadable = |what: &str| DownloadError::Permanent {
        message: format!("meta's media metadata {what}"),
        code: None,
    };
    let json: Value = serde_json::from_slice(body).map_err(|_| unreadable("is not JSON"))?;
    let text = |name: &str| {
        json.get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let Some(url) = text("url") else {
        return Err(unreadable("has no url"));
    };
    let file_size = match json.get("file_size") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    Ok(Metadata {
        url,
        mime_type: text("mime_type"),
        sha256: text("sha256"),
        file_size,
    })
}

/// A non-2xx answer as a [`DownloadError`], and whether the token was
/// refused.
fn refusal(fetched: &Fetched, from: &str) -> (Result<Downloaded, DownloadError>, bool) {
    let e = match wire::parse_response(fetched.status, &fetched.body) {
        Err(e) => e,
        // Not reached: only non-2xx answers come here.
        Ok(_) => {
            return (
                Err(DownloadError::Permanent {
                    message: format!("{from} answered HTTP {}", fetched.status),
                    code: None,
                }),
                false,
            );
        }
    };
    let code = e.code.map(|c| c.to_string());
    let message = format!("{from} answered: {e}");
    let error = if e.is_retryable() {
        DownloadError::Retryable {
            message,
            retry_after: providers::retry_after(&fetched.headers),
            code,
        }
    } else {
        DownloadError::Permanent { message, code }
    };
    (Err(error), fetched.trusted && e.is_auth_error())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_goes_to_the_base_and_allowed_hosts_over_https() {
        let hosts = ["lookaside.fbsbx.com".to_owned()];
        let prod = Url::parse("https://graph.facebook.com").unwrap();
        let may = |url: &str| may_get_token(&prod, &hosts, &Url::parse(url).unwrap());
        assert!(may("https://graph.facebook.com/v25.0/1"));
        assert!(may(
            "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1"
        ));
        assert!(may("https://LOOKASIDE.fbsbx.com/x"));
        assert!(!may("http://lookaside.fbsbx.com/x"), "plain http");
        assert!(!may("https://lookaside.fbsbx.com:8443/x"), "another port");
        assert!(!may("https://lookaside.fbsbx.com.evil.example/x"));
        assert!(!may("https://evil.example/lookaside.fbsbx.com"));
        let fake = Url::parse("http://127.0.0.1:9000").unwrap();
        assert!(may_get_token(
            &fake,
            &hosts,
            &Url::parse("http://127.0.0.1:9000/l").unwrap()
        ));
        assert!(!may_get_token(
            &fake,
            &hosts,
            &Url::parse("http://127.0.0.1:9001/l").unwrap()
        ));
    }

    #[test]
    fn metadata_needs_a_url() {
        let m = metadata(br#"{"url":"https://x/y","mime_type":"image/jpeg","sha256":"ab","file_size":"12","id":"1"}"#).unwrap();
        assert_eq!((m.url.as_str(), m.file_size), ("https://x/y", Some(12)));
        assert!(metadata(br#"{"id":"1"}"#).is_err());
        assert!(metadata(b"<html>").is_err());
    }
}
