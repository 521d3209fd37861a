//! [`ConversationLock`] on Redis: a lease per conversation, a FIFO queue of
//! waiters, and a fencing counter that never goes back.

use std::sync::LazyLock;
use std::time::Duration;

use framework::session::{ConversationLock, FencingToken, Lease, LockError};
use redis::Script;
use redis::aio::ConnectionManager;
use tokio::time::Instant;

use super::support::{Keyspace, backend, millis, random_id, random_u64, unexpected};

/// How long a waiter's place in the queue lasts without a poll. A waiter
/// polls every few milliseconds, so only a dead process (or one cut off
/// from Redis for this long) loses its place; a dead waiter at the head of
/// the queue delays the others by at most this much.
const WAITER_TTL: Duration = Duration::from_secs(3);
/// How long a conversation's fencing counter is kept after its last grant.
/// When it is gone, the next grant starts again from the server's clock in
/// microseconds, which is above every token handed out before (tokens grow
/// by one or two per turn, the clock by a million per second), so fencing
/// holds even then, and after a `FLUSHALL`.
const SEQUENCE_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// The first pause between polls; it grows by half each poll up to
/// [`MAX_POLL`], with ±25% jitter so waiters of one lane spread out.
const FIRST_POLL: Duration = Duration::from_millis(4);
/// The longest pause between polls, and so the longest a waiter lags behind
/// a release.
const MAX_POLL: Duration = Duration::from_millis(20);

/// One poll of a waiter: prunes dead waiters, takes (or keeps) the caller's
/// place, and grants the lease when the caller is first and the lane is free.
///
/// Answers `{'granted', token}` or `{'waiting', lease ms left}` (`-2` when
/// no lease is held: the lane is free but another waiter is first).
static ACQUIRE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] = lease (hash: token, owner), KEYS[2] = queue (zset: ticket -> waiter),
-- KEYS[3] = heartbeats (zset: deadline in server ms -> waiter), KEYS[4] = sequence
-- ARGV[1] = waiter id, ARGV[2] = lease TTL, ARGV[3] = waiter TTL, ARGV[4] = sequence TTL (ms)
local lease, queue, beats, seq = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id = ARGV[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

-- The conversation's counter, for tickets and fencing tokens. A new counter
-- starts at the server's clock in microseconds (a string: no float rounding).
local function next_seq()
  if redis.call('EXISTS', seq) == 0 then
    redis.call('SET', seq, t[1] .. string.format('%06d', tonumber(t[2])))
  end
  redis.call('INCR', seq)
  redis.call('PEXPIRE', seq, ARGV[4])
  return redis.call('GET', seq)
end

-- Waiters that stopped polling (their process died) lose their place.
for _, gone in ipairs(redis.call('ZRANGE', beats, '-inf', string.format('%d', now), 'BYSCORE')) do
  redis.call('ZREM', queue, gone)
  redis.call('ZREM', beats, gone)
end
-- (and so does a waiter whose heartbeat is missing altogether)
while true do
  local head = redis.call('ZRANGE', queue, 0, 0)[1]
  if not head or redis.call('ZSCORE', beats, head) then break end
  redis.call('ZREM', queue, head)
end

local function grant()
  redis.call('ZREM', queue, id)
  redis.call('ZREM', beats, id)
  local token = next_seq()
  redis.call('HSET', lease, 'token', token, 'owner', id)
  redis.call('PEXPIRE', lease, ARGV[2])
  return {'granted', token}
end

local free = redis.call('EXISTS', lease) == 0
-- An idle lane is granted at once, without a ticket.
if free and redis.call('EXISTS', queue) == 0 then return grant() end

if not redis.call('ZSCORE', queue, id) then
  redis.call('ZADD', queue, next_seq(), id)
end
if free and redis.call('ZRANGE', queue, 0, 0)[1] == id then return grant() end
redis.call('ZADD', beats, string.format('%d', now + tonumber(ARGV[3])), id)
local keep = string.format('%d', 2 * tonumber(ARGV[3]))
redis.call('PEXPIRE', queue, keep)
redis.call('PEXPIRE', beats, keep)
return {'waiting', string.format('%d', redis.call('PTTL', lease))}
",
    )
});

/// Leaves the queue; gives back a lease granted to the waiter in the
/// meantime (its reply was lost when the caller gave up).
static LEAVE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] = lease, KEYS[2] = queue, KEYS[3] = heartbeats; ARGV[1] = waiter id
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then
  redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

static EXTEND: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] = lease; ARGV[1] = token, ARGV[2] = TTL in ms
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] = lease; ARGV[1] = token
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// Per-conversation lanes in Redis, shared by every instance: one turn of a
/// conversation at a time, in arrival order, with lease expiry and fencing
/// tokens.
///
/// # How it works
///
/// - The lease is a hash `{prefix}:lock:{key}` (`token`, `owner`) that
///   expires after the lease TTL (`PX`): a crashed holder frees the lane
///   after at most that long. `extend` and `release` act only while the
///   hash holds the caller's token, so a superseded holder gets
///   [`LockError::Lost`] and its release is a no-op. A lease that expired
///   cannot be extended even if nobody has taken the lane yet: a waiter may
///   take it at any moment, so its holder must not count on it.
/// - An idle lane (no lease, nobody waiting) is granted at once. Otherwise
///   the caller queues in a sorted set `{prefix}:lockq:{key}`, scored by a
///   ticket from the conversation's counter, so the first to reach Redis is
///   first served, whichever instance it runs on.
/// - Waiters *poll*: every 4 to 20 ms (growing, with jitter) a waiter runs
///   one script that refreshes its heartbeat in `{prefix}:lockw:{key}`,
///   prunes waiters whose heartbeat is older than 3 seconds (their process
///   died), and grants the lease when the waiter is first and the lane is
///   free. Polling rather than `BLPOP` or pub/sub: blocking commands would
///   stall the shared multiplexed connection, and a dedicated connection
///   per waiter would cost a socket per waiting turn. A handover lags a
///   release by at most 20 ms.
/// - A waiter that times out leaves the queue; one whose future is dropped
///   (its turn was cancelled) leaves it from a spawned task, and gives back
///   a lease that was granted to it while its reply was in flight (or while
///   it yielded once after the grant, which lets a cancellation that raced
///   with the grant take effect).
/// - Tickets and fencing tokens come from one counter per conversation,
///   `{prefix}:lockseq:{key}`, kept 30 days after its last use. A new
///   counter starts from the server's clock in microseconds, so tokens keep
///   growing even after the counter expired or the database was flushed
///   (as long as the server's clock does not go back).
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct RedisConversationLock {
    manager: ConnectionManager,
    keys: Keyspace,
}

impl RedisConversationLock {
    /// The lock on `manager`, with keys `{key_prefix}:lock:{key}`,
    /// `{key_prefix}:lockq:{key}`, `{key_prefix}:lockw:{key}` and
    /// `{key_prefix}:lockseq:{key}`.
    #[must_use]
    pub fn new(manager: ConnectionManager, key_prefix: impl Into<String>) -> Self {
        Self {
            manager,
            keys: Keyspace::new(key_prefix),
        }
    }

    fn lease_key(&self, key: &str) -> String {
        self.keys.key("lock", key)
    }

    /// One poll of waiter `id`.
    async fn poll(&self, key: &str, id: &str, ttl: Duration) -> Result<Poll, LockError> {
        let (status, value): (String, String) = ACQUIRE
            .key(self.lease_key(key))
            .key(self.keys.key("lockq", key))
            .key(self.keys.key("lockw", key))
            .key(self.keys.key("lockseq", key))
            .arg(id)
            .arg(millis(ttl))
            .arg(millis(WAITER_TTL))
            .arg(millis(SEQUENCE_TTL))
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|e| LockError::Backend(backend(e)))?;
        let number = |what: &str| {
            value.parse::<i64>().map_err(|_| {
                LockError::Backend(unexpected(format!("lock {what} {value:?} is not a number")))
            })
        };
        match status.as_str() {
            "granted" => {
                let token = u64::try_from(number("token")?)
                    .map_err(|_| LockError::Backend(unexpected("a negative fencing token")))?;
                Ok(Poll::Granted(FencingToken::new(token)))
            }
            "waiting" => {
                let left = number("ttl")?;
                Ok(Poll::Waiting {
                    lease_left: u64::try_from(left).ok().map(Duration::from_millis),
                })
            }
            other => Err(LockError::Backend(unexpected(format!(
                "lock acquire answered {other:?}"
            )))),
        }
    }

    async fn leave(&self, key: &str, id: &str) -> Result<(), redis::RedisError> {
        LEAVE
            .key(self.lease_key(key))
            .key(self.keys.key("lockq", key))
            .key(self.keys.key("lockw", key))
            .arg(id)
            .invoke_async::<i64>(&mut self.manager.clone())
            .await
            .map(drop)
    }
}

enum Poll {
    Granted(FencingToken),
    Waiting {
        /// How long the current lease has left, if one is held.
        lease_left: Option<Duration>,
    },
}

/// A waiter's place in a lane's queue. Dropped while armed (the acquire
/// failed or its future was cancelled), it leaves the queue from a spawned
/// task, giving back a lease granted in the meantime.
struct Place {
    lock: RedisConversationLock,
    key: String,
    id: String,
    armed: bool,
}

impl Place {
    /// Leaves the queue now (the caller gave up), best effort: a place left
    /// behind lapses after [`WAITER_TTL`].
    async fn leave(mut self) {
        self.armed = false;
        if let Err(e) = self.lock.leave(&self.key, &self.id).await {
            tracing::debug!(
                error.message = %e,
                "could not leave a conversation's queue; the place lapses on its own"
            );
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let Ok(handle) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let lock = self.lock.clone();
        let key = std::mem::take(&mut self.key);
        let id = std::mem::take(&mut self.id);
        handle.spawn(async move {
            if let Err(e) = lock.leave(&key, &id).await {
                tracing::debug!(
                    error.message = %e,
                    "could not leave a conversation's queue; the place lapses on its own"
                );
            }
        });
    }
}

/// `base` ±25%.
fn jittered(base: Duration) -> Duration {
    // 0..=50, then -25..=+25 percent.
    let percent = 75 + u32::try_from(random_u64() % 51).unwrap_or(25);
    base * percent / 100
}

impl ConversationLock for RedisConversationLock {
    async fn acquire(&self, key: &str, ttl: Duration, wait: Duration) -> Result<Lease, LockError> {
        let started = Instant::now();
        let give_up = started.checked_add(wait);
        let mut place = Place {
            lock: self.clone(),
            key: key.to_owned(),
            id: random_id(),
            armed: true,
        };
        let mut pause = FIRST_POLL;
        loop {
            let lease_left = match self.poll(key, &place.id, ttl).await? {
                Poll::Granted(token) => {
                    // Yield once before handing the lease out: a caller that
                    // cancels this acquire at the moment of the grant (its
                    // task is aborted as the reply arrives) then drops us
                    // here, still armed, and the lease is given back at once
                    // instead of blocking the lane until its TTL.
                    tokio::task::yield_now().await;
                    place.armed = false;
                    return Ok(Lease::new(key, token));
                }
                Poll::Waiting { lease_left } => lease_left,
            };
            let now = Instant::now();
            let until_give_up = give_up.map_or(Duration::MAX, |g| g.saturating_duration_since(now));
            if until_give_up.is_zero() {
                place.leave().await;
                return Err(LockError::Timeout {
                    waited: now - started,
                });
            }
            // Look again after the pause, or when the lease runs out if that
            // is sooner, or at the deadline for one last look.
            let sleep = jittered(pause)
                .min(lease_left.map_or(Duration::MAX, |left| left + Duration::from_millis(1)))
                .min(until_give_up);
            tokio::time::sleep(sleep).await;
            pause = (pause * 3 / 2).min(MAX_POLL);
        }
    }

    async fn extend(&self, lease: &Lease, ttl: Duration) -> Result<(), LockError> {
        let extended: i64 = EXTEND
            .key(self.lease_key(lease.key()))
            .arg(lease.token().get().to_string())
            .arg(millis(ttl))
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|e| LockError::Backend(backend(e)))?;
        if extended == 1 {
            Ok(())
        } else {
            Err(LockError::Lost)
        }
    }

    async fn release(&self, lease: &Lease) -> Result<(), LockError> {
        let _released: i64 = RELEASE
            .key(self.lease_key(lease.key()))
            .arg(lease.token().get().to_string())
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|e| LockError::Backend(backend(e)))?;
        Ok(())
    }
}
