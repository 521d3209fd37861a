//! How the queues' selects are written so that the database reads them by
//! index, with a cost that depends on the rows asked for, never on the
//! length of the message history or of a backlog (issue 12: before this,
//! each dispatcher round on PostgreSQL walked the primary key through the
//! whole log, 33 ms with 200,000 finished messages, and each reply cost more
//! as a backlog grew). `scripts/bench-queue-scan` measures it.

use sea_orm::sea_query::{Expr, SelectStatement};

use super::stored::Stored;

/// `value` written into a statement as a literal, not bound as a parameter.
/// The planner then knows which rows are asked for (the few pending replies,
/// not an average status's share of the whole log), also in a statement
/// prepared once and reused with a generic plan, and reads them by the
/// queue-order index (`messages_queue_order`: direction, status, id). Safe to
/// inline: the stored texts are constants, lower-case ASCII.
pub(super) fn literal<T: Stored>(value: T) -> Expr {
    Expr::cust(format!("'{}'", value.text()))
}

/// `exists`' subquery, probed once per candidate row by index (its
/// conversation's rows: `messages_conversation_queue`), so its cost follows
/// the rows the outer select returns. Without the fence PostgreSQL turns
/// `NOT EXISTS` into an anti-join that reads every queued row once per
/// select, however few rows are asked for; an `OFFSET` keeps the subquery
/// as it is written (`LIMIT 1 OFFSET 0` changes nothing else, and SQLite,
/// which probes per row anyway, needs the `LIMIT` for the `OFFSET`).
pub(super) fn probed_per_row(mut exists: SelectStatement) -> SelectStatement {
    exists.limit(1).offset(0);
    exists
}
