//! Turn typed answers to a menu into choices.
//!
//! On Twilio, reply buttons and lists are sent as a numbered text menu
//! ([`provider::twilio::render`](crate::provider::twilio::render)), so the
//! customer answers "2" instead of tapping. Anywhere, a customer may type a
//! button's title instead of tapping it. This layer remembers the options of
//! the last menu the bot offered (in the session) and turns such an answer into
//! the [`Content::ButtonReply`] or [`Content::ListReply`] a tap would have
//! produced, so `Router::choice` and the `Choice` extractor work the same on
//! every provider.
//!
//! - A number picks an option only where the provider showed numbers
//!   ([`Provider::supports_interactive`](crate::Provider::supports_interactive) is false).
//! - A title (compared like router keywords: case, spacing and trailing
//!   punctuation ignored) picks an option on every provider.
//! - The menu answers only the customer's next message, whatever that is:
//!   a later "2" (a quantity, say) is never taken for an old menu's option.
//!
//! The option matching ([`last_menu`], [`all_options`], [`pick`]) is public so
//! other front ends (the terminal chat, the test kit) number and match options
//! exactly as this layer and the Twilio renderer do.
//!
//! # Example
//!
//! ```
//! use framework::handler::{Choice, Router};
//! use framework::menu::MenuLayer;
//! use framework::reply::Buttons;
//! use framework::session::{InMemConversationLock, InMemSessionStore, SessionLayer};
//! use framework::{BoxError, Content, InboundMessage, MessageId, Provider};
//! use tower::{ServiceBuilder, ServiceExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), BoxError> {
//! let bot = ServiceBuilder::new()
//!     .layer(SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new()))
//!     .layer(MenuLayer::new())
//!     .service(
//!         Router::new()
//!             .keyword(["order"], || async {
//!                 Buttons::builder("Confirm?").button("confirm", "Confirm").button("cancel", "Cancel").build()
//!                     .map_err(BoxError::from)
//!             })
//!             .choice(["cancel"], |Choice(id): Choice| async move { format!("picked {id}") })
//!             .into_service(),
//!     );
//!
//! let twilio = |text: &str| InboundMessage::new(
//!     Provider::Twilio, framework::doc::fresh_id(), framework::doc::key(),
//!     Content::Text { body: text.to_owned() },
//! );
//! bot.clone().oneshot(twilio("order")).await?; // shown as "1. Confirm / 2. Cancel"
//! let r = bot.oneshot(twilio("2")).await?;
//! assert_eq!(r.replies()[0].body(), Some("picked cancel"));
//! # Ok(())
//! # }
//! ```
//!
//! # Ordering
//!
//! Inside [`session`](crate::session) (it keeps the menu there), outside the
//! router; it may sit on either side of [`conversation`](crate::conversation).
//!
//! # Errors
//!
//! [`MenuError::NoSession`] when no session layer wraps it.

use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use tower::{Layer, Service};

use crate::handler::normalize_text;
use crate::reply::Reply;
use crate::session::{Session, SessionDataError};
use crate::{BoxError, Content, InboundMessage, Response};

/// The session key the last menu is kept under.
pub const SESSION_KEY: &str = "campanile.menu";

/// Errors of the menu layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MenuError {
    /// The layer found no [`Session`]: the session layer must wrap it.
    #[error(
        "the menu layer needs the session layer outside it (no Session in the message's extensions)"
    )]
    NoSession,
    /// The menu could not be read from or written to the session.
    #[error("could not keep the menu in the session")]
    Session(#[from] SessionDataError),
}

/// One option of a menu the bot offered: a reply button or a list row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuOption {
    /// The id the bot gave the button or row.
    pub id: String,
    /// The title shown.
    pub title: String,
    /// A list row's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it is a list row (picking it is a `ListReply`) rather than a
    /// button (a `ButtonReply`).
    #[serde(default)]
    pub row: bool,
}

impl MenuOption {
    /// What a tap on this option sends.
    #[must_use]
    pub fn content(&self) -> Content {
        if self.row {
            Content::ListReply {
                id: self.id.clone(),
                title: self.title.clone(),
                description: self.description.clone(),
            }
        } else {
            Content::ButtonReply {
                id: self.id.clone(),
                title: self.title.clone(),
            }
        }
    }
}

fn options_of(reply: &Reply) -> Option<Vec<MenuOption>> {
    match reply {
        Reply::Buttons(b) => Some(
            b.buttons()
                .iter()
                .map(|b| MenuOption {
                    id: b.id.clone(),
                    title: b.title.clone(),
                    description: None,
                    row: false,
                })
                .collect(),
        ),
        Reply::List(l) => Some(
            l.rows()
                .map(|r| MenuOption {
                    id: r.id.clone(),
                    title: r.title.clone(),
                    description: r.description.clone(),
                    row: true,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The options of the last menu among `replies`, in the order the Twilio
/// renderer numbers them (buttons 1..n; list rows 1..n across sections).
#[must_use]
pub fn last_menu(replies: &[Reply]) -> Option<Vec<MenuOption>> {
    replies.iter().rev().find_map(options_of)
}

/// The options of every menu among `replies`, in display order (a front end
/// that numbers all of them consecutively, like the terminal chat).
#[must_use]
pub fn all_options(replies: &[Reply]) -> Vec<MenuOption> {
    replies.iter().filter_map(options_of).flatten().collect()
}

/// The option a typed answer picks: a number (`"2"`, `" 2. "`, `"2)"`; only
/// when `numbered`, i.e. the customer saw numbers) or a title, compared as the
/// router compares keywords (case, spacing and trailing punctuation ignored).
///
/// ```
/// use framework::menu::{last_menu, pick};
/// use framework::reply::{Buttons, Reply};
///
/// let reply = Reply::from(Buttons::builder("Confirm?").button("yes", "Yes").button("no", "No").build().unwrap());
/// let options = last_menu(&[reply]).unwrap();
/// assert_eq!(pick(&options, "2", true).map(|o| o.id.as_str()), Some("no"));
/// assert_eq!(pick(&options, "2", false), None);
/// assert_eq!(pick(&options, "YES!", false).map(|o| o.id.as_str()), Some("yes"));
/// ```
#[must_use]
pub fn pick<'a>(options: &'a [MenuOption], answer: &str, numbered: bool) -> Option<&'a MenuOption> {
    if numbered {
        let number = answer.trim().trim_end_matches(['.', ')']).trim_end();
        if let Ok(n) = number.parse::<usize>() {
            return n.checked_sub(1).and_then(|i| options.get(i));
        }
    }
    let answer = normalize_text(answer);
    if answer.is_empty() {
        return None;
    }
    options.iter().find(|o| normalize_text(&o.title) == answer)
}

/// What the layer keeps in the session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Offered {
    options: Vec<MenuOption>,
    /// Whether the customer saw the options numbered.
    numbered: bool,
}

/// Applies [`Menu`] to a service.
///
/// See the [module docs](self) for an example.
#[derive(Debug, Clone, Copy, Default)]
pub struct MenuLayer {
    _private: (),
}

impl MenuLayer {
    /// A menu layer.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

impl<S> Layer<S> for MenuLayer {
    type Service = Menu<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Menu { inner }
    }
}

/// Turns typed answers to the last menu into choices; see the
/// [module docs](self).
#[derive(Debug, Clone)]
pub struct Menu<S> {
    inner: S,
}

impl<S> Menu<S> {
    crate::macros::define_inner_service_accessors!();
}

impl<S> Service<InboundMessage> for Menu<S>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut msg: InboundMessage) -> Self::Future {
        let mut inner = crate::macros::take_ready(&mut self.inner);
        Box::pin(async move {
            let session = msg
                .extensions()
                .get::<Session>()
                .cloned()
                .ok_or(MenuError::NoSession)?;
            let provider = msg.provider();
            // The menu answers the next message only, whatever it is.
            let offered = match session.get::<Offered>(SESSION_KEY) {
                Ok(offered) => offered,
                Err(e) => {
                    // An unreadable menu (another version's shape) is forgotten.
                    tracing::warn!(error.message = %e, "stored menu is unreadable; forgetting it");
                    None
                }
            };
            session.remove(SESSION_KEY);
            if let Content::Text { body } = msg.content()
                && let Some(content) = offered
                    .as_ref()
                    .and_then(|o| pick(&o.options, body, o.numbered))
                    .map(MenuOption::content)
            {
                tracing::debug!(kind = content.kind(), "typed answer taken as a menu choice");
                msg.set_content(content);
            }
            let response = inner.call(msg).await.map_err(Into::into)?;
            if let Some(options) = response.all_replies().filter_map(options_of).last() {
                let offered = Offered {
                    options,
                    numbered: !provider.supports_interactive(),
                };
                session
                    .insert(SESSION_KEY, &offered)
                    .map_err(MenuError::from)?;
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::{Buttons, List, Row};

    fn menu() -> Vec<Reply> {
        vec![
            Reply::text("Your order:"),
            Buttons::builder("Confirm?")
                .button("confirm", "Confirm")
                .button("edit", "Edit order")
                .button("cancel", "Cancel")
                .build()
                .unwrap()
                .into(),
        ]
    }

    fn picked<'a>(options: &'a [MenuOption], answer: &str, numbered: bool) -> Option<&'a str> {
        pick(options, answer, numbered).map(|o| o.id.as_str())
    }

    #[test]
    fn numbers_pick_only_where_numbers_were_shown() {
        let options = last_menu(&menu()).unwrap();
        assert_eq!(picked(&options, "2", true), Some("edit"));
        assert_eq!(picked(&options, " 3. ", true), Some("cancel"));
        assert_eq!(picked(&options, "1)", true), Some("confirm"));
        assert_eq!(picked(&options, "4", true), None);
        assert_eq!(picked(&options, "0", true), None);
        assert_eq!(picked(&options, "2", false), None);
    }

    #[test]
    fn titles_pick_everywhere() {
        let options = last_menu(&menu()).unwrap();
        assert_eq!(picked(&options, "  edit ORDER! ", false), Some("edit"));
        assert_eq!(picked(&options, "edit", false), None);
        assert_eq!(picked(&options, "", true), None);
    }

    #[test]
    fn list_rows_are_numbered_across_sections_and_answer_as_list_replies() {
        let list: Reply = List::builder("Which?", "Choose")
            .section("Cement", [Row::new("ppc", "PPC"), Row::new("opc", "OPC")])
            .section(
                "Steel",
                [Row::new("tmt", "TMT 12mm").with_description("per rod")],
            )
            .build()
            .unwrap()
            .into();
        let options = last_menu(&[list]).unwrap();
        let chosen = pick(&options, "3", true).unwrap();
        assert_eq!(
            chosen.content(),
            Content::ListReply {
                id: "tmt".to_owned(),
                title: "TMT 12mm".to_owned(),
                description: Some("per rod".to_owned()),
            }
        );
    }

    #[test]
    fn replies_without_a_menu_offer_nothing() {
        assert_eq!(last_menu(&[Reply::text("hi")]), None);
        assert!(all_options(&[Reply::text("hi")]).is_empty());
    }
}
