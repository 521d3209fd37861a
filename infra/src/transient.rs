//! Which failures a later run can mend: the connection to PostgreSQL or
//! Redis dropped, refused or timed out, a pool that had no connection to
//! give. A turn that failed on one of these left nothing behind (its work
//! is one transaction), so the bot runs the message again instead of
//! apologising (`HandleErrorLayer::with_retry_when`). Everything else (a
//! constraint violated, a row that cannot be read, a bug) is not transient:
//! running it again would fail the same way.

use std::error::Error;

use sea_orm::sqlx;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

/// Whether `error`, or any error in its chain of sources, is a connection
/// failure that a later run can mend.
#[must_use]
pub fn is_transient(error: &(dyn Error + 'static)) -> bool {
    std::iter::successors(Some(error), |&e| e.source()).any(|e| {
        if let Some(db) = e.downcast_ref::<DbErr>() {
            return match db {
                DbErr::ConnectionAcquire(
                    ConnAcquireErr::Timeout | ConnAcquireErr::ConnectionClosed,
                ) => true,
                DbErr::Conn(runtime) | DbErr::Exec(runtime) | DbErr::Query(runtime) => {
                    runtime_is_transient(runtime)
                }
                _ => false,
            };
        }
        if let Some(runtime) = e.downcast_ref::<RuntimeErr>() {
            return runtime_is_transient(runtime);
        }
        if let Some(sqlx) = e.downcast_ref::<sqlx::Error>() {
            return sqlx_is_transient(sqlx);
        }
        if let Some(redis) = e.downcast_ref::<::redis::RedisError>() {
            return redis.is_io_error()
                || redis.is_connection_dropped()
                || redis.is_connection_refusal()
                || redis.is_timeout();
        }
        e.downcast_ref::<std::io::Error>()
            .is_some_and(io_is_transient)
    })
}

/// A socket's failure, not a file's (a missing file stays missing).
fn io_is_transient(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{
        BrokenPipe, ConnectionAborted, ConnectionRefused, ConnectionReset, NotConnected, TimedOut,
        UnexpectedEof,
    };
    matches!(
        error.kind(),
        BrokenPipe
            | ConnectionAborted
            | ConnectionRefused
            | ConnectionReset
            | NotConnected
            | TimedOut
            | UnexpectedEof
    )
}

fn runtime_is_transient(runtime: &RuntimeErr) -> bool {
    match runtime {
        RuntimeErr::SqlxError(sqlx) => sqlx_is_transient(sqlx),
        RuntimeErr::Internal(_) => false,
    }
}

fn sqlx_is_transient(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not load or save the session")]
    struct Session(#[source] crate::db::DbError);

    fn query(e: sqlx::Error) -> Session {
        Session(crate::db::DbError::Query(DbErr::Query(
            RuntimeErr::SqlxError(Arc::new(e)),
        )))
    }

    #[test]
    fn a_dropped_connection_anywhere_in_the_chain_is_transient() {
        // What a PostgreSQL restart under load looked like (issue 12):
        // "expected to read 5 bytes, got 0 bytes at EOF".
        let eof = std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "expected to read 5 bytes, got 0 bytes at EOF",
        );
        assert!(is_transient(&query(sqlx::Error::Io(eof))));
        assert!(is_transient(&query(sqlx::Error::PoolTimedOut)));
        assert!(is_transient(&Session(crate::db::DbError::Query(
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)
        ))));
        let refused =
            ::redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(is_transient(&refused));
    }

    #[test]
    fn the_rest_is_not() {
        assert!(!is_transient(&query(sqlx::Error::RowNotFound)));
        assert!(!is_transient(&query(sqlx::Error::ColumnNotFound(
            "id".to_owned()
        ))));
        assert!(!is_transient(&Session(crate::db::corrupt(
            "messages",
            "unknown status"
        ))));
        assert!(!is_transient(&Session(crate::db::DbError::Query(
            DbErr::RecordNotFound("x".to_owned())
        ))));
        assert!(!is_transient(&std::io::Error::from(
            std::io::ErrorKind::NotFound
        )));
    }
}
