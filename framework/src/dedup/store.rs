//! Where the dedup layer remembers which messages it has seen.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::BoxError;
use crate::time::{Sweeper, after};

/// Proof that this caller claimed a message; only its holder can release the
/// claim, so a slow first attempt cannot free a claim a retry took over.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken(String);

impl ClaimToken {
    /// Wraps a token chosen by a store (a counter, a random string).
    #[must_use]
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    /// The token's text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The answer to "may I process this message?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First sight: the caller processes the message and then calls
    /// [`SeenStore::complete`] (or [`SeenStore::release`] if it failed).
    Claimed(ClaimToken),
    /// Another attempt is processing the message right now.
    InFlight,
    /// The message was processed before.
    Done,
}

/// Errors of a [`SeenStore`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SeenStoreError {
    /// The backing store failed (network, server error, ...).
    #[error("dedup store failed")]
    Backend(#[source] BoxError),
}

/// Remembers provider message ids, so a retried webhook causes its effects at
/// most once.
///
/// A message moves through two states: *in flight* (claimed, being processed;
/// expires after a short TTL so a crashed worker does not block retries forever)
/// and *done* (processed; kept for the long dedup TTL, 7 days by default, because
/// Meta retries for that long).
///
/// # Contract
///
/// Every implementation must pass [`crate::testing::contract::seen_store`]:
/// - `claim` is atomic: of any number of concurrent claims of one key, exactly
///   one gets [`Claim::Claimed`];
/// - a claimed key answers [`Claim::InFlight`] until `complete`, `release` or
///   the in-flight TTL;
/// - a completed key answers [`Claim::Done`] until its TTL;
/// - `renew` keeps a claim held by the given token in flight for another
///   in-flight TTL, and answers `false` (changing nothing) for a claim that
///   expired, was taken over, released or completed;
/// - `release` only frees a claim held by the given token, and never a done key.
pub trait SeenStore: Clone + Send + Sync + 'static {
    /// Claims `key` for processing, for at most `in_flight_ttl`.
    ///
    /// # Errors
    ///
    /// [`SeenStoreError::Backend`] when the store cannot answer; the caller must
    /// not process the message then.
    fn claim(
        &self,
        key: &str,
        in_flight_ttl: Duration,
    ) -> impl Future<Output = Result<Claim, SeenStoreError>> + Send;

    /// Marks `key` as processed for `ttl`.
    ///
    /// # Errors
    ///
    /// [`SeenStoreError::Backend`] when the store cannot write.
    fn complete(
        &self,
        key: &str,
        token: &ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<(), SeenStoreError>> + Send;

    /// Keeps a claim in flight for another `in_flight_ttl` from now, while
    /// its message is processed (a short in-flight TTL, renewed, lets a
    /// crashed worker's message run again soon). `Ok(false)` when the
    /// claim is no longer held by `token`: it expired (and perhaps another
    /// attempt took it over), or the key was released or completed.
    ///
    /// # Errors
    ///
    /// [`SeenStoreError::Backend`] when the store cannot answer.
    fn renew(
        &self,
        key: &str,
        token: &ClaimToken,
        in_flight_ttl: Duration,
    ) -> impl Future<Output = Result<bool, SeenStoreError>> + Send;

    /// Gives up a claim so a retry can process the message; a no-op when the
    /// claim is no longer held by `token` or the key is done.
    ///
    /// # Errors
    ///
    /// [`SeenStoreError::Backend`] when the store cannot write.
    fn release(
        &self,
        key: &str,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<(), SeenStoreError>> + Send;
}

#[derive(Debug)]
enum EntryState {
    InFlight(ClaimToken),
    Done,
}

#[derive(Debug)]
struct Entry {
    state: EntryState,
    expires_at: Instant,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, Entry>,
    sweeper: Sweeper,
}

impl Entries {
    /// Drops expired entries now and then, so memory stays bounded by the number
    /// of messages within one TTL.
    fn maybe_sweep(&mut self, now: Instant) {
        if self.sweeper.due() {
            self.map.retain(|_, e| e.expires_at > now);
            self.sweeper.swept(self.map.len());
        }
    }
}

/// An in-process [`SeenStore`] for one instance (the embedded default and tests).
///
/// Time is `tokio::time::Instant`, so tests can move it with
/// `tokio::time::advance`.
#[derive(Debug, Clone, Default)]
pub struct InMemSeenStore {
    entries: Arc<Mutex<Entries>>,
    next_token: Arc<AtomicU64>,
}

impl InMemSeenStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn with_entries<T>(&self, f: impl FnOnce(&mut Entries) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-update of a
        // plain map; the map itself is still consistent.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut entries)
    }
}

impl SeenStore for InMemSeenStore {
    async fn claim(&self, key: &str, in_flight_ttl: Duration) -> Result<Claim, SeenStoreError> {
        let now = Instant::now();
        let token = ClaimToken(self.next_token.fetch_add(1, Ordering::Relaxed).to_string());
        Ok(self.with_entries(|entries| {
            if let Some(entry) = entries.map.get(key).filter(|e| e.expires_at > now) {
                return match entry.state {
                    EntryState::InFlight(_) => Claim::InFlight,
                    EntryState::Done => Claim::Done,
                };
            }
            entries.map.insert(
                key.to_owned(),
                Entry {
                    state: EntryState::InFlight(token.clone()),
                    expires_at: after(now, in_flight_ttl),
                },
            );
            entries.maybe_sweep(now);
            Claim::Claimed(token)
        }))
    }

    async fn complete(
        &self,
        key: &str,
        _token: &ClaimToken,
        ttl: Duration,
    ) -> Result<(), SeenStoreError> {
        let now = Instant::now();
        self.with_entries(|entries| {
            entries.map.insert(
                key.to_owned(),
                Entry {
                    state: EntryState::Done,
                    expires_at: after(now, ttl),
                },
            );
            entries.maybe_sweep(now);
        });
        Ok(())
    }

    async fn renew(
        &self,
        key: &str,
        token: &ClaimToken,
        in_flight_ttl: Duration,
    ) -> Result<bool, SeenStoreError> {
        let now = Instant::now();
        Ok(self.with_entries(|entries| match entries.map.get_mut(key) {
            Some(entry)
                if entry.expires_at > now
                    && matches!(&entry.state, EntryState::InFlight(held) if held == token) =>
            {
                entry.expires_at = after(now, in_flight_ttl);
                true
            }
            _ => false,
        }))
    }

    async fn release(&self, key: &str, token: &ClaimToken) -> Result<(), SeenStoreError> {
        self.with_entries(|entries| {
            if matches!(entries.map.get(key), Some(Entry { state: EntryState::InFlight(held), .. }) if held == token)
            {
                entries.map.remove(key);
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn expired_ids_are_swept_so_memory_stays_bounded() {
        let store = InMemSeenStore::new();
        for i in 0..5_000 {
            store
                .claim(&format!("old-{i}"), Duration::from_secs(1))
                .await
                .unwrap();
        }
        tokio::time::advance(Duration::from_secs(2)).await;
        for i in 0..3_000 {
            store
                .claim(&format!("new-{i}"), Duration::from_secs(60))
                .await
                .unwrap();
        }
        let held = store.with_entries(|e| e.map.len());
        assert!(
            held <= 3_000 + 1_024,
            "{held} entries held after the old ones expired"
        );
    }
}
