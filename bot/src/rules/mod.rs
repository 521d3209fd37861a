//! Automation rules in the shop bot: the layer that runs message rules
//! inside each turn ([`RulesLayer`]), what their actions change
//! ([`ShopRuleEffects`]), and the file format's loading
//! ([`read_rule_file`]). The rules themselves, their checks and their
//! decisions are `features::rules`; the timed ones run as the jobs
//! `rules-tick` and `rule-fan-out` (`crate::jobs`).

mod effects;
mod layer;

pub use effects::ShopRuleEffects;
pub use layer::{RulesLayer, RulesService};

use features::rules::{RuleError, RuleFile};

/// Reads a TOML file of `[[rule]]` tables.
///
/// # Errors
///
/// [`RuleError::BadFile`] naming the line and what is wrong.
pub fn read_rule_file(text: &str) -> Result<RuleFile, RuleError> {
    toml::from_str(text).map_err(|e| RuleError::BadFile(e.to_string()))
}
