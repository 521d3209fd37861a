//! Which Redis failures a later run can mend: the connection dropped,
//! refused or timed out. A turn that failed on one of these left nothing
//! behind, so a bot runs the message again instead of apologising
//! (`framework::handle_error::HandleErrorLayer::with_retry_when`).

use std::error::Error;

/// Whether `error`, or any error in its chain of sources, is a Redis
/// connection failure that a later run can mend.
#[must_use]
pub fn is_transient(error: &(dyn Error + 'static)) -> bool {
    std::iter::successors(Some(error), |&e| e.source()).any(|e| {
        e.downcast_ref::<redis::RedisError>().is_some_and(|redis| {
            redis.is_io_error()
                || redis.is_connection_dropped()
                || redis.is_connection_refusal()
                || redis.is_timeout()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("could not take the conversation's lane")]
    struct Lane(#[source] redis::RedisError);

    #[test]
    fn a_refused_connection_anywhere_in_the_chain_is_transient() {
        let refused =
            || redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(is_transient(&refused()));
        assert!(is_transient(&Lane(refused())));
    }

    #[test]
    fn a_script_error_is_not() {
        let wrong = redis::RedisError::from((redis::ErrorKind::UnexpectedReturnType, "wrong type"));
        assert!(!is_transient(&wrong));
        assert!(!is_transient(&std::io::Error::other("not redis")));
    }
}
