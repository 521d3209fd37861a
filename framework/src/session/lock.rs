//! The per-conversation lane: one turn of a conversation at a time, in arrival
//! order.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

use super::store::FencingToken;
use crate::BoxError;
use crate::time::after;

/// A held lease on one conversation's lane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    key: String,
    token: FencingToken,
}

impl Lease {
    /// A lease on `key` with `token`; built by [`ConversationLock`]
    /// implementations.
    #[must_use]
    pub fn new(key: impl Into<String>, token: FencingToken) -> Self {
        Self {
            key: key.into(),
            token,
        }
    }

    /// The conversation the lease is for.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The lease's fencing token, passed to the [`SessionStore`](super::SessionStore).
    #[must_use]
    pub fn token(&self) -> FencingToken {
        self.token
    }
}

/// Errors of a [`ConversationLock`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    /// The lane stayed busy for the whole waiting time.
    #[error("the conversation stayed busy for {waited:?}")]
    Timeout {
        /// How long the caller waited.
        waited: Duration,
    },
    /// The lease is no longer held: it expired and another turn took the lane.
    #[error("the conversation's lease was lost to a later turn")]
    Lost,
    /// The backing store failed.
    #[error("conversation lock failed")]
    Backend(#[source] BoxError),
}

/// Serializes the turns of each conversation.
///
/// # Contract
///
/// Every implementation must pass [`crate::testing::contract::conversation_lock`]:
/// - at most one lease per key is live at a time;
/// - waiters get the lease in the order they asked for it;
/// - a lease not released within its `ttl` expires, and the next waiter gets it
///   (a crashed holder cannot block a conversation for longer than `ttl`);
/// - every grant carries a larger [`FencingToken`] than the grant before it for
///   the same key;
/// - `extend` keeps a held lease alive for another `ttl`, and fails with
///   [`LockError::Lost`] for a lease that was superseded;
/// - `release` with a lease that was superseded is a no-op;
/// - a waiter that gives up or is cancelled never blocks the waiters after it.
pub trait ConversationLock: Clone + Send + Sync + 'static {
    /// Waits up to `wait` for the lane of `key`, then holds it for at most `ttl`.
    ///
    /// # Errors
    ///
    /// [`LockError::Timeout`] when the lane stayed busy, [`LockError::Backend`]
    /// when the store cannot answer.
    fn acquire(
        &self,
        key: &str,
        ttl: Duration,
        wait: Duration,
    ) -> impl Future<Output = Result<Lease, LockError>> + Send;

    /// Keeps a held lease alive for another `ttl` from now (a long turn
    /// renews its lease so the lane is not taken over under it).
    ///
    /// # Errors
    ///
    /// [`LockError::Lost`] when the lease expired and another turn took the
    /// lane, [`LockError::Backend`] when the store cannot answer.
    fn extend(
        &self,
        lease: &Lease,
        ttl: Duration,
    ) -> impl Future<Output = Result<(), LockError>> + Send;

    /// Frees the lane for the next waiter.
    ///
    /// # Errors
    ///
    /// [`LockError::Backend`] when the store cannot write (the lease then
    /// expires on its own).
    fn release(&self, lease: &Lease) -> impl Future<Output = Result<(), LockError>> + Send;
}

#[derive(Debug)]
struct Holder {
    token: u64,
    deadline: Instant,
}

#[derive(Debug)]
struct Waiter {
    id: u64,
    ttl: Duration,
    grant: oneshot::Sender<u64>,
}

#[derive(Debug, Default)]
struct Lane {
    holder: Option<Holder>,
    waiters: VecDeque<Waiter>,
}

#[derive(Debug, Default)]
struct Lanes {
    map: HashMap<String, Lane>,
}

impl Lanes {
    /// Frees `key`'s lane if `token` holds it and hands it to the first waiter
    /// still waiting.
    fn release(&mut self, key: &str, token: u64, next: &AtomicU64) {
        let Some(lane) = self.map.get_mut(key) else {
            return;
        };
        if lane.holder.as_ref().is_none_or(|h| h.token != token) {
            return;
        }
        lane.holder = None;
        let now = Instant::now();
        while let Some(waiter) = lane.waiters.pop_front() {
            let token = next.fetch_add(1, Ordering::Relaxed);
            if waiter.grant.send(token).is_ok() {
                lane.holder = Some(Holder {
                    token,
                    deadline: after(now, waiter.ttl),
                });
                return;
            }
        }
        self.map.remove(key);
    }
}

/// An in-process [`ConversationLock`] for one instance: a fair (FIFO) queue per
/// conversation, with lease expiry and fencing tokens.
///
/// Fencing tokens start from the wall clock (microseconds since the Unix
/// epoch) and grow by one per grant, so a restarted process hands out tokens
/// higher than any its predecessor did: a session store that outlives the
/// process (a database) accepts the new process's writes. (A clock stepped
/// back by more than the time between the two runs would fence the new
/// process until the clock catches up.)
#[derive(Debug, Clone)]
pub struct InMemConversationLock {
    lanes: Arc<Mutex<Lanes>>,
    /// Source of both fencing tokens and waiter ids; never 0.
    next: Arc<AtomicU64>,
}

impl Default for InMemConversationLock {
    fn default() -> Self {
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX / 2))
            .max(1);
        Self {
            lanes: Arc::default(),
            next: Arc::new(AtomicU64::new(start)),
        }
    }
}

impl InMemConversationLock {
    /// An empty lock table.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, Lanes> {
        self.lanes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A place in a lane's queue. Dropping it (timeout, or the caller's future was
/// cancelled) leaves the queue, and gives back a lease granted in the meantime.
struct Place {
    lock: InMemConversationLock,
    key: String,
    id: u64,
    grant: Option<oneshot::Receiver<u64>>,
}

impl Drop for Place {
    fn drop(&mut self) {
        let Some(mut grant) = self.grant.take() else {
            return;
        };
        let mut lanes = self.lock.lanes();
        if let Some(lane) = lanes.map.get_mut(&self.key) {
            lane.waiters.retain(|w| w.id != self.id);
        }
        grant.close();
        if let Ok(token) = grant.try_recv() {
            lanes.release(&self.key, token, &self.lock.next);
        }
    }
}

impl ConversationLock for InMemConversationLock {
    async fn acquire(&self, key: &str, ttl: Duration, wait: Duration) -> Result<Lease, LockError> {
        let started = Instant::now();
        let give_up = after(started, wait);
        let mut place = {
            let mut lanes = self.lanes();
            let lane = lanes.map.entry(key.to_owned()).or_default();
            let free = lane.holder.as_ref().is_none_or(|h| h.deadline <= started);
            if free && lane.waiters.is_empty() {
                let token = self.next.fetch_add(1, Ordering::Relaxed);
                lane.holder = Some(Holder {
                    token,
                    deadline: after(started, ttl),
                });
                return Ok(Lease::new(key, FencingToken::new(token)));
            }
            let (tx, rx) = oneshot::channel();
            let id = self.next.fetch_add(1, Ordering::Relaxed);
            lane.waiters.push_back(Waiter { id, ttl, grant: tx });
            Place {
                lock: self.clone(),
                key: key.to_owned(),
                id,
                grant: Some(rx),
            }
        };

        loop {
            // Wake when the holder's lease runs out (it may have crashed) or when
            // we give up, whichever is first; a release wakes us through `grant`.
            let holder_deadline = self
                .lanes()
                .map
                .get(key)
                .and_then(|lane| lane.holder.as_ref().map(|h| h.deadline));
            // A holder that expired is taken over by the first waiter; the others
            // look again shortly rather than spinning on a deadline in the past.
            let now = Instant::now();
            let wake = match holder_deadline {
                Some(d) if d > now => d.min(give_up),
                _ => (now + Duration::from_millis(50)).min(give_up),
            };
            let Some(grant) = place.grant.as_mut() else {
                return Err(LockError::Timeout { waited: wait });
            };
            tokio::select! {
                // A grant that arrived wins over a timer that fired with it.
                biased;
                granted = grant => {
                    place.grant = None;
                    return match granted {
                        Ok(token) => Ok(Lease::new(key, FencingToken::new(token))),
                        // The sender is only dropped when our waiter entry is
                        // removed, which only `Place::drop` does.
                        Err(_) => Err(LockError::Timeout { waited: started.elapsed() }),
                    };
                }
                () = tokio::time::sleep_until(wake) => {
                    let now = Instant::now();
                    let mut lanes = self.lanes();
                    if let Some(lane) = lanes.map.get_mut(key) {
                        let expired = lane.holder.as_ref().is_none_or(|h| h.deadline <= now);
                        let first = lane.waiters.front().is_some_and(|w| w.id == place.id);
                        if expired && first {
                            lane.waiters.pop_front();
                            let token = self.next.fetch_add(1, Ordering::Relaxed);
                            lane.holder = Some(Holder { token, deadline: after(now, ttl) });
                            place.grant = None;
                            tracing::warn!("a conversation lease expired without release; taking it over");
                            return Ok(Lease::new(key, FencingToken::new(token)));
                        }
                    }
                    drop(lanes);
                    if now >= give_up {
                        return Err(LockError::Timeout { waited: now - started });
                    }
                }
            }
        }
    }

    async fn extend(&self, lease: &Lease, ttl: Duration) -> Result<(), LockError> {
        let now = Instant::now();
        let mut lanes = self.lanes();
        let holder = lanes
            .map
            .get_mut(lease.key())
            .and_then(|lane| lane.holder.as_mut())
            .filter(|h| h.token == lease.token().get());
        match holder {
            Some(holder) => {
                holder.deadline = after(now, ttl);
                Ok(())
            }
            None => Err(LockError::Lost),
        }
    }

    async fn release(&self, lease: &Lease) -> Result<(), LockError> {
        self.lanes()
            .release(lease.key(), lease.token().get(), &self.next);
        Ok(())
    }
}
