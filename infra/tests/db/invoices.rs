//! Invoices in the database: per-shop numbers without gaps or duplicates
//! under concurrent issuers, one invoice per order, stored whole.

use features::catalog::{Sku, Unit};
use features::invoices::{
    Invoice, InvoiceError, InvoiceNumber, InvoiceRepository, IssueError, TaxSettings,
};
use features::orders::{Order, OrderLine};
use features::shared::{Currency, CustomerPhone, Money, OrderId};
use infra::db::invoices::DbInvoiceRepository;

use crate::support::{Backend, TestDb};

fn confirmed(id: i64) -> Order {
    let mut order = Order::draft(
        CustomerPhone::parse("+919812345678").unwrap(),
        Currency::INR,
        0,
    );
    order
        .add_item(
            OrderLine::new(
                Sku::parse("CEM-OPC-53").unwrap(),
                "Cement".to_owned(),
                Unit::parse("bag").unwrap(),
                u32::try_from(id).unwrap(),
                Money::new(35_000, Currency::INR),
            )
            .unwrap(),
        )
        .unwrap();
    let mut order = order.with_id(OrderId::new(id));
    order.confirm().unwrap();
    order
}

fn make(order: Order) -> impl FnOnce(InvoiceNumber) -> Result<Invoice, InvoiceError> + Send {
    move |number| {
        Invoice::generate_from_order(number, &order, &TaxSettings::default(), |_| None, 1_000)
    }
}

async fn numbers_have_no_gaps_and_each_order_one_invoice(backend: Backend) {
    let db = TestDb::new(backend).await;
    let repo = DbInvoiceRepository::new(db.db.clone());

    // A failed issue gives its number back.
    let draft = Order::draft(
        CustomerPhone::parse("+919812345678").unwrap(),
        Currency::INR,
        0,
    )
    .with_id(OrderId::new(999));
    let failed = repo
        .issue_for_order(OrderId::new(999), move |n| {
            Invoice::generate_from_order(n, &draft, &TaxSettings::default(), |_| None, 0)
        })
        .await;
    assert!(matches!(
        failed,
        Err(IssueError::Invoice(InvoiceError::OrderNotConfirmed(999)))
    ));

    // 20 orders, each issued twice at once, by 40 concurrent issuers.
    let issuers = (1..=20_i64).flat_map(|id| {
        [0, 1].map(|_| {
            let repo = repo.clone();
            tokio::spawn(async move {
                repo.issue_for_order(OrderId::new(id), make(confirmed(id)))
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
    for id in 1..=20_i64 {
        let of_order: Vec<_> = issued
            .iter()
            .filter(|i| i.order() == OrderId::new(id))
            .map(Invoice::number)
            .collect();
        assert_eq!(of_order.len(), 2);
        assert_eq!(
            of_order[0], of_order[1],
            "order {id}: both issuers got one invoice"
        );
    }

    // Stored whole.
    let first = &issued[0];
    let stored = repo.by_number(first.number()).await.unwrap().unwrap();
    assert_eq!(&stored, first);
    let mine = repo
        .for_customer(&CustomerPhone::parse("+919812345678").unwrap(), 50)
        .await
        .unwrap();
    assert_eq!(mine.len(), 20);
    assert!(
        repo.by_number(InvoiceNumber::new(21))
            .await
            .unwrap()
            .is_none()
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
