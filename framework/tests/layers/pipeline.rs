//! The whole stack, written top to bottom in one `ServiceBuilder`.

use framework::conversation::{Conversation, FlowState};
use framework::dedup::InMemSeenStore;
use framework::handler::{Router, Text};
use framework::rate_limit::{InMemRateStore, RateLimitConfig};
use framework::reply::Buttons;
use framework::session::{InMemConversationLock, InMemSessionStore};
use framework::testing::{TestChat, Transcript};
use framework::{BoxError, Outcome, ServiceBuilderExt};
use serde::{Deserialize, Serialize};
use tower::ServiceBuilder;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
enum Flow {
    #[default]
    Idle,
    Confirming {
        item: String,
    },
}

impl FlowState for Flow {}

async fn order(Text(item): Text, flow: Conversation<Flow>) -> Result<Buttons, BoxError> {
    flow.update(Flow::Confirming { item: item.clone() });
    Ok(Buttons::builder(format!("Order {item}?"))
        .button("confirm", "Confirm")
        .button("cancel", "Cancel")
        .build()?)
}

async fn confirm(flow: Conversation<Flow>) -> String {
    let Flow::Confirming { item } = flow.get() else {
        return "Nothing to confirm.".to_owned();
    };
    flow.exit();
    format!("Order confirmed: {item}")
}

async fn cancel(flow: Conversation<Flow>) -> &'static str {
    flow.exit();
    "Cancelled."
}

fn bot() -> impl tower::Service<
    framework::InboundMessage,
    Response = framework::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone
+ Send
+ Sync {
    ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .conversation_rate_limit(InMemRateStore::new(), RateLimitConfig::default())
        .session(InMemSessionStore::new(), InMemConversationLock::new())
        .conversation::<Flow>()
        .service(
            Router::new()
                .keyword(["hi", "menu"], || async {
                    "Send an order like \"Cement x 100\"."
                })
                .choice(["confirm"], confirm)
                .choice(["cancel"], cancel)
                .keyword(["fail"], || async {
                    Err::<String, BoxError>("database unreachable".into())
                })
                .fallback(order)
                .into_service(),
        )
}

#[tokio::test]
async fn a_conversation_through_every_layer() {
    let mut chat = TestChat::new(bot());
    Transcript::new()
        .customer_says("hi")
        .bot_says("Send an order like \"Cement x 100\".")
        .customer_says("Cement x 100")
        .bot_says("Order Cement x 100?")
        .customer_taps("Confirm")
        .bot_says("Order confirmed: Cement x 100")
        .customer_says("Sand x 5")
        .bot_offers(&["Confirm", "Cancel"])
        .customer_taps("Cancel")
        .bot_says("Cancelled.")
        .run(&mut chat)
        .await;
}

#[tokio::test]
async fn a_retry_is_answered_once_and_a_failure_politely() {
    let mut chat = TestChat::new(bot());
    chat.say("Cement x 100")
        .await
        .assert_outcome(Outcome::Handled);
    chat.resend()
        .await
        .assert_outcome(Outcome::Duplicate)
        .assert_no_reply();
    chat.say("fail")
        .await
        .assert_outcome(Outcome::Failed)
        .assert_contains("Sorry");
    // The failure left the flow where it was.
    chat.tap("Confirm")
        .await
        .assert_text("Order confirmed: Cement x 100");
}

#[tokio::test]
#[should_panic(expected = "transcript mismatch")]
async fn a_wrong_transcript_fails() {
    let mut chat = TestChat::new(bot());
    Transcript::new()
        .customer_says("hi")
        .bot_says("Something else entirely")
        .run(&mut chat)
        .await;
}

#[tokio::test]
#[should_panic(expected = "the bot also said")]
async fn an_unexpected_extra_reply_fails_the_transcript() {
    let mut chat = TestChat::new(bot());
    Transcript::new().customer_says("hi").run(&mut chat).await;
}
