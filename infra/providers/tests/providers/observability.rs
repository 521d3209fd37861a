//! The clients' metrics, captured by a recorder local to the test's thread.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use infra_providers::meta::MetaClient;
use infra_providers::testing::{FakeFailure, FakeMeta, FakeTwilio};
use infra_providers::twilio::TwilioClient;
use metrics::{
    Counter, CounterFn, Gauge, Histogram, HistogramFn, Key, KeyName, Metadata, Recorder,
    SharedString, Unit,
};

use super::{ACCESS_TOKEN, ACCOUNT_SID, AUTH_TOKEN, PHONE_NUMBER_ID, fields};

/// Counters and histograms by `name{label=value,…}` (labels sorted).
#[derive(Debug, Default)]
struct Captured {
    counters: Mutex<BTreeMap<String, Arc<Count>>>,
    histograms: Mutex<BTreeMap<String, Arc<Samples>>>,
}

#[derive(Debug, Default)]
struct Count(AtomicU64);

impl CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

#[derive(Debug, Default)]
struct Samples(Mutex<Vec<f64>>);

impl HistogramFn for Samples {
    fn record(&self, value: f64) {
        self.0.lock().unwrap().push(value);
    }
}

fn key_string(key: &Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl Captured {
    fn counter(&self, key: &str) -> u64 {
        self.counters
            .lock()
            .unwrap()
            .get(key)
            .map_or(0, |c| c.0.load(Ordering::Relaxed))
    }

    fn samples(&self, key: &str) -> usize {
        self.histograms
            .lock()
            .unwrap()
            .get(key)
            .map_or(0, |h| h.0.lock().unwrap().len())
    }
}

impl Recorder for Captured {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let count = Arc::clone(
            self.counters
                .lock()
                .unwrap()
                .entry(key_string(key))
                .or_default(),
        );
        Counter::from_arc(count)
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, key: &Key, _: &Metadata<'_>) -> Histogram {
        let samples = Arc::clone(
            self.histograms
                .lock()
                .unwrap()
                .entry(key_string(key))
                .or_default(),
        );
        Histogram::from_arc(samples)
    }
}

// `#[tokio::test]` runs on one thread, so the thread-local recorder sees every
// metric the clients emit, and no other test's.
#[tokio::test]
async fn every_send_counts_its_outcome_and_latency_per_provider() {
    // Arrange
    let captured = Captured::default();
    let _guard = metrics::set_default_local_recorder(&captured);
    let twilio = FakeTwilio::start(ACCOUNT_SID, AUTH_TOKEN).await;
    let meta = FakeMeta::start(ACCESS_TOKEN).await;
    let twilio_client = TwilioClient::new(twilio.config()).unwrap();
    let meta_client = MetaClient::new(meta.config()).unwrap();
    let sms = fields(&[
        ("To", "whatsapp:+919812345678"),
        ("From", "whatsapp:+14155238886"),
        ("Body", "hi"),
    ]);
    let text = serde_json::json!({
        "messaging_product": "whatsapp", "to": "+919812345678",
        "type": "text", "text": { "body": "hi" },
    });

    // Act
    twilio_client.send(&sms).await.unwrap();
    twilio.fail_next(FakeFailure::ServerError);
    twilio_client.send(&sms).await.unwrap_err();
    twilio.fail_next(FakeFailure::OutsideWindow);
    twilio_client.send(&sms).await.unwrap_err();
    meta.fail_next(FakeFailure::RateLimited {
        retry_after_secs: None,
    });
    meta_client.send(PHONE_NUMBER_ID, &text).await.unwrap_err();
    meta_client.send(PHONE_NUMBER_ID, &text).await.unwrap();

    // Assert
    let requests = |provider: &str, outcome: &str| {
        captured.counter(&format!(
            "campanile_outbound_requests_total{{outcome={outcome},provider={provider}}}"
        ))
    };
    assert_eq!(requests("twilio", "accepted"), 1);
    assert_eq!(requests("twilio", "retryable"), 1);
    assert_eq!(requests("twilio", "permanent"), 1);
    assert_eq!(requests("meta", "accepted"), 1);
    // A throughput answer is counted apart: it slows down, it is no failure.
    assert_eq!(requests("meta", "throttled"), 1);
    assert_eq!(requests("meta", "retryable"), 0);
    assert_eq!(requests("meta", "permanent"), 0);
    assert_eq!(
        captured.samples("campanile_outbound_request_seconds{provider=twilio}"),
        3
    );
    assert_eq!(
        captured.samples("campanile_outbound_request_seconds{provider=meta}"),
        2
    );
}
