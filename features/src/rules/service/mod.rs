//! [`RuleService`]: rules kept and checked (here), run on messages, events
//! and the clock (`run`), planned for one customer (`plan`) and replayed
//! (`dry_run`).

mod dry_run;
mod plan;
mod run;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use jiff::civil::DateTime;

use super::commands::{DeleteRule, ImportRules, SaveRule, SetRuleEnabled};
use super::domain::{Rule, Schedule, Trigger, local_time, truncate_to_minute};
use super::error::RuleError;
use super::ports::{RuleRepository, RuleSubjects, RunRecord, StoredRule};
use super::queries::{GetRule, ListRules, RuleReport, RuleRuns};
use super::spec::{CompileContext, RuleSpec};
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

    pub(super) fn context(&self) -> CompileContext<'_> {
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

    pub(super) async fn stored(&self, name: &str) -> Result<StoredRule, RuleError> {
        self.repo
            .get(&normalised(name))
            .await?
            .ok_or_else(|| RuleError::NotFound(name.to_owned()))
    }

    pub(super) async fn enabled_rule(&self, name: &str) -> Result<Option<Rule>, RuleError> {
        let Some(stored) = self.repo.get(&normalised(name)).await? else {
            return Ok(None);
        };
        Ok(self.compiled(&stored).filter(|r| r.enabled))
    }

    pub(super) async fn enabled(
        &self,
        which: impl Fn(&Trigger) -> bool,
    ) -> Result<Vec<Rule>, RuleError> {
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
    pub(super) fn compiled(&self, stored: &StoredRule) -> Option<Rule> {
        stored.spec.compile(&self.context()).ok()
    }

    pub(super) fn local(&self, at_ms: i64) -> DateTime {
        local_time(at_ms, self.clock.time_zone())
    }
}

pub(super) fn normalised(name: &str) -> String {
    name.trim().to_lowercase()
}
