//! [`RuleService`]: rules kept, checked, run on messages and on the clock,
//! and replayed.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use jiff::civil::{Date, DateTime};

use super::commands::{
    DeleteRule, EventStep, FanOut, FanOutStep, ImportRules, MessageRulesOutcome, RunEventRules,
    RunMessageRules, SaveRule, SetRuleEnabled,
};
use super::domain::{
    Action, Condition, DAY_MS, Rule, Schedule, Trigger, is_birthday, local_time, time_in,
    truncate_to_minute,
};
use super::error::RuleError;
use super::ports::{
    RuleEffects, RuleRepository, RuleSubjects, RunRecord, RunResult, SendOutcome, StoredRule,
    Subject, WebhookCall,
};
use super::queries::{DryRun, Due, DueRules, GetRule, Hit, ListRules, RuleReport, RuleRuns};
use super::spec::{CompileContext, RuleSpec};
use crate::campaigns::{Personalised, Recipient};
use crate::reminders::ShopClock;
use crate::shared::Now;

/// What every key of a rule's proactive message starts with:
/// `rule:{name}:{occurrence}:{action}`, sent at most once to each
/// customer.
pub const KEY_PREFIX: &str = "rule:";

/// How long before the 24-hour window closes a rule already sends the
/// template instead of the text (as the bot's sender judges it: a text
/// stored just before the window closes may leave just after).
pub const WINDOW_MARGIN_MS: i64 = 30 * 60 * 1000;

/// How many past messages a dry run replays at most.
pub const DRY_RUN_MESSAGES: u32 = 50_000;

/// How many customers a dry run of a timed rule looks at per occurrence.
const DRY_RUN_SUBJECTS: u32 = 10_000;

/// Rules: kept as written, checked, run.
#[derive(Debug, Clone)]
pub struct RuleService<R, S> {
    repo: R,
    subjects: S,
    clock: ShopClock,
    templates: Arc<BTreeSet<String>>,
    now: Now,
    /// The stored rules compiled, by id, with the spec each was compiled
    /// from: every message asks for the enabled rules, and compiling
    /// (a regex, a cron's next time) each time would cost more than the
    /// read.
    compiled: Arc<Mutex<BTreeMap<i64, (RuleSpec, Option<Rule>)>>>,
}

/// One planned step of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// A message, and which of the rule's actions it is.
    Send(Personalised, usize),
    Tag(Vec<crate::customers::Tag>),
    Untag(Vec<crate::customers::Tag>),
    Set {
        name: String,
        value: String,
    },
    Log(String),
    Webhook {
        url: String,
        action: usize,
    },
}

impl Step {
    fn describe(&self) -> String {
        match self {
            Self::Send(Personalised::Text(text), _) => format!("send text {text:?}"),
            Self::Send(p, _) => format!("send template {}", p.summary()),
            Self::Tag(t) => format!("tag {}", tags(t)),
            Self::Untag(t) => format!("untag {}", tags(t)),
            Self::Set { name, value } => format!("set {name} = {value:?}"),
            Self::Log(line) => format!("log {line:?}"),
            Self::Webhook { url, .. } => format!("webhook POST {url}"),
        }
    }
}

/// What a rule did for a customer before, for its cap.
#[derive(Debug, Clone, Copy)]
enum Prior<'a> {
    /// The runs that did everything in the cap's period (live: the log).
    Counted(u32),
    /// The times it acted (a dry run's own hits).
    Times(&'a [i64]),
}

/// A run decided: its steps, and how it ends.
#[derive(Debug, Clone)]
struct Plan {
    steps: Vec<Step>,
    result: RunResult,
}

impl<R: RuleRepository, S: RuleSubjects> RuleService<R, S> {
    /// A service over `repo` and `subjects`, on the shop's clock, accepting
    /// templates named in `templates`.
    #[must_use]
    pub fn new(
        repo: R,
        subjects: S,
        clock: ShopClock,
        templates: BTreeSet<String>,
        now: Now,
    ) -> Self {
        Self {
            repo,
            subjects,
            clock,
            templates: Arc::new(templates),
            now,
            compiled: Arc::default(),
        }
    }

    /// The approved templates' names.
    #[must_use]
    pub fn templates(&self) -> &BTreeSet<String> {
        &self.templates
    }

    /// Checks `spec` and returns the rule it describes.
    ///
    /// # Errors
    ///
    /// [`RuleError::Invalid`] naming the field.
    pub fn check(&self, spec: &RuleSpec) -> Result<Rule, RuleError> {
        spec.compile(&self.context())
    }

    /// [`check`](Self::check), and for a rule about to be stored also
    /// that a one-off time has not passed.
    ///
    /// # Errors
    ///
    /// [`RuleError::Invalid`] naming the field.
    pub fn check_new(&self, spec: &RuleSpec) -> Result<Rule, RuleError> {
        let rule = self.check(spec)?;
        if let Trigger::Scheduled(Schedule::Once(at)) = &rule.trigger
            && truncate_to_minute(*at) < truncate_to_minute(self.local(self.now.ms()))
        {
            return Err(RuleError::Invalid {
                field: "trigger.once".to_owned(),
                reason: format!("{at} has passed: it would never fire"),
            });
        }
        Ok(rule)
    }

    fn context(&self) -> CompileContext<'_> {
        CompileContext {
            templates: &self.templates,
            now: self.local(self.now.ms()),
        }
    }

    /// Stores a rule after checking it.
    ///
    /// # Errors
    ///
    /// [`RuleError::Invalid`]; [`RuleError::Storage`].
    pub async fn save(&self, cmd: SaveRule) -> Result<StoredRule, RuleError> {
        let rule = self.check_new(&cmd.spec)?;
        let mut spec = cmd.spec;
        spec.name = rule.name.as_str().to_owned();
        let now = self.now.ms();
        let id = self.repo.save(&spec, now).await?;
        Ok(StoredRule {
            id,
            spec,
            updated_ms: now,
        })
    }

    /// Stores every rule of a file after checking them all (a wrong one
    /// stores none: its error names it, `rule[2].trigger.cron`). Call it in
    /// a transaction for all or none on storage failures too.
    ///
    /// # Errors
    ///
    /// [`RuleError::Invalid`]; [`RuleError::Storage`].
    pub async fn import(&self, cmd: ImportRules) -> Result<Vec<StoredRule>, RuleError> {
        let mut names = BTreeSet::new();
        for (i, spec) in cmd.file.rules.iter().enumerate() {
            let rule = self
                .check_new(spec)
                .map_err(|e| e.within(&format!("rule[{i}]")))?;
            if !names.insert(rule.name.as_str().to_owned()) {
                return Err(RuleError::Invalid {
                    field: format!("rule[{i}].name"),
                    reason: format!("{:?} is used twice in the file", rule.name.as_str()),
                });
            }
        }
        let mut saved = Vec::with_capacity(cmd.file.rules.len());
        for spec in cmd.file.rules {
            saved.push(self.save(SaveRule { spec }).await?);
        }
        Ok(saved)
    }

    /// Switches a rule on or off.
    ///
    /// # Errors
    ///
    /// [`RuleError::NotFound`]; [`RuleError::Storage`].
    pub async fn set_enabled(&self, cmd: SetRuleEnabled) -> Result<StoredRule, RuleError> {
        // Not checked again: a rule that no longer passes (its template
        // dropped from the approved list, its one-off time passed) can
        // still be switched off.
        let stored = self.stored(&cmd.name).await?;
        let mut spec = stored.spec;
        spec.enabled = cmd.enabled;
        let now = self.now.ms();
        let id = self.repo.save(&spec, now).await?;
        Ok(StoredRule {
            id,
            spec,
            updated_ms: now,
        })
    }

    /// Deletes a rule.
    ///
    /// # Errors
    ///
    /// [`RuleError::NotFound`]; [`RuleError::Storage`].
    pub async fn delete(&self, cmd: DeleteRule) -> Result<(), RuleError> {
        if self.repo.delete(&normalised(&cmd.name)).await? {
            Ok(())
        } else {
            Err(RuleError::NotFound(cmd.name))
        }
    }

    /// Every rule with its counts, by name.
    ///
    /// # Errors
    ///
    /// [`RuleError::Storage`].
    pub async fn list(&self, _query: ListRules) -> Result<Vec<RuleReport>, RuleError> {
        let counts = self.repo.counts().await?;
        Ok(self
            .repo
            .list()
            .await?
            .into_iter()
            .map(|rule| RuleReport {
                counts: counts.get(&rule.spec.name).copied().unwrap_or_default(),
                rule,
            })
            .collect())
    }

    /// One rule with its counts.
    ///
    /// # Errors
    ///
    /// [`RuleError::NotFound`]; [`RuleError::Storage`].
    pub async fn get(&self, query: GetRule) -> Result<RuleReport, RuleError> {
        let rule = self.stored(&query.name).await?;
        let counts = self.repo.counts().await?;
        Ok(RuleReport {
            counts: counts.get(&rule.spec.name).copied().unwrap_or_default(),
            rule,
        })
    }

    /// The last runs of a rule, newest first.
    ///
    /// # Errors
    ///
    /// [`RuleError::Storage`].
    pub async fn runs(&self, query: RuleRuns) -> Result<Vec<RunRecord>, RuleError> {
        Ok(self
            .repo
            .runs(&normalised(&query.rule), query.limit.clamp(1, 1000))
            .await?)
    }

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
        let minute_ms = query.at_ms - query.at_ms.rem_euclid(60_000);
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
    fn occurrence_at(&self, trigger: &Trigger, minute_ms: i64) -> Option<String> {
        let local = truncate_to_minute(self.local(minute_ms));
        let instant = |at: DateTime| {
            at.to_zoned(self.clock.time_zone().clone())
                .ok()
                .map(|z| z.timestamp().as_millisecond())
                .map(|ms| ms - ms.rem_euclid(60_000))
        };
        match trigger {
            Trigger::Scheduled(schedule @ Schedule::Cron(_)) if schedule.fires_at(local) => {
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
    async fn act<E: RuleEffects>(
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

    /// The rule's plan for `subject` at `now` (its cap read from the run
    /// log).
    async fn plan(&self, rule: &Rule, subject: &Subject, now: i64) -> Result<Plan, RuleError> {
        let mut counted = 0;
        for condition in &rule.conditions {
            if let Condition::AtMost { per_ms, .. } = condition {
                counted = self
                    .repo
                    .runs_since(rule.name.as_str(), &subject.phone, now - per_ms)
                    .await?;
            }
        }
        Ok(self.plan_with(rule, subject, now, self.now.ms(), Prior::Counted(counted)))
    }

    /// The rule's plan for `subject` at `now`, `prior` being what it did
    /// for them before: the conditions (and for proactive rules the
    /// customer's consent), then each action. Live runs and dry runs both
    /// decide here.
    ///
    /// `window_at` is when the message goes: the 24-hour window (the text
    /// or the template, and `inside_window`) is judged then; the other
    /// conditions and the cap at `now`, the run's time.
    fn plan_with(
        &self,
        rule: &Rule,
        subject: &Subject,
        now: i64,
        window_at: i64,
        prior: Prior<'_>,
    ) -> Plan {
        if let Some(why) = self.refusal(rule, subject, now, window_at, prior) {
            return Plan {
                steps: Vec::new(),
                result: RunResult::Skipped(why),
            };
        }
        let window_open = subject
            .last_inbound_ms
            .is_some_and(|t| window_at - t < DAY_MS - WINDOW_MARGIN_MS && t <= window_at);
        let recipient = Recipient {
            phone: subject.phone.clone(),
            name: subject.name.clone(),
            last_order: subject.last_order.clone(),
        };
        let mut steps = Vec::new();
        for (index, action) in rule.actions.iter().enumerate() {
            let step = match action {
                Action::Send(message) => match message.personalise(&recipient, window_open) {
                    Some(p) => Step::Send(p, index),
                    None => {
                        return Plan {
                            steps,
                            result: RunResult::Failed(
                                "outside the customer's 24-hour window a message needs a template"
                                    .to_owned(),
                            ),
                        };
                    }
                },
                Action::Tag(t) => Step::Tag(t.clone()),
                Action::Untag(t) => Step::Untag(t.clone()),
                Action::SetAttribute { name, value } => Step::Set {
                    name: name.clone(),
                    value: value.clone(),
                },
                Action::Log(line) => Step::Log(line.clone()),
                Action::Webhook(url) => Step::Webhook {
                    url: url.clone(),
                    action: index,
                },
            };
            steps.push(step);
        }
        Plan {
            steps,
            result: RunResult::Done,
        }
    }

    /// Why the rule must not act for `subject` now, if so.
    fn refusal(
        &self,
        rule: &Rule,
        subject: &Subject,
        now: i64,
        window_at: i64,
        prior: Prior<'_>,
    ) -> Option<String> {
        if rule.trigger.is_proactive() && !subject.marketing_ok {
            return Some("opted out".to_owned());
        }
        for condition in &rule.conditions {
            let holds = match condition {
                Condition::Tags(tags) => tags.iter().all(|t| subject.tags.contains(t)),
                Condition::NotTags(tags) => !tags.iter().any(|t| subject.tags.contains(t)),
                Condition::OptedIn => subject.marketing_ok,
                Condition::InsideWindow => subject
                    .last_inbound_ms
                    .is_some_and(|t| window_at - t < DAY_MS && t <= window_at),
                Condition::TimeOfDay { from, to } => time_in(self.local(now).time(), *from, *to),
                Condition::AtMost { times, per_ms } => match prior {
                    Prior::Counted(n) => n < *times,
                    Prior::Times(times_acted) => {
                        let recent = times_acted.iter().filter(|t| now - **t < *per_ms).count();
                        recent < *times as usize
                    }
                },
            };
            if !holds {
                return Some(describe(condition));
            }
        }
        None
    }

    async fn stored(&self, name: &str) -> Result<StoredRule, RuleError> {
        self.repo
            .get(&normalised(name))
            .await?
            .ok_or_else(|| RuleError::NotFound(name.to_owned()))
    }

    async fn enabled_rule(&self, name: &str) -> Result<Option<Rule>, RuleError> {
        let Some(stored) = self.repo.get(&normalised(name)).await? else {
            return Ok(None);
        };
        Ok(self.compiled(&stored).filter(|r| r.enabled))
    }

    async fn enabled(&self, which: impl Fn(&Trigger) -> bool) -> Result<Vec<Rule>, RuleError> {
        let stored = self.repo.list().await?;
        let mut cache = self
            .compiled
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Rules deleted since are forgotten.
        cache.retain(|id, _| stored.iter().any(|s| s.id == *id));
        let mut rules = Vec::new();
        for s in stored.iter().filter(|s| s.spec.enabled) {
            let fresh = cache.get(&s.id).is_some_and(|(spec, _)| *spec == s.spec);
            if !fresh {
                cache.insert(s.id, (s.spec.clone(), self.compiled(s)));
            }
            if let Some((_, Some(rule))) = cache.get(&s.id)
                && which(&rule.trigger)
            {
                rules.push(rule.clone());
            }
        }
        Ok(rules)
    }

    /// A stored rule compiled, or `None` when it no longer passes the
    /// checks (a template dropped from the approved list): such a rule is
    /// skipped until it is fixed (`campanile rules show` and the API still
    /// list it; saving it again says what is wrong).
    fn compiled(&self, stored: &StoredRule) -> Option<Rule> {
        stored.spec.compile(&self.context()).ok()
    }

    fn local(&self, at_ms: i64) -> DateTime {
        local_time(at_ms, self.clock.time_zone())
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

fn record(rule: &Rule, subject: &Subject, occurrence: &str, plan: &Plan, now: i64) -> RunRecord {
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
fn birthday_date(trigger: &Trigger, occurrence: &str) -> Option<Date> {
    match trigger {
        Trigger::Birthday(_) => occurrence.parse().ok(),
        _ => None,
    }
}

fn describe(condition: &Condition) -> String {
    match condition {
        Condition::Tags(t) => format!("lacks a tag of {}", tags(t)),
        Condition::NotTags(t) => format!("has a tag of {}", tags(t)),
        Condition::OptedIn => "opted out".to_owned(),
        Condition::InsideWindow => "outside the 24-hour window".to_owned(),
        Condition::TimeOfDay { from, to } => {
            format!(
                "outside {}–{}",
                from.strftime("%H:%M"),
                to.strftime("%H:%M")
            )
        }
        Condition::AtMost { times, .. } => format!("capped: acted {times} time(s) in the period"),
    }
}

fn normalised(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Tags as a list: `a, b`.
fn tags(list: &[crate::customers::Tag]) -> String {
    list.iter()
        .map(crate::customers::Tag::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
