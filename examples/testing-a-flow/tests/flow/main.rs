//! How to test a bot, one technique per module, all against the real
//! [`pipeline`](example_testing_a_flow::pipeline) and without a network.
//!
//! - `turns`: [`TestChat`](framework::testing::TestChat) and assertions on
//!   each [`Turn`](framework::testing::Turn).
//! - `transcripts`: a conversation written as lines with
//!   [`Transcript`](framework::testing::Transcript).
//! - `virtual_time`: the session TTL and the rate-limit window on a paused
//!   clock.
//! - `webhooks`: signed Twilio and Meta webhooks through the real routes, the
//!   replies caught by a [`RecordingOutbox`](framework::testing::RecordingOutbox).
//! - `store_contract`: a session store checked against its contract suite.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod store_contract;
mod transcripts;
mod turns;
mod virtual_time;
mod webhooks;
