//! The operator API's rules: written as JSON (a bad field named, nothing
//! stored), listed with their counts, switched off and on, dry-run, their
//! runs, deleted; behind the bearer token like every route.

use http::StatusCode;

use crate::api::{ADMIN, assert_problem, call, get, post_json};
use crate::support::spawn_bot_with;

const PRICE_LIST: &str = r#"{
    "name": "price-list",
    "priority": 10,
    "stop_processing": true,
    "trigger": { "keyword": "price list" },
    "actions": [{ "send": { "text": "Cement 400 a bag" } }, { "tag": ["asked-prices"] }]
}"#;

#[tokio::test]
async fn api_rules_are_written_checked_listed_tested_and_deleted() {
    let bot = spawn_bot_with(|s| s.api.admin_token = Some(ADMIN.into())).await;

    // Bad rules are named and store nothing.
    let never = post_json(
        &bot,
        "/api/rules",
        r#"{"name": "never", "trigger": {"cron": "0 0 30 2 *"}, "actions": [{"log": "x"}]}"#,
    )
    .await;
    assert_problem(&never, StatusCode::BAD_REQUEST, Some("trigger.cron"));
    let unknown = post_json(
        &bot,
        "/api/rules",
        r#"{"name": "t", "trigger": {"new_contact": true}, "actions": [{"send": {"template": {"name": "nope"}}}]}"#,
    )
    .await;
    assert_problem(
        &unknown,
        StatusCode::BAD_REQUEST,
        Some("actions[0].send.template.name"),
    );
    let typo = post_json(
        &bot,
        "/api/rules",
        r#"{"name": "t", "trigger": {"keywrd": "x"}, "actions": []}"#,
    )
    .await;
    assert_problem(&typo, StatusCode::BAD_REQUEST, None);
    assert!(
        typo.1["detail"].as_str().unwrap().contains("keywrd"),
        "{}",
        typo.1
    );
    assert_eq!(
        get(&bot, "/api/rules").await.1["rules"],
        serde_json::json!([])
    );

    let (status, saved) = post_json(&bot, "/api/rules", PRICE_LIST).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["name"], "price-list");
    assert_eq!(saved["definition"]["trigger"]["keyword"], "price list");

    // It acts on a message, and the counts say so.
    let answer = bot.ask_twilio("price list please").await;
    assert_eq!(answer, "Cement 400 a bag");
    let (_, listed) = get(&bot, "/api/rules").await;
    assert_eq!(listed["rules"][0]["counts"]["succeeded"], 1, "{listed}");
    let (_, runs) = get(&bot, "/api/rules/price-list/runs?limit=5").await;
    assert_eq!(runs["runs"][0]["result"], "done", "{runs}");
    assert_eq!(runs["runs"][0]["customer"], "+919812345678");

    // Off, it still dry-runs the message it answered.
    let (_, off) = post_json(&bot, "/api/rules/price-list/disable", "").await;
    assert_eq!(off["enabled"], false, "{off}");
    let (status, dry) = call(
        &bot,
        "POST",
        "/api/rules/price-list/test?since=1d",
        Some(ADMIN),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(dry["hits"].as_array().unwrap().len(), 1, "{dry}");
    assert_eq!(
        dry["hits"][0]["actions"],
        serde_json::json!(["send text \"Cement 400 a bag\"", "tag asked-prices"])
    );
    let bad_since = call(
        &bot,
        "POST",
        "/api/rules/price-list/test?since=soon",
        Some(ADMIN),
        None,
    )
    .await;
    assert_problem(&bad_since, StatusCode::BAD_REQUEST, Some("since"));

    // Unknown rules, and no token.
    assert_problem(
        &get(&bot, "/api/rules/nope").await,
        StatusCode::NOT_FOUND,
        None,
    );
    let (status, _) = call(&bot, "GET", "/api/rules", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, _) = call(&bot, "DELETE", "/api/rules/price-list", Some(ADMIN), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_problem(
        &get(&bot, "/api/rules/price-list").await,
        StatusCode::NOT_FOUND,
        None,
    );
    let (_, doc) = get(&bot, "/api/openapi.json").await;
    for path in ["/api/rules", "/api/rules/{name}", "/api/rules/{name}/test"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    bot.stop().await;
}
