//! The shop's schema history: one migration per change, in order, one file
//! each; the message log's migrations ([`infra_sql::migrations`]) are part
//! of it, under the names the shop's databases recorded.
//!
//! A database records each migration by name when it runs it, and never
//! runs it again; a released migration is history. So each migration names
//! its tables and columns with identifiers of its own (private `DeriveIden`
//! enums, as they were when it was written), never with the live ones in
//! [`schema`](crate::schema), which follow the code. `tests/shop/migrations.rs`
//! checks that every migration still builds, on SQLite and PostgreSQL, the
//! statements it was released with. A change to the schema is a new
//! migration (and the live identifiers follow it).
//!
//! | migration | what it adds |
//! |---|---|
//! | `m0001_shop_schema` | shops (with the demo shop), [`infra_sql`]'s customers, products, orders and their lines; then [`infra_sql`]'s sessions, message log and delivery statuses |
//! | `m0002_inbox` ([`infra_sql`]) | the inbound message's payload and the conversation queue's index |
//! | `m0003_jobs` ([`infra_sql`]) | the jobs table |
//! | `m0004_invoices` | invoices, their lines, the shop's invoice counter |
//! | `m0005_reminders` | reminders, reminder opt-outs, secrets |
//! | `m0006_queue_order` ([`infra_sql`]) | the inbox's and the outbox's queues read in order by an index |
//! | `m0007_jobs_order` ([`infra_sql`]) | the table job queue's claim read in order by an index |
//! | `m0008_send_outcomes` ([`infra_sql`]) | outbound rows say whether they may be sent again after an unknown outcome, count those outcomes, and carry a fallback for the 24-hour window; customers who stopped marketing messages (`marketing_opt_outs`) |
//! | `m0009_catalog_sync` | products' Zoho record ids (`source_id`), the last successful syncs (`sync_marks`) |
//! | `m0010_deferred_sends` ([`infra_sql`]) | outbound rows put off on their own until a time (`not_before_ms`), outside their customer's order: a capped marketing template sent again a day later |
//! | `m0011_customers_consent` | customers' tags (`customer_tags`); `marketing_opt_outs` becomes the one consent record: each opt-out's `scope` (`marketing`, `all`) and `source` (`provider`, `keyword`, `operator`) |
//! | `m0012_campaigns` | campaigns (audience and message as JSON) and their frozen recipients, one row each for good |
//! | `m0013_message_pricing` ([`infra_sql`]) | what each outbound message is billed as (`message_pricing`), kept once from the providers' status reports |
//! | `m0014_withdrawn_keys` ([`infra_sql`]) | outbox key prefixes withdrawn for good (`withdrawn_keys`: a cancelled campaign's) |
//! | `m0015_rules` | automation rules (`rules`, each as written), their run log (`rule_runs`, one row per rule, customer and occurrence), customers' attributes (`customer_attributes`) |
//! | `m0016_handoffs` | handoffs to a person (`handoffs`, one row each, kept once released), at most one open per customer (a partial unique index) |
//! | `m0017_customer_details` | what customers tell the shop (`customer_details`): their language, when they were first offered the choice, their registration (name, business, GSTIN, address) |
//! | `m0018_invoice_buyer` | who each invoice is made out to (`invoices.buyer`, JSON: the customer's registration when it was issued) |

use infra_sql::migrations::{
    M0002Inbox, M0003Jobs, M0006QueueOrder, M0007JobsOrder, M0008SendOutcomes, M0010DeferredSends,
    M0013MessagePricing, M0014WithdrawnKeys,
};
use sea_orm_migration::prelude::*;

mod m0001_shop_schema;
mod m0004_invoices;
mod m0005_reminders;
mod m0009_catalog_sync;
mod m0011_customers_consent;
mod m0012_campaigns;
mod m0015_rules;
mod m0016_handoffs;
mod m0017_customer_details;
mod m0018_invoice_buyer;

/// Applies the shop's schema, one migration per change, in order; run it
/// with [`Database::migrate_with`](infra_sql::Database::migrate_with).
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_shop_schema::Migration),
            Box::new(M0002Inbox),
            Box::new(M0003Jobs),
            Box::new(m0004_invoices::Migration),
            Box::new(m0005_reminders::Migration),
            Box::new(M0006QueueOrder),
            Box::new(M0007JobsOrder),
            Box::new(M0008SendOutcomes),
            Box::new(m0009_catalog_sync::Migration),
            Box::new(M0010DeferredSends),
            Box::new(m0011_customers_consent::Migration),
            Box::new(m0012_campaigns::Migration),
            Box::new(M0013MessagePricing),
            Box::new(M0014WithdrawnKeys),
            Box::new(m0015_rules::Migration),
            Box::new(m0016_handoffs::Migration),
            Box::new(m0017_customer_details::Migration),
            Box::new(m0018_invoice_buyer::Migration),
        ]
    }
}
