//! Fresh databases per test: a SQLite file in a temporary directory, or a
//! new database on the local PostgreSQL server
//! ([`infra::testing::TempDatabase`]).

use infra::db::{Database, DatabaseSettings};
use infra::testing::TempDatabase;

/// Where a test's database lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// A SQLite file in a temporary directory.
    SqliteFile,
    /// A new database on the PostgreSQL server at 127.0.0.1:5432.
    Postgres,
}

/// A migrated, empty database that [`TestDb::drop`] removes.
pub(crate) struct TestDb {
    pub(crate) db: Database,
    settings: DatabaseSettings,
    postgres: Option<TempDatabase>,
    _dir: Option<tempfile::TempDir>,
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
        match backend {
            Backend::SqliteFile => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                let settings = DatabaseSettings::new(Some(&url));
                let db = Database::connect(&settings).await.expect("sqlite");
                Self {
                    db,
                    settings,
                    postgres: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                let temp = TempDatabase::create("campanile_t").await;
                let settings = DatabaseSettings::new(Some(&temp.url())).with_max_connections(5);
                let db = Database::connect(&settings)
                    .await
                    .expect("connect to the new database");
                Self {
                    db,
                    settings,
                    postgres: Some(temp),
                    _dir: None,
                }
            }
        }
    }

    /// Closes the pool and removes the database.
    pub(crate) async fn drop(self) {
        self.db.close().await;
        if let Some(temp) = self.postgres {
            temp.drop().await;
        }
    }
}
