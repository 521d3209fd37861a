use framework::conversation::{Conversation, ConversationLayer, FlowState};
use framework::handler::rejection::NotText;
use framework::handler::{Choice, DEFAULT_FALLBACK_REPLY, ProfileName, Router, State, Text};
use framework::reply::{Buttons, Reply};
use framework::session::{InMemConversationLock, InMemSessionStore, Session, SessionLayer};
use framework::{BoxError, Content, InboundMessage, Media, MediaKind, Outcome, Provider};
use serde::{Deserialize, Serialize};
use tower::ServiceBuilder;

use crate::support::call;

fn text_of(r: &framework::Response) -> &str {
    r.replies()[0].body().unwrap()
}

fn image() -> InboundMessage {
    InboundMessage::new(
        Provider::Local,
        framework::doc::fresh_id(),
        framework::doc::key(),
        Content::Media {
            items: vec![Media::new(MediaKind::Image)],
            caption: None,
        },
    )
}

#[tokio::test]
async fn keywords_prefixes_choices_and_fallback() {
    let router = Router::new()
        .keyword(["hi", "menu", "help"], || async { "menu" })
        .prefix(["cancel order"], |Text(t): Text| async move {
            format!("cancel: {t}")
        })
        .choice(["confirm"], |Choice(id): Choice| async move {
            format!("choice {id}")
        })
        .fallback(|Text(t): Text| async move { format!("fallback {t}") })
        .into_service();

    for (input, expected) in [
        ("hi", "menu"),
        ("  MENU!! ", "menu"),
        ("Help?", "menu"),
        ("hi there", "fallback hi there"),
        ("cancel order 1042", "cancel: cancel order 1042"),
        ("Cancel Order", "cancel: Cancel Order"),
        ("cancel ordering", "fallback cancel ordering"),
    ] {
        let r = call(&router, framework::doc::text(input)).await.unwrap();
        assert_eq!(text_of(&r), expected, "input {input:?}");
    }
    let r = call(&router, framework::doc::tap("confirm")).await.unwrap();
    assert_eq!(text_of(&r), "choice confirm");
}

#[tokio::test]
async fn routes_are_tried_in_the_order_they_were_added() {
    let router = Router::new()
        .when(
            |m: &InboundMessage| m.text().is_some_and(|t| t.contains("urgent")),
            || async { "first" },
        )
        .keyword(["urgent"], || async { "second" })
        .into_service();
    assert_eq!(
        text_of(&call(&router, framework::doc::text("urgent")).await.unwrap()),
        "first"
    );
}

#[tokio::test]
async fn without_a_fallback_the_customer_is_told_so() {
    let router = Router::new()
        .keyword(["hi"], || async { "hello" })
        .into_service();
    let r = call(&router, framework::doc::text("something else"))
        .await
        .unwrap();
    assert_eq!(text_of(&r), DEFAULT_FALLBACK_REPLY);
}

#[tokio::test]
async fn a_text_handler_answers_a_photo_with_a_polite_rejection() {
    let router = Router::new()
        .fallback(|Text(t): Text| async move { t })
        .into_service();
    let r = call(&router, image()).await.unwrap();
    assert_eq!(text_of(&r), NotText::REPLY);
    assert_eq!(r.outcome(), Outcome::Handled);
}

#[tokio::test]
async fn optional_extractors_and_state() {
    #[derive(Clone)]
    struct Shop {
        name: &'static str,
    }
    let router = Router::new()
        .fallback(|State(shop): State<Shop>, text: Option<Text>, ProfileName(name): ProfileName| async move {
            format!(
                "{} / {} / {}",
                shop.name,
                text.map_or("(no text)".to_owned(), |Text(t)| t),
                name.unwrap_or_default()
            )
        })
        .with_state(Shop { name: "Sharma Traders" });

    let r = call(&router, image()).await.unwrap();
    assert_eq!(text_of(&r), "Sharma Traders / (no text) / ");
    let r = call(
        &router,
        framework::doc::text("hi").with_profile_name("Asha"),
    )
    .await
    .unwrap();
    assert_eq!(text_of(&r), "Sharma Traders / hi / Asha");
}

#[tokio::test]
async fn asking_for_a_session_without_the_session_layer_is_an_error() {
    let router = Router::new()
        .fallback(|_s: Session| async { "never" })
        .into_service();
    let err = call(&router, framework::doc::text("hi")).await.unwrap_err();
    assert!(err.to_string().contains("session layer"), "{err}");
}

#[tokio::test]
async fn handler_errors_are_errors_and_handlers_may_return_any_answer() {
    let router = Router::new()
        .keyword(["fail"], || async {
            Err::<String, BoxError>("db down".into())
        })
        .keyword(["none"], || async {})
        .keyword(["buttons"], || async {
            Buttons::builder("Confirm?")
                .button("yes", "Yes")
                .button("no", "No")
                .build()
                .map_err(BoxError::from)
        })
        .keyword(["two"], || async {
            vec![Reply::text("a"), Reply::text("b")]
        })
        .into_service();
    assert_eq!(
        call(&router, framework::doc::text("fail"))
            .await
            .unwrap_err()
            .to_string(),
        "db down"
    );
    assert!(
        call(&router, framework::doc::text("none"))
            .await
            .unwrap()
            .replies()
            .is_empty()
    );
    let r = call(&router, framework::doc::text("buttons"))
        .await
        .unwrap();
    assert!(matches!(r.replies()[0], Reply::Buttons(_)));
    assert_eq!(
        call(&router, framework::doc::text("two"))
            .await
            .unwrap()
            .replies()
            .len(),
        2
    );
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
enum Flow {
    #[default]
    Idle,
    AwaitingConfirmation,
}

impl FlowState for Flow {}

#[tokio::test]
async fn routes_by_conversation_state() {
    let router = Router::new()
        .keyword(["order"], |flow: Conversation<Flow>| async move {
            flow.update(Flow::AwaitingConfirmation);
            "Confirm? (yes/no)"
        })
        .state(
            |s: &Flow| *s == Flow::AwaitingConfirmation,
            |Text(t): Text, flow: Conversation<Flow>| async move {
                flow.exit();
                format!("answer to confirmation: {t}")
            },
        )
        .fallback(|| async { "idle fallback" })
        .into_service();
    let svc = ServiceBuilder::new()
        .layer(SessionLayer::new(
            InMemSessionStore::new(),
            InMemConversationLock::new(),
        ))
        .layer(ConversationLayer::<Flow>::new())
        .service(router);

    assert_eq!(
        text_of(&call(&svc, framework::doc::text("yes")).await.unwrap()),
        "idle fallback"
    );
    assert_eq!(
        text_of(&call(&svc, framework::doc::text("order")).await.unwrap()),
        "Confirm? (yes/no)"
    );
    assert_eq!(
        text_of(&call(&svc, framework::doc::text("yes")).await.unwrap()),
        "answer to confirmation: yes"
    );
    assert_eq!(
        text_of(&call(&svc, framework::doc::text("yes")).await.unwrap()),
        "idle fallback"
    );
}

#[tokio::test]
async fn keywords_match_typed_text_not_captions() {
    // Regression (review): a photo captioned "cancel" reached the cancel
    // handler, whose Text extractor then refused it.
    let router = Router::new()
        .keyword(["cancel"], |Text(_): Text| async { "cancelled" })
        .fallback(|| async { "fallback" })
        .into_service();
    let photo = InboundMessage::new(
        Provider::Local,
        framework::doc::fresh_id(),
        framework::doc::key(),
        Content::Media {
            items: vec![Media::new(MediaKind::Image)],
            caption: Some("cancel".to_owned()),
        },
    );
    assert_eq!(text_of(&call(&router, photo).await.unwrap()), "fallback");
}
