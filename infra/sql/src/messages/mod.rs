//! The message log: every inbound and outbound message with its provider
//! id, direction and status (table `messages`), and every delivery report a
//! provider sent (table `delivery_statuses`).
//!
//! The log plays four roles, one type each, each a cheap handle made from
//! the [`Database`](crate::Database) and each in a file of its own:
//!
//! | role | type | used by |
//! |---|---|---|
//! | the inbox: inbound rows as one queue per conversation (`received` → `handled`) | [`InboxQueue`] | the webhook's ingress records, inbox workers claim and give back, a turn's commit marks handled |
//! | the outbox: outbound rows to send (`pending` → `queued`, `failed`, `dry_run`) | [`OutboxQueue`] | [`DbOutbox`](crate::outbox::DbOutbox) stores, the [`Dispatcher`](crate::outbox::Dispatcher) claims and marks |
//! | delivery statuses: provider reports, applied by rank | [`DeliveryStatuses`] | `DbOutbox::record_status`; the outbox, for reports that overtook a send |
//! | reads for people and jobs | [`MessageQueries`] | background jobs (how to reach a customer), `campanile messages`, `campanile chat` |
//!
//! A send the provider refuses sets off a follow-up (the `refused` module):
//! outside the 24-hour window, the template stored with it; a marketing
//! template capped for the customer (131049 / 63049), the same request
//! again no sooner than [`CAPPED_RETRY_AFTER`], put off on its own so that
//! the customer's replies meanwhile do not wait for it.
//!
//! # Why role types
//!
//! One `MessageLog` handle with every method made each caller hold the
//! whole log to use a corner of it. With a type per role each caller holds
//! what it uses, and says so in its fields: the bot's inbox an
//! [`InboxQueue`] (and cannot claim outbox rows), a job's dependencies
//! [`MessageQueries`] (and can only read), the outbox an [`OutboxQueue`].
//! Method names lose the role they no longer need to repeat
//! (`inbox.claim(…)`, `outbox.claim(…)`), and each file reads alone. The
//! roles share one table, so they share its row: its columns are
//! [`schema::Messages`](crate::schema::Messages).
//!
//! # Statuses
//!
//! Inbound: `received` until the message's turn commits (`handled`), or
//! `unreadable` when its stored copy cannot be read back (set aside, so it
//! does not block its conversation).
//!
//! Outbound statuses move forward only: `pending` → `queued` (the provider
//! accepted it) → `sent` → `delivered` → `read`, or end in `failed`,
//! `dry_run` (no credentials: logged, never sent) or `local` (a terminal
//! chat: shown, never sent). Provider reports that arrive out of order,
//! twice, or before the send that created the message returned are all kept
//! in `delivery_statuses` and applied by rank.
//!
//! What is stored is typed: [`Direction`], [`InboundStatus`],
//! [`OutboundStatus`] (with its [`rank`](OutboundStatus::rank)),
//! [`MessageStatus`] (a row's, by its direction), and providers as
//! [`framework::Provider`]. Stored text is read back in one place (the
//! `stored` module); a value this version does not know is
//! [`DbError::Corrupt`](crate::DbError::Corrupt) naming the table.
//!
//! # Queues read by index
//!
//! The inbox's and the outbox's selects cost what the rows they return
//! cost, whatever the history or the backlog: statuses written as literals
//! and per-row probes of a conversation's earlier rows (the `plan` module).

mod claims;
mod inbox;
mod outbox;
mod plan;
mod queries;
mod refused;
mod statuses;
mod stored;

pub use claims::SendClaim;
pub use inbox::{InboundClaim, InboundState, InboxQueue, QueuedInbound};
pub use outbox::{NewOutbound, OutboxQueue, PendingOutbound};
pub use queries::{Contact, LogEntry, MessageQueries};
pub use refused::CAPPED_RETRY_AFTER;
pub use statuses::DeliveryStatuses;
pub use stored::{
    Direction, InboundStatus, MessageStatus, OutboundStatus, failure_code, failure_text,
};
