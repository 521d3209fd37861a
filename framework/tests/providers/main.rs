//! Provider adapters: real-looking webhooks in, provider requests out.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod meta;
mod twilio;
