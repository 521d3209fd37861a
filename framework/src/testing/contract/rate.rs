use std::time::Duration;

use futures_util::future::join_all;

use super::unique;
use crate::rate_limit::{Quota, RateDecision, RateStore};
use crate::testing::time::Clock;

async fn check<S: RateStore>(store: &S, key: &str, quota: &Quota) -> RateDecision {
    match store.check(key, quota).await {
        Ok(decision) => decision,
        Err(e) => panic!("check({key}) failed: {e:?}"),
    }
}

/// Checks a [`RateStore`] against the contract documented on the trait.
///
/// # Panics
///
/// Panics naming the first rule the store breaks.
pub async fn rate_store<S: RateStore>(store: S, clock: Clock) {
    // 5 per second: a burst of 5, then one every 200 ms.
    let quota = Quota::new(5, Duration::from_secs(1));
    let k = unique("rate-burst");
    for i in 0..5 {
        assert_eq!(
            check(&store, &k, &quota).await,
            RateDecision::Allowed,
            "message {i} of a burst within the limit is allowed"
        );
    }
    let RateDecision::Limited {
        retry_after,
        notify,
    } = check(&store, &k, &quota).await
    else {
        panic!("the message after the burst is limited");
    };
    assert!(notify, "the first limited message asks for the notice");
    assert!(
        retry_after > Duration::ZERO && retry_after <= Duration::from_millis(250),
        "retry_after is at most one interval (200 ms), got {retry_after:?}"
    );
    assert!(
        matches!(
            check(&store, &k, &quota).await,
            RateDecision::Limited { notify: false, .. }
        ),
        "the notice is sent once per window"
    );

    // Other keys have their own budget.
    let other = unique("rate-other");
    assert_eq!(
        check(&store, &other, &quota).await,
        RateDecision::Allowed,
        "keys are independent"
    );

    // One interval later, one more message fits; the notice window still holds.
    clock.pass(retry_after + Duration::from_millis(60)).await;
    assert_eq!(
        check(&store, &k, &quota).await,
        RateDecision::Allowed,
        "after retry_after one more message is allowed"
    );
    assert!(
        matches!(
            check(&store, &k, &quota).await,
            RateDecision::Limited { notify: false, .. }
        ),
        "no second notice within the window"
    );

    // After a whole period the budget and the notice are back.
    clock.pass(Duration::from_millis(1100)).await;
    for i in 0..5 {
        assert_eq!(
            check(&store, &k, &quota).await,
            RateDecision::Allowed,
            "after a quiet period the whole burst ({i}) is allowed again"
        );
    }
    assert!(
        matches!(
            check(&store, &k, &quota).await,
            RateDecision::Limited { notify: true, .. }
        ),
        "a new window gets a new notice"
    );

    // Concurrent checks never allow more than the quota.
    let quota = Quota::new(10, Duration::from_secs(600));
    let k = unique("rate-race");
    let decisions = join_all((0..40).map(|_| check(&store, &k, &quota))).await;
    let allowed = decisions
        .iter()
        .filter(|d| **d == RateDecision::Allowed)
        .count();
    assert_eq!(
        allowed, 10,
        "exactly 10 of 40 concurrent checks are allowed"
    );
    let notices = decisions
        .iter()
        .filter(|d| matches!(d, RateDecision::Limited { notify: true, .. }))
        .count();
    assert_eq!(
        notices, 1,
        "exactly one concurrent limited check gets the notice"
    );
}
