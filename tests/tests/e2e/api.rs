//! The operator API (issue 15) on the real app: off without
//! `CAMPANILE_ADMIN_TOKEN`, 401 on every documented route without the
//! token, each resource's happy path, bad input answered with a problem
//! body naming the field and nothing changed, and paging.

use axum::body::Body;
use features::catalog::QuoteRequest;
use features::invoices::IssueInvoice;
use features::orders::{ConfirmOrder, CreateOrder, OrderLine};
use features::shared::{CustomerPhone, OrderId};
use http::{Request, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;

use crate::support::{Bot, CUSTOMER, send, spawn_bot, spawn_bot_with};

pub(crate) const ADMIN: &str = "e2e-admin-token-0123456789";

async fn api_bot() -> Bot {
    spawn_bot_with(|s| s.api.admin_token = Some(ADMIN.into())).await
}

/// A request to `path` with `token` as the bearer token (none: no header).
pub(crate) async fn call(
    bot: &Bot,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match body {
        Some((kind, text)) => request
            .header("content-type", kind)
            .body(Body::from(text.to_owned())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let (status, text) = send(bot.addr, request).await;
    let json = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, json)
}

pub(crate) async fn get(bot: &Bot, path: &str) -> (StatusCode, Value) {
    call(bot, "GET", path, Some(ADMIN), None).await
}

pub(crate) async fn post_json(bot: &Bot, path: &str, json: &str) -> (StatusCode, Value) {
    call(
        bot,
        "POST",
        path,
        Some(ADMIN),
        Some(("application/json", json)),
    )
    .await
}

/// Asserts a problem body of `status` naming `field`.
#[track_caller]
pub(crate) fn assert_problem(
    answer: &(StatusCode, Value),
    status: StatusCode,
    field: Option<&str>,
) {
    let (got, body) = answer;
    assert_eq!(*got, status, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("urn:campanile:problem:")),
        "{body}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{body}"
    );
    if let Some(field) = field {
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
}

/// A confirmed order of `n` bags of white cement; its id.
async fn confirmed_order(bot: &Bot, n: u32, key: &str) -> OrderId {
    let customer = CustomerPhone::parse(CUSTOMER).unwrap();
    let quote = bot
        .services
        .shop
        .catalog
        .quote(&QuoteRequest::new(format!("white cement x {n}")))
        .await
        .unwrap();
    let orders = &bot.services.shop.orders;
    let order = orders
        .create_order(CreateOrder {
            customer: customer.clone(),
            currency: quote.currency(),
            lines: quote.lines().iter().map(OrderLine::from).collect(),
            idempotency_key: key.to_owned(),
        })
        .await
        .unwrap();
    let id = order.id().unwrap();
    orders
        .confirm_order(ConfirmOrder {
            order_id: id,
            customer,
        })
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn api_is_absent_without_a_token() {
    let bot = spawn_bot().await;
    for path in ["/api/orders", "/api/openapi.json", "/api/"] {
        let (status, _) = call(&bot, "GET", path, Some(ADMIN), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    bot.stop().await;
}

#[tokio::test]
async fn api_refuses_every_documented_route_without_the_token() {
    let bot = api_bot().await;
    let (status, doc) = get(&bot, "/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"), "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    let mut routes = Vec::new();
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.to_uppercase(), path.clone()));
        }
    }
    let documented: Vec<String> = routes.iter().map(|(m, p)| format!("{m} {p}")).collect();
    for expected in [
        "GET /api/orders",
        "GET /api/orders/{number}",
        "GET /api/invoices",
        "GET /api/invoices/{number}",
        "POST /api/invoices/{number}/paid",
        "GET /api/catalog",
        "POST /api/catalog/import",
        "GET /api/jobs/dead",
        "POST /api/jobs/dead/{id}/retry",
        "GET /api/messages",
        "GET /api/openapi.json",
    ] {
        assert!(
            documented.iter().any(|d| d == expected),
            "{expected} in {documented:?}"
        );
    }
    for (method, path) in &routes {
        let path = path.replace("{number}", "1").replace("{id}", "1");
        for token in [None, Some("wrong-token-0123456789"), Some("")] {
            let answer = call(&bot, method, &path, token, None).await;
            assert_problem(&answer, StatusCode::UNAUTHORIZED, None);
        }
        let response = reqwest::Client::new()
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).unwrap(),
                format!("http://{}{path}", bot.addr),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .and_then(|v| v.to_str().ok()),
            Some("Bearer realm=\"campanile\""),
            "{method} {path}"
        );
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
    }
    // An unknown route under /api/ is 401 too, then 404 with the token.
    assert_problem(
        &call(&bot, "GET", "/api/nothing", None, None).await,
        StatusCode::UNAUTHORIZED,
        None,
    );
    assert_problem(
        &get(&bot, "/api/nothing").await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_problem(
        &call(&bot, "DELETE", "/api/orders", Some(ADMIN), None).await,
        StatusCode::METHOD_NOT_ALLOWED,
        None,
    );
    bot.stop().await;
}

#[tokio::test]
async fn api_orders_and_invoices_are_listed_paged_and_paid() {
    let bot = api_bot().await;
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(confirmed_order(&bot, n + 1, &format!("api-{n}")).await);
    }
    let invoice = bot
        .services
        .invoices
        .issue_invoice(IssueInvoice {
            order: ids[0],
            buyer: None,
        })
        .await
        .unwrap();
    let number = invoice.number().to_string();

    // Orders, newest first, two a page.
    let (status, page) = get(&bot, "/api/orders?limit=2").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let listed: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [ids[2].get(), ids[1].get()]);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, next) = get(&bot, &format!("/api/orders?limit=2&cursor={cursor}")).await;
    assert_eq!(next["items"][0]["id"], ids[0].get(), "{next}");
    assert!(next.get("next_cursor").is_none(), "the last page: {next}");
    let (_, drafts) = get(&bot, "/api/orders?status=draft").await;
    assert_eq!(drafts["items"], Value::Array(vec![]), "{drafts}");
    let (status, order) = get(&bot, &format!("/api/orders/ORD-{:05}", ids[0].get())).await;
    assert_eq!(status, StatusCode::OK, "{order}");
    assert_eq!(order["status"], "confirmed");
    assert_eq!(order["customer"], CUSTOMER);
    assert_eq!(order["lines"][0]["quantity"], 1);
    assert_eq!(order["total"]["currency"], "INR");
    assert_problem(
        &get(&bot, "/api/orders/999999").await,
        StatusCode::NOT_FOUND,
        None,
    );

    // Invoices, then a payment.
    let (status, invoices) = get(&bot, "/api/invoices").await;
    assert_eq!(status, StatusCode::OK, "{invoices}");
    assert_eq!(invoices["items"][0]["number"], number.as_str());
    assert_eq!(invoices["items"][0]["status"], "issued");
    let (status, one) = get(&bot, &format!("/api/invoices/{number}")).await;
    assert_eq!(
        (status, &one["order"]),
        (
            StatusCode::OK,
            &Value::from(format!("ORD-{:05}", ids[0].get()))
        )
    );

    // Bad input names the field, and changes nothing.
    let paid = format!("/api/invoices/{number}/paid");
    assert_problem(
        &post_json(&bot, &paid, r#"{"reference": "  "}"#).await,
        StatusCode::BAD_REQUEST,
        Some("reference"),
    );
    assert_problem(
        &post_json(&bot, &paid, r#"{}"#).await,
        StatusCode::BAD_REQUEST,
        Some("reference"),
    );
    assert_problem(
        &post_json(&bot, &paid, r#"{"reference": 7}"#).await,
        StatusCode::BAD_REQUEST,
        Some("reference"),
    );
    assert_problem(
        &post_json(&bot, &paid, r#"nope"#).await,
        StatusCode::BAD_REQUEST,
        Some("body"),
    );
    assert_problem(
        &call(
            &bot,
            "POST",
            &paid,
            Some(ADMIN),
            Some(("text/plain", "UTR1")),
        )
        .await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        None,
    );
    assert_problem(
        &post_json(&bot, "/api/invoices/XYZ/paid", r#"{"reference": "UTR1"}"#).await,
        StatusCode::BAD_REQUEST,
        Some("number"),
    );
    assert_problem(
        &post_json(
            &bot,
            "/api/invoices/INV-00099/paid",
            r#"{"reference": "UTR1"}"#,
        )
        .await,
        StatusCode::NOT_FOUND,
        None,
    );
    let (_, still) = get(&bot, &format!("/api/invoices/{number}")).await;
    assert_eq!(still["status"], "issued", "nothing changed: {still}");

    let (status, done) = post_json(&bot, &paid, r#"{"reference": "UTR-42"}"#).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(
        (&done["status"], &done["paid_reference"]),
        (&Value::from("paid"), &Value::from("UTR-42"))
    );
    assert_problem(
        &post_json(&bot, &paid, r#"{"reference": "UTR-43"}"#).await,
        StatusCode::CONFLICT,
        None,
    );
    let (_, after) = get(&bot, &format!("/api/invoices/{number}")).await;
    assert_eq!(
        after["paid_reference"], "UTR-42",
        "the first payment stands"
    );
    bot.stop().await;
}

#[tokio::test]
async fn api_bad_queries_are_problems_naming_the_field() {
    let bot = api_bot().await;
    for (path, field) in [
        ("/api/orders?limit=0", "limit"),
        ("/api/orders?limit=501", "limit"),
        ("/api/orders?limit=abc", "limit"),
        ("/api/orders?limit=-1", "limit"),
        ("/api/orders?cursor=abc", "cursor"),
        ("/api/orders?status=lost", "status"),
        ("/api/orders/cement", "number"),
        ("/api/invoices?limit=9999", "limit"),
        ("/api/invoices/nope", "number"),
        ("/api/messages?status=gone", "status"),
        ("/api/messages?cursor=-5", "cursor"),
        ("/api/catalog?limit=x", "limit"),
        ("/api/jobs/dead?queue=nope", "queue"),
    ] {
        assert_problem(&get(&bot, path).await, StatusCode::BAD_REQUEST, Some(field));
    }
    bot.stop().await;
}

#[tokio::test]
async fn api_catalog_is_listed_and_imported_whole_or_not_at_all() {
    let bot = api_bot().await;
    let (status, page) = get(&bot, "/api/catalog?limit=3").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, next) = get(&bot, &format!("/api/catalog?limit=3&cursor={cursor}")).await;
    assert_ne!(next["items"][0], page["items"][0]);
    let count = |v: &Value| v["items"].as_array().unwrap().len();
    let (_, all) = get(&bot, "/api/catalog?limit=500").await;
    let before = count(&all);

    let import = |csv: &'static str| {
        let bot = &bot;
        async move {
            call(
                bot,
                "POST",
                "/api/catalog/import",
                Some(ADMIN),
                Some(("text/csv", csv)),
            )
            .await
        }
    };
    // A bad row: 422 naming its line, nothing imported.
    let bad = import("sku,name,aliases,unit,price,stock\nTILE-1,Floor tile,,piece,45,100\nBAD SKU,Thing,,piece,-3,\n").await;
    assert_problem(&bad, StatusCode::UNPROCESSABLE_ENTITY, Some("line 3"));
    assert_problem(
        &import("nothing,here\n").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("body"),
    );
    let (_, same) = get(&bot, "/api/catalog?limit=500").await;
    assert_eq!(count(&same), before, "nothing changed");

    let (status, done) =
        import("sku,name,aliases,unit,price,stock\nTILE-1,Floor tile,tiles,piece,45.50,100\n")
            .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["added"], 1);
    let (_, after) = get(&bot, "/api/catalog?limit=500").await;
    assert_eq!(count(&after), before + 1);
    let tile = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["sku"] == "TILE-1")
        .unwrap()
        .clone();
    assert_eq!(tile["price"]["minor"], 4550);
    assert_eq!(tile["stock"], 100);
    bot.stop().await;
}

#[tokio::test]
async fn api_messages_and_dead_jobs() {
    let bot = api_bot().await;
    bot.ask_twilio("hi").await;
    bot.ask_twilio("help").await;
    let (status, page) = get(&bot, "/api/messages?limit=1").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let newest = page["items"][0]["id"].as_i64().unwrap();
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let (_, next) = get(&bot, &format!("/api/messages?limit=500&cursor={cursor}")).await;
    let ids: Vec<i64> = next["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert!(ids.len() >= 3 && ids.iter().all(|i| *i < newest), "{next}");
    let (_, theirs) = get(&bot, "/api/messages?customer=%2B919812345678&limit=500").await;
    assert!(
        theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["customer"] == CUSTOMER)
    );
    let (_, ins) = get(&bot, "/api/messages?customer=%2B10000000000").await;
    assert_eq!(ins["items"], Value::Array(vec![]));

    // A dead job, listed and run again.
    let conn = bot.services.db.connection();
    conn.execute_raw(Statement::from_string(
        conn.get_database_backend(),
        "INSERT INTO jobs (queue, payload, priority, run_at_ms, status, attempts, claims, \
         max_attempts, backoff_kind, backoff_ms, last_error, created_at_ms, updated_at_ms) \
         VALUES ('send-invoice', '{\"invoice\":99999}', 0, 0, 'dead', 12, 12, 12, 'exponential', \
         2000, 'no such invoice', 0, 0)"
            .to_owned(),
    ))
    .await
    .unwrap();
    let (status, dead) = get(&bot, "/api/jobs/dead?queue=send-invoice").await;
    assert_eq!(status, StatusCode::OK, "{dead}");
    let job = dead["items"][0].clone();
    assert_eq!(
        (&job["queue"], &job["store"], &job["error"]),
        (
            &Value::from("send-invoice"),
            &Value::from("database"),
            &Value::from("no such invoice")
        ),
        "{dead}"
    );
    let id = job["id"].as_str().unwrap().to_owned();
    assert_problem(
        &post_json(&bot, "/api/jobs/dead/999999/retry", "").await,
        StatusCode::NOT_FOUND,
        None,
    );
    assert_problem(
        &post_json(&bot, &format!("/api/jobs/dead/{id}/retry?queue=nope"), "").await,
        StatusCode::BAD_REQUEST,
        Some("queue"),
    );
    let (status, retried) = post_json(&bot, &format!("/api/jobs/dead/{id}/retry"), "").await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(retried["queue"], "send-invoice");
    // A job that is not dead is not run again.
    conn.execute_raw(Statement::from_string(
        conn.get_database_backend(),
        "INSERT INTO jobs (queue, payload, priority, run_at_ms, status, attempts, claims, \
         max_attempts, backoff_kind, backoff_ms, created_at_ms, updated_at_ms) \
         VALUES ('send-invoice', '{}', 0, 9000000000000000, 'waiting', 0, 0, 12, 'exponential', \
         2000, 0, 0)"
            .to_owned(),
    ))
    .await
    .unwrap();
    let (_, dead) = get(&bot, "/api/jobs/dead?queue=send-invoice").await;
    let listed: Vec<&str> = dead["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert!(!listed.contains(&"2"), "{dead}");
    assert_problem(
        &post_json(&bot, "/api/jobs/dead/2/retry", "").await,
        StatusCode::NOT_FOUND,
        None,
    );
    bot.stop().await;
}
