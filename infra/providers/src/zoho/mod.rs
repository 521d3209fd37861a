//! A Zoho CRM (API v8) client: the shop's inventory from `Products`, and
//! orders written to `Sales_Orders` or `Deals` so a retry never creates
//! twice.
//!
//! - [`ZohoClient::fetch_inventory`] reads every product (name, code, unit
//!   price, stock, active), 200 a page; [`ZohoClient::inventory`] gives
//!   them page by page for progress.
//! - [`ZohoClient::upsert_order`] creates or updates one record by a
//!   duplicate-check field and says which it did ([`Upserted`]).
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use infra_providers::testing::FakeZoho;
//! use infra_providers::zoho::{UpsertAction, ZohoClient};
//! use serde_json::json;
//!
//! let fake = FakeZoho::start().await;
//! fake.add_products(3);
//! let client = ZohoClient::new(fake.config()).unwrap();
//!
//! let products = client.fetch_inventory().await.unwrap();
//! assert_eq!(products.len(), 3);
//! assert_eq!(products[0].code.as_deref(), Some("SKU-1"));
//!
//! let order = json!({"Subject": "WA #123", "Status": "Created"});
//! let first = client.upsert_order("Sales_Orders", &order, "Subject").await.unwrap();
//! let again = client.upsert_order("Sales_Orders", &order, "Subject").await.unwrap();
//! assert_eq!((first.action, again.action), (UpsertAction::Inserted, UpsertAction::Updated));
//! assert_eq!(first.id, again.id);
//! assert_eq!(fake.records("Sales_Orders").len(), 1);
//! assert_eq!(fake.refreshes(), 1, "one token for every call");
//! # }
//! ```
//!
//! # Configuration
//!
//! [`ZohoSettings`] are read by the bot (`ZOHO_CLIENT_ID`,
//! `ZOHO_CLIENT_SECRET`, `ZOHO_REFRESH_TOKEN`, `ZOHO_ACCOUNTS_BASE`,
//! `ZOHO_API_BASE`, `ZOHO_SYNC_EVERY`, `ZOHO_ORDERS_MODULE`,
//! `ZOHO_MAX_CONCURRENCY`); [`ZohoSettings::client_config`] is `None`, and
//! every Zoho feature off, unless the three credentials are set. The API
//! base comes from the settings, not from the token answer's `api_domain`:
//! set both bases for the org's data centre.
//!
//! # Tokens
//!
//! An access token is cached until 5 minutes before it expires, and
//! refreshed by one caller at a time: the others wait for that refresh
//! instead of starting theirs (Zoho allows 10 refreshes per 10 minutes).
//! The cache and its lock are a [`TokenStore`]: [`InMemTokenStore`] in the
//! process by default, a shared one through
//! [`ZohoClient::with_token_store`]. An API answer 401 `INVALID_TOKEN` or
//! `INVALID_OAUTHTOKEN` refreshes the token once and retries once; a second
//! refusal is [`ZohoError::Auth`]. The accounts server's throttle answers
//! HTTP 200 `{"error":"Access Denied"}`: that is a
//! [`ZohoError::Throttled`] ([`ThrottleScope::TokenRefresh`]), never a token.
//!
//! # Limits
//!
//! A bulkhead keeps at most [`ZohoConfig::max_concurrency`] calls in
//! flight (the edition's limit). A 429 `TOO_MANY_REQUESTS` means one of two
//! things: too many calls in flight ([`ZohoError::Throttled`],
//! [`ThrottleScope::Concurrency`]: retry shortly) or the day's credits spent
//! ([`ZohoError::CreditsExhausted`]), told apart by
//! `X-API-CREDITS-REMAINING`: 0 on the answer, or, when the answer has no
//! such header, a last value seen under 10.
//!
//! # Errors and the breaker
//!
//! Every call goes through a circuit breaker (the outbound policy's,
//! target `zoho`). 5xx answers, connections refused, unknown outcomes,
//! refused token refreshes and spent credits count against it; spent
//! credits open it at once. While open, calls fail with
//! [`ZohoError::CircuitOpen`] without reaching Zoho.
//! [`ZohoError::is_retryable`] says whether the same call may succeed
//! later.
//!
//! # Metrics
//!
//! `campanile_breaker_state{target="zoho"}`,
//! `campanile_outbound_attempts_total{target="zoho",outcome}` (`accepted`,
//! `retryable`, `throttled`, `credits_exhausted`, `auth`, `permanent`,
//! `unknown`, `breaker_open`) and
//! `campanile_zoho_token_refreshes_total{outcome}`.

mod accounts;
mod client;
mod error;
mod inventory;
mod orders;
mod settings;
mod token;
mod wire;

pub use self::client::ZohoClient;
pub use self::error::{ThrottleScope, ZohoConfigError, ZohoError};
pub use self::inventory::{DISCRETE_PAGING_LIMIT, InventoryPages, PER_PAGE, Product};
pub use self::orders::{UpsertAction, Upserted};
pub use self::settings::{
    DEFAULT_ACCOUNTS_BASE, DEFAULT_API_BASE, DEFAULT_MAX_CONCURRENCY, DEFAULT_TIMEOUT,
    OrdersModule, ZohoConfig, ZohoSettings,
};
pub use self::token::{
    CachedToken, InMemTokenStore, REFRESH_LOCK_TTL, RENEW_BEFORE_EXPIRY, TokenStore,
    TokenStoreError,
};
