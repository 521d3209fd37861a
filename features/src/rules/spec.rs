//! [`RuleSpec`]: a rule as written (a TOML file, the operator API, the
//! database), and [`RuleSpec::compile`], which checks every part and says
//! which field is wrong.
//!
//! ```toml
//! [[rule]]
//! name = "price-list"
//! priority = 10
//! stop_processing = true          # answers alone: the shop does not also answer
//! trigger = { keyword = "price list" }
//! actions = [{ send = { text = "Our price list: cement 400/bag, sand 50/cft." } }]
//!
//! [[rule]]
//! name = "monday-stock"
//! trigger = { cron = "0 9 * * MON" }   # the shop's time zone
//! conditions = { tags = ["contractor"] }
//! actions = [{ send = { template = { name = "stock_update", language = "en", variables = ["{{name}}"] } } }]
//! ```

use std::collections::BTreeSet;

use jiff::civil::{DateTime, Time};
use serde::{Deserialize, Serialize};

use super::domain::{Action, Condition, DAY_MS, Keyword, Rule, RuleName, Schedule, Trigger};
use super::error::RuleError;
use crate::campaigns::{CampaignMessage, TemplateMessage, Variable};
use crate::customers::Tag;

/// A file of rules: `[[rule]]` tables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules, in the file's order.
    #[serde(default, rename = "rule")]
    pub rules: Vec<RuleSpec>,
}

/// A rule as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Its name (letters, digits, `-`, `_`).
    pub name: String,
    /// Whether it runs (default true).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Higher first (default 0).
    #[serde(default)]
    pub priority: i32,
    /// Whether it answers a message alone (default false: the shop also
    /// answers).
    #[serde(default)]
    pub stop_processing: bool,
    /// When it fires: exactly one field.
    pub trigger: TriggerSpec,
    /// For whom (all must hold).
    #[serde(default)]
    pub conditions: ConditionsSpec,
    /// What it does, in order: each entry exactly one field.
    pub actions: Vec<ActionSpec>,
}

fn yes() -> bool {
    true
}

/// When a rule fires: set exactly one field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriggerSpec {
    /// Words in a row ("price list"), whole, any case or accents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    /// A regular expression over the message in lower-case ASCII.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regex: Option<String>,
    /// Any message.
    #[serde(default, skip_serializing_if = "is_false")]
    pub any_message: bool,
    /// A customer's first message ever.
    #[serde(default, skip_serializing_if = "is_false")]
    pub new_contact: bool,
    /// The local time ("10:00") to greet customers on their birthday.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// A cron expression (5 fields) in the shop's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    /// Once, at this local time ("2026-12-25T09:00").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub once: Option<String>,
    /// The customer's order was confirmed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub order_confirmed: bool,
    /// The customer's invoice passed its due date unpaid.
    #[serde(default, skip_serializing_if = "is_false")]
    pub invoice_overdue: bool,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if signature
fn is_false(b: &bool) -> bool {
    !*b
}

/// For whom a rule acts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionsSpec {
    /// The customer has every one of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// The customer has none of these tags.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_tags: Vec<String>,
    /// The customer has not opted out of marketing.
    #[serde(default, skip_serializing_if = "is_false")]
    pub opted_in: bool,
    /// The customer wrote in the last 24 hours.
    #[serde(default, skip_serializing_if = "is_false")]
    pub inside_window: bool,
    /// Local times `["09:00", "18:00"]`: from (included) to (excluded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub between: Option<[String; 2]>,
    /// At most so many times per period per customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<CapSpec>,
}

/// A cap per customer: `{ times = 1, per = "1d" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CapSpec {
    /// How many times.
    pub times: u32,
    /// In what period: minutes, hours or days (`30m`, `12h`, `1d`).
    pub per: String,
}

/// One action: set exactly one field.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// Send a message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<SendSpec>,
    /// Tag the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<Vec<String>>,
    /// Untag the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub untag: Option<Vec<String>>,
    /// Set an attribute: `{ name = "city", value = "Pune" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<AttributeSpec>,
    /// Write a line to the log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<String>,
    /// Post the run as JSON to a URL: `{ url = "https://…" }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<WebhookSpec>,
}

/// A webhook to call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// An `http` or `https` URL.
    pub url: String,
}

/// A message: a text for customers inside their window, a template for
/// those outside (at least one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendSpec {
    /// Free text with `{{name}}`, `{{last_order}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// An approved template.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<TemplateSpec>,
}

/// An approved template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// Its name as approved.
    pub name: String,
    /// Its language (default `en`).
    #[serde(default = "english")]
    pub language: String,
    /// Twilio's Content SID for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_sid: Option<String>,
    /// Its variables in order: `{{name}}`, `{{last_order}}` or text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<String>,
}

fn english() -> String {
    "en".to_owned()
}

/// An attribute to set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeSpec {
    /// Its name (letters, digits, `_`).
    pub name: String,
    /// Its value.
    pub value: String,
}

/// What [`RuleSpec::compile`] checks against: the approved templates'
/// names and the time to judge "never fires" from.
#[derive(Debug, Clone)]
pub struct CompileContext<'a> {
    /// The approved templates' names.
    pub templates: &'a BTreeSet<String>,
    /// Now, in the shop's time zone.
    pub now: DateTime,
}

impl RuleSpec {
    /// The rule this spec describes.
    ///
    /// # Errors
    ///
    /// [`RuleError::Invalid`] naming the first wrong field
    /// (`trigger.cron`, `actions[1].send.template.name`, …).
    pub fn compile(&self, cx: &CompileContext<'_>) -> Result<Rule, RuleError> {
        let name = RuleName::parse(&self.name).map_err(|why| invalid("name", why))?;
        let trigger = self.trigger.compile(cx)?;
        let conditions = self.conditions.compile()?;
        if self.actions.is_empty() {
            return Err(invalid("actions", "a rule needs at least one action"));
        }
        let actions = self
            .actions
            .iter()
            .enumerate()
            .map(|(i, a)| a.compile(&format!("actions[{i}]"), cx))
            .collect::<Result<Vec<_>, _>>()?;
        if self.stop_processing && !trigger.is_message() {
            return Err(invalid(
                "stop_processing",
                "only a rule that fires on a message can answer it alone",
            ));
        }
        Ok(Rule {
            name,
            enabled: self.enabled,
            priority: self.priority,
            trigger,
            conditions,
            actions,
            stop_processing: self.stop_processing,
        })
    }
}

impl TriggerSpec {
    fn compile(&self, cx: &CompileContext<'_>) -> Result<Trigger, RuleError> {
        let mut found = Vec::new();
        if let Some(keyword) = &self.keyword {
            let words = Keyword::words(keyword);
            if matches!(&words, Keyword::Words(w) if w.is_empty()) {
                return Err(invalid("trigger.keyword", "has no letters or digits"));
            }
            found.push(Trigger::Keyword(words));
        }
        if let Some(pattern) = &self.regex {
            // Matched against the message folded to lower-case ASCII: a
            // letter with an accent or of another script would never match.
            if let Some(c) = pattern.chars().find(|c| !c.is_ascii()) {
                return Err(invalid(
                    "trigger.regex",
                    format!(
                        "has {c:?}: write it as plain ASCII letters (messages are matched with accents and other scripts transliterated)"
                    ),
                ));
            }
            let re = regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| invalid("trigger.regex", format!("does not compile: {e}")))?;
            found.push(Trigger::Keyword(Keyword::Pattern(re)));
        }
        if self.any_message {
            found.push(Trigger::AnyMessage);
        }
        if self.new_contact {
            found.push(Trigger::NewContact);
        }
        if let Some(at) = &self.birthday {
            found.push(Trigger::Birthday(parse_time("trigger.birthday", at)?));
        }
        if let Some(cron) = &self.cron {
            found.push(Trigger::Scheduled(Schedule::Cron(Box::new(parse_cron(
                cron, cx.now,
            )?))));
        }
        if let Some(once) = &self.once {
            let at: DateTime = once.trim().parse().map_err(|_| {
                invalid(
                    "trigger.once",
                    format!("{once:?} is not a local date and time like 2026-12-25T09:00"),
                )
            })?;
            found.push(Trigger::Scheduled(Schedule::Once(at)));
        }
        if self.order_confirmed {
            found.push(Trigger::OrderConfirmed);
        }
        if self.invoice_overdue {
            found.push(Trigger::InvoiceOverdue);
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(invalid(
                "trigger",
                "set one of keyword, regex, any_message, new_contact, birthday, cron, once, order_confirmed, invoice_overdue",
            )),
            _ => Err(invalid("trigger", "set only one trigger per rule")),
        }
    }
}

fn parse_cron(expr: &str, now: DateTime) -> Result<croner::Cron, RuleError> {
    let fields = expr.split_whitespace().count();
    if !expr.trim().starts_with('@') && fields != 5 {
        return Err(invalid(
            "trigger.cron",
            format!("{expr:?} has {fields} fields: write minute hour day month weekday"),
        ));
    }
    let cron = croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Disallowed)
        .build()
        .parse(expr)
        .map_err(|e| invalid("trigger.cron", format!("{expr:?} does not parse: {e}")))?;
    cron.find_next_occurrence(&now, false)
        .map_err(|_| invalid("trigger.cron", format!("{expr:?} never fires")))?;
    Ok(cron)
}

fn parse_time(field: &str, text: &str) -> Result<Time, RuleError> {
    text.trim()
        .parse::<Time>()
        .map_err(|_| invalid(field, format!("{text:?} is not a time like 10:00")))
}

impl ConditionsSpec {
    fn compile(&self) -> Result<Vec<Condition>, RuleError> {
        let mut out = Vec::new();
        if !self.tags.is_empty() {
            out.push(Condition::Tags(tags("conditions.tags", &self.tags)?));
        }
        if !self.not_tags.is_empty() {
            out.push(Condition::NotTags(tags(
                "conditions.not_tags",
                &self.not_tags,
            )?));
        }
        if self.opted_in {
            out.push(Condition::OptedIn);
        }
        if self.inside_window {
            out.push(Condition::InsideWindow);
        }
        if let Some([from, to]) = &self.between {
            let from = parse_time("conditions.between", from)?;
            let to = parse_time("conditions.between", to)?;
            if from == to {
                return Err(invalid("conditions.between", "from and to are the same"));
            }
            out.push(Condition::TimeOfDay { from, to });
        }
        if let Some(cap) = &self.at_most {
            if cap.times == 0 {
                return Err(invalid("conditions.at_most.times", "must be at least 1"));
            }
            out.push(Condition::AtMost {
                times: cap.times,
                per_ms: parse_period(&cap.per)?,
            });
        }
        Ok(out)
    }
}

/// `30m`, `12h`, `1d`, `7d` in milliseconds.
fn parse_period(text: &str) -> Result<i64, RuleError> {
    let field = "conditions.at_most.per";
    let text = text.trim();
    let bad = || {
        invalid(
            field,
            format!("{text:?} is not a period like 30m, 12h or 1d"),
        )
    };
    let unit = text.chars().last().ok_or_else(bad)?;
    let n: i64 = text[..text.len() - unit.len_utf8()]
        .trim()
        .parse()
        .map_err(|_| bad())?;
    let ms = match unit {
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => DAY_MS,
        _ => return Err(bad()),
    };
    if n <= 0 || n > 366 * DAY_MS / ms {
        return Err(invalid(field, "must be between 1 minute and 366 days"));
    }
    Ok(n * ms)
}

impl ActionSpec {
    fn compile(&self, at: &str, cx: &CompileContext<'_>) -> Result<Action, RuleError> {
        let mut found = Vec::new();
        if let Some(send) = &self.send {
            found.push(send.compile(&format!("{at}.send"), cx)?);
        }
        if let Some(list) = &self.tag {
            found.push(Action::Tag(tags(&format!("{at}.tag"), list)?));
        }
        if let Some(list) = &self.untag {
            found.push(Action::Untag(tags(&format!("{at}.untag"), list)?));
        }
        if let Some(attr) = &self.set {
            let (name, value) = super::domain::attribute(&attr.name, &attr.value)
                .map_err(|(part, why)| invalid(&format!("{at}.set.{part}"), why))?;
            found.push(Action::SetAttribute { name, value });
        }
        if let Some(line) = &self.log {
            found.push(Action::Log(line.clone()));
        }
        if let Some(hook) = &self.webhook {
            let url = hook.url.trim();
            let host = url
                .strip_prefix("https://")
                .or_else(|| url.strip_prefix("http://"))
                .and_then(|rest| rest.split(['/', '?', '#']).next())
                .filter(|host| !host.is_empty() && !host.starts_with(':'));
            if host.is_none() || url.len() > 2048 || url.chars().any(char::is_whitespace) {
                return Err(invalid(
                    &format!("{at}.webhook.url"),
                    format!("{url:?} is not an http or https URL"),
                ));
            }
            found.push(Action::Webhook(url.to_owned()));
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(invalid(
                at,
                "set one of send, tag, untag, set, log, webhook",
            )),
            _ => Err(invalid(at, "set only one action per entry")),
        }
    }
}

impl SendSpec {
    fn compile(&self, at: &str, cx: &CompileContext<'_>) -> Result<Action, RuleError> {
        let template = match &self.template {
            None => None,
            Some(t) => {
                if !cx.templates.contains(t.name.trim()) {
                    return Err(invalid(
                        &format!("{at}.template.name"),
                        format!(
                            "{:?} is not an approved template (CAMPANILE_TEMPLATES: {})",
                            t.name,
                            cx.templates.iter().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                Some(TemplateMessage {
                    name: t.name.trim().to_owned(),
                    language: t.language.trim().to_owned(),
                    content_sid: t.content_sid.clone(),
                    variables: t.variables.iter().map(|v| Variable::parse(v)).collect(),
                })
            }
        };
        let message = CampaignMessage {
            template,
            text: self.text.clone(),
        };
        if message.is_empty() {
            return Err(invalid(at, "needs a text, a template or both"));
        }
        Ok(Action::Send(message))
    }
}

fn tags(field: &str, list: &[String]) -> Result<Vec<Tag>, RuleError> {
    list.iter()
        .map(|t| Tag::parse(t).map_err(|e| invalid(field, e.to_string())))
        .collect()
}

fn invalid(field: &str, reason: impl Into<String>) -> RuleError {
    RuleError::Invalid {
        field: field.to_owned(),
        reason: reason.into(),
    }
}
