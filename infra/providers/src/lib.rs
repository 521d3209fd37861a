//! Campanile's provider clients: what it takes to send a reply through
//! Twilio or the Meta WhatsApp Cloud API, for any bot on `framework`.
//!
//! - [`twilio`] and [`meta`]: thin clients on reqwest, their base URLs from
//!   settings ([`twilio::TwilioSettings`], [`meta::MetaSettings`]) so tests
//!   point them at a fake.
//! - [`transport`]: what a sender needs from a provider: send one stored
//!   [`OutboundRequest`], get [`Accepted`] or a [`SendError`] that says
//!   whether to retry. [`Providers`] routes each request to its provider's
//!   client.
//! - [`media`]: downloading what a customer sent: a
//!   [`Media`](framework::Media) reference becomes its bytes
//!   ([`Downloaded`]), through [`TwilioClient::download`](twilio::TwilioClient::download),
//!   [`MetaClient::download`](meta::MetaClient::download) or, whatever the
//!   provider, [`MediaDownloader`] (implemented by [`Providers`]); size,
//!   time, host and checksum checks included.
//! - [`policy`]: the outbound policy in front of every provider call:
//!   deadline → retry (safe errors only) → circuit breaker → throughput
//!   shaper → client ([`policy::Resilient`], a [`Transport`] itself).
//! - [`render`]: a [`Reply`](framework::reply::Reply) as the requests a
//!   provider's API takes.
//! - [`zoho`]: a Zoho CRM (API v8) client: the inventory from `Products`,
//!   orders upserted into `Sales_Orders` or `Deals`; tokens cached and
//!   refreshed by one caller at a time, a bulkhead, a circuit breaker.
//! - [`llm`]: a language model behind an OpenAI-compatible
//!   chat-completions API ([`llm::ChatClient`], settings
//!   `CAMPANILE_LLM_*`), behind a deadline and a circuit breaker; with
//!   feature `support`, the support responder's
//!   `features::support::LanguageModel`.
//! - `testing` (feature `test-util`): fake Twilio, Meta, Zoho CRM and
//!   OpenAI-compatible chat servers on 127.0.0.1 that speak the real wire
//!   format, errors included.
//!
//! The durable outbox that stores rendered requests and the dispatcher that
//! sends them through a [`Transport`] are in `infra_sql::outbox`.
//!
//! # Example
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use framework::reply::Reply;
//! use framework::{PhoneNumber, Provider};
//! use infra_providers::meta::MetaClient;
//! use infra_providers::render::{Addressed, RenderConfig, render};
//! use infra_providers::testing::FakeMeta;
//! use infra_providers::{Providers, Transport as _};
//!
//! let fake = FakeMeta::start("token").await;
//! let providers = Providers::new().with_meta(MetaClient::new(fake.config()).unwrap());
//!
//! let customer = PhoneNumber::parse("+15550001111").unwrap();
//! let business = PhoneNumber::parse("+15550002222").unwrap();
//! let to = Addressed { provider: Provider::Meta, customer: &customer, business: &business, channel_id: Some("1234") };
//! for request in render(&Reply::text("Your order shipped"), &to, &RenderConfig::default()).unwrap() {
//!     providers.send(&request).await.unwrap();
//! }
//! assert_eq!(fake.texts_to("15550001111"), ["Your order shipped"]);
//! # }
//! ```
//!
//! **Architecture Invariant:** depends on `framework` and well-kept crates
//! only; feature `support` (off by default) adds `features`, for the one
//! port `llm::ChatClient` implements. Provider wire types never leave the
//! client that speaks them.

pub mod llm;
pub mod media;
pub mod meta;
pub mod policy;
pub mod render;
#[cfg(feature = "test-util")]
pub mod testing;
pub mod transport;
pub mod twilio;
pub mod webhook;
pub mod zoho;

pub use self::media::{DownloadError, Downloaded, MediaDownloader};
pub use self::transport::{Accepted, OutboundRequest, Providers, SendError, Transport};

/// The README's examples, run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
