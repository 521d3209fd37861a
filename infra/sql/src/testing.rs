//! Fresh, throw-away databases for tests (feature `test-util`): a new
//! PostgreSQL database on the local server ([`TempDatabase`]), or a SQLite
//! file in a temporary directory, migrated or not ([`TestDb`]); each is
//! removed when the test ends.

use framework::testing::random_tag;
use sea_orm::ConnectionTrait as _;
use sea_orm_migration::MigratorTrait;

use crate::{Database, DatabaseSettings};

/// The PostgreSQL server the test command makes sure runs
/// (`scripts/services.sh`), with trust authentication.
pub const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A new, empty PostgreSQL database; [`drop`](Self::drop) removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempDatabase {
    name: String,
}

impl TempDatabase {
    /// Creates `{prefix}_{random}` on the local server.
    ///
    /// # Panics
    ///
    /// When the server is not reachable (run `scripts/services.sh`).
    pub async fn create(prefix: &str) -> Self {
        let name = format!("{prefix}_{}", random_tag());
        let admin = Database::connect(&DatabaseSettings::new(Some(POSTGRES_ADMIN_URL)))
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL on 127.0.0.1:5432 (scripts/services.sh): {e}"));
        admin
            .connection()
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        admin.close().await;
        Self { name }
    }

    /// The database's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URL.
    #[must_use]
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }

    /// Drops the database, closing connections still open to it.
    pub async fn drop(self) {
        if let Ok(admin) = Database::connect(&DatabaseSettings::new(Some(POSTGRES_ADMIN_URL))).await
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

/// Where a test's database lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    SqliteFile,
    /// A new database on the PostgreSQL server at 127.0.0.1:5432.
    Postgres,
}

/// A test's own database; [`TestDb::drop`] removes it.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use infra_sql::testing::{Backend, TestDb};
///
/// let db = TestDb::new(Backend::SqliteFile).await;
/// db.db.ping().await.unwrap();
/// db.drop().await;
/// # }
/// ```
#[derive(Debug)]
pub struct TestDb {
    /// The database.
    pub db: Database,
    settings: DatabaseSettings,
    postgres: Option<TempDatabase>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// An empty database with the message log's schema
    /// ([`migrations::Migrator`](crate::migrations::Migrator)).
    ///
    /// # Panics
    ///
    /// When the database cannot be made or migrated.
    pub async fn new(backend: Backend) -> Self {
        Self::migrated_with::<crate::migrations::Migrator>(backend).await
    }

    /// An empty database with `M`'s schema.
    ///
    /// # Panics
    ///
    /// When the database cannot be made or migrated.
    pub async fn migrated_with<M: MigratorTrait>(backend: Backend) -> Self {
        let db = Self::new_unmigrated(backend).await;
        if let Err(e) = db.db.migrate_with::<M>().await {
            panic!("cannot migrate the test database: {e}");
        }
        db
    }

    /// The settings that reach this database.
    #[must_use]
    pub fn settings(&self) -> DatabaseSettings {
        self.settings.clone()
    }

    /// An empty database without a schema.
    ///
    /// # Panics
    ///
    /// When the database cannot be made.
    pub async fn new_unmigrated(backend: Backend) -> Self {
        match backend {
            Backend::SqliteFile => {
                let dir = tempfile::tempdir()
                    .unwrap_or_else(|e| panic!("cannot make a temporary directory: {e}"));
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                let settings = DatabaseSettings::new(Some(&url));
                let db = Database::connect(&settings)
                    .await
                    .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
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
                    .unwrap_or_else(|e| panic!("cannot connect to the new database: {e}"));
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
    pub async fn drop(self) {
        self.db.close().await;
        if let Some(temp) = self.postgres {
            temp.drop().await;
        }
    }
}
