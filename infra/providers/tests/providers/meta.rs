//! `infra_providers::meta::MetaClient` against `FakeMeta`.

use std::time::Duration;

use framework::MessageId;
use framework::provider::meta;
use framework::reply::{Buttons, List, Reply, Row, Template};
use infra_providers::SendError;
use infra_providers::meta::{MetaClient, MetaConfig};
use infra_providers::testing::{FakeFailure, FakeMeta};
use serde_json::{Value, json};

use super::{ACCESS_TOKEN, CUSTOMER, PHONE_NUMBER_ID, customer};

async fn fake() -> FakeMeta {
    FakeMeta::start(ACCESS_TOKEN).await
}

fn client(fake: &FakeMeta) -> MetaClient {
    MetaClient::new(fake.config()).unwrap()
}

/// The JSON body of the first request a reply renders to.
fn rendered(reply: &Reply) -> Value {
    meta::render(reply, &customer()).unwrap()[0].json().clone()
}

fn text(body: &str) -> Value {
    rendered(&Reply::text(body))
}

#[tokio::test]
async fn a_text_is_accepted_with_the_wamid_meta_created() {
    // Arrange
    let fake = fake().await;

    // Act
    let accepted = client(&fake)
        .send(PHONE_NUMBER_ID, &text("Your order is ready"))
        .await
        .unwrap();

    // Assert
    let recorded = fake.accepted();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        Some(accepted.provider_message_id.as_str()),
        recorded[0].provider_message_id()
    );
    assert!(accepted.provider_message_id.starts_with("wamid."));
    assert_eq!(accepted.status, "accepted");
    assert_eq!(recorded[0].response["contacts"][0]["wa_id"], "919812345678");
    assert_eq!(fake.texts_to(CUSTOMER), ["Your order is ready"]);
}

#[tokio::test]
async fn the_request_on_the_wire_is_a_bearer_json_post_to_the_numbers_messages() {
    let fake = fake().await;
    let body = text("hello");

    client(&fake).send(PHONE_NUMBER_ID, &body).await.unwrap();

    let request = &fake.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/v25.0/{PHONE_NUMBER_ID}/messages"));
    assert_eq!(request.phone_number_id.as_deref(), Some(PHONE_NUMBER_ID));
    assert_eq!(request.content_type.as_deref(), Some("application/json"));
    assert_eq!(request.bearer_token(), Some(ACCESS_TOKEN));
    assert_eq!(request.json.as_ref(), Some(&body));
}

#[tokio::test]
async fn the_api_version_is_configurable() {
    let fake = fake().await;
    let client = MetaClient::new(fake.config().with_api_version("v24.0")).unwrap();

    client.send(PHONE_NUMBER_ID, &text("hi")).await.unwrap();

    assert_eq!(
        fake.requests()[0].path,
        format!("/v24.0/{PHONE_NUMBER_ID}/messages")
    );
}

#[tokio::test]
async fn interactive_messages_count_as_texts_to_the_customer() {
    let fake = fake().await;
    let buttons = Buttons::builder("Cement x 100: ₹38,000. Confirm?")
        .button("confirm", "Confirm")
        .button("cancel", "Cancel")
        .build()
        .unwrap();

    client(&fake)
        .send(PHONE_NUMBER_ID, &rendered(&Reply::from(buttons)))
        .await
        .unwrap();

    assert_eq!(
        fake.texts_to("919812345678"),
        ["Cement x 100: ₹38,000. Confirm?"]
    );
    let sent = fake.requests()[0].json.clone().unwrap();
    assert_eq!(
        sent["interactive"]["action"]["buttons"][1]["reply"]["id"],
        "cancel"
    );
}

#[tokio::test]
async fn a_test_reads_the_buttons_and_list_rows_it_was_offered() {
    let fake = fake().await;
    let buttons = Buttons::builder("Confirm?")
        .button("confirm", "Confirm")
        .button("cancel", "Cancel")
        .build()
        .unwrap();
    let list = List::builder("Which day?", "Days")
        .section("This week", [Row::new("mon", "Monday")])
        .section("Next week", [Row::new("sat", "Saturday")])
        .build()
        .unwrap();
    for reply in [
        Reply::from(buttons),
        Reply::text("plain"),
        Reply::from(list),
    ] {
        client(&fake)
            .send(PHONE_NUMBER_ID, &rendered(&reply))
            .await
            .unwrap();
    }

    let option = |id: &str, title: &str| (id.to_owned(), title.to_owned());
    assert_eq!(
        fake.options_to("+919812345678"),
        [
            vec![option("confirm", "Confirm"), option("cancel", "Cancel")],
            vec![option("mon", "Monday"), option("sat", "Saturday")],
        ]
    );
    assert!(fake.options_to("+15550000000").is_empty());
    assert!(fake.requests()[1].options().is_empty(), "a text has none");
}

#[tokio::test]
async fn templates_report_their_pacing_status() {
    let fake = fake().await;
    let client = client(&fake);
    let template = rendered(&Reply::from(
        Template::new("order_update", "en_US").param("Ana"),
    ));

    let accepted = client.send(PHONE_NUMBER_ID, &template).await.unwrap();
    assert_eq!(accepted.status, "accepted");
    assert_eq!(
        fake.requests()[0].response["messages"][0]["message_status"],
        "accepted"
    );

    fake.fail_next(FakeFailure::Raw {
        status: 200,
        body: json!({
            "messaging_product": "whatsapp",
            "contacts": [{ "input": CUSTOMER, "wa_id": "919812345678" }],
            "messages": [{ "id": "wamid.HELD", "message_status": "held_for_quality_assessment" }],
        })
        .to_string(),
    });
    let held = client.send(PHONE_NUMBER_ID, &template).await.unwrap();
    assert_eq!(held.provider_message_id, "wamid.HELD");
    assert_eq!(held.status, "held_for_quality_assessment");
}

#[tokio::test]
async fn a_read_receipt_is_accepted_for_the_message_it_marks() {
    let fake = fake().await;
    let receipt = rendered(&Reply::MarkRead {
        message_id: MessageId::new("wamid.INBOUND"),
    });

    let accepted = client(&fake).send(PHONE_NUMBER_ID, &receipt).await.unwrap();

    assert_eq!(accepted.provider_message_id, "wamid.INBOUND");
    assert_eq!(accepted.status, "read");
    assert_eq!(fake.requests()[0].response, json!({ "success": true }));
}

#[tokio::test]
async fn a_server_error_is_retryable() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::ServerError);

    let err = client(&fake)
        .send(PHONE_NUMBER_ID, &text("hi"))
        .await
        .unwrap_err();

    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.code(), Some("131000"));
    assert_eq!(err.retry_after(), None);
    assert_eq!(fake.requests()[0].status, 500);
}

#[tokio::test]
async fn throughput_limits_are_retryable_after_the_header_or_the_policy() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail_next(FakeFailure::RateLimited {
        retry_after_secs: Some(3),
    });
    fake.fail_next(FakeFailure::RateLimited {
        retry_after_secs: None,
    });
    fake.fail_next(FakeFailure::Raw {
        status: 400,
        body: r#"{"error":{"message":"(#131056) (Business Account, Consumer Account) pair rate limit hit","type":"OAuthException","code":131056,"fbtrace_id":"AbC"}}"#.to_owned(),
    });

    let with_header = client.send(PHONE_NUMBER_ID, &text("hi")).await.unwrap_err();
    let without = client.send(PHONE_NUMBER_ID, &text("hi")).await.unwrap_err();
    let pair = client.send(PHONE_NUMBER_ID, &text("hi")).await.unwrap_err();

    assert!(with_header.is_retryable() && without.is_retryable() && pair.is_retryable());
    // Throughput answers slow the sender down; they are not failures.
    assert!(with_header.is_throttled() && without.is_throttled() && pair.is_throttled());
    assert_eq!(with_header.code(), Some("130429"));
    assert_eq!(with_header.retry_after(), Some(Duration::from_secs(3)));
    assert_eq!(without.retry_after(), Some(Duration::from_secs(1)));
    assert_eq!(pair.code(), Some("131056"));
    assert_eq!(pair.retry_after(), Some(Duration::from_secs(6)));
    // Meta sends throughput errors as 400, not 429.
    assert_eq!(fake.requests()[0].status, 400);
}

#[tokio::test]
async fn an_undeliverable_recipient_is_permanent() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::InvalidRecipient);

    let err = client(&fake)
        .send(PHONE_NUMBER_ID, &text("hi"))
        .await
        .unwrap_err();

    let SendError::Permanent {
        code,
        needs_template,
        ..
    } = &err
    else {
        panic!("expected permanent, got {err:?}");
    };
    assert_eq!(code.as_deref(), Some("131026"));
    assert!(!needs_template);
}

#[tokio::test]
async fn outside_the_window_needs_a_template() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::OutsideWindow);

    let err = client(&fake)
        .send(PHONE_NUMBER_ID, &text("hi"))
        .await
        .unwrap_err();

    assert!(!err.is_retryable());
    assert!(err.needs_template());
    assert_eq!(err.code(), Some("131047"));
    assert!(err.to_string().contains("24 hours"), "{err}");
}

#[tokio::test]
async fn a_wrong_token_is_a_permanent_auth_error() {
    let fake = fake().await;
    let config = MetaConfig::new("expired-token").with_base_url(fake.base_url());

    let err = MetaClient::new(config)
        .unwrap()
        .send(PHONE_NUMBER_ID, &text("hi"))
        .await
        .unwrap_err();

    assert!(!err.is_retryable(), "{err:?}");
    assert_eq!(err.code(), Some("190"));
    let request = &fake.requests()[0];
    assert_eq!(request.status, 401);
    assert_eq!(request.response["error"]["type"], "OAuthException");
}

#[tokio::test]
async fn a_hang_longer_than_the_timeout_is_an_unknown_outcome() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::Hang(Duration::from_secs(30)));
    let client = MetaClient::new(fake.config().with_timeout(Duration::from_millis(300))).unwrap();

    let err = client.send(PHONE_NUMBER_ID, &text("hi")).await.unwrap_err();

    assert!(err.is_unknown() && !err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains("may have accepted"), "{err}");
    assert_eq!(fake.accepted().len(), 1);
}

#[tokio::test]
async fn a_connection_dropped_before_the_answer_is_an_unknown_outcome() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::Dropped);
    let client = client(&fake);

    let err = client.send(PHONE_NUMBER_ID, &text("hi")).await.unwrap_err();

    assert!(err.is_unknown() && !err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains("may have accepted"), "{err}");
    assert_eq!(fake.accepted().len(), 1);
    assert!(client.send(PHONE_NUMBER_ID, &text("again")).await.is_ok());
}

#[tokio::test]
async fn bad_bodies_and_ids_are_refused_permanently() {
    let fake = fake().await;
    let client = client(&fake);

    let no_product = json!({ "to": CUSTOMER, "type": "text", "text": { "body": "hi" } });
    let err = client.send(PHONE_NUMBER_ID, &no_product).await.unwrap_err();
    assert_eq!((err.is_retryable(), err.code()), (false, Some("100")));

    let no_payload = json!({ "messaging_product": "whatsapp", "to": CUSTOMER, "type": "image" });
    let err = client.send(PHONE_NUMBER_ID, &no_payload).await.unwrap_err();
    assert_eq!((err.is_retryable(), err.code()), (false, Some("131008")));

    let err = client.send("not-a-number", &text("hi")).await.unwrap_err();
    assert_eq!((err.is_retryable(), err.code()), (false, Some("100")));
    assert_eq!(fake.requests()[2].response["error"]["error_subcode"], 33);

    // Ids that cannot be a path segment never leave the client.
    let err = client.send("1/../2", &text("hi")).await.unwrap_err();
    assert!(!err.is_retryable());
    assert_eq!(fake.requests().len(), 3);
    assert!(fake.accepted().is_empty());
}

#[tokio::test]
async fn a_proxy_error_page_is_retryable_and_a_success_without_id_is_not() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail_next(FakeFailure::Raw {
        status: 503,
        body: "<html>Service Unavailable</html>".to_owned(),
    });
    fake.fail_next(FakeFailure::Raw {
        status: 200,
        body: r#"{"messaging_product":"whatsapp"}"#.to_owned(),
    });

    let unavailable = client.send(PHONE_NUMBER_ID, &text("hi")).await.unwrap_err();
    let no_id = client.send(PHONE_NUMBER_ID, &text("hi")).await.unwrap_err();

    assert!(unavailable.is_retryable(), "{unavailable:?}");
    assert!(!no_id.is_retryable(), "{no_id:?}");
}
