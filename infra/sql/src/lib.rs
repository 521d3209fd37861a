//! The SQL side of a bot, on sea-orm (SQLite by default, PostgreSQL with a
//! `postgres://` URL): the message log with its durable inbox and outbox,
//! the outbox's dispatcher, a session store that survives restarts, the
//! table job queue, and the unit of work a turn's writes share. Any bot on
//! `framework` can use it alone; the shop adds its repositories in
//! `infra_shop`.
//!
//! Queries are built with sea-query so one statement runs on both backends
//! (placeholders, `RETURNING`, `ON CONFLICT` differ between them). The
//! schema is built by Rust migrations ([`migrations::Migrator`], one file
//! each, frozen once released); queries name its tables and columns by the
//! live identifiers in [`schema`].
//!
//! | module | what it is |
//! |---|---|
//! | [`inbound`] | the durable inbound path: record before acknowledging, run each conversation in order, commit a turn as one transaction ([`Inbox`](inbound::Inbox), [`InboxIngress`](inbound::InboxIngress), [`TurnCommit`](inbound::TurnCommit)) |
//! | [`messages`] | the message log by role: the inbox and outbox queues, delivery statuses, reads |
//! | [`outbox`] | `framework::webhook::Outbox` on the message log, and the [`Dispatcher`](outbox::Dispatcher) that sends its rows |
//! | [`sessions`] | `framework::session::SessionStore` (sessions that survive a restart) |
//! | [`jobs`] | `framework::jobs::JobQueue` on a table (jobs that survive a restart) |
//! | [`unit_of_work`] | one transaction for a turn's writes, joined by every statement run through a [`Database`] |
//! | [`migrations`] | the schema's history |
//! | [`transient`] | which database errors are worth retrying |
//! | `testing` (feature `test-util`) | a fresh PostgreSQL database per test |
//!
//! # SQLite
//!
//! A `sqlite://` URL (the default: a file `campanile.db` in the working
//! directory) is created on connect. SQLite allows one writer at a time, so
//! the pool holds a single connection (no `SQLITE_BUSY` when a read
//! transaction upgrades to a write) and the file runs in WAL mode with a
//! 5 s busy timeout for other processes. Nothing may hold that connection
//! while waiting for another: no repository call nests inside another's
//! transaction.
//!
//! # Example
//!
//! A session store that survives a restart, on a database migrated with the
//! message log's own history:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), infra_sql::DbError> {
//! use infra_sql::{Database, DatabaseSettings};
//! use infra_sql::sessions::DbSessionStore;
//!
//! let db = Database::connect(&DatabaseSettings::new(Some("sqlite::memory:"))).await?;
//! db.migrate().await?;
//! let sessions = DbSessionStore::new(db.clone());
//! # let _ = sessions;
//! assert_eq!(db.backend_name(), "sqlite");
//! # Ok(())
//! # }
//! ```
//!
//! **Architecture Invariant:** depends on `framework` and `infra_providers`
//! (the outbox renders and sends through its clients), never on `features`.

use std::sync::Arc;
use std::time::Duration;

use framework::clock::Clock;
use sea_orm::{
    ConnectOptions, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    TransactionTrait,
};
use sea_orm_migration::MigratorTrait;

use framework::settings::SecretUrl;

pub mod consent;
pub mod inbound;
pub mod jobs;
pub mod messages;
pub mod migrations;
pub mod outbox;
pub mod schema;
pub mod sender;
pub mod sessions;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod transient;
pub mod unit_of_work;

pub use unit_of_work::UnitOfWork;

/// The PostgreSQL advisory lock key that serializes migrations ("campanil").
const MIGRATION_LOCK: i64 = 0x6361_6d70_616e_696c;

/// The SQLite file used when `DATABASE_URL` is unset.
pub const DEFAULT_SQLITE_FILE: &str = "campanile.db";

/// Errors of the database module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DbError {
    /// The URL names no backend we support.
    #[error("unsupported DATABASE_URL {0:?}: expected sqlite:… or postgres://…")]
    UnsupportedUrl(String),
    /// Could not connect.
    #[error("cannot connect to the database at {url}")]
    Connect {
        /// The URL, without its password.
        url: String,
        /// Why.
        #[source]
        source: DbErr,
    },
    /// A migration failed.
    #[error("database migration failed")]
    Migrate(#[source] DbErr),
    /// A query failed.
    #[error("database query failed")]
    Query(#[from] DbErr),
    /// A stored row could not be read back as a domain value.
    #[error("corrupt row in {table}: {reason}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        reason: String,
    },
}

impl From<sea_orm::sea_query::error::Error> for DbError {
    fn from(e: sea_orm::sea_query::error::Error) -> Self {
        corrupt("query", e)
    }
}

framework::settings! {
    /// Where the database is and how big its pool is.
    ///
    /// `Debug` shows the URL without its password.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct DatabaseSettings {
        /// sqlite:… or postgres://… [default: sqlite file campanile.db in the
        /// working directory].
        #[var("DATABASE_URL", secret)]
        url: SecretUrl,
        /// PostgreSQL pool size [default: 20; SQLite uses one connection].
        #[var("DATABASE_MAX_CONNECTIONS")]
        max_connections: u32,
    }
}

impl Default for DatabaseSettings {
    /// The SQLite file [`DEFAULT_SQLITE_FILE`] in the working directory.
    fn default() -> Self {
        Self::new(None)
    }
}

impl DatabaseSettings {
    /// Settings for `url` (`sqlite:path`, `sqlite::memory:`, `postgres://…`),
    /// or the default SQLite file when `None`. PostgreSQL pools default to 20
    /// connections; SQLite always uses one (see the [module docs](self)).
    #[must_use]
    pub fn new(url: Option<&str>) -> Self {
        let url = match url.map(str::trim).filter(|u| !u.is_empty()) {
            Some(url) => url.to_owned(),
            None => format!("sqlite://{DEFAULT_SQLITE_FILE}?mode=rwc"),
        };
        Self {
            url: SecretUrl::new(url),
            max_connections: 20,
        }
    }

    /// A private in-memory SQLite database (tests, examples).
    #[must_use]
    pub fn in_memory() -> Self {
        Self::new(Some("sqlite::memory:"))
    }

    /// Sets the PostgreSQL pool size (at least 1).
    #[must_use]
    pub fn with_max_connections(mut self, n: u32) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// The URL.
    #[must_use]
    pub fn url(&self) -> &str {
        self.url.expose()
    }

    /// The URL with any password replaced by `***`, for logs.
    #[must_use]
    pub fn redacted_url(&self) -> String {
        self.url.redacted()
    }

    /// The PostgreSQL pool size.
    #[must_use]
    pub fn max_connections(&self) -> u32 {
        self.max_connections
    }

    fn is_sqlite(&self) -> bool {
        self.url().starts_with("sqlite:")
    }
}

/// A connection pool to the database, and the clock its statements read;
/// cheap to clone.
///
/// Every statement that stamps a time (`created_at_ms`, a lease's end) or
/// compares with the time (is a retry due? has a lease expired?) reads
/// [`now_ms`](Self::now_ms): the [`Clock`] given with
/// [`with_clock`](Self::with_clock), the system's by default. A test that
/// gives it a [`ManualClock`](framework::clock::ManualClock)'s clock decides
/// what time every repository sees.
#[derive(Debug, Clone)]
pub struct Database {
    conn: DatabaseConnection,
    settings: DatabaseSettings,
    /// Identifies the pool (clones share it), so a [`UnitOfWork`] joins
    /// statements of its own pool only.
    pool_id: Arc<()>,
    /// The time statements stamp and compare with.
    clock: Clock,
}

impl Database {
    /// Connects (creating the SQLite file if needed). Does not migrate.
    ///
    /// # Errors
    ///
    /// [`DbError::UnsupportedUrl`] or [`DbError::Connect`].
    pub async fn connect(settings: &DatabaseSettings) -> Result<Self, DbError> {
        let url = settings.url();
        if !(settings.is_sqlite()
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(DbError::UnsupportedUrl(settings.redacted_url()));
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .sqlx_logging(false)
            .acquire_timeout(Duration::from_secs(10))
            .connect_timeout(Duration::from_secs(5));
        if settings.is_sqlite() {
            options
                .max_connections(1)
                .min_connections(1)
                // The one connection lives as long as the pool: an in-memory
                // database would vanish with a recycled connection.
                .map_sqlx_sqlite_pool_opts(|o| o.max_lifetime(None).idle_timeout(None))
                .map_sqlx_sqlite_opts(|o| {
                    o.create_if_missing(true)
                        .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                        .busy_timeout(Duration::from_secs(5))
                        .foreign_keys(true)
                });
        } else {
            // One connection ready at start: the first turn does not pay for
            // a connection handshake.
            options
                .max_connections(settings.max_connections.max(1))
                .min_connections(1);
        }
        let conn = sea_orm::Database::connect(options)
            .await
            .map_err(|source| DbError::Connect {
                url: settings.redacted_url(),
                source,
            })?;
        Ok(Self {
            conn,
            settings: settings.clone(),
            pool_id: Arc::new(()),
            clock: Clock::system(),
        })
    }

    /// The same pool, its statements reading the time from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The clock statements read the time from.
    #[must_use]
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Milliseconds since the Unix epoch, now, by the [`clock`](Self::clock).
    #[must_use]
    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Applies every pending migration of the message log's own history
    /// ([`migrations::Migrator`]); a bot with tables of its own runs its own
    /// migrator with [`migrate_with`](Self::migrate_with) instead.
    ///
    /// A database keeps one history: this fails on a database another
    /// migrator made (the shop bot's `campanile.db`, say, which
    /// `infra_shop::Migrator` made) with "Migration file of version … is
    /// missing". Give your bot a file of its own.
    ///
    /// # Errors
    ///
    /// [`DbError::Migrate`], or [`DbError::Connect`] for the migration
    /// connection.
    pub async fn migrate(&self) -> Result<(), DbError> {
        self.migrate_with::<migrations::Migrator>().await
    }

    /// Applies every pending migration of `M`; safe to run on every start
    /// and from several processes at once: on PostgreSQL the migrations run
    /// on one connection holding an advisory lock, so concurrent starts take
    /// turns and each migration runs once (SQLite serializes writers itself).
    ///
    /// # Errors
    ///
    /// [`DbError::Migrate`], or [`DbError::Connect`] for the migration
    /// connection.
    pub async fn migrate_with<M: MigratorTrait>(&self) -> Result<(), DbError> {
        if self.backend() != DbBackend::Postgres {
            return M::up(&self.conn, None).await.map_err(DbError::Migrate);
        }
        let single = Self::connect(&self.settings.clone().with_max_connections(1)).await?;
        let conn = single.connection();
        conn.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            .await
            .map_err(DbError::Migrate)?;
        let result = M::up(conn, None).await.map_err(DbError::Migrate);
        if let Err(e) = conn
            .execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            .await
        {
            tracing::warn!(error.message = %e, "releasing the migration lock failed; closing its connection releases it");
        }
        single.close().await;
        result
    }

    /// The names of `M`'s migrations applied so far, oldest first.
    ///
    /// # Errors
    ///
    /// [`DbError::Migrate`].
    pub async fn applied_migrations<M: MigratorTrait>(&self) -> Result<Vec<String>, DbError> {
        let all = M::get_applied_migrations(&self.conn)
            .await
            .map_err(DbError::Migrate)?;
        Ok(all.iter().map(|m| m.name().to_owned()).collect())
    }

    /// Checks the database answers (for `/readyz`).
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn ping(&self) -> Result<(), DbError> {
        self.conn.ping().await?;
        Ok(())
    }

    /// `"sqlite"` or `"postgres"`.
    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        match self.conn.get_database_backend() {
            DbBackend::Sqlite => "sqlite",
            DbBackend::Postgres => "postgres",
            _ => "other",
        }
    }

    /// The sea-orm connection pool, for administration and tests. Statements
    /// run on it directly do not join a [`UnitOfWork`]; inside one on SQLite
    /// they wait for the unit's connection (a deadlock until the acquire
    /// timeout).
    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub(crate) fn same_pool(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.pool_id, &other.pool_id)
    }

    /// The backend the pool talks to.
    #[must_use]
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Begins a transaction: a savepoint of the current [`UnitOfWork`]'s
    /// transaction if one runs, else a transaction of its own.
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn begin(&self) -> Result<DatabaseTransaction, DbErr> {
        match unit_of_work::ambient_for(self) {
            Some(ambient) => ambient.run(|txn| txn.begin()).await,
            None => self.conn.begin().await,
        }
    }

    /// Runs `f` once the current [`UnitOfWork`] commits (never if it rolls
    /// back), or now when none runs.
    pub fn after_commit(&self, f: impl FnOnce() + Send + 'static) {
        unit_of_work::after_commit(self, f);
    }

    /// Runs a sea-query statement that changes rows, inside the current
    /// [`UnitOfWork`] if one runs; returns how many.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn exec<S>(&self, stmt: &S) -> Result<u64, DbError>
    where
        S: sea_orm::StatementBuilder,
    {
        let stmt = self.backend().build(stmt);
        let done = match unit_of_work::ambient_for(self) {
            Some(ambient) => ambient.run(|txn| txn.execute_raw(stmt)).await?,
            None => self.conn.execute_raw(stmt).await?,
        };
        Ok(done.rows_affected())
    }

    /// Runs a sea-query statement that reads rows, inside the current
    /// [`UnitOfWork`] if one runs.
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn all<S>(&self, stmt: &S) -> Result<Vec<sea_orm::QueryResult>, DbErr>
    where
        S: sea_orm::StatementBuilder,
    {
        let stmt = self.backend().build(stmt);
        match unit_of_work::ambient_for(self) {
            Some(ambient) => ambient.run(|txn| txn.query_all_raw(stmt)).await,
            None => self.conn.query_all_raw(stmt).await,
        }
    }

    /// Runs a sea-query statement that reads at most one row, inside the
    /// current [`UnitOfWork`] if one runs.
    ///
    /// # Errors
    ///
    /// The database's.
    pub async fn one<S>(&self, stmt: &S) -> Result<Option<sea_orm::QueryResult>, DbErr>
    where
        S: sea_orm::StatementBuilder,
    {
        let stmt = self.backend().build(stmt);
        match unit_of_work::ambient_for(self) {
            Some(ambient) => ambient.run(|txn| txn.query_one_raw(stmt)).await,
            None => self.conn.query_one_raw(stmt).await,
        }
    }

    /// Inside a [`UnitOfWork`], holds `key` until it ends, so that
    /// transactions holding the same key run one after the other (a count
    /// read after this sees what the previous holder committed). On
    /// PostgreSQL a transaction-scoped advisory lock on the key's hash; on
    /// SQLite nothing more is needed once the transaction has written (its
    /// first write holds the whole database until it ends), so hold a key
    /// after a write there. Outside a unit of work it holds nothing.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`].
    pub async fn hold_key(&self, key: &str) -> Result<(), DbError> {
        if self.backend() != DbBackend::Postgres {
            return Ok(());
        }
        let stmt = sea_orm::Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            [key.into()],
        );
        if let Some(ambient) = unit_of_work::ambient_for(self) {
            ambient.run(|txn| txn.execute_raw(stmt)).await?;
        }
        Ok(())
    }

    /// Closes the pool.
    pub async fn close(self) {
        if let Err(e) = self.conn.close().await {
            tracing::warn!(error.message = %e, "closing the database pool failed");
        }
    }
}

/// `d` in whole milliseconds, saturating (the `*_ms` columns' unit).
#[must_use]
pub fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// A [`DbError::Corrupt`]: a row of `table` the code cannot read, and why.
pub fn corrupt(table: &'static str, reason: impl std::fmt::Display) -> DbError {
    DbError::Corrupt {
        table,
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        let redact = |url| DatabaseSettings::new(Some(url)).redacted_url();
        assert_eq!(
            redact("postgres://bot:s3cret@db:5432/shop"),
            "postgres://bot:***@db:5432/shop"
        );
        assert_eq!(redact("postgres://db/shop"), "postgres://db/shop");
        assert_eq!(redact("sqlite://campanile.db"), "sqlite://campanile.db");
        let shown = format!(
            "{:?}",
            DatabaseSettings::new(Some("postgres://bot:s3cret@db/shop"))
        );
        assert!(!shown.contains("s3cret"), "{shown}");
    }

    #[test]
    fn unset_url_means_the_local_file() {
        assert_eq!(
            DatabaseSettings::new(None).url(),
            "sqlite://campanile.db?mode=rwc"
        );
        assert_eq!(
            DatabaseSettings::new(Some("  ")).url(),
            DatabaseSettings::new(None).url()
        );
    }

    #[tokio::test]
    async fn unknown_schemes_are_refused() {
        let e = Database::connect(&DatabaseSettings::new(Some("mysql://x")))
            .await
            .err();
        assert!(matches!(e, Some(DbError::UnsupportedUrl(_))), "{e:?}");
    }
}

/// The README's examples, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
