//! Running rules: on a message (inside its turn), on an event (a job),
//! on the clock (the minute's due rules and their fan-out, a page at a
//! time), each run logged once per rule, customer and occurrence.

use jiff::civil::{Date, DateTime};

use super::plan::{Plan, Step};
use super::{KEY_PREFIX, RuleService};
use crate::rules::commands::{
    EventStep, FanOut, FanOutStep, MessageRulesOutcome, RunEventRules, RunMessageRules,
};
use crate::rules::domain::{
    Rule, Schedule, Trigger, is_birthday, minute_start_ms, truncate_to_minute,
};
use crate::rules::error::RuleError;
use crate::rules::ports::{
    RuleEffects, RuleRepository, RuleSubjects, RunRecord, RunResult, SendOutcome, Subject,
    WebhookCall,
};
use crate::rules::queries::{Due, DueRules};

impl<R: RuleRepository, S: RuleSubjects> RuleService<R, S> {
    /// Runs the enabled rules that fire on this message, highest priority
    /// first, until one that answers alone has acted. Call it inside the
    /// message's turn: each run is logged once per message (a second run
    /// of the same message acts no more), and its effects commit with the
    /// turn. These are answers to the customer's own message, so an
    /// opt-out does not silence them; conditions still apply.
    ///
    /// # Errors
    ///
    /// [`RuleError::Storage`].
    pub async fn on_message<E: RuleEffects>(
        &self,
        cmd: RunMessageRules,
        effects: &E,
    ) -> Result<MessageRulesOutcome, RuleError> {
        let mut rules = self.enabled(Trigger::is_message).await?;
        rules.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.name.cmp(&b.name)));
        let mut outcome = MessageRulesOutcome::default();
        let mut first: Option<bool> = None;
        let mut subject: Option<Subject> = None;
        let now = self.now.ms();
        for rule in rules {
            let fires = match &rule.trigger {
                Trigger::Keyword(k) => k.matches(&cmd.text),
                Trigger::AnyMessage => true,
                Trigger::NewContact => {
                    if first.is_none() {
                        first = Some(
                            self.subjects
                                .is_first_message(&cmd.customer, &cmd.message_id)
                                .await?,
                        );
                    }
                    first == Some(true)
                }
                Trigger::Birthday(_)
                | Trigger::Scheduled(_)
                | Trigger::OrderConfirmed
                | Trigger::InvoiceOverdue => false,
            };
            if !fires {
                continue;
            }
            if subject.is_none() {
                let mut s = self.subjects.subject(&cmd.customer).await?;
                s.last_inbound_ms = Some(now);
                if s.name.is_none() {
                    s.name.clone_from(&cmd.name);
                }
                subject = Some(s);
            }
            let Some(subject) = subject.as_ref() else {
                continue;
            };
            let occurrence = if matches!(rule.trigger, Trigger::NewContact) {
                "first".to_owned()
            } else {
                cmd.message_id.clone()
            };
            let plan = self.plan(&rule, subject, now).await?;
            let record = record(&rule, subject, &occurrence, &plan, now);
            if !self.repo.record_run(&record).await? {
                // This message ran before: what it did stands, and a rule
                // that answered it alone still does.
                if rule.stop_processing && plan.result == RunResult::Done {
                    outcome.stop = true;
                    break;
                }
                continue;
            }
            for step in &plan.steps {
                match step {
                    Step::Send(message, _) => outcome.replies.push(message.clone()),
                    other => {
                        let run = RunOf {
                            rule: &rule,
                            occurrence: &occurrence,
                            at: now,
                        };
                        apply(effects, subject, other, &run).await?;
                    }
                }
            }
            if plan.result == RunResult::Done {
                outcome.fired.push(rule.name.as_str().to_owned());
                if rule.stop_processing {
                    outcome.stop = true;
                    break;
                }
            }
        }
        Ok(outcome)
    }

    /// The timed rules that fire in the local minute of `query.at_ms`, each
    /// with its occurrence.
    ///
    /// # Errors
    ///
    /// [`RuleError::Storage`].
    pub async fn due(&self, query: DueRules) -> Result<Vec<Due>, RuleError> {
        let minute_ms = minute_start_ms(query.at_ms);
        Ok(self
            .enabled(Trigger::is_timed)
            .await?
            .into_iter()
            .filter_map(|rule| {
                self.occurrence_at(&rule.trigger, minute_ms)
                    .map(|occurrence| Due {
                        rule: rule.name.as_str().to_owned(),
                        occurrence,
                        at_ms: minute_ms,
                    })
            })
            .collect())
    }

    /// The occurrence a timed trigger fires for in the minute starting at
    /// `minute_ms`: a cron schedule matched against the shop's local time
    /// (a time inside a spring-forward gap does not exist that day, one in
    /// a fall-back hour is one occurrence), a one-off time or a birthday's
    /// time at its instant (a time inside the gap moves forward by the
    /// gap, one in the fall-back hour is its first instant).
    pub(super) fn occurrence_at(&self, trigger: &Trigger, minute_ms: i64) -> Option<String> {
        let local = truncate_to_minute(self.local(minute_ms));
        let instant = |at: DateTime| {
            at.to_zoned(self.clock.time_zone().clone())
                .ok()
                .map(|z| z.timestamp().as_millisecond())
                .map(minute_start_ms)
        };
        match trigger {
            // A cron matches the local time alone; a one-off or a birthday
            // time is placed at its instant (below), across DST changes.
            Trigger::Scheduled(Schedule::Cron(cron))
                if cron.is_time_matching(&local).unwrap_or(false) =>
            {
                Some(minute_name(local))
            }
            Trigger::Scheduled(Schedule::Once(at)) if instant(*at) == Some(minute_ms) => {
                Some(minute_name(truncate_to_minute(*at)))
            }
            Trigger::Birthday(at) if instant(local.date().to_datetime(*at)) == Some(minute_ms) => {
                Some(local.date().to_string())
            }
            _ => None,
        }
    }

    /// One page of a timed rule's fan-out: for each customer of the page,
    /// the rule's conditions, then its actions, logged once per rule,
    /// customer and occurrence (a page run again acts for nobody twice) and
    /// sent to each under the key `rule:{name}:{occurrence}`. Opted-out
    /// customers are skipped; in the quiet hours nothing runs and the page
    /// waits. Call it in a transaction with the next page's job.
    ///
    /// # Errors
    ///
    /// [`RuleError::Storage`].
    pub async fn fan_out<E: RuleEffects>(
        &self,
        cmd: FanOut,
        effects: &E,
    ) -> Result<FanOutStep, RuleError> {
        let now = self.now.ms();
        let allowed = self.clock.next_allowed(now);
        if allowed > now {
            return Ok(FanOutStep::WaitUntil(allowed));
        }
        let Some(rule) = self.enabled_rule(&cmd.rule).await? else {
            return Ok(FanOutStep::Finished);
        };
        // Edited since the occurrence was found (a birthday rule made a
        // schedule, say): this occurrence is not the rule's any more.
        if !fits(&rule.trigger, &cmd.occurrence) {
            return Ok(FanOutStep::Finished);
        }
        // Judged at the occurrence's time, as a dry run judges it, however
        // long the page waited (quiet hours, a retry).
        let at = cmd.at_ms;
        let page = self
            .subjects
            .subjects(cmd.after.as_ref(), cmd.limit.clamp(1, 1000))
            .await?;
        let Some(last) = page.last().map(|s| s.phone.clone()) else {
            return Ok(FanOutStep::Finished);
        };
        let day = birthday_date(&rule.trigger, &cmd.occurrence);
        for subject in &page {
            if let Some(day) = day
                && !subject.birthday.is_some_and(|b| is_birthday(b, day))
            {
                continue;
            }
            self.act(&rule, subject, &cmd.occurrence, at, effects)
                .await?;
        }
        Ok(if page.len() < cmd.limit.clamp(1, 1000) as usize {
            FanOutStep::Finished
        } else {
            FanOutStep::Next(last)
        })
    }

    /// Runs the enabled rules that fire on an event (an order confirmed,
    /// an invoice overdue) for its customer, highest priority first: each
    /// logged once per rule, customer and occurrence (the order's or the
    /// invoice's number), its messages sent under `rule:{name}:{occurrence}`.
    /// These reach the customer proactively: an opt-out skips them, and in
    /// the quiet hours nothing runs. Call it in a transaction.
    ///
    /// # Errors
    ///
    /// [`RuleError::Storage`].
    pub async fn on_event<E: RuleEffects>(
        &self,
        cmd: RunEventRules,
        effects: &E,
    ) -> Result<EventStep, RuleError> {
        let now = self.now.ms();
        let allowed = self.clock.next_allowed(now);
        if allowed > now {
            return Ok(EventStep::WaitUntil(allowed));
        }
        let mut rules = self.enabled(|t| cmd.event.fires(t)).await?;
        rules.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.name.cmp(&b.name)));
        if rules.is_empty() {
            return Ok(EventStep::Done(Vec::new()));
        }
        let subject = self.subjects.subject(&cmd.customer).await?;
        let mut acted = Vec::new();
        for rule in &rules {
            if self
                .act(rule, &subject, &cmd.occurrence, cmd.at_ms, effects)
                .await?
                == Some(RunResult::Done)
            {
                acted.push(rule.name.as_str().to_owned());
            }
        }
        Ok(EventStep::Done(acted))
    }

    /// A proactive run of `rule` for `subject` at `at`: planned, logged
    /// once per rule, customer and occurrence (`None`: logged before,
    /// nothing done), then its actions, its messages under
    /// `rule:{name}:{occurrence}`. How it ended.
    pub(super) async fn act<E: RuleEffects>(
        &self,
        rule: &Rule,
        subject: &Subject,
        occurrence: &str,
        at: i64,
        effects: &E,
    ) -> Result<Option<RunResult>, RuleError> {
        let plan = self.plan(rule, subject, at).await?;
        let record = record(rule, subject, occurrence, &plan, at);
        if !self.repo.record_run(&record).await? {
            return Ok(None);
        }
        let run = RunOf {
            rule,
            occurrence,
            at,
        };
        for step in &plan.steps {
            if let Some(why) = apply(effects, subject, step, &run).await? {
                // Logged done a moment ago, in this transaction: it did not
                // reach the customer after all.
                let failed = RunResult::Failed(why);
                self.repo
                    .set_result(rule.name.as_str(), &subject.phone, occurrence, &failed)
                    .await?;
                return Ok(Some(failed));
            }
        }
        Ok(Some(plan.result))
    }
}

/// Which run a step belongs to.
struct RunOf<'a> {
    rule: &'a Rule,
    occurrence: &'a str,
    at: i64,
}

/// Runs `step` for `subject`; why a message did not go, if it did not.
async fn apply<E: RuleEffects>(
    effects: &E,
    subject: &Subject,
    step: &Step,
    run: &RunOf<'_>,
) -> Result<Option<String>, RuleError> {
    match step {
        Step::Send(message, action) => {
            // One key per send action: a rule may send twice.
            let key = format!(
                "{KEY_PREFIX}{}:{}:{action}",
                run.rule.name.as_str(),
                run.occurrence
            );
            if let SendOutcome::NotSent(why) = effects.send(subject, message, &key).await? {
                return Ok(Some(why));
            }
        }
        Step::Webhook { url, action } => {
            effects
                .webhook(&WebhookCall {
                    url: url.clone(),
                    rule: run.rule.name.as_str().to_owned(),
                    trigger: run.rule.trigger.kind().to_owned(),
                    customer: subject.phone.clone(),
                    occurrence: run.occurrence.to_owned(),
                    action: *action,
                    at_ms: run.at,
                })
                .await?;
        }
        Step::Tag(tags) => effects.tag(&subject.phone, tags).await?,
        Step::Untag(tags) => effects.untag(&subject.phone, tags).await?,
        Step::Set { name, value } => effects.set_attribute(&subject.phone, name, value).await?,
        Step::Log(_) => {}
    }
    Ok(None)
}

pub(super) fn record(
    rule: &Rule,
    subject: &Subject,
    occurrence: &str,
    plan: &Plan,
    now: i64,
) -> RunRecord {
    RunRecord {
        rule: rule.name.as_str().to_owned(),
        customer: subject.phone.clone(),
        trigger: rule.trigger.kind().to_owned(),
        occurrence: occurrence.to_owned(),
        actions: plan.steps.iter().map(Step::describe).collect(),
        result: plan.result.clone(),
        at_ms: now,
    }
}

/// A local minute as an occurrence: `2026-12-07T09:00`.
fn minute_name(minute: DateTime) -> String {
    minute.strftime("%Y-%m-%dT%H:%M").to_string()
}

/// Whether `occurrence` is one `trigger` makes (a rule edited since it was
/// found may have another kind of trigger).
fn fits(trigger: &Trigger, occurrence: &str) -> bool {
    match trigger {
        Trigger::Birthday(_) => occurrence.parse::<Date>().is_ok(),
        Trigger::Scheduled(_) => occurrence.len() == 16 && occurrence.parse::<DateTime>().is_ok(),
        _ => false,
    }
}

/// The day whose birthdays a birthday rule's occurrence greets.
pub(super) fn birthday_date(trigger: &Trigger, occurrence: &str) -> Option<Date> {
    match trigger {
        Trigger::Birthday(_) => occurrence.parse().ok(),
        _ => None,
    }
}
