//! Each layer on its own and the whole stack, with in-memory stores and
//! virtual time.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod conversation;
mod dedup;
mod deliver;
mod handle_error;
mod menu;
mod pipeline;
mod rate_limit;
mod router;
mod session;
mod support;
mod trace;
