//! Run with `cargo run -p example-custom-layer` and chat in the terminal;
//! `NOW=21:30 cargo run -p example-custom-layer` pretends it is 21:30.
//!
//! A shop bot whose pipeline includes a layer of our own,
//! [`OpeningHoursLayer`] (in `src/lib.rs`): outside 9:00–18:00 (India time)
//! it answers every message itself, and the handlers never run.
//!
//! ```text
//! $ NOW=10:00 cargo run -p example-custom-layer
//! you> hi
//! bot> Welcome to Sharma Traders! Send "order" and what you need, e.g. "order cement x 100".
//! you> order cement x 100
//! bot> Noted: cement x 100. We'll send the price shortly.
//! you> stock
//! bot> Sorry, something went wrong on our side. Please try again in a moment.
//!
//! $ NOW=21:30 cargo run -p example-custom-layer
//! you> hi
//! bot> We're closed, back at 9:00.
//! ```
//!
//! ("stock" stands for a handler whose backend is down: its error still
//! becomes the apology of `handle_errors`, through our layer.)

use std::io::IsTerminal as _;

use anyhow::Context as _;
use example_custom_layer::{Clock, OpeningHoursConfig, OpeningHoursLayer, SystemClock, TimeOfDay};
use framework::dedup::InMemSeenStore;
use framework::handler::{Router, Text};
use framework::local::Terminal;
use framework::pipeline::Pipeline;
use framework::rate_limit::{InMemRateStore, RateLimitConfig};
use framework::{BoxError, ServiceBuilderExt};
use tower::ServiceBuilder;

/// The shop is in India: UTC+5:30.
const SHOP_UTC_OFFSET_MINUTES: i32 = 5 * 60 + 30;

async fn menu() -> &'static str {
    "Welcome to Sharma Traders! Send \"order\" and what you need, e.g. \"order cement x 100\"."
}

async fn order(Text(text): Text) -> String {
    let wanted = text.trim().get("order".len()..).unwrap_or_default().trim();
    format!("Noted: {wanted}. We'll send the price shortly.")
}

/// Stands for a handler whose backend (an inventory service) is down.
async fn stock() -> Result<String, BoxError> {
    Err("the inventory service did not answer".into())
}

async fn fallback() -> &'static str {
    "Say \"menu\" to see what I can do."
}

/// The whole pipeline, outermost layer first, with the opening hours read
/// from `clock`.
fn pipeline(clock: impl Clock) -> impl Pipeline {
    ServiceBuilder::new()
        .trace()
        .handle_errors()
        .dedup(InMemSeenStore::new())
        .conversation_rate_limit(InMemRateStore::new(), RateLimitConfig::default())
        // Our layer: inside dedup and the rate limit, outside the handlers.
        .layer(OpeningHoursLayer::new(OpeningHoursConfig::default(), clock))
        .service(
            Router::new()
                .keyword(["hi", "hello", "menu"], menu)
                .prefix(["order"], order)
                .keyword(["stock"], stock)
                .fallback(fallback)
                .into_service(),
        )
}

/// Parses `HH:MM`.
fn parse_time(text: &str) -> anyhow::Result<TimeOfDay> {
    let (hour, minute) = text.split_once(':').context("expected HH:MM")?;
    Ok(TimeOfDay::new(hour.trim().parse()?, minute.trim().parse()?))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // Logs go to stderr: errors by default (the failed "stock" turn and its
    // cause), every turn with `RUST_LOG=info`.
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let pretend = match std::env::var("NOW") {
        Ok(now) => Some(parse_time(&now).with_context(|| format!("NOW={now}"))?),
        Err(_) => None,
    };
    let system = SystemClock::default().with_utc_offset_minutes(SHOP_UTC_OFFSET_MINUTES);
    let clock = move || pretend.unwrap_or_else(|| system.now());

    let stdin = tokio::io::BufReader::new(tokio::io::stdin());
    Terminal::pipeline(pipeline(clock))
        .run(stdin, tokio::io::stdout())
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use framework::Outcome;
    use framework::testing::TestChat;

    use super::*;

    /// A clock the test can move, shared with the pipeline.
    fn movable_clock(hour: u8, minute: u8) -> (Arc<Mutex<TimeOfDay>>, impl Clock) {
        let now = Arc::new(Mutex::new(TimeOfDay::new(hour, minute)));
        let read = Arc::clone(&now);
        (now, move || *read.lock().unwrap())
    }

    #[tokio::test]
    async fn outside_opening_hours_every_message_gets_the_closed_notice() {
        let mut chat = TestChat::new(pipeline(|| TimeOfDay::new(21, 30)));

        chat.say("hi")
            .await
            .assert_outcome(Outcome::Handled)
            .assert_text("We're closed, back at 9:00.");
        // Even a handler that would fail does not run.
        chat.say("stock")
            .await
            .assert_text("We're closed, back at 9:00.");
    }

    #[tokio::test]
    async fn during_opening_hours_messages_reach_the_handlers() {
        let mut chat = TestChat::new(pipeline(|| TimeOfDay::new(10, 0)));

        chat.say("hi")
            .await
            .assert_contains("Welcome to Sharma Traders");
        chat.say("order cement x 100")
            .await
            .assert_text("Noted: cement x 100. We'll send the price shortly.");
    }

    #[tokio::test]
    async fn a_failing_handler_still_gets_the_apology_through_the_layer() {
        let mut chat = TestChat::new(pipeline(|| TimeOfDay::new(10, 0)));

        chat.say("stock")
            .await
            .assert_outcome(Outcome::Failed)
            .assert_text("Sorry, something went wrong on our side. Please try again in a moment.");
    }

    #[tokio::test]
    async fn the_notice_starts_at_closing_time() {
        // Arrange
        let (now, clock) = movable_clock(17, 59);
        let mut chat = TestChat::new(pipeline(clock));

        // Act / Assert
        chat.say("hi").await.assert_contains("Welcome");
        *now.lock().unwrap() = TimeOfDay::new(18, 0);
        chat.say("hi")
            .await
            .assert_text("We're closed, back at 9:00.");
        *now.lock().unwrap() = TimeOfDay::new(9, 0);
        chat.say("hi").await.assert_contains("Welcome");
    }

    #[test]
    fn now_is_read_as_hours_and_minutes() {
        assert_eq!(parse_time("21:30").unwrap(), TimeOfDay::new(21, 30));
        assert!(parse_time("9pm").is_err());
    }
}
