//! Secrets a deployment makes for itself: made once by whichever instance
//! asks first, then shared by every instance through the database, so no
//! operator has to configure them.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};

use crate::schema::Secrets;
use infra_sql::{Database, DbError, corrupt};

/// The secret `name`: 32 random bytes, made and stored on first use. Two
/// instances asking at once get the same one (the first insert wins).
///
/// # Errors
///
/// [`DbError::Query`]; [`DbError::Corrupt`] when there is no randomness or
/// the stored value is not hex.
pub async fn secret(db: &Database, name: &str) -> Result<Vec<u8>, DbError> {
    let mut fresh = [0_u8; 32];
    getrandom::fill(&mut fresh).map_err(|e| corrupt("secrets", e))?;
    let insert = Query::insert()
        .into_table(Secrets::Table)
        .columns([Secrets::Name, Secrets::Value])
        .values([name.into(), hex::encode(fresh).into()])
        .map_err(|e| corrupt("secrets", e))?
        .on_conflict(OnConflict::column(Secrets::Name).do_nothing().to_owned())
        .to_owned();
    db.exec(&insert).await?;
    let select = Query::select()
        .column(Secrets::Value)
        .from(Secrets::Table)
        .and_where(Expr::col(Secrets::Name).eq(name))
        .to_owned();
    let row = db
        .one(&select)
        .await?
        .ok_or_else(|| corrupt("secrets", format!("{name} vanished after it was stored")))?;
    let value: String = row.try_get("", "value")?;
    hex::decode(value).map_err(|e| corrupt("secrets", e))
}
