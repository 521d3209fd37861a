//! The server over real sockets on 127.0.0.1, with timeouts of a few
//! hundred milliseconds. Bounds are loose (closed within the timeout and
//! [`SLACK`], and not before the timeout): they prove a connection is
//! closed by its deadline, not how fast.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::routing::{get, post};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use super::*;

const HEADER: Duration = Duration::from_millis(300);
const BODY: Duration = Duration::from_millis(400);
const IDLE: Duration = Duration::from_millis(1000);
/// How late past its deadline a connection may close on a busy machine.
const SLACK: Duration = Duration::from_millis(700);

/// A GET that any connection can send.
const GET: &[u8] = b"GET /hello HTTP/1.1\r\nhost: test\r\n\r\n";

fn settings() -> ServerSettings {
    ServerSettings {
        header_timeout: HEADER,
        body_timeout: BODY,
        idle_timeout: IDLE,
        ..ServerSettings::default()
    }
}

/// `/hello` answers at once; `/echo` reads the whole body; `/wait` answers
/// when `release` fires.
fn app(release: Option<oneshot::Receiver<()>>) -> axum::Router {
    let release = std::sync::Arc::new(std::sync::Mutex::new(release));
    axum::Router::new()
        .route("/hello", get(|| async { "hello" }))
        .route("/echo", post(|body: Bytes| async move { body }))
        .route(
            "/wait",
            get(move || {
                let release = release.lock().unwrap().take();
                async move {
                    if let Some(release) = release {
                        let _ = release.await;
                    }
                    "done"
                }
            }),
        )
}

/// A server running [`serve`], stopped when `stop` is sent or dropped.
struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(settings: ServerSettings, app: axum::Router) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        serve(listener, app, &settings, async move {
            let _ = stopped.await;
        })
        .await;
    });
    Server {
        addr,
        stop: Some(stop),
        task,
    }
}

impl Server {
    async fn stop(mut self) {
        drop(self.stop.take());
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the server stops")
            .unwrap();
    }
}

/// Reads until the server closes the connection (or resets it); returns what
/// it sent and when it closed. Panics if it is still open after `patience`.
async fn read_until_closed(stream: &mut TcpStream, patience: Duration) -> (String, Instant) {
    let mut seen = Vec::new();
    let mut buf = [0_u8; 4096];
    let deadline = tokio::time::Instant::now() + patience;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => panic!(
                "still open after {patience:?}; got {:?}",
                String::from_utf8_lossy(&seen)
            ),
            Ok(Ok(0) | Err(_)) => {
                return (String::from_utf8_lossy(&seen).into_owned(), Instant::now());
            }
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one response whose body is `body_len` bytes long.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut seen = Vec::new();
    let mut buf = [0_u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("a response")
            .unwrap();
        assert!(n > 0, "closed before the response: {seen:?}");
        seen.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&seen).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|l| l.trim().parse().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return text;
            }
        }
    }
}

/// Whether the server keeps `stream` open (sends nothing, closes nothing)
/// for `wait`.
async fn stays_open(stream: &mut TcpStream, wait: Duration) -> bool {
    let mut buf = [0_u8; 64];
    tokio::time::timeout(wait, stream.read(&mut buf))
        .await
        .is_err()
}

#[tokio::test]
async fn a_silent_connection_is_closed_within_the_header_timeout() {
    let server = start(settings(), app(None)).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let opened = Instant::now();

    let (sent, closed) = read_until_closed(&mut stream, HEADER + SLACK).await;

    assert_eq!(sent, "", "closed without an answer");
    assert!(closed - opened >= HEADER - Duration::from_millis(50));
    server.stop().await;
}

#[tokio::test]
async fn headers_sent_a_byte_at_a_time_are_cut_off_at_the_header_timeout() {
    // Arrange: partial headers, then a byte every 50 ms for as long as the
    // connection lasts.
    let server = start(settings(), app(None)).await;
    let stream = TcpStream::connect(server.addr).await.unwrap();
    let opened = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(b"GET /hello HTTP/1.1\r\nx-slow: ")
        .await
        .unwrap();
    let trickle = tokio::spawn(async move {
        while writer.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });

    // Act
    let mut buf = [0_u8; 64];
    let read = tokio::time::timeout(HEADER + SLACK, reader.read(&mut buf)).await;

    // Assert: closed (end of stream or reset), never answered.
    assert!(
        matches!(read, Ok(Ok(0) | Err(_))),
        "closed by the header timeout: {read:?}"
    );
    assert!(opened.elapsed() >= HEADER - Duration::from_millis(50));
    trickle.abort();
    server.stop().await;
}

#[tokio::test]
async fn a_body_sent_a_byte_at_a_time_gets_408_and_the_connection_closes() {
    // Arrange: the headers at once, then the body a byte every 50 ms.
    let server = start(settings(), app(None)).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 1000\r\n\r\n")
        .await
        .unwrap();
    let headers_sent = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        while writer.write_all(b"a").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });

    // Act
    let mut seen = Vec::new();
    let mut buf = [0_u8; 1024];
    let deadline = tokio::time::Instant::now() + BODY + SLACK;
    let closed = loop {
        match tokio::time::timeout_at(deadline, reader.read(&mut buf)).await {
            Err(_) => panic!("still open after the body timeout: {seen:?}"),
            Ok(Ok(0) | Err(_)) => break Instant::now(),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    };

    // Assert
    let seen = String::from_utf8_lossy(&seen);
    assert!(seen.starts_with("HTTP/1.1 408"), "{seen}");
    assert!(closed - headers_sent >= BODY - Duration::from_millis(50));
    trickle.abort();
    server.stop().await;
}

#[tokio::test]
async fn a_body_that_comes_in_time_is_served_and_the_connection_kept() {
    let server = start(settings(), app(None)).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: test\r\ncontent-length: 5\r\n\r\nhel")
        .await
        .unwrap();
    tokio::time::sleep(BODY / 4).await;
    stream.write_all(b"lo").await.unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.ends_with("hello"), "{response}");

    // The same connection serves the next request.
    stream.write_all(GET).await.unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.ends_with("hello"), "{response}");
    server.stop().await;
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    // Arrange: one request answered on a kept-alive connection.
    let server = start(settings(), app(None)).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(GET).await.unwrap();
    let response = read_response(&mut stream).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let answered = Instant::now();

    // Act: the connection waits, sending nothing.
    let (rest, closed) = read_until_closed(&mut stream, IDLE + SLACK).await;

    // Assert: the idle timeout closed it, not the (shorter) header timeout.
    assert_eq!(rest, "");
    assert!(
        closed - answered > HEADER + Duration::from_millis(100),
        "idle, not waiting for headers: closed after {:?}",
        closed - answered
    );
    server.stop().await;
}

#[tokio::test]
async fn beyond_the_cap_a_connection_waits_until_one_closes() {
    // Arrange: a cap of two, both taken by kept-alive connections; long
    // timeouts so that none closes by itself.
    let settings = ServerSettings {
        max_connections: 2,
        header_timeout: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(30),
        ..settings()
    };
    let server = start(settings, app(None)).await;
    let mut first = TcpStream::connect(server.addr).await.unwrap();
    let mut second = TcpStream::connect(server.addr).await.unwrap();
    for stream in [&mut first, &mut second] {
        stream.write_all(GET).await.unwrap();
        assert!(read_response(stream).await.ends_with("hello"));
    }

    // Act: a third connects (the system's backlog takes it) and asks.
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third.write_all(GET).await.unwrap();

    // Assert: not served while the cap is full; served once one closes.
    assert!(
        stays_open(&mut third, Duration::from_millis(300)).await,
        "not served at the cap"
    );
    first.write_all(GET).await.unwrap();
    assert!(
        read_response(&mut first).await.ends_with("hello"),
        "connections already open are still served"
    );
    drop(first);
    let response = read_response(&mut third).await;
    assert!(response.ends_with("hello"), "{response}");
    drop(second);
    server.stop().await;
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    // Arrange: a request in flight (its handler waits), and an idle
    // connection.
    let (release, released) = oneshot::channel();
    let server = start(settings(), app(Some(released))).await;
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    busy.write_all(b"GET /wait HTTP/1.1\r\nhost: test\r\n\r\n")
        .await
        .unwrap();
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(GET).await.unwrap();
    read_response(&mut idle).await;
    let addr = server.addr;
    tokio::time::sleep(Duration::from_millis(50)).await;

    // Act: shut down while the request is in flight.
    let Server { stop, task, .. } = server;
    drop(stop);

    // Assert: the idle connection closes, nobody new is let in, the server
    // waits for the request in flight, which is answered.
    let (rest, _) = read_until_closed(&mut idle, Duration::from_secs(2)).await;
    assert_eq!(rest, "");
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(TcpStream::connect(addr).await.is_err(), "not accepting");
    assert!(!task.is_finished(), "waits for the request in flight");
    release.send(()).unwrap();
    let (answer, _) = read_until_closed(&mut busy, Duration::from_secs(2)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("done"), "{answer}");
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("then the server returns")
        .unwrap();
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_still_served() {
    let server = start(settings(), app(None)).await;
    let client = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let response = client
        .get(format!("http://{}/hello", server.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.text().await.unwrap(), "hello");
    drop(client);
    server.stop().await;
}

#[test]
fn the_cap_stays_below_the_open_file_limit() {
    assert_eq!(connection_cap(10_000, None), 10_000);
    assert_eq!(connection_cap(10_000, Some(20_000)), 10_000);
    assert_eq!(connection_cap(10_000, Some(1024)), 1024 - RESERVED_FILES);
    assert_eq!(connection_cap(10_000, Some(10)), 1);
    let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                  Max processes             95434                95434                processes \n\
                  Max open files            1024                 524288               files     \n";
    assert_eq!(parse_open_file_limit(limits), Some(1024));
    assert_eq!(
        parse_open_file_limit(
            "Max open files            unlimited            unlimited            files"
        ),
        None
    );
}
