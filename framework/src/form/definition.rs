//! A form's definition ([`FormBuilder`] → [`Form`]) and running it on a
//! message.

use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use jiff::tz::TimeZone;
use serde::de::DeserializeOwned;

use super::error::FormError;
use super::field::{Field, Rule};
use super::localize::{FormLocalizer, Localized};
use super::parse::Input;
use super::state::{self, FormState, Next};
use super::texts::{FormTexts, fill};
use crate::clock::Clock;
use crate::conversation::{Loaded, load_versioned, store_versioned};
use crate::handler::normalize_text;
use crate::locale::{Locale, Localizer};
use crate::session::Session;
use crate::{Content, InboundMessage, Response};

/// The session key of a form's state: `campanile.form.` and its name.
pub const SESSION_KEY_PREFIX: &str = "campanile.form.";

/// What a [`Form`] knows, shared by its clones.
#[derive(Debug, Clone)]
pub(crate) struct Definition {
    pub(crate) name: String,
    pub(crate) key: String,
    pub(crate) version: u32,
    pub(crate) fields: Vec<Field>,
    pub(crate) start_words: Vec<String>,
    pub(crate) summary: bool,
    pub(crate) max_attempts: u32,
    pub(crate) expire_after: Duration,
    pub(crate) clock: Clock,
    pub(crate) time_zone: TimeZone,
    pub(crate) texts: FormTexts,
    /// Finds the texts in the customer's language.
    pub(crate) localizer: Option<FormLocalizer>,
    /// The language of this copy of the definition (`None`: the builder's).
    pub(crate) locale: Option<Locale>,
}

impl Definition {
    /// The word the texts tell the customer to send to start again.
    pub(crate) fn keyword(&self) -> &str {
        self.start_words.first().unwrap_or(&self.name)
    }

    /// A text naming the start word.
    pub(crate) fn with_keyword(&self, template: &str) -> String {
        fill(template, &[("keyword", self.keyword())])
    }

    pub(crate) fn field(&self, name: &str) -> Option<(usize, &Field)> {
        self.fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.common.name == name)
    }

    /// Whether the message is one of the words that start the form.
    fn starts(&self, msg: &InboundMessage) -> bool {
        match msg.content() {
            Content::Text { body } => {
                let typed = normalize_text(body);
                self.start_words.contains(&typed)
            }
            _ => false,
        }
    }
}

/// A form: questions asked one at a time, each answer checked and asked
/// again with a reason when refused, optionally a summary to confirm or
/// edit, and the answers delivered as your type `T`.
///
/// `T` is built from the answers with serde: each field's answer under its
/// name (see [`Field`] for the JSON each kind gives), so a
/// `#[derive(Deserialize)]` struct with one field per question is all it
/// takes. Add a form to a [`Router`](crate::handler::Router) with
/// [`Router::form`](crate::handler::Router::form), or run it yourself with
/// [`start`](Self::start) and [`step`](Self::step). See the [module
/// docs](super) for an example.
pub struct Form<T> {
    pub(crate) def: Arc<Definition>,
    localized: Arc<Localized>,
    _answers: PhantomData<fn() -> T>,
}

impl<T> Clone for Form<T> {
    fn clone(&self) -> Self {
        Self {
            def: Arc::clone(&self.def),
            localized: Arc::clone(&self.localized),
            _answers: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Form<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Form")
            .field("name", &self.def.name)
            .field("fields", &self.def.fields)
            .finish_non_exhaustive()
    }
}

/// What a form did with a message ([`Form::step`]).
#[derive(Debug, Clone)]
pub enum FormStep<T> {
    /// The form is not running for this customer, and the message does not
    /// start it: someone else should handle it.
    NotRunning,
    /// The form answered (a question, a reason, the summary, or the notice
    /// that it stopped).
    Reply(Response),
    /// The customer answered everything (and confirmed the summary): the
    /// form's state is gone from the session.
    Done(T),
}

impl<T> Form<T> {
    /// Starts defining the form `name` (its state is kept in the session
    /// under [`SESSION_KEY_PREFIX`] + `name`).
    pub fn builder(name: impl Into<String>) -> FormBuilder<T> {
        FormBuilder {
            name: name.into(),
            version: 1,
            fields: Vec::new(),
            start_words: Vec::new(),
            summary: false,
            max_attempts: 3,
            expire_after: Duration::from_secs(30 * 60),
            clock: Clock::system(),
            time_zone: TimeZone::UTC,
            texts: FormTexts::default(),
            localizer: None,
            _answers: PhantomData,
        }
    }

    /// The form's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.def.name
    }

    /// The session key its state is kept under.
    #[must_use]
    pub fn session_key(&self) -> &str {
        &self.def.key
    }

    /// Whether the form is running in this session.
    #[must_use]
    pub fn is_running(&self, session: &Session) -> bool {
        session.contains_key(&self.def.key)
    }

    /// Whether the router should hand this message to the form: it is
    /// running, or the message is one of its start words.
    pub(crate) fn wants(&self, msg: &InboundMessage) -> bool {
        self.def_for(msg).starts(msg)
            || msg
                .extensions()
                .get::<Session>()
                .is_some_and(|s| self.is_running(s))
    }

    /// Starts the form from the beginning (also when it was running) and
    /// returns its first question; for a handler that starts it (after a
    /// button, say) rather than a start word.
    ///
    /// # Errors
    ///
    /// [`FormError::Session`] when the state cannot be stored.
    pub fn start(&self, session: &Session) -> Result<Response, FormError> {
        Self::start_with(&self.def, session)
    }

    /// [`start`](Self::start) in the message's [`Locale`] (see
    /// [`FormBuilder::localizer`]); for a handler that starts the form.
    ///
    /// # Errors
    ///
    /// [`FormError::NoSession`] without the session layer,
    /// [`FormError::Session`] when the state cannot be stored.
    pub fn start_for(&self, msg: &InboundMessage) -> Result<Response, FormError> {
        let session = msg
            .extensions()
            .get::<Session>()
            .ok_or(FormError::NoSession)?;
        Self::start_with(&self.def_for(msg), session)
    }

    fn start_with(def: &Definition, session: &Session) -> Result<Response, FormError> {
        let (state, replies) = state::start(def, def.clock.now_ms());
        store_versioned(session, &def.key, &state)?;
        Ok(Response::from_replies(replies))
    }

    /// The definition in the message's locale (the builder's without a
    /// locale or a localizer).
    fn def_for(&self, msg: &InboundMessage) -> Arc<Definition> {
        match Locale::of(msg) {
            Some(locale) if self.def.localizer.is_some() => self.localized.get(&self.def, locale),
            _ => Arc::clone(&self.def),
        }
    }

    /// Stops the form (its answers are forgotten); whether it was running.
    pub fn stop(&self, session: &Session) -> bool {
        session.remove(&self.def.key)
    }
}

impl<T: DeserializeOwned> Form<T> {
    /// Runs the form on one message: a start word starts it; while it runs,
    /// every message answers it (cancel, back and skip words included).
    ///
    /// A state stored by another version of the framework's format or of
    /// the form ([`FormBuilder::version`]), or one that cannot be read, is
    /// dropped with the [`lost`](FormTexts::lost) text; one older than the
    /// inactivity timeout with the [`expired`](FormTexts::expired) text. A
    /// start word then starts the form afresh instead.
    ///
    /// # Errors
    ///
    /// [`FormError::NoSession`] without the session layer,
    /// [`FormError::Session`] when the state cannot be stored,
    /// [`FormError::Answers`] when the answers do not make a `T` (the state
    /// stays, at the summary or the last question).
    pub fn step(&self, msg: &InboundMessage) -> Result<FormStep<T>, FormError> {
        let def = &*self.def_for(msg);
        let session = msg
            .extensions()
            .get::<Session>()
            .ok_or(FormError::NoSession)?;
        let now = def.clock.now_ms();
        let starting = def.starts(msg);
        let running = match load_versioned::<FormState>(session, &def.key) {
            Loaded::Absent if starting => {
                return Self::start_with(def, session).map(FormStep::Reply);
            }
            Loaded::Absent => return Ok(FormStep::NotRunning),
            Loaded::Current(s) | Loaded::Migrated(s) if s.form_version() != def.version => {
                tracing::info!(form = %def.name, "form state of another form version; dropped");
                None
            }
            Loaded::Current(s) | Loaded::Migrated(s) => Some(s),
            Loaded::Unreadable => None,
        };
        let Some(running) = running else {
            session.remove(&def.key);
            if starting {
                return Self::start_with(def, session).map(FormStep::Reply);
            }
            return Ok(FormStep::Reply(Response::reply(
                def.with_keyword(&def.texts.lost),
            )));
        };
        if running.expired(now, def.expire_after) {
            session.remove(&def.key);
            if starting {
                return Self::start_with(def, session).map(FormStep::Reply);
            }
            return Ok(FormStep::Reply(Response::reply(
                def.with_keyword(&def.texts.expired),
            )));
        }
        match state::next(def, running, input(msg), self.today(now), now) {
            Next::Continue(state, replies) => {
                store_versioned(session, &def.key, &state)?;
                Ok(FormStep::Reply(Response::from_replies(replies)))
            }
            Next::Stopped(reply) => {
                session.remove(&def.key);
                Ok(FormStep::Reply(Response::reply(reply)))
            }
            Next::Finished(answers) => {
                let answers =
                    serde_json::from_value(answers).map_err(|source| FormError::Answers {
                        form: def.name.clone(),
                        source,
                    })?;
                session.remove(&def.key);
                Ok(FormStep::Done(answers))
            }
        }
    }

    /// Today's date in the form's time zone.
    fn today(&self, now_ms: i64) -> jiff::civil::Date {
        jiff::Timestamp::from_millisecond(now_ms)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_zoned(self.def.time_zone.clone())
            .date()
    }
}

/// The answer in a message.
fn input(msg: &InboundMessage) -> Input<'_> {
    if let Some(id) = msg.choice_id() {
        return Input::Choice { id };
    }
    msg.text().map_or(Input::Other, Input::Text)
}

/// Defines a [`Form`]; [`build`](Self::build) checks the definition.
#[must_use]
pub struct FormBuilder<T> {
    name: String,
    version: u32,
    fields: Vec<Field>,
    start_words: Vec<String>,
    summary: bool,
    max_attempts: u32,
    expire_after: Duration,
    clock: Clock,
    time_zone: TimeZone,
    texts: FormTexts,
    localizer: Option<FormLocalizer>,
    _answers: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for FormBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FormBuilder")
            .field("name", &self.name)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl<T> FormBuilder<T> {
    /// Adds a question; questions are asked in the order they were added.
    pub fn field(mut self, field: impl Into<Field>) -> Self {
        self.fields.push(field.into());
        self
    }

    /// Words that start the form (compared like router keywords). The first
    /// is the `{keyword}` of the texts that say how to start again (without
    /// any, the form's name).
    pub fn start_on<'a>(mut self, words: impl IntoIterator<Item = &'a str>) -> Self {
        self.start_words = words.into_iter().map(normalize_text).collect();
        self
    }

    /// Ends with a summary of the answers and Confirm / Edit / Cancel
    /// buttons; Edit lets the customer pick a question to answer again.
    /// Without it, the form is done with the last answer.
    pub fn summary(mut self) -> Self {
        self.summary = true;
        self
    }

    /// How many refused answers in a row abandon the form (a field may say
    /// otherwise). Defaults to 3; at least 1.
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// How long the form waits for an answer. The customer's next message
    /// after that gets the [`expired`](FormTexts::expired) text (no message
    /// is sent by itself: that would take a job). Defaults to 30 minutes.
    pub fn expire_after(mut self, after: Duration) -> Self {
        self.expire_after = after;
        self
    }

    /// The clock that times the inactivity and says what today is. Defaults
    /// to [`Clock::system`]; give the bot's one clock (tests: a
    /// [`ManualClock`](crate::clock::ManualClock)'s).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// The time zone of "today" for date questions. Defaults to UTC.
    pub fn time_zone(mut self, time_zone: TimeZone) -> Self {
        self.time_zone = time_zone;
        self
    }

    /// What the form says and the words it listens for.
    pub fn texts(mut self, texts: FormTexts) -> Self {
        self.texts = texts;
        self
    }

    /// Asks in the customer's language: for a message that carries a
    /// [`Locale`], every text is looked up through `localizer` first (the
    /// keys are listed below), and the builder's own text is kept where it
    /// has none. The definition in each locale is built once and kept.
    ///
    /// Keys:
    /// - each [`FormTexts`] text as `form-` and its field name in kebab
    ///   case (`form-retry`, `form-not-a-number`, `form-confirm-button`…),
    ///   with the same `{name}` placeholders;
    /// - `form-back-words`, `form-skip-words`, `form-cancel-words` and
    ///   `{form}-start-words`: words separated by commas, understood
    ///   besides the builder's own;
    /// - per field: `{form}-{field}-question`, `-label`, `-otherwise`, and
    ///   `-option-{id}` for a choice's title;
    /// - a [custom](super::Field::custom) field's refusal, looked up as a
    ///   key as it is (so a parser can refuse with a key).
    ///
    /// ```
    /// use framework::form::{Field, Form};
    /// use framework::locale::Locale;
    ///
    /// # fn main() -> Result<(), framework::form::FormError> {
    /// let form = Form::<serde_json::Value>::builder("signup")
    ///     .field(Field::text("name", "What's your name?"))
    ///     .localizer(|locale: &Locale, key: &str| match (locale.language(), key) {
    ///         ("hi", "signup-name-question") => Some("आपका नाम क्या है?".to_owned()),
    ///         _ => None,
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn localizer(mut self, localizer: impl Localizer) -> Self {
        self.localizer = Some(FormLocalizer(Arc::new(localizer)));
        self
    }

    /// The form's version, stored with a running form's answers. Bump it
    /// when a deploy changes the questions so that answers given to the old
    /// ones no longer fit: customers in the middle of the old form get the
    /// [`lost`](FormTexts::lost) text instead of a wrong answer. Defaults
    /// to 1.
    pub fn version(mut self, version: u32) -> Self {
        self.version = version;
        self
    }

    /// Checks the definition.
    ///
    /// # Errors
    ///
    /// [`FormError`] for a form without fields, an empty name, two fields
    /// of one name, a choice field without options (or with two of one
    /// id), an empty range, or a pattern that does not compile.
    pub fn build(self) -> Result<Form<T>, FormError> {
        let form = || self.name.clone();
        if self.fields.is_empty() {
            return Err(FormError::NoFields { form: form() });
        }
        let mut names = HashSet::new();
        for field in &self.fields {
            let name = &field.common.name;
            if self.name.is_empty() || name.is_empty() {
                return Err(FormError::EmptyName { form: form() });
            }
            if !names.insert(name.as_str()) {
                return Err(FormError::DuplicateField {
                    form: form(),
                    field: name.clone(),
                });
            }
            check_rule(field)?;
        }
        Ok(Form {
            def: Arc::new(Definition {
                key: format!("{SESSION_KEY_PREFIX}{}", self.name),
                name: self.name,
                version: self.version,
                fields: self.fields,
                start_words: self.start_words,
                summary: self.summary,
                max_attempts: self.max_attempts,
                expire_after: self.expire_after,
                clock: self.clock,
                time_zone: self.time_zone,
                texts: self.texts,
                localizer: self.localizer,
                locale: None,
            }),
            localized: Arc::default(),
            _answers: PhantomData,
        })
    }
}

fn check_rule(field: &Field) -> Result<(), FormError> {
    let name = || field.common.name.clone();
    match &field.rule {
        Rule::OneOf(k) => {
            let ids: HashSet<&str> = k.options.iter().map(|(id, _)| id.as_str()).collect();
            if k.options.is_empty() || ids.len() != k.options.len() {
                return Err(FormError::BadOptions { field: name() });
            }
        }
        Rule::Text(k) if k.min > k.max => return Err(FormError::EmptyRange { field: name() }),
        Rule::Number(k) if k.min > k.max => return Err(FormError::EmptyRange { field: name() }),
        Rule::Date(k) if k.from > k.to => return Err(FormError::EmptyRange { field: name() }),
        Rule::Pattern(k) => {
            if let Err(reason) = &k.regex {
                return Err(FormError::Pattern {
                    field: name(),
                    pattern: k.source.clone(),
                    reason: reason.clone(),
                });
            }
        }
        _ => {}
    }
    Ok(())
}
