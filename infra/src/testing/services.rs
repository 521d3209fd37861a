//! Fresh, throw-away places on the real servers the tests use: a new
//! PostgreSQL database per test and a random Redis key prefix, removed when
//! the test ends.

use sea_orm::ConnectionTrait as _;

use crate::db::{Database, DatabaseSettings};

/// The PostgreSQL server the test command makes sure runs
/// (`scripts/services.sh`), with trust authentication.
pub const POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// The Redis server the test command makes sure runs.
pub const REDIS_URL: &str = "redis://127.0.0.1:6379";

/// A random lower-case hex tag for names and prefixes.
#[must_use]
pub fn random_tag() -> String {
    let mut bytes = [0_u8; 6];
    if getrandom::fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes.copy_from_slice(&nanos.to_le_bytes()[..6]);
    }
    hex::encode(bytes)
}

/// A new, empty PostgreSQL database; [`drop`](Self::drop) removes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TempDatabase {
    name: String,
}

impl TempDatabase {
    /// Creates `{prefix}_{random}` on the local server.
    ///
    /// # Panics
    ///
    /// When the server is not reachable (run `scripts/services.sh`).
    pub async fn create(prefix: &str) -> Self {
        let name = format!("{prefix}_{}", random_tag());
        let admin = Database::connect(&DatabaseSettings::new(Some(POSTGRES_ADMIN_URL)))
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL on 127.0.0.1:5432 (scripts/services.sh): {e}"));
        admin
            .connection()
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        admin.close().await;
        Self { name }
    }

    /// The database's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its URL.
    #[must_use]
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }

    /// Drops the database, closing connections still open to it.
    pub async fn drop(self) {
        if let Ok(admin) = Database::connect(&DatabaseSettings::new(Some(POSTGRES_ADMIN_URL))).await
        {
            let _ = admin
                .connection()
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.name
                ))
                .await;
            admin.close().await;
        }
    }
}

/// Deletes every key under `prefix:` on the local Redis server (best
/// effort).
pub async fn delete_redis_keys(prefix: &str) {
    let Ok(client) = redis::Client::open(REDIS_URL) else {
        return;
    };
    let Ok(mut conn) = client.get_multiplexed_async_connection().await else {
        return;
    };
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap_or_default();
    for chunk in keys.chunks(1000) {
        let _: Result<(), _> = redis::cmd("DEL").arg(chunk).query_async(&mut conn).await;
    }
}
