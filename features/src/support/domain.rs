//! The FAQ: entries in the shop's languages (read from TOML by
//! [`Faq::from_toml`], in [`spec`](super::spec)), matched against a
//! customer's question ([`Faq::best`], [`Faq::top`]; the scoring is in
//! [`matching`](super::matching)).

use std::fmt;
use std::sync::Arc;

use super::error::SupportError;
use super::matching::Index;
use super::spec::invalid;

pub use crate::shared::Language;

/// An FAQ entry's id: 1 to 64 lower-case ASCII letters, digits, `-` and
/// `_`, starting with a letter or digit (`opening-hours`). The model names
/// its sources by these ids, so they are kept simple to copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FaqId(String);

impl FaqId {
    /// `id` checked.
    ///
    /// # Errors
    ///
    /// [`SupportError::BadId`] when it is not such an id.
    pub fn parse(id: &str) -> Result<Self, SupportError> {
        let ok = (1..=64).contains(&id.len())
            && id
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(id.to_owned()))
        } else {
            Err(SupportError::BadId(id.to_owned()))
        }
    }

    /// The id.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FaqId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for FaqId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// One entry in one language: how customers ask, and the answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Localized {
    pub(super) questions: Vec<String>,
    pub(super) answer: String,
}

impl Localized {
    /// The ways customers ask (at least one, each with words).
    #[must_use]
    pub fn questions(&self) -> &[String] {
        &self.questions
    }

    /// The answer (not empty).
    #[must_use]
    pub fn answer(&self) -> &str {
        &self.answer
    }
}

/// One FAQ entry: an id and, per language, its questions and answer. The
/// languages say the same thing (one fact, several translations).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FaqEntry {
    pub(super) id: FaqId,
    /// By language, sorted by tag; never empty.
    pub(super) languages: Vec<(Language, Localized)>,
}

impl FaqEntry {
    /// The id.
    #[must_use]
    pub fn id(&self) -> &FaqId {
        &self.id
    }

    /// Its languages, sorted by tag (at least one).
    #[must_use]
    pub fn languages(&self) -> &[(Language, Localized)] {
        &self.languages
    }

    /// The entry in `language`: that tag, else the same primary language
    /// (`en` for `en-in`, `en-in` for `en`), else `None`.
    #[must_use]
    pub fn in_language(&self, language: &Language) -> Option<(&Language, &Localized)> {
        let exact = self.languages.iter().find(|(l, _)| l == language);
        exact
            .or_else(|| {
                self.languages
                    .iter()
                    .find(|(l, _)| l.primary() == language.primary())
            })
            .map(|(l, loc)| (l, loc))
    }

    /// The entry in `language` ([`in_language`](Self::in_language)), else in
    /// `otherwise`, else in its first language (`None` only for an entry
    /// without languages, which checks refuse).
    #[must_use]
    pub fn in_language_or(
        &self,
        language: &Language,
        otherwise: &Language,
    ) -> Option<(&Language, &Localized)> {
        self.in_language(language)
            .or_else(|| self.in_language(otherwise))
            .or_else(|| self.languages.first().map(|(l, loc)| (l, loc)))
    }
}

/// When a match is good enough, on the score of
/// [`matching`](super::matching): 0 to 1, 1 when the message is one of the
/// entry's questions word for word, the question's words weighing four
/// times as much as the message's other words.
///
/// - `answer` (default 0.7): at or above it the FAQ answers by itself, and
///   no model is asked. "Do you deliver to Pune?" against "Do you
///   deliver?" scores about 0.77 in the sample FAQ of `features::testing`.
/// - `maybe` (default 0.5): below `answer` but at or above `maybe`, the
///   entry is the answer when the model cannot do better (not configured,
///   down, slow, unsure or refused by the guard). Below it the customer is
///   offered a person. "do you have cement?" against "Do you deliver?"
///   scores about 0.40 there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    answer: f32,
    maybe: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            answer: 0.7,
            maybe: 0.5,
        }
    }
}

impl Thresholds {
    /// `answer` and `maybe`, checked: `0 < maybe <= answer <= 1`.
    ///
    /// # Errors
    ///
    /// [`SupportError::BadThresholds`] otherwise.
    pub fn new(answer: f32, maybe: f32) -> Result<Self, SupportError> {
        if maybe > 0.0 && maybe <= answer && answer <= 1.0 {
            Ok(Self { answer, maybe })
        } else {
            Err(SupportError::BadThresholds { answer, maybe })
        }
    }

    /// At or above it, the FAQ answers alone.
    #[must_use]
    pub fn answer(&self) -> f32 {
        self.answer
    }

    /// At or above it, the FAQ's answer stands in when the model does not
    /// answer.
    #[must_use]
    pub fn maybe(&self) -> f32 {
        self.maybe
    }
}

/// An entry that matched a question, with its answer in the customer's
/// language where it has one.
#[derive(Debug, Clone, PartialEq)]
pub struct FaqHit {
    /// The entry.
    pub id: FaqId,
    /// The language of `answer`: the customer's where the entry has it,
    /// else the language of the question that matched.
    pub language: Language,
    /// The entry's answer in that language.
    pub answer: String,
    /// The normalised score, 0 to 1 (see [`Thresholds`]).
    pub score: f32,
}

/// The FAQ, checked and indexed. Cheap to clone (the index is shared).
///
/// See the [module docs](super) for the file format and an example.
#[derive(Clone)]
pub struct Faq {
    entries: Arc<[FaqEntry]>,
    index: Arc<Index>,
    thresholds: Thresholds,
}

impl fmt::Debug for Faq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Faq")
            .field("entries", &self.entries.len())
            .field("thresholds", &self.thresholds)
            .finish_non_exhaustive()
    }
}

impl Faq {
    /// An FAQ of `entries`, with the default [`Thresholds`].
    ///
    /// # Errors
    ///
    /// [`SupportError::Invalid`] when there are no entries or two share an
    /// id.
    pub fn new(entries: Vec<FaqEntry>) -> Result<Self, SupportError> {
        if entries.is_empty() {
            return Err(invalid("faq", "no entries (add a [[faq]] table)"));
        }
        let mut ids = std::collections::HashSet::new();
        if let Some(twice) = entries.iter().find(|e| !ids.insert(&e.id)) {
            return Err(invalid(
                "faq",
                format!("the id {:?} is used twice", twice.id.as_str()),
            ));
        }
        let index = Index::build(&entries);
        Ok(Self {
            entries: entries.into(),
            index: Arc::new(index),
            thresholds: Thresholds::default(),
        })
    }

    /// The same FAQ with other thresholds.
    #[must_use]
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// The thresholds.
    #[must_use]
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// Every entry, in file order.
    #[must_use]
    pub fn entries(&self) -> &[FaqEntry] {
        &self.entries
    }

    /// Entry `id`.
    #[must_use]
    pub fn get(&self, id: &FaqId) -> Option<&FaqEntry> {
        self.entries.iter().find(|e| &e.id == id)
    }

    /// The entry that answers `question` by itself: the best match, if its
    /// score reaches the `answer` [threshold](Thresholds).
    #[must_use]
    pub fn best(&self, question: &str, language: &Language) -> Option<FaqHit> {
        self.top(question, language, 1)
            .into_iter()
            .next()
            .filter(|hit| hit.score >= self.thresholds.answer)
    }

    /// Up to `n` entries that share words with `question`, best first,
    /// whatever their score. Questions in every language are searched (a
    /// customer writes in the language they like, and Hindi customers
    /// often in Latin letters); the answer is given in `language` where
    /// the entry has it, else in the language of the question that matched.
    /// Ties go to the entry earlier in the file.
    #[must_use]
    pub fn top(&self, question: &str, language: &Language, n: usize) -> Vec<FaqHit> {
        self.index
            .rank(question)
            .into_iter()
            .take(n)
            .filter_map(|m| {
                let entry = self.entries.get(m.entry)?;
                let (lang, loc) = entry.in_language_or(language, &m.language)?;
                Some(FaqHit {
                    id: entry.id.clone(),
                    language: lang.clone(),
                    answer: loc.answer.clone(),
                    score: m.score,
                })
            })
            .collect()
    }
}
