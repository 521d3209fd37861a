//! Media the fakes serve ([`FakeMedia`]), as the providers' storage does:
//! with or without a `Content-Length`, with a file name, or announcing a
//! size or checksum of its own.

use std::collections::VecDeque;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// A file a fake serves as inbound media (the customer's photo, voice note
/// or document); `add_media` answers the [`Media`](framework::Media)
/// reference a webhook would carry.
///
/// ```
/// use infra_providers::testing::FakeMedia;
///
/// // A document served chunked, whose size a client learns only by reading.
/// let file = FakeMedia::new("application/pdf", b"%PDF-1.7".to_vec())
///     .with_file_name("invoice.pdf")
///     .without_content_length();
/// assert_eq!(file.sha256().len(), 64);
/// ```
///
/// See [`FakeTwilio::add_media`](super::FakeTwilio::add_media) and [`FakeMeta::add_media`](super::FakeMeta::add_media) for how each
/// fake serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeMedia {
    pub(crate) mime_type: String,
    pub(crate) bytes: Vec<u8>,
    pub(crate) file_name: Option<String>,
    pub(crate) content_length: bool,
    pub(crate) announced_sha256: Option<String>,
    pub(crate) announced_size: Option<u64>,
    pub(crate) served_from: Option<String>,
}

impl FakeMedia {
    /// `bytes` of type `mime_type`, served with its `Content-Type` and
    /// `Content-Length`.
    #[must_use]
    pub fn new(mime_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        Self {
            mime_type: mime_type.into(),
            bytes,
            file_name: None,
            content_length: true,
            announced_sha256: None,
            announced_size: None,
            served_from: None,
        }
    }

    /// A document's file name: in the webhook's `filename` (Meta) and the
    /// `Content-Disposition` it is served with.
    #[must_use]
    pub fn with_file_name(mut self, name: impl Into<String>) -> Self {
        self.file_name = Some(name.into());
        self
    }

    /// Serves the bytes chunked, without a `Content-Length`: a client learns
    /// the size only by reading.
    #[must_use]
    pub fn without_content_length(mut self) -> Self {
        self.content_length = false;
        self
    }

    /// Meta: announces this SHA-256 (in the webhook and the metadata)
    /// instead of the file's, as a corrupted or swapped file would.
    #[must_use]
    pub fn announcing_sha256(mut self, sha256: impl Into<String>) -> Self {
        self.announced_sha256 = Some(sha256.into());
        self
    }

    /// Meta: announces this `file_size` in the metadata instead of the
    /// file's.
    #[must_use]
    pub fn announcing_size(mut self, size: u64) -> Self {
        self.announced_size = Some(size);
        self
    }

    /// Where the provider sends the client for the bytes, instead of the
    /// fake itself: Twilio's redirect `Location`, Meta's metadata `url`
    /// (e.g. another server, to check that no credentials go there).
    #[must_use]
    pub fn served_from(mut self, url: impl Into<String>) -> Self {
        self.served_from = Some(url.into());
        self
    }

    /// The lower-case hex SHA-256 of the bytes.
    #[must_use]
    pub fn sha256(&self) -> String {
        crate::media::fetch::sha256_hex(&self.bytes)
    }

    /// The answer that serves the file.
    pub(super) fn response(&self) -> Response {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(&self.mime_type) {
            headers.insert(header::CONTENT_TYPE, value);
        }
        if let Some(name) = &self.file_name
            && let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        {
            headers.insert(header::CONTENT_DISPOSITION, value);
        }
        if self.content_length {
            return (StatusCode::OK, headers, self.bytes.clone()).into_response();
        }
        let chunks = self
            .bytes
            .chunks(1024)
            .map(axum::body::Bytes::copy_from_slice)
            .collect();
        (
            StatusCode::OK,
            headers,
            axum::body::Body::new(Chunked(chunks)),
        )
            .into_response()
    }
}

/// A body in chunks, of unknown size: served without `Content-Length`.
struct Chunked(VecDeque<axum::body::Bytes>);

impl http_body::Body for Chunked {
    type Data = axum::body::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(
            self.get_mut()
                .0
                .pop_front()
                .map(|b| Ok(http_body::Frame::data(b))),
        )
    }
}
