//! The test kit (feature `test-util`): drive a pipeline from tests without a
//! network, build signed provider webhooks, record what the bot sends, move
//! time virtually, and check storage implementations against their contracts.
//!
//! - [`TestChat`] and [`Turn`]: talk to a pipeline directly; assert on answers.
//! - [`Transcript`]: a conversation written as "customer says / bot answers".
//! - [`twilio::TwilioWebhook`], [`meta::MetaWebhook`]: signed webhook requests
//!   for the [webhook routes](crate::webhook).
//! - [`RecordingOutbox`]: a fake outbound side that records every reply.
//! - [`LogBuffer`]: where a test's log subscriber writes, to check the lines.
//! - [`time`]: virtual time for TTLs, rate windows and leases.
//! - [`contract`]: the suites every store implementation must pass.
//!
//! Enable it for tests with
//! `framework = { workspace = true, features = ["test-util"] }` under
//! `[dev-dependencies]`.

mod chat;
mod logs;
// Test code: a failed store call is a failed contract check.
#[allow(clippy::expect_used)]
pub mod contract;
pub mod meta;
mod outbox;
pub mod time;
pub mod twilio;

pub use self::chat::{TestChat, Transcript, Turn};
pub use self::logs::LogBuffer;
pub use self::outbox::RecordingOutbox;

/// A random lower-case hex tag (12 digits), for names and key prefixes a
/// test makes its own (a database, a Redis prefix).
#[must_use]
pub fn random_tag() -> String {
    let mut bytes = [0_u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes.copy_from_slice(&nanos.to_le_bytes()[..6]);
    }
    hex::encode(bytes)
}
