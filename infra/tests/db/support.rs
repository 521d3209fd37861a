//! Fresh databases per test.

use infra::db::{Database, DatabaseSettings};
use sea_orm::ConnectionTrait;

/// Where a test's database lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// A SQLite file in a temporary directory.
    SqliteFile,
    /// A new database on the PostgreSQL server at 127.0.0.1:5432.
    Postgres,
}

/// The server the test command makes sure runs (scripts/services.sh).
pub(crate) const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A migrated, empty database that [`TestDb::drop`] removes.
pub(crate) struct TestDb {
    pub(crate) db: Database,
    settings: DatabaseSettings,
    backend: Backend,
    name: String,
    _dir: Option<tempfile::TempDir>,
}

fn unique_name() -> String {
    let mut bytes = [0_u8; 6];
    getrandom::fill(&mut bytes).expect("random");
    format!("campanile_t_{}", hex::encode(bytes))
}

impl TestDb {
    pub(crate) async fn new(backend: Backend) -> Self {
        let db = Self::new_unmigrated(backend).await;
        db.db.migrate().await.expect("migrate");
        db
    }

    /// The settings that reach this database.
    pub(crate) fn settings(&self) -> DatabaseSettings {
        self.settings.clone()
    }

    /// An empty database without the schema.
    pub(crate) async fn new_unmigrated(backend: Backend) -> Self {
        let name = unique_name();
        match backend {
            Backend::SqliteFile => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!(
                    "sqlite://{}?mode=rwc",
                    dir.path().join(format!("{name}.db")).display()
                );
                let settings = DatabaseSettings::new(Some(&url));
                let db = Database::connect(&settings).await.expect("sqlite");
                Self {
                    settings,
                    db,
                    backend,
                    name,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let admin = Database::connect(&DatabaseSettings::new(Some(POSTGRES_ADMIN_URL)))
                    .await
                    .expect("PostgreSQL on 127.0.0.1:5432 (run scripts/services.sh)");
                admin
                    .connection()
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create database");
                admin.close().await;
                let url = format!("postgres://postgres@127.0.0.1:5432/{name}");
                let settings = DatabaseSettings::new(Some(&url)).with_max_connections(5);
                let db = Database::connect(&settings)
                    .await
                    .expect("connect to the new database");
                Self {
                    settings,
                    db,
                    backend,
                    name,
                    _dir: None,
                }
            }
        }
    }

    /// Closes the pool and removes the database.
    pub(crate) async fn drop(self) {
        self.db.close().await;
        if self.backend == Backend::Postgres
            && let Ok(admin) =
                Database::connect(&DatabaseSettings::new(Some(POSTGRES_ADMIN_URL))).await
        {
            let _ = admin
                .connection()
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
            admin.close().await;
        }
    }
}
