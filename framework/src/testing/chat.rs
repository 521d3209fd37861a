use std::collections::VecDeque;
use std::fmt::Write as _;

use tower::{Service, ServiceExt};

use crate::menu::{MenuOption, all_options, last_menu};
use crate::reply::Reply;
use crate::{
    BoxError, Content, ConversationKey, InboundMessage, MessageId, Outcome, PhoneNumber, Provider,
    Response,
};

/// A conversation with a pipeline, driven from a test without any network.
///
/// Each message gets a fresh id (so dedup lets it through); [`TestChat::resend`]
/// repeats the last one (a provider retry).
///
/// ```
/// use framework::handler::{Router, Text};
/// use framework::testing::TestChat;
///
/// async fn echo(Text(t): Text) -> String { format!("you said {t}") }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut chat = TestChat::new(Router::new().fallback(echo).into_service());
/// chat.say("hi").await.assert_text("you said hi");
/// # }
/// ```
#[derive(Debug)]
pub struct TestChat<S> {
    service: S,
    provider: Provider,
    key: ConversationKey,
    profile_name: Option<String>,
    next_id: u64,
    last: Option<InboundMessage>,
    /// The last answer that offered options: on WhatsApp old buttons stay
    /// tappable.
    last_menu_replies: Vec<Reply>,
    /// The last answer with any replies: a numbered text menu (Twilio) is
    /// answered in the context of the latest answer only.
    last_replies: Vec<Reply>,
}

impl<S> TestChat<S>
where
    S: Service<InboundMessage, Response = Response> + Clone,
    S::Error: Into<BoxError>,
{
    /// A chat between the example shop and the example customer
    /// ([`crate::doc::SHOP`], [`crate::doc::CUSTOMER`]) over
    /// [`Provider::Local`].
    pub fn new(service: S) -> Self {
        Self {
            service,
            provider: Provider::Local,
            key: crate::doc::key(),
            profile_name: Some("Asha".to_owned()),
            next_id: 1,
            last: None,
            last_menu_replies: Vec::new(),
            last_replies: Vec::new(),
        }
    }

    /// Chats as another customer.
    ///
    /// # Panics
    ///
    /// Panics if `number` is not a phone number.
    #[must_use]
    pub fn with_customer(mut self, number: &str) -> Self {
        #[allow(clippy::expect_used)] // test setup
        let customer = PhoneNumber::parse(number).expect("customer number");
        self.key = ConversationKey::new(self.key.business().clone(), customer);
        self
    }

    /// Chats over another provider (messages are built as that provider's
    /// adapter would build them).
    #[must_use]
    pub fn with_provider(mut self, provider: Provider) -> Self {
        self.provider = provider;
        self
    }

    /// The conversation's key.
    pub fn key(&self) -> &ConversationKey {
        &self.key
    }

    /// The customer sends text.
    pub async fn say(&mut self, text: &str) -> Turn {
        self.send(Content::Text {
            body: text.to_owned(),
        })
        .await
    }

    /// The customer taps the button or list row whose title or id is
    /// `title_or_id`.
    ///
    /// Where the provider shows real buttons, any option of the last answer
    /// that offered some can be tapped (as on WhatsApp, old buttons stay).
    /// Where it shows a numbered text menu (Twilio), the customer types the
    /// option's number, answering the bot's last answer, exactly as a Twilio
    /// customer would; the pipeline's [`menu`](crate::menu) layer must turn it
    /// into a choice.
    ///
    /// # Panics
    ///
    /// Panics, listing the options, when there is no such option.
    pub async fn tap(&mut self, title_or_id: &str) -> Turn {
        if self.provider.supports_interactive() {
            let content = find_option(&self.last_menu_replies, title_or_id)
                .unwrap_or_else(|| no_such_option(title_or_id, &self.last_menu_replies));
            return self.send(content).await;
        }
        let options = last_menu(&self.last_replies).unwrap_or_default();
        let number = options
            .iter()
            .position(|o| o.title == title_or_id || o.id == title_or_id)
            .unwrap_or_else(|| no_such_option(title_or_id, &self.last_replies));
        self.say(&(number + 1).to_string()).await
    }

    /// The customer sends any content.
    pub async fn send(&mut self, content: Content) -> Turn {
        let id = MessageId::new(format!("test-{}-{}", self.key.storage_key(), self.next_id));
        self.next_id += 1;
        let mut msg = InboundMessage::new(self.provider, id, self.key.clone(), content);
        if let Some(name) = &self.profile_name {
            msg = msg.with_profile_name(name.clone());
        }
        self.send_message(msg).await
    }

    /// Delivers the last message again, as a provider retry would.
    ///
    /// # Panics
    ///
    /// Panics if nothing was sent yet.
    pub async fn resend(&mut self) -> Turn {
        #[allow(clippy::expect_used)] // test helper misuse
        let msg = self.last.clone().expect("resend before any message");
        self.send_message(msg).await
    }

    /// Delivers a message built elsewhere.
    ///
    /// # Panics
    ///
    /// Panics if the pipeline returns an error (put
    /// [`handle_error`](crate::handle_error) in it to get apologies instead).
    pub async fn send_message(&mut self, msg: InboundMessage) -> Turn {
        self.last = Some(msg.clone());
        let response = match self.service.clone().oneshot(msg).await {
            Ok(response) => response,
            Err(e) => panic!("the pipeline failed: {}", e.into()),
        };
        // What the customer gets: replies a deliver layer already handed to
        // the outbox, then the rest.
        let all: Vec<Reply> = response.all_replies().cloned().collect();
        if !all.is_empty() {
            self.last_replies.clone_from(&all);
        }
        if !all_options(&all).is_empty() {
            self.last_menu_replies.clone_from(&all);
        }
        Turn { response, all }
    }
}

fn options(replies: &[Reply]) -> Vec<(String, String)> {
    all_options(replies)
        .into_iter()
        .map(|o| (o.id, o.title))
        .collect()
}

fn no_such_option(title_or_id: &str, replies: &[Reply]) -> ! {
    panic!(
        "the bot's answer offers no option {title_or_id:?}; it offered {:?}",
        options(replies)
    )
}

fn find_option(replies: &[Reply], title_or_id: &str) -> Option<Content> {
    all_options(replies)
        .iter()
        .find(|o| o.title == title_or_id || o.id == title_or_id)
        .map(MenuOption::content)
}

/// The bot's answer to one message, with assertions.
#[derive(Debug, Clone)]
pub struct Turn {
    response: Response,
    /// Every reply, delivered inside the pipeline or not.
    all: Vec<Reply>,
}

impl Turn {
    /// The whole response.
    #[must_use]
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// What happened to the message.
    #[must_use]
    pub fn outcome(&self) -> Outcome {
        self.response.outcome()
    }

    /// The replies the customer gets, also those a
    /// [`deliver`](crate::deliver) layer already handed to the outbox.
    #[must_use]
    pub fn replies(&self) -> &[Reply] {
        &self.all
    }

    /// The readable text of each reply that has some.
    #[must_use]
    pub fn texts(&self) -> Vec<&str> {
        self.replies().iter().filter_map(Reply::body).collect()
    }

    /// Asserts the bot answered with exactly one reply whose text is `expected`.
    ///
    /// # Panics
    ///
    /// Panics, showing the answer, otherwise.
    #[track_caller]
    pub fn assert_text(&self, expected: &str) -> &Self {
        assert_eq!(
            self.texts(),
            [expected],
            "the bot's answer differs (outcome {})",
            self.outcome()
        );
        self
    }

    /// Asserts some reply's text contains `fragment`.
    ///
    /// # Panics
    ///
    /// Panics, showing the answer, otherwise.
    #[track_caller]
    pub fn assert_contains(&self, fragment: &str) -> &Self {
        assert!(
            self.texts().iter().any(|t| t.contains(fragment)),
            "no reply contains {fragment:?}; the bot said {:#?} (outcome {})",
            self.texts(),
            self.outcome()
        );
        self
    }

    /// Asserts the answer offers exactly these button or list-row titles.
    ///
    /// # Panics
    ///
    /// Panics, showing the options, otherwise.
    #[track_caller]
    pub fn assert_options(&self, titles: &[&str]) -> &Self {
        let offered: Vec<String> = options(self.replies())
            .into_iter()
            .map(|(_, t)| t)
            .collect();
        assert_eq!(offered, titles, "the bot offered other options");
        self
    }

    /// Asserts the bot sent nothing.
    ///
    /// # Panics
    ///
    /// Panics, showing the answer, otherwise.
    #[track_caller]
    pub fn assert_no_reply(&self) -> &Self {
        assert!(
            self.replies().is_empty(),
            "expected no reply, the bot sent {:#?}",
            self.replies()
        );
        self
    }

    /// Asserts the outcome.
    ///
    /// # Panics
    ///
    /// Panics otherwise.
    #[track_caller]
    pub fn assert_outcome(&self, expected: Outcome) -> &Self {
        assert_eq!(self.outcome(), expected, "replies: {:#?}", self.replies());
        self
    }
}

#[derive(Debug, Clone)]
enum Step {
    Says(String),
    Taps(String),
    BotSays(String),
    BotSaysContaining(String),
    BotOffers(Vec<String>),
    BotSilent,
}

/// A conversation written as lines ("customer says X / bot answers Y"),
/// checked against a [`TestChat`].
///
/// Every reply must be accounted for: a reply no `bot_*` line matched before
/// the customer's next line (or the end) fails the transcript.
///
/// ```
/// use framework::handler::{Router, Text};
/// use framework::testing::{TestChat, Transcript};
///
/// async fn echo(Text(t): Text) -> String { format!("you said {t}") }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut chat = TestChat::new(Router::new().keyword(["hi"], || async { "Hello!" }).fallback(echo).into_service());
/// Transcript::new()
///     .customer_says("hi")
///     .bot_says("Hello!")
///     .customer_says("cement")
///     .bot_says_containing("cement")
///     .run(&mut chat)
///     .await;
/// # }
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct Transcript {
    steps: Vec<Step>,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// The customer sends text.
    pub fn customer_says(mut self, text: &str) -> Self {
        self.steps.push(Step::Says(text.to_owned()));
        self
    }

    /// The customer taps a button or list row (by title or id) of the bot's
    /// last answer.
    pub fn customer_taps(mut self, title_or_id: &str) -> Self {
        self.steps.push(Step::Taps(title_or_id.to_owned()));
        self
    }

    /// The bot's next reply has exactly this text.
    pub fn bot_says(mut self, text: &str) -> Self {
        self.steps.push(Step::BotSays(text.to_owned()));
        self
    }

    /// The bot's next reply contains this text.
    pub fn bot_says_containing(mut self, fragment: &str) -> Self {
        self.steps
            .push(Step::BotSaysContaining(fragment.to_owned()));
        self
    }

    /// The bot's next reply offers exactly these button or row titles.
    pub fn bot_offers(mut self, titles: &[&str]) -> Self {
        self.steps.push(Step::BotOffers(
            titles.iter().map(|t| (*t).to_owned()).collect(),
        ));
        self
    }

    /// The bot answers the last message with nothing.
    pub fn bot_is_silent(mut self) -> Self {
        self.steps.push(Step::BotSilent);
        self
    }

    /// Plays the transcript.
    ///
    /// # Panics
    ///
    /// Panics at the first difference, printing the conversation so far.
    pub async fn run<S>(self, chat: &mut TestChat<S>)
    where
        S: Service<InboundMessage, Response = Response> + Clone,
        S::Error: Into<BoxError>,
    {
        let mut log = String::new();
        let mut pending: VecDeque<Reply> = VecDeque::new();
        for step in self.steps {
            match step {
                Step::Says(text) | Step::Taps(text) if !pending.is_empty() => {
                    fail(
                        &log,
                        &format!("before the customer's {text:?}, the bot also said {pending:#?}"),
                    );
                }
                Step::Says(text) => {
                    let _ = writeln!(log, "customer: {text}");
                    pending.extend(chat.say(&text).await.replies().iter().cloned());
                }
                Step::Taps(choice) => {
                    let _ = writeln!(log, "customer taps: {choice}");
                    pending.extend(chat.tap(&choice).await.replies().iter().cloned());
                }
                Step::BotSays(expected) => {
                    let got = next_reply(&log, &mut pending, &expected);
                    let _ = writeln!(log, "bot: {}", describe(&got));
                    if got.body() != Some(expected.as_str()) {
                        fail(&log, &format!("expected the bot to say {expected:?}"));
                    }
                }
                Step::BotSaysContaining(fragment) => {
                    let got = next_reply(&log, &mut pending, &fragment);
                    let _ = writeln!(log, "bot: {}", describe(&got));
                    if !got.body().is_some_and(|b| b.contains(fragment.as_str())) {
                        fail(
                            &log,
                            &format!("expected the bot's reply to contain {fragment:?}"),
                        );
                    }
                }
                Step::BotOffers(titles) => {
                    let got = next_reply(&log, &mut pending, &titles.join(" / "));
                    let _ = writeln!(log, "bot: {}", describe(&got));
                    let offered: Vec<String> = options(std::slice::from_ref(&got))
                        .into_iter()
                        .map(|(_, t)| t)
                        .collect();
                    if offered != titles {
                        fail(
                            &log,
                            &format!("expected the options {titles:?}, got {offered:?}"),
                        );
                    }
                }
                Step::BotSilent => {
                    if !pending.is_empty() {
                        fail(
                            &log,
                            &format!("expected silence, the bot said {pending:#?}"),
                        );
                    }
                    let _ = writeln!(log, "bot: (nothing)");
                }
            }
        }
        if !pending.is_empty() {
            fail(
                &log,
                &format!("the transcript ended but the bot also said {pending:#?}"),
            );
        }
    }
}

fn next_reply(log: &str, pending: &mut VecDeque<Reply>, expected: &str) -> Reply {
    pending.pop_front().unwrap_or_else(|| {
        fail(
            log,
            &format!("expected the bot to say {expected:?}, it said nothing more"),
        )
    })
}

fn describe(reply: &Reply) -> String {
    let body = reply.body().unwrap_or_default();
    let opts = options(std::slice::from_ref(reply));
    if opts.is_empty() {
        body.to_owned()
    } else {
        let titles: Vec<&str> = opts.iter().map(|(_, t)| t.as_str()).collect();
        format!("{body} [{}]", titles.join(" | "))
    }
}

fn fail(log: &str, problem: &str) -> ! {
    panic!("transcript mismatch: {problem}\n--- conversation so far ---\n{log}---")
}
