use std::time::Duration;

use futures_util::future::join_all;

use super::unique;
use crate::dedup::{Claim, ClaimToken, SeenStore};
use crate::testing::time::Clock;

const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_millis(300);
const PAST_SHORT: Duration = Duration::from_millis(500);

async fn claim<S: SeenStore>(store: &S, key: &str, ttl: Duration) -> Claim {
    match store.claim(key, ttl).await {
        Ok(claim) => claim,
        Err(e) => panic!("claim({key}) failed: {e:?}"),
    }
}

async fn renew<S: SeenStore>(store: &S, key: &str, token: &ClaimToken, ttl: Duration) -> bool {
    match store.renew(key, token, ttl).await {
        Ok(renewed) => renewed,
        Err(e) => panic!("renew({key}) failed: {e:?}"),
    }
}

async fn claimed<S: SeenStore>(store: &S, key: &str, ttl: Duration, rule: &str) -> ClaimToken {
    match claim(store, key, ttl).await {
        Claim::Claimed(token) => token,
        other => panic!("{rule}: expected Claimed, got {other:?}"),
    }
}

/// Checks a [`SeenStore`] against the contract documented on the trait.
///
/// # Panics
///
/// Panics naming the first rule the store breaks.
pub async fn seen_store<S: SeenStore>(store: S, clock: Clock) {
    // A fresh key is claimed; the same key is then in flight.
    let k = unique("seen-basic");
    let token = claimed(&store, &k, LONG, "a fresh key is claimable").await;
    assert_eq!(
        claim(&store, &k, LONG).await,
        Claim::InFlight,
        "a claimed key answers InFlight"
    );

    // Completed keys answer Done, and release cannot undo that.
    store.complete(&k, &token, LONG).await.expect("complete");
    assert_eq!(
        claim(&store, &k, LONG).await,
        Claim::Done,
        "a completed key answers Done"
    );
    store.release(&k, &token).await.expect("release");
    assert_eq!(
        claim(&store, &k, LONG).await,
        Claim::Done,
        "release never frees a done key"
    );

    // Only the claim's own token releases it.
    let k = unique("seen-release");
    let token = claimed(&store, &k, LONG, "a fresh key is claimable").await;
    store
        .release(&k, &ClaimToken::new("not-the-token"))
        .await
        .expect("release");
    assert_eq!(
        claim(&store, &k, LONG).await,
        Claim::InFlight,
        "release with another token is a no-op"
    );
    store.release(&k, &token).await.expect("release");
    claimed(&store, &k, LONG, "a released key is claimable again").await;

    // Keys are independent.
    let other = unique("seen-other");
    claimed(&store, &other, LONG, "keys are independent").await;

    // An in-flight claim expires (its holder is presumed dead).
    let k = unique("seen-inflight-ttl");
    claimed(
        &store,
        &k,
        Duration::from_secs(2),
        "a fresh key is claimable",
    )
    .await;
    clock.pass(Duration::from_millis(300)).await;
    assert_eq!(
        claim(&store, &k, LONG).await,
        Claim::InFlight,
        "a claim holds until its TTL"
    );
    let k = unique("seen-inflight-expiry");
    claimed(&store, &k, SHORT, "a fresh key is claimable").await;
    clock.pass(PAST_SHORT).await;
    claimed(
        &store,
        &k,
        LONG,
        "an expired in-flight claim can be claimed again",
    )
    .await;

    // A renewed claim outlives its first TTL; only its holder renews it.
    let k = unique("seen-renew");
    let token = claimed(&store, &k, SHORT, "a fresh key is claimable").await;
    assert!(
        !renew(&store, &k, &ClaimToken::new("not-the-token"), LONG).await,
        "renew with another token answers false"
    );
    assert!(
        renew(&store, &k, &token, LONG).await,
        "the holder renews its claim"
    );
    clock.pass(PAST_SHORT).await;
    assert_eq!(
        claim(&store, &k, LONG).await,
        Claim::InFlight,
        "a renewed claim holds past its first TTL"
    );
    store.complete(&k, &token, LONG).await.expect("complete");
    assert!(
        !renew(&store, &k, &token, LONG).await,
        "a completed key is not renewed"
    );
    let k = unique("seen-renew-expired");
    let token = claimed(&store, &k, SHORT, "a fresh key is claimable").await;
    clock.pass(PAST_SHORT).await;
    assert!(
        !renew(&store, &k, &token, LONG).await,
        "an expired claim is not renewed"
    );
    let taken = claimed(&store, &k, LONG, "an expired claim is claimable").await;
    assert!(
        !renew(&store, &k, &token, LONG).await,
        "a claim taken over is not renewed by its first holder"
    );
    assert!(
        renew(&store, &k, &taken, LONG).await,
        "its new holder renews it"
    );
    store.release(&k, &taken).await.expect("release");
    assert!(
        !renew(&store, &k, &taken, LONG).await,
        "a released claim is not renewed"
    );

    // A done key expires after its TTL.
    let k = unique("seen-done-ttl");
    let token = claimed(&store, &k, LONG, "a fresh key is claimable").await;
    store.complete(&k, &token, SHORT).await.expect("complete");
    clock.pass(PAST_SHORT).await;
    claimed(&store, &k, LONG, "a done key is forgotten after its TTL").await;

    // Of many concurrent claims, exactly one wins.
    let k = unique("seen-race");
    let claims = join_all((0..50).map(|_| claim(&store, &k, LONG))).await;
    let winners = claims
        .iter()
        .filter(|c| matches!(c, Claim::Claimed(_)))
        .count();
    assert_eq!(
        winners, 1,
        "exactly one of 50 concurrent claims wins: {claims:?}"
    );
}
