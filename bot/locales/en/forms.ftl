## The forms' generic texts (framework::form's FormTexts, "form-" and the
## field's name in kebab case), in English: the framework's own defaults.
## $reason, $question, $min, $max, $example, $answers, $label, $answer and
## $keyword are filled by the form.

# A refused answer: the reason, then the question again.
form-retry =
    { $reason }

    { $question }
form-optional-question =
    { $question }
    (Send *skip* to leave this one out.)
# "back" on the first question (a $reason).
form-first-question = This is the first question.
form-cannot-skip = This one can't be skipped.
form-not-text = Please answer with a text message.
form-text-length = Please send between { $min } and { $max } characters.
# $example: a number in the field's range.
form-not-a-number = Please send a whole number, like { $example }.
form-number-range = Please send a number from { $min } to { $max }.
form-not-an-option = Please pick one of the options.
form-not-a-date = Sorry, I didn't get that date. Try *tomorrow*, *Friday* or *21/11*.
form-date-range = Please pick a date from { $min } to { $max }.
form-not-a-phone = Please send a phone number with its country code, like +91 98123 45678.
form-not-an-email = Please send an email address, like name@example.com.
form-no-match = Sorry, that doesn't look right. Please try again.
# $answers: one "form-summary-line" per field.
form-summary =
    Please check your answers:

    { $answers }
form-summary-line = *{ $label }:* { $answer }
form-skipped = (skipped)
form-use-the-buttons = Please tap { form-confirm-button }, { form-edit-button } or { form-cancel-button }.
form-confirm-button = Confirm
form-edit-button = Edit
form-cancel-button = Cancel
form-pick-field = Which answer would you like to change?
form-list-button = Choose
# $keyword: the word that starts the form.
form-cancelled = Okay, I've stopped the form. Send *{ $keyword }* to start again.
form-too-many-attempts = That's too many tries, so I've stopped the form. Send *{ $keyword }* to start again.
form-expired = Your form expired. Send *{ $keyword }* to start again.
form-lost = Sorry, I lost your answers. Send *{ $keyword }* to start again.

## Words a customer may type, separated by commas (understood besides the
## form's own)

form-back-words = back
form-skip-words = skip
form-cancel-words = cancel
