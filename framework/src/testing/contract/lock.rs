use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::join_all;
use tokio::sync::Mutex;

use super::unique;
use crate::session::{ConversationLock, Lease, LockError};
use crate::testing::time::Clock;

const LONG: Duration = Duration::from_secs(30);

async fn acquire<L: ConversationLock>(lock: &L, key: &str, ttl: Duration, wait: Duration) -> Lease {
    match lock.acquire(key, ttl, wait).await {
        Ok(lease) => lease,
        Err(e) => panic!("acquire({key}) failed: {e:?}"),
    }
}

/// Checks a [`ConversationLock`] against the contract documented on the trait.
///
/// # Panics
///
/// Panics naming the first rule the lock breaks.
pub async fn conversation_lock<L: ConversationLock>(lock: L, clock: Clock) {
    // One holder at a time; release hands over with a larger token.
    let k = unique("lock-basic");
    let first = acquire(&lock, &k, LONG, LONG).await;
    let busy = lock.acquire(&k, LONG, Duration::from_millis(200)).await;
    assert!(
        matches!(busy, Err(LockError::Timeout { .. })),
        "a held lane cannot be taken, got {busy:?}"
    );
    let other = acquire(
        &lock,
        &unique("lock-other"),
        LONG,
        Duration::from_millis(200),
    )
    .await;
    lock.release(&other).await.expect("release");
    lock.release(&first).await.expect("release");
    let second = acquire(&lock, &k, LONG, Duration::from_millis(200)).await;
    assert!(
        second.token() > first.token(),
        "each grant has a larger fencing token ({:?} then {:?})",
        first.token(),
        second.token()
    );

    // Waiters are served in the order they asked.
    let order = Arc::new(Mutex::new(Vec::new()));
    let mut waiters = Vec::new();
    for i in 0..4 {
        let (lock, key, order) = (lock.clone(), k.clone(), Arc::clone(&order));
        waiters.push(tokio::spawn(async move {
            let lease = acquire(&lock, &key, LONG, LONG).await;
            order.lock().await.push(i);
            lock.release(&lease).await.expect("release");
        }));
        // Let this waiter queue up before the next one asks.
        clock.pass(Duration::from_millis(50)).await;
    }
    lock.release(&second).await.expect("release");
    for waiter in waiters {
        waiter.await.expect("waiter task");
    }
    assert_eq!(
        *order.lock().await,
        [0, 1, 2, 3],
        "waiters are served first come, first served"
    );

    // A lease that is never released expires, and the next waiter gets it.
    let k = unique("lock-expiry");
    let crashed = acquire(&lock, &k, Duration::from_millis(300), LONG).await;
    // (the holder "crashes": it never calls release)
    let next = acquire(&lock, &k, LONG, Duration::from_secs(5)).await;
    assert!(
        next.token() > crashed.token(),
        "the takeover has a larger token"
    );
    // The crashed holder coming back cannot release its successor's lease.
    lock.release(&crashed).await.expect("release");
    let busy = lock.acquire(&k, LONG, Duration::from_millis(200)).await;
    assert!(
        matches!(busy, Err(LockError::Timeout { .. })),
        "a superseded lease's release is a no-op, got {busy:?}"
    );
    lock.release(&next).await.expect("release");

    // A renewed lease outlives its first TTL; a superseded one cannot be renewed.
    let k = unique("lock-extend");
    let long_turn = acquire(&lock, &k, Duration::from_millis(400), LONG).await;
    clock.pass(Duration::from_millis(250)).await;
    lock.extend(&long_turn, Duration::from_millis(400))
        .await
        .expect("extend a held lease");
    clock.pass(Duration::from_millis(250)).await;
    let busy = lock.acquire(&k, LONG, Duration::from_millis(50)).await;
    assert!(
        matches!(busy, Err(LockError::Timeout { .. })),
        "an extended lease is still held after its first TTL, got {busy:?}"
    );
    clock.pass(Duration::from_millis(300)).await;
    let successor = acquire(&lock, &k, LONG, Duration::from_secs(5)).await;
    let lost = lock.extend(&long_turn, LONG).await;
    assert!(
        matches!(lost, Err(LockError::Lost)),
        "a superseded lease cannot be extended, got {lost:?}"
    );
    lock.release(&successor).await.expect("release");

    // A waiter that gives up, or is cancelled after it was granted the lane,
    // never blocks the waiters after it.
    let k = unique("lock-cancel");
    let holder = acquire(&lock, &k, LONG, LONG).await;
    let gave_up = lock.acquire(&k, LONG, Duration::from_millis(100)).await;
    assert!(
        matches!(gave_up, Err(LockError::Timeout { .. })),
        "{gave_up:?}"
    );
    let cancelled = tokio::spawn({
        let (lock, key) = (lock.clone(), k.clone());
        async move { acquire(&lock, &key, LONG, LONG).await }
    });
    clock.pass(Duration::from_millis(50)).await;
    let patient = tokio::spawn({
        let (lock, key) = (lock.clone(), k.clone());
        async move { acquire(&lock, &key, LONG, LONG).await }
    });
    clock.pass(Duration::from_millis(50)).await;
    // The lane goes to the first waiter, which is cancelled at that moment.
    lock.release(&holder).await.expect("release");
    cancelled.abort();
    let _ = cancelled.await;
    let granted = tokio::time::timeout(Duration::from_secs(5), patient).await;
    let lease = match granted {
        Ok(Ok(lease)) => lease,
        other => panic!("a cancelled waiter blocks the next one: {other:?}"),
    };
    lock.release(&lease).await.expect("release");

    // Under contention, never two holders at once, and nobody starves.
    let k = unique("lock-contention");
    let inside = Arc::new(AtomicUsize::new(0));
    let max_inside = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    join_all((0..20).map(|_| {
        let (lock, key) = (lock.clone(), k.clone());
        let (inside, max_inside, done) = (
            Arc::clone(&inside),
            Arc::clone(&max_inside),
            Arc::clone(&done),
        );
        async move {
            let lease = acquire(&lock, &key, LONG, Duration::from_secs(20)).await;
            let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
            max_inside.fetch_max(now, Ordering::SeqCst);
            tokio::task::yield_now().await;
            inside.fetch_sub(1, Ordering::SeqCst);
            lock.release(&lease).await.expect("release");
            done.fetch_add(1, Ordering::SeqCst);
        }
    }))
    .await;
    assert_eq!(
        max_inside.load(Ordering::SeqCst),
        1,
        "never two holders at once"
    );
    assert_eq!(
        done.load(Ordering::SeqCst),
        20,
        "every contender got the lane"
    );
}
