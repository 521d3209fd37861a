//! Automation rules: "when a message says *price list*, send the price
//! list", "greet a new contact and tag them *new*", "on a customer's
//! birthday at 10:00 send the greeting", "every Monday at 09:00 send the
//! stock update to contractors".
//!
//! A rule is data ([`RuleSpec`]: a TOML table, an API body, a database
//! row), checked into a [`Rule`] ([`RuleSpec::compile`], naming the wrong
//! field): a [`Trigger`], [`Condition`]s and [`Action`]s in order.
//! Message triggers (keyword, any message, new contact) run inside the
//! message's turn ([`RuleService::on_message`]); timed ones (birthday,
//! schedule) are found each minute ([`RuleService::due`]) and fanned out
//! a page of customers at a time ([`RuleService::fan_out`]). Each run is
//! logged once per rule, customer and occurrence, with its effects, so
//! nobody gets a rule's action twice for one occurrence whatever crashes
//! and retries. [`RuleService::dry_run`] replays the last days against a
//! rule without doing anything.
//!
//! # Layout
//!
//! - [`domain`]: [`Rule`], [`Trigger`] ([`Keyword`], [`Schedule`]),
//!   [`Condition`], [`Action`]; [`spec`]: the written form and its checks.
//! - [`commands`]: [`SaveRule`], [`ImportRules`], [`SetRuleEnabled`],
//!   [`DeleteRule`], [`RunMessageRules`], [`FanOut`]; [`queries`]:
//!   [`ListRules`], [`GetRule`], [`DueRules`], [`DryRun`], [`RuleRuns`].
//! - [`ports`]: [`RuleRepository`], [`RuleSubjects`], [`RuleEffects`].
//! - [`service`]: the [`RuleService`]; [`error`]: [`RuleError`].

pub mod commands;
pub mod domain;
pub mod error;
pub mod ports;
pub mod queries;
pub mod service;
pub mod spec;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

pub use commands::{
    DeleteRule, EventStep, FanOut, FanOutStep, ImportRules, MessageRulesOutcome, RuleEvent,
    RunEventRules, RunMessageRules, SaveRule, SetRuleEnabled,
};
pub use domain::{Action, Condition, Keyword, Rule, RuleName, Schedule, Trigger};
pub use error::RuleError;
pub use ports::{
    PastEvent, PastMessage, RuleEffects, RuleRepository, RuleSubjects, RunCounts, RunRecord,
    RunResult, SendOutcome, StoredRule, Subject, WebhookCall,
};
pub use queries::{DryRun, Due, DueRules, GetRule, Hit, ListRules, RuleReport, RuleRuns};
pub use service::{KEY_PREFIX, RuleService};
pub use spec::{RuleFile, RuleSpec};
