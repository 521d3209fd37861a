//! [`CustomerService`]: tags, opt-out and opt-in, and the questions
//! campaigns and automations ask before they message a customer. The only
//! place with customer business logic.

use std::collections::BTreeSet;

use super::commands::{
    OfferLanguage, OptInCustomer, OptOutCustomer, RegisterCustomer, SetLanguage, TagCustomer,
    UntagCustomer,
};
use super::details::CustomerDetails;
use super::domain::{Consent, ConsentUpdate, CustomerProfile, OptOut, Tag};
use super::error::CustomerError;
use super::ports::CustomerRepository;
use super::queries::{
    CustomerPage, CustomersWithTags, GetConsent, GetCustomer, GetDetails, Page, TagMatch,
};
use crate::shared::{CustomerPhone, Now};

/// Customers over a [`CustomerRepository`]; opt-outs are stamped by the
/// injected [`Now`].
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct CustomerService<R> {
    repo: R,
    now: Now,
}

impl<R> CustomerService<R>
where
    R: CustomerRepository,
{
    /// Customers in `repo`, reading the time from `now`.
    #[must_use]
    pub fn new(repo: R, now: Now) -> Self {
        Self { repo, now }
    }

    /// Opts a customer out. An opt-out as wide or wider recorded before
    /// stays as it was, with its first source and time (`changed: false`:
    /// a second STOP is confirmed once only); a marketing opt-out widens
    /// to everything.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn opt_out(&self, cmd: OptOutCustomer) -> Result<ConsentUpdate, CustomerError> {
        let current = self.current(&cmd.customer).await?;
        let update = current.opted_out(OptOut {
            scope: cmd.scope,
            source: cmd.source,
            at_ms: self.now.ms(),
        });
        if update.changed
            && let Consent::OptedOut(opt_out) = &update.consent
        {
            self.repo.save_opt_out(&cmd.customer, opt_out).await?;
        }
        Ok(update)
    }

    /// What the customer told the shop: language, registration.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn details(&self, query: GetDetails) -> Result<CustomerDetails, CustomerError> {
        Ok(self.repo.details(&query.customer).await?)
    }

    /// Remembers the customer's language.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn set_language(&self, cmd: SetLanguage) -> Result<(), CustomerError> {
        Ok(self
            .repo
            .set_language(&cmd.customer, &cmd.language, self.now.ms())
            .await?)
    }

    /// Notes the offer of a choice of language; whether it is the first
    /// (only the first contact is offered it unasked).
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn offer_language(&self, cmd: OfferLanguage) -> Result<bool, CustomerError> {
        Ok(self
            .repo
            .offer_language(&cmd.customer, self.now.ms())
            .await?)
    }

    /// Stores the customer's profile (a second registration replaces the
    /// first).
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn register(&self, cmd: RegisterCustomer) -> Result<(), CustomerError> {
        Ok(self
            .repo
            .save_registration(&cmd.customer, &cmd.registration, self.now.ms())
            .await?)
    }

    /// Opts a customer back in (START), whatever opted them out.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn opt_in(&self, cmd: OptInCustomer) -> Result<ConsentUpdate, CustomerError> {
        let update = self.current(&cmd.customer).await?.opted_in();
        if update.changed {
            self.repo.clear_opt_out(&cmd.customer).await?;
        }
        Ok(update)
    }

    /// Puts tags on a customer; returns how many were new.
    ///
    /// # Errors
    ///
    /// [`CustomerError::NoTags`], [`CustomerError::Storage`].
    pub async fn tag(&self, cmd: TagCustomer) -> Result<u64, CustomerError> {
        let tags = distinct(cmd.tags)?;
        Ok(self
            .repo
            .add_tags(&cmd.customer, &tags, self.now.ms())
            .await?)
    }

    /// Takes tags off a customer; returns how many they had.
    ///
    /// # Errors
    ///
    /// [`CustomerError::NoTags`], [`CustomerError::Storage`].
    pub async fn untag(&self, cmd: UntagCustomer) -> Result<u64, CustomerError> {
        let tags = distinct(cmd.tags)?;
        Ok(self.repo.remove_tags(&cmd.customer, &tags).await?)
    }

    /// A customer's consent.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn consent(&self, query: GetConsent) -> Result<Consent, CustomerError> {
        self.current(&query.customer).await
    }

    /// A customer's tags and consent.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn customer(&self, query: GetCustomer) -> Result<CustomerProfile, CustomerError> {
        let tags = self.repo.tags(&query.customer).await?;
        let consent = self.current(&query.customer).await?;
        Ok(CustomerProfile {
            phone: query.customer,
            tags,
            consent,
        })
    }

    /// The tags and consent of each of `customers`, in their order, read
    /// for all of them at once.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`].
    pub async fn customers(
        &self,
        customers: Vec<CustomerPhone>,
    ) -> Result<Vec<CustomerProfile>, CustomerError> {
        let mut tags = self.repo.tags_of(&customers).await?;
        let mut opt_outs = self.repo.opt_outs_of(&customers).await?;
        Ok(customers
            .into_iter()
            .map(|phone| CustomerProfile {
                tags: tags.remove(&phone).unwrap_or_default(),
                consent: opt_outs
                    .remove(&phone)
                    .map_or(Consent::Subscribed, Consent::OptedOut),
                phone,
            })
            .collect())
    }

    /// Whether a campaign or another marketing message may go to
    /// `customer`: `false` once they opted out of marketing (Meta 131050,
    /// an operator) or of everything (STOP), until they opt back in.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`]: then send nothing.
    pub async fn may_receive_marketing(
        &self,
        customer: &CustomerPhone,
    ) -> Result<bool, CustomerError> {
        Ok(self.current(customer).await?.may_receive_marketing())
    }

    /// Which of `customers` may get marketing now, by the same rule as
    /// [`may_receive_marketing`](Self::may_receive_marketing), read in one
    /// query.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`]: then send nothing.
    pub async fn may_receive_marketing_among(
        &self,
        customers: &[CustomerPhone],
    ) -> Result<BTreeSet<CustomerPhone>, CustomerError> {
        let opt_outs = self.repo.opt_outs_of(customers).await?;
        Ok(customers
            .iter()
            .filter(|c| {
                opt_outs
                    .get(*c)
                    .is_none_or(|o| Consent::OptedOut(o.clone()).may_receive_marketing())
            })
            .cloned()
            .collect())
    }

    /// Whether an automation (a message the shop starts that is neither a
    /// reply nor an invoice reminder) may go to `customer`: `false` after
    /// STOP, until START.
    ///
    /// # Errors
    ///
    /// [`CustomerError::Storage`]: then send nothing.
    pub async fn may_receive_automated(
        &self,
        customer: &CustomerPhone,
    ) -> Result<bool, CustomerError> {
        Ok(self.current(customer).await?.may_receive_automated())
    }

    /// The customers with every one of `tags`, a page at a time, in
    /// phone-number order. This does not look at consent: ask
    /// [`may_receive_marketing`](Self::may_receive_marketing) for each
    /// before sending (as late as possible: a STOP can arrive meanwhile).
    ///
    /// # Errors
    ///
    /// [`CustomerError::NoTags`], [`CustomerError::Storage`].
    pub async fn customers_with_tags(
        &self,
        tags: &[Tag],
        page: Page,
    ) -> Result<CustomerPage, CustomerError> {
        self.find_customers(CustomersWithTags {
            tags: tags.to_vec(),
            matching: TagMatch::All,
            page,
        })
        .await
    }

    /// The customers with tags (every one or any, as the query says), a
    /// page at a time.
    ///
    /// # Errors
    ///
    /// [`CustomerError::NoTags`], [`CustomerError::Storage`].
    pub async fn find_customers(
        &self,
        query: CustomersWithTags,
    ) -> Result<CustomerPage, CustomerError> {
        let tags = distinct(query.tags)?;
        Ok(self
            .repo
            .with_tags(&tags, query.matching, &query.page)
            .await?)
    }

    async fn current(&self, customer: &CustomerPhone) -> Result<Consent, CustomerError> {
        Ok(self
            .repo
            .opt_out(customer)
            .await?
            .map_or(Consent::Subscribed, Consent::OptedOut))
    }
}

/// `tags` sorted, each once; at least one.
fn distinct(mut tags: Vec<Tag>) -> Result<Vec<Tag>, CustomerError> {
    tags.sort();
    tags.dedup();
    if tags.is_empty() {
        return Err(CustomerError::NoTags);
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customers::{ConsentSource, OptInCustomer, OptOutScope};
    use crate::testing::{InMemCustomerRepository, fixtures};

    fn service() -> (
        CustomerService<InMemCustomerRepository>,
        InMemCustomerRepository,
    ) {
        let repo = InMemCustomerRepository::new();
        (CustomerService::new(repo.clone(), fixtures::now()), repo)
    }

    fn stop(scope: OptOutScope, source: ConsentSource) -> OptOutCustomer {
        OptOutCustomer {
            customer: fixtures::customer(),
            scope,
            source,
        }
    }

    fn tags(texts: &[&str]) -> Vec<Tag> {
        texts.iter().map(|t| Tag::parse(t).unwrap()).collect()
    }

    #[tokio::test]
    async fn stop_is_recorded_with_source_and_time_once() {
        let (svc, _) = service();
        let me = fixtures::customer();
        assert!(svc.may_receive_marketing(&me).await.unwrap());
        let first = svc
            .opt_out(stop(
                OptOutScope::All,
                ConsentSource::Keyword("STOP".into()),
            ))
            .await
            .unwrap();
        assert!(first.changed);
        let consent = svc
            .consent(GetConsent {
                customer: me.clone(),
            })
            .await
            .unwrap();
        assert_eq!(
            consent,
            Consent::OptedOut(OptOut {
                scope: OptOutScope::All,
                source: ConsentSource::Keyword("STOP".into()),
                at_ms: fixtures::NOW_MS,
            })
        );
        let second = svc
            .opt_out(stop(
                OptOutScope::All,
                ConsentSource::Keyword("QUIT".into()),
            ))
            .await
            .unwrap();
        assert!(!second.changed, "a second STOP changes nothing");
        assert_eq!(second.consent, consent, "the first source is kept");
        assert!(!svc.may_receive_marketing(&me).await.unwrap());
        assert!(!svc.may_receive_automated(&me).await.unwrap());
        // Someone else is not affected.
        assert!(
            svc.may_receive_marketing(&fixtures::other_customer())
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_provider_opt_out_blocks_marketing_only_and_stop_widens_it() {
        let (svc, _) = service();
        let me = fixtures::customer();
        let provider = ConsentSource::Provider {
            code: "131050".into(),
        };
        svc.opt_out(stop(OptOutScope::Marketing, provider))
            .await
            .unwrap();
        assert!(!svc.may_receive_marketing(&me).await.unwrap());
        assert!(svc.may_receive_automated(&me).await.unwrap());
        let widened = svc
            .opt_out(stop(
                OptOutScope::All,
                ConsentSource::Keyword("STOP".into()),
            ))
            .await
            .unwrap();
        assert!(widened.changed, "STOP after 131050 is a change: confirmed");
        assert!(!svc.may_receive_automated(&me).await.unwrap());
    }

    #[tokio::test]
    async fn marketing_is_judged_for_many_at_once_as_for_each() {
        let (svc, _) = service();
        let (me, other) = (fixtures::customer(), fixtures::other_customer());
        let provider = ConsentSource::Provider {
            code: "131050".into(),
        };
        svc.opt_out(stop(OptOutScope::Marketing, provider))
            .await
            .unwrap();
        let both = [me.clone(), other.clone()];
        let may = svc.may_receive_marketing_among(&both).await.unwrap();
        assert_eq!(may, BTreeSet::from([other.clone()]));
        for customer in &both {
            assert_eq!(
                may.contains(customer),
                svc.may_receive_marketing(customer).await.unwrap()
            );
        }
        assert!(
            svc.may_receive_marketing_among(&[])
                .await
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn start_opts_back_in_once() {
        let (svc, repo) = service();
        let me = fixtures::customer();
        svc.opt_out(stop(OptOutScope::All, ConsentSource::Operator))
            .await
            .unwrap();
        let back = svc
            .opt_in(OptInCustomer {
                customer: me.clone(),
            })
            .await
            .unwrap();
        assert!(back.changed);
        assert_eq!(back.consent, Consent::Subscribed);
        assert!(svc.may_receive_marketing(&me).await.unwrap());
        assert_eq!(repo.opt_out(&me).await.unwrap(), None);
        let again = svc.opt_in(OptInCustomer { customer: me }).await.unwrap();
        assert!(!again.changed);
    }

    #[tokio::test]
    async fn tags_are_stamped_deduplicated_and_required() {
        let (svc, repo) = service();
        let me = fixtures::customer();
        let added = svc
            .tag(TagCustomer {
                customer: me.clone(),
                tags: tags(&["vip", "VIP", "delhi"]),
            })
            .await
            .unwrap();
        assert_eq!(added, 2);
        assert_eq!(
            repo.tagged_at(&me, &Tag::parse("vip").unwrap()),
            Some(fixtures::NOW_MS)
        );
        let profile = svc
            .customer(GetCustomer {
                customer: me.clone(),
            })
            .await
            .unwrap();
        assert_eq!(profile.tags, tags(&["delhi", "vip"]));
        assert_eq!(profile.consent, Consent::Subscribed);
        let err = svc
            .tag(TagCustomer {
                customer: me.clone(),
                tags: vec![],
            })
            .await
            .unwrap_err();
        assert!(matches!(err, CustomerError::NoTags) && err.is_user_error());
        assert_eq!(
            svc.untag(UntagCustomer {
                customer: me.clone(),
                tags: tags(&["vip", "nope"]),
            })
            .await
            .unwrap(),
            1
        );
        let page = svc
            .customers_with_tags(&tags(&["delhi"]), Page::first(10))
            .await
            .unwrap();
        assert_eq!(page.customers, [me]);
        assert!(matches!(
            svc.customers_with_tags(&[], Page::first(10)).await,
            Err(CustomerError::NoTags)
        ));
    }

    #[tokio::test]
    async fn storage_failures_are_retryable_errors_not_answers() {
        let (svc, repo) = service();
        repo.set_failing(true);
        let err = svc
            .may_receive_marketing(&fixtures::customer())
            .await
            .unwrap_err();
        assert!(err.is_retryable());
    }
}
