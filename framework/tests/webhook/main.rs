//! The axum webhook routes end to end, in process: signed requests in,
//! status codes, TwiML and recorded replies out.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod meta;
mod refusals;
mod support;
mod twilio;
