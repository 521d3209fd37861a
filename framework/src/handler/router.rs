//! Routing messages to handlers.

use std::fmt;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

use super::extract::Step;
use super::function::Handler;
use crate::conversation::{Conversation, FlowState};
use crate::reply::Reply;
use crate::{BoxError, InboundMessage, Response};

pub(crate) type BoxedHandler<S> =
    Arc<dyn Fn(InboundMessage, S) -> BoxFuture<'static, Result<Response, BoxError>> + Send + Sync>;

pub(crate) type Predicate = Arc<dyn Fn(&InboundMessage) -> bool + Send + Sync>;

fn boxed<H, T, S>(handler: H) -> BoxedHandler<S>
where
    H: Handler<T, S>,
    T: 'static,
    S: Clone + Send + Sync + 'static,
{
    Arc::new(move |msg, state| handler.clone().call(msg, state))
}

/// What a route matches.
#[derive(Clone)]
pub(crate) enum Matcher {
    /// The whole (normalized) text equals one of these.
    Keywords(Vec<String>),
    /// The (normalized) text starts with one of these, followed by a space or
    /// nothing.
    Prefixes(Vec<String>),
    /// The tapped button / list row id or quick-reply payload is one of these.
    Choices(Vec<String>),
    /// Anything a predicate accepts (conversation states, content kinds).
    Predicate(Predicate),
}

impl Matcher {
    fn matches(&self, msg: &InboundMessage, normalized: Option<&str>) -> bool {
        match self {
            Self::Keywords(words) => normalized.is_some_and(|t| words.iter().any(|w| w == t)),
            Self::Prefixes(prefixes) => normalized.is_some_and(|t| {
                prefixes.iter().any(|p| {
                    t.strip_prefix(p.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
                })
            }),
            Self::Choices(ids) => msg
                .choice_id()
                .is_some_and(|id| ids.iter().any(|i| i == id)),
            Self::Predicate(p) => p(msg),
        }
    }
}

impl fmt::Debug for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keywords(w) => f.debug_tuple("Keywords").field(w).finish(),
            Self::Prefixes(p) => f.debug_tuple("Prefixes").field(p).finish(),
            Self::Choices(c) => f.debug_tuple("Choices").field(c).finish(),
            Self::Predicate(_) => f.write_str("Predicate(..)"),
        }
    }
}

/// Text as the router compares it: lower-cased, runs of whitespace folded to
/// one space, and trailing `.`, `!`, `?`, `,` removed, so "  Menu! " matches
/// the keyword "menu".
///
/// ```
/// assert_eq!(framework::handler::normalize_text("  My   Orders?! "), "my orders");
/// ```
#[must_use]
pub fn normalize_text(text: &str) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    folded
        .trim_end_matches(['.', '!', '?', ','])
        .trim_end()
        .to_lowercase()
}

/// Sends each message to the first route that matches it, in the order the
/// routes were added; a message no route matches goes to the fallback.
///
/// ```
/// use framework::handler::{Router, Text};
/// use framework::{BoxError, Response};
/// use tower::ServiceExt;
///
/// async fn menu() -> &'static str { "1. Order  2. My orders" }
/// async fn confirm() -> &'static str { "Order confirmed" }
/// async fn echo(Text(t): Text) -> String { format!("You said: {t}") }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), BoxError> {
/// let router = Router::new()
///     .keyword(["hi", "menu", "help"], menu)
///     .choice(["confirm"], confirm)
///     .fallback(echo)
///     .into_service();
///
/// let r = router.clone().oneshot(framework::doc::text("Menu!")).await?;
/// assert_eq!(r.replies()[0].body(), Some("1. Order  2. My orders"));
/// let r = router.clone().oneshot(framework::doc::tap("confirm")).await?;
/// assert_eq!(r.replies()[0].body(), Some("Order confirmed"));
/// let r = router.oneshot(framework::doc::text("cement")).await?;
/// assert_eq!(r.replies()[0].body(), Some("You said: cement"));
/// # Ok(())
/// # }
/// ```
pub struct Router<S = ()> {
    routes: Vec<(Matcher, BoxedHandler<S>)>,
    fallback: Option<BoxedHandler<S>>,
}

impl<S> fmt::Debug for Router<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field(
                "routes",
                &self.routes.iter().map(|(m, _)| m).collect::<Vec<_>>(),
            )
            .field("fallback", &self.fallback.is_some())
            .finish()
    }
}

impl<S> Default for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn default() -> Self {
        Self::new()
    }
}

/// The reply when no route matches and no fallback is set.
pub const DEFAULT_FALLBACK_REPLY: &str = "Sorry, I didn't understand that.";

impl<S> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    /// A router with no routes. Without a [`fallback`](Self::fallback) it
    /// answers unmatched messages with [`DEFAULT_FALLBACK_REPLY`].
    #[must_use]
    pub fn new() -> Self {
        Self {
            routes: Vec::new(),
            fallback: None,
        }
    }

    fn route<H, T>(mut self, matcher: Matcher, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.routes.push((matcher, boxed(handler)));
        self
    }

    /// Routes text that, [normalized](normalize_text), equals one of `words`.
    #[must_use]
    pub fn keyword<'a, H, T>(self, words: impl IntoIterator<Item = &'a str>, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        let words = words.into_iter().map(normalize_text).collect();
        self.route(Matcher::Keywords(words), handler)
    }

    /// Routes text that, [normalized](normalize_text), starts with one of
    /// `prefixes` as whole words ("cancel order 12" matches "cancel order").
    #[must_use]
    pub fn prefix<'a, H, T>(self, prefixes: impl IntoIterator<Item = &'a str>, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        let prefixes = prefixes.into_iter().map(normalize_text).collect();
        self.route(Matcher::Prefixes(prefixes), handler)
    }

    /// Routes taps on reply buttons or list rows with one of these ids, and
    /// template quick replies with one of these payloads.
    #[must_use]
    pub fn choice<'a, H, T>(self, ids: impl IntoIterator<Item = &'a str>, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        let ids = ids.into_iter().map(str::to_owned).collect();
        self.route(Matcher::Choices(ids), handler)
    }

    /// Routes messages whose conversation state satisfies `predicate` (needs the
    /// [conversation layer](crate::conversation) for `D`).
    ///
    /// ```
    /// # use framework::conversation::FlowState;
    /// # use framework::handler::Router;
    /// # #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
    /// # enum Flow { #[default] Idle, AwaitingConfirmation }
    /// # impl FlowState for Flow {}
    /// # async fn confirm_or_cancel() -> &'static str { "" }
    /// let router: Router = Router::new()
    ///     .state(|s: &Flow| matches!(s, Flow::AwaitingConfirmation), confirm_or_cancel);
    /// ```
    #[must_use]
    pub fn state<D, H, T>(
        self,
        predicate: impl Fn(&D) -> bool + Send + Sync + 'static,
        handler: H,
    ) -> Self
    where
        D: FlowState,
        H: Handler<T, S>,
        T: 'static,
    {
        let matcher = Matcher::Predicate(Arc::new(move |msg: &InboundMessage| {
            msg.extensions()
                .get::<Conversation<D>>()
                .is_some_and(|c| c.with(&predicate))
        }));
        self.route(matcher, handler)
    }

    /// Routes messages whose conversation state `select` picks something
    /// from, and hands that to the handler as its [`Step`] argument: the
    /// state's fields arrive typed, without matching the state a second time.
    /// (Needs the [conversation layer](crate::conversation) for `D`.)
    ///
    /// ```
    /// use framework::conversation::{Conversation, FlowState};
    /// use framework::handler::{Router, Step, Text};
    /// # #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
    /// # enum Flow { #[default] Idle, AskedQuantity { product: String } }
    /// # impl FlowState for Flow {}
    ///
    /// impl Flow {
    ///     fn asked_quantity(&self) -> Option<String> {
    ///         match self {
    ///             Flow::AskedQuantity { product } => Some(product.clone()),
    ///             _ => None,
    ///         }
    ///     }
    /// }
    ///
    /// async fn quantity(Step(product): Step<String>, Text(n): Text) -> String {
    ///     format!("{n} of {product}")
    /// }
    ///
    /// let router: Router = Router::new().on_state(Flow::asked_quantity, quantity);
    /// ```
    #[must_use]
    pub fn on_state<D, X, H, T>(
        self,
        select: impl Fn(&D) -> Option<X> + Send + Sync + 'static,
        handler: H,
    ) -> Self
    where
        D: FlowState,
        X: Clone + Send + Sync + 'static,
        H: Handler<T, S>,
        T: 'static,
    {
        let select = Arc::new(select);
        let selected = {
            let select = Arc::clone(&select);
            move |msg: &InboundMessage| {
                msg.extensions()
                    .get::<Conversation<D>>()
                    .and_then(|c| c.with(|state| select(state)))
            }
        };
        let matches = selected.clone();
        let matcher =
            Matcher::Predicate(Arc::new(move |msg: &InboundMessage| matches(msg).is_some()));
        let boxed: BoxedHandler<S> = Arc::new(move |mut msg: InboundMessage, state: S| {
            if let Some(step) = selected(&msg) {
                msg.extensions_mut().insert(Step(step));
            }
            handler.clone().call(msg, state)
        });
        self.route_boxed(matcher, boxed)
    }

    /// Adds a route with an already boxed handler (for routes built
    /// elsewhere in the crate, such as forms).
    pub(crate) fn route_boxed(mut self, matcher: Matcher, handler: BoxedHandler<S>) -> Self {
        self.routes.push((matcher, handler));
        self
    }

    /// Routes messages `predicate` accepts (e.g. every image).
    #[must_use]
    pub fn when<H, T>(
        self,
        predicate: impl Fn(&InboundMessage) -> bool + Send + Sync + 'static,
        handler: H,
    ) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.route(Matcher::Predicate(Arc::new(predicate)), handler)
    }

    /// Handles every message no route matches.
    #[must_use]
    pub fn fallback<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: 'static,
    {
        self.fallback = Some(boxed(handler));
        self
    }

    /// Provides the state handlers extract with [`State`](super::State), and
    /// returns the router as a [`Service`].
    #[must_use]
    pub fn with_state(self, state: S) -> RouterService<S> {
        RouterService {
            routes: self.routes.into(),
            fallback: self.fallback,
            state,
        }
    }
}

impl Router<()> {
    /// The router as a [`Service`] (for routers without state).
    #[must_use]
    pub fn into_service(self) -> RouterService<()> {
        self.with_state(())
    }
}

/// A [`Router`] with its state: the innermost service of a pipeline.
pub struct RouterService<S> {
    routes: Arc<[(Matcher, BoxedHandler<S>)]>,
    fallback: Option<BoxedHandler<S>>,
    state: S,
}

impl<S: Clone> Clone for RouterService<S> {
    fn clone(&self) -> Self {
        Self {
            routes: Arc::clone(&self.routes),
            fallback: self.fallback.clone(),
            state: self.state.clone(),
        }
    }
}

impl<S> fmt::Debug for RouterService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RouterService")
            .field("routes", &self.routes.len())
            .field("fallback", &self.fallback.is_some())
            .finish_non_exhaustive()
    }
}

impl<S> Service<InboundMessage> for RouterService<S>
where
    S: Clone + Send + Sync + 'static,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        // Keywords and prefixes match typed text only, not media captions:
        // the `Text` extractor of the handler they lead to would refuse a
        // captioned photo.
        let normalized = match msg.content() {
            crate::Content::Text { body } => Some(normalize_text(body)),
            _ => None,
        };
        let handler = self
            .routes
            .iter()
            .find(|(matcher, _)| matcher.matches(&msg, normalized.as_deref()))
            .map(|(_, handler)| handler)
            .or(self.fallback.as_ref());
        match handler {
            Some(handler) => handler(msg, self.state.clone()),
            None => Box::pin(async { Ok(Response::reply(Reply::text(DEFAULT_FALLBACK_REPLY))) }),
        }
    }
}
