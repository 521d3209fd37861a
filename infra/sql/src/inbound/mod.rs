//! The durable inbound path of a bot, from the webhook to the turn's
//! commit: acknowledge only what is recorded, run each conversation's
//! messages one at a time in arrival order, commit a turn's session,
//! effects, replies and `handled` mark as one transaction. A webhook and a
//! terminal chat take it alike. Any bot on `framework` can use it: give
//! [`Inbox`] its pipeline (built with the session layer's turn scope set to
//! [`TurnCommit`]) and serve [`InboxIngress`] with
//! `framework::webhook::routes_with_ingress`.
//!
//! 1. **Webhook** (`framework::webhook::routes_with_ingress`): body size,
//!    content type, signature (403), parse (400) into `WebhookEvent`s.
//!    A terminal chat (`campanile chat`) makes the same events from what is typed
//!    (`framework::local::Terminal`).
//! 2. **Record** ([`InboxIngress`], [`ingress`]): the webhook's messages
//!    (whole, one row each, unique on the provider's message id) and
//!    delivery statuses are stored in one commit; only then is the webhook
//!    answered 2xx (a failure answers 500: the provider retries). A message
//!    whose turn finished before is a replay and is not run again. The
//!    terminal's [`ChatIngress`] records through the same code.
//! 3. **Run** ([`Inbox`], [`inbox`]): a drain of each conversation the
//!    webhook touched claims the head of its queue (a lease of
//!    `CAMPANILE_IN_FLIGHT_TTL`) and runs it, one message at a time in
//!    arrival order; every instance sweeps for heads whose worker died or
//!    whose retry time came. The terminal's ingress drains at once and
//!    waits for the answer.
//! 4. **Pipeline** (the bot's, e.g. the shop's `bot::pipeline`): trace → handle_error → dedup →
//!    rate_limit → session → deliver → menu → conversation → router →
//!    handlers (see docs/ARCHITECTURE.md).
//! 5. **Commit the turn** ([`TurnCommit`], [`turn`]): inside the session
//!    layer, the session, the handler's domain effects, the replies stored
//!    in the outbox and the message's `handled` mark commit as one
//!    transaction, before the conversation's lane is freed.
//! 6. **Finish** ([`turn`]): a message answered without a turn (rate
//!    limited, stale) or after a failed one (the apology) has its replies
//!    stored and its `handled` mark written in one commit. A message that
//!    could not run (its lane busy, a store down) is given back with a
//!    backoff; its conversation's later messages wait behind it.
//!
//! From there the outbox's dispatcher (`crate::outbox`) sends the stored
//! replies. The `handled` mark is written in [`turn`] only.

pub mod chat;
pub mod inbox;
pub mod ingress;
pub mod turn;

pub use chat::ChatIngress;
pub use inbox::{Inbox, InboxConfig};
pub use ingress::InboxIngress;
pub use turn::TurnCommit;
