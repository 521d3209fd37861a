use std::task::{Context, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

use super::layer::DedupConfig;
use super::store::{Claim, ClaimToken, SeenStore};
use crate::lease::{Renewal, renewing};
use crate::{BoxError, InboundMessage, Outcome, Response};

/// Drops messages seen before; see the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct Dedup<S, St> {
    inner: S,
    store: St,
    config: DedupConfig,
}

impl<S, St> Dedup<S, St> {
    /// Wraps `inner`.
    pub fn new(inner: S, store: St, config: DedupConfig) -> Self {
        Self {
            inner,
            store,
            config,
        }
    }

    crate::macros::define_inner_service_accessors!();
}

impl<S, St> Service<InboundMessage> for Dedup<S, St>
where
    S: Service<InboundMessage, Response = Response> + Clone + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send,
    St: SeenStore,
{
    type Response = Response;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Response, BoxError>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, msg: InboundMessage) -> Self::Future {
        let mut inner = crate::macros::take_ready(&mut self.inner);
        let store = self.store.clone();
        let config = self.config.clone();
        Box::pin(async move {
            if is_stale(&msg, &config) {
                tracing::info!(message_id = %msg.id(), "dropping a message older than the maximum age");
                return Ok(Response::stale());
            }
            let key = msg.dedup_key();
            let claimed = match store.claim(&key, config.in_flight_ttl).await {
                Ok(claimed) => claimed,
                // Nothing ran and nothing is recorded: the message must run
                // again when it is redelivered, not be answered with an
                // apology.
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "dedup store failed; answered in flight: the message runs again when it is redelivered (by the provider or an inbox)");
                    return Ok(Response::in_flight());
                }
            };
            let token = match claimed {
                Claim::Claimed(token) => token,
                Claim::Done => {
                    tracing::debug!(message_id = %msg.id(), "duplicate message dropped");
                    return Ok(Response::duplicate());
                }
                Claim::InFlight => {
                    tracing::debug!(message_id = %msg.id(), "message in flight elsewhere; answered in flight: a redelivery (by the provider or an inbox) runs it if that turn does not finish");
                    return Ok(Response::in_flight());
                }
            };
            // If this future is dropped mid-turn (its caller was cancelled), the
            // guard gives the claim back so a retry is not refused for the
            // whole in-flight TTL.
            let mut guard = ClaimGuard {
                store: store.clone(),
                claim: Some((key.clone(), token.clone())),
            };
            // The claim is short (a crashed worker's message runs again
            // soon) and renewed while the turn runs.
            let ttl = config.in_flight_ttl;
            let result = renewing(inner.call(msg), ttl / 3, || {
                renew_claim(&store, &key, &token, ttl)
            })
            .await
            .map_err(Into::into);
            guard.claim = None;
            match result {
                Ok(response) if response.outcome() == Outcome::InFlight => {
                    // Nothing ran further in (the lane was busy): give the
                    // claim back so the provider's retry runs the message.
                    if let Err(e) = store.release(&key, &token).await {
                        tracing::warn!(error.message = %e, "could not release a dedup claim; a retry waits for it to expire");
                    }
                    Ok(response)
                }
                Ok(response) => {
                    if let Err(e) = store.complete(&key, &token, config.ttl).await {
                        // The claim still blocks retries until it expires; the
                        // replies are already decided, so deliver them.
                        tracing::error!(
                            error.message = %e,
                            error.cause_chain = ?e,
                            "could not mark a processed message as done"
                        );
                    }
                    Ok(response)
                }
                Err(e) => {
                    if let Err(release_err) = store.release(&key, &token).await {
                        tracing::warn!(
                            error.message = %release_err,
                            "could not release a dedup claim; a retry waits for it to expire"
                        );
                    }
                    Err(e)
                }
            }
        })
    }
}

/// Renews the claim on `key` for another `ttl`; [`Renewal::Lost`] once it
/// is no longer held (it expired and may run elsewhere).
async fn renew_claim<St: SeenStore>(
    store: &St,
    key: &str,
    token: &ClaimToken,
    ttl: std::time::Duration,
) -> Renewal {
    match store.renew(key, token, ttl).await {
        Ok(true) => Renewal::Held,
        Ok(false) => {
            tracing::warn!(
                "a message's in-flight claim expired during its turn; a retry may run it beside this one"
            );
            Renewal::Lost
        }
        Err(e) => {
            tracing::warn!(error.message = %e, "could not renew a message's in-flight claim; trying again");
            Renewal::Held
        }
    }
}

/// Releases a claim when the turn holding it is dropped before it ended.
struct ClaimGuard<St: SeenStore> {
    store: St,
    claim: Option<(String, ClaimToken)>,
}

impl<St: SeenStore> Drop for ClaimGuard<St> {
    fn drop(&mut self) {
        let Some((key, token)) = self.claim.take() else {
            return;
        };
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let store = self.store.clone();
            handle.spawn(async move {
                if let Err(e) = store.release(&key, &token).await {
                    tracing::warn!(error.message = %e, "could not release the claim of a cancelled turn");
                }
            });
        }
    }
}

fn is_stale(msg: &InboundMessage, config: &DedupConfig) -> bool {
    match (config.max_age, msg.timestamp()) {
        (Some(max_age), Some(sent)) => config
            .clock
            .now()
            .duration_since(sent)
            .is_ok_and(|age| age > max_age),
        _ => false,
    }
}
