//! The [`HandoffRepository`] contract.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use crate::handoff::{
    Handoff, HandoffFilter, HandoffId, HandoffReason, HandoffRepository, HandoffStatus, Opened,
    ReleaseReason, ReplyNoted,
};
use crate::shared::CustomerPhone;

use super::phone;

/// A pinned time: every time of the contract is this plus a few ms.
const T: i64 = 1_700_000_000_000;

/// How many callers race for one customer.
const RACERS: usize = 16;

/// Polls every future of `futures` until all are done, in one task, so
/// their statements are in flight at once (each on its own connection when
/// the store has a pool); the outputs come in the futures' order.
async fn join_all<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: Future,
{
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

fn ids(handoffs: &[Handoff]) -> Vec<HandoffId> {
    handoffs.iter().map(|h| h.id).collect()
}

async fn new<R>(repo: &R, customer: &CustomerPhone, reason: &HandoffReason, at_ms: i64) -> Handoff
where
    R: HandoffRepository,
{
    match repo.open(customer, reason, at_ms).await.unwrap() {
        Opened::New(handoff) => handoff,
        Opened::AlreadyOpen(h) => panic!("no handoff was open, yet open found {h:?}"),
    }
}

/// Checks a FRESH, EMPTY [`HandoffRepository`]: a handoff opens waiting,
/// stamped as [`Handoff::opened`] says, and reads back field for field; at
/// most one open per customer, however many callers open at once; an
/// operator's first reply activates it, once; a release happens once and
/// keeps the handoff as history; idle handoffs (every activity before the
/// cutoff) are released once, at a pinned time; lists come by id, paged
/// after an id, filtered by status; a customer's history newest first.
///
/// # Panics
///
/// When the repository breaks a rule; the message names it.
pub async fn handoff_repository<R>(repo: R)
where
    R: HandoffRepository,
{
    let ravi = phone("+919812345678");
    let asha = phone("+919800000001");
    let mona = phone("+14155550100");

    // Nothing is open at first, and nothing but open changes that.
    assert_eq!(repo.open_for(&ravi).await.unwrap(), None, "none at first");
    assert!(
        !repo.customer_wrote(&ravi, T).await.unwrap(),
        "customer_wrote without an open handoff is false"
    );
    assert_eq!(
        repo.operator_replied(&ravi, "Asha", T).await.unwrap(),
        ReplyNoted::NotOpen,
        "a reply without an open handoff is NotOpen"
    );
    assert_eq!(
        repo.release(&ravi, ReleaseReason::ByOperator, T)
            .await
            .unwrap(),
        None,
        "releasing without an open handoff releases nothing"
    );
    assert!(
        repo.list(HandoffFilter::All, None, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Opened: waiting, stamped, the reason (and its question) round-trips.
    let offered = HandoffReason::Offered {
        question: "क्या GST बिल मिलेगा? It's \"urgent\"; 100% sure".to_owned(),
    };
    let first = new(&repo, &ravi, &offered, T).await;
    assert_eq!(
        first,
        Handoff::opened(first.id, ravi.clone(), offered.clone(), T),
        "an opened handoff waits, stamped at its opening"
    );
    assert_eq!(
        repo.open_for(&ravi).await.unwrap().as_ref(),
        Some(&first),
        "the open handoff reads back as opened"
    );
    assert_eq!(
        repo.open(&ravi, &HandoffReason::CustomerAsked, T + 10)
            .await
            .unwrap(),
        Opened::AlreadyOpen(first.clone()),
        "opening again returns the open handoff, unchanged"
    );

    // The customer writes; an operator replies, activating it once.
    assert!(repo.customer_wrote(&ravi, T + 100).await.unwrap());
    assert!(
        !repo.customer_wrote(&asha, T + 100).await.unwrap(),
        "handoffs are per customer"
    );
    let written = first.clone().with_customer_message(T + 100);
    assert_eq!(
        repo.open_for(&ravi).await.unwrap().as_ref(),
        Some(&written),
        "customer_wrote sets the customer's last message time"
    );
    assert_eq!(
        repo.operator_replied(&ravi, "Asha", T + 200).await.unwrap(),
        ReplyNoted::Activated(written.clone().with_operator_reply("Asha", T + 200)),
        "the first reply activates a waiting handoff"
    );
    let ravi_now = written
        .with_operator_reply("Asha", T + 200)
        .with_operator_reply("Mohan", T + 300);
    assert_eq!(
        repo.operator_replied(&ravi, "Mohan", T + 300)
            .await
            .unwrap(),
        ReplyNoted::Continued(ravi_now.clone()),
        "a later reply updates the time and the operator"
    );
    assert_eq!(
        repo.open_for(&ravi).await.unwrap().as_ref(),
        Some(&ravi_now)
    );

    // Lists: by id, filtered, paged after an id.
    let asha_1 = new(&repo, &asha, &HandoffReason::CustomerAsked, T + 400).await;
    let mona_1 = new(&repo, &mona, &HandoffReason::CustomerAsked, T + 500).await;
    assert!(
        first.id < asha_1.id && asha_1.id < mona_1.id,
        "ids grow in the order handoffs open"
    );
    let list = |filter, after, limit| {
        let repo = repo.clone();
        async move { repo.list(filter, after, limit).await.unwrap() }
    };
    assert_eq!(
        list(HandoffFilter::Open, None, 10).await,
        [ravi_now.clone(), asha_1.clone(), mona_1.clone()],
        "open handoffs, oldest first"
    );
    assert_eq!(
        ids(&list(HandoffFilter::Waiting, None, 10).await),
        [asha_1.id, mona_1.id],
        "waiting: no operator reply yet"
    );
    assert_eq!(
        ids(&list(HandoffFilter::Active, None, 10).await),
        [first.id],
        "active: an operator replied"
    );
    assert_eq!(
        ids(&list(HandoffFilter::Open, None, 2).await),
        [first.id, asha_1.id],
        "a page holds `limit`"
    );
    assert_eq!(
        ids(&list(HandoffFilter::Open, Some(asha_1.id), 2).await),
        [mona_1.id],
        "the next page starts after the id given"
    );
    assert!(
        list(HandoffFilter::Open, Some(mona_1.id), 10)
            .await
            .is_empty()
    );

    // Released once, kept as history; a new handoff is a new one.
    let released = mona_1.clone().released(ReleaseReason::ByCustomer, T + 600);
    assert_eq!(
        repo.release(&mona, ReleaseReason::ByCustomer, T + 600)
            .await
            .unwrap()
            .as_ref(),
        Some(&released),
        "release returns the handoff released, with its reason and time"
    );
    assert_eq!(
        repo.release(&mona, ReleaseReason::ByOperator, T + 650)
            .await
            .unwrap(),
        None,
        "a second release releases nothing"
    );
    assert_eq!(
        repo.open_for(&mona).await.unwrap(),
        None,
        "released: not open"
    );
    assert!(!repo.customer_wrote(&mona, T + 660).await.unwrap());
    assert_eq!(
        repo.operator_replied(&mona, "Asha", T + 660).await.unwrap(),
        ReplyNoted::NotOpen,
        "a released handoff takes no reply"
    );
    assert_eq!(
        ids(&list(HandoffFilter::Open, None, 10).await),
        [first.id, asha_1.id]
    );
    assert_eq!(
        list(HandoffFilter::All, None, 10).await,
        [ravi_now.clone(), asha_1.clone(), released.clone()],
        "all: released ones too, as released"
    );
    let mona_2 = new(&repo, &mona, &HandoffReason::CustomerAsked, T + 700).await;
    assert!(mona_2.id > mona_1.id, "reopening opens a new handoff");
    assert_eq!(
        repo.history(&mona, 10).await.unwrap(),
        [mona_2.clone(), released.clone()],
        "a customer's history, newest first"
    );
    assert_eq!(ids(&repo.history(&mona, 1).await.unwrap()), [mona_2.id]);
    assert!(
        repo.history(&phone("+447700900001"), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Idle, at a pinned time: every activity strictly before the cutoff.
    // ravi: last activity T+300 (a reply); asha: T+450 (a message); mona:
    // T+700 (opened).
    assert!(repo.customer_wrote(&asha, T + 450).await.unwrap());
    let idle = repo.release_idle(T + 450, T + 1_000).await.unwrap();
    assert_eq!(
        idle,
        [ravi_now.clone().released(ReleaseReason::Idle, T + 1_000)],
        "only handoffs idle before the cutoff are released (activity at the cutoff keeps one)"
    );
    assert!(
        repo.release_idle(T + 450, T + 1_001)
            .await
            .unwrap()
            .is_empty(),
        "an idle handoff is released once"
    );
    assert_eq!(
        ids(&repo.release_idle(T + 701, T + 1_002).await.unwrap()),
        [asha_1.id, mona_2.id],
        "released by id"
    );
    assert!(list(HandoffFilter::Open, None, 10).await.is_empty());

    // A recent reply, or a recent message, keeps an old handoff.
    let ravi_2 = new(&repo, &ravi, &HandoffReason::CustomerAsked, T + 2_000).await;
    new(&repo, &asha, &HandoffReason::CustomerAsked, T + 2_000).await;
    repo.operator_replied(&ravi, "Asha", T + 3_000)
        .await
        .unwrap();
    repo.customer_wrote(&asha, T + 3_000).await.unwrap();
    assert!(
        repo.release_idle(T + 2_500, T + 3_100)
            .await
            .unwrap()
            .is_empty(),
        "the last operator reply and the last customer message count as activity"
    );
    assert_eq!(
        repo.release_idle(T + 3_001, T + 3_200).await.unwrap().len(),
        2
    );
    assert_eq!(
        repo.history(&ravi, 10).await.unwrap()[0],
        ravi_2
            .with_operator_reply("Asha", T + 3_000)
            .released(ReleaseReason::Idle, T + 3_200)
    );

    races(&repo).await;
}

/// Many callers at once for one customer: one handoff opens, one reply
/// activates it, one release releases it.
async fn races<R>(repo: &R)
where
    R: HandoffRepository,
{
    let customer = phone("+919811111111");
    let opens = (0..RACERS).map(|i| {
        let (repo, customer) = (repo.clone(), customer.clone());
        async move {
            let at = T + 10_000 + i64::try_from(i).unwrap();
            repo.open(&customer, &HandoffReason::CustomerAsked, at)
                .await
                .unwrap()
        }
    });
    let opened = join_all(opens.collect()).await;
    let new: Vec<&Handoff> = opened
        .iter()
        .filter(|o| o.is_new())
        .map(Opened::handoff)
        .collect();
    assert_eq!(
        new.len(),
        1,
        "{RACERS} opens at once for one customer open exactly one handoff"
    );
    assert!(
        opened.iter().all(|o| o.handoff() == new[0]),
        "every other open returns the one opened"
    );
    assert_eq!(
        repo.history(&customer, 100).await.unwrap().len(),
        1,
        "one row for the customer"
    );

    let replies = (0..RACERS).map(|i| {
        let (repo, customer) = (repo.clone(), customer.clone());
        async move {
            repo.operator_replied(&customer, &format!("op-{i}"), T + 20_000)
                .await
                .unwrap()
        }
    });
    let replied = join_all(replies.collect()).await;
    assert_eq!(
        replied
            .iter()
            .filter(|r| matches!(r, ReplyNoted::Activated(_)))
            .count(),
        1,
        "one of the replies at once activates the handoff"
    );
    assert!(replied.iter().all(|r| {
        r.handoff()
            .is_some_and(|h| h.status == HandoffStatus::Active)
    }));

    let releases = (0..RACERS).map(|_| {
        let (repo, customer) = (repo.clone(), customer.clone());
        async move {
            repo.release(&customer, ReleaseReason::ByOperator, T + 30_000)
                .await
                .unwrap()
        }
    });
    let released = join_all(releases.collect()).await;
    assert_eq!(
        released.iter().filter(|r| r.is_some()).count(),
        1,
        "of releases at once, exactly one releases"
    );
    assert_eq!(repo.open_for(&customer).await.unwrap(), None);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::handoff::InMemHandoffRepository;

    #[tokio::test]
    async fn the_in_memory_repository_passes() {
        handoff_repository(InMemHandoffRepository::new()).await;
    }

    #[tokio::test]
    #[should_panic(expected = "opening again returns the open handoff")]
    async fn rejects_two_open_handoffs_for_one_customer() {
        let repo = InMemHandoffRepository::new();
        repo.sabotage_open_twice();
        handoff_repository(repo).await;
    }
}
