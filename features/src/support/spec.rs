//! The FAQ file as written, and its checks: [`Faq::from_toml`] and
//! [`FaqEntry::new`] name the field that is wrong (`faq[2].hi.answer:
//! empty`). The format is in the [module docs](super).

use std::collections::HashMap;

use serde::Deserialize;

use super::domain::{Faq, FaqEntry, FaqId, Language, Localized};
use super::error::SupportError;
use super::matching::has_words;

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

pub(super) fn invalid(field: impl Into<String>, problem: impl Into<String>) -> SupportError {
    SupportError::Invalid {
        field: field.into(),
        problem: problem.into(),
    }
}

impl Faq {
    /// Reads and checks an FAQ file (format in the [module docs](super)),
    /// with the default [`Thresholds`](super::Thresholds).
    ///
    /// # Errors
    ///
    /// [`SupportError::Toml`] for a file that is not TOML or has keys other
    /// than `faq`; [`SupportError::Invalid`] naming the field otherwise
    /// (`faq[2].hi.answer: empty`; entries count from 0).
    pub fn from_toml(text: &str) -> Result<Self, SupportError> {
        let file: FaqFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .and_then(|span| text.get(..span.start))
                .map(|before| before.matches('\n').count() + 1);
            SupportError::Toml(match line {
                Some(line) => format!("line {line}: {}", e.message().trim()),
                None => e.message().trim().to_owned(),
            })
        })?;
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
