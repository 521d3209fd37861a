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
//! - The menu is kept until the bot offers a new one or the customer picks
//!   from it; other replies in between leave it in place.
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
//! assert_eq!(r.reply_list()[0].body(), Some("picked cancel"));
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Option_ {
    id: String,
    title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    /// A list row (answers become `ListReply`) rather than a button.
    #[serde(default)]
    row: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Offered {
    options: Vec<Option_>,
    /// Whether the customer saw the options numbered.
    numbered: bool,
}

impl Offered {
    /// The options of the last menu among `replies`, numbered as the Twilio
    /// renderer numbers them (buttons 1..n; list rows 1..n across sections).
    fn from_replies(replies: &[Reply], numbered: bool) -> Option<Self> {
        replies.iter().rev().find_map(|reply| {
            let options: Vec<Option_> = match reply {
                Reply::Buttons(b) => b
                    .buttons()
                    .iter()
                    .map(|b| Option_ {
                        id: b.id.clone(),
                        title: b.title.clone(),
                        description: None,
                        row: false,
                    })
                    .collect(),
                Reply::List(l) => l
                    .rows()
                    .map(|r| Option_ {
                        id: r.id.clone(),
                        title: r.title.clone(),
                        description: r.description.clone(),
                        row: true,
                    })
                    .collect(),
                _ => return None,
            };
            Some(Self { options, numbered })
        })
    }

    /// The option a typed answer picks, if any.
    fn pick(&self, answer: &str) -> Option<&Option_> {
        if self.numbered {
            let number = answer.trim().trim_end_matches(['.', ')']).trim_end();
            if let Ok(n) = number.parse::<usize>() {
                return n.checked_sub(1).and_then(|i| self.options.get(i));
            }
        }
        let answer = normalize_text(answer);
        self.options
            .iter()
            .find(|o| normalize_text(&o.title) == answer)
    }
}

impl Option_ {
    fn content(&self) -> Content {
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
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let session = msg
                .extensions()
                .get::<Session>()
                .cloned()
                .ok_or(MenuError::NoSession)?;
            let provider = msg.provider();
            if let Content::Text { body } = msg.content() {
                let offered = match session.get::<Offered>(SESSION_KEY) {
                    Ok(offered) => offered,
                    Err(e) => {
                        // An unreadable menu (another version's shape) is forgotten.
                        tracing::warn!(error.message = %e, "stored menu is unreadable; forgetting it");
                        session.remove(SESSION_KEY);
                        None
                    }
                };
                if let Some(content) = offered
                    .as_ref()
                    .and_then(|o| o.pick(body))
                    .map(Option_::content)
                {
                    tracing::debug!(kind = content.kind(), "typed answer taken as a menu choice");
                    msg.set_content(content);
                    session.remove(SESSION_KEY);
                }
            } else if msg.choice_id().is_some() {
                // A tap answers the menu as well.
                session.remove(SESSION_KEY);
            }
            let response = inner.call(msg).await.map_err(Into::into)?;
            let numbered = !provider.supports_interactive();
            if let Some(offered) = Offered::from_replies(response.reply_list(), numbered) {
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

    #[test]
    fn numbers_pick_only_where_numbers_were_shown() {
        let numbered = Offered::from_replies(&menu(), true).unwrap();
        assert_eq!(numbered.pick("2").map(|o| o.id.as_str()), Some("edit"));
        assert_eq!(numbered.pick(" 3. ").map(|o| o.id.as_str()), Some("cancel"));
        assert_eq!(numbered.pick("1)").map(|o| o.id.as_str()), Some("confirm"));
        assert_eq!(numbered.pick("4"), None);
        assert_eq!(numbered.pick("0"), None);
        let tapped = Offered::from_replies(&menu(), false).unwrap();
        assert_eq!(tapped.pick("2"), None);
    }

    #[test]
    fn titles_pick_everywhere() {
        let offered = Offered::from_replies(&menu(), false).unwrap();
        assert_eq!(
            offered.pick("  edit ORDER! ").map(|o| o.id.as_str()),
            Some("edit")
        );
        assert_eq!(offered.pick("edit"), None);
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
        let offered = Offered::from_replies(&[list], true).unwrap();
        let picked = offered.pick("3").unwrap();
        assert_eq!(
            picked.content(),
            Content::ListReply {
                id: "tmt".to_owned(),
                title: "TMT 12mm".to_owned(),
                description: Some("per rod".to_owned()),
            }
        );
    }

    #[test]
    fn replies_without_a_menu_offer_nothing() {
        assert_eq!(Offered::from_replies(&[Reply::text("hi")], true), None);
    }
}
