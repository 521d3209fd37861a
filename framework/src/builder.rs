//! `ServiceBuilder` methods for Campanile's layers.

use tower::ServiceBuilder;
use tower::layer::util::Stack;

use crate::conversation::{ConversationLayer, FlowState};
use crate::dedup::{DedupLayer, SeenStore};
use crate::deliver::DeliverLayer;
use crate::handle_error::HandleErrorLayer;
use crate::menu::MenuLayer;
use crate::rate_limit::{RateLimitConfig, RateLimitLayer, RateStore};
use crate::session::{ConversationLock, SessionLayer, SessionStore};
use crate::trace::TraceLayer;
use crate::webhook::Outbox;

mod sealed {
    pub trait Sealed {}
    impl<L> Sealed for tower::ServiceBuilder<L> {}
}

/// Adds Campanile's layers to [`ServiceBuilder`], each with its default
/// configuration, so a whole pipeline reads top to bottom in one builder. For
/// other configurations use `.layer(XxxLayer::new(..).with_config(..))`.
///
/// The recommended order (`docs/ARCHITECTURE.md` explains it):
///
/// ```
/// use framework::dedup::InMemSeenStore;
/// use framework::handler::{Router, Text};
/// use framework::rate_limit::{InMemRateStore, RateLimitConfig};
/// use framework::session::{InMemConversationLock, InMemSessionStore};
/// use framework::webhook::LogOutbox;
/// use framework::ServiceBuilderExt;
/// use tower::ServiceBuilder;
/// # #[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
/// # enum Flow { #[default] Idle }
/// # impl framework::conversation::FlowState for Flow {}
///
/// async fn echo(Text(t): Text) -> String { t }
///
/// let pipeline = ServiceBuilder::new()
///     .trace()
///     .handle_errors()
///     .dedup(InMemSeenStore::new())
///     .conversation_rate_limit(InMemRateStore::new(), RateLimitConfig::default())
///     .session(InMemSessionStore::new(), InMemConversationLock::new())
///     .deliver(LogOutbox)
///     .menus()
///     .conversation::<Flow>()
///     .service(Router::new().fallback(echo).into_service());
/// # let _ = pipeline;
/// ```
pub trait ServiceBuilderExt<L>: sealed::Sealed + Sized {
    /// Adds [`TraceLayer`](crate::trace::TraceLayer).
    #[must_use]
    fn trace(self) -> ServiceBuilder<Stack<TraceLayer, L>>;

    /// Adds [`HandleErrorLayer`](crate::handle_error::HandleErrorLayer) with the
    /// default apology.
    #[must_use]
    fn handle_errors(self) -> ServiceBuilder<Stack<HandleErrorLayer, L>>;

    /// Adds [`DedupLayer`](crate::dedup::DedupLayer) over `store`.
    #[must_use]
    fn dedup<St: SeenStore>(self, store: St) -> ServiceBuilder<Stack<DedupLayer<St>, L>>;

    /// Adds [`RateLimitLayer`](crate::rate_limit::RateLimitLayer) over `store`,
    /// one budget per conversation.
    ///
    /// (Not named `rate_limit`: `ServiceBuilder` has an inherent method of that
    /// name, tower's global rate limit, which would shadow this one.)
    #[must_use]
    fn conversation_rate_limit<St: RateStore>(
        self,
        store: St,
        config: RateLimitConfig,
    ) -> ServiceBuilder<Stack<RateLimitLayer<St>, L>>;

    /// Adds [`SessionLayer`](crate::session::SessionLayer) over `store` and
    /// `lock`.
    #[must_use]
    fn session<St: SessionStore, Lk: ConversationLock>(
        self,
        store: St,
        lock: Lk,
    ) -> ServiceBuilder<Stack<SessionLayer<St, Lk>, L>>;

    /// Adds [`DeliverLayer`](crate::deliver::DeliverLayer): replies go to
    /// `outbox` before the turn completes.
    #[must_use]
    fn deliver<O: Outbox>(self, outbox: O) -> ServiceBuilder<Stack<DeliverLayer<O>, L>>;

    /// Adds [`MenuLayer`](crate::menu::MenuLayer): typed answers to the last
    /// menu become choices.
    #[must_use]
    fn menus(self) -> ServiceBuilder<Stack<MenuLayer, L>>;

    /// Adds [`ConversationLayer`](crate::conversation::ConversationLayer) for
    /// the state type `D`.
    #[must_use]
    fn conversation<D: FlowState>(self) -> ServiceBuilder<Stack<ConversationLayer<D>, L>>;
}

impl<L> ServiceBuilderExt<L> for ServiceBuilder<L> {
    fn trace(self) -> ServiceBuilder<Stack<TraceLayer, L>> {
        self.layer(TraceLayer::new())
    }

    fn handle_errors(self) -> ServiceBuilder<Stack<HandleErrorLayer, L>> {
        self.layer(HandleErrorLayer::new())
    }

    fn dedup<St: SeenStore>(self, store: St) -> ServiceBuilder<Stack<DedupLayer<St>, L>> {
        self.layer(DedupLayer::new(store))
    }

    fn conversation_rate_limit<St: RateStore>(
        self,
        store: St,
        config: RateLimitConfig,
    ) -> ServiceBuilder<Stack<RateLimitLayer<St>, L>> {
        self.layer(RateLimitLayer::new(store, config))
    }

    fn session<St: SessionStore, Lk: ConversationLock>(
        self,
        store: St,
        lock: Lk,
    ) -> ServiceBuilder<Stack<SessionLayer<St, Lk>, L>> {
        self.layer(SessionLayer::new(store, lock))
    }

    fn deliver<O: Outbox>(self, outbox: O) -> ServiceBuilder<Stack<DeliverLayer<O>, L>> {
        self.layer(DeliverLayer::new(outbox))
    }

    fn menus(self) -> ServiceBuilder<Stack<MenuLayer, L>> {
        self.layer(MenuLayer::new())
    }

    fn conversation<D: FlowState>(self) -> ServiceBuilder<Stack<ConversationLayer<D>, L>> {
        self.layer(ConversationLayer::new())
    }
}
