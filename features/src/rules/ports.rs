//! What rules need from outside: [`RuleRepository`] (the rules and their
//! run log), [`RuleSubjects`] (what is known of a customer) and
//! [`RuleEffects`] (what an action changes or sends).

use std::collections::BTreeMap;
use std::future::Future;

use jiff::civil::Date;

use super::spec::RuleSpec;
use crate::campaigns::Personalised;
use crate::customers::Tag;
use crate::shared::{CustomerPhone, RepositoryError};

/// A rule as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRule {
    /// Its id.
    pub id: i64,
    /// As written.
    pub spec: RuleSpec,
    /// When it was last written (ms).
    pub updated_ms: i64,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunResult {
    /// Every action was done.
    Done,
    /// A condition did not hold (the reason); nothing was done.
    Skipped(String),
    /// An action could not be done (the reason); the ones before it were.
    Failed(String),
}

impl RunResult {
    /// `done`, `skipped` or `failed`.
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Done => "done",
            Self::Skipped(_) => "skipped",
            Self::Failed(_) => "failed",
        }
    }

    /// The reason, for skipped and failed runs.
    #[must_use]
    pub fn detail(&self) -> Option<&str> {
        match self {
            Self::Done => None,
            Self::Skipped(why) | Self::Failed(why) => Some(why),
        }
    }
}

/// One execution of a rule for one customer, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRecord {
    /// The rule's name.
    pub rule: String,
    /// For whom.
    pub customer: CustomerPhone,
    /// The trigger's kind (`keyword`, `birthday`, …).
    pub trigger: String,
    /// Which occurrence: the message's id, `first`, a birthday's year, a
    /// schedule's local minute. At most one run per rule, customer and
    /// occurrence.
    pub occurrence: String,
    /// What was done, one line per action.
    pub actions: Vec<String>,
    /// How it ended.
    pub result: RunResult,
    /// When (ms).
    pub at_ms: i64,
}

/// Runs of one rule, by result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunCounts {
    /// Runs that did everything.
    pub succeeded: u64,
    /// Runs a condition stopped.
    pub skipped: u64,
    /// Runs an action failed.
    pub failed: u64,
}

impl RunCounts {
    /// Every run: the times the rule fired.
    #[must_use]
    pub fn fired(&self) -> u64 {
        self.succeeded + self.skipped + self.failed
    }
}

/// The rules and their run log.
///
/// # Errors
///
/// Every method returns [`RepositoryError::Backend`] when storage fails and
/// [`RepositoryError::Corrupt`] for stored rows that no longer validate.
pub trait RuleRepository: Clone + Send + Sync + 'static {
    /// Stores `spec` under its name (replacing a rule of that name) and
    /// returns its id.
    fn save(
        &self,
        spec: &RuleSpec,
        now_ms: i64,
    ) -> impl Future<Output = Result<i64, RepositoryError>> + Send;

    /// The rule named `name`.
    fn get(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<StoredRule>, RepositoryError>> + Send;

    /// Every rule, by name.
    fn list(&self) -> impl Future<Output = Result<Vec<StoredRule>, RepositoryError>> + Send;

    /// Deletes the rule named `name` (its run log stays); whether there
    /// was one.
    fn delete(&self, name: &str) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// Logs `run`, unless a run of that rule, customer and occurrence is
    /// logged already: then nothing is written and the answer is `false`.
    /// In the caller's transaction when one runs, so a run is logged
    /// exactly when its effects commit.
    fn record_run(
        &self,
        run: &RunRecord,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// How many runs of `rule` for `customer` did everything after
    /// `since_ms` (excluded: a daily cap lets a rule act again at the same
    /// minute the next day).
    fn runs_since(
        &self,
        rule: &str,
        customer: &CustomerPhone,
        since_ms: i64,
    ) -> impl Future<Output = Result<u32, RepositoryError>> + Send;

    /// Changes the result of the logged run of `rule` for `customer` and
    /// `occurrence` (in the caller's transaction: a message found unsent
    /// after its run was logged done).
    fn set_result(
        &self,
        rule: &str,
        customer: &CustomerPhone,
        occurrence: &str,
        result: &RunResult,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Every rule's runs, by result.
    fn counts(
        &self,
    ) -> impl Future<Output = Result<BTreeMap<String, RunCounts>, RepositoryError>> + Send;

    /// The last `limit` runs of `rule`, newest first.
    fn runs(
        &self,
        rule: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<RunRecord>, RepositoryError>> + Send;
}

/// What a rule knows of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Their number.
    pub phone: CustomerPhone,
    /// Their name (WhatsApp profile), when known.
    pub name: Option<String>,
    /// Their last order, as shown, when they have one.
    pub last_order: Option<String>,
    /// Their tags.
    pub tags: Vec<Tag>,
    /// Whether campaigns and automations may write to them (no opt-out).
    pub marketing_ok: bool,
    /// When they last wrote (ms), if ever.
    pub last_inbound_ms: Option<i64>,
    /// Their `birthday` attribute, when set and a date.
    pub birthday: Option<Date>,
}

impl Subject {
    /// A customer the shop knows nothing more of.
    #[must_use]
    pub fn unknown(phone: CustomerPhone) -> Self {
        Self {
            phone,
            name: None,
            last_order: None,
            tags: Vec::new(),
            marketing_ok: true,
            last_inbound_ms: None,
            birthday: None,
        }
    }
}

/// A message from the past, for a dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastMessage {
    /// Its provider id.
    pub id: String,
    /// Who wrote it.
    pub customer: CustomerPhone,
    /// Its text.
    pub text: String,
    /// When (ms).
    pub at_ms: i64,
    /// Whether it was the customer's first message ever.
    pub first: bool,
}

/// An event from the past, for a dry run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastEvent {
    /// What happened.
    pub event: super::commands::RuleEvent,
    /// To whom.
    pub customer: CustomerPhone,
    /// The order's or invoice's number.
    pub occurrence: String,
    /// When (ms).
    pub at_ms: i64,
}

/// What is known of customers.
///
/// # Errors
///
/// [`RepositoryError`] when storage fails.
pub trait RuleSubjects: Clone + Send + Sync + 'static {
    /// What is known of `phone` (a customer never seen is
    /// [`Subject::unknown`]).
    fn subject(
        &self,
        phone: &CustomerPhone,
    ) -> impl Future<Output = Result<Subject, RepositoryError>> + Send;

    /// The customers the shop knows (the shop bot's: everyone who ever
    /// wrote), in phone-number order after `after`, at most `limit`.
    fn subjects(
        &self,
        after: Option<&CustomerPhone>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Subject>, RepositoryError>> + Send;

    /// Whether the message `message_id` is `phone`'s first message ever.
    fn is_first_message(
        &self,
        phone: &CustomerPhone,
        message_id: &str,
    ) -> impl Future<Output = Result<bool, RepositoryError>> + Send;

    /// The shop's events from `since_ms` to `until_ms` (orders confirmed,
    /// invoices that passed their due date unpaid), oldest first, at most
    /// `limit` (a dry run replays them).
    fn events_since(
        &self,
        since_ms: i64,
        until_ms: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PastEvent>, RepositoryError>> + Send;

    /// The customers' messages received since `since_ms`, oldest first,
    /// at most `limit` (a dry run replays them).
    fn messages_since(
        &self,
        since_ms: i64,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<PastMessage>, RepositoryError>> + Send;
}

/// A rule's run, as a webhook receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookCall {
    /// The URL.
    pub url: String,
    /// The rule's name.
    pub rule: String,
    /// The trigger's kind.
    pub trigger: String,
    /// For whom.
    pub customer: CustomerPhone,
    /// Which occurrence.
    pub occurrence: String,
    /// Which of the rule's actions (from 0): one call per run and action.
    pub action: usize,
    /// When the run was judged (ms).
    pub at_ms: i64,
}

/// Whether a proactive message was stored to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// Stored (or stored before under its key).
    Stored,
    /// Not stored, and why: no channel reaches the customer, the window
    /// closed and there is no template, a template the provider cannot
    /// send as configured. The run is logged failed with the reason.
    NotSent(String),
}

/// What actions change. Implementations write in the caller's
/// transaction when one runs (a turn, a fan-out page), so a rule's effects
/// and its run log commit together.
///
/// # Errors
///
/// [`RepositoryError`] when storage fails.
pub trait RuleEffects: Send + Sync {
    /// Sends `message` to `to` proactively, at most once under `key` for
    /// that customer (a second send of the key to them sends nothing).
    fn send(
        &self,
        to: &Subject,
        message: &Personalised,
        key: &str,
    ) -> impl Future<Output = Result<SendOutcome, RepositoryError>> + Send;

    /// Calls a webhook with a run (later, from a job: in the caller's
    /// transaction only the call is asked for, once per run and action).
    fn webhook(
        &self,
        call: &WebhookCall,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Puts `tags` on `customer`.
    fn tag(
        &self,
        customer: &CustomerPhone,
        tags: &[Tag],
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Takes `tags` off `customer`.
    fn untag(
        &self,
        customer: &CustomerPhone,
        tags: &[Tag],
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// Sets `customer`'s attribute `name` to `value`.
    fn set_attribute(
        &self,
        customer: &CustomerPhone,
        name: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;
}
