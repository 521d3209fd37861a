//! The rules' ports in memory: [`InMemRules`] (rules and run log),
//! [`InMemSubjects`] (customers and past messages), [`RecordingEffects`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use crate::campaigns::Personalised;
use crate::customers::Tag;
use crate::rules::{
    PastEvent, PastMessage, RuleEffects, RuleRepository, RuleSpec, RuleSubjects, RunCounts,
    RunRecord, RunResult, SendOutcome, StoredRule, Subject, WebhookCall,
};
use crate::shared::{CustomerPhone, RepositoryError};

/// Rules and their run log in memory.
#[derive(Debug, Clone, Default)]
pub struct InMemRules {
    inner: Arc<Mutex<RulesState>>,
}

#[derive(Debug, Default)]
struct RulesState {
    next_id: i64,
    rules: BTreeMap<String, StoredRule>,
    runs: Vec<RunRecord>,
}

impl InMemRules {
    /// An empty store.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Every run logged, oldest first.
    #[must_use]
    pub fn all_runs(&self) -> Vec<RunRecord> {
        self.inner.lock().unwrap().runs.clone()
    }
}

impl RuleRepository for InMemRules {
    async fn save(&self, spec: &RuleSpec, now_ms: i64) -> Result<i64, RepositoryError> {
        let mut state = self.inner.lock().unwrap();
        let id = match state.rules.get(&spec.name) {
            Some(existing) => existing.id,
            None => {
                state.next_id += 1;
                state.next_id
            }
        };
        state.rules.insert(
            spec.name.clone(),
            StoredRule {
                id,
                spec: spec.clone(),
                updated_ms: now_ms,
            },
        );
        Ok(id)
    }

    async fn get(&self, name: &str) -> Result<Option<StoredRule>, RepositoryError> {
        Ok(self.inner.lock().unwrap().rules.get(name).cloned())
    }

    async fn list(&self) -> Result<Vec<StoredRule>, RepositoryError> {
        Ok(self.inner.lock().unwrap().rules.values().cloned().collect())
    }

    async fn delete(&self, name: &str) -> Result<bool, RepositoryError> {
        Ok(self.inner.lock().unwrap().rules.remove(name).is_some())
    }

    async fn record_run(&self, run: &RunRecord) -> Result<bool, RepositoryError> {
        let mut state = self.inner.lock().unwrap();
        if state.runs.iter().any(|r| {
            r.rule == run.rule && r.customer == run.customer && r.occurrence == run.occurrence
        }) {
            return Ok(false);
        }
        state.runs.push(run.clone());
        Ok(true)
    }

    async fn runs_since(
        &self,
        rule: &str,
        customer: &CustomerPhone,
        since_ms: i64,
    ) -> Result<u32, RepositoryError> {
        let state = self.inner.lock().unwrap();
        let n = state
            .runs
            .iter()
            .filter(|r| {
                r.rule == rule
                    && &r.customer == customer
                    && r.at_ms > since_ms
                    && r.result == RunResult::Done
            })
            .count();
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn set_result(
        &self,
        rule: &str,
        customer: &CustomerPhone,
        occurrence: &str,
        result: &RunResult,
    ) -> Result<(), RepositoryError> {
        let mut state = self.inner.lock().unwrap();
        for run in &mut state.runs {
            if run.rule == rule && &run.customer == customer && run.occurrence == occurrence {
                run.result = result.clone();
            }
        }
        Ok(())
    }

    async fn counts(&self) -> Result<BTreeMap<String, RunCounts>, RepositoryError> {
        let mut out: BTreeMap<String, RunCounts> = BTreeMap::new();
        for run in &self.inner.lock().unwrap().runs {
            let c = out.entry(run.rule.clone()).or_default();
            match run.result {
                RunResult::Done => c.succeeded += 1,
                RunResult::Skipped(_) => c.skipped += 1,
                RunResult::Failed(_) => c.failed += 1,
            }
        }
        Ok(out)
    }

    async fn runs(&self, rule: &str, limit: u32) -> Result<Vec<RunRecord>, RepositoryError> {
        let state = self.inner.lock().unwrap();
        Ok(state
            .runs
            .iter()
            .rev()
            .filter(|r| r.rule == rule)
            .take(limit as usize)
            .cloned()
            .collect())
    }
}

/// Customers and their messages in memory.
#[derive(Debug, Clone, Default)]
pub struct InMemSubjects {
    inner: Arc<Mutex<SubjectsState>>,
}

#[derive(Debug, Default)]
struct SubjectsState {
    subjects: BTreeMap<CustomerPhone, Subject>,
    messages: Vec<PastMessage>,
    events: Vec<PastEvent>,
}

impl InMemSubjects {
    /// No customers.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces a customer.
    pub fn put(&self, subject: Subject) {
        self.inner
            .lock()
            .unwrap()
            .subjects
            .insert(subject.phone.clone(), subject);
    }

    /// Records an event of the shop.
    pub fn event(&self, event: PastEvent) {
        self.inner.lock().unwrap().events.push(event);
    }

    /// Records a message from `customer` (making them known).
    pub fn message(&self, id: &str, customer: &CustomerPhone, text: &str, at_ms: i64) {
        let mut state = self.inner.lock().unwrap();
        let first = !state.messages.iter().any(|m| &m.customer == customer);
        state.messages.push(PastMessage {
            id: id.to_owned(),
            customer: customer.clone(),
            text: text.to_owned(),
            at_ms,
            first,
        });
        let subject = state
            .subjects
            .entry(customer.clone())
            .or_insert_with(|| Subject::unknown(customer.clone()));
        subject.last_inbound_ms = Some(at_ms);
    }
}

impl RuleSubjects for InMemSubjects {
    async fn subject(&self, phone: &CustomerPhone) -> Result<Subject, RepositoryError> {
        Ok(self
            .inner
            .lock()
            .unwrap()
            .subjects
            .get(phone)
            .cloned()
            .unwrap_or_else(|| Subject::unknown(phone.clone())))
    }

    async fn subjects(
        &self,
        after: Option<&CustomerPhone>,
        limit: u32,
    ) -> Result<Vec<Subject>, RepositoryError> {
        let state = self.inner.lock().unwrap();
        Ok(state
            .subjects
            .values()
            .filter(|s| after.is_none_or(|a| &s.phone > a))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn is_first_message(
        &self,
        phone: &CustomerPhone,
        message_id: &str,
    ) -> Result<bool, RepositoryError> {
        let state = self.inner.lock().unwrap();
        Ok(state
            .messages
            .iter()
            .find(|m| &m.customer == phone)
            .is_none_or(|m| m.id == message_id))
    }

    async fn events_since(
        &self,
        since_ms: i64,
        until_ms: i64,
        limit: u32,
    ) -> Result<Vec<PastEvent>, RepositoryError> {
        let state = self.inner.lock().unwrap();
        let mut events: Vec<PastEvent> = state
            .events
            .iter()
            .filter(|e| e.at_ms >= since_ms && e.at_ms <= until_ms)
            .cloned()
            .collect();
        events.sort_by_key(|e| e.at_ms);
        events.truncate(limit as usize);
        Ok(events)
    }

    async fn messages_since(
        &self,
        since_ms: i64,
        limit: u32,
    ) -> Result<Vec<PastMessage>, RepositoryError> {
        let state = self.inner.lock().unwrap();
        Ok(state
            .messages
            .iter()
            .filter(|m| m.at_ms >= since_ms)
            .take(limit as usize)
            .cloned()
            .collect())
    }
}

/// What a rule did, as recorded by [`RecordingEffects`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// A message sent under a key.
    Sent {
        /// To whom.
        to: CustomerPhone,
        /// What.
        message: Personalised,
        /// Its key.
        key: String,
    },
    /// Tags put on.
    Tagged(CustomerPhone, Vec<Tag>),
    /// Tags taken off.
    Untagged(CustomerPhone, Vec<Tag>),
    /// An attribute set.
    Set(CustomerPhone, String, String),
    /// A webhook call asked for.
    Webhook(WebhookCall),
}

/// Records every effect; a second send under one key sends nothing, as
/// the outbox does; customers made [`unreachable`](Self::unreachable) get
/// nothing.
#[derive(Debug, Clone, Default)]
pub struct RecordingEffects {
    inner: Arc<Mutex<(Vec<Effect>, BTreeSet<String>)>>,
    unreachable: Arc<Mutex<BTreeSet<CustomerPhone>>>,
}

impl RecordingEffects {
    /// Nothing done yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Everything done, in order.
    #[must_use]
    pub fn effects(&self) -> Vec<Effect> {
        self.inner.lock().unwrap().0.clone()
    }

    /// No channel reaches `customer`: sends to them are not stored.
    pub fn unreachable(&self, customer: &CustomerPhone) {
        self.unreachable.lock().unwrap().insert(customer.clone());
    }
}

impl RuleEffects for RecordingEffects {
    async fn send(
        &self,
        to: &Subject,
        message: &Personalised,
        key: &str,
    ) -> Result<SendOutcome, RepositoryError> {
        if self.unreachable.lock().unwrap().contains(&to.phone) {
            return Ok(SendOutcome::NotSent("no channel reaches them".to_owned()));
        }
        let mut state = self.inner.lock().unwrap();
        if state.1.insert(format!("{key}:{}", to.phone.as_str())) {
            state.0.push(Effect::Sent {
                to: to.phone.clone(),
                message: message.clone(),
                key: key.to_owned(),
            });
        }
        Ok(SendOutcome::Stored)
    }

    async fn webhook(&self, call: &WebhookCall) -> Result<(), RepositoryError> {
        self.inner
            .lock()
            .unwrap()
            .0
            .push(Effect::Webhook(call.clone()));
        Ok(())
    }

    async fn tag(&self, customer: &CustomerPhone, tags: &[Tag]) -> Result<(), RepositoryError> {
        self.inner
            .lock()
            .unwrap()
            .0
            .push(Effect::Tagged(customer.clone(), tags.to_vec()));
        Ok(())
    }

    async fn untag(&self, customer: &CustomerPhone, tags: &[Tag]) -> Result<(), RepositoryError> {
        self.inner
            .lock()
            .unwrap()
            .0
            .push(Effect::Untagged(customer.clone(), tags.to_vec()));
        Ok(())
    }

    async fn set_attribute(
        &self,
        customer: &CustomerPhone,
        name: &str,
        value: &str,
    ) -> Result<(), RepositoryError> {
        self.inner.lock().unwrap().0.push(Effect::Set(
            customer.clone(),
            name.to_owned(),
            value.to_owned(),
        ));
        Ok(())
    }
}
