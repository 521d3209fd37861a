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

/// An event of the shop that rules fire on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleEvent {
    /// An order was confirmed.
    OrderConfirmed,
    /// An invoice passed its due date unpaid.
    InvoiceOverdue,
}

impl RuleEvent {
    /// `order_confirmed` or `invoice_overdue`, as the trigger is written.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrderConfirmed => "order_confirmed",
            Self::InvoiceOverdue => "invoice_overdue",
        }
    }

    /// Whether `trigger` fires on it.
    #[must_use]
    pub fn fires(self, trigger: &super::Trigger) -> bool {
        matches!(
            (self, trigger),
            (Self::OrderConfirmed, super::Trigger::OrderConfirmed)
                | (Self::InvoiceOverdue, super::Trigger::InvoiceOverdue)
        )
    }
}

/// An event, for the rules that fire on it (a job runs them, in a
/// transaction).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEventRules {
    /// What happened.
    pub event: RuleEvent,
    /// To whom.
    pub customer: CustomerPhone,
    /// Which one: the order's or the invoice's number (each rule acts once
    /// per customer and occurrence).
    pub occurrence: String,
    /// When it happened (ms): the runs are judged and logged at it.
    pub at_ms: i64,
}

/// What running an event's rules did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventStep {
    /// Quiet hours: run them again at this time (ms).
    WaitUntil(i64),
    /// Done; these rules acted.
    Done(Vec<String>),
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
