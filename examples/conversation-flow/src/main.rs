//! Run with `cargo run -p example-conversation-flow` and chat in the terminal
//! (type a button's number to tap it).
//!
//! Booking a delivery slot as a typed state machine: the steps are the
//! variants of an enum ([`Booking`]), each step has its own handler, routed
//! with `Router::on_state` (which hands the handler the step's fields as a
//! `Step`, so no handler matches the state again), and the state lives in
//! the session between messages.
//!
//! ```text
//! you> hi
//! bot> Hi! Let's book a delivery slot for your order. Which day suits you? Tap one, or type a weekday.
//!      [1] Today
//!      [2] Tomorrow
//! you> fri
//! bot> Friday it is. Which time suits you?
//!      [1] 9:00-12:00
//!      [2] 12:00-15:00
//!      [3] 15:00-18:00
//! you> 1
//! bot> Deliver on Friday, 9:00-12:00?
//!      [1] Confirm
//!      [2] Cancel
//! you> 1
//! bot> Booked: Friday, 9:00-12:00. The driver will call you 30 minutes before.
//! ```

use framework::InboundMessage;
use framework::ServiceBuilderExt;
use framework::conversation::{Conversation, FlowState};
use framework::dedup::InMemSeenStore;
use framework::handler::{Choice, ProfileName, Router, RouterService, Step};
use framework::local::Terminal;
use framework::pipeline::Pipeline;
use framework::reply::{Buttons, Reply, ReplyError};
use framework::session::{InMemConversationLock, InMemSessionStore};
use serde::{Deserialize, Serialize};
use tower::ServiceBuilder;

/// Where the customer is in booking a delivery.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
enum Booking {
    /// No booking in progress.
    #[default]
    Idle,
    /// We asked which day.
    AskingDay,
    /// We offered the day's time slots.
    ChoosingSlot { day: String },
    /// We asked the customer to confirm.
    Confirming { day: String, slot: Slot },
}

/// What each step's handler gets from the state: the router calls these to
/// pick the route and hands the result to the handler.
impl Booking {
    fn idle(&self) -> Option<()> {
        matches!(self, Self::Idle).then_some(())
    }

    fn asking_day(&self) -> Option<()> {
        matches!(self, Self::AskingDay).then_some(())
    }

    fn choosing_slot(&self) -> Option<String> {
        match self {
            Self::ChoosingSlot { day } => Some(day.clone()),
            _ => None,
        }
    }

    fn confirming(&self) -> Option<(String, Slot)> {
        match self {
            Self::Confirming { day, slot } => Some((day.clone(), *slot)),
            _ => None,
        }
    }
}

/// The state is stored as `{"version": 2, "state": ...}`. A deploy that changes
/// the enum bumps `VERSION`; `migrate` carries the states customers are in
/// over to the new shape (without it, they would start over).
impl FlowState for Booking {
    /// Version 1 called the day `date` and the first step `AskingDate`.
    const VERSION: u32 = 2;

    fn migrate(from_version: u32, stored: framework::serde_json::Value) -> Option<Self> {
        if from_version != 1 {
            return None;
        }
        Some(match BookingV1::deserialize(stored).ok()? {
            BookingV1::Idle => Self::Idle,
            BookingV1::AskingDate => Self::AskingDay,
            BookingV1::ChoosingSlot { date } => Self::ChoosingSlot { day: date },
            BookingV1::Confirming { date, slot } => Self::Confirming { day: date, slot },
        })
    }
}

/// [`Booking`] as version 1 stored it, kept to read the states saved before
/// the deploy that renamed `date` to `day`.
#[derive(Deserialize)]
enum BookingV1 {
    Idle,
    AskingDate,
    ChoosingSlot { date: String },
    Confirming { date: String, slot: Slot },
}

/// A delivery window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Slot {
    Morning,
    Midday,
    Afternoon,
}

impl Slot {
    const ALL: [Self; 3] = [Self::Morning, Self::Midday, Self::Afternoon];

    /// The button id.
    fn id(self) -> &'static str {
        match self {
            Self::Morning => "morning",
            Self::Midday => "midday",
            Self::Afternoon => "afternoon",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Self::Morning => "9:00-12:00",
            Self::Midday => "12:00-15:00",
            Self::Afternoon => "15:00-18:00",
        }
    }

    fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }
}

const DAYS: [&str; 8] = [
    "today",
    "tomorrow",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

/// The day the customer means ("fri", "Friday", a tap on "Tomorrow"), or what
/// to tell them.
fn parse_day(answer: &str) -> Result<String, &'static str> {
    let answer = answer.trim().to_lowercase();
    if answer.starts_with("sun") {
        return Err("We don't deliver on Sundays. Which other day suits you?");
    }
    let day = DAYS
        .into_iter()
        .find(|day| answer.len() >= 3 && day.starts_with(answer.as_str()))
        .ok_or("Sorry, I didn't get that day. Tap Today or Tomorrow, or type a weekday like \"Friday\".")?;
    let (first, rest) = day.split_at(1);
    Ok(format!("{}{rest}", first.to_uppercase()))
}

fn slot_menu(body: String) -> Result<Buttons, ReplyError> {
    Slot::ALL
        .into_iter()
        .fold(Buttons::builder(body), |menu, slot| {
            menu.button(slot.id(), slot.title())
        })
        .build()
}

/// "today", "tomorrow" or "on Friday".
fn when(day: &str) -> String {
    match day {
        "Today" | "Tomorrow" => day.to_lowercase(),
        weekday => format!("on {weekday}"),
    }
}

fn confirm_menu(day: &str, slot: Slot) -> Result<Buttons, ReplyError> {
    Buttons::builder(format!("Deliver {}, {}?", when(day), slot.title()))
        .button("confirm", "Confirm")
        .button("cancel", "Cancel")
        .build()
}

/// `Idle`: greet and ask for the day.
async fn start(
    flow: Conversation<Booking>,
    ProfileName(name): ProfileName,
) -> Result<Buttons, ReplyError> {
    flow.update(Booking::AskingDay);
    let hello = name.map_or_else(|| "Hi!".to_owned(), |name| format!("Hi {name}!"));
    Buttons::builder(format!(
        "{hello} Let's book a delivery slot for your order. Which day suits you? Tap one, or type a weekday."
    ))
    .button("today", "Today")
    .button("tomorrow", "Tomorrow")
    .build()
}

/// `AskingDay`: a tapped or typed day; offer its slots.
async fn choose_day(flow: Conversation<Booking>, msg: InboundMessage) -> Result<Reply, ReplyError> {
    let answer = msg.choice_id().or(msg.text()).unwrap_or_default();
    match parse_day(answer) {
        Ok(day) => {
            let menu = slot_menu(format!("{day} it is. Which time suits you?"))?;
            flow.update(Booking::ChoosingSlot { day });
            Ok(menu.into())
        }
        Err(why) => Ok(Reply::text(why)),
    }
}

/// `ChoosingSlot`: a tapped slot; ask to confirm. Anything else gets the slots
/// again (the customer may have typed instead of tapping).
async fn choose_slot(
    Step(day): Step<String>,
    flow: Conversation<Booking>,
    choice: Option<Choice>,
) -> Result<Buttons, ReplyError> {
    let Some(slot) = choice.and_then(|Choice(id)| Slot::from_id(&id)) else {
        return slot_menu("Please tap one of the times below.".to_owned());
    };
    let menu = confirm_menu(&day, slot)?;
    flow.update(Booking::Confirming { day, slot });
    Ok(menu)
}

/// `Confirming`: "Confirm" books and ends the flow ("Cancel" is routed to
/// [`cancel`] before the states).
async fn confirm(
    Step((day, slot)): Step<(String, Slot)>,
    flow: Conversation<Booking>,
    choice: Option<Choice>,
) -> Result<Reply, ReplyError> {
    if choice.is_none_or(|Choice(id)| id != "confirm") {
        return Ok(confirm_menu(&day, slot)?.into());
    }
    flow.exit();
    Ok(Reply::text(format!(
        "Booked: {day}, {}. The driver will call you 30 minutes before.",
        slot.title()
    )))
}

/// Any state: give up the booking.
async fn cancel(flow: Conversation<Booking>) -> &'static str {
    if flow.with(|state| *state == Booking::Idle) {
        return "There's no booking in progress. Say hi to start one.";
    }
    flow.exit();
    "Okay, I've cancelled the booking. Say hi to start again."
}

fn router() -> RouterService<()> {
    Router::new()
        // In every state: give up.
        .keyword(["cancel", "stop"], cancel)
        .choice(["cancel"], cancel)
        // One handler per state, given that state's fields.
        .on_state(Booking::idle, start)
        .on_state(Booking::asking_day, choose_day)
        .on_state(Booking::choosing_slot, choose_slot)
        .on_state(Booking::confirming, confirm)
        .into_service()
}

/// The pipeline, with sessions (and so the booking state) kept in `sessions`.
fn pipeline(sessions: InMemSessionStore) -> impl Pipeline {
    ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .session(sessions, InMemConversationLock::new())
        .conversation::<Booking>()
        .service(router())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    Terminal::pipeline(pipeline(InMemSessionStore::new()))
        .run(stdin, tokio::io::stdout())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use framework::Content;
    use framework::conversation::DEFAULT_SESSION_KEY;
    use framework::serde_json::json;
    use framework::session::{FencingToken, SessionStore};
    use framework::testing::{TestChat, Transcript};

    use super::*;

    const SLOTS: [&str; 3] = ["9:00-12:00", "12:00-15:00", "15:00-18:00"];

    fn chat() -> TestChat<impl Pipeline> {
        TestChat::new(pipeline(InMemSessionStore::new()))
    }

    #[tokio::test]
    async fn a_customer_books_a_slot_by_tapping_buttons() {
        Transcript::new()
            .customer_says("hi")
            .bot_offers(&["Today", "Tomorrow"])
            .customer_taps("Tomorrow")
            .bot_offers(&SLOTS)
            .customer_taps("9:00-12:00")
            .bot_offers(&["Confirm", "Cancel"])
            .customer_taps("Confirm")
            .bot_says("Booked: Tomorrow, 9:00-12:00. The driver will call you 30 minutes before.")
            // The flow exited: the next message starts over.
            .customer_says("hi")
            .bot_offers(&["Today", "Tomorrow"])
            .run(&mut chat())
            .await;
    }

    #[tokio::test]
    async fn a_typed_weekday_is_understood_and_sunday_is_refused() {
        let mut chat = chat();
        chat.say("hi")
            .await
            .assert_contains("Hi Asha! Let's book a delivery slot");

        chat.say("Sunday")
            .await
            .assert_text("We don't deliver on Sundays. Which other day suits you?");
        chat.say("next week")
            .await
            .assert_contains("I didn't get that day");
        chat.say("fri")
            .await
            .assert_text("Friday it is. Which time suits you?")
            .assert_options(&SLOTS);
    }

    #[tokio::test]
    async fn typing_instead_of_tapping_offers_the_buttons_again() {
        let mut chat = chat();
        chat.say("hi").await;
        chat.tap("Today").await;

        chat.say("morning please")
            .await
            .assert_text("Please tap one of the times below.")
            .assert_options(&SLOTS);
        chat.tap("12:00-15:00")
            .await
            .assert_text("Deliver today, 12:00-15:00?");
    }

    #[tokio::test]
    async fn cancel_ends_the_booking_at_any_step() {
        let mut chat = chat();
        chat.say("hi").await;
        chat.tap("Tomorrow").await;
        chat.tap("15:00-18:00").await;

        chat.tap("Cancel")
            .await
            .assert_text("Okay, I've cancelled the booking. Say hi to start again.");
        chat.say("cancel")
            .await
            .assert_text("There's no booking in progress. Say hi to start one.");
    }

    #[test]
    fn version_1_states_are_migrated() {
        assert_eq!(
            Booking::migrate(1, json!({ "ChoosingSlot": { "date": "Friday" } })),
            Some(Booking::ChoosingSlot {
                day: "Friday".to_owned()
            })
        );
        assert_eq!(
            Booking::migrate(1, json!("AskingDate")),
            Some(Booking::AskingDay)
        );
        assert_eq!(
            Booking::migrate(1, json!("NoSuchStep")),
            None,
            "starts over"
        );
    }

    #[tokio::test]
    async fn a_booking_saved_before_the_deploy_continues_after_it() {
        // Arrange: the session of a customer who was choosing a slot when
        // version 1 was running.
        let sessions = InMemSessionStore::new();
        let mut chat = TestChat::new(pipeline(sessions.clone()));
        let stored = json!({
            DEFAULT_SESSION_KEY: { "version": 1, "state": { "ChoosingSlot": { "date": "Friday" } } }
        });
        sessions
            .save(
                &chat.key().storage_key(),
                stored.to_string().as_bytes(),
                Duration::from_secs(3600),
                FencingToken::new(0),
            )
            .await
            .unwrap();

        // Act: they tap a slot of the menu version 1 sent them.
        let turn = chat
            .send(Content::ButtonReply {
                id: "morning".to_owned(),
                title: "9:00-12:00".to_owned(),
            })
            .await;

        // Assert
        turn.assert_text("Deliver on Friday, 9:00-12:00?");
    }
}
