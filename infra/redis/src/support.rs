//! Helpers shared by the Redis stores: key names, random ids, durations in
//! milliseconds, error boxing.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use framework::BoxError;

use super::error::RedisError;

/// The longest TTL we hand to Redis: a century, like the in-memory stores'
/// "forever" (`PX` rejects values that overflow the server's clock).
const CENTURY_MS: u64 = 100 * 365 * 24 * 60 * 60 * 1000;

/// Builds the key names of one store kind: `{prefix}:{kind}:{key}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Keyspace {
    prefix: Arc<str>,
}

impl Keyspace {
    pub(crate) fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: Arc::from(prefix.into()),
        }
    }

    /// `{prefix}:{kind}:{key}`.
    pub(crate) fn key(&self, kind: &str, key: &str) -> String {
        format!("{}:{kind}:{key}", self.prefix)
    }
}

/// `d` in whole milliseconds, rounded up, between 1 ms and a century (Redis
/// refuses a zero or overflowing `PX`).
pub(crate) fn millis(d: Duration) -> u64 {
    let ms = d.as_nanos().div_ceil(1_000_000);
    u64::try_from(ms).unwrap_or(u64::MAX).clamp(1, CENTURY_MS)
}

/// `d` in whole microseconds (rounded down), saturating.
pub(crate) fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// A 64-bit random number.
///
/// `RandomState` is seeded from the operating system's randomness once per
/// thread and then varied per call, and we hash a process-wide counter and
/// the time into it too: unpredictable enough for claim tokens, waiter ids
/// and jitter (none of which is a secret), without a dependency on a
/// random number crate.
pub(crate) fn random_u64() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

/// 128 random bits as 32 hex digits: unique among all instances for all
/// practical purposes.
pub(crate) fn random_id() -> String {
    format!("{:016x}{:016x}", random_u64(), random_u64())
}

/// Boxes a Redis failure as the cause of a store's `Backend` error.
pub(crate) fn backend(e: impl Into<RedisError>) -> BoxError {
    Box::new(e.into())
}

/// A script reply we cannot make sense of.
pub(crate) fn unexpected(what: impl std::fmt::Display) -> BoxError {
    Box::new(RedisError::UnexpectedReply(what.to_string()))
}

/// Lua, shared by scripts that compare fencing tokens: `older(a, b)` is
/// `a < b` for decimal strings without leading zeros (as Rust prints a
/// `u64`). Lua numbers are doubles, exact only below 2^53, so tokens are
/// compared as strings, byte by byte (Lua's `<` on strings follows the
/// server's locale).
pub(crate) const LUA_OLDER: &str = r"
local function older(a, b)
  if #a ~= #b then return #a < #b end
  for i = 1, #a do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return false
end
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_are_rounded_up_and_clamped() {
        assert_eq!(millis(Duration::ZERO), 1);
        assert_eq!(millis(Duration::from_micros(1_500)), 2);
        assert_eq!(millis(Duration::from_millis(300)), 300);
        assert_eq!(millis(Duration::MAX), CENTURY_MS);
    }

    #[test]
    fn ids_differ() {
        let a = random_id();
        let b = random_id();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }

    #[test]
    fn keys_carry_the_prefix_and_kind() {
        let keys = Keyspace::new("shop");
        assert_eq!(keys.key("seen", "wamid.1"), "shop:seen:wamid.1");
    }
}
