//! The operator API's campaigns: written (bad fields named, nothing
//! stored), previewed, started, followed until completed, refused a
//! resume once over, and their recipients paged and exported as CSV.

use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::Value;

use crate::api::{ADMIN, assert_problem, call, get, post_json};
use crate::support::{BUSINESS, Bot, spawn_bot_with};

async fn campaign_bot() -> Bot {
    spawn_bot_with(|s| {
        s.api.admin_token = Some(ADMIN.into());
        s.shop.quiet_hours = None;
        s.twilio.whatsapp_from = Some(framework::PhoneNumber::parse(BUSINESS).unwrap());
        s.outbound.twilio_mps = 0;
    })
    .await
}

const CAMPAIGN: &str = r#"{
    "name": "Diwali offer",
    "numbers": ["+919700000001", "+919700000002", "+919700000003"],
    "text": "Hi {{name}}",
    "template": {"name": "diwali_offer", "content_sid": "HX000000000000000000000000000000api", "variables": ["{{name}}", "10%"]}
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_campaigns_are_written_previewed_started_followed_and_exported() {
    let bot = campaign_bot().await;

    // Bad fields are named, all at once, and nothing is stored.
    let bad = post_json(
        &bot,
        "/api/campaigns",
        r#"{"name": "x", "numbers": ["+919700000001", "12345"], "tags": ["no spaces"]}"#,
    )
    .await;
    assert_problem(&bad, StatusCode::BAD_REQUEST, Some("numbers[1]"));
    // A template name longer than the document allows is refused, not
    // stored to break every later listing's schema (found by schemathesis).
    let long = format!(
        r#"{{"name": "x", "numbers": ["+919700000001"], "template": {{"name": "{}"}}}}"#,
        "𝒳".repeat(513)
    );
    let too_long = post_json(&bot, "/api/campaigns", &long).await;
    assert_problem(&too_long, StatusCode::BAD_REQUEST, Some("template.name"));
    let long_product = format!(
        r#"{{"name": "x", "numbers": ["+919700000001"], "bought": {{"product": "{}", "days": 30}}}}"#,
        "ß".repeat(81)
    );
    let too_long = post_json(&bot, "/api/campaigns", &long_product).await;
    assert_problem(&too_long, StatusCode::BAD_REQUEST, Some("bought"));
    assert_eq!(bad.1["errors"][1]["field"], "tags[0]", "{}", bad.1);
    let (_, list) = get(&bot, "/api/campaigns").await;
    assert_eq!(list["items"].as_array().unwrap().len(), 0, "{list}");

    let (status, created) = post_json(&bot, "/api/campaigns", CAMPAIGN).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["campaign"]["state"], "draft");
    let id = created["campaign"]["id"].as_i64().unwrap();

    // They never wrote: the template, with its values.
    let (status, preview) = post_json(
        &bot,
        &format!("/api/campaigns/{id}/preview"),
        r#"{"phone": "+919700000002"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["kind"], "template");
    assert_eq!(preview["window_open"], false);
    assert_eq!(preview["message"], "diwali_offer(there, 10%)");

    let (status, started) = call(
        &bot,
        "POST",
        &format!("/api/campaigns/{id}/start"),
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{started}");
    assert_eq!(started["campaign"]["state"], "running");
    assert_eq!(started["progress"]["total"], 3);

    let done = completed(&bot, id).await;
    assert_eq!(done["progress"]["sent"], 3, "{done}");
    assert_eq!(done["metrics"]["sent"], 3, "{done}");
    assert_eq!(bot.twilio.accepted().len(), 3);

    // Over: never resumed or started again.
    for step in ["resume", "start", "pause"] {
        let answer = call(
            &bot,
            "POST",
            &format!("/api/campaigns/{id}/{step}"),
            Some(ADMIN),
            None,
        )
        .await;
        assert_problem(&answer, StatusCode::CONFLICT, None);
    }

    // Recipients, paged by number, and as CSV.
    let (_, first) = get(
        &bot,
        &format!("/api/campaigns/{id}/recipients?status=sent&limit=2"),
    )
    .await;
    let items = first["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{first}");
    assert_eq!(items[0]["phone"], "+919700000001");
    let cursor = first["next_cursor"].as_str().unwrap().to_owned();
    let (_, second) = get(
        &bot,
        &format!("/api/campaigns/{id}/recipients?status=sent&limit=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(second["items"][0]["phone"], "+919700000003", "{second}");
    assert!(second.get("next_cursor").is_none(), "{second}");
    let (_, none) = get(
        &bot,
        &format!("/api/campaigns/{id}/recipients?status=pending"),
    )
    .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
    let (status, csv) = get(&bot, &format!("/api/campaigns/{id}/recipients.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let csv = csv.as_str().unwrap().to_owned();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(
        csv.starts_with("phone,name,state,at\n+919700000001,\"\",sent,"),
        "{csv}"
    );

    assert_problem(
        &get(&bot, "/api/campaigns/999").await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_problem(
        &get(&bot, "/api/campaigns/abc").await,
        StatusCode::BAD_REQUEST,
        Some("id"),
    );
    let (_, list) = get(&bot, "/api/campaigns").await;
    assert_eq!(list["items"][0]["state"], "completed", "{list}");
    bot.stop().await;
}

async fn completed(bot: &Bot, id: i64) -> Value {
    let started = Instant::now();
    loop {
        let (_, report) = get(bot, &format!("/api/campaigns/{id}")).await;
        if report["campaign"]["state"] == "completed" && report["metrics"]["queued"] == 0 {
            return report;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{report}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
