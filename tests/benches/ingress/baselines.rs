//! The baselines the pipeline is measured against, each a bare axum
//! handler that parses the same form: one Redis `SET NX`, or one durable
//! insert of the inbox's row per webhook.

use super::*;

/// LIMIT B: parse the form, `SET processed:<sid> 1 NX EX 604800`, empty TwiML.
pub(super) async fn baseline_app(prefix: String) -> axum::Router {
    let client = redis::Client::open("redis://127.0.0.1:6379").unwrap();
    let redis = redis::aio::ConnectionManager::new(client).await.unwrap();
    axum::Router::new().route(
        "/webhooks/twilio",
        post(move |body: Bytes| {
            let mut redis = redis.clone();
            let prefix = prefix.clone();
            async move {
                let sid = form_urlencoded::parse(&body)
                    .find(|(k, _)| k == "MessageSid")
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default();
                let _: Option<String> = redis
                    .set_options(
                        format!("{prefix}:processed:{sid}"),
                        1,
                        redis::SetOptions::default()
                            .conditional_set(redis::ExistenceCheck::NX)
                            .with_expiration(redis::SetExpiry::EX(604_800)),
                    )
                    .await
                    .unwrap();
                (
                    StatusCode::OK,
                    [(http::header::CONTENT_TYPE, "text/xml")],
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>",
                )
            }
        }),
    )
}

/// Where a durable baseline inserts: a database migrated by the bot's
/// migrations (the inbox's table, columns and indexes), opened as the bot
/// opens it.
#[derive(Clone)]
pub(super) enum Durable {
    /// A pool of 20, like the bot's default.
    Postgres(sea_orm::sqlx::PgPool),
    /// One connection, WAL, like the bot's embedded database.
    Sqlite(sea_orm::sqlx::SqlitePool),
}

impl Durable {
    async fn open(url: &str) -> Self {
        use sea_orm::sqlx;
        if url.starts_with("sqlite:") {
            let options: sqlx::sqlite::SqliteConnectOptions = url.parse().unwrap();
            let options = options
                .create_if_missing(true)
                .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(5))
                .foreign_keys(true);
            let pool = sqlx::sqlite::SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .connect_with(options)
                .await
                .unwrap();
            Self::Sqlite(pool)
        } else {
            let pool = sqlx::postgres::PgPoolOptions::new()
                .max_connections(20)
                .min_connections(1)
                .connect(url)
                .await
                .unwrap();
            Self::Postgres(pool)
        }
    }

    /// One statement: the row the inbox records for an inbound text.
    async fn insert(&self, row: &InboxRow) -> Result<(), sea_orm::sqlx::Error> {
        use sea_orm::sqlx;
        const POSTGRES: &str = "INSERT INTO messages (direction, provider, \
            provider_message_id, customer, business, kind, body, status, payload, \
            created_at_ms, updated_at_ms) \
            VALUES ('in', 'twilio', $1, $2, $3, 'text', $4, 'received', $5, $6, $6) \
            ON CONFLICT (provider, direction, provider_message_id) DO NOTHING";
        const SQLITE: &str = "INSERT INTO messages (direction, provider, \
            provider_message_id, customer, business, kind, body, status, payload, \
            created_at_ms, updated_at_ms) \
            VALUES ('in', 'twilio', ?, ?, ?, 'text', ?, 'received', ?, ?, ?) \
            ON CONFLICT (provider, direction, provider_message_id) DO NOTHING";
        match self {
            Self::Postgres(pool) => {
                sqlx::query(POSTGRES)
                    .bind(&row.sid)
                    .bind(&row.customer)
                    .bind(&row.business)
                    .bind(&row.body)
                    .bind(&row.payload)
                    .bind(row.now_ms)
                    .execute(pool)
                    .await?;
            }
            Self::Sqlite(pool) => {
                sqlx::query(SQLITE)
                    .bind(&row.sid)
                    .bind(&row.customer)
                    .bind(&row.business)
                    .bind(&row.body)
                    .bind(&row.payload)
                    .bind(row.now_ms)
                    .bind(row.now_ms)
                    .execute(pool)
                    .await?;
            }
        }
        Ok(())
    }
}

/// The inbox's columns for one webhook, from its form.
pub(super) struct InboxRow {
    sid: String,
    customer: String,
    business: String,
    body: String,
    /// The whole message (the inbox stores it as JSON; here, the form's
    /// fields: about the same size).
    payload: String,
    now_ms: i64,
}

impl InboxRow {
    fn from_form(form: &[u8]) -> Self {
        let fields: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(form)
            .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
            .collect();
        let field = |name: &str| {
            fields
                .get(name)
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default()
                .trim_start_matches("whatsapp:")
                .to_owned()
        };
        Self {
            sid: field("MessageSid"),
            customer: field("From"),
            business: field("To"),
            body: field("Body"),
            payload: serde_json::Value::Object(fields.clone()).to_string(),
            now_ms: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        }
    }
}

/// LIMIT D: parse the form, one `INSERT … ON CONFLICT DO NOTHING` of the
/// inbox's row (its own commit), empty TwiML.
pub(super) async fn durable_baseline_app(url: String) -> axum::Router {
    let store = Durable::open(&url).await;
    axum::Router::new().route(
        "/webhooks/twilio",
        post(move |body: Bytes| {
            let store = store.clone();
            async move {
                let row = InboxRow::from_form(&body);
                match store.insert(&row).await {
                    Ok(()) => (
                        StatusCode::OK,
                        [(http::header::CONTENT_TYPE, "text/xml")],
                        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>",
                    ),
                    Err(_) => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        [(http::header::CONTENT_TYPE, "text/plain")],
                        "insert failed",
                    ),
                }
            }
        }),
    )
}
