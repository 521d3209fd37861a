//! The error of connecting to Redis, and the cause inside the stores'
//! `Backend` errors.

/// Errors of [`connect`](super::connect) and, boxed, the cause of every
/// `Backend` error the Redis stores return (downcast a store error's source to
/// this type to tell them apart).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedisError {
    /// The configured URL is not a valid Redis URL.
    #[error("invalid redis url")]
    InvalidUrl(#[source] redis::RedisError),
    /// The server could not be reached (or refused the connection).
    #[error("could not connect to redis")]
    Connect(#[source] redis::RedisError),
    /// A command or script failed (network, timeout, server error).
    #[error("redis command failed")]
    Command(#[from] redis::RedisError),
    /// A script answered something it never answers: another program writes
    /// to our keys, or the server runs an incompatible version.
    #[error("unexpected reply from redis: {0}")]
    UnexpectedReply(String),
}
