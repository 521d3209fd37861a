//! What customers need from storage: [`CustomerRepository`].

use std::collections::BTreeMap;
use std::future::Future;

use super::details::{CustomerDetails, Language, Registration};
use super::domain::{OptOut, Tag};
use super::queries::{CustomerPage, Page, TagMatch};
use crate::shared::{CustomerPhone, RepositoryError};

/// Customers' tags and opt-outs. Implementations only persist; the rules
/// (what widens an opt-out, what a second STOP changes) live in
/// [`Consent`](super::Consent) and the
/// [`CustomerService`](super::CustomerService).
///
/// One opt-out per customer, the one source of truth: the shop bot's
/// implementation keeps it in the table where a provider's report (Meta
/// 131050) already records a marketing opt-out, so such a report shows in
/// [`opt_out`](Self::opt_out) with [`ConsentSource::Provider`](super::ConsentSource::Provider).
///
/// # Errors
///
/// Every method returns [`RepositoryError::Backend`] when storage fails and
/// [`RepositoryError::Corrupt`] for stored rows that no longer validate.
pub trait CustomerRepository: Clone + Send + Sync + 'static {
    /// The customer's opt-out, if any.
    fn opt_out(
        &self,
        customer: &CustomerPhone,
    ) -> impl Future<Output = Result<Option<OptOut>, RepositoryError>> + Send;

    /// Stores the customer's opt-out, replacing any stored before; every
    /// scope covers marketing, so the shop's implementation also takes back
    /// the customer's campaign messages still waiting to be sent (in the
    /// same transaction, when one runs): an opt-out holds from the moment
    /// it is stored.
    fn save_opt_out(
        &self,
        customer: &CustomerPhone,
        opt_out: &OptOut,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Removes the customer's opt-out; returns whether there was one.
    fn clear_opt_out(
        &self,
        customer: &CustomerPhone,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Adds tags to the customer, stamped `at_ms`; a tag they have keeps
    /// its first time. Returns how many were new.
    fn add_tags(
        &self,
        customer: &CustomerPhone,
        tags: &[Tag],
        at_ms: i64,
    ) -> impl Future<Output = Result<u64, RepositoryError>> + Send;

    /// Removes tags from the customer. Returns how many they had.
    fn remove_tags(
        &self,
        customer: &CustomerPhone,
        tags: &[Tag],
    ) -> impl Future<Output = Result<u64, RepositoryError>> + Send;

    /// The customer's tags, in order.
    fn tags(
        &self,
        customer: &CustomerPhone,
    ) -> impl Future<Output = Result<Vec<Tag>, RepositoryError>> + Send;

    /// The tags of each of `customers` at once (one with no tags is left
    /// out). The default asks [`tags`](Self::tags) for each; a store that
    /// can read them in one go should.
    fn tags_of(
        &self,
        customers: &[CustomerPhone],
    ) -> impl Future<Output = Result<BTreeMap<CustomerPhone, Vec<Tag>>, RepositoryError>> + Send
    {
        async move {
            let mut all = BTreeMap::new();
            for customer in customers {
                let tags = self.tags(customer).await?;
                if !tags.is_empty() {
                    all.insert(customer.clone(), tags);
                }
            }
            Ok(all)
        }
    }

    /// The opt-outs of each of `customers` at once (one subscribed is left
    /// out). The default asks [`opt_out`](Self::opt_out) for each.
    fn opt_outs_of(
        &self,
        customers: &[CustomerPhone],
    ) -> impl Future<Output = Result<BTreeMap<CustomerPhone, OptOut>, RepositoryError>> + Send {
        async move {
            let mut all = BTreeMap::new();
            for customer in customers {
                if let Some(opt_out) = self.opt_out(customer).await? {
                    all.insert(customer.clone(), opt_out);
                }
            }
            Ok(all)
        }
    }

    /// What the customer told the shop (their language, their
    /// registration); all empty for a customer it knows nothing of.
    fn details(
        &self,
        customer: &CustomerPhone,
    ) -> impl Future<Output = Result<CustomerDetails, RepositoryError>> + Send;

    /// Records the customer's language, chosen `at_ms`.
    fn set_language(
        &self,
        customer: &CustomerPhone,
        language: &Language,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Records that the customer was offered the choice of language at
    /// `at_ms`, unless they were before; returns whether this is the first
    /// time (two instances racing: exactly one sees `true`).
    fn offer_language(
        &self,
        customer: &CustomerPhone,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Stores the customer's registration, replacing an earlier one.
    fn save_registration(
        &self,
        customer: &CustomerPhone,
        registration: &Registration,
        at_ms: i64,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// The customers with `tags` (every one or any, as `matching` says), in
    /// phone-number order, after `page.after`, at most
    /// `page.clamped_limit()`; `next` is set when more follow. `tags` is
    /// never empty (the service checks).
    fn with_tags(
        &self,
        tags: &[Tag],
        matching: TagMatch,
        page: &Page,
    ) -> impl Future<Output = Result<CustomerPage, RepositoryError>> + Send;
}
