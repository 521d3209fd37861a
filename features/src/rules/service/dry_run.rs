//! [`RuleService::dry_run`]: the last days replayed against a rule,
//! nothing sent or stored, decided by the same [`plan`](super::plan) as
//! live runs.

use std::collections::{BTreeMap, BTreeSet};

use super::plan::{Plan, Prior, Step};
use super::run::birthday_date;
use super::{DRY_RUN_MESSAGES, DRY_RUN_SUBJECTS, RuleService};
use crate::rules::domain::{DAY_MS, Trigger, is_birthday};
use crate::rules::error::RuleError;
use crate::rules::ports::{RuleRepository, RuleSubjects, RunResult, Subject};
use crate::rules::queries::{DryRun, Hit};

impl<R: RuleRepository, S: RuleSubjects> RuleService<R, S> {
    /// Replays the customers' messages (or the schedule's occurrences) of
    /// `query.since_ms` to now against a rule, enabled or not, and says
    /// whom it would have hit and with what. Nothing is sent or stored. The
    /// same decisions as a live run, on what is known of each customer now
    /// (tags, opt-out, birthday) and each message's own time; a cap counts
    /// the replay's own hits.
    ///
    /// # Errors
    ///
    /// [`RuleError::NotFound`]; [`RuleError::Storage`].
    pub async fn dry_run(&self, query: DryRun) -> Result<Vec<Hit>, RuleError> {
        let stored = self.stored(&query.rule).await?;
        let rule = self.check(&stored.spec)?;
        let now = self.now.ms();
        let mut hits: Vec<Hit> = Vec::new();
        let mut done: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        if rule.trigger.is_event() {
            let events = self
                .subjects
                .events_since(query.since_ms, now, DRY_RUN_MESSAGES)
                .await?;
            for event in events.iter().filter(|e| e.event.fires(&rule.trigger)) {
                let subject = self.subjects.subject(&event.customer).await?;
                let prior = done.entry(subject.phone.as_str().to_owned()).or_default();
                let plan = self.plan_with(
                    &rule,
                    &subject,
                    event.at_ms,
                    event.at_ms,
                    Prior::Times(prior),
                );
                hits.push(hit(event.at_ms, &subject, &event.occurrence, &plan, prior));
            }
        } else if rule.trigger.is_timed() {
            let subjects = self.subjects.subjects(None, DRY_RUN_SUBJECTS).await?;
            for (at_ms, occurrence) in self.occurrences(&rule.trigger, query.since_ms, now) {
                let day = birthday_date(&rule.trigger, &occurrence);
                for subject in &subjects {
                    if let Some(day) = day
                        && !subject.birthday.is_some_and(|b| is_birthday(b, day))
                    {
                        continue;
                    }
                    let prior = done.entry(subject.phone.as_str().to_owned()).or_default();
                    let plan = self.plan_with(&rule, subject, at_ms, at_ms, Prior::Times(prior));
                    hits.push(hit(at_ms, subject, &occurrence, &plan, prior));
                }
            }
        } else {
            let messages = self
                .subjects
                .messages_since(query.since_ms, DRY_RUN_MESSAGES)
                .await?;
            let mut firsts_seen = BTreeSet::new();
            for message in messages {
                let fires = match &rule.trigger {
                    Trigger::Keyword(k) => k.matches(&message.text),
                    Trigger::AnyMessage => true,
                    Trigger::NewContact => {
                        message.first && firsts_seen.insert(message.customer.clone())
                    }
                    Trigger::Birthday(_)
                    | Trigger::Scheduled(_)
                    | Trigger::OrderConfirmed
                    | Trigger::InvoiceOverdue => false,
                };
                if !fires {
                    continue;
                }
                let mut subject = self.subjects.subject(&message.customer).await?;
                subject.last_inbound_ms = Some(message.at_ms);
                let prior = done.entry(subject.phone.as_str().to_owned()).or_default();
                let plan = self.plan_with(
                    &rule,
                    &subject,
                    message.at_ms,
                    message.at_ms,
                    Prior::Times(prior),
                );
                hits.push(hit(message.at_ms, &subject, &message.id, &plan, prior));
            }
        }
        Ok(hits)
    }

    /// The occurrences of a timed trigger from `since_ms` to `until_ms`,
    /// minute by minute (at most 31 days are looked at).
    fn occurrences(&self, trigger: &Trigger, since_ms: i64, until_ms: i64) -> Vec<(i64, String)> {
        let start = since_ms.max(until_ms - 31 * DAY_MS).div_euclid(60_000) * 60_000;
        (0..)
            .map(|m| start + m * 60_000)
            .take_while(|t| *t <= until_ms)
            .filter_map(|t| self.occurrence_at(trigger, t).map(|o| (t, o)))
            .collect()
    }
}

fn hit(at_ms: i64, subject: &Subject, occurrence: &str, plan: &Plan, prior: &mut Vec<i64>) -> Hit {
    if plan.result == RunResult::Done {
        prior.push(at_ms);
    }
    Hit {
        at_ms,
        customer: subject.phone.clone(),
        occurrence: occurrence.to_owned(),
        actions: plan.steps.iter().map(Step::describe).collect(),
        skipped: match &plan.result {
            RunResult::Done => None,
            RunResult::Skipped(why) => Some(why.clone()),
            RunResult::Failed(why) => Some(format!("fails: {why}")),
        },
    }
}
