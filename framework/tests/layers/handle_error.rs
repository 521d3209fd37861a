use framework::handle_error::HandleErrorLayer;
use framework::reply::Reply;
use framework::{BoxError, InboundMessage, Outcome, Response};
use tower::{Layer, service_fn};

use crate::support::call;

#[derive(Debug, thiserror::Error)]
#[error("could not save the order")]
struct SaveFailed(#[source] std::io::Error);

#[tokio::test]
async fn an_error_becomes_one_apology() {
    let svc = HandleErrorLayer::new().layer(service_fn(|_m: InboundMessage| async {
        Err::<Response, BoxError>(Box::new(SaveFailed(std::io::Error::other("disk full"))))
    }));
    let r = call(&svc, framework::doc::text("confirm")).await.unwrap();
    assert_eq!(r.outcome(), Outcome::Failed);
    assert_eq!(r.replies().len(), 1);
    assert!(r.replies()[0].body().unwrap().contains("Sorry"));
}

#[tokio::test]
async fn a_panicking_handler_becomes_an_apology_too() {
    let svc = HandleErrorLayer::new().layer(service_fn(|m: InboundMessage| async move {
        if m.text() == Some("boom") {
            panic!("handler bug");
        }
        Ok::<_, BoxError>(Response::empty())
    }));
    let r = call(&svc, framework::doc::text("boom")).await.unwrap();
    assert_eq!(r.outcome(), Outcome::Failed);
    assert_eq!(r.replies().len(), 1);
}

#[tokio::test]
async fn the_apology_is_configurable() {
    let failing = service_fn(|_m: InboundMessage| async { Err::<Response, BoxError>("x".into()) });
    let custom =
        HandleErrorLayer::new().with_apology(Some(Reply::text("माफ़ कीजिए, फिर से कोशिश करें")));
    let r = call(&custom.layer(failing), framework::doc::text("hi"))
        .await
        .unwrap();
    assert_eq!(r.replies()[0].body(), Some("माफ़ कीजिए, फिर से कोशिश करें"));
    let silent = HandleErrorLayer::new().with_apology(None);
    let r = call(&silent.layer(failing), framework::doc::text("hi"))
        .await
        .unwrap();
    assert_eq!((r.outcome(), r.replies().len()), (Outcome::Failed, 0));
}

#[tokio::test]
async fn successes_pass_through_untouched() {
    let svc = HandleErrorLayer::new().layer(service_fn(|_m: InboundMessage| async {
        Ok::<_, BoxError>(Response::reply("fine"))
    }));
    let r = call(&svc, framework::doc::text("hi")).await.unwrap();
    assert_eq!(
        (r.outcome(), r.replies()[0].body()),
        (Outcome::Handled, Some("fine"))
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_cause_chain_is_logged() {
    let out = framework::testing::LogBuffer::default();
    let _guard = out.install();
    let svc = HandleErrorLayer::new().layer(service_fn(|_m: InboundMessage| async {
        Err::<Response, BoxError>(Box::new(SaveFailed(std::io::Error::other("disk full"))))
    }));

    call(&svc, framework::doc::text("confirm")).await.unwrap();

    let log = out.text();
    assert!(log.contains("could not save the order: disk full"), "{log}");
}

/// A service whose readiness fails once.
#[derive(Clone)]
struct BrokenReadiness(Arc<std::sync::atomic::AtomicBool>);

impl tower::Service<InboundMessage> for BrokenReadiness {
    type Response = Response;
    type Error = BoxError;
    type Future = std::future::Ready<Result<Response, BoxError>>;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        if self.0.swap(false, std::sync::atomic::Ordering::SeqCst) {
            std::task::Poll::Ready(Err("connection pool closed".into()))
        } else {
            std::task::Poll::Ready(Ok(()))
        }
    }

    fn call(&mut self, _: InboundMessage) -> Self::Future {
        std::future::ready(Ok(Response::reply("fine")))
    }
}

use std::sync::Arc;

#[tokio::test]
async fn a_service_that_cannot_become_ready_gets_the_apology_then_recovers() {
    let svc = HandleErrorLayer::new().layer(BrokenReadiness(Arc::new(
        std::sync::atomic::AtomicBool::new(true),
    )));
    let first = call(&svc, framework::doc::text("hi")).await.unwrap();
    assert_eq!(first.outcome(), Outcome::Failed);
    let second = call(&svc, framework::doc::text("hi")).await.unwrap();
    assert_eq!(second.outcome(), Outcome::Handled);
}

/// Transient: a connection reset anywhere in the error's chain.
fn connection_reset(e: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(e), |&e| e.source()).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset)
    })
}

#[tokio::test]
async fn a_transient_error_runs_the_message_again_instead_of_apologising() {
    let layer = HandleErrorLayer::new().with_retry_when(connection_reset);
    let svc = layer.layer(service_fn(|m: InboundMessage| async move {
        match m.text() {
            Some("reset") => Err::<Response, BoxError>(Box::new(SaveFailed(
                std::io::ErrorKind::ConnectionReset.into(),
            ))),
            Some("full") => {
                Err(Box::new(SaveFailed(std::io::Error::other("disk full"))) as BoxError)
            }
            _ => panic!("handler bug"),
        }
    }));

    let r = call(&svc, framework::doc::text("reset")).await.unwrap();
    assert_eq!(
        r.outcome(),
        Outcome::InFlight,
        "runs again when redelivered"
    );
    assert!(r.replies().is_empty(), "no apology");

    let r = call(&svc, framework::doc::text("full")).await.unwrap();
    assert_eq!((r.outcome(), r.replies().len()), (Outcome::Failed, 1));
    let r = call(&svc, framework::doc::text("boom")).await.unwrap();
    assert_eq!((r.outcome(), r.replies().len()), (Outcome::Failed, 1));
}
