//! Invoices in the database: per-shop numbers without gaps or duplicates
//! under concurrent issuers, one invoice per order, stored whole; an order
//! cancelled before its invoice gets none, one cancelled after gets it
//! voided.

use features::catalog::{CatalogService, OrderLimits};
use features::catalog::{ProductRepository, Sku, Unit, demo};
use features::invoices::{
    CustomerInvoice, Invoice, InvoiceError, InvoiceNumber, InvoiceRepository, InvoiceService,
    InvoiceStatus, IssueInvoice, TaxSettings, VoidOrderInvoice,
};
use features::orders::{CancelOrder, ConfirmOrder, CreateOrder, Order, OrderLine, OrderService};
use features::shared::{Currency, CustomerPhone, Money, Now, OrderId};
use features::testing::RecordingFollowUp;
use infra_shop::invoices::DbInvoiceRepository;
use infra_shop::orders::DbOrderRepository;
use infra_shop::products::DbProductRepository;
use infra_sql::Database;

use infra_sql::testing::{Backend, TestDb};

fn customer() -> CustomerPhone {
    CustomerPhone::parse("+919812345678").unwrap()
}

/// The order service over `db`, reading the time from `now`.
pub(crate) fn order_service(
    db: &Database,
    now: Now,
) -> OrderService<DbOrderRepository, CatalogService<DbProductRepository>, RecordingFollowUp> {
    OrderService::new(
        DbOrderRepository::new(db.clone()),
        CatalogService::new(DbProductRepository::new(db.clone()), OrderLimits::default()),
        RecordingFollowUp::default(),
        now,
    )
}

/// `n` stored orders of one bag of cement each, confirmed unless `draft`,
/// created at `now`.
pub(crate) async fn orders(db: &Database, n: i64, draft: bool, now: Now) -> Vec<Order> {
    DbProductRepository::new(db.clone())
        .upsert(demo::products(), false)
        .await
        .unwrap();
    let service = order_service(db, now);
    let mut out = Vec::new();
    for i in 0..n {
        let order = service
            .create_order(CreateOrder {
                customer: customer(),
                currency: Currency::INR,
                lines: vec![
                    OrderLine::new(
                        Sku::parse("CEM-OPC53").unwrap(),
                        "Cement".to_owned(),
                        Unit::parse("bag").unwrap(),
                        1,
                        Money::new(35_000, Currency::INR),
                    )
                    .unwrap(),
                ],
                idempotency_key: format!("test:{draft}:{i}"),
            })
            .await
            .unwrap();
        let order = if draft {
            order
        } else {
            service
                .confirm_order(ConfirmOrder {
                    order_id: order.id().unwrap(),
                    customer: customer(),
                })
                .await
                .unwrap()
        };
        out.push(order);
    }
    out
}

fn make(order: Order) -> impl FnOnce(InvoiceNumber) -> Result<Invoice, InvoiceError> + Send {
    move |number| {
        Invoice::generate_from_order(number, &order, &TaxSettings::default(), |_| None, 1_000)
    }
}

async fn numbers_have_no_gaps_and_each_order_one_invoice(backend: Backend) {
    let db = TestDb::migrated_with::<infra_shop::Migrator>(backend).await;
    let repo = DbInvoiceRepository::new(db.db.clone());

    // A failed issue (the order is a draft) gives its number back.
    let draft = orders(&db.db, 1, true, Now::fixed(1_000)).await.remove(0);
    let draft_id = draft.id().unwrap();
    let failed = repo.issue_for_order(draft_id, make(draft)).await;
    assert!(
        matches!(failed, Err(InvoiceError::OrderNotConfirmed(_))),
        "{failed:?}"
    );

    // 20 orders, each issued twice at once, by 40 concurrent issuers.
    let confirmed = orders(&db.db, 20, false, Now::fixed(1_000)).await;
    let issuers = confirmed.iter().flat_map(|order| {
        [0, 1].map(|_| {
            let (repo, order) = (repo.clone(), order.clone());
            tokio::spawn(async move {
                repo.issue_for_order(order.id().unwrap(), make(order))
                    .await
                    .unwrap()
            })
        })
    });
    let issued: Vec<Invoice> = futures_util::future::join_all(issuers)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let mut numbers: Vec<u64> = issued.iter().map(|i| i.number().seq()).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(
        numbers,
        (1..=20).collect::<Vec<_>>(),
        "numbers 1 to 20: none skipped (not even the failed one's), none twice"
    );
    for order in &confirmed {
        let of_order: Vec<_> = issued
            .iter()
            .filter(|i| Some(i.order()) == order.id())
            .map(Invoice::number)
            .collect();
        assert_eq!(of_order.len(), 2);
        assert_eq!(of_order[0], of_order[1], "both issuers got one invoice");
    }

    // Stored whole.
    let first = &issued[0];
    let stored = repo.by_number(first.number()).await.unwrap().unwrap();
    assert_eq!(&stored, first);
    assert_eq!(repo.for_customer(&customer(), 50).await.unwrap().len(), 20);
    assert!(
        repo.by_number(InvoiceNumber::new(21))
            .await
            .unwrap()
            .is_none()
    );

    // Listed newest first by number, a page at a time.
    let seqs = |page: Vec<Invoice>| page.iter().map(|i| i.number().seq()).collect::<Vec<_>>();
    assert_eq!(
        seqs(repo.list(None, 3).await.unwrap()),
        [20, 19, 18],
        "list: the newest, at most `limit`"
    );
    assert_eq!(
        seqs(repo.list(Some(InvoiceNumber::new(18)), 3).await.unwrap()),
        [17, 16, 15],
        "list: only numbers below `before`"
    );
    assert_eq!(
        seqs(repo.list(Some(InvoiceNumber::new(2)), 3).await.unwrap()),
        [1],
        "list: the last page"
    );
    assert_eq!(repo.list(None, 50).await.unwrap().len(), 20);
    assert_eq!(
        repo.list(Some(first.number()), 50)
            .await
            .unwrap()
            .iter()
            .chain(repo.by_number(first.number()).await.unwrap().iter())
            .filter(|i| i.number() == first.number())
            .count(),
        1,
        "list: `before` itself is not listed"
    );
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_have_no_gaps_and_each_order_one_invoice_sqlite() {
    numbers_have_no_gaps_and_each_order_one_invoice(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_have_no_gaps_and_each_order_one_invoice_postgres() {
    numbers_have_no_gaps_and_each_order_one_invoice(Backend::Postgres).await;
}

async fn cancelled_orders_get_no_invoice_or_a_void_one(backend: Backend) {
    let db = TestDb::migrated_with::<infra_shop::Migrator>(backend).await;
    let now = Now::fixed(1_000);
    let invoices = InvoiceService::new(
        DbInvoiceRepository::new(db.db.clone()),
        DbOrderRepository::new(db.db.clone()),
        TaxSettings::default(),
        now.clone(),
    );
    let service = order_service(&db.db, now.clone());
    let mut two = orders(&db.db, 2, false, now).await;
    let (early, late) = (two.remove(0), two.remove(0));
    let cancel = |id: OrderId| {
        service.cancel_order(CancelOrder {
            order_id: id,
            customer: customer(),
        })
    };

    // Cancelled before its invoice: none is made.
    cancel(early.id().unwrap()).await.unwrap();
    let refused = invoices
        .issue_invoice(IssueInvoice {
            order: early.id().unwrap(),
            buyer: None,
        })
        .await;
    assert!(
        matches!(refused, Err(InvoiceError::OrderNotConfirmed(_))),
        "{refused:?}"
    );

    // Cancelled after: its invoice is voided, once.
    let buyer = features::invoices::Buyer {
        name: "Ravi Kumar".to_owned(),
        business: Some("Kumar Traders".to_owned()),
        gstin: Some("27AAPFU0939F1ZV".to_owned()),
        address: "12 MG Road, Pune".to_owned(),
    };
    let invoice = invoices
        .issue_invoice(IssueInvoice {
            order: late.id().unwrap(),
            buyer: Some(buyer.clone()),
        })
        .await
        .unwrap();
    assert_eq!(invoice.buyer(), Some(&buyer));
    let stored = invoices
        .order_invoice(features::invoices::OrderInvoice {
            order: late.id().unwrap(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.buyer(), Some(&buyer), "the buyer is stored with it");
    assert_eq!(
        invoice.number(),
        InvoiceNumber::new(1),
        "the refused one took no number"
    );
    cancel(late.id().unwrap()).await.unwrap();
    let voided = invoices
        .void_order_invoice(VoidOrderInvoice {
            order: late.id().unwrap(),
            reason: "order cancelled".to_owned(),
        })
        .await
        .unwrap()
        .expect("voided");
    assert_eq!(voided.status().as_str(), "void");
    let stored = invoices
        .customer_invoice(CustomerInvoice {
            customer: customer(),
            number: invoice.number(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.status(),
        &InvoiceStatus::Void {
            reason: "order cancelled".to_owned()
        }
    );
    assert!(
        invoices
            .void_order_invoice(VoidOrderInvoice {
                order: late.id().unwrap(),
                reason: "again".to_owned(),
            })
            .await
            .unwrap()
            .is_none(),
        "void is final"
    );
    db.drop().await;
}

#[tokio::test]
async fn cancelled_orders_get_no_invoice_or_a_void_one_sqlite() {
    cancelled_orders_get_no_invoice_or_a_void_one(Backend::SqliteFile).await;
}

#[tokio::test]
async fn cancelled_orders_get_no_invoice_or_a_void_one_postgres() {
    cancelled_orders_get_no_invoice_or_a_void_one(Backend::Postgres).await;
}
