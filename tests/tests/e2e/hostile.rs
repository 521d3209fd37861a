//! Hostile clients (issue 12): connections that send nothing, headers or a
//! body a byte at a time, or take every slot, while signed webhooks keep
//! being answered. Timeouts of a few hundred milliseconds; the bounds are
//! loose (the timeout and a second), they prove the deadlines close the
//! connections, not how fast.

use std::time::{Duration, Instant};

use framework::testing::twilio::TwilioWebhook;
use http::StatusCode;
use infra_sql::messages::Direction;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use crate::support::{BUSINESS, CUSTOMER, TOKEN, send, spawn_bot_with};

const HEADER: Duration = Duration::from_millis(300);
const BODY: Duration = Duration::from_millis(500);
const IDLE: Duration = Duration::from_secs(1);

/// How a slow client misbehaves.
#[derive(Debug, Clone, Copy)]
enum Slow {
    /// Connects and sends nothing.
    Silent,
    /// Starts a request's headers, then a byte every 100 ms.
    Headers,
    /// Sends a webhook's headers, then its body a byte every 100 ms.
    Body,
}

/// Opens a connection that misbehaves as `how` until the server closes it;
/// returns what the server sent before closing and how long the connection
/// lasted, or `None` if it is still open after `patience`.
async fn slow_client(
    addr: std::net::SocketAddr,
    how: Slow,
    patience: Duration,
) -> Option<(String, Duration)> {
    let stream = TcpStream::connect(addr).await.unwrap();
    let opened = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let start = match how {
        Slow::Silent => &b""[..],
        Slow::Headers => b"POST /webhooks/twilio HTTP/1.1\r\nhost: bot\r\nx-slow: ",
        Slow::Body => {
            b"POST /webhooks/twilio HTTP/1.1\r\nhost: bot\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 10000\r\n\r\nBody="
        }
    };
    writer.write_all(start).await.unwrap();
    let trickle = tokio::spawn(async move {
        if matches!(how, Slow::Silent) {
            // Dropping the writing half would send a FIN: hold it.
            let _open = writer;
            return std::future::pending().await;
        }
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if writer.write_all(b"a").await.is_err() {
                return;
            }
        }
    });
    let mut seen = Vec::new();
    let mut buf = [0_u8; 1024];
    let deadline = tokio::time::Instant::now() + patience;
    let closed = loop {
        match tokio::time::timeout_at(deadline, reader.read(&mut buf)).await {
            Err(_) => break false,
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    };
    trickle.abort();
    closed.then(|| {
        (
            String::from_utf8_lossy(&seen).into_owned(),
            opened.elapsed(),
        )
    })
}

#[tokio::test]
async fn slow_clients_are_closed_by_their_deadlines_while_signed_webhooks_are_answered() {
    // Arrange: 60 slow clients of each kind.
    let bot = spawn_bot_with(|s| {
        s.server.header_timeout = HEADER;
        s.server.body_timeout = BODY;
        s.server.idle_timeout = IDLE;
    })
    .await;
    let patience = BODY + Duration::from_secs(1);
    let slow: Vec<_> = [Slow::Silent, Slow::Headers, Slow::Body]
        .into_iter()
        .flat_map(|how| std::iter::repeat_n(how, 60))
        .map(|how| {
            let addr = bot.addr;
            tokio::spawn(async move { (how, slow_client(addr, how, patience).await) })
        })
        .collect();

    // Act: the customer talks to the shop meanwhile.
    let reply = bot.ask_twilio("hi").await;

    // Assert: answered, and every slow client was closed within its bound.
    assert!(!reply.is_empty());
    for client in slow {
        let (how, outcome) = client.await.unwrap();
        let Some((sent, lasted)) = outcome else {
            panic!("a {how:?} client is still open after {patience:?}");
        };
        let timeout = match how {
            Slow::Silent | Slow::Headers => {
                assert_eq!(sent, "", "{how:?}: closed unanswered");
                HEADER
            }
            Slow::Body => {
                assert!(sent.starts_with("HTTP/1.1 408"), "{how:?}: {sent}");
                BODY
            }
        };
        assert!(
            lasted >= timeout - Duration::from_millis(50),
            "{how:?}: closed by its deadline, not before: {lasted:?}"
        );
    }
    let inbound = bot
        .log()
        .await
        .into_iter()
        .filter(|row| row.direction() == Direction::In)
        .count();
    assert_eq!(
        inbound, 1,
        "only the customer's message; no slow one recorded"
    );
    let (status, _) = bot.get("/healthz").await;
    assert_eq!(status, StatusCode::OK);
    bot.stop().await;
}

#[tokio::test]
async fn at_the_cap_a_signed_webhook_waits_until_a_connection_closes() {
    // Arrange: a cap of two, both held by kept-alive connections that
    // asked for /healthz; timeouts long enough that none closes by itself.
    let bot = spawn_bot_with(|s| {
        s.server.max_connections = 2;
        s.server.header_timeout = Duration::from_secs(30);
        s.server.idle_timeout = Duration::from_secs(30);
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(bot.addr).await.unwrap();
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nhost: bot\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0_u8; 1024];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        held.push(stream);
    }

    // Act: a signed webhook on a third connection.
    let signed =
        TwilioWebhook::text(CUSTOMER, BUSINESS, "hi").signed_request(TOKEN, &bot.twilio_url());
    let addr = bot.addr;
    let mut webhook = tokio::spawn(async move { send(addr, signed).await });

    // Assert: it waits while the cap is full, and is answered once a
    // connection closes.
    assert!(
        tokio::time::timeout(Duration::from_millis(300), &mut webhook)
            .await
            .is_err(),
        "not served at the cap"
    );
    drop(held.pop());
    let (status, body) = tokio::time::timeout(crate::support::PATIENCE, webhook)
        .await
        .expect("served once a slot is free")
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    drop(held);
    bot.twilio_texts(1).await;
    bot.stop().await;
}
