//! A [`Rule`]: when it fires ([`Trigger`]), for whom ([`Condition`]s) and
//! what it does ([`Action`]s, in order).

use std::fmt;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};

use crate::campaigns::CampaignMessage;
use crate::catalog::text;
use crate::customers::Tag;

/// The longest rule name, in characters.
pub const MAX_NAME_CHARS: usize = 64;

/// A rule's name: how an operator refers to it (`campanile rules test
/// price-list`). Lower-case ASCII letters, digits, `-` and `_`, 1 to
/// [`MAX_NAME_CHARS`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleName(String);

impl RuleName {
    /// The name `text` gives, trimmed and lower-cased.
    ///
    /// # Errors
    ///
    /// A message saying what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let name = text.trim().to_lowercase();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(format!("must be 1 to {MAX_NAME_CHARS} characters"));
        }
        if let Some(c) = name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
        {
            return Err(format!("has {c:?}: use letters, digits, - and _ only"));
        }
        Ok(Self(name))
    }

    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An automation rule. Built from a [`RuleSpec`](super::RuleSpec), which
/// checks every part.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Its name.
    pub name: RuleName,
    /// Whether it runs (a disabled rule can still be dry-run).
    pub enabled: bool,
    /// Higher first, among the rules one message triggers.
    pub priority: i32,
    /// When it fires.
    pub trigger: Trigger,
    /// All must hold for a customer.
    pub conditions: Vec<Condition>,
    /// What it does, in order.
    pub actions: Vec<Action>,
    /// Whether, having fired on a message, it answers alone: the rules
    /// after it and the shop conversation do not see that message.
    pub stop_processing: bool,
}

/// When a rule fires.
#[derive(Debug, Clone)]
pub enum Trigger {
    /// A message with these words (whole words, in order) or matching this
    /// pattern, both case- and accent-insensitive.
    Keyword(Keyword),
    /// Any message.
    AnyMessage,
    /// A customer's first message ever.
    NewContact,
    /// On each customer's birthday (their `birthday` attribute), at this
    /// time in the shop's time zone.
    Birthday(Time),
    /// On a schedule in the shop's time zone.
    Scheduled(Schedule),
    /// The customer's order was confirmed (once per order).
    OrderConfirmed,
    /// The customer's invoice passed its due date unpaid (once per
    /// invoice).
    InvoiceOverdue,
}

impl Trigger {
    /// Whether it fires on a clock (a job fans it out) rather than on a
    /// message or an event (inside that turn).
    #[must_use]
    pub fn is_timed(&self) -> bool {
        matches!(self, Self::Birthday(_) | Self::Scheduled(_))
    }

    /// Whether it fires on an event of the shop (an order confirmed, an
    /// invoice overdue): a job runs it for that customer.
    #[must_use]
    pub fn is_event(&self) -> bool {
        matches!(self, Self::OrderConfirmed | Self::InvoiceOverdue)
    }

    /// Whether it answers the message that fired it (inside that turn).
    #[must_use]
    pub fn is_message(&self) -> bool {
        matches!(self, Self::Keyword(_) | Self::AnyMessage | Self::NewContact)
    }

    /// Whether its actions reach customers who did not just write: those
    /// honour opt-outs and quiet hours.
    #[must_use]
    pub fn is_proactive(&self) -> bool {
        !matches!(self, Self::Keyword(_) | Self::AnyMessage | Self::NewContact)
    }

    /// Its kind, as logged and counted: `keyword`, `any_message`,
    /// `new_contact`, `birthday`, `scheduled`, `order_confirmed`,
    /// `invoice_overdue`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Keyword(_) => "keyword",
            Self::AnyMessage => "any_message",
            Self::NewContact => "new_contact",
            Self::Birthday(_) => "birthday",
            Self::Scheduled(_) => "scheduled",
            Self::OrderConfirmed => "order_confirmed",
            Self::InvoiceOverdue => "invoice_overdue",
        }
    }
}

/// What a keyword trigger looks for.
#[derive(Debug, Clone)]
pub enum Keyword {
    /// These words, whole and in a row ("price list" matches "send the
    /// Price-List please", not "pricelist" or "prices").
    Words(Vec<String>),
    /// A regular expression over the message folded to lower-case ASCII
    /// (accents and other scripts transliterated, as the catalog matches).
    Pattern(regex::Regex),
}

impl Keyword {
    /// The words of `phrase` as they are matched.
    #[must_use]
    pub fn words(phrase: &str) -> Self {
        Self::Words(text::words(phrase))
    }

    /// Whether `message` has it.
    #[must_use]
    pub fn matches(&self, message: &str) -> bool {
        match self {
            Self::Words(wanted) => {
                if wanted.is_empty() {
                    return false;
                }
                let words = text::words(message);
                words.windows(wanted.len()).any(|w| w == wanted.as_slice())
            }
            Self::Pattern(re) => re.is_match(&text::normalize(message)),
        }
    }
}

/// A schedule in the shop's time zone.
#[derive(Debug, Clone)]
pub enum Schedule {
    /// A cron expression (five fields, minutes; `croner`'s syntax).
    Cron(Box<croner::Cron>),
    /// Once, at this local time.
    Once(DateTime),
}

/// `at` with its seconds and fraction dropped.
#[must_use]
pub fn truncate_to_minute(at: DateTime) -> DateTime {
    at.with()
        .second(0)
        .subsec_nanosecond(0)
        .build()
        .unwrap_or(at)
}

/// Whether a customer whose birthday is `birthday` has it on `today`
/// (29 February birthdays fall on 28 February in other years).
#[must_use]
pub fn is_birthday(birthday: Date, today: Date) -> bool {
    if birthday.month() == today.month() && birthday.day() == today.day() {
        return true;
    }
    birthday.month() == 2
        && birthday.day() == 29
        && today.month() == 2
        && today.day() == 28
        && !today.in_leap_year()
}

/// Something that must hold for a customer for a rule to act.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// They have every one of these tags.
    Tags(Vec<Tag>),
    /// They have none of these tags.
    NotTags(Vec<Tag>),
    /// They have not opted out of marketing.
    OptedIn,
    /// Their 24-hour window is open (they wrote in the last 24 hours).
    InsideWindow,
    /// The shop's local time is in `[from, to)` (wrapping midnight when
    /// `to` is earlier).
    TimeOfDay {
        /// From (included).
        from: Time,
        /// To (excluded).
        to: Time,
    },
    /// The rule acted for them fewer than `times` times in the last
    /// `per_ms` milliseconds.
    AtMost {
        /// How many times.
        times: u32,
        /// In what period, in milliseconds.
        per_ms: i64,
    },
}

/// One thing a rule does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A message: the text inside the customer's window, the template
    /// outside it (`{{name}}`, `{{last_order}}` filled in).
    Send(CampaignMessage),
    /// Put these tags on the customer.
    Tag(Vec<Tag>),
    /// Take these tags off.
    Untag(Vec<Tag>),
    /// Set an attribute of the customer (`birthday`, `city`, …).
    SetAttribute {
        /// Its name.
        name: String,
        /// Its value.
        value: String,
    },
    /// Write a line to the rule's log.
    Log(String),
    /// Post the run (rule, trigger, customer, occurrence) as JSON to this
    /// URL, from a job behind the outbound policy.
    Webhook(String),
}

impl Action {
    /// Its kind, as logged: `send`, `tag`, `untag`, `set_attribute`, `log`,
    /// `webhook`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Send(_) => "send",
            Self::Tag(_) => "tag",
            Self::Untag(_) => "untag",
            Self::SetAttribute { .. } => "set_attribute",
            Self::Log(_) => "log",
            Self::Webhook(_) => "webhook",
        }
    }
}

/// Whether the local `time` is in `[from, to)`, wrapping midnight.
#[must_use]
pub fn time_in(time: Time, from: Time, to: Time) -> bool {
    if from <= to {
        time >= from && time < to
    } else {
        time >= from || time < to
    }
}

/// The local civil time of `at_ms` in `tz`.
#[must_use]
pub fn local_time(at_ms: i64, tz: &jiff::tz::TimeZone) -> DateTime {
    Timestamp::from_millisecond(at_ms)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .datetime()
}

/// The Unix time (ms) of the start of the minute `at_ms` falls in.
#[must_use]
pub fn minute_start_ms(at_ms: i64) -> i64 {
    at_ms - at_ms.rem_euclid(60_000)
}

/// A day, in milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The attribute a birthday rule reads (a date, `1990-04-21`).
pub const BIRTHDAY: &str = "birthday";

/// A customer attribute's name and value, checked: a name of 1 to 32
/// letters, digits or `_` (lower-cased), a [`BIRTHDAY`] a date; the value
/// trimmed.
///
/// # Errors
///
/// Which of the two is wrong (`("name", why)` or `("value", why)`).
pub fn attribute(name: &str, value: &str) -> Result<(String, String), (&'static str, String)> {
    let name = name.trim().to_lowercase();
    if name.is_empty()
        || name.len() > 32
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(("name", format!("{name:?}: 1 to 32 letters, digits or _")));
    }
    let value = value.trim().to_owned();
    if name == BIRTHDAY && value.parse::<Date>().is_err() {
        return Err((
            "value",
            format!("{value:?}: a birthday is a date like 1990-04-21"),
        ));
    }
    Ok((name, value))
}
