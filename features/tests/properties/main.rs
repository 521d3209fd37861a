//! Property tests: the order-message parser, money formatting, and
//! parsers of outside input never panicking.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod money;
mod parse;
mod robustness;
