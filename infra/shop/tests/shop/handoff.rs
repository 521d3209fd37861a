//! Handoffs in the database: the repository contract on both backends,
//! handoffs opened inside turns (a turn's `UnitOfWork`: committed with it,
//! rolled back with it, one open however many turns race), and the
//! per-message lookup read through an index.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use features::handoff::{
    HandoffReason, HandoffService, OpenHandoff, OpenHandoffFor, ReleaseHandoff, ReleaseIdle,
    ReleaseReason, Released,
};
use features::shared::{CustomerPhone, Now};
use infra_shop::Migrator;
use infra_shop::handoff::DbHandoffRepository;
use infra_sql::UnitOfWork;
use infra_sql::testing::{Backend, TestDb};
use sea_orm::ConnectionTrait as _;

const AT: i64 = 1_795_329_000_000;

/// Turns racing to open one customer's handoff.
const TURNS: usize = 12;

async fn contract_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    features::testing::contract::handoff::handoff_repository(DbHandoffRepository::new(
        db.db.clone(),
    ))
    .await;
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handoff_repository_contract_on_sqlite() {
    contract_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handoff_repository_contract_on_postgres() {
    contract_on(Backend::Postgres).await;
}

fn service(db: &TestDb, now: Now) -> HandoffService<DbHandoffRepository> {
    HandoffService::new(DbHandoffRepository::new(db.db.clone()), now)
}

fn ask(customer: &CustomerPhone) -> OpenHandoff {
    OpenHandoff {
        customer: customer.clone(),
        reason: HandoffReason::CustomerAsked,
    }
}

/// A handoff opened in a turn that fails is not opened; one opened in a
/// turn that commits is, and a release in a turn commits with it too.
async fn turns_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    let handoffs = service(&db, Now::fixed(AT));
    let ravi = CustomerPhone::parse("+919812345678").unwrap();
    let open_now = || {
        let (handoffs, customer) = (handoffs.clone(), ravi.clone());
        async move {
            handoffs
                .open_for(OpenHandoffFor { customer })
                .await
                .unwrap()
        }
    };

    let failed = UnitOfWork::new(&db.db);
    let opened = failed.run(handoffs.open(ask(&ravi))).await.unwrap();
    assert!(opened.is_new());
    assert!(
        failed.run(open_now()).await.is_some(),
        "seen inside the turn"
    );
    drop(failed);
    assert_eq!(open_now().await, None, "a rolled-back turn opened nothing");

    let turn = UnitOfWork::new(&db.db);
    assert!(turn.run(handoffs.open(ask(&ravi))).await.unwrap().is_new());
    turn.commit().await.unwrap();
    assert!(open_now().await.is_some(), "committed with the turn");

    let release = ReleaseHandoff {
        customer: ravi.clone(),
        reason: ReleaseReason::ByCustomer,
    };
    let turn = UnitOfWork::new(&db.db);
    assert!(matches!(
        turn.run(handoffs.release(release.clone())).await.unwrap(),
        Released::Released(_)
    ));
    drop(turn);
    assert!(
        open_now().await.is_some(),
        "a rolled-back release released nothing"
    );
    let turn = UnitOfWork::new(&db.db);
    assert!(matches!(
        turn.run(handoffs.release(release.clone())).await.unwrap(),
        Released::Released(_)
    ));
    assert_eq!(
        turn.run(handoffs.release(release)).await.unwrap(),
        Released::NotOpen,
        "released once, inside the turn too"
    );
    turn.commit().await.unwrap();
    assert_eq!(open_now().await, None);
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_commits_with_its_turn_on_sqlite() {
    turns_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handoff_commits_with_its_turn_on_postgres() {
    turns_on(Backend::Postgres).await;
}

/// Turns of several instances (tasks, each its own transaction) asking at
/// once for one customer: one handoff opens, every turn commits (none is
/// aborted by a conflict), the others see the one opened.
async fn racing_turns_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    let ravi = CustomerPhone::parse("+919812345678").unwrap();
    let turns: Vec<_> = (0..TURNS)
        .map(|_| {
            let (database, handoffs, customer) =
                (db.db.clone(), service(&db, Now::fixed(AT)), ravi.clone());
            tokio::spawn(async move {
                let turn = UnitOfWork::new(&database);
                let opened = turn.run(handoffs.open(ask(&customer))).await.unwrap();
                turn.commit().await.expect("no turn is aborted by the race");
                opened
            })
        })
        .collect();
    let mut opened = Vec::new();
    for turn in turns {
        opened.push(turn.await.unwrap());
    }
    assert_eq!(
        opened.iter().filter(|o| o.is_new()).count(),
        1,
        "{TURNS} turns at once open one handoff"
    );
    let id = opened[0].handoff().id;
    assert!(opened.iter().all(|o| o.handoff().id == id));
    let history = service(&db, Now::fixed(AT))
        .history(features::handoff::HandoffHistory {
            customer: ravi,
            limit: 100,
        })
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "one row");
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_turns_open_one_handoff_on_sqlite() {
    racing_turns_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_turns_open_one_handoff_on_postgres() {
    racing_turns_on(Backend::Postgres).await;
}

/// The idle release on the service's clock, against the database.
async fn idle_on(backend: Backend) {
    let db = TestDb::migrated_with::<Migrator>(backend).await;
    let time = Arc::new(AtomicI64::new(AT));
    let handoffs = service(
        &db,
        Now::from_fn({
            let time = Arc::clone(&time);
            move || time.load(Ordering::SeqCst)
        }),
    );
    let ravi = CustomerPhone::parse("+919812345678").unwrap();
    handoffs.open(ask(&ravi)).await.unwrap();
    let idle = ReleaseIdle {
        idle_for: Duration::from_secs(3_600),
    };
    time.fetch_add(3_600_000, Ordering::SeqCst);
    assert!(handoffs.release_idle(idle).await.unwrap().is_empty());
    time.fetch_add(1, Ordering::SeqCst);
    let released = handoffs.release_idle(idle).await.unwrap();
    assert_eq!(released.len(), 1);
    assert_eq!(released[0].customer, ravi);
    assert_eq!(released[0].released_at_ms, Some(AT + 3_600_001));
    db.drop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_handoffs_are_released_on_the_service_clock_on_sqlite() {
    idle_on(Backend::SqliteFile).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_handoffs_are_released_on_the_service_clock_on_postgres() {
    idle_on(Backend::Postgres).await;
}

#[tokio::test]
async fn the_per_message_lookup_reads_the_open_handoff_index_on_sqlite() {
    let db = TestDb::migrated_with::<Migrator>(Backend::SqliteFile).await;
    let plan = db
        .db
        .connection()
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "EXPLAIN QUERY PLAN SELECT * FROM handoffs \
             WHERE phone = '+919812345678' AND released_at_ms IS NULL",
        ))
        .await
        .unwrap();
    let detail: Vec<String> = plan
        .iter()
        .map(|row| row.try_get::<String>("", "detail").unwrap())
        .collect();
    assert!(
        detail
            .iter()
            .any(|d| d.contains("USING INDEX handoffs_open")),
        "{detail:?}"
    );
    db.drop().await;
}
