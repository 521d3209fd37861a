//! Twilio media: `MediaUrlN` with HTTP Basic auth, then the signed storage
//! URL it redirects to, without.

use framework::provider::twilio as wire;
use framework::{Media, Provider};
use reqwest::Url;
use tracing::Instrument as _;

use super::fetch::{self, Fetched, Get};
use super::{DownloadError, Downloaded};
use crate::transport as providers;
use crate::twilio::TwilioClient;

impl TwilioClient {
    /// Downloads a media item of a Twilio message from its `url`
    /// (`MediaUrlN`); the MIME type falls back to the webhook's
    /// `MediaContentTypeN`.
    ///
    /// See the [media module](crate::media) for the safety rules and an
    /// example.
    ///
    /// # Errors
    ///
    /// [`DownloadError::NoSource`] when `media` has no `url`; otherwise as
    /// [`download_url`](Self::download_url).
    pub async fn download(&self, media: &Media) -> Result<Downloaded, DownloadError> {
        let Some(url) = media.url.as_deref() else {
            return Err(DownloadError::NoSource {
                provider: Provider::Twilio,
                missing: "url",
            });
        };
        let mut file = self.download_url(url).await?;
        if file.mime_type.is_none() {
            file.mime_type.clone_from(&media.mime_type);
        }
        if media.filename.is_some() {
            file.file_name.clone_from(&media.filename);
        }
        Ok(file)
    }

    /// Downloads the media at `url`, which must be under the configured API
    /// base (same scheme, host and port, and path): the credentials are sent
    /// there and nowhere else. Twilio answers with a redirect to a signed
    /// storage URL, fetched without them.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use infra_providers::media::DownloadError;
    /// use infra_providers::testing::{FakeMedia, FakeTwilio};
    /// use infra_providers::twilio::TwilioClient;
    ///
    /// let fake = FakeTwilio::start("AC0123456789abcdef0123456789abcdef", "token").await;
    /// let media = fake.add_media(FakeMedia::new("application/pdf", b"%PDF-1.7".to_vec()));
    /// let client = TwilioClient::new(fake.config()).unwrap();
    ///
    /// let file = client.download_url(media.url.as_deref().unwrap()).await.unwrap();
    /// assert_eq!(file.bytes, b"%PDF-1.7");
    /// assert_eq!(file.mime_type.as_deref(), Some("application/pdf"));
    ///
    /// // Anywhere else, the auth token is not sent: nothing is fetched.
    /// let err = client.download_url("https://evil.example/2010-04-01/x").await.unwrap_err();
    /// assert!(matches!(err, DownloadError::ForbiddenUrl { .. }));
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// [`DownloadError::ForbiddenUrl`] for a URL elsewhere, or a redirect
    /// that may not be followed; [`DownloadError::TooLarge`] over the limit;
    /// [`DownloadError::Retryable`] for 429, 5xx, network errors and the
    /// timeout; [`DownloadError::Permanent`] for 20003 (wrong credentials),
    /// 20404 (no such media) and other refusals.
    pub async fn download_url(&self, url: &str) -> Result<Downloaded, DownloadError> {
        let span = tracing::info_span!(
            "twilio.download",
            provider = "twilio",
            url = %fetch::redact(url),
            bytes = tracing::field::Empty,
        );
        let limits = *self.config().media();
        fetch::measured(Provider::Twilio, limits.timeout(), self.fetch(url))
            .instrument(span)
            .await
    }

    /// The download; the flag says the credentials were refused.
    async fn fetch(&self, url: &str) -> (Result<Downloaded, DownloadError>, bool) {
        let media = self.media_http();
        let url = match Url::parse(url.trim()) {
            Ok(url) if fetch::is_under(&media.base, &url) => url,
            Ok(_) => {
                return (
                    Err(DownloadError::ForbiddenUrl {
                        url: fetch::redact(url),
                        reason: "not under the configured Twilio API base: the credentials \
                                 are not sent there",
                    }),
                    false,
                );
            }
            Err(_) => {
                return (
                    Err(DownloadError::ForbiddenUrl {
                        url: fetch::redact(url),
                        reason: "not an absolute URL",
                    }),
                    false,
                );
            }
        };
        let base = &media.base;
        let trusted = |url: &Url| fetch::is_under(base, url);
        let get = Get {
            http: &media.http,
            provider: Provider::Twilio,
            authorization: &media.authorization,
            trusted: &trusted,
            limit: self.config().media().max_bytes(),
        };
        match get.send(url).await {
            Ok(fetched) if fetched.is_success() => (Ok(downloaded(&fetched)), false),
            Ok(fetched) => {
                let auth_failed = fetched.trusted && fetched.status == 401;
                (Err(refusal(&fetched)), auth_failed)
            }
            Err(e) => (Err(e), false),
        }
    }
}

fn downloaded(fetched: &Fetched) -> Downloaded {
    Downloaded {
        sha256: fetch::sha256_hex(&fetched.body),
        bytes: fetched.body.clone(),
        mime_type: fetched.content_type(),
        file_name: fetched.file_name(),
    }
}

/// A non-2xx answer as a [`DownloadError`]: Twilio's error JSON from the
/// API, or whatever the storage host answered (classified by status).
fn refusal(fetched: &Fetched) -> DownloadError {
    let e = match wire::parse_send_response(fetched.status, &fetched.body) {
        Err(e) => e,
        // Not reached: only non-2xx answers come here.
        Ok(_) => {
            return DownloadError::Permanent {
                message: format!("twilio answered HTTP {} with a message", fetched.status),
                code: None,
            };
        }
    };
    let code = e.code.map(|c| c.to_string());
    let from = if fetched.trusted {
        "twilio"
    } else {
        "twilio's media storage"
    };
    let message = format!("{from} answered: {e}");
    if e.is_retryable() {
        DownloadError::Retryable {
            message,
            retry_after: providers::retry_after(&fetched.headers),
            code,
        }
    } else {
        DownloadError::Permanent { message, code }
    }
}
