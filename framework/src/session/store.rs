//! Where sessions are kept between turns.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use crate::BoxError;
use crate::time::{Sweeper, after};

/// A number that grows with every grant of a conversation's lease.
///
/// Stores refuse reads and writes carrying a token lower than one they have
/// already seen for the key, so a holder whose lease expired (it stalled, its
/// instance froze) cannot overwrite the work of the holder after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FencingToken(u64);

impl FencingToken {
    /// Wraps a token value issued by a [`ConversationLock`](super::ConversationLock).
    #[must_use]
    pub const fn new(value: u64) -> Self {
        Self(value)
    }

    /// The token's value.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for FencingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Errors of a [`SessionStore`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionStoreError {
    /// The caller's lease was superseded: a later holder has used the key.
    #[error("stale session access refused: fencing token {token} is older than {current}")]
    Fenced {
        /// The caller's token.
        token: FencingToken,
        /// The newest token the store has seen for the key.
        current: FencingToken,
    },
    /// The backing store failed.
    #[error("session store failed")]
    Backend(#[source] BoxError),
}

/// Keeps each conversation's session as opaque bytes with a time to live.
///
/// # Contract
///
/// Every implementation must pass [`crate::testing::contract::session_store`]:
/// - `save` then `load` returns the same bytes until `ttl` passes, then `None`;
/// - every call carries the caller's [`FencingToken`]; a call whose token is
///   lower than the highest the store has seen for that key fails with
///   [`SessionStoreError::Fenced`] and changes nothing;
/// - keys are independent.
pub trait SessionStore: Clone + Send + Sync + 'static {
    /// Loads the session of `key`, if there is one that has not expired.
    ///
    /// # Errors
    ///
    /// [`SessionStoreError::Fenced`] for a superseded token,
    /// [`SessionStoreError::Backend`] when the store cannot answer.
    fn load(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, SessionStoreError>> + Send;

    /// Stores `data` as the session of `key` for `ttl` (replacing any earlier one
    /// and restarting its time to live).
    ///
    /// # Errors
    ///
    /// [`SessionStoreError::Fenced`] for a superseded token,
    /// [`SessionStoreError::Backend`] when the store cannot write.
    fn save(
        &self,
        key: &str,
        data: &[u8],
        ttl: Duration,
        fence: FencingToken,
    ) -> impl Future<Output = Result<(), SessionStoreError>> + Send;

    /// Deletes the session of `key`.
    ///
    /// # Errors
    ///
    /// [`SessionStoreError::Fenced`] for a superseded token,
    /// [`SessionStoreError::Backend`] when the store cannot write.
    fn remove(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> impl Future<Output = Result<(), SessionStoreError>> + Send;
}

#[derive(Debug)]
struct Slot {
    data: Option<(Vec<u8>, Instant)>,
    max_fence: FencingToken,
    /// When this slot may be forgotten entirely (data expired and fences that
    /// old can no longer be in use).
    forget_at: Instant,
}

/// How long a fencing token is remembered after its key's session expired;
/// far longer than any lease lives.
const FENCE_MEMORY: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Default)]
struct Slots {
    map: HashMap<String, Slot>,
    sweeper: Sweeper,
}

/// An in-process [`SessionStore`] for one instance (the embedded default and
/// tests).
///
/// Time is `tokio::time::Instant`, so tests can move it with
/// `tokio::time::advance`.
#[derive(Debug, Clone, Default)]
pub struct InMemSessionStore {
    slots: Arc<Mutex<Slots>>,
}

impl InMemSessionStore {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn with_slot<T>(
        &self,
        key: &str,
        fence: FencingToken,
        f: impl FnOnce(&mut Slot, Instant) -> T,
    ) -> Result<T, SessionStoreError> {
        let now = Instant::now();
        let mut slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        if slots.sweeper.due() {
            slots.map.retain(|_, s| s.forget_at > now);
            let remaining = slots.map.len();
            slots.sweeper.swept(remaining);
        }
        let slot = slots.map.entry(key.to_owned()).or_insert(Slot {
            data: None,
            max_fence: fence,
            forget_at: after(now, FENCE_MEMORY),
        });
        if fence < slot.max_fence {
            return Err(SessionStoreError::Fenced {
                token: fence,
                current: slot.max_fence,
            });
        }
        slot.max_fence = fence;
        if slot.data.as_ref().is_some_and(|(_, exp)| *exp <= now) {
            slot.data = None;
        }
        let out = f(slot, now);
        let data_until = slot.data.as_ref().map_or(now, |(_, exp)| *exp);
        slot.forget_at = after(data_until, FENCE_MEMORY);
        Ok(out)
    }
}

impl SessionStore for InMemSessionStore {
    async fn load(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> Result<Option<Vec<u8>>, SessionStoreError> {
        self.with_slot(key, fence, |slot, _| {
            slot.data.as_ref().map(|(bytes, _)| bytes.clone())
        })
    }

    async fn save(
        &self,
        key: &str,
        data: &[u8],
        ttl: Duration,
        fence: FencingToken,
    ) -> Result<(), SessionStoreError> {
        self.with_slot(key, fence, |slot, now| {
            slot.data = Some((data.to_vec(), after(now, ttl)));
        })
    }

    async fn remove(&self, key: &str, fence: FencingToken) -> Result<(), SessionStoreError> {
        self.with_slot(key, fence, |slot, _| slot.data = None)
    }
}
