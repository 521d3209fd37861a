//! The secret behind conversation pseudonyms in logs.

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

static KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// The shortest key [`set_pseudonym_key`] accepts: shorter keys could be
/// guessed along with the phone numbers.
pub const MIN_PSEUDONYM_KEY_LEN: usize = 16;

/// Sets the secret that keys [`ConversationKey::pseudonym`](crate::ConversationKey::pseudonym),
/// so a conversation's pseudonym is the same on every instance and across
/// restarts. Call it once at startup, before anything is logged.
///
/// Returns `false`, and changes nothing, when the secret is shorter than
/// [`MIN_PSEUDONYM_KEY_LEN`] bytes or a key was already set or used.
///
/// Without it each process picks a random key: pseudonyms then only
/// correlate log lines of one process.
pub fn set_pseudonym_key(secret: &[u8]) -> bool {
    secret.len() >= MIN_PSEUDONYM_KEY_LEN && KEY.set(secret.to_vec()).is_ok()
}

/// The key, random per process unless set.
pub(crate) fn pseudonym_key() -> &'static [u8] {
    KEY.get_or_init(|| {
        let mut key = vec![0; 32];
        if getrandom::fill(&mut key).is_err() {
            // No OS randomness: `RandomState`'s per-process keys are the next
            // best thing for a log pseudonym.
            key = (0u64..4)
                .flat_map(|i| RandomState::new().hash_one(i).to_le_bytes())
                .collect();
        }
        key
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_keys_are_refused() {
        assert!(!set_pseudonym_key(b""));
        assert!(!set_pseudonym_key(b"too-short"));
    }
}
