//! [`HandoffService`]: opening, noting and releasing handoffs, and the
//! operators' lists. The only place with handoff business logic.

use super::commands::{
    NoteCustomerMessage, NoteOperatorReply, OpenHandoff, ReleaseHandoff, ReleaseIdle,
};
use super::domain::{
    Handoff, HandoffReason, MAX_OPERATOR_CHARS, MAX_QUESTION_CHARS, Opened, Released, ReplyNoted,
    cut,
};
use super::error::HandoffError;
use super::ports::HandoffRepository;
use super::queries::{HandoffHistory, ListHandoffs, MAX_LIST, OpenHandoffFor};
use crate::shared::Now;

/// Handoffs over a [`HandoffRepository`]; every time is read from the
/// injected [`Now`].
///
/// See the [module docs](super) for an example.
#[derive(Debug, Clone)]
pub struct HandoffService<R> {
    repo: R,
    now: Now,
}

impl<R> HandoffService<R>
where
    R: HandoffRepository,
{
    /// Handoffs in `repo`, reading the time from `now`.
    #[must_use]
    pub fn new(repo: R, now: Now) -> Self {
        Self { repo, now }
    }

    /// Hands the customer's conversation to a person: [`Opened::New`], or
    /// [`Opened::AlreadyOpen`] with the open one unchanged (asking twice,
    /// or two instances at once, open one). An offered handoff's question
    /// is trimmed and cut to [`MAX_QUESTION_CHARS`].
    ///
    /// # Errors
    ///
    /// [`HandoffError::Storage`].
    pub async fn open(&self, cmd: OpenHandoff) -> Result<Opened, HandoffError> {
        let reason = match cmd.reason {
            HandoffReason::CustomerAsked => HandoffReason::CustomerAsked,
            HandoffReason::Offered { question } => HandoffReason::Offered {
                question: cut(question.trim(), MAX_QUESTION_CHARS),
            },
        };
        Ok(self
            .repo
            .open(&cmd.customer, &reason, self.now.ms())
            .await?)
    }

    /// The customer's open handoff, if any: ask on every inbound message
    /// (one indexed read); while one is open the bot does not answer.
    ///
    /// # Errors
    ///
    /// [`HandoffError::Storage`].
    pub async fn open_for(&self, query: OpenHandoffFor) -> Result<Option<Handoff>, HandoffError> {
        Ok(self.repo.open_for(&query.customer).await?)
    }

    /// Notes a message from a handed-off customer (now): an idle release
    /// counts from it. Returns whether they had an open handoff.
    ///
    /// # Errors
    ///
    /// [`HandoffError::Storage`].
    pub async fn note_customer_message(
        &self,
        cmd: NoteCustomerMessage,
    ) -> Result<bool, HandoffError> {
        Ok(self
            .repo
            .customer_wrote(&cmd.customer, self.now.ms())
            .await?)
    }

    /// Notes an operator's reply (now): a waiting handoff becomes active
    /// ([`ReplyNoted::Activated`]); [`ReplyNoted::NotOpen`] when the
    /// customer has none open (released meanwhile: the reply went to a
    /// customer the bot answers again).
    ///
    /// # Errors
    ///
    /// [`HandoffError::NoOperator`], [`HandoffError::OperatorTooLong`],
    /// [`HandoffError::Storage`].
    pub async fn note_operator_reply(
        &self,
        cmd: NoteOperatorReply,
    ) -> Result<ReplyNoted, HandoffError> {
        let operator = cmd.operator.trim();
        if operator.is_empty() {
            return Err(HandoffError::NoOperator);
        }
        if operator.chars().count() > MAX_OPERATOR_CHARS {
            return Err(HandoffError::OperatorTooLong);
        }
        Ok(self
            .repo
            .operator_replied(&cmd.customer, operator, self.now.ms())
            .await?)
    }

    /// Gives the customer's conversation back to the bot (now):
    /// [`Released::Released`] once, [`Released::NotOpen`] after (or when
    /// never handed off).
    ///
    /// # Errors
    ///
    /// [`HandoffError::Storage`].
    pub async fn release(&self, cmd: ReleaseHandoff) -> Result<Released, HandoffError> {
        Ok(
            match self
                .repo
                .release(&cmd.customer, cmd.reason, self.now.ms())
                .await?
            {
                Some(handoff) => Released::Released(handoff),
                None => Released::NotOpen,
            },
        )
    }

    /// Releases every open handoff with no activity for at least
    /// `idle_for` (nothing since before now − `idle_for`), for
    /// [`ReleaseReason::Idle`](super::ReleaseReason::Idle); returns those released, by id, so each
    /// customer can be told. Run it from a periodic job: each handoff is
    /// released by one run only.
    ///
    /// # Errors
    ///
    /// [`HandoffError::Storage`].
    pub async fn release_idle(&self, cmd: ReleaseIdle) -> Result<Vec<Handoff>, HandoffError> {
        let now = self.now.ms();
        let idle_ms = i64::try_from(cmd.idle_for.as_millis()).unwrap_or(i64::MAX);
        let cutoff = now.saturating_sub(idle_ms);
        Ok(self.repo.release_idle(cutoff, now).await?)
    }

    /// Handoffs oldest first, a page at a time (see [`ListHandoffs`]).
    ///
    /// # Errors
    ///
    /// [`HandoffError::Storage`].
    pub async fn list(&self, query: ListHandoffs) -> Result<Vec<Handoff>, HandoffError> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .repo
            .list(query.filter, query.after, query.limit.min(MAX_LIST))
            .await?)
    }

    /// A customer's handoffs, newest first.
    ///
    /// # Errors
    ///
    /// [`HandoffError::Storage`].
    pub async fn history(&self, query: HandoffHistory) -> Result<Vec<Handoff>, HandoffError> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .repo
            .history(&query.customer, query.limit.min(MAX_LIST))
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::handoff::{HandoffFilter, HandoffStatus, ReleaseReason};
    use crate::shared::CustomerPhone;
    use crate::testing::fixtures;
    use crate::testing::handoff::InMemHandoffRepository;

    /// A service over an empty store, on a clock the test moves.
    fn service() -> (
        HandoffService<InMemHandoffRepository>,
        InMemHandoffRepository,
        Arc<AtomicI64>,
    ) {
        let repo = InMemHandoffRepository::new();
        let time = Arc::new(AtomicI64::new(fixtures::NOW_MS));
        let now = Now::from_fn({
            let time = Arc::clone(&time);
            move || time.load(Ordering::SeqCst)
        });
        (HandoffService::new(repo.clone(), now), repo, time)
    }

    fn asked(customer: CustomerPhone) -> OpenHandoff {
        OpenHandoff {
            customer,
            reason: HandoffReason::CustomerAsked,
        }
    }

    fn release(customer: CustomerPhone, reason: ReleaseReason) -> ReleaseHandoff {
        ReleaseHandoff { customer, reason }
    }

    fn reply(customer: CustomerPhone, operator: &str) -> NoteOperatorReply {
        NoteOperatorReply {
            customer,
            operator: operator.to_owned(),
        }
    }

    #[tokio::test]
    async fn opening_twice_opens_one_handoff() {
        let (svc, repo, time) = service();
        let me = fixtures::customer();
        let first = svc.open(asked(me.clone())).await.unwrap();
        assert!(first.is_new());
        assert_eq!(first.handoff().status, HandoffStatus::Waiting);
        assert_eq!(first.handoff().opened_at_ms, fixtures::NOW_MS);
        time.fetch_add(1_000, Ordering::SeqCst);
        let second = svc
            .open(OpenHandoff {
                customer: me.clone(),
                reason: HandoffReason::Offered {
                    question: "again?".to_owned(),
                },
            })
            .await
            .unwrap();
        assert_eq!(second, Opened::AlreadyOpen(first.handoff().clone()));
        assert_eq!(repo.all().len(), 1);
        let open = svc
            .open_for(OpenHandoffFor {
                customer: me.clone(),
            })
            .await
            .unwrap();
        assert_eq!(open.as_ref(), Some(first.handoff()));
        assert_eq!(
            svc.open_for(OpenHandoffFor {
                customer: fixtures::other_customer()
            })
            .await
            .unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn an_offered_question_is_trimmed_and_cut() {
        let (svc, _, _) = service();
        let long = format!("  {}  ", "प".repeat(MAX_QUESTION_CHARS + 5));
        let opened = svc
            .open(OpenHandoff {
                customer: fixtures::customer(),
                reason: HandoffReason::Offered { question: long },
            })
            .await
            .unwrap();
        let question = opened.handoff().reason.question().unwrap();
        assert_eq!(question.chars().count(), MAX_QUESTION_CHARS);
        assert!(question.starts_with('प'));
    }

    #[tokio::test]
    async fn releasing_twice_releases_once_and_keeps_history() {
        let (svc, _, time) = service();
        let me = fixtures::customer();
        svc.open(asked(me.clone())).await.unwrap();
        time.fetch_add(5_000, Ordering::SeqCst);
        let released = svc
            .release(release(me.clone(), ReleaseReason::ByOperator))
            .await
            .unwrap();
        let handoff = released.handoff().unwrap();
        assert_eq!(
            handoff.status,
            HandoffStatus::Released {
                reason: ReleaseReason::ByOperator
            }
        );
        assert_eq!(handoff.released_at_ms, Some(fixtures::NOW_MS + 5_000));
        assert_eq!(
            svc.release(release(me.clone(), ReleaseReason::ByCustomer))
                .await
                .unwrap(),
            Released::NotOpen,
            "a second release changes nothing"
        );
        assert_eq!(
            svc.release(release(
                fixtures::other_customer(),
                ReleaseReason::ByCustomer
            ))
            .await
            .unwrap(),
            Released::NotOpen,
            "never handed off"
        );
        assert!(
            !svc.note_customer_message(NoteCustomerMessage {
                customer: me.clone()
            })
            .await
            .unwrap(),
            "released: the bot answers again"
        );
        assert!(svc.open(asked(me.clone())).await.unwrap().is_new());
        let history = svc
            .history(HandoffHistory {
                customer: me,
                limit: 10,
            })
            .await
            .unwrap();
        assert_eq!(history.len(), 2);
        assert!(
            history[0].is_open() && !history[1].is_open(),
            "newest first"
        );
    }

    #[tokio::test]
    async fn an_operator_reply_activates_the_handoff_once() {
        let (svc, _, time) = service();
        let me = fixtures::customer();
        assert_eq!(
            svc.note_operator_reply(reply(me.clone(), "Asha"))
                .await
                .unwrap(),
            ReplyNoted::NotOpen
        );
        svc.open(asked(me.clone())).await.unwrap();
        time.fetch_add(60_000, Ordering::SeqCst);
        let first = svc
            .note_operator_reply(reply(me.clone(), "  Asha "))
            .await
            .unwrap();
        let ReplyNoted::Activated(active) = first else {
            panic!("the first reply activates: {first:?}");
        };
        assert_eq!(active.status, HandoffStatus::Active);
        assert_eq!(active.operator.as_deref(), Some("Asha"), "trimmed");
        assert_eq!(active.last_operator_at_ms, Some(fixtures::NOW_MS + 60_000));
        assert!(matches!(
            svc.note_operator_reply(reply(me.clone(), "Mohan"))
                .await
                .unwrap(),
            ReplyNoted::Continued(h) if h.operator.as_deref() == Some("Mohan")
        ));
        let waiting = svc
            .list(ListHandoffs {
                filter: HandoffFilter::Waiting,
                after: None,
                limit: 10,
            })
            .await
            .unwrap();
        assert!(waiting.is_empty(), "active is not waiting");
        for (operator, error) in [
            ("  ", "name the operator who replied"),
            (&"x".repeat(MAX_OPERATOR_CHARS + 1)[..], "longer than"),
        ] {
            let err = svc
                .note_operator_reply(reply(me.clone(), operator))
                .await
                .unwrap_err();
            assert!(err.is_user_error(), "{err:?}");
            assert!(err.to_string().contains(error), "{err}");
        }
    }

    #[tokio::test]
    async fn idle_handoffs_return_to_the_bot_on_a_virtual_clock() {
        let (svc, _, time) = service();
        let (me, other) = (fixtures::customer(), fixtures::other_customer());
        let idle_for = Duration::from_secs(30 * 60);
        svc.open(asked(me.clone())).await.unwrap();
        svc.open(asked(other.clone())).await.unwrap();
        let idle = ReleaseIdle { idle_for };

        time.fetch_add(20 * 60_000, Ordering::SeqCst);
        svc.note_customer_message(NoteCustomerMessage {
            customer: other.clone(),
        })
        .await
        .unwrap();
        time.fetch_add(10 * 60_000, Ordering::SeqCst);
        assert!(
            svc.release_idle(idle).await.unwrap().is_empty(),
            "exactly 30 minutes idle: not yet (older than, strictly)"
        );

        time.fetch_add(1, Ordering::SeqCst);
        let released = svc.release_idle(idle).await.unwrap();
        assert_eq!(released.len(), 1);
        assert_eq!(released[0].customer, me, "the other wrote 10 minutes ago");
        assert_eq!(
            released[0].status,
            HandoffStatus::Released {
                reason: ReleaseReason::Idle
            }
        );
        assert_eq!(
            released[0].released_at_ms,
            Some(time.load(Ordering::SeqCst))
        );
        assert!(
            svc.release_idle(idle).await.unwrap().is_empty(),
            "released once"
        );

        time.fetch_add(15 * 60_000, Ordering::SeqCst);
        svc.note_operator_reply(reply(other.clone(), "Asha"))
            .await
            .unwrap();
        time.fetch_add(29 * 60_000, Ordering::SeqCst);
        assert!(
            svc.release_idle(idle).await.unwrap().is_empty(),
            "an operator reply counts as activity"
        );
        time.fetch_add(60_001, Ordering::SeqCst);
        assert_eq!(svc.release_idle(idle).await.unwrap()[0].customer, other);
        assert!(
            svc.release_idle(ReleaseIdle {
                idle_for: Duration::MAX
            })
            .await
            .unwrap()
            .is_empty(),
            "an idle time beyond the epoch releases nothing"
        );
    }

    #[tokio::test]
    async fn lists_are_oldest_first_and_paged() {
        let (svc, _, _) = service();
        let customers: Vec<CustomerPhone> = (0..5)
            .map(|i| CustomerPhone::parse(&format!("+9198000000{i:02}")).unwrap())
            .collect();
        for customer in &customers {
            svc.open(asked(customer.clone())).await.unwrap();
        }
        svc.release(release(customers[1].clone(), ReleaseReason::ByCustomer))
            .await
            .unwrap();
        let page = |after, limit| {
            svc.list(ListHandoffs {
                filter: HandoffFilter::Open,
                after,
                limit,
            })
        };
        let first = page(None, 2).await.unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(first[0].customer, customers[0]);
        assert_eq!(
            first[1].customer, customers[2],
            "released ones are not open"
        );
        let rest = page(Some(first[1].id), 10).await.unwrap();
        assert_eq!(rest.len(), 2);
        assert!(page(None, 0).await.unwrap().is_empty(), "0 gives none");
    }

    #[tokio::test]
    async fn storage_failures_are_retryable_errors() {
        let (svc, repo, _) = service();
        repo.set_failing(true);
        let err = svc
            .open_for(OpenHandoffFor {
                customer: fixtures::customer(),
            })
            .await
            .unwrap_err();
        assert!(err.is_retryable() && !err.is_user_error());
    }
}
