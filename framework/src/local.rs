//! Talk to a bot from a terminal, without any provider.
//!
//! [`Terminal`] reads lines and hands each, as a customer's text message
//! (over [`Provider::Local`]), to an [`Ingress`]: the same door a webhook
//! uses, so a terminal chat takes the path a provider's message takes. It
//! prints the replies the ingress answers with. Buttons and list rows are
//! shown as numbered choices; typing a choice's number taps it.
//!
//! For a plain pipeline, [`Terminal::pipeline`] puts it behind a
//! [`PipelineIngress`] whose [`InlineOutbox`] answers terminal messages
//! inline:
//!
//! ```
//! use framework::handler::{Router, Text};
//! use framework::local::Terminal;
//!
//! async fn echo(Text(t): Text) -> String { format!("you said {t}") }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let input: &[u8] = b"hello\n";
//! let mut output = Vec::new();
//! Terminal::pipeline(Router::new().fallback(echo).into_service())
//!     .run(input, &mut output)
//!     .await?;
//! assert!(String::from_utf8_lossy(&output).contains("bot> you said hello"));
//! # Ok(())
//! # }
//! ```
//!
//! A bot that records messages before it runs them gives the terminal its
//! own [`Ingress`] with [`Terminal::new`]: its `accept` records the
//! messages, runs their turns and answers with those turns' replies once
//! they ran (an empty answer prints nothing), so the chat shows what a
//! provider's customer would receive.

use std::fmt::Write as _;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};
use tower::Service;

use crate::menu::{MenuOption, all_options, pick};
use crate::reply::Reply;
use crate::webhook::{Ingress, InlineOutbox, OutboundTurn, PipelineIngress};
use crate::{
    BoxError, Content, ConversationKey, InboundMessage, MessageId, Outcome, PhoneNumber, Provider,
    Response, WebhookEvent,
};

/// A terminal conversation through an [`Ingress`]; see the
/// [module docs](self).
#[derive(Debug)]
pub struct Terminal<I> {
    ingress: I,
    key: ConversationKey,
    profile_name: Option<String>,
    notices: Option<tokio::sync::mpsc::UnboundedReceiver<String>>,
}

impl<S> Terminal<PipelineIngress<S, InlineOutbox>>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + Sync + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    /// A terminal chat with `pipeline`, its replies answered inline (see
    /// [`InlineOutbox`]).
    pub fn pipeline(pipeline: S) -> Self {
        Self::new(PipelineIngress::new(pipeline, InlineOutbox))
    }
}

impl<I: Ingress> Terminal<I> {
    /// A terminal chat through `ingress`, as the example customer with the
    /// example shop (`+919812345678` writing to `+14155238886`).
    pub fn new(ingress: I) -> Self {
        Self {
            ingress,
            key: crate::doc::key(),
            profile_name: None,
            notices: None,
        }
    }

    /// Also prints, as they come, the messages the bot sends on its own
    /// (an invoice from a background job, a reminder), between turns.
    #[must_use]
    pub fn with_notices(mut self, notices: tokio::sync::mpsc::UnboundedReceiver<String>) -> Self {
        self.notices = Some(notices);
        self
    }

    /// Chats as `customer` with `business`.
    #[must_use]
    pub fn with_numbers(mut self, business: PhoneNumber, customer: PhoneNumber) -> Self {
        self.key = ConversationKey::new(business, customer);
        self
    }

    /// Sends this profile name with each message.
    #[must_use]
    pub fn with_profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// Reads lines from `input` until it ends or a line is `/quit`, and writes
    /// the conversation to `output`.
    ///
    /// # Errors
    ///
    /// IO errors of `input` or `output`. A failing pipeline is reported in the
    /// output and the conversation goes on.
    pub async fn run<R, W>(mut self, input: R, mut output: W) -> io::Result<()>
    where
        R: AsyncBufRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let mut lines = input.lines();
        let mut choices: Vec<MenuOption> = Vec::new();
        output
            .write_all(b"Type a message and press Enter; a number picks an option; /quit ends.\n")
            .await?;
        loop {
            output.write_all(b"you> ").await?;
            output.flush().await?;
            // A notice may come while the customer is typing: print it and
            // prompt again (reading a line is cancel-safe).
            let line = loop {
                let notice = async {
                    match self.notices.as_mut() {
                        Some(rx) => rx.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    // Notices that came first are shown first.
                    biased;
                    Some(text) = notice => {
                        let mut shown = String::from("\n");
                        say(&mut shown, &text);
                        shown.push_str("you> ");
                        output.write_all(shown.as_bytes()).await?;
                        output.flush().await?;
                    }
                    line = lines.next_line() => break line?,
                }
            };
            let Some(line) = line else {
                break;
            };
            let line = line.trim();
            if line == "/quit" {
                break;
            }
            if line.is_empty() {
                continue;
            }
            // Numbers pick from what was shown; anything else is text.
            let number = line.parse::<usize>().is_ok();
            let content = match pick(&choices, line, true).filter(|_| number) {
                Some(option) => option.content(),
                None => Content::Text {
                    body: line.to_owned(),
                },
            };
            let id = MessageId::new(format!(
                "local-{}-{}",
                run_id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            ));
            let mut msg = InboundMessage::new(Provider::Local, id, self.key.clone(), content);
            if let Some(name) = &self.profile_name {
                msg = msg.with_profile_name(name.clone());
            }
            match self.ingress.accept(vec![WebhookEvent::Message(msg)]).await {
                Ok(turns) => {
                    let text = render(&turns);
                    // Numbers answer the last answer's options; an answer
                    // without options leaves none to pick.
                    let all: Vec<Reply> = turns.iter().flat_map(|t| t.replies.clone()).collect();
                    if !all.is_empty() {
                        choices = all_options(&all);
                    }
                    output.write_all(text.as_bytes()).await?;
                }
                Err(e) => {
                    let text = format!("!! the message was not taken: {e}\n");
                    output.write_all(text.as_bytes()).await?;
                }
            }
        }
        output.write_all(b"\n").await?;
        output.flush().await
    }
}

/// A random id for this process's chats, so message ids never repeat across
/// runs (a persistent message log or an idempotency key would otherwise take
/// a new chat's "local-3" for an old one's).
fn run_id() -> &'static str {
    static RUN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    RUN.get_or_init(|| {
        let mut bytes = [0_u8; 6];
        if getrandom::fill(&mut bytes).is_err() {
            // No entropy source: the clock still differs between runs.
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos());
            bytes.copy_from_slice(&nanos.to_le_bytes()[..6]);
        }
        hex::encode(bytes)
    })
}

/// The text shown for the turns that answered one message, options numbered
/// across all their menus; a turn with no replies shows its outcome unless
/// it was handled (so an ignored message shows `(ignored)`).
fn render(turns: &[OutboundTurn]) -> String {
    let mut out = String::new();
    let mut number = 0;
    for turn in turns.iter().filter(|t| t.replies.is_empty()) {
        if turn.outcome != Outcome::Handled {
            let _ = writeln!(out, "   ({})", turn.outcome);
        }
    }
    for reply in turns.iter().flat_map(|t| &t.replies) {
        match reply {
            Reply::Buttons(b) => say(&mut out, b.body()),
            Reply::List(l) => say(&mut out, l.body()),
            Reply::Media(m) => {
                say(&mut out, &format!("[{}] {}", m.kind().as_str(), m.url()));
                if let Some(caption) = m.caption() {
                    say(&mut out, caption);
                }
            }
            Reply::Template(t) => {
                let params: Vec<&str> = t.body.iter().map(|p| p.value.as_str()).collect();
                say(
                    &mut out,
                    &format!("[template {}] {}", t.name, params.join(", ")),
                );
            }
            Reply::Text(t) => say(&mut out, &t.body),
            other => say(&mut out, &format!("[{}]", other.kind())),
        }
        if let Reply::List(l) = reply {
            for section in l.sections() {
                if let Some(title) = &section.title {
                    let _ = writeln!(out, "     {title}");
                }
                for row in &section.rows {
                    number += 1;
                    let _ = write!(out, "     [{number}] {}", row.title);
                    if let Some(d) = &row.description {
                        let _ = write!(out, " - {d}");
                    }
                    out.push('\n');
                }
            }
        } else {
            for option in all_options(std::slice::from_ref(reply)) {
                number += 1;
                let _ = writeln!(out, "     [{number}] {}", option.title);
            }
        }
    }
    out
}

fn say(out: &mut String, text: &str) {
    for (i, line) in text.lines().enumerate() {
        out.push_str(if i == 0 { "bot> " } else { "     " });
        out.push_str(line);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler::{Choice as Picked, Router};
    use crate::reply::{Buttons, List, Row};

    #[tokio::test(flavor = "current_thread")]
    async fn messages_the_bot_sends_on_its_own_are_printed_between_turns() {
        use tokio::io::AsyncWriteExt as _;
        async fn echo(crate::handler::Text(t): crate::handler::Text) -> String {
            format!("you said {t}")
        }
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let (mut typing, input) = tokio::io::duplex(1024);
        let mut output = Vec::new();
        let terminal =
            Terminal::pipeline(Router::new().fallback(echo).into_service()).with_notices(rx);
        let customer = async {
            tx.send("Invoice INV-00001\nPDF: /tmp/INV-00001.pdf".to_owned())
                .unwrap();
            tokio::task::yield_now().await;
            typing.write_all(b"hello\n/quit\n").await.unwrap();
        };
        let (ran, ()) = tokio::join!(
            terminal.run(tokio::io::BufReader::new(input), &mut output),
            customer
        );
        ran.unwrap();
        let shown = String::from_utf8_lossy(&output);
        assert!(
            shown.contains("bot> Invoice INV-00001\n     PDF: /tmp/INV-00001.pdf\n"),
            "{shown}"
        );
        assert!(shown.contains("bot> you said hello"), "{shown}");
    }

    #[test]
    fn an_ignored_message_shows_its_outcome_and_a_handled_silence_does_not() {
        let msg = crate::doc::text("a sticker");
        let turn = |outcome| OutboundTurn {
            outcome,
            ..OutboundTurn::answering(&msg)
        };
        assert_eq!(render(&[turn(Outcome::Ignored)]), "   (ignored)\n");
        assert_eq!(render(&[turn(Outcome::Handled)]), "");
    }

    #[tokio::test]
    async fn numbers_pick_the_offered_buttons_and_rows() {
        let router = Router::new()
            .keyword(["buttons"], || async {
                Buttons::builder("Confirm?")
                    .button("yes", "Yes")
                    .button("no", "No")
                    .build()
                    .map_err(BoxError::from)
            })
            .keyword(["list"], || async {
                List::builder("Which?", "Choose")
                    .rows([Row::new("ppc", "Cement PPC").with_description("50 kg")])
                    .build()
                    .map_err(BoxError::from)
            })
            .fallback(|c: Option<Picked>| async move {
                c.map_or_else(|| "text".to_owned(), |Picked(id)| format!("picked {id}"))
            })
            .into_service();
        let input: &[u8] = b"buttons\n2\nlist\n1\n7\n/quit\nnever read\n";
        let mut output = Vec::new();

        Terminal::pipeline(router)
            .run(input, &mut output)
            .await
            .unwrap();

        let shown = String::from_utf8(output).unwrap();
        assert!(
            shown.contains("bot> Confirm?\n     [1] Yes\n     [2] No\n"),
            "{shown}"
        );
        assert!(shown.contains("bot> picked no"), "{shown}");
        assert!(shown.contains("     [1] Cement PPC - 50 kg"), "{shown}");
        assert!(shown.contains("bot> picked ppc"), "{shown}");
        assert!(
            shown.contains("bot> text"),
            "a number with no such option is text: {shown}"
        );
        assert!(!shown.contains("never read"));
    }
}
