//! The operator API's customers: tags added and taken off (bad ones named,
//! nothing changed), customers listed by tag, and consent shown with its
//! scope, source and time, changed by the operator.

use http::StatusCode;

use crate::api::{ADMIN, assert_problem, call, get, post_json};
use crate::support::spawn_bot_with;

#[tokio::test]
async fn api_customers_show_tags_and_consent_and_change_them() {
    let bot = spawn_bot_with(|s| s.api.admin_token = Some(ADMIN.into())).await;
    let asha = "/api/customers/+919812345678";

    let (status, fresh) = get(&bot, asha).await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!(fresh["consent"]["state"], "subscribed");
    assert_eq!(fresh["tags"].as_array().unwrap().len(), 0);

    // A bad tag is named and nothing changes.
    let bad = post_json(
        &bot,
        &format!("{asha}/tags"),
        r#"{"add": ["contractor", "two words"]}"#,
    )
    .await;
    assert_problem(&bad, StatusCode::BAD_REQUEST, Some("add[1]"));
    assert_eq!(get(&bot, asha).await.1["tags"].as_array().unwrap().len(), 0);

    let (_, tagged) = post_json(
        &bot,
        &format!("{asha}/tags"),
        r#"{"add": ["Contractor", "pune"]}"#,
    )
    .await;
    assert_eq!(
        tagged["tags"],
        serde_json::json!(["contractor", "pune"]),
        "{tagged}"
    );
    post_json(
        &bot,
        "/api/customers/+919800000001/tags",
        r#"{"add": ["contractor"]}"#,
    )
    .await;
    let (_, both) = get(&bot, "/api/customers?tags=contractor&limit=1").await;
    assert_eq!(both["items"][0]["phone"], "+919800000001", "{both}");
    let cursor = both["next_cursor"].as_str().unwrap().to_owned();
    let (_, next) = get(
        &bot,
        &format!("/api/customers?tags=contractor&limit=1&cursor={cursor}"),
    )
    .await;
    assert_eq!(next["items"][0]["phone"], "+919812345678", "{next}");
    assert!(next.get("next_cursor").is_none(), "{next}");
    let (_, pune) = get(&bot, "/api/customers?tags=contractor,pune").await;
    assert_eq!(pune["items"].as_array().unwrap().len(), 1, "{pune}");
    let (_, untagged) = post_json(&bot, &format!("{asha}/tags"), r#"{"remove": ["pune"]}"#).await;
    assert_eq!(untagged["tags"], serde_json::json!(["contractor"]));

    let (_, out) = post_json(
        &bot,
        &format!("{asha}/opt-out"),
        r#"{"scope": "marketing"}"#,
    )
    .await;
    let consent = &out["consent"];
    assert_eq!(
        (
            consent["state"].as_str(),
            consent["scope"].as_str(),
            consent["source"].as_str()
        ),
        (Some("opted_out"), Some("marketing"), Some("operator")),
        "{out}"
    );
    assert!(consent["at"].is_string(), "{out}");
    let (_, back) = call(&bot, "POST", &format!("{asha}/opt-in"), Some(ADMIN), None).await;
    assert_eq!(back["consent"]["state"], "subscribed", "{back}");

    assert_problem(
        &get(&bot, "/api/customers/12345").await,
        StatusCode::BAD_REQUEST,
        Some("phone"),
    );
    assert_problem(
        &get(&bot, "/api/customers?tags=").await,
        StatusCode::BAD_REQUEST,
        Some("tags"),
    );
    let scope = post_json(&bot, &format!("{asha}/opt-out"), r#"{"scope": "some"}"#).await;
    assert_problem(&scope, StatusCode::BAD_REQUEST, Some("scope"));
    bot.stop().await;
}
