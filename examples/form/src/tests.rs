//! Transcripts of the sign-up form: each rule of the form, as a customer
//! meets it.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use framework::clock::ManualClock;
use framework::testing::{TestChat, Transcript};

use super::*;

/// 2026-11-21T06:30:00Z.
const NOW_MS: i64 = 1_795_329_000_000;

const NAME: &str = "What's your name?";
const AGE: &str = "How old are you?";
const DAY: &str = "Which day should we deliver?";
const NOTE: &str = "Any note for the driver?\n(Send *skip* to leave this one out.)";
const DAYS_SHOWN: [&str; 3] = ["Monday", "Wednesday", "Saturday"];
const SUMMARY_BUTTONS: [&str; 3] = ["Confirm", "Edit", "Cancel"];

fn chat() -> TestChat<impl Pipeline> {
    chat_on(InMemSessionStore::new(), ManualClock::new(NOW_MS).clock())
}

fn chat_on(sessions: InMemSessionStore, clock: Clock) -> TestChat<impl Pipeline> {
    TestChat::new(pipeline(sessions, clock).expect("the form is valid"))
}

fn summary(name: &str, age: &str, day: &str, note: &str) -> String {
    format!(
        "Please check your answers:\n\n*Name:* {name}\n*Age:* {age}\n*Delivery day:* {day}\n*Note:* {note}"
    )
}

/// Name, age and day answered; the note question is waiting.
fn up_to_the_note() -> Transcript {
    Transcript::new()
        .customer_says("register")
        .bot_says(NAME)
        .customer_says("Asha")
        .bot_says(AGE)
        .customer_says("30")
        .bot_offers(&DAYS_SHOWN)
        .customer_taps("Saturday")
        .bot_says(NOTE)
}

#[tokio::test]
async fn a_customer_signs_up_and_confirms_the_summary() {
    up_to_the_note()
        .customer_says("Ring twice")
        .bot_says(&summary("Asha", "30", "Saturday", "Ring twice"))
        .customer_taps("Confirm")
        .bot_says("Thanks Asha (30), you're registered for deliveries on Saturday. Note for the driver: Ring twice.")
        // Done: the form no longer answers.
        .customer_says("hello")
        .bot_says("Hi! Send *register* to sign up for deliveries.")
        .run(&mut chat())
        .await;
}

#[tokio::test]
async fn a_refused_answer_is_asked_again_with_its_reason() {
    Transcript::new()
        .customer_says("register")
        .bot_says(NAME)
        .customer_says("A")
        .bot_says(&format!(
            "Please send between 2 and 40 characters.\n\n{NAME}"
        ))
        .customer_says("Asha")
        .bot_says(AGE)
        .customer_says("seventeen")
        .bot_says(&format!("Please send a whole number, like 18.\n\n{AGE}"))
        .customer_says("17")
        .bot_says(&format!("Please send a number from 18 to 120.\n\n{AGE}"))
        .customer_says("18")
        .bot_says(DAY)
        .customer_says("sunday")
        .bot_says(&format!("Please pick one of the options.\n\n{DAY}"))
        // Typing an option's title works as well as tapping it.
        .customer_says("wednesday")
        .bot_says(NOTE)
        .run(&mut chat())
        .await;
}

#[tokio::test]
async fn three_refused_answers_in_a_row_abandon_the_form() {
    let gave_up =
        "That's too many tries, so I've stopped the form. Send *register* to start again.";
    Transcript::new()
        .customer_says("register")
        .bot_says(NAME)
        .customer_says("Asha")
        .bot_says(AGE)
        .customer_says("5")
        .bot_says_containing("from 18 to 120")
        .customer_says("500")
        .bot_says_containing("from 18 to 120")
        .customer_says("5000")
        .bot_says(gave_up)
        // The form is gone; its start word starts it afresh.
        .customer_says("40")
        .bot_says("Hi! Send *register* to sign up for deliveries.")
        .customer_says("register")
        .bot_says(NAME)
        .run(&mut chat())
        .await;
}

#[tokio::test]
async fn back_goes_to_the_previous_question_and_keeps_later_answers() {
    Transcript::new()
        .customer_says("register")
        .bot_says(NAME)
        .customer_says("back")
        .bot_says(&format!("This is the first question.\n\n{NAME}"))
        .customer_says("Asha")
        .bot_says(AGE)
        .customer_says("30")
        .bot_offers(&DAYS_SHOWN)
        .customer_says("back")
        .bot_says(AGE)
        .customer_says("31")
        .bot_offers(&DAYS_SHOWN)
        .customer_taps("Monday")
        .bot_says(NOTE)
        .customer_says("skip")
        .bot_says(&summary("Asha", "31", "Monday", "(skipped)"))
        // From the summary, back is the last question.
        .customer_says("back")
        .bot_says(NOTE)
        .customer_says("Gate 2")
        .bot_says(&summary("Asha", "31", "Monday", "Gate 2"))
        .run(&mut chat())
        .await;
}

#[tokio::test]
async fn skip_leaves_out_an_optional_answer_only() {
    up_to_the_note()
        .customer_says("Skip")
        .bot_says(&summary("Asha", "30", "Saturday", "(skipped)"))
        .customer_taps("Confirm")
        .bot_says("Thanks Asha (30), you're registered for deliveries on Saturday.")
        .customer_says("register")
        .bot_says(NAME)
        .customer_says("skip")
        .bot_says(&format!("This one can't be skipped.\n\n{NAME}"))
        .run(&mut chat())
        .await;
}

#[tokio::test]
async fn cancel_stops_the_form_at_any_step() {
    let stopped = "Okay, I've stopped the form. Send *register* to start again.";
    up_to_the_note()
        .customer_says("cancel")
        .bot_says(stopped)
        .customer_says("register")
        .bot_says(NAME)
        .customer_says("Ravi")
        .bot_says(AGE)
        .customer_says("44")
        .bot_offers(&DAYS_SHOWN)
        .customer_taps("Monday")
        .bot_says(NOTE)
        .customer_says("skip")
        .bot_offers(&SUMMARY_BUTTONS)
        .customer_taps("Cancel")
        .bot_says(stopped)
        .run(&mut chat())
        .await;
}

#[tokio::test]
async fn edit_from_the_summary_answers_one_question_again() {
    up_to_the_note()
        .customer_says("skip")
        .bot_offers(&SUMMARY_BUTTONS)
        .customer_taps("Edit")
        .bot_offers(&["Name", "Age", "Delivery day", "Note"])
        .customer_taps("Delivery day")
        .bot_offers(&DAYS_SHOWN)
        .customer_taps("Wednesday")
        // Straight back to the summary, the other answers kept.
        .bot_says(&summary("Asha", "30", "Wednesday", "(skipped)"))
        .customer_says("hmm")
        .bot_says_containing("Please tap Confirm, Edit or Cancel.")
        .customer_taps("Confirm")
        .bot_says("Thanks Asha (30), you're registered for deliveries on Wednesday.")
        .run(&mut chat())
        .await;
}

#[tokio::test(start_paused = true)]
async fn a_form_left_alone_expires_and_says_so() {
    let clock = ManualClock::new(NOW_MS);
    let mut chat = chat_on(InMemSessionStore::new(), clock.clock());
    let wait = |by: Duration| {
        // Both clocks move: the form's wall clock and tokio's (the
        // in-memory stores' TTLs).
        clock.advance(by);
        tokio::time::advance(by)
    };
    Transcript::new()
        .customer_says("register")
        .bot_says(NAME)
        .customer_says("Asha")
        .bot_says(AGE)
        .run(&mut chat)
        .await;

    // Just inside the timeout: the form waits.
    wait(TIMEOUT).await;
    chat.say("30").await.assert_text(DAY);

    // Quiet for longer than the timeout.
    wait(TIMEOUT + Duration::from_secs(1)).await;
    Transcript::new()
        .customer_taps("Monday")
        .bot_says("Your form expired. Send *register* to start again.")
        .customer_says("register")
        .bot_says(NAME)
        .run(&mut chat)
        .await;
}

#[tokio::test]
async fn the_answers_survive_a_restart_with_the_same_session_store() {
    let sessions = InMemSessionStore::new();
    let clock = ManualClock::new(NOW_MS);
    Transcript::new()
        .customer_says("register")
        .bot_says(NAME)
        .customer_says("Asha")
        .bot_says(AGE)
        .run(&mut chat_on(sessions.clone(), clock.clock()))
        .await;

    // A new process: a new pipeline (stores, routes, the form) on the
    // session store the first one wrote.
    Transcript::new()
        .customer_says("30")
        .bot_offers(&DAYS_SHOWN)
        .customer_taps("Saturday")
        .bot_says(NOTE)
        .customer_says("skip")
        .bot_says(&summary("Asha", "30", "Saturday", "(skipped)"))
        .run(&mut chat_on(sessions, clock.clock()))
        .await;
}
