//! A provider outage under two instances: the breakers open, the replies
//! wait in the outbox, and when the provider is back every reply arrives
//! exactly once, with few requests made to it meanwhile.

use std::time::Duration;

use framework::testing::twilio::TwilioWebhook;
use http::StatusCode;
use infra_providers::testing::FakeFailure;
use serde_json::Value;

use super::{Cluster, customer, support};
use support::BUSINESS;

const CUSTOMERS: usize = 20;

/// Each instance's breakers as `/readyz` reports them.
async fn breakers(cluster: &Cluster) -> Vec<Value> {
    let mut all = Vec::new();
    for bot in &cluster.bots {
        let (status, body) = bot.get("/readyz").await;
        assert_eq!(
            status,
            StatusCode::OK,
            "an outage leaves instances ready: {body}"
        );
        let json: Value = serde_json::from_str(&body).unwrap();
        all.extend(json["breakers"].as_array().unwrap().iter().cloned());
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_provider_outage_loses_nothing_doubles_nothing_and_is_not_hammered() {
    let cluster = Cluster::start_with(2, |s| {
        s.outbound.twilio_breaker_open_for = Duration::from_millis(500);
        s.outbound.retries = 0;
    })
    .await;
    let before = cluster.twilio().requests().len();
    cluster
        .twilio()
        .outage(Duration::from_secs(3), FakeFailure::ServerError);

    // Twenty new customers write during the outage, spread over both
    // instances; each is welcomed once the provider is back.
    for c in 0..CUSTOMERS {
        let hook = TwilioWebhook::text(&customer(c), BUSINESS, "hi");
        assert_eq!(cluster.deliver(c, &hook).await, StatusCode::OK);
    }
    let welcomed = support::wait_for(|| {
        (0..CUSTOMERS)
            .all(|c| !cluster.chat_texts(&customer(c)).is_empty())
            .then_some(())
    })
    .await;
    assert!(
        welcomed.is_some(),
        "every customer is answered after the outage"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    for c in 0..CUSTOMERS {
        let texts = cluster.chat_texts(&customer(c));
        assert_eq!(texts.len(), 1, "one welcome each, never two: {texts:?}");
    }

    // The breakers opened (one instance at least) and Twilio saw few
    // failed requests.
    let during = breakers(&cluster).await;
    let openings: u64 = during.iter().map(|b| b["openings"].as_u64().unwrap()).sum();
    assert!(openings >= 1, "{during:?}");
    let failed = cluster.twilio().requests()[before..]
        .iter()
        .filter(|r| r.status == 500)
        .count();
    eprintln!(
        "outage: {failed} failed requests reached Twilio; breakers opened {openings} time(s)"
    );
    // Per instance at most: the sends already in flight when its breaker
    // opened (up to one per customer), then a probe per half second of
    // outage. Without breakers every reply is retried on its own backoff
    // (1 s, 2 s, …): three or four requests each.
    assert!(
        failed <= 2 * (CUSTOMERS + 3 * 2 + 2),
        "{failed} requests reached Twilio during the outage"
    );

    // Back to normal: a new message on each instance.
    for i in 0..2 {
        let who = customer(100 + i);
        let hook = TwilioWebhook::text(&who, BUSINESS, "hi");
        assert_eq!(cluster.deliver(i, &hook).await, StatusCode::OK);
        support::wait_for(|| (!cluster.chat_texts(&who).is_empty()).then_some(()))
            .await
            .unwrap();
    }
    let closed = support::wait_for_async(|| async {
        breakers(&cluster)
            .await
            .iter()
            // An instance whose probe found Twilio back is closed; one that
            // had nothing more to send may still say open, but refuses
            // nothing: its next send is the probe.
            .all(|b| b.get("refusing_ms").is_none() && b["state"] != "half_open")
            .then_some(())
    })
    .await;
    assert!(closed.is_some(), "{:?}", breakers(&cluster).await);
    cluster.stop().await;
}
