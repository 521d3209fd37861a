//! Customers' tags and consent in the database: the repository contract on
//! both backends, and the one consent record shared with `infra_sql`, where
//! a Meta 131050 report records a marketing opt-out.

use features::campaigns::MarketingConsent;
use features::customers::{
    Consent, ConsentSource, CustomerService, GetConsent, OptInCustomer, OptOut, OptOutCustomer,
    OptOutScope,
};
use features::shared::{CustomerPhone, Now};
use infra_shop::Migrator;
use infra_shop::customers::DbCustomerRepository;
use infra_sql::consent::MarketingOptOuts;
use infra_sql::testing::{Backend, TestDb};

const AT: i64 = 1_795_329_000_000;

async fn contract_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    features::testing::contract::customer_repository(DbCustomerRepository::new(db.db.clone()))
        .await;
    features::testing::contract::customer_details(DbCustomerRepository::new(db.db.clone())).await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_repository_contract_on_sqlite() {
    contract_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_repository_contract_on_postgres() {
    contract_on(Backend::Postgres).await;
}

/// A 131050 recorded by `infra_sql` is the customer's consent (source
/// `provider`); STOP widens it; a later 131050 does not narrow STOP back;
/// START clears it for both readers.
async fn one_consent_record_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    let service = CustomerService::new(DbCustomerRepository::new(db.db.clone()), Now::fixed(AT));
    let provider = MarketingOptOuts::new(db.db.clone());
    let ravi = CustomerPhone::parse("+919812345678").unwrap();
    let consent = || {
        let service = service.clone();
        let customer = ravi.clone();
        async move { service.consent(GetConsent { customer }).await.unwrap() }
    };

    assert!(
        provider
            .opt_out(ravi.as_str(), "131050: user stopped marketing messages")
            .await
            .unwrap()
    );
    let Consent::OptedOut(recorded) = consent().await else {
        panic!("a 131050 is an opt-out");
    };
    assert_eq!(recorded.scope, OptOutScope::Marketing);
    assert_eq!(
        recorded.source,
        ConsentSource::Provider {
            code: "131050".to_owned()
        }
    );
    assert!(!service.may_receive_marketing(&ravi).await.unwrap());
    assert!(service.may_receive_automated(&ravi).await.unwrap());

    let stop = service
        .opt_out(OptOutCustomer {
            customer: ravi.clone(),
            scope: OptOutScope::All,
            source: ConsentSource::Keyword("STOP".to_owned()),
        })
        .await
        .unwrap();
    assert!(stop.changed, "STOP widens a provider's marketing opt-out");
    assert!(
        !provider
            .opt_out(ravi.as_str(), "131050: again")
            .await
            .unwrap(),
        "a later 131050 changes nothing"
    );
    assert_eq!(
        consent().await,
        Consent::OptedOut(OptOut {
            scope: OptOutScope::All,
            source: ConsentSource::Keyword("STOP".to_owned()),
            at_ms: AT,
        })
    );
    assert!(provider.is_opted_out(ravi.as_str()).await.unwrap());
    let campaigns = service.clone();
    assert!(
        !MarketingConsent::may_receive_marketing(&campaigns, &ravi)
            .await
            .unwrap(),
        "campaigns' consent check reads the same record: STOP skips the customer"
    );

    assert!(
        service
            .opt_in(OptInCustomer {
                customer: ravi.clone()
            })
            .await
            .unwrap()
            .changed
    );
    assert_eq!(consent().await, Consent::Subscribed);
    assert!(
        MarketingConsent::may_receive_marketing(&campaigns, &ravi)
            .await
            .unwrap()
    );
    assert!(
        !provider.is_opted_out(ravi.as_str()).await.unwrap(),
        "START clears the record infra_sql reads too"
    );
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_consent_record_on_sqlite() {
    one_consent_record_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_consent_record_on_postgres() {
    one_consent_record_on(Backend::Postgres).await;
}
