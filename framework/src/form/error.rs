//! What can go wrong with a form.

use crate::session::SessionDataError;

/// Errors of [`FormBuilder::build`](super::FormBuilder::build) (the form's
/// definition) and of a running form (the pipeline's wiring, the session,
/// the developer's answer type). A customer's refused answer is never an
/// error: it is answered with a reason.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FormError {
    /// The form asks nothing.
    #[error("form {form:?} has no fields")]
    NoFields {
        /// The form's name.
        form: String,
    },
    /// A form's name or a field's name is empty.
    #[error("form {form:?} has an empty name or field name")]
    EmptyName {
        /// The form's name.
        form: String,
    },
    /// Two fields have one name (their answers would share a key).
    #[error("form {form:?} has two fields named {field:?}")]
    DuplicateField {
        /// The form's name.
        form: String,
        /// The repeated name.
        field: String,
    },
    /// A choice field has no options, or two with one id.
    #[error("choice field {field:?} needs options with distinct ids")]
    BadOptions {
        /// The field's name.
        field: String,
    },
    /// A range whose start is after its end.
    #[error("field {field:?} accepts nothing: its range is empty")]
    EmptyRange {
        /// The field's name.
        field: String,
    },
    /// A pattern field's regular expression does not compile.
    #[error("field {field:?} has an invalid pattern {pattern:?}: {reason}")]
    Pattern {
        /// The field's name.
        field: String,
        /// The pattern as given.
        pattern: String,
        /// The regular expression parser's message.
        reason: String,
    },
    /// No [`Session`](crate::session::Session) in the message: the session
    /// layer must wrap the router.
    #[error("a form needs the session layer outside it (no Session in the message's extensions)")]
    NoSession,
    /// The form's state could not be written to the session.
    #[error("could not keep the form's state in the session")]
    Session(#[from] SessionDataError),
    /// The answers do not deserialize into the form's type (a field's name
    /// or value type differs from the type's).
    #[error("the answers of form {form:?} do not fit its type")]
    Answers {
        /// The form's name.
        form: String,
        /// The deserializer's error.
        #[source]
        source: serde_json::Error,
    },
}
