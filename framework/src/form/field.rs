//! A form's questions: what each asks, what it accepts, how its answer is
//! shown.

use std::fmt;
use std::sync::Arc;

use jiff::civil::Date;
use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use super::parse::{self, Input, Refusal};

pub use self::builder::{FieldBuilder, kind};

mod builder;

/// One question of a [`Form`](super::Form).
///
/// Start with the constructor of the kind of answer it takes, set what that
/// kind allows, then what every field allows ([`FieldBuilder::label`],
/// [`optional`](FieldBuilder::optional),
/// [`otherwise`](FieldBuilder::otherwise),
/// [`max_attempts`](FieldBuilder::max_attempts)):
///
/// ```
/// use framework::form::Field;
///
/// let name = Field::text("name", "What's your name?").length(2..=40);
/// let age = Field::number("age", "How old are you?").range(18..=120).label("Age");
/// let day = Field::one_of("day", "Which day?", [("sat", "Saturday"), ("sun", "Sunday")]);
/// let pin = Field::pattern("pin", "Your 6-digit PIN code?", r"\d{6}")
///     .otherwise("A PIN code has 6 digits, like 411001.");
/// let note = Field::text("note", "Anything we should know?").optional();
/// ```
///
/// Each answer becomes a JSON value under the field's name, and the answers
/// together become your type (see [`Form`](super::Form)): text, emails,
/// pattern answers and choice ids are strings, numbers are integers, dates
/// `"YYYY-MM-DD"` strings (a `jiff::civil::Date` reads them), phones
/// E.164 strings (a [`PhoneNumber`](crate::PhoneNumber) reads them), a
/// skipped optional answer is `null` (an `Option`).
#[derive(Clone)]
pub struct Field {
    pub(crate) common: Common,
    pub(crate) rule: Rule,
}

impl fmt::Debug for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Field")
            .field("name", &self.common.name)
            .field("rule", &self.rule)
            .field("optional", &self.common.optional)
            .finish_non_exhaustive()
    }
}

/// What every field has.
#[derive(Debug, Clone)]
pub(crate) struct Common {
    pub(crate) name: String,
    pub(crate) question: String,
    pub(crate) label: String,
    pub(crate) optional: bool,
    /// Replaces the built-in reason of every refusal.
    pub(crate) otherwise: Option<String>,
    /// `None`: the form's.
    pub(crate) max_attempts: Option<u32>,
}

/// A custom field's parser: the answer's JSON value, or the reason.
type CustomFn = Arc<dyn Fn(&str) -> Result<Value, String> + Send + Sync>;

/// What a field accepts.
#[derive(Clone)]
pub(crate) enum Rule {
    Text(kind::Text),
    Number(kind::Number),
    OneOf(kind::OneOf),
    Date(kind::Date),
    Phone(kind::Phone),
    Email,
    Pattern(kind::Pattern),
    Custom(CustomFn),
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(k) => k.fmt(f),
            Self::Number(k) => k.fmt(f),
            Self::OneOf(k) => k.fmt(f),
            Self::Date(k) => k.fmt(f),
            Self::Phone(k) => k.fmt(f),
            Self::Email => f.write_str("Email"),
            Self::Pattern(k) => k.fmt(f),
            Self::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

/// An accepted answer: the value your type is built from, and how the
/// summary shows it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Accepted {
    pub(crate) value: Value,
    pub(crate) shown: String,
}

impl Accepted {
    fn string(value: String) -> Self {
        Self {
            shown: value.clone(),
            value: Value::String(value),
        }
    }
}

impl Field {
    /// Text of 1 to 500 characters by default (change it with
    /// [`length`](FieldBuilder::length)); the answer is trimmed.
    pub fn text(name: impl Into<String>, question: impl Into<String>) -> FieldBuilder<kind::Text> {
        FieldBuilder::new(name, question, kind::Text { min: 1, max: 500 })
    }

    /// A whole number (any `i64` unless [`range`](FieldBuilder::range) says
    /// otherwise). "1,00,000" and "10 000" are read; decimals are refused.
    pub fn number(
        name: impl Into<String>,
        question: impl Into<String>,
    ) -> FieldBuilder<kind::Number> {
        FieldBuilder::new(
            name,
            question,
            kind::Number {
                min: i64::MIN,
                max: i64::MAX,
            },
        )
    }

    /// One of `options` (`(id, title)`), offered as reply buttons (up to 3
    /// with short titles), a list (up to 10), or a numbered text. The
    /// customer taps one, or types its title, id or number; the answer is the
    /// id.
    pub fn one_of<I, T>(
        name: impl Into<String>,
        question: impl Into<String>,
        options: impl IntoIterator<Item = (I, T)>,
    ) -> FieldBuilder<kind::OneOf>
    where
        I: Into<String>,
        T: Into<String>,
    {
        let options = options
            .into_iter()
            .map(|(id, title)| (id.into(), title.into()))
            .collect();
        FieldBuilder::new(name, question, kind::OneOf { options })
    }

    /// A date from today on, at most a year ahead by default (see
    /// [`days_from_today`](FieldBuilder::days_from_today)): "today",
    /// "tomorrow", a weekday, "21/11" (day first), "2026-11-21", "21 Nov".
    /// Today is the form's [clock](super::FormBuilder::clock)'s, in its
    /// [time zone](super::FormBuilder::time_zone).
    pub fn date(name: impl Into<String>, question: impl Into<String>) -> FieldBuilder<kind::Date> {
        FieldBuilder::new(name, question, kind::Date { from: 0, to: 366 })
    }

    /// A phone number with its country code ("+91 98123 45678"), or without
    /// when the field has a [`default_country`](FieldBuilder::default_country).
    pub fn phone(
        name: impl Into<String>,
        question: impl Into<String>,
    ) -> FieldBuilder<kind::Phone> {
        FieldBuilder::new(
            name,
            question,
            kind::Phone {
                default_country: None,
            },
        )
    }

    /// An email address (its domain lower-cased).
    pub fn email(
        name: impl Into<String>,
        question: impl Into<String>,
    ) -> FieldBuilder<kind::Email> {
        FieldBuilder::new(name, question, kind::Email)
    }

    /// Text the regular expression `pattern` matches as a whole (it is
    /// anchored at both ends; the answer is trimmed). An invalid pattern
    /// makes [`FormBuilder::build`](super::FormBuilder::build) fail.
    pub fn pattern(
        name: impl Into<String>,
        question: impl Into<String>,
        pattern: &str,
    ) -> FieldBuilder<kind::Pattern> {
        let regex = Regex::new(&format!("^(?:{pattern})$")).map_err(|e| e.to_string());
        FieldBuilder::new(
            name,
            question,
            kind::Pattern {
                source: pattern.to_owned(),
                regex,
            },
        )
    }

    /// Your own parser: the answer's value, or the reason it is refused
    /// (sent to the customer before the question is asked again). The
    /// summary shows the answer as typed.
    ///
    /// ```
    /// use framework::form::Field;
    ///
    /// let bags = Field::custom("bags", "How many bags (multiples of 10)?", |answer| {
    ///     match answer.parse::<u32>() {
    ///         Ok(n) if n > 0 && n % 10 == 0 => Ok(n),
    ///         _ => Err("We sell cement in tens of bags: 10, 20, 30..."),
    ///     }
    /// });
    /// ```
    pub fn custom<F, T, R>(
        name: impl Into<String>,
        question: impl Into<String>,
        parse: F,
    ) -> FieldBuilder<kind::Custom>
    where
        F: Fn(&str) -> Result<T, R> + Send + Sync + 'static,
        T: Serialize,
        R: fmt::Display,
    {
        let parse: CustomFn = Arc::new(move |answer: &str| {
            let value = parse(answer).map_err(|reason| reason.to_string())?;
            serde_json::to_value(value).map_err(|e| {
                tracing::warn!(error.message = %e, "a custom form field's value cannot be serialized");
                e.to_string()
            })
        });
        FieldBuilder::new(name, question, kind::Custom(parse))
    }

    /// The field's name: the key of its answer.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.common.name
    }

    /// The options of a choice field.
    pub(crate) fn options(&self) -> &[(String, String)] {
        match &self.rule {
            Rule::OneOf(k) => &k.options,
            _ => &[],
        }
    }

    /// Reads an answer.
    pub(crate) fn accept(&self, input: Input<'_>, today: Date) -> Result<Accepted, Refusal> {
        let accepted = match &self.rule {
            Rule::Text(k) => parse::text(input.text()?, k.min, k.max).map(Accepted::string),
            Rule::Number(k) => parse::number(input.text()?, k.min, k.max).map(|n| Accepted {
                value: Value::from(n),
                shown: n.to_string(),
            }),
            Rule::OneOf(k) => parse::one_of(input, &k.options).map(|(id, title)| Accepted {
                value: Value::String(id.clone()),
                shown: title.clone(),
            }),
            Rule::Date(k) => {
                let (earliest, latest) = k.bounds(today);
                parse::date(input.text()?, today, earliest, latest).map(|d| Accepted {
                    value: Value::String(d.to_string()),
                    shown: parse::show_date(d),
                })
            }
            Rule::Phone(k) => parse::phone(input.text()?, k.default_country.as_deref())
                .map(|p| Accepted::string(p.as_str().to_owned())),
            Rule::Email => parse::email(input.text()?).map(Accepted::string),
            Rule::Pattern(k) => {
                let answer = input.text()?;
                match &k.regex {
                    Ok(regex) if regex.is_match(answer) => Ok(Accepted::string(answer.to_owned())),
                    _ => Err(Refusal::NoMatch),
                }
            }
            Rule::Custom(parse) => {
                let answer = input.text()?;
                parse(answer)
                    .map(|value| Accepted {
                        value,
                        shown: answer.to_owned(),
                    })
                    .map_err(Refusal::Custom)
            }
        };
        accepted.map_err(|refusal| match &self.common.otherwise {
            Some(reason) => Refusal::Custom(reason.clone()),
            None => refusal,
        })
    }
}

#[cfg(test)]
mod tests;
