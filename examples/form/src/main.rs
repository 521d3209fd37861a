//! Run with `cargo run -p example-form` and fill the form in the terminal
//! (type a button's number to tap it).
//!
//! A sign-up for deliveries as a [`Form`]: each question's answer is parsed
//! and checked (a refused one is asked again with the reason), *back*,
//! *skip* and *cancel* work at any question, a summary lets the customer
//! confirm or edit, and the answers reach the handler as a [`Signup`].
//!
//! ```text
//! you> register
//! bot> What's your name?
//! you> Asha
//! bot> How old are you?
//! you> 12
//! bot> Please send a number from 18 to 120.
//!
//!      How old are you?
//! you> 30
//! bot> Which day should we deliver?
//!      [1] Monday
//!      [2] Wednesday
//!      [3] Saturday
//! you> 3
//! bot> Any note for the driver?
//!      (Send *skip* to leave this one out.)
//! you> skip
//! bot> Please check your answers:
//!
//!      *Name:* Asha
//!      *Age:* 30
//!      *Delivery day:* Saturday
//!      *Note:* (skipped)
//!      [1] Confirm
//!      [2] Edit
//!      [3] Cancel
//! you> 1
//! bot> Thanks Asha (30), you're registered for deliveries on Saturday.
//! ```

use std::time::Duration;

use framework::ServiceBuilderExt;
use framework::clock::Clock;
use framework::dedup::InMemSeenStore;
use framework::form::{Answers, Field, Form, FormError};
use framework::handler::Router;
use framework::local::Terminal;
use framework::pipeline::Pipeline;
use framework::session::{InMemConversationLock, InMemSessionStore};
use serde::Deserialize;
use tower::ServiceBuilder;

#[cfg(test)]
mod tests;

/// How long the form waits for an answer.
const TIMEOUT: Duration = Duration::from_secs(15 * 60);

/// The form's answers, as the handler gets them.
#[derive(Debug, Clone, Deserialize)]
struct Signup {
    name: String,
    age: i64,
    day: String,
    note: Option<String>,
}

/// The delivery days: the answer's value and the option's title.
const DAYS: [(&str, &str); 3] = [
    ("Monday", "Monday"),
    ("Wednesday", "Wednesday"),
    ("Saturday", "Saturday"),
];

fn signup(clock: Clock) -> Result<Form<Signup>, FormError> {
    Form::builder("signup")
        .start_on(["register"])
        .field(Field::text("name", "What's your name?").length(2..=40))
        .field(Field::number("age", "How old are you?").range(18..=120))
        .field(Field::one_of("day", "Which day should we deliver?", DAYS).label("Delivery day"))
        .field(Field::text("note", "Any note for the driver?").optional())
        .summary()
        .expire_after(TIMEOUT)
        .clock(clock)
        .build()
}

/// The finished form.
async fn registered(Answers(s): Answers<Signup>) -> String {
    let note = s
        .note
        .map(|n| format!(" Note for the driver: {n}."))
        .unwrap_or_default();
    format!(
        "Thanks {} ({}), you're registered for deliveries on {}.{note}",
        s.name, s.age, s.day
    )
}

/// The pipeline, with sessions (and so the form's answers) kept in `sessions`.
fn pipeline(sessions: InMemSessionStore, clock: Clock) -> Result<impl Pipeline, FormError> {
    let router = Router::new()
        .form(signup(clock)?, registered)
        .fallback(|| async { "Hi! Send *register* to sign up for deliveries." })
        .into_service();
    Ok(ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .session(sessions, InMemConversationLock::new())
        .menus()
        .service(router))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    Terminal::pipeline(pipeline(InMemSessionStore::new(), Clock::system())?)
        .run(stdin, tokio::io::stdout())
        .await?;
    Ok(())
}
