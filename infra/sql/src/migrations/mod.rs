//! The message log's schema history: one migration per change, in order,
//! one file each.
//!
//! A database records each migration by name when it runs it, and never
//! runs it again; a released migration is history. So each migration names
//! its tables and columns with identifiers of its own (private `DeriveIden`
//! enums, as they were when it was written), never with the live ones in
//! [`schema`](crate::schema), which follow the code: renaming a live column
//! identifier cannot rewrite what a migration did. A change to the schema
//! is a new migration (and the live identifiers follow it).
//!
//! | migration | what it adds |
//! |---|---|
//! | [`m0001_message_log`](M0001MessageLog) | customers, sessions, the message log, delivery statuses |
//! | [`m0002_inbox`](M0002Inbox) | the inbound message's payload and the conversation queue's index |
//! | [`m0003_jobs`](M0003Jobs) | the jobs table |
//! | [`m0006_queue_order`](M0006QueueOrder) | the inbox's and the outbox's queues read in order by an index |
//! | [`m0007_jobs_order`](M0007JobsOrder) | the table job queue's claim read in order by an index (`jobs_queue_order` replaces `jobs_due`) |
//! | [`m0008_send_outcomes`](M0008SendOutcomes) | outbound rows say whether they may be sent again after an unknown outcome, count those outcomes, and carry a fallback for the 24-hour window; customers who stopped marketing messages (`marketing_opt_outs`) |
//! | [`m0010_deferred_sends`](M0010DeferredSends) | outbound rows put off on their own until a time (`not_before_ms`), outside their customer's order: a capped marketing template sent again a day later |
//! | [`m0013_message_pricing`](M0013MessagePricing) | what each outbound message is billed as (`message_pricing`: category, model, type, charged), kept once from the provider's status reports |
//! | [`m0014_withdrawn_keys`](M0014WithdrawnKeys) | outbox key prefixes withdrawn for good (`withdrawn_keys`: a cancelled campaign's), so no follow-up is stored under them |
//!
//! # With tables of your own
//!
//! A bot with tables of its own keeps one history: its migrator lists these
//! migrations (the shop's `infra_shop::Migrator` interleaves them with its
//! own, under the names its databases already recorded) and runs it with
//! [`Database::migrate_with`](crate::Database::migrate_with). The numbers
//! missing here (m0004, m0005, m0009, m0011, m0012) are the shop's.
//!
//! ```
//! use infra_sql::migrations::{self, M0001MessageLog};
//! use sea_orm_migration::{MigrationTrait, MigratorTrait};
//!
//! struct MyMigrator;
//!
//! impl MigratorTrait for MyMigrator {
//!     fn migrations() -> Vec<Box<dyn MigrationTrait>> {
//!         let mut all = migrations::Migrator::migrations();
//!         // all.push(Box::new(m0100_my_tables::Migration));
//!         all
//!     }
//! }
//! # let _ = MyMigrator::migrations();
//! # let _ = M0001MessageLog;
//! ```

use sea_orm_migration::prelude::*;

pub mod columns;
mod m0001_message_log;
mod m0002_inbox;
mod m0003_jobs;
mod m0006_queue_order;
mod m0007_jobs_order;
mod m0008_send_outcomes;
mod m0010_deferred_sends;
mod m0013_message_pricing;
mod m0014_withdrawn_keys;

pub use self::m0001_message_log::{
    Migration as M0001MessageLog, create_customers, create_message_log,
};
pub use self::m0002_inbox::Migration as M0002Inbox;
pub use self::m0003_jobs::Migration as M0003Jobs;
pub use self::m0006_queue_order::Migration as M0006QueueOrder;
pub use self::m0007_jobs_order::Migration as M0007JobsOrder;
pub use self::m0008_send_outcomes::Migration as M0008SendOutcomes;
pub use self::m0010_deferred_sends::Migration as M0010DeferredSends;
pub use self::m0013_message_pricing::Migration as M0013MessagePricing;
pub use self::m0014_withdrawn_keys::Migration as M0014WithdrawnKeys;

/// Applies the message log's schema, one migration per change, in order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(M0001MessageLog),
            Box::new(M0002Inbox),
            Box::new(M0003Jobs),
            Box::new(M0006QueueOrder),
            Box::new(M0007JobsOrder),
            Box::new(M0008SendOutcomes),
            Box::new(M0010DeferredSends),
            Box::new(M0013MessagePricing),
            Box::new(M0014WithdrawnKeys),
        ]
    }
}
