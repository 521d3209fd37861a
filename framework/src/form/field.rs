//! A form's questions: what each asks, what it accepts, how its answer is
//! shown.

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;

use jiff::civil::Date;
use regex::Regex;
use serde::Serialize;
use serde_json::Value;

use super::parse::{self, Input, Refusal};

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

/// Builds a [`Field`]; `K` is the kind of answer it takes. See
/// [`Field`] for an example.
#[derive(Debug, Clone)]
#[must_use]
pub struct FieldBuilder<K> {
    common: Common,
    kind: K,
}

impl<K> FieldBuilder<K> {
    fn new(name: impl Into<String>, question: impl Into<String>, kind: K) -> Self {
        let name = name.into();
        Self {
            common: Common {
                label: default_label(&name),
                name,
                question: question.into(),
                optional: false,
                otherwise: None,
                max_attempts: None,
            },
            kind,
        }
    }

    /// How the summary names the field. Defaults to the name, capitalized,
    /// with `_` as spaces ("delivery_day": "Delivery day").
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.common.label = label.into();
        self
    }

    /// The customer may skip it (with a [skip word](super::FormTexts::skip_words));
    /// its answer is then `null`.
    pub fn optional(mut self) -> Self {
        self.common.optional = true;
        self
    }

    /// The reason given for every refused answer, instead of the built-in
    /// one (grammY's `otherwise`, BuilderBot's `fallBack`).
    pub fn otherwise(mut self, reason: impl Into<String>) -> Self {
        self.common.otherwise = Some(reason.into());
        self
    }

    /// How many refused answers in a row abandon the form (at least 1);
    /// defaults to the form's [`max_attempts`](super::FormBuilder::max_attempts).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.common.max_attempts = Some(attempts.max(1));
        self
    }
}

impl FieldBuilder<kind::Text> {
    /// Accepts `min..=max` characters (after trimming; at least 1).
    pub fn length(mut self, chars: RangeInclusive<usize>) -> Self {
        self.kind.min = (*chars.start()).max(1);
        self.kind.max = *chars.end();
        self
    }
}

impl FieldBuilder<kind::Number> {
    /// Accepts numbers in `range`.
    pub fn range(mut self, range: RangeInclusive<i64>) -> Self {
        self.kind.min = *range.start();
        self.kind.max = *range.end();
        self
    }
}

impl FieldBuilder<kind::OneOf> {
    /// Adds an option.
    pub fn option(mut self, id: impl Into<String>, title: impl Into<String>) -> Self {
        self.kind.options.push((id.into(), title.into()));
        self
    }
}

impl FieldBuilder<kind::Date> {
    /// Accepts dates from `days.start()` to `days.end()` days after today
    /// (negative: before). `0..=0` is today only. Clamped to a century.
    pub fn days_from_today(mut self, days: RangeInclusive<i32>) -> Self {
        const CENTURY: i32 = 36_525;
        self.kind.from = (*days.start()).clamp(-CENTURY, CENTURY);
        self.kind.to = (*days.end()).clamp(-CENTURY, CENTURY);
        self
    }
}

impl FieldBuilder<kind::Phone> {
    /// Reads numbers without a country code as this country's (its calling
    /// code's digits, e.g. `"91"`).
    pub fn default_country(mut self, calling_code: impl Into<String>) -> Self {
        self.kind.default_country = Some(calling_code.into());
        self
    }
}

macro_rules! into_field {
    ($($kind:ident => $rule:expr),* $(,)?) => {
        $(
            impl From<FieldBuilder<kind::$kind>> for Field {
                fn from(builder: FieldBuilder<kind::$kind>) -> Self {
                    #[allow(clippy::redundant_closure_call)]
                    let rule = ($rule)(builder.kind);
                    Self { common: builder.common, rule }
                }
            }
        )*
    };
}

into_field!(
    Text => Rule::Text,
    Number => Rule::Number,
    OneOf => Rule::OneOf,
    Date => Rule::Date,
    Phone => Rule::Phone,
    Email => |_| Rule::Email,
    Pattern => Rule::Pattern,
    Custom => |kind::Custom(parse)| Rule::Custom(parse),
);

/// "delivery_day" → "Delivery day".
fn default_label(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The kinds of answer a [`FieldBuilder`] can be for; you never name them,
/// the [`Field`] constructors pick them.
pub mod kind {
    use std::fmt;

    use super::CustomFn;

    /// Text ([`Field::text`](super::Field::text)).
    #[derive(Debug, Clone)]
    pub struct Text {
        pub(crate) min: usize,
        pub(crate) max: usize,
    }

    /// A whole number ([`Field::number`](super::Field::number)).
    #[derive(Debug, Clone)]
    pub struct Number {
        pub(crate) min: i64,
        pub(crate) max: i64,
    }

    /// One of a list ([`Field::one_of`](super::Field::one_of)).
    #[derive(Debug, Clone)]
    pub struct OneOf {
        pub(crate) options: Vec<(String, String)>,
    }

    /// A date ([`Field::date`](super::Field::date)).
    #[derive(Debug, Clone)]
    pub struct Date {
        /// Days after today of the earliest accepted date.
        pub(crate) from: i32,
        /// Days after today of the latest accepted date.
        pub(crate) to: i32,
    }

    impl Date {
        /// The earliest and the latest accepted dates.
        pub(crate) fn bounds(
            &self,
            today: jiff::civil::Date,
        ) -> (jiff::civil::Date, jiff::civil::Date) {
            let shift = |days: i32| {
                today
                    .checked_add(jiff::Span::new().days(i64::from(days)))
                    .unwrap_or(today)
            };
            (shift(self.from), shift(self.to))
        }
    }

    /// A phone number ([`Field::phone`](super::Field::phone)).
    #[derive(Debug, Clone)]
    pub struct Phone {
        pub(crate) default_country: Option<String>,
    }

    /// An email address ([`Field::email`](super::Field::email)).
    #[derive(Debug, Clone, Copy)]
    pub struct Email;

    /// Text matching a regular expression ([`Field::pattern`](super::Field::pattern)).
    #[derive(Debug, Clone)]
    pub struct Pattern {
        pub(crate) source: String,
        /// The compiled expression, or why it does not compile (reported by
        /// the form's `build`).
        pub(crate) regex: Result<regex::Regex, String>,
    }

    /// Your own parser ([`Field::custom`](super::Field::custom)).
    #[derive(Clone)]
    pub struct Custom(pub(crate) CustomFn);

    impl fmt::Debug for Custom {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("Custom(..)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::new(2026, 11, 21).unwrap_or_default()
    }

    fn accept(field: impl Into<Field>, input: Input<'_>) -> Result<Accepted, Refusal> {
        field.into().accept(input, today())
    }

    #[test]
    fn each_kind_turns_its_answer_into_a_value_and_a_shown_text() {
        let shown = |field: Field, text: &str| {
            field
                .accept(Input::Text(text), today())
                .map(|a| (a.value, a.shown))
        };
        assert_eq!(
            shown(Field::number("n", "?").range(1..=10).into(), "7"),
            Ok((Value::from(7), "7".to_owned()))
        );
        assert_eq!(
            shown(
                Field::one_of("d", "?", [("sat", "Saturday")]).into(),
                "saturday"
            ),
            Ok((Value::from("sat"), "Saturday".to_owned()))
        );
        assert_eq!(
            shown(Field::date("d", "?").into(), "tomorrow"),
            Ok((Value::from("2026-11-22"), "Sun 22 Nov 2026".to_owned()))
        );
        assert_eq!(
            shown(
                Field::phone("p", "?").default_country("91").into(),
                "98123 45678"
            ),
            Ok((Value::from("+919812345678"), "+919812345678".to_owned()))
        );
        assert_eq!(
            shown(Field::email("e", "?").into(), "a@B.com"),
            Ok((Value::from("a@b.com"), "a@b.com".to_owned()))
        );
    }

    #[test]
    fn a_pattern_must_match_the_whole_answer() {
        let pin = || Field::pattern("pin", "?", r"\d{6}");
        assert_eq!(
            accept(pin(), Input::Text(" 411001 ")).map(|a| a.value),
            Ok(Value::from("411001"))
        );
        assert_eq!(accept(pin(), Input::Text("4110012")), Err(Refusal::NoMatch));
        assert_eq!(
            accept(pin(), Input::Text("pin 411001")),
            Err(Refusal::NoMatch)
        );
        assert!(Field::pattern("bad", "?", "(").kind.regex.is_err());
    }

    #[test]
    fn a_custom_parser_gives_its_value_or_its_reason() {
        let bags = || {
            Field::custom("bags", "?", |a: &str| match a.parse::<u32>() {
                Ok(n) if n % 10 == 0 => Ok(n),
                _ => Err("tens only"),
            })
        };
        assert_eq!(
            accept(bags(), Input::Text("20")),
            Ok(Accepted {
                value: Value::from(20),
                shown: "20".to_owned()
            })
        );
        assert_eq!(
            accept(bags(), Input::Text("25")),
            Err(Refusal::Custom("tens only".to_owned()))
        );
    }

    #[test]
    fn otherwise_replaces_the_built_in_reason() {
        let age = Field::number("age", "?")
            .range(18..=99)
            .otherwise("Adults only, 18 to 99.");
        assert_eq!(
            accept(age, Input::Text("12")),
            Err(Refusal::Custom("Adults only, 18 to 99.".to_owned()))
        );
    }

    #[test]
    fn text_questions_refuse_taps_and_media() {
        assert_eq!(
            accept(Field::text("t", "?"), Input::Choice { id: "x" }),
            Err(Refusal::NotText)
        );
        assert_eq!(
            accept(Field::email("e", "?"), Input::Other),
            Err(Refusal::NotText)
        );
    }

    #[test]
    fn dates_are_bounded_relative_to_today() {
        let next_week = || Field::date("d", "?").days_from_today(1..=7);
        assert!(matches!(
            accept(next_week(), Input::Text("today")),
            Err(Refusal::DateRange { .. })
        ));
        assert!(accept(next_week(), Input::Text("fri")).is_ok());
    }

    #[test]
    fn labels_default_to_the_name_spelled_out() {
        assert_eq!(default_label("delivery_day"), "Delivery day");
        assert_eq!(default_label(""), "");
        assert_eq!(
            Field::from(Field::text("x", "?").label("Your X"))
                .common
                .label,
            "Your X"
        );
    }
}
