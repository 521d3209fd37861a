//! Reminders in the database, and the reminder service's decision when a
//! reminder's job fires: the facts (paid, void, "stop reminders", quiet
//! hours) are read then, on both backends. Also the deployment's shared
//! secrets.

use std::time::Duration;

use features::invoices::{InvoiceService, IssueInvoice, RecordPayment, TaxSettings};
use features::reminders::{
    Fire, GetReminder, MarkReminderSent, PrepareReminder, QuietHours, ReminderId, ReminderKind,
    ReminderRepository, ReminderService, ReminderStatus, RemindersStopped,
    SchedulePaymentReminders, ScheduleReminder, ShopClock, StartReminders, StopReminders,
};
use features::shared::{CustomerPhone, Now};
use infra_shop::invoices::DbInvoiceRepository;
use infra_shop::orders::DbOrderRepository;
use infra_shop::reminders::DbReminderRepository;

use infra_sql::testing::{Backend, TestDb};

fn customer() -> CustomerPhone {
    CustomerPhone::parse("+919812345678").unwrap()
}

/// 2026-11-22 12:00 in Kolkata (06:30 UTC): outside 21:00–09:00.
fn noon() -> i64 {
    1_795_329_000_000
}

/// 2026-11-22 23:00 in Kolkata (17:30 UTC): inside 21:00–09:00.
fn night() -> i64 {
    1_795_368_600_000
}

fn prepare(id: ReminderId) -> PrepareReminder {
    PrepareReminder { id }
}

fn kolkata() -> ShopClock {
    ShopClock::new("Asia/Kolkata", QuietHours::parse("21:00-09:00").unwrap()).unwrap()
}

async fn reminders_decide_when_they_fire(backend: Backend) {
    let db = TestDb::migrated_with::<infra_shop::Migrator>(backend).await;
    // Orders and invoices at noon on the test's day, by the same pinned
    // time as the reminders below. Regression: issued at the real time, the
    // invoice's due reminder was "not due yet" once the calendar passed
    // that day.
    let order = crate::invoices::orders(&db.db, 2, false, Now::fixed(noon())).await;
    let invoices = InvoiceService::new(
        DbInvoiceRepository::new(db.db.clone()),
        DbOrderRepository::new(db.db.clone()),
        TaxSettings::default(),
        Now::fixed(noon()),
    );
    let first = invoices
        .issue_invoice(IssueInvoice {
            order: order[0].id().unwrap(),
            buyer: None,
        })
        .await
        .unwrap();
    let second = invoices
        .issue_invoice(IssueInvoice {
            order: order[1].id().unwrap(),
            buyer: None,
        })
        .await
        .unwrap();
    let repo = DbReminderRepository::new(db.db.clone());
    let service = |now: i64| {
        ReminderService::new(
            repo.clone(),
            DbInvoiceRepository::new(db.db.clone()),
            kolkata(),
            Now::fixed(now),
        )
        .with_first_payment_reminder_after(Some(Duration::from_secs(2)))
    };
    let at_noon = service(1_795_329_000_000 + 2 * 24 * 3_600_000);

    // Scheduled: the first 2 s after issue (the override), the second
    // three days after the due date.
    let scheduled = at_noon
        .schedule_payment_reminders(SchedulePaymentReminders::from(&first))
        .await
        .unwrap();
    assert_eq!(scheduled.len(), 2);
    assert_eq!(scheduled[0].at_ms, first.issued_at_ms() + 2_000);
    assert_eq!(scheduled[1].at_ms, first.due_at_ms() + 3 * 24 * 3_600_000);
    // A second scheduling (an overlapping run of the invoice's job) stores
    // nothing new and names the same reminders.
    assert_eq!(
        at_noon
            .schedule_payment_reminders(SchedulePaymentReminders::from(&first))
            .await
            .unwrap(),
        scheduled,
        "one reminder per invoice and time"
    );
    let stored = at_noon
        .get_reminder(GetReminder {
            id: scheduled[0].id,
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.kind,
        ReminderKind::Payment {
            invoice: first.number()
        }
    );
    assert_eq!(stored.status(), &ReminderStatus::Scheduled);

    // Due and unpaid, at noon: send; marked sent once only.
    let Fire::Send(reminder) = at_noon
        .prepare_reminder(prepare(scheduled[0].id))
        .await
        .unwrap()
    else {
        panic!("an unpaid invoice's due reminder is sent");
    };
    let mark_sent = || MarkReminderSent {
        id: scheduled[0].id,
        reminder: reminder.clone(),
    };
    assert!(at_noon.mark_reminder_sent(mark_sent()).await.unwrap());
    assert!(
        !at_noon.mark_reminder_sent(mark_sent()).await.unwrap(),
        "a reminder is sent once"
    );
    assert_eq!(
        at_noon
            .prepare_reminder(prepare(scheduled[0].id))
            .await
            .unwrap(),
        Fire::Skip("sent already")
    );

    // Not yet due: wait for its time.
    assert_eq!(
        at_noon
            .prepare_reminder(prepare(scheduled[1].id))
            .await
            .unwrap(),
        Fire::Wait(kolkata().next_allowed(scheduled[1].at_ms))
    );

    // At night: moved to 09:00 Kolkata (03:30 UTC) the next morning.
    let custom = service(night())
        .schedule_reminder(ScheduleReminder {
            customer: customer(),
            at_ms: night() - 1_000,
            text: "Your cement is ready for pickup".to_owned(),
        })
        .await
        .unwrap()
        .id;
    assert_eq!(
        service(night())
            .prepare_reminder(prepare(custom))
            .await
            .unwrap(),
        Fire::Wait(1_795_404_600_000)
    );
    assert!(
        matches!(
            service(1_795_329_000_000 + 24 * 3_600_000)
                .prepare_reminder(prepare(custom))
                .await
                .unwrap(),
            Fire::Send(_)
        ),
        "the next day at noon"
    );

    // Paid before it fired: skipped and cancelled, checked when it fires.
    let paid = at_noon
        .schedule_payment_reminders(SchedulePaymentReminders::from(&second))
        .await
        .unwrap();
    invoices
        .record_payment(RecordPayment {
            number: second.number(),
            reference: "UTR 4242".to_owned(),
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        at_noon.prepare_reminder(prepare(paid[0].id)).await.unwrap(),
        Fire::Skip("the invoice is paid or void")
    );
    assert!(matches!(
        repo.get(paid[0].id).await.unwrap().unwrap().status(),
        ReminderStatus::Cancelled(_)
    ));

    // "stop reminders", then "start reminders".
    let later = service(noon())
        .schedule_reminder(ScheduleReminder {
            customer: customer(),
            at_ms: noon() - 1,
            text: "hello".to_owned(),
        })
        .await
        .unwrap()
        .id;
    let stop = || StopReminders {
        customer: customer(),
    };
    assert!(service(noon()).stop_reminders(stop()).await.unwrap());
    assert!(
        !service(noon()).stop_reminders(stop()).await.unwrap(),
        "once"
    );
    let stopped = || RemindersStopped {
        customer: customer(),
    };
    assert!(service(noon()).reminders_stopped(stopped()).await.unwrap());
    assert_eq!(
        service(noon())
            .prepare_reminder(prepare(later))
            .await
            .unwrap(),
        Fire::Skip("the customer asked for no reminders")
    );
    assert!(
        service(noon())
            .start_reminders(StartReminders {
                customer: customer()
            })
            .await
            .unwrap()
    );
    assert!(!service(noon()).reminders_stopped(stopped()).await.unwrap());
    assert_eq!(
        service(noon())
            .prepare_reminder(prepare(later))
            .await
            .unwrap(),
        Fire::Skip("cancelled"),
        "a reminder skipped for the opt-out stays cancelled"
    );
    assert_eq!(
        service(noon())
            .prepare_reminder(prepare(features::reminders::ReminderId::new(999_999)))
            .await
            .unwrap(),
        Fire::Missing
    );
    db.drop().await;
}

#[tokio::test]
async fn reminders_decide_when_they_fire_on_sqlite() {
    reminders_decide_when_they_fire(Backend::SqliteFile).await;
}

#[tokio::test]
async fn reminders_decide_when_they_fire_on_postgres() {
    reminders_decide_when_they_fire(Backend::Postgres).await;
}

async fn one_secret_per_name(backend: Backend) {
    let db = TestDb::migrated_with::<infra_shop::Migrator>(backend).await;
    let (a, b) = tokio::join!(
        infra_shop::secrets::secret(&db.db, "links"),
        infra_shop::secrets::secret(&db.db, "links")
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len(), 32);
    assert_eq!(a, b, "two askers get the same secret");
    assert_eq!(
        infra_shop::secrets::secret(&db.db, "links").await.unwrap(),
        a
    );
    assert_ne!(
        infra_shop::secrets::secret(&db.db, "other").await.unwrap(),
        a
    );
    db.drop().await;
}

#[tokio::test]
async fn one_secret_per_name_on_sqlite() {
    one_secret_per_name(Backend::SqliteFile).await;
}

#[tokio::test]
async fn one_secret_per_name_on_postgres() {
    one_secret_per_name(Backend::Postgres).await;
}
