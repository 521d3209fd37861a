//! What is asked of rules: [`ListRules`], [`GetRule`], [`DueRules`],
//! [`DryRun`], [`RuleRuns`].

use super::ports::{RunCounts, StoredRule};
use crate::shared::CustomerPhone;

/// Every rule with its counts.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListRules;

/// One rule by name.
#[derive(Debug, Clone)]
pub struct GetRule {
    /// Its name.
    pub name: String,
}

/// A rule with what it has done.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleReport {
    /// As stored.
    pub rule: StoredRule,
    /// Its runs, by result.
    pub counts: RunCounts,
}

/// The timed rules that fire in the local minute of `at_ms`.
#[derive(Debug, Clone, Copy)]
pub struct DueRules {
    /// A moment in the minute (ms).
    pub at_ms: i64,
}

/// A timed rule's occurrence that fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    /// The rule's name.
    pub rule: String,
    /// Which occurrence: the local minute of a schedule
    /// (`2026-12-07T09:00`), the local date of a birthday greeting.
    pub occurrence: String,
    /// The start of the minute it fires in (ms): what its runs are judged
    /// and logged at.
    pub at_ms: i64,
}

/// Replay the last days against a rule: whom it would have hit, with what.
#[derive(Debug, Clone)]
pub struct DryRun {
    /// The rule's name (it need not be enabled).
    pub rule: String,
    /// From when (ms) to now.
    pub since_ms: i64,
}

/// What a rule would have done for one customer at one time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// When (ms): the message's time, or the occurrence's.
    pub at_ms: i64,
    /// Who.
    pub customer: CustomerPhone,
    /// The occurrence (a message id, a local minute, a date).
    pub occurrence: String,
    /// What it would have done, one line per action; empty when skipped.
    pub actions: Vec<String>,
    /// Why it would have done nothing, when a condition failed.
    pub skipped: Option<String>,
}

/// The last runs of a rule.
#[derive(Debug, Clone)]
pub struct RuleRuns {
    /// Its name.
    pub rule: String,
    /// How many at most.
    pub limit: u32,
}
