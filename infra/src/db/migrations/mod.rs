//! The schema's history: one migration per change, in order, one file each.
//!
//! A database records each migration by name when it runs it, and never
//! runs it again; a released migration is history. So each migration names
//! its tables and columns with identifiers of its own (private `DeriveIden`
//! enums, as they were when it was written), never with the live ones in
//! [`schema`](super::schema), which follow the code: renaming a live column
//! identifier cannot rewrite what a migration did. `tests/db/migrations.rs`
//! checks that every migration still builds, on SQLite and PostgreSQL, the
//! statements it was released with. A change to the schema is a new
//! migration (and the live identifiers follow it).
//!
//! | migration | what it adds |
//! |---|---|
//! | `m0001_shop_schema` | shops (with the demo shop), customers, products, orders and their lines, sessions, the message log, delivery statuses |
//! | `m0002_inbox` | the inbound message's payload and the conversation queue's index |
//! | `m0003_jobs` | the jobs table |
//! | `m0004_invoices` | invoices, their lines, the shop's invoice counter |
//! | `m0005_reminders` | reminders, reminder opt-outs, secrets |
//! | `m0006_queue_order` | the inbox's and the outbox's queues read in order by an index |
//! | `m0007_jobs_order` | the table job queue's claim read in order by an index (`jobs_queue_order` replaces `jobs_due`) |

use sea_orm_migration::prelude::*;

mod columns;
mod m0001_shop_schema;
mod m0002_inbox;
mod m0003_jobs;
mod m0004_invoices;
mod m0005_reminders;
mod m0006_queue_order;
mod m0007_jobs_order;

/// Applies the schema, one migration per change, in order.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_shop_schema::Migration),
            Box::new(m0002_inbox::Migration),
            Box::new(m0003_jobs::Migration),
            Box::new(m0004_invoices::Migration),
            Box::new(m0005_reminders::Migration),
            Box::new(m0006_queue_order::Migration),
            Box::new(m0007_jobs_order::Migration),
        ]
    }
}
