//! The FAQ: entries in the shop's languages, read from TOML and checked
//! ([`Faq::from_toml`]), matched against a customer's question
//! ([`Faq::best`], [`Faq::top`]; the scoring is in [`matching`](super::matching)).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use serde::Deserialize;

use super::error::SupportError;
use super::matching::{Index, has_words};

/// A language tag as the shop and its FAQ write it: BCP 47-like, a primary
/// language of 2 or 3 letters and optional subtags (`en`, `hi`, `mr`,
/// `en-IN`). Kept in lower case, so `en-IN` and `en-in` are one language.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Language(String);

impl Language {
    /// `tag` checked: 2 or 3 ASCII letters, then subtags of 1 to 8 ASCII
    /// letters or digits, each after a `-` (`_` is read as `-`).
    ///
    /// # Errors
    ///
    /// [`SupportError::BadLanguage`] for anything else.
    pub fn parse(tag: &str) -> Result<Self, SupportError> {
        let tag = tag.trim().replace('_', "-").to_ascii_lowercase();
        let mut parts = tag.split('-');
        let primary_ok = parts.next().is_some_and(|p| {
            (2..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_lowercase())
        });
        let subtags_ok = parts
            .all(|s| (1..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric()));
        if primary_ok && subtags_ok {
            Ok(Self(tag))
        } else {
            Err(SupportError::BadLanguage(tag))
        }
    }

    /// The tag, lower case: `en-in`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language: `en` for `en-in`.
    #[must_use]
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Language {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

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
    questions: Vec<String>,
    answer: String,
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
    id: FaqId,
    /// By language, sorted by tag; never empty.
    languages: Vec<(Language, Localized)>,
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

/// When a match is good enough, on the normalised score of
/// [`matching`](super::matching) (0 to 1; 1 when every word of one of the
/// entry's questions is in the customer's message).
///
/// - `answer` (default 0.7): at or above it the FAQ answers by itself, and
///   no model is asked.
/// - `maybe` (default 0.5): below `answer` but at or above `maybe`, the
///   entry is the answer when the model cannot do better (not configured,
///   down, slow, unsure or refused by the guard). Below it the customer is
///   offered a person.
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

/// The file: `[[faq]]` tables and nothing else.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaqFile {
    #[serde(default)]
    faq: Vec<toml::Table>,
}

/// One language of an entry, as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LocalizedSpec {
    questions: Vec<String>,
    answer: String,
}

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> SupportError {
    SupportError::Invalid {
        field: field.into(),
        problem: problem.into(),
    }
}

impl Faq {
    /// Reads and checks an FAQ file (format in the [module docs](super)),
    /// with the default [`Thresholds`].
    ///
    /// # Errors
    ///
    /// [`SupportError::Toml`] for a file that is not TOML or has keys other
    /// than `faq`; [`SupportError::Invalid`] naming the field otherwise
    /// (`faq[2].hi.answer: empty`; entries count from 0).
    pub fn from_toml(text: &str) -> Result<Self, SupportError> {
        let file: FaqFile =
            toml::from_str(text).map_err(|e| SupportError::Toml(e.message().to_owned()))?;
        let mut entries = Vec::with_capacity(file.faq.len());
        let mut seen: HashMap<FaqId, usize> = HashMap::new();
        for (i, table) in file.faq.into_iter().enumerate() {
            let entry = entry(i, table)?;
            if let Some(first) = seen.insert(entry.id.clone(), i) {
                return Err(invalid(
                    format!("faq[{i}].id"),
                    format!("{:?} is the id of faq[{first}] too", entry.id.as_str()),
                ));
            }
            entries.push(entry);
        }
        Self::new(entries)
    }

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

/// Entry `i` from its table: `id` and one table per language.
fn entry(i: usize, table: toml::Table) -> Result<FaqEntry, SupportError> {
    let at = format!("faq[{i}]");
    let mut id = None;
    let mut languages: Vec<(Language, Localized)> = Vec::new();
    // Each language with its key as written.
    let mut keys: Vec<(Language, String)> = Vec::new();
    for (key, value) in table {
        if key == "id" {
            let text = value
                .as_str()
                .ok_or_else(|| invalid(format!("{at}.id"), "not a string"))?;
            id = Some(FaqId::parse(text).map_err(|e| invalid(format!("{at}.id"), e.to_string()))?);
            continue;
        }
        let field = format!("{at}.{key}");
        let language = Language::parse(&key).map_err(|_| {
            invalid(
                &field,
                "unknown field: not \"id\" nor a language tag (en, hi, mr, en-IN)",
            )
        })?;
        if !value.is_table() {
            return Err(invalid(&field, "not a table of questions and answer"));
        }
        let spec: LocalizedSpec = value
            .try_into()
            .map_err(|e: toml::de::Error| invalid(&field, e.message().to_owned()))?;
        if let Some((_, other)) = keys.iter().find(|(l, _)| *l == language) {
            return Err(invalid(
                &field,
                format!("the same language as {at}.{other}"),
            ));
        }
        languages.push((language.clone(), localized(&field, spec)?));
        keys.push((language, key));
    }
    let id = id.ok_or_else(|| invalid(format!("{at}.id"), "missing"))?;
    if languages.is_empty() {
        return Err(invalid(
            at,
            "no language (add a table such as [faq.en] with questions and answer)",
        ));
    }
    languages.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(FaqEntry { id, languages })
}

fn localized(field: &str, spec: LocalizedSpec) -> Result<Localized, SupportError> {
    if spec.questions.is_empty() {
        return Err(invalid(format!("{field}.questions"), "empty"));
    }
    let mut questions = Vec::with_capacity(spec.questions.len());
    for (k, question) in spec.questions.into_iter().enumerate() {
        let question = question.trim().to_owned();
        if !has_words(&question) {
            return Err(invalid(format!("{field}.questions[{k}]"), "no words"));
        }
        questions.push(question);
    }
    let answer = spec.answer.trim().to_owned();
    if answer.is_empty() {
        return Err(invalid(format!("{field}.answer"), "empty"));
    }
    Ok(Localized { questions, answer })
}

impl FaqEntry {
    /// An entry built in code (tests, a database): `id` with one
    /// `(language, questions, answer)` per language.
    ///
    /// # Errors
    ///
    /// [`SupportError::Invalid`] as [`Faq::from_toml`] checks (the field
    /// named `{id}.{language}…`).
    pub fn new(
        id: FaqId,
        languages: Vec<(Language, Vec<String>, String)>,
    ) -> Result<Self, SupportError> {
        let mut checked: Vec<(Language, Localized)> = Vec::with_capacity(languages.len());
        for (language, questions, answer) in languages {
            let field = format!("{id}.{language}");
            if checked.iter().any(|(l, _)| *l == language) {
                return Err(invalid(&field, "the same language twice"));
            }
            let loc = localized(&field, LocalizedSpec { questions, answer })?;
            checked.push((language, loc));
        }
        if checked.is_empty() {
            return Err(invalid(id.as_str(), "no language"));
        }
        checked.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self {
            id,
            languages: checked,
        })
    }
}
