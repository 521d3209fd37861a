//! Downloading the media a customer sent: a [`Media`] reference from an
//! inbound message becomes its bytes.
//!
//! - Twilio: [`TwilioClient::download`] (or
//!   [`download_url`](crate::twilio::TwilioClient::download_url)) fetches the `MediaUrlN`
//!   with HTTP Basic `AccountSid:AuthToken`; Twilio answers with a redirect to
//!   a signed storage URL, which is fetched **without** the credentials.
//! - Meta: [`MetaClient::download`] (or
//!   [`download_id`](crate::meta::MetaClient::download_id)) asks
//!   `GET {base}/{version}/{media-id}` (Bearer token) for the file's metadata
//!   (`url`, `mime_type`, `sha256`, `file_size`), then fetches that short-lived
//!   `url` with the same token, as Meta documents, and checks the SHA-256.
//! - [`MediaDownloader`]: the provider-neutral entry point, implemented by
//!   [`Providers`]: `providers.download(message.key.provider, &media)`.
//!
//! Every download answers a [`Downloaded`] (bytes, MIME type, SHA-256, file
//! name) or a [`DownloadError`] that says whether a retry can help.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use framework::Provider;
//! use infra_providers::media::{DownloadError, MediaConfig, MediaDownloader as _};
//! use infra_providers::meta::MetaClient;
//! use infra_providers::testing::{FakeMedia, FakeMeta};
//! use infra_providers::Providers;
//!
//! let fake = FakeMeta::start("token").await;
//! // What a webhook would carry: the media id, its MIME type and SHA-256.
//! let media = fake.add_media(FakeMedia::new("image/jpeg", b"\xff\xd8 a photo".to_vec()));
//!
//! let config = fake.config().with_media(MediaConfig::default().with_max_bytes(1024));
//! let providers = Providers::new().with_meta(MetaClient::new(config).unwrap());
//! let file = providers.download(Provider::Meta, &media).await.unwrap();
//! assert_eq!(file.bytes, b"\xff\xd8 a photo");
//! assert_eq!(file.mime_type.as_deref(), Some("image/jpeg"));
//!
//! // Bigger than the limit: refused before the bytes are read.
//! let big = fake.add_media(FakeMedia::new("video/mp4", vec![0; 4096]));
//! let err = providers.download(Provider::Meta, &big).await.unwrap_err();
//! assert!(matches!(err, DownloadError::TooLarge { limit: 1024, .. }));
//! assert!(!err.is_retryable());
//! # }
//! ```
//!
//! # Safety
//!
//! A media reference arrives in a webhook, so it is treated as input:
//!
//! - **Credentials go only where they belong.** Twilio's are sent only to the
//!   configured API base's origin (scheme, host and port): a `MediaUrl` on
//!   another origin, or outside the base's path, is refused before any
//!   request ([`DownloadError::ForbiddenUrl`]), so a forged payload cannot
//!   make the bot send the auth token elsewhere. A Meta download never uses
//!   the webhook's `url`: it starts from the media id (a path segment of the
//!   configured Graph API) and fetches only the `url` Meta's own answer
//!   names, with the token (Meta's lookaside host refuses it without), and
//!   only when that URL is on the API base's origin or on an allowed media
//!   host ([`MetaConfig::with_media_hosts`](crate::meta::MetaConfig::with_media_hosts),
//!   by default `lookaside.fbsbx.com`) over https.
//! - **Redirects** are followed by hand, at most 5, to `http(s)` only and
//!   never from https down to http; the credentials follow a redirect only to
//!   an origin allowed above (Twilio's signed storage URL gets none).
//! - **Size**: a body over [`MediaConfig::max_bytes`] (16 MiB by default,
//!   WhatsApp's audio and video limit; documents may be up to 100 MB) is
//!   refused ([`DownloadError::TooLarge`]) from its `Content-Length` or
//!   Meta's `file_size` before it is read, and otherwise as soon as the
//!   streamed read passes the limit: a body without (or with a false) length
//!   is never buffered whole.
//! - **Time**: the whole download (metadata, redirects, body) must finish
//!   within [`MediaConfig::timeout`] (60 s by default).
//! - **Integrity**: a SHA-256 Meta gives (its answer's `sha256`, and the
//!   webhook's on the [`Media`]) must match the bytes, else
//!   [`DownloadError::ChecksumMismatch`]; hex and base64 are both read.
//! - **Logs** never hold a token, and never a whole URL: only its origin
//!   (signed URLs carry their signature in the query, Twilio's path names the
//!   account).
//!
//! # Errors
//!
//! | Cause | Variant | Retry? |
//! |---|---|---|
//! | No client for the provider | [`DownloadError::NotConfigured`] | no |
//! | A Twilio [`Media`] without `url`, a Meta one without `id` | [`DownloadError::NoSource`] | no |
//! | A URL on another host, a bad scheme, an https → http redirect | [`DownloadError::ForbiddenUrl`] | no |
//! | Bigger than [`MediaConfig::max_bytes`] | [`DownloadError::TooLarge`] | no |
//! | The bytes do not match Meta's SHA-256 | [`DownloadError::ChecksumMismatch`] | no |
//! | HTTP 429, 5xx, Meta 130429 / 131000…, network errors, the timeout; Meta's lookaside URL answering 404 (it expired: a retry asks for a new one) | [`DownloadError::Retryable`] | yes |
//! | Wrong credentials (Twilio 20003, Meta 190), an unknown media (Twilio 20404, Meta 100), any other 4xx | [`DownloadError::Permanent`] | no |
//!
//! # Logs and metrics
//!
//! Each download runs in a `twilio.download` or `meta.download` span and logs
//! one line with its outcome (`error` level when the credentials were
//! refused). Metrics:
//! `campanile_media_downloads_total{provider,outcome="ok|retryable|permanent"}`,
//! `campanile_media_download_seconds{provider}` and
//! `campanile_media_download_bytes_total{provider}`.
//!
//! [`TwilioClient::download`]: crate::twilio::TwilioClient::download
//! [`MetaClient::download`]: crate::meta::MetaClient::download
//! [`TwilioClient`]: crate::twilio::TwilioClient
//! [`MetaClient`]: crate::meta::MetaClient

pub(crate) mod fetch;
mod meta;
mod twilio;

use std::fmt;
use std::future::Future;
use std::time::Duration;

use framework::{Media, Provider};

use crate::transport::Providers;

/// The largest body a download accepts by default: 16 MiB, WhatsApp's limit
/// for audio and video (images: 5 MB; documents: 100 MB).
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// How long a whole download may take by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Limits of one download.
///
/// ```
/// use std::time::Duration;
/// use infra_providers::media::MediaConfig;
///
/// let config = MediaConfig::default();
/// assert_eq!(config.max_bytes(), 16 * 1024 * 1024);
/// assert_eq!(config.timeout(), Duration::from_secs(60));
///
/// // Documents may be up to 100 MB on WhatsApp.
/// let config = config.with_max_bytes(100 * 1000 * 1000).with_timeout(Duration::from_secs(300));
/// assert_eq!(config.max_bytes(), 100_000_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MediaConfig {
    max_bytes: u64,
    timeout: Duration,
}

impl Default for MediaConfig {
    /// [`DEFAULT_MAX_BYTES`] and [`DEFAULT_TIMEOUT`].
    fn default() -> Self {
        Self {
            max_bytes: DEFAULT_MAX_BYTES,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl MediaConfig {
    /// Refuses bodies over `max_bytes` (at least 1).
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes.max(1);
        self
    }

    /// Gives up on a download after `timeout` (at least 1 ms), metadata,
    /// redirects and body included.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The largest body accepted.
    #[must_use]
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The deadline of one download.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }
}

/// A downloaded media file.
///
/// `Debug` shows the size, not the bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// The MIME type: Meta's `mime_type`, or the `Content-Type` the file was
    /// served with, or the one the webhook announced.
    pub mime_type: Option<String>,
    /// Lower-case hex SHA-256 of [`bytes`](Self::bytes), computed here. When
    /// the provider gave one (Meta), it matched.
    pub sha256: String,
    /// The file name, when known: a document's `filename` from the webhook,
    /// else the `Content-Disposition` the file was served with. The sender
    /// chose it: never use it as a path as is.
    pub file_name: Option<String>,
}

impl fmt::Debug for Downloaded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Downloaded")
            .field("bytes", &format_args!("{} bytes", self.bytes.len()))
            .field("mime_type", &self.mime_type)
            .field("sha256", &self.sha256)
            .field("file_name", &self.file_name)
            .finish()
    }
}

/// Why a download failed, and whether to try again.
///
/// See the [module docs](self) for which failures land in which variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// No client (credentials) for this provider.
    #[error("{0} is not configured (no credentials): the media cannot be downloaded")]
    NotConfigured(Provider),
    /// The media reference has nothing this provider downloads from: a URL
    /// for Twilio, a media id for Meta.
    #[error("the {provider} media has no {missing} to download it from")]
    NoSource {
        /// The provider asked.
        provider: Provider,
        /// What is missing: `url` or `id`.
        missing: &'static str,
    },
    /// A URL this client will not fetch (with its credentials): another host,
    /// a scheme other than http(s), a redirect from https to http.
    #[error("refused to fetch {url}: {reason}")]
    ForbiddenUrl {
        /// The URL, reduced to its origin (`https://host/…`).
        url: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// The file is bigger than the configured limit.
    #[error("the media is bigger than the limit of {limit} bytes{}", declared.map(|d| format!(" ({d} bytes announced)")).unwrap_or_default())]
    TooLarge {
        /// The limit ([`MediaConfig::max_bytes`]).
        limit: u64,
        /// The size the provider announced (`Content-Length`, Meta's
        /// `file_size`), when the refusal came from it; `None` when the
        /// streamed read passed the limit.
        declared: Option<u64>,
    },
    /// The bytes do not match the SHA-256 the provider gave.
    #[error("the media's SHA-256 is {actual}, the provider announced {expected}")]
    ChecksumMismatch {
        /// The SHA-256 the provider gave, as it gave it.
        expected: String,
        /// The hex SHA-256 of the bytes received.
        actual: String,
    },
    /// May succeed later: HTTP 429, 5xx, throughput codes, network errors,
    /// the timeout, an expired Meta media URL.
    #[error("media download failed, retry later: {message}")]
    Retryable {
        /// What happened.
        message: String,
        /// The least time to wait, when the provider said (`Retry-After`).
        retry_after: Option<Duration>,
        /// The provider's error code, when there is one.
        code: Option<String>,
    },
    /// Will never succeed as is: wrong credentials, an unknown or deleted
    /// media, any other refusal.
    #[error("media download failed: {message}")]
    Permanent {
        /// What happened.
        message: String,
        /// The provider's error code (`"20404"`, `"100"`), when there is one.
        code: Option<String>,
    },
}

impl DownloadError {
    /// Whether downloading the same media again later may succeed.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }

    /// How long to wait before the next attempt, when the provider said.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Retryable { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The provider's error code, when it sent one.
    #[must_use]
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Retryable { code, .. } | Self::Permanent { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

/// Downloads the media of an inbound message, whatever its provider.
///
/// # Errors
///
/// An implementation MUST return [`DownloadError::Retryable`] only when the
/// same download may succeed later, and MUST NOT send a provider's
/// credentials to a host other than that provider's (see the [module
/// docs](self)).
pub trait MediaDownloader: Clone + Send + Sync + 'static {
    /// Downloads `media`, received through `provider` (the message's
    /// `key.provider`).
    fn download(
        &self,
        provider: Provider,
        media: &Media,
    ) -> impl Future<Output = Result<Downloaded, DownloadError>> + Send;
}

impl MediaDownloader for Providers {
    async fn download(
        &self,
        provider: Provider,
        media: &Media,
    ) -> Result<Downloaded, DownloadError> {
        match provider {
            Provider::Twilio => match self.twilio() {
                Some(client) => client.download(media).await,
                None => Err(DownloadError::NotConfigured(Provider::Twilio)),
            },
            Provider::Meta => match self.meta() {
                Some(client) => client.download(media).await,
                None => Err(DownloadError::NotConfigured(Provider::Meta)),
            },
            other => Err(DownloadError::NotConfigured(other)),
        }
    }
}
