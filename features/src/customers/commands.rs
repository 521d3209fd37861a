//! Write intents for customers: one struct per command.

use super::details::{Language, Registration};
use super::domain::{ConsentSource, OptOutScope, Tag};
use crate::shared::CustomerPhone;

/// Opt a customer out of `scope` (STOP: [`OptOutScope::All`]). An opt-out
/// as wide already recorded stays as it was.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OptOutCustomer {
    /// Who.
    pub customer: CustomerPhone,
    /// Of what.
    pub scope: OptOutScope,
    /// Who says so.
    pub source: ConsentSource,
}

/// Opt a customer back in (START): the shop may message them first again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OptInCustomer {
    /// Who.
    pub customer: CustomerPhone,
}

/// Put tags on a customer (a tag they have already is kept as it was).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TagCustomer {
    /// Who.
    pub customer: CustomerPhone,
    /// The tags; at least one.
    pub tags: Vec<Tag>,
}

/// Take tags off a customer (one they do not have is ignored).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UntagCustomer {
    /// Who.
    pub customer: CustomerPhone,
    /// The tags; at least one.
    pub tags: Vec<Tag>,
}

/// Remember the language the customer reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SetLanguage {
    /// Who.
    pub customer: CustomerPhone,
    /// Which language.
    pub language: Language,
}

/// Note that the customer is being offered the choice of language (once:
/// on first contact).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OfferLanguage {
    /// Who.
    pub customer: CustomerPhone,
}

/// Store the customer's profile (the register form's answers).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegisterCustomer {
    /// Who.
    pub customer: CustomerPhone,
    /// What they told the shop.
    pub registration: Registration,
}
