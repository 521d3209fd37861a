//! The in-memory stores read tokio's clock. On a paused clock
//! (`start_paused = true`) `tokio::time::advance` moves it: a 30-minute
//! session TTL or a one-minute rate window takes no time to test, and no test
//! ever sleeps.

use std::time::Duration;

use example_testing_a_flow::{MESSAGES_PER_MINUTE, SESSION_TTL, pipeline};
use framework::Outcome;
use framework::testing::TestChat;

const ONE_SECOND: Duration = Duration::from_secs(1);

#[tokio::test(start_paused = true)]
async fn a_half_finished_order_is_forgotten_after_the_session_ttl() {
    // Arrange: an order waiting for confirmation.
    let mut chat = TestChat::new(pipeline());
    chat.say("hi").await;
    chat.tap("Cement").await;

    // Just under the TTL: the conversation is remembered (and each message
    // restarts its TTL).
    tokio::time::advance(SESSION_TTL - ONE_SECOND).await;
    chat.say("20")
        .await
        .assert_contains("20 bags of cement. Shall I place the order?");

    // Act: quiet for longer than the TTL, then a tap on the old button.
    tokio::time::advance(SESSION_TTL + ONE_SECOND).await;
    let turn = chat.tap("Place order").await;

    // Assert: the order is gone; the bot starts over.
    turn.assert_text("Hi Asha! What do you need today?");
}

#[tokio::test(start_paused = true)]
async fn the_rate_limit_warns_once_per_window_and_then_lets_messages_through_again() {
    let mut chat = TestChat::new(pipeline());
    for _ in 0..MESSAGES_PER_MINUTE {
        chat.say("hi").await.assert_outcome(Outcome::Handled);
    }

    // Over the limit: one notice, then silence.
    chat.say("hi")
        .await
        .assert_outcome(Outcome::RateLimited)
        .assert_contains("faster than I can answer");
    chat.say("hi")
        .await
        .assert_outcome(Outcome::RateLimited)
        .assert_no_reply();

    // A minute later the budget is back.
    tokio::time::advance(Duration::from_secs(60)).await;
    chat.say("hi")
        .await
        .assert_outcome(Outcome::Handled)
        .assert_contains("What do you need today?");
}
