//! [`RateStore`] on Redis: GCRA in one Lua script, on the server's clock.

use std::sync::LazyLock;
use std::time::Duration;

use framework::rate_limit::{Quota, RateDecision, RateStore, RateStoreError};
use redis::Script;
use redis::aio::ConnectionManager;

use super::support::{Keyspace, backend, micros, unexpected};

/// One GCRA step (the same as the framework's in-memory store), atomically.
///
/// Times are microseconds of the server's clock (`TIME`; Redis 7 replicates
/// scripts by their effects, so reading the clock in a script is allowed).
/// Lua numbers are doubles: exact for integers below 2^53, and microseconds
/// since 1970 are about 2^51. `string.format('%d', ..)` writes them back
/// without an exponent.
static GCRA: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
-- KEYS[1] = the key's cell: a hash {tat, notice}
-- ARGV[1] = interval, ARGV[2] = tolerance, ARGV[3] = period (all in µs)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval, tolerance, period = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local cell = redis.call('HMGET', KEYS[1], 'tat', 'notice')
local tat = tonumber(cell[1] or '0')
local notice = tonumber(cell[2] or '0')
if tat < now then tat = now end
local ahead = tat - now
local answer
if ahead > tolerance then
  local notify = 0
  if now >= notice then
    notify = 1
    notice = now + period
    redis.call('HSET', KEYS[1], 'notice', string.format('%d', notice))
  end
  answer = {'limited', string.format('%d', ahead - tolerance), notify}
else
  tat = tat + interval
  redis.call('HSET', KEYS[1], 'tat', string.format('%d', tat))
  answer = {'allowed', '0', 0}
end
-- The cell is needed until both its TAT and its notice window have passed;
-- after that, no cell means the same.
local needed = math.max(tat, notice) - now
redis.call('PEXPIRE', KEYS[1], string.format('%d', math.floor(needed / 1000) + 1))
return answer
",
    )
});

/// Per-key rate limits in Redis, shared by every instance: N allowed per
/// period in total, not N per instance.
///
/// Each key's GCRA cell is a hash `{prefix}:rate:{key}` with the theoretical
/// arrival time (`tat`) and the end of the notice window (`notice`), in
/// microseconds of the server's clock, so the instances' clocks do not
/// matter. The hash expires as soon as it no longer limits anything.
///
/// Precision is one microsecond: the interval (`period / limit`) is rounded
/// down to whole microseconds (at least 1), and the burst tolerance is
/// `(limit - 1)` intervals, so a burst is exactly `limit` messages.
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct RedisRateStore {
    manager: ConnectionManager,
    keys: Keyspace,
}

impl RedisRateStore {
    /// The store on `manager`, with keys `{key_prefix}:rate:{key}`.
    #[must_use]
    pub fn new(manager: ConnectionManager, key_prefix: impl Into<String>) -> Self {
        Self {
            manager,
            keys: Keyspace::new(key_prefix),
        }
    }
}

impl RateStore for RedisRateStore {
    async fn check(&self, key: &str, quota: &Quota) -> Result<RateDecision, RateStoreError> {
        let interval = micros(quota.interval()).max(1);
        let tolerance = interval.saturating_mul(u64::from(quota.limit().saturating_sub(1)));
        let period = micros(quota.period());
        let (verdict, retry_after_us, notify): (String, u64, u8) = GCRA
            .key(self.keys.key("rate", key))
            .arg(interval)
            .arg(tolerance)
            .arg(period)
            .invoke_async(&mut self.manager.clone())
            .await
            .map_err(|e| RateStoreError::Backend(backend(e)))?;
        match verdict.as_str() {
            "allowed" => Ok(RateDecision::Allowed),
            "limited" => Ok(RateDecision::Limited {
                retry_after: Duration::from_micros(retry_after_us),
                notify: notify == 1,
            }),
            other => Err(RateStoreError::Backend(unexpected(format!(
                "rate limit answered {other:?}"
            )))),
        }
    }
}
