//! Everything the shop says to its customers, in their language: Fluent
//! bundles embedded in the binary, one per language, and [`Texts`], which
//! picks the customer's and formats a message with its facts.
//!
//! Handlers and jobs hold no customer text of their own: they ask
//! [`Texts::say`] for the text of an outcome (see [`Say`]), in the
//! [`Locale`] the message carries (`und` is the default language).
//! [`Texts`] is also the forms' [`Localizer`].
//!
//! ```
//! use bot::i18n::Texts;
//! use framework::locale::Locale;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let texts = Texts::embedded(Locale::parse("en")?)?;
//! let hindi = Locale::parse("hi")?;
//! assert_eq!(texts.get(&hindi, "button-cancel", &[]), "रद्द करें");
//! assert_eq!(texts.number(&hindi, 1_234_567), "12,34,567");
//! // A language without a bundle is answered in the default one.
//! assert_eq!(texts.get(&Locale::parse("fr")?, "button-cancel", &[]), "Cancel");
//! # Ok(()) }
//! ```
//!
//! # Languages
//!
//! Each language is a directory `bot/locales/<tag>/` (`en`, `hi`; a tag
//! like `mr` or `en-GB`) of `.ftl` files in [Fluent]'s syntax: `shop.ftl`
//! for the conversation and the jobs, `forms.ftl` for the forms' generic
//! texts (the `form-*` keys of `framework::form`), `support.ftl` for the
//! choice of language, the profile form, support answers and handoff. To add a language, copy
//! the default language's directory under the new tag and translate every
//! message; nothing else changes (the next build embeds it). Each language
//! says in its own files:
//!
//! - `language-name`: its own name, as the language picker shows it
//!   ("English", "हिन्दी"); required;
//! - `number-grouping`: `indian` (12,34,567) or `plain` (digits as they
//!   are, amounts as their currency shows them);
//! - `date`: a day, from `$day`, `$month` (1 to 12) and `$year`.
//!
//! A customer's locale is matched by its tag, then by its language (`hi-IN`
//! → `hi`), else the default language answers; a message a language lacks
//! comes from the default language. Any locale with the region `IN`
//! (`en-IN`) groups numbers the Indian way. Product names, order and
//! invoice numbers and the words the bot understands ("confirm", "cancel
//! order ORD-00012") stay as they are in every language: the router reads
//! them in Latin letters. The tests check that every language has every
//! message of the default language and no other, and that each formats
//! with the arguments the code gives it.
//!
//! [Fluent]: https://projectfluent.org/fluent/guide/

mod bundles;
mod format;
mod shop;

use std::fmt;
use std::sync::Arc;

use features::shared::Money;
use framework::locale::{Locale, Localizer};

pub use self::bundles::I18nError;
use self::bundles::{Bundle, Source, fluent_args};
pub use self::shop::{Say, Title};
/// A message's argument: text (`"Cement"`, a formatted amount) or a number
/// (for a plural or a select).
pub use fluent_bundle::FluentValue;

/// The default language until the shop's settings name one.
pub const DEFAULT_LANGUAGE: &str = "en";

/// The placeholders of the forms' texts, passed through as `{name}` for
/// the form to fill.
const FORM_PLACEHOLDERS: [&str; 9] = [
    "reason", "question", "min", "max", "example", "answers", "label", "answer", "keyword",
];

/// Every language's messages; cheap to clone (shared).
///
/// See the [module docs](self) for an example.
#[derive(Clone)]
pub struct Texts(Arc<Inner>);

struct Inner {
    /// The default language.
    default: Bundle,
    /// The others, by tag.
    others: Vec<Bundle>,
}

impl fmt::Debug for Texts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Texts")
            .field("default", self.default_locale())
            .field(
                "languages",
                &self.all().map(|b| b.locale.as_str()).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Texts {
    /// The bundles embedded in the binary (`bot/locales/`), `default`
    /// answering what no other language can.
    ///
    /// # Errors
    ///
    /// [`I18nError`], naming the file or message: a file Fluent cannot
    /// parse, a message defined twice in a language, a language without
    /// its `language-name`, or no bundle for `default`.
    pub fn embedded(default: Locale) -> Result<Self, I18nError> {
        Self::from_sources(default, &bundles::embedded()?)
    }

    fn from_sources(default: Locale, sources: &[Source<'_>]) -> Result<Self, I18nError> {
        let mut languages: Vec<&str> = sources.iter().map(|s| s.language).collect();
        languages.sort_unstable();
        languages.dedup();
        let mut bundles = Vec::with_capacity(languages.len());
        for language in languages {
            let files: Vec<Source<'_>> = sources
                .iter()
                .filter(|s| s.language == language)
                .cloned()
                .collect();
            bundles.push(Bundle::build(language, &files)?);
        }
        let at = bundles
            .iter()
            .position(|b| b.locale == default)
            .ok_or(I18nError::NoDefault { default })?;
        let default = bundles.remove(at);
        Ok(Self(Arc::new(Inner {
            default,
            others: bundles,
        })))
    }

    /// The default language.
    #[must_use]
    pub fn default_locale(&self) -> &Locale {
        &self.default_bundle().locale
    }

    /// The words of message `id` in `locale` (a comma-separated list, as
    /// `handoff-words`), each normalized as the router reads a message.
    #[must_use]
    pub fn words(&self, locale: &Locale, id: &str) -> Vec<String> {
        self.get(locale, id, &[])
            .split(',')
            .map(framework::handler::normalize_text)
            .filter(|w| !w.is_empty())
            .collect()
    }

    /// [`words`](Self::words) of every bundled language, sorted, each once:
    /// what a customer may type whatever their language.
    #[must_use]
    pub fn words_everywhere(&self, id: &str) -> Vec<String> {
        let mut all: Vec<String> = self
            .languages()
            .iter()
            .flat_map(|(locale, _)| self.words(locale, id))
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Every bundled language with its own name (`hi`, "हिन्दी"), the
    /// default first: what a language picker offers.
    #[must_use]
    pub fn languages(&self) -> Vec<(Locale, String)> {
        self.all()
            .map(|b| (b.locale.clone(), b.name.clone()))
            .collect()
    }

    /// Whether a bundle speaks `locale`: its tag or its language (`hi-IN`
    /// is spoken by `hi`). `und` is not.
    #[must_use]
    pub fn supports(&self, locale: &Locale) -> bool {
        self.find(locale).is_some()
    }

    /// The language that answers `locale`: its own tag's bundle, its
    /// language's, or the default.
    #[must_use]
    pub fn resolve(&self, locale: &Locale) -> Locale {
        self.bundle(locale).locale.clone()
    }

    /// The shop's texts in `locale`.
    #[must_use]
    pub fn say(&self, locale: &Locale) -> Say<'_> {
        Say::new(self, locale)
    }

    /// Message `id` in `locale` with `args`: from the bundle that answers
    /// `locale`, else from the default language's. Never fails: a message
    /// that is nowhere is logged and its id returned; one that formats with
    /// mistakes (an argument missing) is logged and sent as Fluent made it.
    #[must_use]
    pub fn get(&self, locale: &Locale, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let args = fluent_args(args);
        let bundle = self.bundle(locale);
        let formatted = bundle.format(id, args.as_ref()).or_else(|| {
            tracing::debug!(language = %bundle.locale, id, "no such message; the default language's");
            self.default_bundle().format(id, args.as_ref())
        });
        let Some(formatted) = formatted else {
            tracing::warn!(language = %bundle.locale, id, "no such message in any language; sending its id");
            return id.to_owned();
        };
        if !formatted.errors.is_empty() {
            let errors: Vec<String> = formatted.errors.iter().map(ToString::to_string).collect();
            tracing::warn!(language = %bundle.locale, id, ?errors, "message formatted with mistakes");
        }
        formatted.text
    }

    /// `n` with its digits grouped as `locale` writes them: `12,34,567` in
    /// Hindi and any locale of India (`en-IN`), `1234567` in English.
    #[must_use]
    pub fn number(&self, locale: &Locale, n: u64) -> String {
        self.grouping(locale).number(n)
    }

    /// An amount as `locale` writes it: in Hindi and any locale of India
    /// grouped the Indian way whatever the currency (`₹12,34,567.50`,
    /// `$12,34,567`); otherwise as the currency shows it (`₹12,34,567.50`,
    /// `$1,234,567`).
    #[must_use]
    pub fn money(&self, locale: &Locale, money: Money) -> String {
        self.grouping(locale).money(money)
    }

    /// The calendar day of `ms` (milliseconds since the epoch) in the
    /// shop's time zone `tz`, as `locale` writes it: "22 Nov 2026", "22
    /// नवंबर 2026" (the bundle's `date` message).
    #[must_use]
    pub fn date(&self, locale: &Locale, ms: i64, tz: &jiff::tz::TimeZone) -> String {
        let (day, month, year) = format::day_month_year(ms, tz);
        self.get(
            locale,
            "date",
            &[
                ("day", day.to_string().into()),
                ("month", month.into()),
                ("year", year.to_string().into()),
            ],
        )
    }

    fn default_bundle(&self) -> &Bundle {
        &self.0.default
    }

    /// Every language, the default first.
    fn all(&self) -> impl Iterator<Item = &Bundle> {
        std::iter::once(&self.0.default).chain(&self.0.others)
    }

    fn find(&self, locale: &Locale) -> Option<&Bundle> {
        if locale.is_undetermined() {
            return None;
        }
        self.all()
            .find(|b| b.locale.as_str().eq_ignore_ascii_case(locale.as_str()))
            .or_else(|| self.all().find(|b| b.locale.as_str() == locale.language()))
            .or_else(|| {
                self.all()
                    .find(|b| b.locale.language() == locale.language())
            })
    }

    fn bundle(&self, locale: &Locale) -> &Bundle {
        self.find(locale).unwrap_or_else(|| self.default_bundle())
    }

    fn grouping(&self, locale: &Locale) -> format::Grouping {
        let in_india = locale
            .as_str()
            .split('-')
            .skip(1)
            .any(|subtag| subtag.eq_ignore_ascii_case("IN"));
        if in_india {
            format::Grouping::Indian
        } else {
            self.bundle(locale).grouping
        }
    }
}

/// For forms: a text found in the customer's language or the default one,
/// with its placeholders (`{reason}`, `{min}`, …) left for the form to fill;
/// `None` when neither has it (the form keeps its own English).
impl Localizer for Texts {
    fn text(&self, locale: &Locale, key: &str) -> Option<String> {
        let placeholders =
            FORM_PLACEHOLDERS.map(|name| (name, FluentValue::from(format!("{{{name}}}"))));
        let args = fluent_args(&placeholders);
        let formatted = self
            .bundle(locale)
            .format(key, args.as_ref())
            .or_else(|| self.default_bundle().format(key, args.as_ref()))?;
        if !formatted.errors.is_empty() {
            let errors: Vec<String> = formatted.errors.iter().map(ToString::to_string).collect();
            tracing::warn!(language = %locale, key, ?errors, "form text formatted with mistakes");
        }
        Some(formatted.text)
    }
}

#[cfg(test)]
mod tests;
