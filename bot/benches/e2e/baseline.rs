//! The baseline: the least a bot can do per message, run as a process of
//! its own like the bot (this bench's executable again, with
//! `BENCH_ROLE=baseline`). A bare axum handler verifies the webhook's
//! signature, parses it with the framework's Meta parser, renders a text
//! reply with the framework's renderer and posts it to the fake Graph API
//! (reqwest, like the bot's client), then answers 200. No storage, no
//! queue: the harness's own ceiling.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use framework::WebhookEvent;
use framework::provider::meta::{SIGNATURE_HEADER, parse_webhook, render, verify_signature};
use framework::reply::Reply;

use crate::fake::ACCESS_TOKEN;
use crate::load::{APP_SECRET, PHONE_NUMBER_ID};

/// The variable that names the fake Graph API's base URL for the baseline.
pub(crate) const API_VARIABLE: &str = "BENCH_BASELINE_API";

struct Baseline {
    client: reqwest::Client,
    url: String,
}

/// Serves until killed; prints `listening <addr>` on stdout first.
pub(crate) fn run() {
    let api = std::env::var(API_VARIABLE).expect("BENCH_BASELINE_API: the fake Graph API's URL");
    // As the bot's `#[tokio::main]`: one worker per CPU it may run on.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the baseline's runtime");
    runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("the baseline's HTTP client");
        let baseline = Arc::new(Baseline {
            client,
            url: format!("{api}/v25.0/{PHONE_NUMBER_ID}/messages"),
        });
        let app = axum::Router::new()
            .route(framework::webhook::META_PATH, post(webhook))
            .route("/readyz", get(|| async { StatusCode::OK }))
            .with_state(baseline);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the baseline on 127.0.0.1");
        let addr = listener.local_addr().expect("the baseline's address");
        println!("listening {addr}");
        let _ = axum::serve(listener, app).await;
    });
}

async fn webhook(
    State(baseline): State<Arc<Baseline>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let signature = headers.get(SIGNATURE_HEADER).and_then(|v| v.to_str().ok());
    if verify_signature(APP_SECRET.as_bytes(), &body, signature).is_err() {
        return StatusCode::FORBIDDEN;
    }
    let Ok(events) = parse_webhook(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    for event in events {
        let WebhookEvent::Message(message) = event else {
            continue;
        };
        let Ok(requests) = render(&Reply::text("Hello!"), message.key().customer()) else {
            return StatusCode::INTERNAL_SERVER_ERROR;
        };
        for request in requests {
            let sent = baseline
                .client
                .post(&baseline.url)
                .bearer_auth(ACCESS_TOKEN)
                .json(request.json())
                .send()
                .await;
            if !sent.is_ok_and(|r| r.status().is_success()) {
                return StatusCode::INTERNAL_SERVER_ERROR;
            }
        }
    }
    StatusCode::OK
}
