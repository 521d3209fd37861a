//! Two "instances" (separate connections, as separate processes would have)
//! sharing one key prefix behave as one bot.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use framework::dedup::{Claim, SeenStore};
use framework::rate_limit::{Quota, RateDecision, RateStore};
use framework::session::{
    ConversationLock, FencingToken, LockError, SessionStore, SessionStoreError,
};
use futures_util::future::join_all;

use crate::support::TestRedis;

const LONG: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_claims_across_instances_have_one_winner() {
    let redis = TestRedis::new().await;
    let stores = [redis.a.seen_store(), redis.b.seen_store()];

    // Act: the same webhook 50 times at once, spread over both instances.
    let claims = join_all((0..50).map(|i| {
        let store = stores[i % 2].clone();
        tokio::spawn(async move { (i, store.claim("wamid.race", LONG).await.unwrap()) })
    }))
    .await;

    // Assert: one claim wins, the others see it in flight.
    let claims: Vec<_> = claims.into_iter().map(Result::unwrap).collect();
    let winners: Vec<_> = claims
        .iter()
        .filter_map(|(i, c)| match c {
            Claim::Claimed(token) => Some((*i, token.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(winners.len(), 1, "exactly one winner: {claims:?}");
    assert!(
        claims
            .iter()
            .all(|(_, c)| matches!(c, Claim::Claimed(_) | Claim::InFlight)),
        "{claims:?}"
    );
    let (winner, token) = winners.into_iter().next().unwrap();
    stores[winner % 2]
        .complete("wamid.race", &token, Duration::from_secs(7 * 86_400))
        .await
        .unwrap();
    for store in &stores {
        assert_eq!(
            store.claim("wamid.race", LONG).await.unwrap(),
            Claim::Done,
            "both instances see the message done"
        );
    }
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limit_holds_across_instances() {
    let redis = TestRedis::new().await;
    let stores = [redis.a.rate_store(), redis.b.rate_store()];
    let quota = Quota::new(10, Duration::from_secs(600));

    // One customer's messages alternate between the instances.
    let mut allowed = [0, 0];
    let mut notices = 0;
    for i in 0..40 {
        match stores[i % 2]
            .check("whatsapp:+15550001", &quota)
            .await
            .unwrap()
        {
            RateDecision::Allowed => allowed[i % 2] += 1,
            RateDecision::Limited { notify, .. } => notices += usize::from(notify),
        }
    }
    assert_eq!(allowed, [5, 5], "10 in total, not 10 per instance");
    assert_eq!(notices, 1, "one notice in total");

    // At once, too.
    let decisions = join_all((0..40).map(|i| {
        let store = stores[i % 2].clone();
        tokio::spawn(async move { store.check("whatsapp:+15550002", &quota).await.unwrap() })
    }))
    .await;
    let allowed = decisions
        .iter()
        .filter(|d| matches!(d, Ok(RateDecision::Allowed)))
        .count();
    assert_eq!(allowed, 10, "10 of 40 concurrent checks across instances");
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_grants_in_arrival_order_across_instances() {
    let redis = TestRedis::new().await;
    let locks = [redis.a.conversation_lock(), redis.b.conversation_lock()];
    let key = "whatsapp:+15550003";
    let holder = locks[0].acquire(key, LONG, LONG).await.unwrap();

    // Arrange: 20 turns ask for the lane in a known order, alternating
    // instances, while it is held.
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    let grants = Arc::new(Mutex::new(Vec::new()));
    let mut turns = Vec::new();
    for i in 0..20 {
        let lock = locks[i % 2].clone();
        let (inside, max_inside, grants) = (
            Arc::clone(&inside),
            Arc::clone(&max_inside),
            Arc::clone(&grants),
        );
        turns.push(tokio::spawn(async move {
            let lease = lock.acquire(key, LONG, LONG).await.unwrap();
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            max_inside.fetch_max(now, Ordering::SeqCst);
            grants.lock().unwrap().push((i, lease.token()));
            tokio::time::sleep(Duration::from_millis(2)).await;
            inside.fetch_sub(1, Ordering::SeqCst);
            lock.release(&lease).await.unwrap();
        }));
        // Let this turn queue up before the next one asks (on a loaded
        // machine a fixed stagger may not be enough, so watch the queue).
        redis.wait_for_queue(key, i + 1).await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }

    // Act
    locks[0].release(&holder).await.unwrap();
    for turn in turns {
        turn.await.unwrap();
    }

    // Assert
    let grants = grants.lock().unwrap().clone();
    let order: Vec<usize> = grants.iter().map(|(i, _)| *i).collect();
    assert_eq!(
        order,
        (0..20).collect::<Vec<_>>(),
        "granted in arrival order"
    );
    let tokens: Vec<FencingToken> = grants.iter().map(|(_, t)| *t).collect();
    assert!(tokens[0] > holder.token(), "{tokens:?}");
    assert!(
        tokens.windows(2).all(|w| w[0] < w[1]),
        "tokens strictly increase: {tokens:?}"
    );
    assert_eq!(
        max_inside.load(Ordering::SeqCst),
        1,
        "never two holders at once"
    );
    // The lane leaves only its counter behind.
    for kind in ["lock", "lockq", "lockw"] {
        assert!(
            !redis
                .exists(&format!("{}:{kind}:{key}", redis.prefix))
                .await,
            "{kind} is gone once the lane is idle"
        );
    }
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_holder_loses_the_lane_and_its_writes_are_fenced() {
    let redis = TestRedis::new().await;
    let (lock_a, lock_b) = (redis.a.conversation_lock(), redis.b.conversation_lock());
    let (sessions_a, sessions_b) = (redis.a.session_store(), redis.b.session_store());
    let key = "whatsapp:+15550004";
    let day = Duration::from_secs(86_400);

    // Arrange: instance a takes the lane, writes, and "crashes" (it stalls
    // and never releases).
    let crashed = lock_a
        .acquire(key, Duration::from_secs(1), LONG)
        .await
        .unwrap();
    sessions_a
        .save(key, b"from a", day, crashed.token())
        .await
        .unwrap();
    let busy = lock_b.acquire(key, LONG, Duration::from_millis(50)).await;
    assert!(
        matches!(busy, Err(LockError::Timeout { .. })),
        "the lease holds until its TTL: {busy:?}"
    );

    // Act: instance b's turn gets the lane once the lease expired.
    let next = lock_b
        .acquire(key, LONG, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        next.token() > crashed.token(),
        "the takeover has a larger token"
    );
    assert_eq!(
        sessions_b.load(key, next.token()).await.unwrap().as_deref(),
        Some(&b"from a"[..])
    );
    sessions_b
        .save(key, b"from b", day, next.token())
        .await
        .unwrap();

    // Assert: the stale holder comes back and is refused everywhere.
    let stale = sessions_a.save(key, b"late a", day, crashed.token()).await;
    assert!(
        matches!(stale, Err(SessionStoreError::Fenced { token, current })
            if token == crashed.token() && current == next.token()),
        "the stale holder's save is refused: {stale:?}"
    );
    let lost = lock_a.extend(&crashed, LONG).await;
    assert!(matches!(lost, Err(LockError::Lost)), "{lost:?}");
    lock_a.release(&crashed).await.unwrap();
    let busy = lock_a.acquire(key, LONG, Duration::from_millis(100)).await;
    assert!(
        matches!(busy, Err(LockError::Timeout { .. })),
        "the stale release freed nothing: {busy:?}"
    );
    assert_eq!(
        sessions_a.load(key, next.token()).await.unwrap().as_deref(),
        Some(&b"from b"[..]),
        "the refused save changed nothing"
    );
    lock_b.release(&next).await.unwrap();
    redis.cleanup().await;
}

// A waiter whose process dies stops polling without leaving the queue: its
// place lapses and the waiters after it get the lane.
#[allow(clippy::mem_forget)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crashed_waiter_does_not_block_the_lane() {
    let redis = TestRedis::new().await;
    let (lock_a, lock_b) = (redis.a.conversation_lock(), redis.b.conversation_lock());
    let key = "whatsapp:+15550005";
    let holder = lock_a.acquire(key, LONG, LONG).await.unwrap();

    // Arrange: a waiter on instance b queues up, then its process "dies":
    // its future is neither polled nor dropped again.
    let mut ghost = Box::pin(lock_b.acquire(key, LONG, LONG));
    assert!(
        tokio::time::timeout(Duration::from_millis(100), &mut ghost)
            .await
            .is_err()
    );
    std::mem::forget(ghost);
    let patient = tokio::spawn({
        let lock = lock_a.clone();
        async move { lock.acquire(key, LONG, Duration::from_secs(20)).await }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;

    // Act
    lock_a.release(&holder).await.unwrap();

    // Assert
    let lease = tokio::time::timeout(Duration::from_secs(15), patient)
        .await
        .expect("the dead waiter's place lapses")
        .unwrap()
        .unwrap();
    assert!(lease.token() > holder.token());
    lock_a.release(&lease).await.unwrap();
    redis.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_follow_the_documented_layout() {
    let redis = TestRedis::new().await;
    let p = redis.prefix.clone();
    let day = Duration::from_secs(86_400);

    // Dedup: `{prefix}:seen:{id}`, kept for the dedup TTL once done.
    let seen = redis.a.seen_store();
    let Claim::Claimed(token) = seen.claim("wamid.9", LONG).await.unwrap() else {
        panic!("a fresh id is claimable");
    };
    seen.complete("wamid.9", &token, 7 * day).await.unwrap();
    assert_eq!(
        redis.get(&format!("{p}:seen:wamid.9")).await.as_deref(),
        Some("done")
    );
    let ttl = redis.pttl(&format!("{p}:seen:wamid.9")).await;
    assert!(ttl > 6 * day && ttl <= 7 * day, "{ttl:?}");

    // Sessions: the bytes for their TTL, the fence an hour longer.
    let sessions = redis.a.session_store();
    sessions
        .save("c1", b"{}", day, FencingToken::new(5))
        .await
        .unwrap();
    let data = redis.pttl(&format!("{p}:session:c1")).await;
    let fence = redis.pttl(&format!("{p}:fence:c1")).await;
    assert!(
        data > day - Duration::from_secs(60) && data <= day,
        "{data:?}"
    );
    assert!(
        fence >= data + Duration::from_secs(3590),
        "{fence:?} vs {data:?}"
    );
    assert_eq!(
        redis.get(&format!("{p}:fence:c1")).await.as_deref(),
        Some("5")
    );

    // Rate limit: a cell that expires once it no longer limits.
    let rate = redis.a.rate_store();
    rate.check("c1", &Quota::new(2, Duration::from_secs(60)))
        .await
        .unwrap();
    let cell = redis.pttl(&format!("{p}:rate:c1")).await;
    assert!(
        cell > Duration::ZERO && cell <= Duration::from_secs(31),
        "{cell:?}"
    );

    // Lock: the lease with its token, the counter kept for 30 days.
    let lock = redis.a.conversation_lock();
    let lease = lock.acquire("c1", LONG, LONG).await.unwrap();
    let mut conn = redis.a.manager().clone();
    let held: String = redis::cmd("HGET")
        .arg(format!("{p}:lock:c1"))
        .arg("token")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(held, lease.token().to_string());
    let counter = redis.pttl(&format!("{p}:lockseq:c1")).await;
    assert!(counter > 29 * day && counter <= 30 * day, "{counter:?}");
    lock.release(&lease).await.unwrap();
    assert!(
        !redis.exists(&format!("{p}:lock:c1")).await,
        "release deletes the lease"
    );
    redis.cleanup().await;
    assert_eq!(
        redis.key_count().await,
        0,
        "cleanup deletes every key of the prefix"
    );
}

// A turn cancelled at the very moment its waiter is granted the lane (the
// release and the cancellation race) gives the lane back at once; many lanes
// at a time, so the race is actually hit. As in the contract suite, the
// release and the cancellation come from one task on one thread and one
// connection, so the cancellation is ordered after the grant's reply.
// (Across connections it is not: a waiter may see its grant before the
// releasing task sees its release done, and then legitimately holds the
// lease.)
#[tokio::test(flavor = "current_thread")]
async fn a_waiter_cancelled_as_it_is_granted_gives_the_lane_back() {
    let redis = TestRedis::new().await;
    let lock = redis.a.conversation_lock();
    for round in 0..30 {
        let keys: Vec<String> = (0..20).map(|k| format!("c{round}-{k}")).collect();
        let mut holders = Vec::new();
        for key in &keys {
            holders.push(lock.acquire(key, LONG, LONG).await.unwrap());
        }
        let waiters: Vec<_> = keys
            .iter()
            .map(|key| {
                let (lock, key) = (lock.clone(), key.clone());
                tokio::spawn(async move { lock.acquire(&key, LONG, LONG).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(30)).await;

        // Act: each lane is released and its waiter cancelled right away.
        for (holder, waiter) in holders.iter().zip(&waiters) {
            lock.release(holder).await.unwrap();
            waiter.abort();
        }
        for waiter in waiters {
            let _ = waiter.await;
        }

        // Assert
        for key in &keys {
            let next = lock.acquire(key, LONG, Duration::from_secs(2)).await;
            assert!(
                next.is_ok(),
                "round {round}: {key} was left blocked: {next:?}"
            );
        }
    }
    redis.cleanup().await;
}
