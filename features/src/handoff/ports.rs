//! What handoffs need from storage: [`HandoffRepository`].

use std::future::Future;

use super::domain::{Handoff, HandoffId, HandoffReason, Opened, ReleaseReason, ReplyNoted};
use super::queries::HandoffFilter;
use crate::shared::{CustomerPhone, RepositoryError};

/// Customers' handoffs, open and past. The service stamps every time (from
/// its injected clock) and checks the input; implementations persist, and
/// keep the one rule several bot instances could break together: **at most
/// one open handoff per customer**.
///
/// # Concurrency
///
/// Several stateless instances share the store. Each write is one atomic
/// step that decides on the stored state, never on a value read before:
///
/// - [`open`](Self::open) called at once for one customer, from any
///   number of instances, opens one handoff; every other call gets
///   [`Opened::AlreadyOpen`] with that one.
/// - [`release`](Self::release) and [`release_idle`](Self::release_idle)
///   release a handoff once: of two at once, one gets it, the other
///   nothing.
/// - [`operator_replied`](Self::operator_replied) activates a waiting
///   handoff once ([`ReplyNoted::Activated`]); a reply at the same time
///   gets [`ReplyNoted::Continued`].
///
/// # Transactions
///
/// An implementation joins the caller's transaction when one runs: the
/// shop's (`infra_shop::handoff::DbHandoffRepository`) runs its
/// statements through `infra_sql::Database`, so inside a turn's
/// `UnitOfWork` a handoff opened (or released) commits with the turn's
/// reply, or not at all. No write may fail on purpose (a unique key
/// violation caught and retried): on PostgreSQL a failed statement aborts
/// the whole turn's transaction.
///
/// # Errors
///
/// Every method returns [`RepositoryError::Backend`] when storage fails and
/// [`RepositoryError::Corrupt`] for stored rows that no longer validate.
pub trait HandoffRepository: Clone + Send + Sync + 'static {
    /// Opens a handoff of `customer`'s conversation at `at_ms`
    /// ([`Handoff::opened`]: waiting, the customer's last message at
    /// `at_ms`), unless one is open: then returns that one unchanged.
    fn open(
        &self,
        customer: &CustomerPhone,
        reason: &HandoffReason,
        at_ms: i64,
    ) -> impl Future<Output = Result<Opened, RepositoryError>> + Send;

    /// The customer's open handoff, if any. Runs on every inbound message:
    /// one indexed read.
    fn open_for(
        &self,
        customer: &CustomerPhone,
    ) -> impl Future<Output = Result<Option<Handoff>, RepositoryError>> + Send;

    /// Sets the customer's last message time of their open handoff to
    /// `at_ms`; returns whether one was open.
    fn customer_wrote(
        &self,
        customer: &CustomerPhone,
        at_ms: i64,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Notes `operator`'s reply at `at_ms` on the customer's open handoff
    /// ([`Handoff::with_operator_reply`]): [`ReplyNoted::Activated`] when
    /// it was waiting, [`ReplyNoted::Continued`] when active,
    /// [`ReplyNoted::NotOpen`] without one.
    fn operator_replied(
        &self,
        customer: &CustomerPhone,
        operator: &str,
        at_ms: i64,
    ) -> impl Future<Output = Result<ReplyNoted, RepositoryError>> + Send;

    /// Releases the customer's open handoff for `reason` at `at_ms`;
    /// returns it released, or `None` when none was open.
    fn release(
        &self,
        customer: &CustomerPhone,
        reason: ReleaseReason,
        at_ms: i64,
    ) -> impl Future<Output = Result<Option<Handoff>, RepositoryError>> + Send;

    /// Releases, for [`ReleaseReason::Idle`] at `at_ms`, every open handoff
    /// idle before `cutoff_ms` ([`Handoff::is_idle_before`]: its opening,
    /// the customer's last message and the last operator reply all
    /// earlier than `cutoff_ms`); returns them released, by id.
    fn release_idle(
        &self,
        cutoff_ms: i64,
        at_ms: i64,
    ) -> impl Future<Output = Result<Vec<Handoff>, RepositoryError>> + Send;

    /// The handoffs `filter` selects, by id (oldest first), after `after`
    /// when given, at most `limit` (already at most
    /// [`MAX_LIST`](super::MAX_LIST)).
    fn list(
        &self,
        filter: HandoffFilter,
        after: Option<HandoffId>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Handoff>, RepositoryError>> + Send;

    /// The customer's handoffs, newest first, at most `limit` (already at
    /// most [`MAX_LIST`](super::MAX_LIST)).
    fn history(
        &self,
        customer: &CustomerPhone,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Handoff>, RepositoryError>> + Send;
}
