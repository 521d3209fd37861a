//! Everything a form says to the customer, and the words it listens for.

/// The texts a [`Form`](super::Form) sends and the keywords it understands,
/// English by default.
///
/// Change any of them on a default value and give it to
/// [`FormBuilder::texts`](super::FormBuilder::texts). Templates name their
/// values in braces; each field's docs list the ones it may use.
///
/// ```
/// use framework::form::FormTexts;
///
/// let mut texts = FormTexts::default();
/// texts.cancelled = "No problem. Send *{keyword}* when you're ready.".to_owned();
/// texts.cancel_words = vec!["cancel".to_owned(), "quit".to_owned()];
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FormTexts {
    /// A refused answer: the reason, then the question again. `{reason}`,
    /// `{question}`.
    pub retry: String,
    /// An optional field's question. `{question}`.
    pub optional_question: String,
    /// "back" on the first question (sent as the `{reason}` of
    /// [`retry`](Self::retry)).
    pub first_question: String,
    /// "skip" on a field that is not optional (a `{reason}`).
    pub cannot_skip: String,
    /// A photo, a location... where text was expected (a `{reason}`).
    pub not_text: String,
    /// Text outside a text field's length bounds. `{min}`, `{max}`.
    pub text_length: String,
    /// Not a whole number. `{example}`: a number in the field's range.
    pub not_a_number: String,
    /// A number outside the field's range. `{min}`, `{max}`.
    pub number_range: String,
    /// An answer that is none of a choice field's options.
    pub not_an_option: String,
    /// Not a date the form understands.
    pub not_a_date: String,
    /// A date outside the field's range. `{min}`, `{max}` (dates as shown).
    pub date_range: String,
    /// Not a phone number.
    pub not_a_phone: String,
    /// Not an email address.
    pub not_an_email: String,
    /// An answer a pattern field's regular expression refuses.
    pub no_match: String,
    /// The summary before confirming. `{answers}`: one
    /// [`summary_line`](Self::summary_line) per field.
    pub summary: String,
    /// One answer in the summary. `{label}`, `{answer}`.
    pub summary_line: String,
    /// How a skipped optional answer is shown in the summary.
    pub skipped: String,
    /// Anything but the summary's buttons while it is shown (a `{reason}`).
    pub use_the_buttons: String,
    /// The summary's confirm button.
    pub confirm_button: String,
    /// The summary's edit button.
    pub edit_button: String,
    /// The summary's cancel button.
    pub cancel_button: String,
    /// Which field to answer again, after "Edit".
    pub pick_field: String,
    /// The label of the button that opens a list (a long choice or the list
    /// of fields to edit).
    pub list_button: String,
    /// The form was cancelled. `{keyword}`: the word that starts it.
    pub cancelled: String,
    /// Too many refused answers in a row: the form is abandoned. `{keyword}`.
    pub too_many_attempts: String,
    /// The customer came back after the form's inactivity timeout. `{keyword}`.
    pub expired: String,
    /// The stored answers could not be read (a deploy changed the form, or
    /// the stored state is damaged). `{keyword}`.
    pub lost: String,
    /// Words that go back to the previous question (or from the summary to
    /// the last one).
    pub back_words: Vec<String>,
    /// Words that leave an optional field unanswered.
    pub skip_words: Vec<String>,
    /// Words that abandon the form.
    pub cancel_words: Vec<String>,
}

impl Default for FormTexts {
    fn default() -> Self {
        let words = |w: &[&str]| w.iter().map(|w| (*w).to_owned()).collect();
        Self {
            retry: "{reason}\n\n{question}".to_owned(),
            optional_question: "{question}\n(Send *skip* to leave this one out.)".to_owned(),
            first_question: "This is the first question.".to_owned(),
            cannot_skip: "This one can't be skipped.".to_owned(),
            not_text: "Please answer with a text message.".to_owned(),
            text_length: "Please send between {min} and {max} characters.".to_owned(),
            not_a_number: "Please send a whole number, like {example}.".to_owned(),
            number_range: "Please send a number from {min} to {max}.".to_owned(),
            not_an_option: "Please pick one of the options.".to_owned(),
            not_a_date: "Sorry, I didn't get that date. Try *tomorrow*, *Friday* or *21/11*."
                .to_owned(),
            date_range: "Please pick a date from {min} to {max}.".to_owned(),
            not_a_phone: "Please send a phone number with its country code, like +91 98123 45678."
                .to_owned(),
            not_an_email: "Please send an email address, like name@example.com.".to_owned(),
            no_match: "Sorry, that doesn't look right. Please try again.".to_owned(),
            summary: "Please check your answers:\n\n{answers}".to_owned(),
            summary_line: "*{label}:* {answer}".to_owned(),
            skipped: "(skipped)".to_owned(),
            use_the_buttons: "Please tap Confirm, Edit or Cancel.".to_owned(),
            confirm_button: "Confirm".to_owned(),
            edit_button: "Edit".to_owned(),
            cancel_button: "Cancel".to_owned(),
            pick_field: "Which answer would you like to change?".to_owned(),
            list_button: "Choose".to_owned(),
            cancelled: "Okay, I've stopped the form. Send *{keyword}* to start again.".to_owned(),
            too_many_attempts:
                "That's too many tries, so I've stopped the form. Send *{keyword}* to start again."
                    .to_owned(),
            expired: "Your form expired. Send *{keyword}* to start again.".to_owned(),
            lost: "Sorry, I lost your answers. Send *{keyword}* to start again.".to_owned(),
            back_words: words(&["back"]),
            skip_words: words(&["skip"]),
            cancel_words: words(&["cancel", "stop"]),
        }
    }
}

/// Replaces each `{name}` of `template` by its value.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    // One pass over the template: a value (a reason that quotes the
    // customer's text, say) is never read again for placeholders.
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let value = after.find('}').and_then(|close| {
            let name = &after[..close];
            values
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_every_named_value_and_leaves_others() {
        assert_eq!(
            fill("{a} and {b}, {a} again, {c}", &[("a", "x"), ("b", "y")]),
            "x and y, x again, {c}"
        );
    }

    #[test]
    fn a_value_is_not_read_again_for_placeholders() {
        assert_eq!(
            fill(
                "{reason}\n\n{question}",
                &[("reason", "not {question}"), ("question", "Age?")]
            ),
            "not {question}\n\nAge?"
        );
        assert_eq!(fill("{ {a} }{", &[("a", "x")]), "{ x }{");
    }
}
