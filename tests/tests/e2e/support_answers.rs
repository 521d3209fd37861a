//! Support answers through the bot with a language model behind a fake
//! OpenAI-compatible server: a good answer is sent; an off-topic one, a
//! slow one, a failing one never reach the customer (the FAQ's best answer
//! or the offer of a person instead, never an apology); failures open the
//! `llm` breaker so the model is not asked again meanwhile; a question the
//! FAQ answers well never asks the model.

use std::sync::Arc;
use std::time::Duration;

use infra_providers::testing::{FAKE_LLM_MODEL, FakeLlm, LlmMode, OFF_TOPIC_PROSE};

use crate::support::{Bot, spawn_bot_with};

/// In the demo FAQ's range but not close to any of its questions: the
/// model is asked, with the delivery entry in its context.
const PARTIAL: &str = "is delivery free for a small order to my site";

const MODEL_ANSWER: &str = "Delivery is free above ₹5,000; a small order pays ₹300.";

async fn bot_with(llm: &FakeLlm) -> Bot {
    let url = llm.base_url();
    spawn_bot_with(move |s| {
        s.llm.url = Some(url);
        s.llm.model = Some(FAKE_LLM_MODEL.to_owned());
        s.llm.timeout = Duration::from_millis(500);
    })
    .await
}

/// What the customer gets when the model's answer is not used: the FAQ's
/// best answer (the delivery entry) or the offer of a person, never an
/// apology.
fn no_apology(answer: &str) {
    assert!(!answer.contains("went wrong"), "never an error: {answer}");
    assert!(
        answer.contains("within 40 km") || answer.contains("talk to a person"),
        "the FAQ's best answer or a person: {answer}"
    );
}

#[tokio::test]
async fn the_model_answers_what_the_faq_half_knows_and_its_failures_never_reach_the_customer() {
    let llm = Arc::new(FakeLlm::start().await);
    let bot = bot_with(&llm).await;

    // A good answer, based on an entry it was given: sent as it is.
    llm.set_mode(LlmMode::Reply(
        serde_json::json!({"answer": MODEL_ANSWER, "sources": ["delivery"], "on_topic": true})
            .to_string(),
    ));
    let answered = bot.ask_twilio(PARTIAL).await;
    assert_eq!(answered, MODEL_ANSWER);
    let asked = llm.requests();
    assert_eq!(asked.len(), 1, "the model was asked once");
    assert_eq!(asked[0].model(), Some(FAKE_LLM_MODEL));
    let system = asked[0].system().unwrap_or_default();
    assert!(
        system.contains("40 km"),
        "the FAQ is the model's context: {system}"
    );

    // Off-topic prose: refused by the guard, never sent.
    llm.set_mode(LlmMode::OffTopic);
    let refused = bot.ask_twilio(PARTIAL).await;
    assert!(!refused.contains(OFF_TOPIC_PROSE), "{refused}");
    no_apology(&refused);
    // On topic but based on no entry it was given: refused too.
    llm.set_mode(LlmMode::Reply(
        serde_json::json!({"answer": "We also fix roofs.", "sources": ["roofing"], "on_topic": true})
            .to_string(),
    ));
    let unsourced = bot.ask_twilio(PARTIAL).await;
    assert!(!unsourced.contains("fix roofs"), "{unsourced}");
    no_apology(&unsourced);

    // Slower than the deadline: the customer still gets an answer, not the
    // model's.
    llm.set_mode(LlmMode::Slow {
        delay: Duration::from_secs(3),
        reply: serde_json::json!({"answer": "late", "sources": ["delivery"], "on_topic": true})
            .to_string(),
    });
    let slow = bot.ask_twilio(PARTIAL).await;
    assert!(!slow.contains("late"), "{slow}");
    no_apology(&slow);

    // Down: every answer still comes; after five failures in a row the
    // breaker stops asking.
    llm.set_mode(LlmMode::Fail);
    let before = llm.requests().len();
    for _ in 0..7 {
        no_apology(&bot.ask_twilio(PARTIAL).await);
    }
    let tried = llm.requests().len() - before;
    assert!(
        tried < 7,
        "the open breaker spares the model: {tried} calls for 7 questions"
    );

    // Nothing to ask about: the old "didn't understand", not a person.
    let emoji = bot.ask_twilio("??").await;
    assert!(!emoji.contains("talk to a person"), "{emoji}");

    // A question the FAQ answers well never asks the model.
    let before = llm.requests().len();
    let hours = bot.ask_twilio("What are your opening hours?").await;
    assert!(hours.contains("9 am to 7 pm"), "{hours}");
    assert_eq!(llm.requests().len(), before);

    bot.stop().await;
}
