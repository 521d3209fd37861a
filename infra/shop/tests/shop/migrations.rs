//! Migrations are history: a database records each one by name when it ran,
//! and never runs it again. So a migration must build the same statements
//! forever, whatever the live schema's identifiers become. This test renders
//! every migration's statements for SQLite and PostgreSQL (on sea-orm's mock
//! connection, which records them instead of running them) and compares
//! them with `migrations.sql`, written when each migration was released.
//!
//! A change here is a change to what existing deployments ran: write a new
//! migration instead. Only a new migration appends to `migrations.sql`
//! (`CAMPANILE_BLESS_MIGRATIONS=1` rewrites it; review the diff: nothing
//! above the new migration may change).

use infra_shop::migrations::Migrator;
use sea_orm::{DbBackend, MockDatabase, MockExecResult, Value};
use sea_orm_migration::{MigratorTrait, SchemaManager};

const GOLDEN: &str = "tests/shop/migrations.sql";

/// A parameter as the golden file shows it. The first migration stamps the
/// demo shop's creation time: any time (ms since the epoch, after 2001)
/// shows as `<now>`.
fn shown(value: &Value) -> String {
    match value {
        Value::BigInt(Some(ms)) if *ms > 1_000_000_000_000 => "<now>".to_owned(),
        other => format!("{other:?}"),
    }
}

/// Every migration's statements on `backend`, in order, one block each.
async fn rendered(backend: DbBackend) -> String {
    let mut out = String::new();
    for migration in Migrator::migrations() {
        let conn = MockDatabase::new(backend)
            .append_exec_results((0..100).map(|_| MockExecResult {
                last_insert_id: 0,
                rows_affected: 0,
            }))
            .into_connection();
        migration
            .up(&SchemaManager::new(&conn))
            .await
            .unwrap_or_else(|e| panic!("{} on {backend:?}: {e}", migration.name()));
        out.push_str(&format!("-- {} ({backend:?})\n", migration.name()));
        for txn in conn.into_transaction_log() {
            for stmt in txn.statements() {
                out.push_str(&stmt.sql);
                out.push_str(";\n");
                if let Some(values) = &stmt.values {
                    let values: Vec<String> = values.0.iter().map(shown).collect();
                    out.push_str(&format!("--   values: [{}]\n", values.join(", ")));
                }
            }
        }
        out.push('\n');
    }
    out
}

#[tokio::test]
async fn every_migration_builds_the_statements_it_was_released_with() {
    let mut all = String::new();
    for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
        all.push_str(&rendered(backend).await);
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("CAMPANILE_BLESS_MIGRATIONS").is_some() {
        std::fs::write(&path, &all).unwrap();
    }
    let golden = std::fs::read_to_string(&path).unwrap();
    if golden != all {
        let first = golden
            .lines()
            .zip(all.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| golden.lines().count().min(all.lines().count()));
        panic!(
            "the migrations no longer build what they were released with \
             (first difference at line {}):\n  released: {:?}\n  now:      {:?}",
            first + 1,
            golden.lines().nth(first),
            all.lines().nth(first),
        );
    }
}

#[test]
fn the_shop_s_history_holds_every_message_log_migration_in_order() {
    // The shop lists `infra_sql`'s migrations by hand, under the names its
    // databases recorded: a migration added there must be added here too,
    // or the shop's databases never get the message log's new schema.
    let shop: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let log: Vec<String> = infra_sql::migrations::Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        // The shop made the message log's first tables in its own m0001.
        .filter(|name| name != "m0001_message_log")
        .collect();
    let positions: Vec<Option<usize>> = log
        .iter()
        .map(|name| shop.iter().position(|s| s == name))
        .collect();
    assert!(
        positions.iter().all(Option::is_some),
        "missing from the shop's history: {log:?} in {shop:?}"
    );
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "out of order in the shop's history: {log:?} in {shop:?}"
    );
    assert_eq!(shop.first().map(String::as_str), Some("m0001_shop_schema"));
}
