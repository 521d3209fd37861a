//! Campanile's implementations of the framework's store traits and the
//! features' ports, and everything that does IO:
//!
//! - [`db`]: the database (SQLite by default, PostgreSQL with
//!   `DATABASE_URL=postgres://…`): schema and migrations, the catalog and
//!   order repositories, the message log and the durable session store.
//! - [`redis`]: the framework's store traits on Redis (dedup, rate limit,
//!   sessions, the conversation lane), shared by every instance.
//! - [`outbox`]: the durable outbox the webhook hands replies to, and the
//!   dispatcher that sends them from the stored record.
//! - [`providers`]: what the dispatcher needs from a provider
//!   ([`providers::Transport`]); [`twilio`] and [`meta`] implement it on
//!   reqwest, with their base URLs from configuration.
//! - [`pdf`]: invoices as PDF documents.
//! - [`settings`](mod@settings): settings as data: each adapter's `XxxSettings` names the
//!   variables it is read from once, on its fields ([`settings!`]).
//! - `testing` (feature `test-util`): fake Twilio and Meta servers on
//!   127.0.0.1 that speak the real wire format, errors included.
//!
//! **Architecture Invariant:** `infra` depends on `framework` and `features`
//! (it implements their traits) and on nothing in `bot`.

pub mod db;
pub mod meta;
pub mod outbox;
pub mod pdf;
pub mod providers;
pub mod redis;
pub mod settings;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod transient;
pub mod twilio;
