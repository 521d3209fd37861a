//! Column definitions the migrations share.
//!
//! Frozen like the migrations themselves: every released migration's SQL
//! depends on them, so they never change (add a new helper instead).

use sea_orm_migration::prelude::*;

/// An auto-incremented 64-bit primary key.
pub fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// A 64-bit integer, not null.
pub fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().to_owned()
}

/// A 64-bit integer, nullable.
pub fn big_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().null().to_owned()
}

/// Text, not null.
pub fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().to_owned()
}

/// Text, nullable.
pub fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().null().to_owned()
}
