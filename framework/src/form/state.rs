//! A running form: what is stored in the session between messages, and how
//! one answer moves it on.

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::definition::Definition;
use super::field::{Accepted, Field};
use super::parse::{self, Input, Refusal};
use super::texts::fill;
use crate::conversation::FlowState;
use crate::handler::normalize_text;
use crate::reply::{Buttons, List, Reply, Row};

/// The ids of the summary's buttons and the edit menu's rows.
const CONFIRM_ID: &str = "campanile.form.confirm";
const EDIT_ID: &str = "campanile.form.edit";
const CANCEL_ID: &str = "campanile.form.cancel";
const EDIT_FIELD_PREFIX: &str = "campanile.form.edit.";

/// A running form, stored in the session as a versioned [`FlowState`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct FormState {
    /// The [`Definition::version`] it was started under.
    form_version: u32,
    phase: Phase,
    /// Answers by field name; `None`: skipped.
    answers: BTreeMap<String, Option<Accepted>>,
    /// Refused answers in a row to the current question.
    attempts: u32,
    /// When the customer last answered (or the form started), from the
    /// form's clock.
    updated_ms: i64,
}

/// Version 1 of the stored form; bump it when [`FormState`] changes shape.
impl FlowState for FormState {
    const VERSION: u32 = 1;
}

/// Where the form is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
enum Phase {
    /// Waiting for the answer to a field.
    Asking {
        field: String,
        /// Answering again from the summary: back to it afterwards.
        editing: bool,
    },
    /// The summary is shown.
    #[default]
    Reviewing,
    /// The customer picks which answer to change.
    PickingField,
}

impl FormState {
    pub(crate) fn form_version(&self) -> u32 {
        self.form_version
    }

    /// Whether the customer has been silent for longer than `after`.
    pub(crate) fn expired(&self, now_ms: i64, after: Duration) -> bool {
        let after = i64::try_from(after.as_millis()).unwrap_or(i64::MAX);
        now_ms.saturating_sub(self.updated_ms) > after
    }
}

/// What one message does to a running form.
#[derive(Debug)]
pub(crate) enum Next {
    /// Still running, in this state; these replies go out.
    Continue(FormState, Vec<Reply>),
    /// Abandoned (cancelled, too many attempts): this reply goes out.
    Stopped(String),
    /// Done: the answers as a JSON object, one key per field.
    Finished(Value),
}

/// A fresh form and its first question.
pub(crate) fn start(def: &Definition, now_ms: i64) -> (FormState, Vec<Reply>) {
    let state = FormState {
        form_version: def.version,
        phase: Phase::Reviewing,
        answers: BTreeMap::new(),
        attempts: 0,
        updated_ms: now_ms,
    };
    match advance(def, state.clone(), None) {
        Next::Continue(state, replies) => (state, replies),
        // `build` refuses a form without fields: there is a first question.
        Next::Stopped(_) | Next::Finished(_) => (state, Vec::new()),
    }
}

/// Moves the form on with one answer.
pub(crate) fn next(
    def: &Definition,
    mut state: FormState,
    input: Input<'_>,
    today: Date,
    now_ms: i64,
) -> Next {
    state.updated_ms = now_ms;
    let word = match input {
        Input::Text(text) => Some(normalize_text(text)),
        Input::Choice { .. } | Input::Other => None,
    };
    let said = |words: &[String]| word.as_ref().is_some_and(|w| words.contains(w));
    if said(&def.texts.cancel_words) || input == (Input::Choice { id: CANCEL_ID }) {
        return Next::Stopped(def.with_keyword(&def.texts.cancelled));
    }
    let back = said(&def.texts.back_words);
    match state.phase.clone() {
        Phase::Asking { field, editing } => {
            let Some((index, field)) = def.field(&field) else {
                // A deploy removed the question: ask the next unanswered one.
                return advance(def, state, None);
            };
            if back {
                if editing {
                    return review(def, state, None);
                }
                return match index.checked_sub(1).and_then(|i| def.fields.get(i)) {
                    Some(previous) => ask(def, state, previous, false, None),
                    None => ask(def, state, field, false, Some(&def.texts.first_question)),
                };
            }
            if said(&def.texts.skip_words) {
                if !field.common.optional {
                    return ask(def, state, field, editing, Some(&def.texts.cannot_skip));
                }
                state.answers.insert(field.common.name.clone(), None);
                return after_answer(def, state, editing, index);
            }
            match field.accept(input, today) {
                Ok(accepted) => {
                    state
                        .answers
                        .insert(field.common.name.clone(), Some(accepted));
                    after_answer(def, state, editing, index)
                }
                Err(refusal) => {
                    let max = field.common.max_attempts.unwrap_or(def.max_attempts);
                    refused(def, state, max, |def, state| {
                        let reason = reason(def, &refusal);
                        ask(def, state, field, editing, Some(&reason))
                    })
                }
            }
        }
        Phase::Reviewing => {
            if back {
                return match def.fields.last() {
                    Some(last) => ask(def, state, last, false, None),
                    None => review(def, state, None),
                };
            }
            let is = |id: &str, title: &str| {
                input == (Input::Choice { id }) || word.as_deref() == Some(&normalize_text(title))
            };
            if is(CONFIRM_ID, &def.texts.confirm_button) {
                return Next::Finished(answers(def, &state));
            }
            if is(EDIT_ID, &def.texts.edit_button) {
                state.phase = Phase::PickingField;
                state.attempts = 0;
                let reply = menu(def, def.texts.pick_field.clone(), &field_options(def));
                return Next::Continue(state, vec![reply]);
            }
            refused(def, state, def.max_attempts, |def, state| {
                review(def, state, Some(&def.texts.use_the_buttons))
            })
        }
        Phase::PickingField => {
            if back {
                return review(def, state, None);
            }
            let options = field_options(def);
            let picked = parse::one_of(input, &options)
                .ok()
                .and_then(|(id, _)| id.strip_prefix(EDIT_FIELD_PREFIX))
                .and_then(|name| def.field(name));
            match picked {
                Some((_, field)) => ask(def, state, field, true, None),
                None => refused(def, state, def.max_attempts, |def, state| {
                    let body = fill(
                        &def.texts.retry,
                        &[
                            ("reason", &def.texts.not_an_option),
                            ("question", &def.texts.pick_field),
                        ],
                    );
                    Next::Continue(state, vec![menu(def, body, &options)])
                }),
            }
        }
    }
}

/// After an accepted (or skipped) answer to the field at `index`.
fn after_answer(def: &Definition, state: FormState, editing: bool, index: usize) -> Next {
    if editing {
        return review(def, state, None);
    }
    advance(def, state, Some(index))
}

/// Asks the first unanswered field after `after` (or from the start), then
/// any unanswered one; with every field answered, the summary or the end.
fn advance(def: &Definition, state: FormState, after: Option<usize>) -> Next {
    let unanswered = |f: &&Field| !state.answers.contains_key(&f.common.name);
    let start = after.map_or(0, |i| i + 1);
    let next = def
        .fields
        .iter()
        .skip(start)
        .find(unanswered)
        .or_else(|| def.fields.iter().find(unanswered));
    match next {
        Some(field) => ask(def, state, field, false, None),
        None if def.summary => review(def, state, None),
        None => Next::Finished(answers(def, &state)),
    }
}

/// A refused answer: asked again by `again`, or the form is abandoned after
/// `max` in a row.
fn refused(
    def: &Definition,
    mut state: FormState,
    max: u32,
    again: impl FnOnce(&Definition, FormState) -> Next,
) -> Next {
    state.attempts = state.attempts.saturating_add(1);
    if state.attempts >= max {
        return Next::Stopped(def.with_keyword(&def.texts.too_many_attempts));
    }
    again(def, state)
}

/// Asks `field`, after `reason` when an answer was refused.
fn ask(
    def: &Definition,
    mut state: FormState,
    field: &Field,
    editing: bool,
    reason: Option<&str>,
) -> Next {
    let phase = Phase::Asking {
        field: field.common.name.clone(),
        editing,
    };
    if state.phase != phase {
        state.attempts = 0;
        state.phase = phase;
    }
    let mut question = field.common.question.clone();
    if field.common.optional {
        question = fill(&def.texts.optional_question, &[("question", &question)]);
    }
    if let Some(reason) = reason {
        question = fill(
            &def.texts.retry,
            &[("reason", reason), ("question", &question)],
        );
    }
    let reply = if field.options().is_empty() {
        Reply::text(question)
    } else {
        menu(def, question, field.options())
    };
    Next::Continue(state, vec![reply])
}

/// Shows the summary with its buttons, after `reason` when the customer
/// answered something else.
fn review(def: &Definition, mut state: FormState, reason: Option<&str>) -> Next {
    if state.phase != Phase::Reviewing {
        state.attempts = 0;
        state.phase = Phase::Reviewing;
    }
    let lines: Vec<String> = def
        .fields
        .iter()
        .map(|f| {
            let answer = state
                .answers
                .get(&f.common.name)
                .and_then(Option::as_ref)
                .map_or(def.texts.skipped.as_str(), |a| a.shown.as_str());
            fill(
                &def.texts.summary_line,
                &[("label", &f.common.label), ("answer", answer)],
            )
        })
        .collect();
    let mut body = fill(&def.texts.summary, &[("answers", &lines.join("\n"))]);
    if let Some(reason) = reason {
        body = fill(&def.texts.retry, &[("reason", reason), ("question", &body)]);
    }
    let buttons = [
        (CONFIRM_ID, &def.texts.confirm_button),
        (EDIT_ID, &def.texts.edit_button),
        (CANCEL_ID, &def.texts.cancel_button),
    ]
    .map(|(id, title)| (id.to_owned(), title.clone()));
    let reply = menu(def, body, &buttons);
    Next::Continue(state, vec![reply])
}

/// The answers as the JSON object the form's type is read from: every
/// field's name, `null` when skipped.
fn answers(def: &Definition, state: &FormState) -> Value {
    let object: Map<String, Value> = def
        .fields
        .iter()
        .map(|f| {
            let value = state
                .answers
                .get(&f.common.name)
                .and_then(Option::as_ref)
                .map_or(Value::Null, |a| a.value.clone());
            (f.common.name.clone(), value)
        })
        .collect();
    Value::Object(object)
}

/// The fields as options of the edit menu.
fn field_options(def: &Definition) -> Vec<(String, String)> {
    def.fields
        .iter()
        .map(|f| {
            (
                format!("{EDIT_FIELD_PREFIX}{}", f.common.name),
                f.common.label.clone(),
            )
        })
        .collect()
}

/// `options` as reply buttons where they fit, else a list, else numbered
/// lines of text (which the choice parser reads back by number).
fn menu(def: &Definition, body: String, options: &[(String, String)]) -> Reply {
    let buttons = options
        .iter()
        .fold(Buttons::builder(body.clone()), |b, (id, title)| {
            b.button(id, title)
        })
        .build();
    if let Ok(buttons) = buttons {
        return buttons.into();
    }
    let list = List::builder(body.clone(), def.texts.list_button.clone())
        .rows(options.iter().map(|(id, title)| Row::new(id, title)))
        .build();
    if let Ok(list) = list {
        return list.into();
    }
    let lines: Vec<String> = options
        .iter()
        .enumerate()
        .map(|(i, (_, title))| format!("{}. {title}", i + 1))
        .collect();
    Reply::text(format!("{body}\n\n{}", lines.join("\n")))
}

/// A refusal in the form's words.
fn reason(def: &Definition, refusal: &Refusal) -> String {
    let t = &def.texts;
    match refusal {
        Refusal::NotText => t.not_text.clone(),
        Refusal::TextLength { min, max } => fill(
            &t.text_length,
            &[("min", &min.to_string()), ("max", &max.to_string())],
        ),
        Refusal::NotANumber { example } => {
            fill(&t.not_a_number, &[("example", &example.to_string())])
        }
        Refusal::NumberRange { min, max } => fill(
            &t.number_range,
            &[("min", &min.to_string()), ("max", &max.to_string())],
        ),
        Refusal::NotAnOption => t.not_an_option.clone(),
        Refusal::NotADate => t.not_a_date.clone(),
        Refusal::DateRange { min, max } => fill(
            &t.date_range,
            &[
                ("min", &parse::show_date(*min)),
                ("max", &parse::show_date(*max)),
            ],
        ),
        Refusal::NotAPhone => t.not_a_phone.clone(),
        Refusal::NotAnEmail => t.not_an_email.clone(),
        Refusal::NoMatch => t.no_match.clone(),
        Refusal::Custom(reason) => def.custom_reason(reason),
    }
}
