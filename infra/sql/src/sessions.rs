//! [`SessionStore`] in the database, so carts and conversation state survive
//! a restart of the embedded default.
//!
//! Each call first raises the key's highest fencing token with one
//! conditional upsert (refused when a higher token was seen: the caller is
//! fenced), then reads or writes only while that token is still the highest.
//! Two statements, no transaction, no read-then-write race: a newer holder
//! that slips in between makes the second statement match nothing, and the
//! stale caller gets [`SessionStoreError::Fenced`].
//!
//! Expired sessions read as missing; rows are deleted an hour after they
//! expire (fencing tokens must outlive any lease), swept every few hundred
//! writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use framework::session::{FencingToken, SessionStore, SessionStoreError};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use super::schema::Sessions;
use super::{Database, DbError, duration_ms};

/// How long a key's fencing token is remembered after its session expired.
const FENCE_MEMORY_MS: i64 = 60 * 60 * 1000;
/// Sweep expired rows once per this many writes.
const SWEEP_EVERY: u32 = 500;

/// Conversation sessions in the database; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: Database,
    writes: Arc<AtomicU32>,
}

impl DbSessionStore {
    /// Sessions in `db`.
    #[must_use]
    pub fn new(db: Database) -> Self {
        Self {
            db,
            writes: Arc::new(AtomicU32::new(0)),
        }
    }

    fn fence_value(fence: FencingToken) -> i64 {
        i64::try_from(fence.get()).unwrap_or(i64::MAX)
    }

    /// Raises the key's token to `fence`, or reports the higher one seen.
    async fn enter(&self, key: &str, fence: FencingToken) -> Result<(), SessionStoreError> {
        let f = Self::fence_value(fence);
        let upsert = Query::insert()
            .into_table(Sessions::Table)
            .columns([Sessions::Key, Sessions::ExpiresAtMs, Sessions::MaxFence])
            .values([key.into(), 0_i64.into(), f.into()])
            .map_err(backend)?
            .on_conflict(
                OnConflict::column(Sessions::Key)
                    .update_column(Sessions::MaxFence)
                    .action_and_where(Expr::col((Sessions::Table, Sessions::MaxFence)).lte(f))
                    .to_owned(),
            )
            .to_owned();
        if self.db.exec(&upsert).await.map_err(backend)? == 1 {
            return Ok(());
        }
        Err(self.fenced(key, fence).await)
    }

    async fn fenced(&self, key: &str, fence: FencingToken) -> SessionStoreError {
        let select = Query::select()
            .column(Sessions::MaxFence)
            .from(Sessions::Table)
            .and_where(Expr::col(Sessions::Key).eq(key))
            .to_owned();
        let current = match self.db.one(&select).await {
            Ok(Some(row)) => row.try_get::<i64>("", "max_fence").unwrap_or_default(),
            Ok(None) => 0,
            Err(e) => return backend(e),
        };
        SessionStoreError::Fenced {
            token: fence,
            current: FencingToken::new(u64::try_from(current).unwrap_or_default()),
        }
    }

    /// Writes `data` (or clears it) for `ttl` while `fence` is the key's
    /// highest token.
    async fn write(
        &self,
        key: &str,
        data: Option<&[u8]>,
        ttl: Duration,
        fence: FencingToken,
    ) -> Result<(), SessionStoreError> {
        self.enter(key, fence).await?;
        // The time to live starts when the data is written, not when the
        // call began.
        let expires_at_ms = self.db.now_ms().saturating_add(duration_ms(ttl));
        let update = Query::update()
            .table(Sessions::Table)
            .value(Sessions::Data, data.map(<[u8]>::to_vec))
            .value(Sessions::ExpiresAtMs, expires_at_ms)
            .and_where(Expr::col(Sessions::Key).eq(key))
            .and_where(Expr::col(Sessions::MaxFence).eq(Self::fence_value(fence)))
            .to_owned();
        if self.db.exec(&update).await.map_err(backend)? != 1 {
            return Err(self.fenced(key, fence).await);
        }
        if self.writes.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            // On a task of its own: outside the turn's transaction (its
            // locks on other customers' rows must not wait for this turn's
            // commit, nor its failure abort the turn).
            let store = self.clone();
            tokio::spawn(async move { store.sweep().await });
        }
        Ok(())
    }

    async fn sweep(&self) {
        let delete = Query::delete()
            .from_table(Sessions::Table)
            .and_where(
                Expr::col(Sessions::ExpiresAtMs)
                    .lt(self.db.now_ms().saturating_sub(FENCE_MEMORY_MS)),
            )
            .to_owned();
        match self.db.exec(&delete).await {
            Ok(n) => tracing::debug!(removed = n, "swept expired sessions"),
            Err(e) => tracing::warn!(error.message = %e, "sweeping expired sessions failed"),
        }
    }
}

fn backend(e: impl Into<DbError>) -> SessionStoreError {
    SessionStoreError::Backend(Box::new(e.into()))
}

impl SessionStore for DbSessionStore {
    async fn load(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> Result<Option<Vec<u8>>, SessionStoreError> {
        // Expiry is judged as of the call, not of the answer.
        let asked_at = self.db.now_ms();
        self.enter(key, fence).await?;
        let select = Query::select()
            .columns([Sessions::Data, Sessions::ExpiresAtMs])
            .from(Sessions::Table)
            .and_where(Expr::col(Sessions::Key).eq(key))
            .and_where(Expr::col(Sessions::MaxFence).eq(Self::fence_value(fence)))
            .to_owned();
        let row = self.db.one(&select).await.map_err(backend)?;
        let Some(row) = row else {
            return Err(self.fenced(key, fence).await);
        };
        let data: Option<Vec<u8>> = row.try_get("", "data").map_err(backend)?;
        let expires: i64 = row.try_get("", "expires_at_ms").map_err(backend)?;
        Ok(data.filter(|_| expires > asked_at))
    }

    async fn save(
        &self,
        key: &str,
        data: &[u8],
        ttl: Duration,
        fence: FencingToken,
    ) -> Result<(), SessionStoreError> {
        self.write(key, Some(data), ttl, fence).await
    }

    async fn remove(&self, key: &str, fence: FencingToken) -> Result<(), SessionStoreError> {
        self.write(key, None, Duration::ZERO, fence).await
    }
}
