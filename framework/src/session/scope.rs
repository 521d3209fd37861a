use std::future::Future;

use crate::{BoxError, InboundMessage, Response};

/// Makes one unit of a turn's work: the session load, the inner service
/// (the handler's effects and its stored replies) and the session save.
///
/// The session layer calls [`run`](TurnScope::run) while it holds the
/// conversation's lane, so the unit commits before the next turn of the
/// conversation may start. A database-backed scope runs `turn` in one
/// transaction and commits it when `turn` returns `Ok` with an outcome other
/// than [`Outcome::InFlight`](crate::Outcome::InFlight), so a crash at any
/// point leaves all of the turn's effects or none; it may also replace the
/// response (a duplicate, when another run of the same message committed
/// first). [`Unscoped`] (the default) just runs the turn.
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// use framework::session::{InMemConversationLock, InMemSessionStore, SessionLayer, TurnScope};
/// use framework::{BoxError, InboundMessage, Response};
/// use tower::{service_fn, ServiceBuilder, ServiceExt};
///
/// /// Counts the turns that would be committed.
/// #[derive(Clone, Default)]
/// struct Counting(Arc<AtomicUsize>);
///
/// impl TurnScope for Counting {
///     fn run<F>(&self, _msg: &InboundMessage, turn: F)
///         -> impl Future<Output = Result<Response, BoxError>> + Send + 'static + use<F>
///     where
///         F: Future<Output = Result<Response, BoxError>> + Send + 'static,
///     {
///         let commits = Arc::clone(&self.0);
///         async move {
///             let response = turn.await?;
///             commits.fetch_add(1, Ordering::SeqCst);
///             Ok(response)
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), BoxError> {
/// let scope = Counting::default();
/// let bot = ServiceBuilder::new()
///     .layer(
///         SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
///             .with_turn_scope(scope.clone()),
///     )
///     .service(service_fn(|_msg: InboundMessage| async { Ok::<_, BoxError>(Response::reply("hi")) }));
/// bot.oneshot(framework::doc::text("hello")).await?;
/// assert_eq!(scope.0.load(Ordering::SeqCst), 1);
/// # Ok(())
/// # }
/// ```
pub trait TurnScope: Clone + Send + Sync + 'static {
    /// Runs `turn` as one unit; see the [trait docs](TurnScope).
    fn run<F>(
        &self,
        msg: &InboundMessage,
        turn: F,
    ) -> impl Future<Output = Result<Response, BoxError>> + Send + 'static + use<Self, F>
    where
        F: Future<Output = Result<Response, BoxError>> + Send + 'static;
}

/// Runs a turn as it is: each store commits on its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Unscoped;

impl TurnScope for Unscoped {
    fn run<F>(
        &self,
        _msg: &InboundMessage,
        turn: F,
    ) -> impl Future<Output = Result<Response, BoxError>> + Send + 'static + use<F>
    where
        F: Future<Output = Result<Response, BoxError>> + Send + 'static,
    {
        turn
    }
}
