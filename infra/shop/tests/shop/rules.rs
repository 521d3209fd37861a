//! Rules in the database: the repository contract on both backends, and
//! what rules know of customers (their tags, consent, birthday, first
//! message) read from the shop's tables.

use features::customers::{ConsentSource, CustomerRepository as _, OptOut, OptOutScope, Tag};
use features::rules::RuleSubjects as _;
use features::shared::CustomerPhone;
use framework::{Content, ConversationKey, InboundMessage, MessageId, PhoneNumber, Provider};
use infra_shop::Migrator;
use infra_shop::customers::DbCustomerRepository;
use infra_shop::rules::{DbRuleRepository, DbRuleSubjects};
use infra_sql::messages::InboxQueue;
use infra_sql::testing::{Backend, TestDb};

async fn contract_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    features::testing::contract::rule_repository(DbRuleRepository::new(db.db.clone())).await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_repository_contract_on_sqlite() {
    contract_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rule_repository_contract_on_postgres() {
    contract_on(Backend::Postgres).await;
}

fn inbound(customer: &str, id: &str, text: &str) -> InboundMessage {
    InboundMessage::new(
        Provider::Twilio,
        MessageId::new(id),
        ConversationKey::new(
            PhoneNumber::parse("+14155238886").unwrap(),
            PhoneNumber::parse(customer).unwrap(),
        ),
        Content::Text {
            body: text.to_owned(),
        },
    )
    .with_profile_name("Asha")
}

async fn subjects_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    let inbox = InboxQueue::new(db.db.clone());
    let subjects = DbRuleSubjects::new(db.db.clone());
    let customers = DbCustomerRepository::new(db.db.clone());
    let asha = CustomerPhone::parse("+919800000001").unwrap();
    let ravi = CustomerPhone::parse("+919800000002").unwrap();
    let never = CustomerPhone::parse("+919800000003").unwrap();

    inbox
        .record(&inbound(asha.as_str(), "a1", "hi"))
        .await
        .unwrap();
    inbox
        .record(&inbound(ravi.as_str(), "r1", "price list"))
        .await
        .unwrap();
    inbox
        .record(&inbound(asha.as_str(), "a2", "price list?"))
        .await
        .unwrap();
    customers
        .add_tags(&asha, &[Tag::parse("contractor").unwrap()], 1)
        .await
        .unwrap();
    customers
        .save_opt_out(
            &ravi,
            &OptOut {
                scope: OptOutScope::All,
                source: ConsentSource::Keyword("STOP".to_owned()),
                at_ms: 2,
            },
        )
        .await
        .unwrap();
    subjects
        .set_attribute(&asha, "birthday", "1990-12-07", 3)
        .await
        .unwrap();
    subjects
        .set_attribute(&asha, "birthday", "1990-12-08", 4)
        .await
        .unwrap();
    subjects
        .set_attribute(&ravi, "birthday", "someday", 4)
        .await
        .unwrap();

    let a = subjects.subject(&asha).await.unwrap();
    assert_eq!(a.name.as_deref(), Some("Asha"));
    assert_eq!(a.tags, [Tag::parse("contractor").unwrap()]);
    assert!(a.marketing_ok);
    assert!(a.last_inbound_ms.is_some());
    assert_eq!(
        a.birthday,
        Some("1990-12-08".parse().unwrap()),
        "the last value set"
    );
    let r = subjects.subject(&ravi).await.unwrap();
    assert!(!r.marketing_ok, "a STOP is an opt-out");
    assert_eq!(r.birthday, None, "a value that is not a date greets nobody");
    let n = subjects.subject(&never).await.unwrap();
    assert_eq!(n, features::rules::Subject::unknown(never.clone()));

    assert!(subjects.is_first_message(&asha, "a1").await.unwrap());
    assert!(!subjects.is_first_message(&asha, "a2").await.unwrap());
    assert!(
        subjects.is_first_message(&never, "x").await.unwrap(),
        "no message yet"
    );

    let page1 = subjects.subjects(None, 1).await.unwrap();
    assert_eq!(page1.len(), 1);
    assert_eq!(page1[0].phone, asha, "phone order");
    let page2 = subjects.subjects(Some(&asha), 5).await.unwrap();
    let page2: Vec<_> = page2.into_iter().map(|s| s.phone).collect();
    assert_eq!(page2, std::slice::from_ref(&ravi));

    let past = subjects.messages_since(0, 10).await.unwrap();
    let seen: Vec<(&str, &str, bool)> = past
        .iter()
        .map(|m| (m.id.as_str(), m.text.as_str(), m.first))
        .collect();
    assert_eq!(
        seen,
        [
            ("a1", "hi", true),
            ("r1", "price list", true),
            ("a2", "price list?", false)
        ]
    );
    assert!(
        subjects
            .messages_since(i64::MAX, 10)
            .await
            .unwrap()
            .is_empty()
    );
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_know_customers_on_sqlite() {
    subjects_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_know_customers_on_postgres() {
    subjects_on(Backend::Postgres).await;
}
