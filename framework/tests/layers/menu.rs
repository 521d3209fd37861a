use framework::handler::{Choice, Router, Text};
use framework::menu::MenuLayer;
use framework::reply::{Buttons, Reply};
use framework::session::{InMemConversationLock, InMemSessionStore, SessionLayer};
use framework::{BoxError, Content, InboundMessage, Provider, Response};
use tower::{Layer, ServiceBuilder};

use crate::support::call;

fn bot()
-> impl tower::Service<InboundMessage, Response = Response, Error = BoxError, Future = impl Send> + Clone
{
    ServiceBuilder::new()
        .layer(SessionLayer::new(
            InMemSessionStore::new(),
            InMemConversationLock::new(),
        ))
        .layer(MenuLayer::new())
        .service(
            Router::new()
                .keyword(["order"], || async {
                    Buttons::builder("Cement x 100: ₹38,000")
                        .button("confirm", "Confirm")
                        .button("edit", "Edit")
                        .button("cancel", "Cancel")
                        .build()
                        .map_err(BoxError::from)
                })
                .keyword(["total"], || async { "₹38,000" })
                .keyword(["quiet"], || async {})
                .fallback(|choice: Option<Choice>, text: Option<Text>| async move {
                    match (choice, text) {
                        (Some(Choice(id)), _) => format!("choice {id}"),
                        (None, Some(Text(t))) => format!("text {t}"),
                        _ => "other".to_owned(),
                    }
                })
                .into_service(),
        )
}

fn from(provider: Provider, text: &str) -> InboundMessage {
    InboundMessage::new(
        provider,
        framework::doc::fresh_id(),
        framework::doc::key(),
        Content::Text {
            body: text.to_owned(),
        },
    )
}

async fn answer<S>(svc: &S, msg: InboundMessage) -> String
where
    S: tower::Service<InboundMessage, Response = Response> + Clone,
    S::Error: Into<BoxError>,
{
    let r = call(svc, msg).await.unwrap();
    r.replies()[0].body().unwrap().to_owned()
}

#[tokio::test]
async fn on_twilio_a_number_answers_the_numbered_menu() {
    let svc = bot();
    answer(&svc, from(Provider::Twilio, "order")).await;
    assert_eq!(
        answer(&svc, from(Provider::Twilio, "2")).await,
        "choice edit"
    );
    // The menu was answered: another "2" is just text.
    assert_eq!(answer(&svc, from(Provider::Twilio, "2")).await, "text 2");
}

#[tokio::test]
async fn an_answer_without_a_menu_forgets_the_old_menu() {
    // Regression (review finding 4): the summary's menu, then a question with
    // no menu; the customer's "2" answers the question, it must not cancel.
    let svc = bot();
    answer(&svc, from(Provider::Twilio, "order")).await;
    assert_eq!(
        answer(&svc, from(Provider::Twilio, "total")).await,
        "₹38,000"
    );
    assert_eq!(answer(&svc, from(Provider::Twilio, "2")).await, "text 2");
}

#[tokio::test]
async fn a_menu_answers_the_next_message_only_even_a_silent_one() {
    // Regression (second review, finding 5): a pick the bot answered with
    // nothing left the menu in place, and a later "2" picked again.
    let svc = bot();
    answer(&svc, from(Provider::Twilio, "order")).await;
    let silent = call(&svc, from(Provider::Twilio, "quiet")).await.unwrap();
    assert!(silent.replies().is_empty());
    assert_eq!(answer(&svc, from(Provider::Twilio, "3")).await, "text 3");
}

#[tokio::test]
async fn where_buttons_are_native_numbers_stay_text_but_titles_still_pick() {
    let svc = bot();
    answer(&svc, from(Provider::Meta, "order")).await;
    assert_eq!(
        answer(&svc, from(Provider::Meta, "cancel!")).await,
        "choice cancel"
    );
    answer(&svc, from(Provider::Meta, "order")).await;
    assert_eq!(answer(&svc, from(Provider::Meta, "2")).await, "text 2");
}

#[tokio::test]
async fn a_twilio_test_chat_taps_by_typing_the_number() {
    use framework::testing::TestChat;
    let mut chat = TestChat::new(bot()).with_provider(Provider::Twilio);
    chat.say("order").await;
    chat.tap("Edit").await.assert_text("choice edit");
}

#[tokio::test]
async fn out_of_range_numbers_are_text() {
    let svc = bot();
    answer(&svc, from(Provider::Twilio, "order")).await;
    assert_eq!(answer(&svc, from(Provider::Twilio, "4")).await, "text 4");
    assert_eq!(
        answer(&svc, from(Provider::Twilio, "100 bags")).await,
        "text 100 bags"
    );
}

#[tokio::test]
async fn without_a_session_it_is_a_clear_error() {
    let svc = MenuLayer::new().layer(tower::service_fn(|_m: InboundMessage| async {
        Ok::<_, BoxError>(Response::reply(Reply::text("x")))
    }));
    let err = call(&svc, from(Provider::Twilio, "1")).await.unwrap_err();
    assert!(err.to_string().contains("session layer"), "{err}");
}
