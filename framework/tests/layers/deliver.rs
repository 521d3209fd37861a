use std::time::Duration;

use framework::dedup::InMemSeenStore;
use framework::handler::{Router, Text};
use framework::session::{InMemConversationLock, InMemSessionStore, Session};
use framework::testing::{RecordingOutbox, TestChat};
use framework::{BoxError, Outcome, ServiceBuilderExt};
use tower::ServiceBuilder;

/// A counter in the session; replies "n=<count>".
async fn count(Text(_): Text, session: Session) -> Result<String, BoxError> {
    let n: u32 = session.get("n")?.unwrap_or(0) + 1;
    session.insert("n", &n)?;
    Ok(format!("n={n}"))
}

fn bot(
    outbox: RecordingOutbox,
) -> impl tower::Service<
    framework::InboundMessage,
    Response = framework::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    ServiceBuilder::new()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .session(InMemSessionStore::new(), InMemConversationLock::new())
        .deliver(outbox)
        .service(Router::new().fallback(count).into_service())
}

#[tokio::test]
async fn accepted_replies_leave_the_response_and_are_counted() {
    let outbox = RecordingOutbox::new();
    let mut chat = TestChat::new(bot(outbox.clone()));
    let turn = chat.say("hi").await;
    assert_eq!(
        (
            turn.response().replies().len(),
            turn.response().delivered().len()
        ),
        (0, 1)
    );
    assert_eq!(outbox.texts(), ["n=1"]);
}

#[tokio::test]
async fn a_refused_reply_saves_nothing_and_frees_the_claim() {
    // Arrange
    let outbox = RecordingOutbox::new();
    let mut chat = TestChat::new(bot(outbox.clone()));
    chat.say("one").await;
    outbox.fail_next(1);

    // Act: the second message's replies cannot be accepted...
    let failed = chat.say("two").await;
    // ...and the same message arrives again (a retry the provider makes
    // anyway, or one after a 500 when the apology could not be sent either).
    let retried = chat.resend().await;

    // Assert
    assert_eq!(
        failed.outcome(),
        Outcome::Failed,
        "the customer gets the apology"
    );
    assert_eq!(
        retried.outcome(),
        Outcome::Handled,
        "the claim was released"
    );
    assert_eq!(
        outbox.texts(),
        ["n=1", "n=2"],
        "the failed turn saved no session: the replay counts 2, not 3"
    );
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_turn_gives_its_dedup_claim_back() {
    // Regression (review finding 1): a turn dropped mid-way kept its claim,
    // so the provider's retry was refused as a duplicate.
    let svc = ServiceBuilder::new()
        .dedup(InMemSeenStore::new())
        .service(tower::service_fn(
            |m: framework::InboundMessage| async move {
                if m.text() == Some("slow") {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                Ok::<_, BoxError>(framework::Response::reply("done"))
            },
        ));
    let msg = framework::doc::text("slow");
    let first = crate::support::call(&svc, msg.clone());
    assert!(
        tokio::time::timeout(Duration::from_secs(1), first)
            .await
            .is_err()
    );
    tokio::task::yield_now().await;

    let retry = crate::support::call(&svc, msg).await.unwrap();
    assert_eq!(retry.outcome(), Outcome::Handled);
}
