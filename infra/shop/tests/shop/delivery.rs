//! A campaign's delivery metrics and billing from the message log, on
//! SQLite and PostgreSQL: each recipient counted once per stage, pricing
//! booked once per delivered message, opt-outs after the message counted.

use features::campaigns::{BilledSend, CampaignId, DeliveryReports as _};
use features::shared::CustomerPhone;
use framework::{DeliveryFailure, DeliveryStatus, MessageId, Pricing, Provider, StatusEvent};
use infra_shop::campaigns::{DbDeliveryReports, campaign_outbox_key};
use infra_shop::schema::MarketingOptOuts as OptOuts;
use infra_sql::consent::MarketingOptOuts;
use infra_sql::messages::DeliveryStatuses;
use infra_sql::schema::Messages;
use infra_sql::testing::{Backend, TestDb};
use sea_orm::sea_query::Query;

const CAMPAIGN: CampaignId = CampaignId::new(7);

/// An outbound row of campaign `CAMPAIGN` to `to`, accepted as `wamid`.
async fn sent(db: &infra_sql::Database, to: &str, wamid: &str) {
    let now = db.now_ms();
    let insert = Query::insert()
        .into_table(Messages::Table)
        .columns([
            Messages::Direction,
            Messages::Provider,
            Messages::ProviderMessageId,
            Messages::Customer,
            Messages::Business,
            Messages::Kind,
            Messages::Status,
            Messages::InReplyTo,
            Messages::Seq,
            Messages::CreatedAtMs,
            Messages::UpdatedAtMs,
        ])
        .values_panic([
            "out".into(),
            "meta".into(),
            wamid.into(),
            to.into(),
            "106540352242922".into(),
            "template".into(),
            "sent".into(),
            format!("{}:{to}", campaign_outbox_key(CAMPAIGN)).into(),
            0.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    db.exec(&insert).await.unwrap();
}

fn report(wamid: &str, status: DeliveryStatus, pricing: Option<(&str, &str)>) -> StatusEvent {
    StatusEvent {
        provider: Provider::Meta,
        message_id: MessageId::new(wamid),
        recipient: None,
        status,
        timestamp: None,
        pricing: pricing.map(|(category, kind)| Pricing {
            category: category.to_owned(),
            model: Some("PMP".to_owned()),
            kind: Some(kind.to_owned()),
            billable: None,
        }),
    }
}

async fn delivery_on(backend: Backend) {
    let db = TestDb::migrated_with::<infra_shop::Migrator>(backend).await;
    let statuses = DeliveryStatuses::new(db.db.clone());
    let reports = DbDeliveryReports::new(db.db.clone());
    for (i, to) in [
        "+919800000001",
        "+919800000002",
        "+919800000003",
        "+919800000004",
    ]
    .iter()
    .enumerate()
    {
        sent(&db.db, to, &format!("wamid.{i}")).await;
    }
    let marketing = Some(("marketing", "regular"));
    for event in [
        // Read before delivered, each twice, priced each time.
        report("wamid.0", DeliveryStatus::Read, marketing),
        report("wamid.0", DeliveryStatus::Delivered, marketing),
        report("wamid.0", DeliveryStatus::Read, marketing),
        // Delivered, free.
        report(
            "wamid.1",
            DeliveryStatus::Sent,
            Some(("service", "free_customer_service")),
        ),
        report("wamid.1", DeliveryStatus::Delivered, None),
        // A later report with another pricing changes nothing: kept once.
        report(
            "wamid.1",
            DeliveryStatus::Read,
            Some(("marketing", "regular")),
        ),
        // Priced on `sent`, never delivered: not booked.
        report("wamid.2", DeliveryStatus::Sent, marketing),
        // Failed.
        report(
            "wamid.3",
            DeliveryStatus::Failed(DeliveryFailure {
                code: Some("131026".to_owned()),
                message: Some("undeliverable".to_owned()),
            }),
            None,
        ),
    ] {
        statuses.record(&event).await.unwrap();
    }
    // A STOP after the message counts; a provider's 131050 (which reports
    // that the customer had stopped marketing before it) does not.
    let stop = Query::insert()
        .into_table(OptOuts::Table)
        .columns([
            OptOuts::Phone,
            OptOuts::AtMs,
            OptOuts::Reason,
            OptOuts::Scope,
            OptOuts::Source,
        ])
        .values_panic([
            "+919800000002".into(),
            db.db.now_ms().into(),
            "STOP".into(),
            "all".into(),
            "keyword".into(),
        ])
        .to_owned();
    db.db.exec(&stop).await.unwrap();
    MarketingOptOuts::new(db.db.clone())
        .opt_out("+919800000004", "131050: user stopped marketing messages")
        .await
        .unwrap();

    let d = reports.delivery(CAMPAIGN).await.unwrap();
    assert_eq!(
        (d.sent, d.delivered, d.read, d.opted_out),
        (4, 2, 2, 1),
        "{backend:?}: {d:?}"
    );
    assert_eq!(d.failed.get("131026"), Some(&1), "{d:?}");
    let mut billed = reports.billed(CAMPAIGN).await.unwrap();
    billed.sort_by(|a, b| a.phone.as_str().cmp(b.phone.as_str()));
    let phone = |p: &str| CustomerPhone::parse(p).unwrap();
    assert_eq!(
        billed,
        [
            BilledSend {
                phone: phone("+919800000001"),
                category: "marketing".to_owned(),
                charged: true
            },
            BilledSend {
                phone: phone("+919800000002"),
                category: "service".to_owned(),
                charged: false
            },
        ],
        "{backend:?}"
    );
    assert!(
        reports.billed(CampaignId::new(8)).await.unwrap().is_empty(),
        "another campaign's are not this one's"
    );
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_and_billing_on_sqlite() {
    delivery_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_and_billing_on_postgres() {
    delivery_on(Backend::Postgres).await;
}
