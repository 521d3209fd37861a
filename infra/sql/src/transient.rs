//! Which failures a later run can mend: the connection to the database
//! dropped, refused or timed out, ended by a server stopping or restarting,
//! a pool that had no connection to give (Redis's are judged by
//! `infra_redis::is_transient`; a bot on both asks both). A turn that failed on one of these left nothing behind (its work
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
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| ends_connection(&code)),
        _ => false,
    }
}

/// PostgreSQL's SQLSTATEs for a connection the server ended or would not
/// start: 57P01 (`pg_ctl stop -m fast`, a restart: "terminating connection
/// due to administrator command"), 57P02 (another backend crashed), 57P03
/// (starting up or shutting down), and class 08 (connection exceptions)
/// but 08P01 (a protocol violation: a bug, not a blip).
fn ends_connection(code: &str) -> bool {
    matches!(code, "57P01" | "57P02" | "57P03") || (code.starts_with("08") && code != "08P01")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not load or save the session")]
    struct Session(#[source] crate::DbError);

    fn query(e: sqlx::Error) -> Session {
        Session(crate::DbError::Query(DbErr::Query(RuntimeErr::SqlxError(
            Arc::new(e),
        ))))
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
        assert!(is_transient(&Session(crate::DbError::Query(
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout)
        ))));
    }

    /// A database's error with a SQLSTATE, as PostgreSQL sends them.
    #[derive(Debug)]
    struct Sqlstate(&'static str);

    impl std::fmt::Display for Sqlstate {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "error with SQLSTATE {}", self.0)
        }
    }

    impl Error for Sqlstate {}

    impl sqlx::error::DatabaseError for Sqlstate {
        fn message(&self) -> &str {
            "error with a SQLSTATE"
        }
        fn code(&self) -> Option<std::borrow::Cow<'_, str>> {
            Some(self.0.into())
        }
        fn as_error(&self) -> &(dyn Error + Send + Sync + 'static) {
            self
        }
        fn as_error_mut(&mut self) -> &mut (dyn Error + Send + Sync + 'static) {
            self
        }
        fn into_error(self: Box<Self>) -> Box<dyn Error + Send + Sync + 'static> {
            self
        }
        fn kind(&self) -> sqlx::error::ErrorKind {
            sqlx::error::ErrorKind::Other
        }
    }

    fn sqlstate(code: &'static str) -> Session {
        query(sqlx::Error::Database(Box::new(Sqlstate(code))))
    }

    #[test]
    fn a_server_ending_the_connection_is_transient() {
        // `pg_ctl stop -m fast` (and a restart) ends every session with
        // 57P01, as an error answering the statement in flight.
        assert!(is_transient(&sqlstate("57P01")));
        assert!(is_transient(&sqlstate("57P02")));
        assert!(is_transient(&sqlstate("57P03")));
        assert!(is_transient(&sqlstate("08006")));
        assert!(!is_transient(&sqlstate("08P01")), "a protocol violation");
        assert!(!is_transient(&sqlstate("23505")), "a unique violation");
    }

    #[test]
    fn the_rest_is_not() {
        assert!(!is_transient(&query(sqlx::Error::RowNotFound)));
        assert!(!is_transient(&query(sqlx::Error::ColumnNotFound(
            "id".to_owned()
        ))));
        assert!(!is_transient(&Session(crate::corrupt(
            "messages",
            "unknown status"
        ))));
        assert!(!is_transient(&Session(crate::DbError::Query(
            DbErr::RecordNotFound("x".to_owned())
        ))));
        assert!(!is_transient(&std::io::Error::from(
            std::io::ErrorKind::NotFound
        )));
    }
}
