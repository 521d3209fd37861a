//! `infra_providers::twilio::TwilioClient` against `FakeTwilio`.

use std::time::Duration;

use framework::MediaKind;
use framework::provider::twilio::{self, OutboundConfig};
use framework::reply::{MediaReply, Reply, Template};
use infra_providers::testing::{FakeFailure, FakeTwilio};
use infra_providers::twilio::{TwilioClient, TwilioConfig};
use infra_providers::{OutboundRequest, SendError};

use super::{ACCOUNT_SID, AUTH_TOKEN, CUSTOMER, customer, fields, shop};

async fn fake() -> FakeTwilio {
    FakeTwilio::start(ACCOUNT_SID, AUTH_TOKEN).await
}

fn client(fake: &FakeTwilio) -> TwilioClient {
    TwilioClient::new(fake.config()).unwrap()
}

/// The stored fields of the first request a reply renders to.
fn rendered(reply: Reply, config: &OutboundConfig) -> Vec<(String, String)> {
    let requests = twilio::render(&reply, &customer(), config).unwrap();
    match OutboundRequest::from_twilio(&requests[0]) {
        OutboundRequest::Twilio { fields } => fields,
        other @ OutboundRequest::Meta { .. } => panic!("rendered {other:?}"),
    }
}

fn text(body: &str) -> Vec<(String, String)> {
    rendered(Reply::text(body), &OutboundConfig::new(shop()))
}

#[tokio::test]
async fn a_text_is_accepted_with_the_sid_twilio_created() {
    // Arrange
    let fake = fake().await;

    // Act
    let accepted = client(&fake)
        .send(&text("Your order is ready"))
        .await
        .unwrap();

    // Assert
    let recorded = fake.accepted();
    assert_eq!(recorded.len(), 1);
    assert_eq!(
        Some(accepted.provider_message_id.as_str()),
        recorded[0].provider_message_id()
    );
    assert!(accepted.provider_message_id.starts_with("SM"));
    assert_eq!(accepted.provider_message_id.len(), 34);
    assert_eq!(accepted.status, "queued");
    assert_eq!(fake.texts_to(CUSTOMER), ["Your order is ready"]);
}

#[tokio::test]
async fn the_request_on_the_wire_is_a_basic_auth_form_post_with_the_fields_in_order() {
    let fake = fake().await;
    let config = OutboundConfig::new(shop()).with_status_callback("https://bot.example.com/s");
    let sent = rendered(Reply::text("100 bags: ₹38,000 & free delivery"), &config);

    client(&fake).send(&sent).await.unwrap();

    let request = &fake.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    );
    assert_eq!(
        request.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(
        request.basic_credentials(),
        Some((ACCOUNT_SID.to_owned(), AUTH_TOKEN.to_owned()))
    );
    assert_eq!(request.fields, sent);
    assert_eq!(
        request
            .fields
            .iter()
            .map(|(n, _)| n.as_str())
            .collect::<Vec<_>>(),
        ["To", "From", "Body", "StatusCallback"]
    );
    assert_eq!(
        request.field("Body"),
        Some("100 bags: ₹38,000 & free delivery")
    );
}

#[tokio::test]
async fn media_templates_and_messaging_services_get_their_own_answers() {
    let fake = fake().await;
    let client = client(&fake);

    let media = Reply::from(
        MediaReply::new(MediaKind::Image, "https://cdn.example.com/a.jpg")
            .unwrap()
            .with_caption("Your cement")
            .unwrap(),
    );
    let accepted = client
        .send(&rendered(media, &OutboundConfig::new(shop())))
        .await
        .unwrap();
    assert!(
        accepted.provider_message_id.starts_with("MM"),
        "{accepted:?}"
    );

    let template = Reply::from(Template::new("order_update", "en").param("Ana"));
    let config = OutboundConfig::messaging_service("MG0123").with_template("order_update", "HXabc");
    let accepted = client.send(&rendered(template, &config)).await.unwrap();
    assert_eq!(accepted.status, "accepted");
    let request = &fake.requests()[1];
    assert_eq!(request.field("ContentSid"), Some("HXabc"));
    assert_eq!(request.field("ContentVariables"), Some(r#"{"1":"Ana"}"#));
    assert_eq!(request.field("From"), None);
}

#[tokio::test]
async fn every_message_gets_a_new_sid() {
    let fake = fake().await;
    let client = client(&fake);
    let mut sids = std::collections::HashSet::new();
    for i in 0..20 {
        let accepted = client.send(&text(&format!("message {i}"))).await.unwrap();
        sids.insert(accepted.provider_message_id);
    }
    assert_eq!(sids.len(), 20);
}

#[tokio::test]
async fn a_server_error_is_retryable_without_a_hint() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::ServerError);

    let err = client(&fake).send(&text("hi")).await.unwrap_err();

    let SendError::Retryable {
        retry_after, code, ..
    } = &err
    else {
        panic!("expected retryable, got {err:?}");
    };
    assert_eq!((*retry_after, code.as_deref()), (None, Some("20500")));
    assert_eq!(fake.requests()[0].status, 500);
    assert!(fake.accepted().is_empty());
}

#[tokio::test]
async fn a_rate_limit_is_retryable_after_the_retry_after_header() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail_next(FakeFailure::RateLimited {
        retry_after_secs: Some(7),
    });
    fake.fail_next(FakeFailure::RateLimited {
        retry_after_secs: None,
    });

    let with_header = client.send(&text("hi")).await.unwrap_err();
    let without = client.send(&text("hi")).await.unwrap_err();

    assert!(with_header.is_retryable() && without.is_retryable());
    assert!(with_header.is_throttled() && without.is_throttled());
    assert_eq!(with_header.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(with_header.code(), Some("20429"));
    // Twilio documents no Retry-After for 20429: exponential backoff.
    assert_eq!(without.retry_after(), None);
    assert_eq!(
        fake.requests().iter().map(|r| r.status).collect::<Vec<_>>(),
        [429, 429]
    );
}

#[tokio::test]
async fn the_channel_rate_limit_waits_by_policy() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::Raw {
        status: 429,
        body: r#"{"code":63018,"message":"Rate limit exceeded for Channel","status":429}"#
            .to_owned(),
    });

    let err = client(&fake).send(&text("hi")).await.unwrap_err();

    assert!(err.is_retryable());
    assert_eq!(err.code(), Some("63018"));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(60)));
}

#[tokio::test]
async fn an_invalid_recipient_is_permanent() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::InvalidRecipient);

    let err = client(&fake).send(&text("hi")).await.unwrap_err();

    let SendError::Permanent {
        code,
        needs_template,
        message,
    } = &err
    else {
        panic!("expected permanent, got {err:?}");
    };
    assert_eq!(code.as_deref(), Some("21211"));
    assert!(!needs_template);
    assert!(message.contains("Invalid 'To' Phone Number"), "{message}");
}

#[tokio::test]
async fn outside_the_window_needs_a_template() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::OutsideWindow);

    let err = client(&fake).send(&text("hi")).await.unwrap_err();

    assert!(!err.is_retryable());
    assert!(err.needs_template());
    assert_eq!(err.code(), Some("63016"));
}

#[tokio::test]
async fn a_wrong_auth_token_is_a_permanent_auth_error() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::ServerError);
    let config = TwilioConfig::new(ACCOUNT_SID, "wrong-token").with_base_url(fake.base_url());

    let err = TwilioClient::new(config)
        .unwrap()
        .send(&text("hi"))
        .await
        .unwrap_err();

    assert!(!err.is_retryable(), "{err:?}");
    assert_eq!(err.code(), Some("20003"));
    assert_eq!(fake.requests()[0].status, 401);
    // Scripted failures wait for an authenticated request.
    client(&fake).send(&text("hi")).await.unwrap_err();
    assert_eq!(fake.requests()[1].status, 500);
}

#[tokio::test]
async fn the_fake_refuses_another_accounts_path_with_20404() {
    let fake = fake().await;
    let other = "AC99999999999999999999999999999999";

    let response = reqwest::Client::new()
        .post(format!(
            "{}/2010-04-01/Accounts/{other}/Messages.json",
            fake.base_url()
        ))
        .basic_auth(ACCOUNT_SID, Some(AUTH_TOKEN))
        .form(&text("hi"))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["code"], 20404);
    assert_eq!(body["status"], 404);
}

#[tokio::test]
async fn missing_parameters_are_refused_with_twilios_codes() {
    let fake = fake().await;
    let client = client(&fake);
    let cases = [
        (
            fields(&[("From", "whatsapp:+14155238886"), ("Body", "hi")]),
            "21604",
        ),
        (
            fields(&[("To", "whatsapp:+919812345678"), ("Body", "hi")]),
            "21603",
        ),
        (
            fields(&[
                ("To", "whatsapp:+919812345678"),
                ("From", "whatsapp:+14155238886"),
            ]),
            "21602",
        ),
        (
            fields(&[
                ("To", "whatsapp:12"),
                ("From", "whatsapp:+14155238886"),
                ("Body", "hi"),
            ]),
            "21211",
        ),
    ];
    for (sent, code) in cases {
        let err = client.send(&sent).await.unwrap_err();
        assert!(!err.is_retryable(), "{code}: {err:?}");
        assert_eq!(err.code(), Some(code));
    }
    assert!(fake.accepted().is_empty());
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn a_hang_longer_than_the_timeout_is_an_unknown_outcome() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::Hang(Duration::from_secs(30)));
    let client = TwilioClient::new(fake.config().with_timeout(Duration::from_millis(300))).unwrap();

    let err = client.send(&text("hi")).await.unwrap_err();

    let SendError::Unknown { message } = &err else {
        panic!("expected an unknown outcome, got {err:?}");
    };
    assert!(!err.is_retryable() && err.code().is_none());
    assert!(message.contains("may have accepted"), "{message}");
    // The unknown outcome: the provider did take the message.
    assert_eq!(fake.accepted().len(), 1);
}

#[tokio::test]
async fn a_connection_dropped_before_the_answer_is_an_unknown_outcome() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::Dropped);
    let client = TwilioClient::new(fake.config()).unwrap();

    let err = client.send(&text("hi")).await.unwrap_err();

    assert!(err.is_unknown() && !err.is_retryable(), "{err:?}");
    assert!(err.to_string().contains("may have accepted"), "{err}");
    assert_eq!(fake.accepted().len(), 1);
    // The next send gets a fresh connection and goes through.
    assert!(client.send(&text("again")).await.is_ok());
    assert_eq!(
        fake.accepted_count(),
        2,
        "counted in place as accepted() lists them"
    );
    assert_eq!(fake.accepted().len(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retryable_and_was_not_sent() {
    let fake = fake().await;
    let config = fake.config();
    // Dropping the fake stops its server: nothing listens there any more.
    drop(fake);

    let err = TwilioClient::new(config)
        .unwrap()
        .send(&text("hi"))
        .await
        .unwrap_err();

    let SendError::Retryable { message, .. } = &err else {
        panic!("expected retryable, got {err:?}");
    };
    assert!(message.contains("was not sent"), "{message}");
}

#[tokio::test]
async fn a_success_without_a_sid_is_never_sent_again() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::Raw {
        status: 201,
        body: "<html>created</html>".to_owned(),
    });

    let err = client(&fake).send(&text("hi")).await.unwrap_err();

    assert!(!err.is_retryable(), "{err:?}");
    assert!(!err.needs_template());
}

#[tokio::test]
async fn a_proxy_error_page_is_retryable() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::Raw {
        status: 502,
        body: "<html>Bad Gateway</html>".to_owned(),
    });

    let err = client(&fake).send(&text("hi")).await.unwrap_err();

    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.code(), None);
}

#[tokio::test]
async fn scripted_failures_come_in_order_then_sends_succeed() {
    let fake = fake().await;
    let client = client(&fake);
    fake.fail_next(FakeFailure::ServerError);
    fake.fail_next(FakeFailure::InvalidRecipient);

    let first = client.send(&text("one")).await.unwrap_err();
    let second = client.send(&text("two")).await.unwrap_err();
    client.send(&text("three")).await.unwrap();

    assert!(first.is_retryable());
    assert_eq!(second.code(), Some("21211"));
    assert_eq!(
        fake.requests().iter().map(|r| r.status).collect::<Vec<_>>(),
        [500, 400, 201]
    );
    // Only what got through reached the customer.
    assert_eq!(fake.texts_to("whatsapp:+919812345678"), ["three"]);
    assert_eq!(fake.texts_to("+15550000000"), Vec::<String>::new());
}

#[tokio::test]
async fn wait_for_requests_sees_sends_from_another_task() {
    let fake = fake().await;
    let client = client(&fake);

    let sender = tokio::spawn(async move {
        for body in ["a", "b"] {
            client.send(&text(body)).await.unwrap();
        }
    });
    let arrived = fake.wait_for_requests(2, Duration::from_secs(10)).await;
    sender.await.unwrap();

    assert_eq!(arrived.len(), 2);
    assert_eq!(fake.texts_to(CUSTOMER), ["a", "b"]);
    // Asked for more than will come: returns what arrived when the time is up.
    let arrived = fake.wait_for_requests(3, Duration::from_millis(50)).await;
    assert_eq!(arrived.len(), 2);
}

#[tokio::test]
async fn nothing_is_accepted_after_the_fake_is_dropped_even_on_a_kept_alive_connection() {
    let fake = fake().await;
    let client = client(&fake);
    client.send(&text("before")).await.unwrap();

    drop(fake);
    let err = client.send(&text("after")).await.unwrap_err();

    // Refused, or cut off on the pooled connection (then nobody can know
    // whether it was taken): never a permanent failure.
    assert!(err.is_retryable() || err.is_unknown(), "{err:?}");
}

#[tokio::test]
async fn dropping_the_fake_ends_a_hung_answer() {
    let fake = fake().await;
    fake.fail_next(FakeFailure::Hang(Duration::from_secs(600)));
    let client = client(&fake);
    let pending = tokio::spawn(async move { client.send(&text("hi")).await });
    fake.wait_for_requests(1, Duration::from_secs(5)).await;

    drop(fake);

    // Answered when the server stopped, not after the 600 s (nor the client's
    // 5 s timeout, which would make this a retryable error).
    let accepted = pending.await.unwrap().unwrap();
    assert!(accepted.provider_message_id.starts_with("SM"));
}
