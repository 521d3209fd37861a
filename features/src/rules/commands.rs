//! What changes rules or runs them: [`SaveRule`], [`ImportRules`],
//! [`SetRuleEnabled`], [`DeleteRule`], [`RunMessageRules`], [`FanOut`].

use super::spec::{RuleFile, RuleSpec};
use crate::campaigns::Personalised;
use crate::shared::CustomerPhone;

/// Store a rule (a new one, or a new version of the one of that name).
#[derive(Debug, Clone)]
pub struct SaveRule {
    /// As written.
    pub spec: RuleSpec,
}

/// Store every rule of a file, all or none.
#[derive(Debug, Clone)]
pub struct ImportRules {
    /// The file.
    pub file: RuleFile,
}

/// Switch a rule on or off.
#[derive(Debug, Clone)]
pub struct SetRuleEnabled {
    /// Its name.
    pub name: String,
    /// On or off.
    pub enabled: bool,
}

/// Delete a rule (its run log stays).
#[derive(Debug, Clone)]
pub struct DeleteRule {
    /// Its name.
    pub name: String,
}

/// A customer's message, for the rules that fire on messages (inside its
/// turn).
#[derive(Debug, Clone)]
pub struct RunMessageRules {
    /// The provider's id of the message (the occurrence).
    pub message_id: String,
    /// Who wrote.
    pub customer: CustomerPhone,
    /// Their profile name, if the provider sent one.
    pub name: Option<String>,
    /// What they wrote (empty for media without a caption).
    pub text: String,
}

/// What the message rules did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageRulesOutcome {
    /// The answers to send in the turn, in order.
    pub replies: Vec<Personalised>,
    /// The rules that fired and acted, in order.
    pub fired: Vec<String>,
    /// Whether one of them answers alone: the shop conversation does not
    /// also answer.
    pub stop: bool,
}

/// One page of a timed rule's fan-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FanOut {
    /// The rule's name.
    pub rule: String,
    /// The occurrence ([`Due::occurrence`](super::queries::Due)).
    pub occurrence: String,
    /// Its time ([`Due::at_ms`](super::queries::Due)): every customer's
    /// run is judged and logged at it, however late the page runs.
    pub at_ms: i64,
    /// The last customer of the page before.
    pub after: Option<CustomerPhone>,
    /// How many customers per page.
    pub limit: u32,
}

/// What a fan-out page did, and what comes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FanOutStep {
    /// Quiet hours: run the page again at this time (ms).
    WaitUntil(i64),
    /// The page is done; the next starts after this customer.
    Next(CustomerPhone),
    /// Nobody is left (or the rule is gone or switched off).
    Finished,
}
