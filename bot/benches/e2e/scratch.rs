//! The scratch PostgreSQL database and Redis key prefix of a run, and
//! keeping the database's statistics current where the server does not.

use std::time::Duration;

/// A PostgreSQL database and a Redis key prefix for one run, removed when
/// dropped (also when the bench panics).
pub(crate) struct Scratch {
    pub(crate) database: Option<infra_sql::testing::TempDatabase>,
    pub(crate) prefix: String,
}

impl Scratch {
    /// A fresh database with `settings` (name and value) as its own
    /// defaults (`ALTER DATABASE … SET`), and a fresh prefix.
    pub(crate) fn create(runtime: &tokio::runtime::Runtime, settings: &[(String, String)]) -> Self {
        let database = runtime.block_on(infra_sql::testing::TempDatabase::create(
            "campanile_bench_e2e",
        ));
        let scratch = Self {
            database: Some(database),
            prefix: format!("campanile-bench-e2e-{}", framework::testing::random_tag()),
        };
        if !settings.is_empty() {
            let name = scratch.name().unwrap_or_default();
            runtime.block_on(async {
                let admin = infra_sql::Database::connect(&infra_sql::DatabaseSettings::new(Some(
                    infra_sql::testing::POSTGRES_ADMIN_URL,
                )))
                .await
                .expect("connect to PostgreSQL as its administrator");
                for (setting, value) in settings {
                    sea_orm::ConnectionTrait::execute_unprepared(
                        admin.connection(),
                        &format!("ALTER DATABASE {name} SET {setting} = '{value}'"),
                    )
                    .await
                    .unwrap_or_else(|e| panic!("BENCH_PG_SET: {setting} = {value}: {e}"));
                }
                admin.close().await;
            });
        }
        scratch
    }

    pub(crate) fn name(&self) -> Option<String> {
        self.database.as_ref().map(|d| d.name().to_owned())
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let database = self.database.take();
        let prefix = self.prefix.clone();
        // Its own thread and runtime: this may run while a runtime unwinds.
        let _ = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Some(database) = database {
                    database.drop().await;
                }
                infra_redis::testing::delete_redis_keys(&prefix).await;
            });
        })
        .join();
    }
}

/// `VACUUM (ANALYZE)` on the database at `url` every `every`, as
/// autovacuum would keep its statistics current and its dead rows few.
pub(crate) async fn vacuum_every(url: String, every: Duration) {
    let Ok(db) = infra_sql::Database::connect(&infra_sql::DatabaseSettings::new(Some(&url))).await
    else {
        println!("cannot connect to vacuum the scratch database");
        return;
    };
    loop {
        tokio::time::sleep(every).await;
        if let Err(e) =
            sea_orm::ConnectionTrait::execute_unprepared(db.connection(), "VACUUM (ANALYZE)").await
        {
            println!("VACUUM (ANALYZE) of the scratch database failed: {e}");
        }
    }
}

/// Whether the local PostgreSQL server runs autovacuum.
pub(crate) fn autovacuum_on(runtime: &tokio::runtime::Runtime) -> bool {
    runtime.block_on(async {
        let settings =
            infra_sql::DatabaseSettings::new(Some(infra_sql::testing::POSTGRES_ADMIN_URL));
        let Ok(admin) = infra_sql::Database::connect(&settings).await else {
            return true;
        };
        let row = sea_orm::ConnectionTrait::query_one_raw(
            admin.connection(),
            sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "SELECT setting FROM pg_settings WHERE name = 'autovacuum'",
            ),
        )
        .await;
        admin.close().await;
        let setting = row
            .ok()
            .flatten()
            .and_then(|r| r.try_get::<String>("", "setting").ok());
        setting.as_deref() != Some("off")
    })
}
