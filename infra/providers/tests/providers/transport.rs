//! `Providers` routing and the stored form of `OutboundRequest`.

use framework::Provider;
use framework::provider::{meta, twilio};
use framework::reply::Reply;
use infra_providers::meta::MetaClient;
use infra_providers::testing::{FakeMeta, FakeTwilio};
use infra_providers::twilio::TwilioClient;
use infra_providers::{Accepted, OutboundRequest, Providers, SendError, Transport};
use serde_json::json;

use super::{ACCESS_TOKEN, ACCOUNT_SID, AUTH_TOKEN, CUSTOMER, PHONE_NUMBER_ID, customer, shop};

fn twilio_request(body: &str) -> OutboundRequest {
    let config = twilio::OutboundConfig::new(shop());
    OutboundRequest::from_twilio(
        &twilio::render(&Reply::text(body), &customer(), &config).unwrap()[0],
    )
}

fn meta_request(body: &str) -> OutboundRequest {
    OutboundRequest::from_meta(
        PHONE_NUMBER_ID,
        &meta::render(&Reply::text(body), &customer()).unwrap()[0],
    )
}

/// What a dispatcher does: generic over the transport, sent from another task.
async fn dispatch<T: Transport>(
    transport: &T,
    request: OutboundRequest,
) -> Result<Accepted, SendError> {
    let transport = transport.clone();
    tokio::spawn(async move { transport.send(&request).await })
        .await
        .unwrap()
}

#[tokio::test]
async fn each_request_goes_to_its_providers_client() {
    // Arrange
    let twilio = FakeTwilio::start(ACCOUNT_SID, AUTH_TOKEN).await;
    let meta = FakeMeta::start(ACCESS_TOKEN).await;
    let providers = Providers::new()
        .with_twilio(TwilioClient::new(twilio.config()).unwrap())
        .with_meta(MetaClient::new(meta.config()).unwrap());

    // Act
    let by_twilio = dispatch(&providers, twilio_request("via twilio"))
        .await
        .unwrap();
    let by_meta = dispatch(&providers, meta_request("via meta"))
        .await
        .unwrap();

    // Assert
    assert!(by_twilio.provider_message_id.starts_with("SM"));
    assert!(by_meta.provider_message_id.starts_with("wamid."));
    assert_eq!(twilio.texts_to(CUSTOMER), ["via twilio"]);
    assert_eq!(meta.texts_to(CUSTOMER), ["via meta"]);
    assert_eq!((twilio.requests().len(), meta.requests().len()), (1, 1));
}

#[tokio::test]
async fn a_provider_without_a_client_is_not_configured() {
    let twilio = FakeTwilio::start(ACCOUNT_SID, AUTH_TOKEN).await;
    let providers = Providers::new().with_twilio(TwilioClient::new(twilio.config()).unwrap());

    let err = dispatch(&providers, meta_request("hi")).await.unwrap_err();

    assert!(
        matches!(err, SendError::NotConfigured(Provider::Meta)),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert!(providers.configured(Provider::Twilio));
    assert!(!providers.configured(Provider::Meta));
    assert!(!providers.configured(Provider::Local));
    assert!(twilio.requests().is_empty());

    let nothing = Providers::new();
    let err = dispatch(&nothing, twilio_request("hi")).await.unwrap_err();
    assert!(
        matches!(err, SendError::NotConfigured(Provider::Twilio)),
        "{err:?}"
    );
}

#[test]
fn stored_requests_round_trip_through_json() {
    for request in [twilio_request("Ünïcödé & more ☕"), meta_request("hello")] {
        let stored = serde_json::to_string(&request).unwrap();
        let back: OutboundRequest = serde_json::from_str(&stored).unwrap();
        assert_eq!(back, request);
    }
}

#[test]
fn the_stored_form_is_tagged_by_provider() {
    let stored = serde_json::to_value(twilio_request("hi")).unwrap();
    assert_eq!(
        stored,
        json!({
            "provider": "twilio",
            "fields": [["To", "whatsapp:+919812345678"], ["From", "whatsapp:+14155238886"], ["Body", "hi"]],
        })
    );
    let stored = serde_json::to_value(meta_request("hi")).unwrap();
    assert_eq!(stored["provider"], "meta");
    assert_eq!(stored["phone_number_id"], PHONE_NUMBER_ID);
    assert_eq!(stored["body"]["text"]["body"], "hi");
    assert_eq!(stored["body"]["to"], CUSTOMER);
}

#[test]
fn requests_know_their_provider_and_summary() {
    let twilio = twilio_request("Your order is ready");
    let meta = meta_request("Tu pedido está listo");
    assert_eq!(twilio.provider(), Provider::Twilio);
    assert_eq!(meta.provider(), Provider::Meta);
    assert_eq!(twilio.summary(), "Your order is ready");
    assert_eq!(meta.summary(), "Tu pedido está listo");
}
