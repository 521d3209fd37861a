//! How a [`Field`] is built: [`FieldBuilder`], one set of options per kind
//! of answer ([`kind`]).

use std::ops::RangeInclusive;

use super::{Common, Field, Rule};

/// Builds a [`Field`]; `K` is the kind of answer it takes. See
/// [`Field`] for an example.
#[derive(Debug, Clone)]
#[must_use]
pub struct FieldBuilder<K> {
    pub(super) common: Common,
    pub(super) kind: K,
}

impl<K> FieldBuilder<K> {
    pub(super) fn new(name: impl Into<String>, question: impl Into<String>, kind: K) -> Self {
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

    /// The customer may skip it (with a [skip word](crate::form::FormTexts::skip_words));
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
    /// defaults to the form's [`max_attempts`](crate::form::FormBuilder::max_attempts).
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
pub(super) fn default_label(name: &str) -> String {
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

    use super::super::CustomFn;

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
