//! A run decided for one customer: the rule's conditions (and for
//! proactive rules the customer's consent), then its actions as steps.
//! Live runs and dry runs both decide here.

use super::{RuleService, WINDOW_MARGIN_MS};
use crate::campaigns::{Personalised, Recipient};
use crate::rules::domain::{Action, Condition, DAY_MS, Rule, time_in};
use crate::rules::error::RuleError;
use crate::rules::ports::{RuleRepository, RuleSubjects, RunResult, Subject};

/// One planned step of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Step {
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
    pub(super) fn describe(&self) -> String {
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
pub(super) enum Prior<'a> {
    /// The runs that did everything in the cap's period (live: the log).
    Counted(u32),
    /// The times it acted (a dry run's own hits).
    Times(&'a [i64]),
}

/// A run decided: its steps, and how it ends.
#[derive(Debug, Clone)]
pub(super) struct Plan {
    pub(super) steps: Vec<Step>,
    pub(super) result: RunResult,
}

impl<R: RuleRepository, S: RuleSubjects> RuleService<R, S> {
    /// The rule's plan for `subject` at `now` (its cap read from the run
    /// log).
    pub(super) async fn plan(
        &self,
        rule: &Rule,
        subject: &Subject,
        now: i64,
    ) -> Result<Plan, RuleError> {
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
    pub(super) fn plan_with(
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

/// Tags as a list: `a, b`.
fn tags(list: &[crate::customers::Tag]) -> String {
    list.iter()
        .map(crate::customers::Tag::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}
