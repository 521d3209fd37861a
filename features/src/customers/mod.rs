//! Customers: their tags, and their consent to be messaged by the shop
//! first (opt-out and opt-in).
//!
//! A customer who writes STOP (or another single opt-out word:
//! [`ConsentKeywords`]) is opted out of everything the shop starts
//! (campaigns, automations) until they write START. Meta's "user stopped
//! marketing messages" (131050) opts them out of marketing. Either way,
//! replies to their own messages still go, and so do invoice reminders
//! (unless they also said "stop reminders": [`reminders`](crate::reminders)).
//! Each opt-out records its scope, its source and its time.
//!
//! # For campaigns and automations
//!
//! Ask, right before each send (a STOP can arrive while a campaign runs):
//!
//! - [`CustomerService::may_receive_marketing`]`(&CustomerPhone) ->
//!   Result<bool, CustomerError>`: `false` when opted out of marketing or
//!   of everything. On an error, send nothing.
//! - [`CustomerService::may_receive_automated`]: `false` after STOP.
//!
//! Choose an audience with
//! [`CustomerService::customers_with_tags`]`(&[Tag], Page) ->
//! Result<CustomerPage, CustomerError>`: the customers with every tag, in
//! phone-number order, a page at a time (keyset: pass `next` back);
//! [`CustomerService::find_customers`] also matches any of the tags.
//!
//! # Example
//!
//! ```
//! use features::customers::{
//!     ConsentSource, CustomerService, OptInCustomer, OptOutCustomer, OptOutScope, Page, Tag,
//!     TagCustomer,
//! };
//! use features::shared::{CustomerPhone, Now};
//! use features::testing::InMemCustomerRepository;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let customers = CustomerService::new(InMemCustomerRepository::new(), Now::fixed(1_000));
//! let ravi = CustomerPhone::parse("+919812345678")?;
//!
//! customers
//!     .tag(TagCustomer { customer: ravi.clone(), tags: vec![Tag::parse("Wholesale")?] })
//!     .await?;
//! let page = customers.customers_with_tags(&[Tag::parse("wholesale")?], Page::first(100)).await?;
//! assert_eq!(page.customers, [ravi.clone()]);
//!
//! let stop = OptOutCustomer {
//!     customer: ravi.clone(),
//!     scope: OptOutScope::All,
//!     source: ConsentSource::Keyword("STOP".to_owned()),
//! };
//! assert!(customers.opt_out(stop.clone()).await?.changed);
//! assert!(!customers.opt_out(stop).await?.changed, "confirmed once");
//! assert!(!customers.may_receive_marketing(&ravi).await?);
//!
//! assert!(customers.opt_in(OptInCustomer { customer: ravi.clone() }).await?.changed);
//! assert!(customers.may_receive_marketing(&ravi).await?);
//! # Ok(())
//! # }
//! ```
//!
//! # Layout
//!
//! - [`domain`]: [`Tag`], [`Consent`] and its rules ([`OptOut`] with its
//!   [`OptOutScope`] and [`ConsentSource`]), [`CustomerProfile`];
//!   [`keywords`]: [`ConsentKeywords`], which single words opt out or in.
//! - [`commands`]: [`OptOutCustomer`], [`OptInCustomer`], [`TagCustomer`],
//!   [`UntagCustomer`]; [`queries`]: [`GetConsent`], [`GetCustomer`],
//!   [`CustomersWithTags`] with its [`Page`] and [`CustomerPage`].
//! - [`details`]: what a customer tells the shop: their [`Language`] and
//!   [`Registration`] ([`CustomerDetails`]); commands [`SetLanguage`],
//!   [`OfferLanguage`], [`RegisterCustomer`], query [`GetDetails`].
//! - [`ports`]: storage is a [`CustomerRepository`].
//! - [`service`]: the [`CustomerService`].
//! - [`error`]: [`CustomerError`], with `is_user_error()` and
//!   `is_retryable()`.

pub mod commands;
pub mod details;
pub mod domain;
pub mod error;
pub mod keywords;
pub mod ports;
pub mod queries;
pub mod service;

pub use commands::{
    OfferLanguage, OptInCustomer, OptOutCustomer, RegisterCustomer, SetLanguage, TagCustomer,
    UntagCustomer,
};
pub use details::{CustomerDetails, DetailsError, Language, MAX_DETAIL_CHARS, Registration};
pub use domain::{
    Consent, ConsentSource, ConsentUpdate, CustomerProfile, MAX_TAG_CHARS, OptOut, OptOutScope,
    Tag, TagError,
};
pub use error::CustomerError;
pub use keywords::{ConsentKeyword, ConsentKeywords};
pub use ports::CustomerRepository;
pub use queries::{
    CustomerPage, CustomersWithTags, GetConsent, GetCustomer, GetDetails, MAX_PAGE, Page, TagMatch,
};
pub use service::CustomerService;
