//! One transaction for a whole unit of work (a conversation turn), without
//! threading a transaction through every repository.
//!
//! A [`UnitOfWork`] runs futures with an *ambient* transaction: every
//! statement the same [`Database`] runs in those futures, from any
//! repository or store, joins one transaction, begun lazily at the first
//! statement. A repository that opens its own transaction inside a unit of
//! work gets a savepoint in it. [`UnitOfWork::commit`] commits everything at
//! once; dropping the unit of work rolls everything back. Work registered
//! with `Database::after_commit` (waking the outbox dispatcher) runs only
//! once the commit succeeded.
//!
//! The transaction is task-local: it joins statements of the future passed
//! to [`UnitOfWork::run`], not of tasks it spawns, and not of another
//! `Database` (another pool) used in the same task.
//!
//! # SQLite
//!
//! The embedded default's pool has one connection, so a unit of work holds
//! it from its first statement to its end; other work waits for it
//! (acquire timeout 10 s). Nothing inside a unit of work may wait for work
//! that needs the database from another task.
//!
//! # Example
//!
//! Statements of your own join the unit when they run through the
//! [`Database`] ([`Database::exec`], [`Database::all`], [`Database::one`]):
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use infra_sql::{Database, DatabaseSettings, UnitOfWork};
//! use sea_orm::ConnectionTrait as _;
//! use sea_orm::sea_query::{Alias, Expr, Query};
//!
//! let db = Database::connect(&DatabaseSettings::in_memory()).await?;
//! db.connection().execute_unprepared("CREATE TABLE notes (text TEXT)").await?;
//! let note = |text: &str| {
//!     Query::insert().into_table(Alias::new("notes")).columns([Alias::new("text")])
//!         .values_panic([text.into()]).to_owned()
//! };
//! let count = Query::select().expr(Expr::cust("COUNT(*)")).from(Alias::new("notes")).to_owned();
//! let notes = async |db: &Database| -> Result<i64, Box<dyn std::error::Error>> {
//!     Ok(db.one(&count).await?.map(|row| row.try_get_by_index(0)).transpose()?.unwrap_or(0))
//! };
//!
//! // Dropped: rolled back.
//! let uow = UnitOfWork::new(&db);
//! uow.run(db.exec(&note("draft"))).await?;
//! assert_eq!(uow.run(notes(&db)).await?, 1, "seen inside");
//! drop(uow);
//! assert_eq!(notes(&db).await?, 0);
//!
//! // Committed.
//! let uow = UnitOfWork::new(&db);
//! uow.run(db.exec(&note("kept"))).await?;
//! uow.commit().await?;
//! assert_eq!(notes(&db).await?, 1);
//! # Ok(())
//! # }
//! ```

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};
use tokio::sync::OnceCell;

use super::{Database, DbError};

/// Work to run after a successful commit.
type AfterCommit = Box<dyn FnOnce() + Send>;

tokio::task_local! {
    static AMBIENT: Arc<Ambient>;
}

/// The state shared by a unit of work and the statements run inside it.
pub(crate) struct Ambient {
    pool: Database,
    txn: OnceCell<DatabaseTransaction>,
    after_commit: Mutex<Vec<AfterCommit>>,
    /// A statement failed: PostgreSQL has aborted the transaction (and would
    /// answer the commit with a silent rollback), so the commit must fail.
    failed: AtomicBool,
}

impl Ambient {
    /// The transaction, begun on first use.
    pub(crate) async fn txn(&self) -> Result<&DatabaseTransaction, DbErr> {
        self.txn.get_or_try_init(|| self.pool.conn.begin()).await
    }

    /// Runs `f` on the transaction, remembering a failure.
    pub(crate) async fn run<'a, T, F, Fut>(&'a self, f: F) -> Result<T, DbErr>
    where
        F: FnOnce(&'a DatabaseTransaction) -> Fut,
        Fut: Future<Output = Result<T, DbErr>>,
    {
        let result = match self.txn().await {
            Ok(txn) => f(txn).await,
            Err(e) => Err(e),
        };
        if result.is_err() {
            self.failed.store(true, Ordering::SeqCst);
        }
        result
    }
}

/// The unit of work of the current task for `db`, if one runs.
pub(crate) fn ambient_for(db: &Database) -> Option<Arc<Ambient>> {
    AMBIENT
        .try_with(|a| a.pool.same_pool(db).then(|| Arc::clone(a)))
        .ok()
        .flatten()
}

/// Runs `f` after the current unit of work for `db` commits, or now when no
/// unit of work runs (the statements before it committed already).
pub(crate) fn after_commit(db: &Database, f: impl FnOnce() + Send + 'static) {
    match ambient_for(db) {
        Some(ambient) => match ambient.after_commit.lock() {
            Ok(mut pending) => pending.push(Box::new(f)),
            // A panic while the list was held: run now rather than never.
            Err(_) => f(),
        },
        None => f(),
    }
}

/// One transaction over everything a set of futures does with a
/// [`Database`]; see the [module docs](self).
#[must_use = "dropping a unit of work rolls it back"]
pub struct UnitOfWork {
    ambient: Arc<Ambient>,
    /// Whether this unit joined one that already runs in this task (then the
    /// outer one commits).
    joined: bool,
}

impl std::fmt::Debug for UnitOfWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitOfWork")
            .field("begun", &self.ambient.txn.initialized())
            .field("joined", &self.joined)
            .finish_non_exhaustive()
    }
}

impl UnitOfWork {
    /// A unit of work on `db`. Nothing is begun until a statement runs.
    /// Inside another unit of work on the same pool, this one joins it: its
    /// commit does nothing and the outer one decides.
    pub fn new(db: &Database) -> Self {
        if let Some(ambient) = ambient_for(db) {
            return Self {
                ambient,
                joined: true,
            };
        }
        Self {
            ambient: Arc::new(Ambient {
                pool: db.clone(),
                txn: OnceCell::new(),
                after_commit: Mutex::new(Vec::new()),
                failed: AtomicBool::new(false),
            }),
            joined: false,
        }
    }

    /// Runs `work` with this unit's transaction as the ambient one.
    pub async fn run<F: Future>(&self, work: F) -> F::Output {
        AMBIENT.scope(Arc::clone(&self.ambient), work).await
    }

    /// Whether a statement ran in this unit (a transaction was begun).
    #[must_use]
    pub fn has_begun(&self) -> bool {
        self.ambient.txn.initialized()
    }

    /// Commits everything the unit's futures did, then runs the work
    /// registered to run after the commit.
    ///
    /// # Errors
    ///
    /// [`DbError::Query`] when the commit fails, or when a statement of the
    /// unit failed before (its error may have been handled, but the
    /// transaction is aborted on PostgreSQL): everything is rolled back.
    pub async fn commit(self) -> Result<(), DbError> {
        if self.joined {
            return Ok(());
        }
        if self.ambient.failed.load(Ordering::SeqCst) {
            return Err(DbError::Query(DbErr::Custom(
                "a statement of this unit of work failed; it is rolled back".to_owned(),
            )));
        }
        let ambient = Arc::try_unwrap(self.ambient).map_err(|_| {
            DbError::Query(DbErr::Custom(
                "a unit of work was committed while a statement of it still ran".to_owned(),
            ))
        })?;
        if let Some(txn) = ambient.txn.into_inner() {
            txn.commit().await?;
        }
        let pending = match ambient.after_commit.into_inner() {
            Ok(pending) => pending,
            Err(poisoned) => poisoned.into_inner(),
        };
        for f in pending {
            f();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DatabaseSettings;

    use sea_orm::sea_query::{Expr, ExprTrait as _, Query};

    use crate::schema::Sessions;

    async fn count(db: &Database) -> u64 {
        let count = Query::select()
            .expr(Expr::col(Sessions::Key).count())
            .from(Sessions::Table)
            .to_owned();
        let row = db.one(&count).await.unwrap().unwrap();
        row.try_get_by_index::<i64>(0).unwrap().try_into().unwrap()
    }

    async fn insert(db: &Database) {
        let insert = Query::insert()
            .into_table(Sessions::Table)
            .columns([Sessions::Key, Sessions::ExpiresAtMs, Sessions::MaxFence])
            .values_panic(["a-key".into(), 0_i64.into(), 0_i64.into()])
            .to_owned();
        db.exec(&insert).await.unwrap();
    }

    async fn db() -> Database {
        let db = Database::connect(&DatabaseSettings::in_memory())
            .await
            .unwrap();
        db.migrate().await.unwrap();
        db
    }

    #[tokio::test]
    async fn after_commit_work_waits_for_the_commit_and_is_dropped_on_rollback() {
        let db = db().await;
        let hits = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let hit = |hits: &Arc<std::sync::atomic::AtomicUsize>| {
            let hits = Arc::clone(hits);
            move || {
                hits.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
        };

        after_commit(&db, hit(&hits));
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "no unit of work: now"
        );

        let uow = UnitOfWork::new(&db);
        uow.run(async { after_commit(&db, hit(&hits)) }).await;
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            1,
            "not before the commit"
        );
        uow.commit().await.unwrap();
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "after the commit"
        );

        let uow = UnitOfWork::new(&db);
        uow.run(async { after_commit(&db, hit(&hits)) }).await;
        drop(uow);
        assert_eq!(
            hits.load(std::sync::atomic::Ordering::SeqCst),
            2,
            "rolled back: never"
        );
    }

    #[tokio::test]
    async fn a_unit_whose_statement_failed_does_not_commit() {
        use sea_orm::sea_query::{Alias, Expr, Query};
        let db = db().await;
        let uow = UnitOfWork::new(&db);
        uow.run(insert(&db)).await;
        let missing = Query::select()
            .expr(Expr::val(1))
            .from(Alias::new("no_such_table"))
            .to_owned();
        // The caller handles the error and goes on...
        assert!(uow.run(db.one(&missing)).await.is_err());
        // ...but the unit does not commit what it did before.
        assert!(uow.commit().await.is_err());
        assert_eq!(count(&db).await, 0);
    }

    #[tokio::test]
    async fn a_nested_unit_joins_the_outer_one() {
        let db = db().await;
        let outer = UnitOfWork::new(&db);
        outer
            .run(async {
                let inner = UnitOfWork::new(&db);
                inner.run(insert(&db)).await;
                inner.commit().await.unwrap();
            })
            .await;
        assert!(outer.has_begun());
        drop(outer);
        assert_eq!(count(&db).await, 0, "the outer rollback undid it");
    }

    #[tokio::test]
    async fn another_pool_in_the_same_task_is_not_joined() {
        let a = db().await;
        let b = db().await;
        let uow = UnitOfWork::new(&a);
        uow.run(insert(&b)).await;
        assert!(!uow.has_begun(), "nothing ran on a");
        drop(uow);
        assert_eq!(count(&b).await, 1, "b committed on its own");
    }
}
