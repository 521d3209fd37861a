use std::time::Duration;

use super::unique;
use crate::session::{FencingToken, SessionStore, SessionStoreError};
use crate::testing::time::Clock;

const LONG: Duration = Duration::from_secs(60);

async fn load<S: SessionStore>(store: &S, key: &str, fence: u64) -> Option<Vec<u8>> {
    match store.load(key, FencingToken::new(fence)).await {
        Ok(data) => data,
        Err(e) => panic!("load({key}, {fence}) failed: {e:?}"),
    }
}

async fn save<S: SessionStore>(store: &S, key: &str, data: &[u8], ttl: Duration, fence: u64) {
    if let Err(e) = store.save(key, data, ttl, FencingToken::new(fence)).await {
        panic!("save({key}, {fence}) failed: {e:?}");
    }
}

/// Checks a [`SessionStore`] against the contract documented on the trait.
///
/// # Panics
///
/// Panics naming the first rule the store breaks.
pub async fn session_store<S: SessionStore>(store: S, clock: Clock) {
    // Missing, saved, overwritten, removed.
    let k = unique("session-basic");
    assert_eq!(load(&store, &k, 1).await, None, "a new key has no session");
    let bytes = b"{\"cart\":[\"cement\"],\"bin\":\"\xff\x00\"}".to_vec();
    save(&store, &k, &bytes, LONG, 1).await;
    assert_eq!(
        load(&store, &k, 1).await,
        Some(bytes),
        "load returns the saved bytes exactly"
    );
    save(&store, &k, b"{}", LONG, 1).await;
    assert_eq!(
        load(&store, &k, 1).await.as_deref(),
        Some(&b"{}"[..]),
        "save replaces"
    );
    store
        .remove(&k, FencingToken::new(1))
        .await
        .expect("remove");
    assert_eq!(load(&store, &k, 1).await, None, "remove deletes");

    // Keys are independent; large sessions fit.
    let a = unique("session-a");
    let b = unique("session-b");
    let big = vec![b'x'; 256 * 1024];
    save(&store, &a, &big, LONG, 1).await;
    save(&store, &b, b"b", LONG, 1).await;
    assert_eq!(
        load(&store, &a, 1).await,
        Some(big),
        "a 256 KiB session round-trips"
    );
    assert_eq!(
        load(&store, &b, 1).await.as_deref(),
        Some(&b"b"[..]),
        "keys are independent"
    );

    // Time to live, restarted by each save.
    let k = unique("session-ttl");
    save(&store, &k, b"1", Duration::from_millis(400), 1).await;
    clock.pass(Duration::from_millis(250)).await;
    assert!(
        load(&store, &k, 1).await.is_some(),
        "a session lives until its TTL"
    );
    save(&store, &k, b"2", Duration::from_millis(400), 1).await;
    clock.pass(Duration::from_millis(250)).await;
    assert_eq!(
        load(&store, &k, 1).await.as_deref(),
        Some(&b"2"[..]),
        "each save restarts the TTL"
    );
    clock.pass(Duration::from_millis(300)).await;
    assert_eq!(
        load(&store, &k, 1).await,
        None,
        "a session expires after its TTL"
    );

    // Fencing: a superseded holder can neither read nor write.
    let k = unique("session-fence");
    save(&store, &k, b"from 5", LONG, 5).await;
    let stale = store.save(&k, b"from 3", LONG, FencingToken::new(3)).await;
    assert!(
        matches!(stale, Err(SessionStoreError::Fenced { token, current }) if token.get() == 3 && current.get() == 5),
        "a save with an older token is refused, got {stale:?}"
    );
    let stale = store.load(&k, FencingToken::new(4)).await;
    assert!(
        matches!(stale, Err(SessionStoreError::Fenced { .. })),
        "a load with an older token is refused, got {stale:?}"
    );
    let stale = store.remove(&k, FencingToken::new(4)).await;
    assert!(
        matches!(stale, Err(SessionStoreError::Fenced { .. })),
        "a remove with an older token is refused, got {stale:?}"
    );
    assert_eq!(
        load(&store, &k, 5).await.as_deref(),
        Some(&b"from 5"[..]),
        "refused calls change nothing"
    );
    // A newer holder's load fences off the older one even before it writes.
    assert!(load(&store, &k, 6).await.is_some());
    let stale = store.save(&k, b"late 5", LONG, FencingToken::new(5)).await;
    assert!(
        matches!(stale, Err(SessionStoreError::Fenced { .. })),
        "after a newer holder loaded, the older one cannot save, got {stale:?}"
    );
    save(&store, &k, b"from 7", LONG, 7).await;
    assert_eq!(load(&store, &k, 7).await.as_deref(), Some(&b"from 7"[..]));

    // Fences outlive the session: after a remove or an expiry, an older
    // holder still cannot write.
    store
        .remove(&k, FencingToken::new(8))
        .await
        .expect("remove");
    let stale = store.save(&k, b"late 7", LONG, FencingToken::new(7)).await;
    assert!(
        matches!(stale, Err(SessionStoreError::Fenced { .. })),
        "a fence survives remove, got {stale:?}"
    );
    let k = unique("session-fence-expiry");
    save(&store, &k, b"from 9", Duration::from_millis(300), 9).await;
    clock.pass(Duration::from_millis(500)).await;
    let stale = store.save(&k, b"late 8", LONG, FencingToken::new(8)).await;
    assert!(
        matches!(stale, Err(SessionStoreError::Fenced { .. })),
        "a fence survives the session's expiry, got {stale:?}"
    );
}
