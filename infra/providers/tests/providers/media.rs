//! Media downloads (`infra_providers::media`) against `FakeTwilio` and
//! `FakeMeta`: the happy paths, the providers' refusals, and the safety
//! rules (size, hosts, checksum).

use std::time::Duration;

use framework::{Media, MediaKind, Provider};
use infra_providers::Providers;
use infra_providers::media::{DownloadError, MediaConfig, MediaDownloader as _};
use infra_providers::meta::MetaClient;
use infra_providers::testing::{FakeFailure, FakeMedia, FakeMeta, FakeTwilio};
use infra_providers::twilio::{TwilioClient, TwilioConfig};

use super::{ACCESS_TOKEN, ACCOUNT_SID, AUTH_TOKEN};

const JPEG: &[u8] = b"\xff\xd8\xff\xe0 not really a photo";

async fn twilio() -> FakeTwilio {
    FakeTwilio::start(ACCOUNT_SID, AUTH_TOKEN).await
}

async fn meta() -> FakeMeta {
    FakeMeta::start(ACCESS_TOKEN).await
}

fn twilio_client(config: TwilioConfig) -> TwilioClient {
    TwilioClient::new(config).unwrap()
}

fn small(max_bytes: u64) -> MediaConfig {
    MediaConfig::default().with_max_bytes(max_bytes)
}

// --- Twilio ----------------------------------------------------------------

#[tokio::test]
async fn twilio_media_is_fetched_with_basic_auth_then_from_the_signed_storage_url() {
    // Arrange
    let fake = twilio().await;
    let media = fake.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()));

    // Act
    let file = twilio_client(fake.config()).download(&media).await.unwrap();

    // Assert
    assert_eq!(file.bytes, JPEG);
    assert_eq!(file.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(file.sha256, FakeMedia::new("", JPEG.to_vec()).sha256());
    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(requests[0].method, "GET");
    assert!(
        requests[0].path.contains("/Media/ME"),
        "{}",
        requests[0].path
    );
    assert_eq!(requests[0].status, 307);
    assert_eq!(
        requests[0].basic_credentials(),
        Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned()))
    );
    assert!(requests[1].path.starts_with("/storage/ME"));
    assert_eq!(requests[1].status, 200);
    assert!(fake.accepted().is_empty(), "downloads are not messages");
}

#[tokio::test]
async fn twilio_documents_keep_the_served_file_name_and_chunked_bodies_arrive_whole() {
    let fake = twilio().await;
    let pdf: Vec<u8> = (0..5000_u32).map(|i| (i % 251) as u8).collect();
    let media = fake.add_media(
        FakeMedia::new("application/pdf", pdf.clone())
            .with_file_name("invoice-42.pdf")
            .without_content_length(),
    );

    let file = twilio_client(fake.config()).download(&media).await.unwrap();

    assert_eq!(file.bytes, pdf);
    assert_eq!(file.file_name.as_deref(), Some("invoice-42.pdf"));
    assert_eq!(media.kind, MediaKind::Document);
}

#[tokio::test]
async fn twilio_wrong_credentials_are_permanent_with_code_20003() {
    let fake = twilio().await;
    let media = fake.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()));
    let config = TwilioConfig::new(ACCOUNT_SID, "wrong-token")
        .with_base_url(fake.base_url())
        .with_timeout(Duration::from_secs(5));

    let err = twilio_client(config).download(&media).await.unwrap_err();

    assert!(matches!(err, DownloadError::Permanent { .. }), "{err:?}");
    assert_eq!(err.code(), Some("20003"));
    assert_eq!(fake.requests().len(), 1, "no redirect followed");
}

#[tokio::test]
async fn twilio_unknown_media_is_permanent_with_code_20404() {
    let fake = twilio().await;
    let client = twilio_client(fake.config());
    let url = format!(
        "{}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/MM0/Media/ME0",
        fake.base_url()
    );

    let err = client.download_url(&url).await.unwrap_err();

    assert!(!err.is_retryable(), "{err:?}");
    assert_eq!(err.code(), Some("20404"));
}

#[tokio::test]
async fn twilio_oversize_is_refused_from_the_content_length() {
    let fake = twilio().await;
    let media = fake.add_media(FakeMedia::new("video/mp4", vec![7; 4096]));
    let client = twilio_client(fake.config().with_media(small(1000)));

    let err = client.download(&media).await.unwrap_err();

    assert!(
        matches!(
            err,
            DownloadError::TooLarge {
                limit: 1000,
                declared: Some(4096)
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn twilio_oversize_without_a_length_is_refused_while_reading() {
    let fake = twilio().await;
    let media =
        fake.add_media(FakeMedia::new("video/mp4", vec![7; 64 * 1024]).without_content_length());
    let client = twilio_client(fake.config().with_media(small(10_000)));

    let err = client.download(&media).await.unwrap_err();

    assert!(
        matches!(
            err,
            DownloadError::TooLarge {
                limit: 10_000,
                declared: None
            }
        ),
        "{err:?}"
    );
    // Exactly the limit is still fine.
    let exact =
        fake.add_media(FakeMedia::new("video/mp4", vec![7; 10_000]).without_content_length());
    assert_eq!(client.download(&exact).await.unwrap().bytes.len(), 10_000);
}

#[tokio::test]
async fn twilio_urls_off_the_api_base_are_refused_before_any_request() {
    // Arrange: a second server stands for another host.
    let fake = twilio().await;
    let elsewhere = twilio().await;
    let client = twilio_client(fake.config());
    let forged = elsewhere.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()));

    // Act
    let results = [
        client.download(&forged).await,
        client
            .download_url("https://evil.example/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1")
            .await,
        client.download_url("file:///etc/passwd").await,
        client.download_url("/2010-04-01/relative").await,
    ];

    // Assert
    for result in results {
        let err = result.unwrap_err();
        assert!(matches!(err, DownloadError::ForbiddenUrl { .. }), "{err:?}");
        assert!(!err.to_string().contains("/Media/"), "no path in {err}");
    }
    assert!(
        elsewhere.requests().is_empty(),
        "the credentials went elsewhere"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn twilio_redirects_to_another_origin_get_no_credentials() {
    let fake = twilio().await;
    let storage = twilio().await;
    let media = fake.add_media(
        FakeMedia::new("image/jpeg", JPEG.to_vec())
            .served_from(format!("{}/storage/MEnone?Signature=s", storage.base_url())),
    );

    let err = twilio_client(fake.config())
        .download(&media)
        .await
        .unwrap_err();

    // The other server holds no such file (404), but what matters is what it saw.
    assert!(matches!(err, DownloadError::Permanent { .. }), "{err:?}");
    let seen = storage.requests();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].authorization, None);
    assert!(fake.requests()[0].authorization.is_some());
}

#[tokio::test]
async fn twilio_5xx_and_429_are_retryable() {
    let fake = twilio().await;
    let media = fake.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()));
    let client = twilio_client(fake.config());
    fake.fail_next(FakeFailure::ServerError);
    fake.fail_next(FakeFailure::RateLimited {
        retry_after_secs: Some(3),
    });

    let server_error = client.download(&media).await.unwrap_err();
    let rate_limited = client.download(&media).await.unwrap_err();
    let then = client.download(&media).await;

    assert!(server_error.is_retryable(), "{server_error:?}");
    assert_eq!(server_error.code(), Some("20500"));
    assert!(rate_limited.is_retryable(), "{rate_limited:?}");
    assert_eq!(rate_limited.code(), Some("20429"));
    assert_eq!(rate_limited.retry_after(), Some(Duration::from_secs(3)));
    assert_eq!(then.unwrap().bytes, JPEG);
}

#[tokio::test]
async fn a_download_that_hangs_times_out_as_retryable() {
    let fake = twilio().await;
    let media = fake.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()));
    let config = fake
        .config()
        .with_media(MediaConfig::default().with_timeout(Duration::from_millis(200)));
    fake.fail_next(FakeFailure::Hang(Duration::from_secs(30)));

    let err = twilio_client(config).download(&media).await.unwrap_err();

    assert!(err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains("did not finish"), "{err}");
}

#[tokio::test]
async fn twilio_media_without_a_url_has_no_source() {
    let fake = twilio().await;
    let err = twilio_client(fake.config())
        .download(&Media::new(MediaKind::Image))
        .await
        .unwrap_err();
    assert!(
        matches!(err, DownloadError::NoSource { missing: "url", .. }),
        "{err:?}"
    );
}

// --- Meta ------------------------------------------------------------------

fn meta_client(fake: &FakeMeta, media: MediaConfig) -> MetaClient {
    MetaClient::new(fake.config().with_media(media)).unwrap()
}

#[tokio::test]
async fn meta_media_is_looked_up_by_id_then_fetched_with_the_token() {
    // Arrange
    let fake = meta().await;
    let media = fake.add_media(
        FakeMedia::new("application/pdf", b"%PDF-1.7 receipt".to_vec())
            .with_file_name("receipt.pdf"),
    );

    // Act
    let file = meta_client(&fake, MediaConfig::default())
        .download(&media)
        .await
        .unwrap();

    // Assert
    assert_eq!(file.bytes, b"%PDF-1.7 receipt");
    assert_eq!(file.mime_type.as_deref(), Some("application/pdf"));
    assert_eq!(file.file_name.as_deref(), Some("receipt.pdf"));
    assert_eq!(Some(file.sha256), media.sha256);
    let requests = fake.requests();
    assert_eq!(requests.len(), 2, "{requests:?}");
    assert_eq!(
        requests[0].path,
        format!("/v25.0/{}", media.id.as_deref().unwrap())
    );
    assert_eq!(requests[0].response["mime_type"], "application/pdf");
    assert_eq!(requests[1].path, "/whatsapp_business/attachments/");
    for request in &requests {
        assert_eq!(request.bearer_token(), Some(ACCESS_TOKEN));
    }
}

#[tokio::test]
async fn meta_wrong_token_is_permanent_with_code_190() {
    let fake = meta().await;
    let media = fake.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()));
    let client = MetaClient::new(fake.config().with_base_url(fake.base_url())).unwrap();
    let wrong = MetaClient::new(
        infra_providers::meta::MetaConfig::new("EAAG-wrong").with_base_url(fake.base_url()),
    )
    .unwrap();

    let err = wrong.download(&media).await.unwrap_err();

    assert!(matches!(err, DownloadError::Permanent { .. }), "{err:?}");
    assert_eq!(err.code(), Some("190"));
    assert_eq!(fake.requests().len(), 1);
    assert!(client.download(&media).await.is_ok());
}

#[tokio::test]
async fn meta_unknown_id_is_permanent_with_code_100() {
    let fake = meta().await;

    let err = meta_client(&fake, MediaConfig::default())
        .download_id("1037543291543636")
        .await
        .unwrap_err();

    assert!(!err.is_retryable(), "{err:?}");
    assert_eq!(err.code(), Some("100"));
}

#[tokio::test]
async fn meta_ids_that_are_not_path_segments_are_refused_without_a_request() {
    let fake = meta().await;
    let client = meta_client(&fake, MediaConfig::default());
    for id in ["", "..", "1/messages", "1?fields=x", "../../v1/me"] {
        let err = client.download_id(id).await.unwrap_err();
        assert!(
            matches!(err, DownloadError::Permanent { .. }),
            "{id}: {err:?}"
        );
    }
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn meta_oversize_is_refused_from_file_size_before_the_bytes_are_fetched() {
    let fake = meta().await;
    let media = fake.add_media(FakeMedia::new("video/mp4", vec![1; 4096]));

    let err = meta_client(&fake, small(1000))
        .download(&media)
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            DownloadError::TooLarge {
                limit: 1000,
                declared: Some(4096)
            }
        ),
        "{err:?}"
    );
    assert_eq!(fake.requests().len(), 1, "only the metadata was asked");
}

#[tokio::test]
async fn meta_oversize_behind_a_false_size_and_no_length_is_refused_while_reading() {
    let fake = meta().await;
    let media = fake.add_media(
        FakeMedia::new("video/mp4", vec![1; 64 * 1024])
            .announcing_size(10)
            .without_content_length(),
    );

    let err = meta_client(&fake, small(10_000))
        .download(&media)
        .await
        .unwrap_err();

    assert!(
        matches!(
            err,
            DownloadError::TooLarge {
                limit: 10_000,
                declared: None
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn meta_bytes_that_do_not_match_the_sha256_are_refused() {
    let fake = meta().await;
    let other = FakeMedia::new("image/jpeg", b"another file".to_vec()).sha256();
    let media =
        fake.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()).announcing_sha256(&other));

    let err = meta_client(&fake, MediaConfig::default())
        .download(&media)
        .await
        .unwrap_err();

    match err {
        DownloadError::ChecksumMismatch { expected, actual } => {
            assert_eq!(expected, other);
            assert_eq!(actual, FakeMedia::new("", JPEG.to_vec()).sha256());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn meta_a_webhook_sha256_that_does_not_match_is_refused_too() {
    let fake = meta().await;
    let mut media = fake.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()));
    let client = meta_client(&fake, MediaConfig::default());
    // Meta's webhooks may send it in base64: read as well as hex.
    let hex = media.sha256.clone().unwrap();
    media.sha256 = Some(base64_of_hex(&hex));
    assert!(client.download(&media).await.is_ok());

    media.sha256 = Some(FakeMedia::new("", b"x".to_vec()).sha256());
    let err = client.download(&media).await.unwrap_err();
    assert!(
        matches!(err, DownloadError::ChecksumMismatch { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn meta_media_urls_on_a_foreign_host_are_refused_without_sending_the_token() {
    // Arrange: Meta's answer names another server (another port: another
    // origin, not an allowed media host).
    let fake = meta().await;
    let elsewhere = meta().await;
    let media = fake.add_media(
        FakeMedia::new("image/jpeg", JPEG.to_vec()).served_from(format!(
            "{}/whatsapp_business/attachments/?mid=1&hash=x",
            elsewhere.base_url()
        )),
    );

    // Act
    let err = meta_client(&fake, MediaConfig::default())
        .download(&media)
        .await
        .unwrap_err();

    // Assert
    assert!(matches!(err, DownloadError::ForbiddenUrl { .. }), "{err:?}");
    assert!(!err.to_string().contains("hash="), "{err}");
    assert!(elsewhere.requests().is_empty(), "the token went elsewhere");
}

#[tokio::test]
async fn meta_the_webhook_url_is_never_used() {
    let fake = meta().await;
    let mut media = Media::new(MediaKind::Image);
    media.url = Some(format!(
        "{}/whatsapp_business/attachments/?mid=1",
        fake.base_url()
    ));

    let err = meta_client(&fake, MediaConfig::default())
        .download(&media)
        .await
        .unwrap_err();

    assert!(
        matches!(err, DownloadError::NoSource { missing: "id", .. }),
        "{err:?}"
    );
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn meta_5xx_429_and_an_expired_url_are_retryable() {
    let fake = meta().await;
    let media = fake.add_media(FakeMedia::new("image/jpeg", JPEG.to_vec()));
    let client = meta_client(&fake, MediaConfig::default());
    fake.fail_next(FakeFailure::ServerError);
    fake.fail_next(FakeFailure::RateLimited {
        retry_after_secs: Some(2),
    });
    fake.fail_next(FakeFailure::Raw {
        status: 429,
        body: "{}".to_owned(),
    });

    let server_error = client.download(&media).await.unwrap_err();
    let throughput = client.download(&media).await.unwrap_err();
    let too_many = client.download(&media).await.unwrap_err();

    assert!(server_error.is_retryable(), "{server_error:?}");
    assert_eq!(server_error.code(), Some("131000"));
    assert!(throughput.is_retryable(), "{throughput:?}");
    assert_eq!(throughput.retry_after(), Some(Duration::from_secs(2)));
    assert!(too_many.is_retryable(), "{too_many:?}");

    // A URL that no longer works (wrong hash here): 404, retry for a new one.
    let expired = fake.add_media(
        FakeMedia::new("image/jpeg", JPEG.to_vec()).served_from(format!(
            "{}/whatsapp_business/attachments/?mid={}&hash=old",
            fake.base_url(),
            media.id.as_deref().unwrap()
        )),
    );
    let err = client.download(&expired).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

// --- Providers -------------------------------------------------------------

#[tokio::test]
async fn providers_download_through_the_message_s_provider() {
    let twilio = twilio().await;
    let meta = meta().await;
    let providers = Providers::new()
        .with_twilio(twilio_client(twilio.config()))
        .with_meta(meta_client(&meta, MediaConfig::default()));
    let from_twilio = twilio.add_media(FakeMedia::new("audio/ogg", b"OggS twilio".to_vec()));
    let from_meta = meta.add_media(FakeMedia::new("audio/ogg", b"OggS meta".to_vec()));

    let a = providers
        .download(Provider::Twilio, &from_twilio)
        .await
        .unwrap();
    let b = providers
        .download(Provider::Meta, &from_meta)
        .await
        .unwrap();

    assert_eq!(
        (a.bytes.as_slice(), b.bytes.as_slice()),
        (&b"OggS twilio"[..], &b"OggS meta"[..])
    );
    let none = Providers::new();
    for provider in [Provider::Twilio, Provider::Meta, Provider::Local] {
        let err = none.download(provider, &from_meta).await.unwrap_err();
        assert!(
            matches!(err, DownloadError::NotConfigured(p) if p == provider),
            "{err:?}"
        );
    }
}

/// The standard base64 of a hex digest.
fn base64_of_hex(hex: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(hex::decode(hex).unwrap())
}
