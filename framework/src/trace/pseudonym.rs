//! The secret behind conversation pseudonyms in logs.

use std::hash::{BuildHasher, RandomState};
use std::sync::OnceLock;

static KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// Sets the secret that keys [`ConversationKey::pseudonym`](crate::ConversationKey::pseudonym),
/// so a conversation's pseudonym is the same on every instance and across
/// restarts. Call it once at startup, before anything is logged; returns
/// `false` (and changes nothing) when a key was already set or used.
///
/// Without it each process picks a random key: pseudonyms then only
/// correlate log lines of one process.
pub fn set_pseudonym_key(secret: &[u8]) -> bool {
    KEY.set(secret.to_vec()).is_ok()
}

/// The key, random per process unless set.
pub(crate) fn pseudonym_key() -> &'static [u8] {
    KEY.get_or_init(|| {
        // `RandomState` is seeded from the operating system's randomness.
        (0u64..4)
            .flat_map(|i| RandomState::new().hash_one(i).to_le_bytes())
            .collect()
    })
}
