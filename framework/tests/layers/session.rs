use std::time::Duration;

use framework::session::{
    ConversationLock, FencingToken, InMemConversationLock, InMemSessionStore, Session,
    SessionConfig, SessionLayer, SessionStore,
};
use framework::{BoxError, Content, InboundMessage, Provider, Response};
use tower::util::BoxCloneSyncService;
use tower::{Layer, ServiceExt, service_fn};

use crate::support::{Recorder, call};

/// Counts messages in the session and answers the count.
fn counter()
-> impl tower::Service<InboundMessage, Response = Response, Error = BoxError, Future = impl Send>
+ Clone
+ Send {
    service_fn(|msg: InboundMessage| async move {
        let session = msg
            .extensions()
            .get::<Session>()
            .cloned()
            .ok_or("no session")?;
        let n: u32 = session.get("n")?.unwrap_or(0) + 1;
        session.insert("n", &n)?;
        if msg.text() == Some("fail") {
            return Err::<Response, BoxError>("handler failed".into());
        }
        Ok(Response::reply(n.to_string()))
    })
}

fn body(r: &Response) -> &str {
    r.replies()[0].body().unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_session_lives_across_turns_until_its_ttl() {
    let svc = SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
        .with_config(SessionConfig::default().with_ttl(Duration::from_secs(3600)))
        .layer(counter());

    assert_eq!(
        body(&call(&svc, framework::doc::text("a")).await.unwrap()),
        "1"
    );
    tokio::time::advance(Duration::from_secs(3000)).await;
    assert_eq!(
        body(&call(&svc, framework::doc::text("b")).await.unwrap()),
        "2",
        "kept within the TTL"
    );
    // The TTL counts from the last message, not the first.
    tokio::time::advance(Duration::from_secs(3000)).await;
    assert_eq!(
        body(&call(&svc, framework::doc::text("c")).await.unwrap()),
        "3"
    );
    tokio::time::advance(Duration::from_secs(3601)).await;
    assert_eq!(
        body(&call(&svc, framework::doc::text("d")).await.unwrap()),
        "1",
        "a fresh start after the TTL"
    );
}

#[tokio::test]
async fn a_failed_turn_saves_nothing() {
    let svc =
        SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new()).layer(counter());
    call(&svc, framework::doc::text("a")).await.unwrap();
    assert!(call(&svc, framework::doc::text("fail")).await.is_err());
    assert_eq!(
        body(&call(&svc, framework::doc::text("b")).await.unwrap()),
        "2"
    );
}

#[tokio::test]
async fn an_unreadable_stored_session_starts_fresh_instead_of_failing() {
    let store = InMemSessionStore::new();
    let lock = InMemConversationLock::new();
    let key = framework::doc::key().storage_key();
    let lease = lock
        .acquire(&key, Duration::from_secs(5), Duration::from_secs(5))
        .await
        .unwrap();
    store
        .save(&key, b"not json", Duration::from_secs(60), lease.token())
        .await
        .unwrap();
    lock.release(&lease).await.unwrap();
    let svc = SessionLayer::new(store, lock).layer(counter());

    assert_eq!(
        body(&call(&svc, framework::doc::text("a")).await.unwrap()),
        "1"
    );
}

#[tokio::test(start_paused = true)]
async fn turns_of_one_conversation_never_overlap_and_keep_arrival_order() {
    // Arrange: the handler takes 100 ms; 10 messages arrive 1 ms apart.
    let rec = Recorder::default();
    // Boxed: spawning a task needs the future's type spelled out for `Send`.
    let svc = BoxCloneSyncService::new(
        SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
            .layer(rec.service(Duration::from_millis(100))),
    );
    let msgs: Vec<_> = (0..10)
        .map(|i| framework::doc::text(&format!("m{i}")))
        .collect();
    let expected: Vec<String> = msgs.iter().map(|m| m.id().to_string()).collect();

    // Act
    let mut tasks = Vec::new();
    for msg in msgs {
        let svc = svc.clone();
        tasks.push(tokio::spawn(async move { svc.oneshot(msg).await }));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }

    // Assert
    assert_eq!(rec.max_concurrent(), 1);
    assert_eq!(rec.ids(), expected);
}

#[tokio::test(start_paused = true)]
async fn different_conversations_run_side_by_side() {
    let rec = Recorder::default();
    // Boxed: spawning a task needs the future's type spelled out for `Send`.
    let svc = BoxCloneSyncService::new(
        SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
            .layer(rec.service(Duration::from_millis(100))),
    );
    let tasks: Vec<_> = (0..5)
        .map(|i| {
            let msg = InboundMessage::new(
                Provider::Local,
                framework::doc::fresh_id(),
                framework::doc::key_for(&format!("+91990000000{i}")),
                Content::Text {
                    body: "hi".to_owned(),
                },
            );
            let svc = svc.clone();
            tokio::spawn(async move { svc.oneshot(msg).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(rec.max_concurrent(), 5);
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_turn_frees_the_lane_at_once() {
    // A webhook client that hangs up drops the turn's future half-way; the
    // next message of the conversation must not wait for the lease to expire.
    let rec = Recorder::default();
    let svc = BoxCloneSyncService::new(
        SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
            .with_config(SessionConfig::default().with_lease_ttl(Duration::from_secs(30)))
            .layer(rec.service(Duration::from_secs(10))),
    );
    let slow = call(&svc, framework::doc::text("slow"));
    assert!(
        tokio::time::timeout(Duration::from_millis(50), slow)
            .await
            .is_err()
    );
    tokio::task::yield_now().await;

    let started = tokio::time::Instant::now();
    let next = tokio::spawn({
        let svc = svc.clone();
        async move { svc.oneshot(framework::doc::text("next")).await }
    });
    next.await.unwrap().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(11),
        "waited {:?}",
        started.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn a_lane_held_too_long_answers_in_flight_so_the_provider_retries() {
    let lock = InMemConversationLock::new();
    let held = lock
        .acquire(
            &framework::doc::key().storage_key(),
            Duration::from_secs(60),
            Duration::from_secs(1),
        )
        .await
        .unwrap();
    let svc = SessionLayer::new(InMemSessionStore::new(), lock.clone())
        .with_config(SessionConfig::default().with_lock_wait(Duration::from_secs(2)))
        .layer(counter());

    let response = call(&svc, framework::doc::text("hi")).await.unwrap();

    // Nothing ran and no apology: the webhook asks the provider to retry.
    assert_eq!(response.outcome(), framework::Outcome::InFlight);
    assert!(response.replies().is_empty());
    lock.release(&held).await.unwrap();
}

#[tokio::test]
async fn a_superseded_holder_runs_nothing_and_asks_for_a_retry() {
    // The session layer passes its lease's fencing token to the store; a
    // store that has seen a newer token refuses the load, and the turn does
    // not run (the webhook asks the provider to retry).
    let store = InMemSessionStore::new();
    let key = framework::doc::key().storage_key();
    store
        .load(&key, FencingToken::new(u64::MAX - 1))
        .await
        .unwrap();
    let svc = SessionLayer::new(store, InMemConversationLock::new()).layer(counter());

    let response = call(&svc, framework::doc::text("hi")).await.unwrap();

    assert_eq!(response.outcome(), framework::Outcome::InFlight);
    assert!(response.replies().is_empty(), "the handler did not run");
}

#[tokio::test(start_paused = true)]
async fn a_turn_longer_than_the_lease_keeps_its_lane() {
    // Regression (review finding 3): a 40 s turn lost its 30 s lease, so the
    // customer's next message ran beside it and the slow turn's save was
    // refused.
    let rec = Recorder::default();
    let svc = BoxCloneSyncService::new(
        SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
            .with_config(
                SessionConfig::default()
                    .with_lease_ttl(Duration::from_secs(30))
                    .with_lock_wait(Duration::from_secs(120)),
            )
            .layer(rec.service(Duration::from_secs(40))),
    );
    let slow = tokio::spawn({
        let svc = svc.clone();
        async move { svc.oneshot(framework::doc::text("slow")).await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let next = tokio::spawn({
        let svc = svc.clone();
        async move { svc.oneshot(framework::doc::text("next")).await }
    });
    slow.await.unwrap().unwrap();
    next.await.unwrap().unwrap();
    assert_eq!(rec.max_concurrent(), 1);
}

#[tokio::test]
async fn a_forever_ttl_is_a_long_time_not_a_panic() {
    // Regression (review finding 7): Duration::MAX overflowed `now + ttl`.
    let svc = SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
        .with_config(
            SessionConfig::default()
                .with_ttl(Duration::MAX)
                .with_lease_ttl(Duration::MAX)
                .with_lock_wait(Duration::MAX),
        )
        .layer(counter());
    assert_eq!(
        body(&call(&svc, framework::doc::text("a")).await.unwrap()),
        "1"
    );
    assert_eq!(
        body(&call(&svc, framework::doc::text("b")).await.unwrap()),
        "2"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stuck_turn_is_cancelled_and_frees_the_lane() {
    // Regression (second review, finding 1): with lease renewal, a handler
    // that never finished held its conversation's lane for ever.
    let svc = BoxCloneSyncService::new(
        SessionLayer::new(InMemSessionStore::new(), InMemConversationLock::new())
            .with_config(
                SessionConfig::default()
                    .with_max_turn(Duration::from_secs(20))
                    .with_lock_wait(Duration::from_secs(60)),
            )
            .layer(tower::service_fn(|msg: InboundMessage| async move {
                if msg.text() == Some("stuck") {
                    std::future::pending::<()>().await;
                }
                Ok::<_, BoxError>(Response::reply("fine"))
            })),
    );
    let stuck = tokio::spawn({
        let svc = svc.clone();
        async move { svc.oneshot(framework::doc::text("stuck")).await }
    });
    tokio::time::sleep(Duration::from_secs(1)).await;
    let next = svc.clone().oneshot(framework::doc::text("next")).await;

    let err = stuck.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("ran longer than"), "{err}");
    assert_eq!(next.unwrap().replies()[0].body(), Some("fine"));
}

/// A lock whose renewals take a minute (a slow store).
#[derive(Clone, Default)]
struct SlowExtend(InMemConversationLock);

impl ConversationLock for SlowExtend {
    async fn acquire(
        &self,
        key: &str,
        ttl: Duration,
        wait: Duration,
    ) -> Result<framework::session::Lease, framework::session::LockError> {
        self.0.acquire(key, ttl, wait).await
    }
    async fn extend(
        &self,
        lease: &framework::session::Lease,
        ttl: Duration,
    ) -> Result<(), framework::session::LockError> {
        tokio::time::sleep(Duration::from_secs(60)).await;
        self.0.extend(lease, ttl).await
    }
    async fn release(
        &self,
        lease: &framework::session::Lease,
    ) -> Result<(), framework::session::LockError> {
        self.0.release(lease).await
    }
}

#[tokio::test(start_paused = true)]
async fn a_slow_renewal_does_not_pause_the_turn() {
    // Regression (second review, finding 2): the turn was not polled while
    // its lease renewal waited for the store.
    let rec = Recorder::default();
    let svc = SessionLayer::new(InMemSessionStore::new(), SlowExtend::default())
        .with_config(SessionConfig::default().with_lease_ttl(Duration::from_secs(1)))
        .layer(rec.service(Duration::from_secs(2)));
    let started = tokio::time::Instant::now();
    call(&svc, framework::doc::text("hi")).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the turn took {:?}",
        started.elapsed()
    );
}

/// Records what happens, in order.
#[derive(Clone, Default)]
struct Events(std::sync::Arc<std::sync::Mutex<Vec<&'static str>>>);

impl Events {
    fn push(&self, e: &'static str) {
        self.0.lock().unwrap().push(e);
    }
    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

#[derive(Clone)]
struct RecordingStore(InMemSessionStore, Events);

impl SessionStore for RecordingStore {
    async fn load(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> Result<Option<Vec<u8>>, framework::session::SessionStoreError> {
        self.1.push("load");
        self.0.load(key, fence).await
    }
    async fn save(
        &self,
        key: &str,
        data: &[u8],
        ttl: Duration,
        fence: FencingToken,
    ) -> Result<(), framework::session::SessionStoreError> {
        self.1.push("save");
        self.0.save(key, data, ttl, fence).await
    }
    async fn remove(
        &self,
        key: &str,
        fence: FencingToken,
    ) -> Result<(), framework::session::SessionStoreError> {
        self.1.push("remove");
        self.0.remove(key, fence).await
    }
}

#[derive(Clone)]
struct RecordingLock(InMemConversationLock, Events);

impl ConversationLock for RecordingLock {
    async fn acquire(
        &self,
        key: &str,
        ttl: Duration,
        wait: Duration,
    ) -> Result<framework::session::Lease, framework::session::LockError> {
        self.1.push("acquire");
        self.0.acquire(key, ttl, wait).await
    }
    async fn extend(
        &self,
        lease: &framework::session::Lease,
        ttl: Duration,
    ) -> Result<(), framework::session::LockError> {
        self.0.extend(lease, ttl).await
    }
    async fn release(
        &self,
        lease: &framework::session::Lease,
    ) -> Result<(), framework::session::LockError> {
        self.1.push("release");
        self.0.release(lease).await
    }
}

/// Marks where a scope begins and ends, and whether it "committed".
#[derive(Clone)]
struct RecordingScope(Events);

impl framework::session::TurnScope for RecordingScope {
    fn run<F>(
        &self,
        _msg: &InboundMessage,
        turn: F,
    ) -> impl Future<Output = Result<Response, BoxError>> + Send + 'static + use<F>
    where
        F: Future<Output = Result<Response, BoxError>> + Send + 'static,
    {
        let events = self.0.clone();
        async move {
            events.push("scope begins");
            let result = turn.await;
            events.push(if result.is_ok() { "commit" } else { "rollback" });
            result
        }
    }
}

#[tokio::test]
async fn a_turn_scope_wraps_load_handler_and_save_inside_the_lane() {
    let events = Events::default();
    let handler_events = events.clone();
    let svc = SessionLayer::new(
        RecordingStore(InMemSessionStore::new(), events.clone()),
        RecordingLock(InMemConversationLock::new(), events.clone()),
    )
    .with_turn_scope(RecordingScope(events.clone()))
    .layer(service_fn(move |msg: InboundMessage| {
        let events = handler_events.clone();
        async move {
            events.push("handler");
            if msg.text() == Some("fail") {
                return Err::<Response, BoxError>("handler failed".into());
            }
            let session = msg
                .extensions()
                .get::<Session>()
                .cloned()
                .ok_or("no session")?;
            session.insert("seen", &true)?;
            Ok(Response::reply("ok"))
        }
    }));

    call(&svc, framework::doc::text("hi")).await.unwrap();
    assert_eq!(
        events.take(),
        [
            "acquire",
            "scope begins",
            "load",
            "handler",
            "save",
            "commit",
            "release"
        ],
        "the save is inside the unit, and the unit ends before the lane is freed"
    );

    assert!(call(&svc, framework::doc::text("fail")).await.is_err());
    assert_eq!(
        events.take(),
        [
            "acquire",
            "scope begins",
            "load",
            "handler",
            "rollback",
            "release"
        ],
        "a failed turn saves nothing and its unit does not commit"
    );
}
