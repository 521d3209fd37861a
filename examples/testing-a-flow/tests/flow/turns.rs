//! `TestChat` sends messages straight into the pipeline (no HTTP, no
//! provider); every message gets a fresh id, and each answer is a `Turn` with
//! assertions that print the whole answer when they fail.

use example_testing_a_flow::pipeline;
use framework::Outcome;
use framework::testing::TestChat;

#[tokio::test]
async fn an_order_takes_two_taps_and_a_number() {
    // Arrange
    let mut chat = TestChat::new(pipeline());

    // Act / Assert, turn by turn.
    chat.say("hi")
        .await
        .assert_text("Hi Asha! What do you need today?")
        .assert_options(&["Cement", "Sand", "Steel"]);
    chat.tap("Cement")
        .await
        .assert_text("How many bags of cement?");
    chat.say("20")
        .await
        .assert_text("20 bags of cement. Shall I place the order?")
        .assert_options(&["Place order", "Cancel"]);
    chat.tap("Place order")
        .await
        .assert_outcome(Outcome::Handled)
        .assert_contains("Order placed: 20 bags of cement");
}

#[tokio::test]
async fn a_quantity_that_is_not_a_number_is_asked_again() {
    let mut chat = TestChat::new(pipeline());
    chat.say("hi").await;
    chat.tap("Steel").await;

    chat.say("a lot")
        .await
        .assert_text("Please send a number from 1 to 1000, like 20.");
    chat.say("5000").await.assert_contains("from 1 to 1000");
    chat.say("12").await.assert_contains("12 rods of steel");
}

#[tokio::test]
async fn a_provider_retry_is_not_answered_twice() {
    let mut chat = TestChat::new(pipeline());
    chat.say("hi").await.assert_outcome(Outcome::Handled);

    // `resend` delivers the same message (same id) again, as Twilio or Meta
    // do when they did not get our 200 in time.
    chat.resend()
        .await
        .assert_outcome(Outcome::Duplicate)
        .assert_no_reply();
}

#[tokio::test]
async fn each_customer_has_a_conversation_of_their_own() {
    // Arrange: two chats with one pipeline (and so the same stores).
    let bot = pipeline();
    let mut asha = TestChat::new(bot.clone());
    let mut ravi = TestChat::new(bot).with_customer("+919800000002");

    // Act
    asha.say("hi").await;
    asha.tap("Sand").await;
    let ravis_turn = ravi.say("3").await;
    let ashas_turn = asha.say("3").await;

    // Assert: Ravi's "3" is not an answer to Asha's question.
    ravis_turn.assert_contains("What do you need today?");
    ashas_turn.assert_contains("3 tonnes of sand");
}

#[tokio::test]
async fn a_tap_on_an_older_message_still_counts() {
    // On WhatsApp the customer can still tap the buttons of an earlier
    // message; `tap` offers the options of the last answer that had some.
    let mut chat = TestChat::new(pipeline());
    chat.say("hi").await;
    chat.tap("Cement")
        .await
        .assert_text("How many bags of cement?");

    let turn = chat.tap("Sand").await;

    turn.assert_text("How many tonnes of sand?");
}
