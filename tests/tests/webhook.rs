//! The bot's HTTP server on 127.0.0.1: signed webhooks over a real socket.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use bot::config::Settings;
use bytes::Bytes;
use framework::testing::RecordingOutbox;
use framework::testing::meta::{MetaMessage, MetaWebhook, verification_request};
use framework::testing::twilio::{BUSINESS_NUMBER, CUSTOMER_NUMBER, TwilioWebhook};
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

const TOKEN: &str = "e2e-twilio-token";
const SECRET: &str = "e2e-meta-secret";
const VERIFY: &str = "e2e-verify";

/// Starts the bot's application on a free port; replies are recorded.
async fn spawn_bot() -> (SocketAddr, RecordingOutbox) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut settings = Settings::local(addr);
    settings.twilio_auth_token = Some(TOKEN.to_owned());
    settings.meta_app_secret = Some(SECRET.to_owned());
    settings.meta_verify_token = Some(VERIFY.to_owned());
    let outbox = RecordingOutbox::new();
    let app = bot::app_with_outbox(&settings, outbox.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, outbox)
}

/// Sends `request` to `addr` over a fresh HTTP/1.1 connection.
async fn send(addr: SocketAddr, request: Request<axum::body::Body>) -> (StatusCode, String) {
    let (parts, body) = request.into_parts();
    let body: Bytes = body.collect().await.unwrap().to_bytes();
    let mut request = Request::from_parts(parts, Full::new(body));
    request
        .headers_mut()
        .insert(http::header::HOST, addr.to_string().parse().unwrap());
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn health_and_readiness() {
    let (addr, _) = spawn_bot().await;
    let health = Request::get("/healthz")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(
        send(addr, health).await,
        (StatusCode::OK, "ok\n".to_owned())
    );
    let ready = Request::get("/readyz")
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(send(addr, ready).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_signed_twilio_hi_is_greeted_and_a_forged_one_refused() {
    // Arrange
    let (addr, outbox) = spawn_bot().await;
    let url = format!("http://{addr}/webhooks/twilio");
    let hi = TwilioWebhook::text(CUSTOMER_NUMBER, BUSINESS_NUMBER, "hi").with_profile_name("Asha");

    // Act
    let (status, body) = send(addr, hi.signed_request(TOKEN, &url)).await;
    let (forged, _) = send(addr, hi.signed_request("guess", &url)).await;
    let (retry, _) = send(addr, hi.signed_request(TOKEN, &url)).await;

    // Assert
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<Response/>"), "{body}");
    assert_eq!(forged, StatusCode::FORBIDDEN);
    assert_eq!(retry, StatusCode::OK);
    let texts = outbox.texts();
    assert_eq!(texts.len(), 1, "one reply despite the retry: {texts:?}");
    assert!(texts[0].starts_with("Hi Asha!"), "{texts:?}");
}

#[tokio::test]
async fn meta_handshake_and_a_signed_notification() {
    let (addr, outbox) = spawn_bot().await;
    let (status, body) = send(addr, verification_request("/webhooks/meta", VERIFY, "4242")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "4242"));

    let notification = MetaWebhook::new("106540352242922", "15550783881")
        .message(MetaMessage::text("919812345678", "menu"))
        .message(MetaMessage::text("919812345679", "cement x 100"));
    let (status, _) = send(
        addr,
        notification.signed_request(SECRET.as_bytes(), "/webhooks/meta"),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let texts = outbox.texts();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("Campanile shop bot")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("can't take orders yet")),
        "{texts:?}"
    );
}
