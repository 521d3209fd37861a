//! A `Transcript` reads like the conversation it checks. Every reply must be
//! accounted for, and a mismatch prints the conversation up to that point.

use example_testing_a_flow::pipeline;
use framework::testing::{TestChat, Transcript};

#[tokio::test]
async fn a_customer_changes_their_mind() {
    Transcript::new()
        .customer_says("menu")
        .bot_offers(&["Cement", "Sand", "Steel"])
        .customer_taps("Sand")
        .bot_says("How many tonnes of sand?")
        .customer_says("three")
        .bot_says_containing("Please send a number")
        .customer_says("3")
        .bot_says_containing("3 tonnes of sand")
        .customer_taps("Cancel")
        .bot_says("Cancelled. Say hi when you need something.")
        .run(&mut TestChat::new(pipeline()))
        .await;
}

#[tokio::test]
async fn hi_in_the_middle_of_an_order_starts_over() {
    Transcript::new()
        .customer_says("hi")
        .bot_says_containing("What do you need today?")
        .customer_taps("Cement")
        .bot_says("How many bags of cement?")
        .customer_says("hi")
        .bot_offers(&["Cement", "Sand", "Steel"])
        // Taps work by title or by button id.
        .customer_taps("steel")
        .bot_says("How many rods of steel?")
        .run(&mut TestChat::new(pipeline()))
        .await;
}
