//! Access tokens: cached until shortly before they expire, refreshed by one
//! caller at a time.
//!
//! Zoho allows 10 refreshes per refresh token per 10 minutes (then "Access
//! Denied" for the rest of the window) and 15 live access tokens (the 16th
//! invalidates the oldest), so every caller, and ideally every replica,
//! shares one cached token and one refresh in flight. A [`TokenStore`]
//! holds the token and the refresh lock: [`InMemTokenStore`] for one
//! process; a store on Redis (`SET key value PX ttl` for the token, `SET
//! lock id NX PX ttl` for the lock, released only by its holder) shares
//! them across replicas.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret as _, SecretString};
use tokio::sync::{OwnedSemaphorePermit, RwLock, Semaphore};

use super::error::ZohoError;

/// How long before its expiry a token is replaced.
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(5 * 60);

/// How long a refresh lock is held at most: a holder that died lets go
/// after this (stores that can lose their holder use it as the lock's TTL).
pub const REFRESH_LOCK_TTL: Duration = Duration::from_secs(30);

/// An access token and when to replace it.
#[derive(Debug, Clone)]
pub struct CachedToken {
    access_token: SecretString,
    renew_at: SystemTime,
}

impl CachedToken {
    /// `access_token`, to be replaced at `renew_at` (wall-clock time, so a
    /// shared store means the same instant on every replica).
    #[must_use]
    pub fn new(access_token: impl Into<String>, renew_at: SystemTime) -> Self {
        Self {
            access_token: SecretString::from(access_token.into()),
            renew_at,
        }
    }

    /// A token that expires in `expires_in` from now: replaced
    /// [`RENEW_BEFORE_EXPIRY`] before that (or halfway, for short-lived
    /// tokens).
    #[must_use]
    pub fn expiring_in(access_token: impl Into<String>, expires_in: Duration) -> Self {
        let margin = RENEW_BEFORE_EXPIRY.min(expires_in / 2);
        Self::new(access_token, SystemTime::now() + (expires_in - margin))
    }

    /// The token itself: for the `Authorization` header, never for logs.
    #[must_use]
    pub fn access_token(&self) -> &SecretString {
        &self.access_token
    }

    /// When it should be replaced.
    #[must_use]
    pub fn renew_at(&self) -> SystemTime {
        self.renew_at
    }

    /// Whether it can still be used at `now`.
    #[must_use]
    pub fn is_fresh_at(&self, now: SystemTime) -> bool {
        now < self.renew_at
    }

    fn is(&self, other: &SecretString) -> bool {
        self.access_token.expose_secret() == other.expose_secret()
    }
}

/// A store that failed (a shared store's server unreachable).
#[derive(Debug, thiserror::Error)]
#[error("the zoho token store failed: {0}")]
pub struct TokenStoreError(pub String);

/// Where the access token is kept, and the lock that lets one caller at a
/// time refresh it.
///
/// Callers hold the lock only around a refresh: [`acquire`](Self::acquire)
/// waits until it is theirs (or its [`REFRESH_LOCK_TTL`] lapsed for a
/// holder that vanished), they look at the token again (someone may have
/// refreshed meanwhile), refresh if it is still stale, [`put`](Self::put)
/// the new one and [`release`](Self::release) the lease. Dropping a lease
/// without releasing it must also free the lock (for a shared store, at the
/// latest when its TTL lapses).
///
/// Implement it on a shared store (Redis) to share one token and one refresh
/// among replicas; [`InMemTokenStore`] keeps them in the process.
pub trait TokenStore: Clone + Send + Sync + 'static {
    /// Proof of holding the refresh lock.
    type Lease: Send + 'static;

    /// The cached token, fresh or not.
    fn get(&self) -> impl Future<Output = Result<Option<CachedToken>, TokenStoreError>> + Send;

    /// Replaces the cached token.
    fn put(&self, token: CachedToken) -> impl Future<Output = Result<(), TokenStoreError>> + Send;

    /// Waits until this caller holds the refresh lock, for at most `ttl`
    /// once held.
    fn acquire(
        &self,
        ttl: Duration,
    ) -> impl Future<Output = Result<Self::Lease, TokenStoreError>> + Send;

    /// Gives the refresh lock back.
    fn release(
        &self,
        lease: Self::Lease,
    ) -> impl Future<Output = Result<(), TokenStoreError>> + Send;
}

/// A [`TokenStore`] in this process: clones share the token and the lock.
#[derive(Debug, Clone)]
pub struct InMemTokenStore {
    token: Arc<RwLock<Option<CachedToken>>>,
    lock: Arc<Semaphore>,
}

impl Default for InMemTokenStore {
    fn default() -> Self {
        Self {
            token: Arc::default(),
            lock: Arc::new(Semaphore::new(1)),
        }
    }
}

impl TokenStore for InMemTokenStore {
    /// The semaphore's one permit: dropped, the lock is free.
    type Lease = OwnedSemaphorePermit;

    async fn get(&self) -> Result<Option<CachedToken>, TokenStoreError> {
        Ok(self.token.read().await.clone())
    }

    async fn put(&self, token: CachedToken) -> Result<(), TokenStoreError> {
        *self.token.write().await = Some(token);
        Ok(())
    }

    async fn acquire(&self, _ttl: Duration) -> Result<Self::Lease, TokenStoreError> {
        // The permit is dropped with the caller's future, so a caller that
        // vanished cannot keep the lock: no TTL needed.
        Arc::clone(&self.lock)
            .acquire_owned()
            .await
            .map_err(|_| TokenStoreError("the refresh lock was closed".to_owned()))
    }

    async fn release(&self, lease: Self::Lease) -> Result<(), TokenStoreError> {
        drop(lease);
        Ok(())
    }
}

/// What refreshing a token takes: one call to the accounts server.
pub(super) trait Refresh: Send + Sync {
    fn refresh(&self) -> impl Future<Output = Result<CachedToken, ZohoError>> + Send;
}

/// Hands out access tokens from a [`TokenStore`], refreshing them through
/// `R` one caller at a time.
#[derive(Debug)]
pub(super) struct Tokens<S> {
    store: S,
    /// This process's refresh attempts: how many, and the last one's error.
    /// A caller that waited for the lock while the holder's refresh failed
    /// gets that error instead of asking again (which, throttled, would only
    /// prolong the throttle).
    attempts: Mutex<(u64, Option<ZohoError>)>,
}

impl<S: TokenStore> Tokens<S> {
    pub(super) fn new(store: S) -> Self {
        Self {
            store,
            attempts: Mutex::new((0, None)),
        }
    }

    /// A token to call with: the cached one when fresh and not `rejected`
    /// (a token the API just refused), else a new one.
    pub(super) async fn get<R: Refresh>(
        &self,
        refresher: &R,
        rejected: Option<&SecretString>,
    ) -> Result<SecretString, ZohoError> {
        if let Some(token) = self.usable(rejected).await? {
            return Ok(token);
        }
        let seen = self.attempts().0;
        let lease = self
            .store
            .acquire(REFRESH_LOCK_TTL)
            .await
            .map_err(store_error)?;
        let result = self.refresh_held(refresher, rejected, seen).await;
        if let Err(e) = self.store.release(lease).await {
            tracing::warn!(error.message = %e, "could not release the zoho refresh lock; it lapses on its own");
        }
        result
    }

    /// Under the lock: someone may have refreshed (or failed to) while we
    /// waited.
    async fn refresh_held<R: Refresh>(
        &self,
        refresher: &R,
        rejected: Option<&SecretString>,
        seen: u64,
    ) -> Result<SecretString, ZohoError> {
        if let Some(token) = self.usable(rejected).await? {
            return Ok(token);
        }
        if let (count, Some(e)) = self.attempts()
            && count > seen
        {
            return Err(e);
        }
        let result = refresher.refresh().await;
        {
            let mut attempts = self.attempts.lock().unwrap_or_else(PoisonError::into_inner);
            attempts.0 += 1;
            attempts.1 = result.as_ref().err().cloned();
        }
        let outcome = match &result {
            Ok(_) => "refreshed",
            Err(e) => e.outcome(),
        };
        metrics::counter!("campanile_zoho_token_refreshes_total", "outcome" => outcome)
            .increment(1);
        let token = result?;
        let access = token.access_token().clone();
        self.store.put(token).await.map_err(store_error)?;
        Ok(access)
    }

    async fn usable(
        &self,
        rejected: Option<&SecretString>,
    ) -> Result<Option<SecretString>, ZohoError> {
        let cached = self.store.get().await.map_err(store_error)?;
        Ok(cached
            .filter(|t| t.is_fresh_at(SystemTime::now()))
            .filter(|t| rejected.is_none_or(|r| !t.is(r)))
            .map(|t| t.access_token))
    }

    fn attempts(&self) -> (u64, Option<ZohoError>) {
        self.attempts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn store_error(e: TokenStoreError) -> ZohoError {
    ZohoError::Retryable {
        message: e.to_string(),
        code: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_renewed_before_they_expire() {
        let token = CachedToken::expiring_in("t", Duration::from_secs(3600));
        let now = SystemTime::now();
        assert!(token.is_fresh_at(now));
        assert!(token.is_fresh_at(now + Duration::from_secs(3300 - 5)));
        assert!(!token.is_fresh_at(now + Duration::from_secs(3300 + 5)));
        // Short-lived: halfway.
        let short = CachedToken::expiring_in("t", Duration::from_secs(60));
        assert!(!short.is_fresh_at(now + Duration::from_secs(31)));
        assert!(!format!("{token:?}").contains("\"t\""));
    }
}
