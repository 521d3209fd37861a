//! WhatsApp's messaging limit: how many distinct customers a business
//! number may start conversations with (send templates to) in a rolling
//! 24 hours — 250 at Meta's first tier, then 1,000, 10,000, 100,000 or
//! unlimited. [`MessagingLimits`] holds the limit of each number, and says
//! how many more a campaign may reach now and when the window next rolls.
//!
//! ```
//! use features::campaigns::MessagingLimits;
//!
//! let limits = MessagingLimits::parse("1000, +14155238886=250")?;
//! assert_eq!(limits.of("+14155238886"), 250);
//! assert_eq!(limits.of("+919800000000"), 1000);
//! // 240 reached in the last 24 h: 10 more now.
//! assert_eq!(limits.allowance("+14155238886", 240), 10);
//! # Ok::<(), String>(())
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

/// The rolling window the limit counts over.
pub const LIMIT_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// Meta's first tier: the limit of a number nobody configured.
pub const DEFAULT_MESSAGING_LIMIT: u32 = 250;

/// The messaging limit of each business number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagingLimits {
    /// For numbers not listed.
    pub default: u32,
    /// By business number (E.164, or Meta's phone number id).
    pub per_number: BTreeMap<String, u32>,
}

impl Default for MessagingLimits {
    fn default() -> Self {
        Self {
            default: DEFAULT_MESSAGING_LIMIT,
            per_number: BTreeMap::new(),
        }
    }
}

impl MessagingLimits {
    /// Reads `250` (every number), `+14155238886=1000` (one number), or
    /// both, comma-separated; empty: the default.
    ///
    /// # Errors
    ///
    /// A message naming the entry that is not a whole number or not
    /// `number=limit`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut limits = Self::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let number = |t: &str| {
                t.trim().parse::<u32>().map_err(|_| {
                    format!("`{entry}`: a limit is a whole number of customers per 24 hours")
                })
            };
            match entry.split_once('=') {
                None => limits.default = number(entry)?,
                Some((sender, limit)) if !sender.trim().is_empty() => {
                    let sender = sender.trim();
                    let bare = sender.strip_prefix("whatsapp:").unwrap_or(sender);
                    limits.per_number.insert(bare.to_owned(), number(limit)?);
                }
                Some(_) => return Err(format!("`{entry}` names no number")),
            }
        }
        Ok(limits)
    }

    /// The limit of `business` (with or without Twilio's `whatsapp:`).
    #[must_use]
    pub fn of(&self, business: &str) -> u32 {
        let bare = business.strip_prefix("whatsapp:").unwrap_or(business);
        self.per_number.get(bare).copied().unwrap_or(self.default)
    }

    /// How many more customers `business` may reach now, having reached
    /// `used` in the window.
    #[must_use]
    pub fn allowance(&self, business: &str, used: u64) -> u32 {
        let left = u64::from(self.of(business)).saturating_sub(used);
        u32::try_from(left).unwrap_or(u32::MAX)
    }

    /// When the window frees a place at the earliest, given the oldest
    /// message it counts now: that time plus the window (a customer
    /// reached again since counts until later, so the caller looks again
    /// then). `None` when nothing counts.
    #[must_use]
    pub fn next_release(oldest_counted_ms: Option<i64>) -> Option<i64> {
        let window = i64::try_from(LIMIT_WINDOW.as_millis()).unwrap_or(i64::MAX);
        oldest_counted_ms.map(|t| t.saturating_add(window))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_read_and_bad_ones_named() {
        assert_eq!(
            MessagingLimits::parse("").unwrap(),
            MessagingLimits::default()
        );
        let limits = MessagingLimits::parse("whatsapp:+1=5").unwrap();
        assert_eq!(limits.of("+1"), 5, "with or without whatsapp:");
        assert_eq!(limits.of("whatsapp:+1"), 5);
        assert!(
            MessagingLimits::parse("lots")
                .unwrap_err()
                .contains("whole number")
        );
        assert!(
            MessagingLimits::parse("=5")
                .unwrap_err()
                .contains("names no number")
        );
        assert!(
            MessagingLimits::parse("+1=-3")
                .unwrap_err()
                .contains("`+1=-3`")
        );
    }

    #[test]
    fn the_window_rolls_from_the_oldest_counted_send() {
        assert_eq!(MessagingLimits::next_release(None), None);
        let day = 86_400_000;
        assert_eq!(
            MessagingLimits::next_release(Some(2_000)),
            Some(2_000 + day)
        );
        assert_eq!(MessagingLimits::default().allowance("+1", 300), 0);
    }
}
