//! Human handoff: a customer's conversation handed to a person, and back.
//!
//! "Talk to a person" (or taking the bot's offer of one when it cannot
//! answer) opens a [`Handoff`]: while it is open the bot does not answer
//! that customer (their messages are still recorded), operators see it in
//! their queue, reply, and release it; with no activity for a configured
//! time it is released by itself ([`ReleaseIdle`]). Each step returns what
//! changed, so the bot can tell the customer.
//!
//! The state lives in storage, shared by every bot instance: at most one
//! open handoff per customer, however many instances open one at once
//! ([`Opened::AlreadyOpen`]), and a release happens once
//! ([`Released::NotOpen`] after). Past handoffs are kept.
//!
//! # Life of a handoff
//!
//! | step | command | status after |
//! |---|---|---|
//! | the customer asks, or takes the offer | [`OpenHandoff`] | [`HandoffStatus::Waiting`] |
//! | the customer writes again | [`NoteCustomerMessage`] | unchanged |
//! | an operator replies | [`NoteOperatorReply`] | [`HandoffStatus::Active`] |
//! | an operator (or the customer) gives it back | [`ReleaseHandoff`] | [`HandoffStatus::Released`] |
//! | nobody wrote for the idle time | [`ReleaseIdle`] | released, [`ReleaseReason::Idle`] |
//!
//! # For the bot
//!
//! On every inbound message ask [`HandoffService::open_for`] (one indexed
//! read): `Some` means a person answers; note the message
//! ([`HandoffService::note_customer_message`]) and reply nothing. Inside a
//! turn's transaction the shop's storage joins it, so a handoff opened in
//! a turn commits with the turn's reply (see [`HandoffRepository`]).
//!
//! # Example
//!
//! ```
//! use std::time::Duration;
//!
//! use features::handoff::{
//!     HandoffReason, HandoffService, HandoffStatus, NoteOperatorReply, OpenHandoff,
//!     OpenHandoffFor, ReleaseHandoff, ReleaseIdle, ReleaseReason, Released,
//! };
//! use features::shared::{CustomerPhone, Now};
//! use features::testing::handoff::InMemHandoffRepository;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let handoffs = HandoffService::new(InMemHandoffRepository::new(), Now::fixed(1_000));
//! let ravi = CustomerPhone::parse("+919812345678")?;
//!
//! let ask = OpenHandoff { customer: ravi.clone(), reason: HandoffReason::CustomerAsked };
//! assert!(handoffs.open(ask.clone()).await?.is_new());
//! assert!(!handoffs.open(ask).await?.is_new(), "one open handoff per customer");
//!
//! let open = handoffs.open_for(OpenHandoffFor { customer: ravi.clone() }).await?;
//! assert_eq!(open.map(|h| h.status), Some(HandoffStatus::Waiting), "the bot stays quiet");
//!
//! let reply = NoteOperatorReply { customer: ravi.clone(), operator: "Asha".to_owned() };
//! assert!(handoffs.note_operator_reply(reply).await?.handoff().is_some());
//!
//! let back = ReleaseHandoff { customer: ravi.clone(), reason: ReleaseReason::ByOperator };
//! assert!(matches!(handoffs.release(back.clone()).await?, Released::Released(_)));
//! assert_eq!(handoffs.release(back).await?, Released::NotOpen, "released once");
//!
//! let idle = ReleaseIdle { idle_for: Duration::from_secs(3_600) };
//! assert!(handoffs.release_idle(idle).await?.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! - [`domain`]: [`Handoff`] with its [`HandoffId`], [`HandoffStatus`],
//!   [`HandoffReason`] and [`ReleaseReason`]; what commands did:
//!   [`Opened`], [`ReplyNoted`], [`Released`].
//! - [`commands`]: [`OpenHandoff`], [`NoteCustomerMessage`],
//!   [`NoteOperatorReply`], [`ReleaseHandoff`], [`ReleaseIdle`];
//!   [`queries`]: [`OpenHandoffFor`], [`ListHandoffs`] with its
//!   [`HandoffFilter`], [`HandoffHistory`].
//! - [`ports`]: storage is a [`HandoffRepository`].
//! - [`service`]: the [`HandoffService`].
//! - [`error`]: [`HandoffError`], with `is_user_error()` and
//!   `is_retryable()`.

pub mod commands;
pub mod domain;
pub mod error;
pub mod ports;
pub mod queries;
pub mod service;

pub use commands::{
    NoteCustomerMessage, NoteOperatorReply, OpenHandoff, ReleaseHandoff, ReleaseIdle,
};
pub use domain::{
    Handoff, HandoffId, HandoffReason, HandoffStatus, MAX_OPERATOR_CHARS, MAX_QUESTION_CHARS,
    Opened, ReleaseReason, Released, ReplyNoted,
};
pub use error::HandoffError;
pub use ports::HandoffRepository;
pub use queries::{HandoffFilter, HandoffHistory, ListHandoffs, MAX_LIST, OpenHandoffFor};
pub use service::HandoffService;
