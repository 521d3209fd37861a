use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tower::Service;

use super::data::Session;
use super::layer::SessionConfig;
use super::lock::{ConversationLock, Lease, LockError};
use super::scope::{TurnScope, Unscoped};
use super::store::{SessionStore, SessionStoreError};
use crate::lease::{Renewal, renewing};
use crate::{BoxError, InboundMessage, Response};

/// Errors of the session layer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The conversation's lane could not be taken.
    #[error("could not take the conversation's lane")]
    Lock(#[from] LockError),
    /// The session could not be loaded or saved.
    #[error("could not load or save the session")]
    Store(#[from] SessionStoreError),
    /// The turn ran longer than the configured maximum and was cancelled.
    #[error("the turn ran longer than {0:?} and was cancelled")]
    TurnTimeout(std::time::Duration),
}

/// Loads the session before the turn and saves it after, one turn per
/// conversation at a time; see the [module docs](super).
#[derive(Debug, Clone)]
pub struct SessionService<S, St, L, Sc = Unscoped> {
    inner: S,
    store: St,
    lock: L,
    scope: Sc,
    config: SessionConfig,
}

impl<S, St, L> SessionService<S, St, L> {
    /// Wraps `inner`.
    pub fn new(inner: S, store: St, lock: L, config: SessionConfig) -> Self {
        Self::with_scope(inner, store, lock, Unscoped, config)
    }
}

impl<S, St, L, Sc> SessionService<S, St, L, Sc> {
    /// Wraps `inner`, running each turn as one unit of `scope`.
    pub fn with_scope(inner: S, store: St, lock: L, scope: Sc, config: SessionConfig) -> Self {
        Self {
            inner,
            store,
            lock,
            scope,
            config,
        }
    }

    crate::macros::define_inner_service_accessors!();
}

/// Releases a lease when the turn ends, also when the turn's future is dropped
/// half-way (the webhook's client went away): a lane must not stay blocked until
/// the lease expires.
struct LeaseGuard<L: ConversationLock> {
    lock: L,
    lease: Option<Lease>,
}

impl<L: ConversationLock> LeaseGuard<L> {
    async fn release(mut self) {
        if let Some(lease) = self.lease.take() {
            release(&self.lock, &lease).await;
        }
    }
}

async fn release<L: ConversationLock>(lock: &L, lease: &Lease) {
    if let Err(e) = lock.release(lease).await {
        tracing::warn!(
            error.message = %e,
            error.cause_chain = ?e,
            "could not release the conversation's lane; it frees itself when the lease expires"
        );
    }
}

/// Renews `lease` for another `ttl`; [`Renewal::Lost`] once another turn
/// took the lane.
async fn renew_lease<L: ConversationLock>(lock: &L, lease: &Lease, ttl: Duration) -> Renewal {
    match lock.extend(lease, ttl).await {
        Ok(()) => Renewal::Held,
        Err(LockError::Lost) => {
            tracing::warn!(
                "the conversation's lease was lost during the turn; its save will be refused"
            );
            Renewal::Lost
        }
        Err(e) => {
            tracing::warn!(
                error.message = %e,
                "could not renew the conversation's lease; trying again"
            );
            Renewal::Held
        }
    }
}

impl<L: ConversationLock> Drop for LeaseGuard<L> {
    fn drop(&mut self) {
        let Some(lease) = self.lease.take() else {
            return;
        };
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let lock = self.lock.clone();
            handle.spawn(async move { release(&lock, &lease).await });
        }
    }
}

impl<S, St, L, Sc> Service<InboundMessage> for SessionService<S, St, L, Sc>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
    St: SessionStore,
    L: ConversationLock,
    Sc: TurnScope,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut msg: InboundMessage) -> Self::Future {
        let mut inner = crate::macros::take_ready(&mut self.inner);
        let store = self.store.clone();
        let lock = self.lock.clone();
        let scope = self.scope.clone();
        let config = self.config.clone();
        Box::pin(async move {
            let key = msg.key().storage_key();
            let lease = match lock.acquire(&key, config.lease_ttl, config.lock_wait).await {
                Ok(lease) => lease,
                // The lane stayed busy (a long turn, or a crashed holder whose
                // lease has not expired yet): nothing ran, so ask for the
                // message again rather than apologise for it.
                Err(LockError::Timeout { .. }) => {
                    tracing::info!(
                        message_id = %msg.id(),
                        "the conversation's lane stayed busy; answered in flight: the message runs again when it is redelivered (by the provider or an inbox)"
                    );
                    return Ok(Response::in_flight());
                }
                // The lane's store cannot answer: nothing ran, retry.
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "conversation lane failed; answered in flight: the message runs again when it is redelivered (by the provider or an inbox)");
                    return Ok(Response::in_flight());
                }
            };
            let fence = lease.token();
            let (renew_lock, renew_lease_of) = (lock.clone(), lease.clone());
            let guard = LeaseGuard {
                lock,
                lease: Some(lease),
            };

            // Load, turn and save are one unit of the scope (one database
            // transaction for the bot), committed before the lane is freed.
            let (ttl, max_turn) = (config.ttl, config.max_turn);
            let scoped_msg = msg.clone();
            let scoped = scope.run(&scoped_msg, async move {
                let stored = match store.load(&key, fence).await {
                    Ok(stored) => stored,
                    // Nothing ran yet: retry rather than apologise (the lease
                    // guard frees the lane).
                    Err(e) => {
                        tracing::warn!(error.message = %e, error.cause_chain = ?e, "session store failed; answered in flight: the message runs again when it is redelivered (by the provider or an inbox)");
                        return Ok(Response::in_flight());
                    }
                };
                let existed = stored.is_some();
                let session = match stored.as_deref().map(Session::from_bytes) {
                    Some(Ok(session)) => session,
                    Some(Err(e)) => {
                        // A session we cannot read must not lock the customer out:
                        // start over, and say so in the log.
                        tracing::error!(
                            error.message = %e,
                            "stored session is not valid JSON; starting a fresh one"
                        );
                        Session::new()
                    }
                    None => Session::new(),
                };
                msg.extensions_mut().insert(session.clone());
                let response = inner.call(msg).await.map_err(Into::<BoxError>::into)?;
                let saved = if !session.is_empty() {
                    // Saved every turn, changed or not, so the TTL counts
                    // from the conversation's last message.
                    store
                        .save(&key, &session.to_bytes(), ttl, fence)
                        .await
                } else if existed {
                    store.remove(&key, fence).await
                } else {
                    Ok(())
                };
                saved
                    .map(|()| response)
                    .map_err(|e| BoxError::from(SessionError::from(e)))
            });

            // While the turn runs, its lease is renewed every third of its TTL
            // (concurrently: a slow store must not pause the turn), so the
            // lane is not taken over under a slow turn; once renewal says the
            // lease was lost, the turn still finishes and its save is refused
            // by the fencing token. A turn over the maximum is cancelled (and
            // its unit rolled back), so a stuck one cannot hold the lane for
            // ever.
            let lease_ttl = config.lease_ttl;
            let bounded = renewing(scoped, lease_ttl / 3, || {
                renew_lease(&renew_lock, &renew_lease_of, lease_ttl)
            });
            let result = match tokio::time::timeout(max_turn, bounded).await {
                Ok(result) => result,
                Err(_) => Err(SessionError::TurnTimeout(max_turn).into()),
            };
            guard.release().await;
            result
        })
    }
}
