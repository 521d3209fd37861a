use framework::conversation::{Conversation, ConversationLayer, FlowState};
use framework::session::{InMemConversationLock, InMemSessionStore, Session, SessionLayer};
use framework::{BoxError, InboundMessage, Response};
use serde::{Deserialize, Serialize};
use tower::{Layer, ServiceBuilder, service_fn};

use crate::support::call;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
enum Order {
    #[default]
    Idle,
    Confirming {
        item: String,
    },
}

impl FlowState for Order {}

/// Version 2 of the same flow, as a later deploy would define it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
enum OrderV2 {
    #[default]
    Idle,
    Confirming {
        item: String,
        quantity: u32,
    },
}

impl FlowState for OrderV2 {
    const VERSION: u32 = 2;

    fn migrate(from: u32, stored: serde_json::Value) -> Option<Self> {
        let old: Order = (from == 1)
            .then(|| serde_json::from_value(stored).ok())
            .flatten()?;
        Some(match old {
            Order::Idle => Self::Idle,
            Order::Confirming { item } => Self::Confirming { item, quantity: 1 },
        })
    }
}

/// A flow that moves Idle -> Confirming on any text, and reports the state.
async fn step<S: FlowState + std::fmt::Debug>(
    msg: InboundMessage,
    next: impl Fn(&str) -> S,
) -> Result<Response, BoxError> {
    let flow = msg
        .extensions()
        .get::<Conversation<S>>()
        .cloned()
        .ok_or("no flow")?;
    let before = format!("{:?}", flow.get());
    if let Some(text) = msg.text() {
        if text == "exit" {
            flow.exit();
        } else {
            flow.update(next(text));
        }
    }
    Ok(Response::reply(before))
}

#[tokio::test]
async fn state_survives_between_turns_and_exit_resets_it() {
    let store = InMemSessionStore::new();
    let svc = ServiceBuilder::new()
        .layer(SessionLayer::new(store, InMemConversationLock::new()))
        .layer(ConversationLayer::<Order>::new())
        .service(service_fn(|m| {
            step(m, |t| Order::Confirming { item: t.to_owned() })
        }));

    let r = call(&svc, framework::doc::text("cement")).await.unwrap();
    assert_eq!(r.replies()[0].body(), Some("Idle"));
    let r = call(&svc, framework::doc::text("exit")).await.unwrap();
    assert_eq!(
        r.replies()[0].body(),
        Some("Confirming { item: \"cement\" }")
    );
    let r = call(&svc, framework::doc::text("sand")).await.unwrap();
    assert_eq!(r.replies()[0].body(), Some("Idle"));
}

/// Stores in which version 1 of the flow left the customer confirming cement.
async fn left_mid_flow_by_version_1() -> (InMemSessionStore, InMemConversationLock) {
    let store = InMemSessionStore::new();
    let lock = InMemConversationLock::new();
    let v1 = ServiceBuilder::new()
        .layer(SessionLayer::new(store.clone(), lock.clone()))
        .layer(ConversationLayer::<Order>::new())
        .service(service_fn(|m| {
            step(m, |t| Order::Confirming { item: t.to_owned() })
        }));
    call(&v1, framework::doc::text("cement")).await.unwrap();
    (store, lock)
}

#[tokio::test]
async fn a_deploy_with_a_new_version_migrates_stored_state() {
    // Arrange: version 1 leaves a customer mid-flow.
    let (store, lock) = left_mid_flow_by_version_1().await;

    // Act: version 2 reads it.
    let v2 = ServiceBuilder::new()
        .layer(SessionLayer::new(store, lock))
        .layer(ConversationLayer::<OrderV2>::new())
        .service(service_fn(|m| step(m, |_| OrderV2::Idle)));
    let r = call(&v2, framework::doc::text("again")).await.unwrap();

    // Assert
    assert_eq!(
        r.replies()[0].body(),
        Some("Confirming { item: \"cement\", quantity: 1 }")
    );
}

#[tokio::test]
async fn state_that_no_longer_parses_starts_over_instead_of_failing() {
    let store = InMemSessionStore::new();
    let lock = InMemConversationLock::new();
    // A state stored under the same version but with a variant that no longer exists.
    let writer = SessionLayer::new(store.clone(), lock.clone()).layer(service_fn(
        |msg: InboundMessage| async move {
            let s = msg
                .extensions()
                .get::<Session>()
                .cloned()
                .ok_or("no session")?;
            s.insert(
                framework::conversation::DEFAULT_SESSION_KEY,
                &serde_json::json!({"version": 1, "state": {"Removed": {}}}),
            )?;
            Ok::<_, BoxError>(Response::empty())
        },
    ));
    call(&writer, framework::doc::text("x")).await.unwrap();
    let svc = ServiceBuilder::new()
        .layer(SessionLayer::new(store, lock))
        .layer(ConversationLayer::<Order>::new())
        .service(service_fn(|m| step(m, |_| Order::Idle)));

    let r = call(&svc, framework::doc::text("hi")).await.unwrap();

    assert_eq!(r.replies()[0].body(), Some("Idle"));
}

#[tokio::test]
async fn without_the_session_layer_it_is_a_clear_error() {
    let svc = ConversationLayer::<Order>::new().layer(service_fn(|m| step(m, |_| Order::Idle)));
    let err = call(&svc, framework::doc::text("hi")).await.unwrap_err();
    assert!(err.to_string().contains("session layer"), "{err}");
}

#[tokio::test]
async fn a_migrated_state_is_written_back_once() {
    // Review: a migrated state was re-migrated (and logged) on every turn
    // until a handler changed it.
    let (store, lock) = left_mid_flow_by_version_1().await;
    // Version 2 reads it without changing it.
    let v2 = ServiceBuilder::new()
        .layer(SessionLayer::new(store.clone(), lock.clone()))
        .layer(ConversationLayer::<OrderV2>::new())
        .service(service_fn(|_m: InboundMessage| async {
            Ok::<_, BoxError>(Response::empty())
        }));
    call(&v2, framework::doc::text("hello")).await.unwrap();
    // The stored form is now version 2.
    let reader = SessionLayer::new(store, lock).layer(service_fn(|m: InboundMessage| async move {
        let s = m
            .extensions()
            .get::<Session>()
            .cloned()
            .ok_or("no session")?;
        let stored: serde_json::Value = s
            .get(framework::conversation::DEFAULT_SESSION_KEY)?
            .ok_or("none")?;
        Ok::<_, BoxError>(Response::reply(stored["version"].to_string()))
    }));
    let r = call(&reader, framework::doc::text("x")).await.unwrap();
    assert_eq!(r.replies()[0].body(), Some("2"));
}
