use framework::trace::TraceLayer;
use framework::{BoxError, InboundMessage, Response};
use tower::{Layer, service_fn};

use framework::testing::LogBuffer;

use crate::support::call;

#[tokio::test(flavor = "current_thread")]
async fn each_turn_logs_outcome_and_latency_without_phone_numbers() {
    // Arrange
    let out = LogBuffer::default();
    let _guard = out.install();
    let svc = TraceLayer::new().layer(service_fn(|_m: InboundMessage| async {
        Ok::<_, BoxError>(Response::reply("hello"))
    }));
    let msg = framework::doc::text("hi");

    // Act
    call(&svc, msg.clone()).await.unwrap();

    // Assert
    let log = out.text();
    assert!(log.contains("turn finished"), "{log}");
    assert!(
        log.contains("outcome=\"handled\"") || log.contains("outcome=handled"),
        "{log}"
    );
    assert!(log.contains("latency_ms="), "{log}");
    assert!(log.contains(&msg.key().pseudonym()), "{log}");
    assert!(log.contains(msg.id().as_str()), "{log}");
    assert!(
        !log.contains("9812345678"),
        "a phone number leaked into the log: {log}"
    );
}

#[tokio::test]
async fn errors_pass_through_the_trace_layer() {
    let svc = TraceLayer::new().layer(service_fn(|_m: InboundMessage| async {
        Err::<Response, BoxError>("broken".into())
    }));
    assert_eq!(
        call(&svc, framework::doc::text("hi"))
            .await
            .unwrap_err()
            .to_string(),
        "broken"
    );
}
