//! When each kind of sync last succeeded (`catalog`: the Zoho catalog
//! sync), shared by every instance through the database; `/readyz` shows
//! it.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::schema::SyncMarks;
use infra_sql::{Database, DbError, corrupt};

/// The catalog sync's mark.
pub const CATALOG: &str = "catalog";

/// Records that the sync `name` succeeded now (the database's clock);
/// returns that time (ms since the epoch). Inside a unit of work, it
/// commits with it.
///
/// # Errors
///
/// [`DbError::Query`] when the database fails.
pub async fn mark(db: &Database, name: &str) -> Result<i64, DbError> {
    let now = db.now_ms();
    let insert = Query::insert()
        .into_table(SyncMarks::Table)
        .columns([SyncMarks::Name, SyncMarks::AtMs])
        .values([name.into(), now.into()])
        .map_err(|e| corrupt("sync_marks", e))?
        .on_conflict(
            OnConflict::column(SyncMarks::Name)
                .update_column(SyncMarks::AtMs)
                .to_owned(),
        )
        .to_owned();
    db.exec(&insert).await?;
    Ok(now)
}

/// When the sync `name` last succeeded (ms since the epoch), if ever.
///
/// # Errors
///
/// [`DbError::Query`] when the database fails.
pub async fn last(db: &Database, name: &str) -> Result<Option<i64>, DbError> {
    let select = Query::select()
        .column(SyncMarks::AtMs)
        .from(SyncMarks::Table)
        .and_where(Expr::col(SyncMarks::Name).eq(name))
        .to_owned();
    match db.one(&select).await? {
        Some(row) => Ok(Some(row.try_get("", "at_ms")?)),
        None => Ok(None),
    }
}
