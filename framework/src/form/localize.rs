//! A form in the customer's language: its definition with every text looked
//! up through a [`Localizer`], built once per [`Locale`] and kept.
//!
//! Keys (a text not found keeps the builder's own):
//!
//! - every [`FormTexts`] text under `form-` and its field name in kebab case:
//!   `form-retry`, `form-optional-question`, `form-not-a-number`,
//!   `form-confirm-button`, `form-cancelled`…, with the same `{name}`
//!   placeholders as the English defaults;
//! - the word lists `form-back-words`, `form-skip-words`,
//!   `form-cancel-words`: words separated by commas, understood besides the
//!   builder's own (a customer may still type "cancel");
//! - per form `{form}-start-words`, the same way;
//! - per field `{form}-{field}-question`, `{form}-{field}-label`,
//!   `{form}-{field}-otherwise` and `{form}-{field}-option-{id}` (a choice's
//!   title);
//! - a [custom](super::Field::custom) field's refusal reason, looked up as a
//!   key as it is (so a parser may refuse with a key, as `gstin-checksum`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use super::definition::Definition;
use super::field::Rule;
use super::texts::FormTexts;
use crate::handler::normalize_text;
use crate::locale::{Locale, Localizer};

/// A form's localizer, shown in `Debug` by name only.
#[derive(Clone)]
pub(crate) struct FormLocalizer(pub(crate) Arc<dyn Localizer>);

impl fmt::Debug for FormLocalizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Localizer(..)")
    }
}

/// The definitions built per locale.
#[derive(Debug, Default)]
pub(crate) struct Localized(Mutex<HashMap<Locale, Arc<Definition>>>);

impl Localized {
    /// `def` in `locale`: built on first use, then kept.
    pub(crate) fn get(&self, def: &Arc<Definition>, locale: &Locale) -> Arc<Definition> {
        let Some(localizer) = def.localizer.clone() else {
            return Arc::clone(def);
        };
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let built = cache
            .entry(locale.clone())
            .or_insert_with(|| Arc::new(localize(def, &*localizer.0, locale)));
        Arc::clone(built)
    }
}

/// `def` with every text `localizer` has in `locale`.
fn localize(def: &Definition, localizer: &dyn Localizer, locale: &Locale) -> Definition {
    let text = |key: &str, own: &mut String| {
        if let Some(found) = localizer.text(locale, key) {
            *own = found;
        }
    };
    let words = |key: &str, own: &mut Vec<String>| {
        if let Some(found) = localizer.text(locale, key) {
            for word in found.split(',').map(normalize_text) {
                if !word.is_empty() && !own.contains(&word) {
                    own.push(word);
                }
            }
        }
    };
    let mut out = def.clone();
    localize_texts(&mut out.texts, &text, &words);
    words(&format!("{}-start-words", def.name), &mut out.start_words);
    for field in &mut out.fields {
        let prefix = format!("{}-{}", def.name, field.common.name);
        text(&format!("{prefix}-question"), &mut field.common.question);
        text(&format!("{prefix}-label"), &mut field.common.label);
        if let Some(otherwise) = localizer.text(locale, &format!("{prefix}-otherwise")) {
            field.common.otherwise = Some(otherwise);
        }
        if let Rule::OneOf(kind) = &mut field.rule {
            for (id, title) in &mut kind.options {
                text(&format!("{prefix}-option-{id}"), title);
            }
        }
    }
    out.locale = Some(locale.clone());
    out
}

fn localize_texts(
    t: &mut FormTexts,
    text: &impl Fn(&str, &mut String),
    words: &impl Fn(&str, &mut Vec<String>),
) {
    text("form-retry", &mut t.retry);
    text("form-optional-question", &mut t.optional_question);
    text("form-first-question", &mut t.first_question);
    text("form-cannot-skip", &mut t.cannot_skip);
    text("form-not-text", &mut t.not_text);
    text("form-text-length", &mut t.text_length);
    text("form-not-a-number", &mut t.not_a_number);
    text("form-number-range", &mut t.number_range);
    text("form-not-an-option", &mut t.not_an_option);
    text("form-not-a-date", &mut t.not_a_date);
    text("form-date-range", &mut t.date_range);
    text("form-not-a-phone", &mut t.not_a_phone);
    text("form-not-an-email", &mut t.not_an_email);
    text("form-no-match", &mut t.no_match);
    text("form-summary", &mut t.summary);
    text("form-summary-line", &mut t.summary_line);
    text("form-skipped", &mut t.skipped);
    text("form-use-the-buttons", &mut t.use_the_buttons);
    text("form-confirm-button", &mut t.confirm_button);
    text("form-edit-button", &mut t.edit_button);
    text("form-cancel-button", &mut t.cancel_button);
    text("form-pick-field", &mut t.pick_field);
    text("form-list-button", &mut t.list_button);
    text("form-cancelled", &mut t.cancelled);
    text("form-too-many-attempts", &mut t.too_many_attempts);
    text("form-expired", &mut t.expired);
    text("form-lost", &mut t.lost);
    words("form-back-words", &mut t.back_words);
    words("form-skip-words", &mut t.skip_words);
    words("form-cancel-words", &mut t.cancel_words);
}

impl Definition {
    /// A custom field's refusal in the form's language: the reason looked
    /// up as a key, or as it is.
    pub(crate) fn custom_reason(&self, reason: &str) -> String {
        match (&self.localizer, &self.locale) {
            (Some(localizer), Some(locale)) => localizer
                .0
                .text(locale, reason)
                .unwrap_or_else(|| reason.to_owned()),
            _ => reason.to_owned(),
        }
    }
}
