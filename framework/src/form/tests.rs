//! The running form as a state machine: stored state, versions, endings.

use serde::Deserialize;
use serde_json::json;

use super::state::FormState;
use super::*;
use crate::clock::ManualClock;
use crate::conversation::FlowState;
use crate::reply::Reply;
use crate::session::Session;
use crate::{Content, InboundMessage};

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Order {
    qty: i64,
    size: String,
}

const KEY: &str = "campanile.form.order";

fn form(version: u32, summary: bool) -> Form<Order> {
    let builder = Form::builder("order")
        .start_on(["order"])
        .version(version)
        .clock(ManualClock::new(1_795_329_000_000).clock())
        .field(Field::number("qty", "How many?").range(1..=10))
        .field(Field::one_of(
            "size",
            "Which size?",
            [("s", "Small"), ("l", "Large")],
        ));
    let builder = if summary { builder.summary() } else { builder };
    builder.build().unwrap()
}

/// A text message carrying `session`, as the session layer hands it on.
fn says(session: &Session, text: &str) -> InboundMessage {
    let mut msg = crate::doc::text(text);
    msg.extensions_mut().insert(session.clone());
    msg
}

fn reply(step: Result<FormStep<Order>, FormError>) -> Vec<String> {
    match step {
        Ok(FormStep::Reply(r)) => r
            .replies()
            .iter()
            .filter_map(Reply::body)
            .map(str::to_owned)
            .collect(),
        other => panic!("expected a reply, got {other:?}"),
    }
}

#[test]
fn the_state_is_stored_versioned_under_the_forms_key() {
    let (form, session) = (form(1, true), Session::new());
    assert_eq!(reply(form.step(&says(&session, "Order!"))), ["How many?"]);

    let stored: serde_json::Value = session.get(KEY).unwrap().unwrap();
    assert_eq!(stored["version"], json!(FormState::VERSION));
    assert_eq!(stored["state"]["form_version"], json!(1));
    assert_eq!(
        stored["state"]["phase"],
        json!({ "phase": "asking", "field": "qty", "editing": false })
    );

    form.step(&says(&session, "3")).unwrap();
    let stored: serde_json::Value = session.get(KEY).unwrap().unwrap();
    assert_eq!(
        stored["state"]["answers"]["qty"],
        json!({ "value": 3, "shown": "3" })
    );
}

#[test]
fn without_a_summary_the_last_answer_finishes_the_form_and_clears_it() {
    let (form, session) = (form(1, false), Session::new());
    form.step(&says(&session, "order")).unwrap();
    form.step(&says(&session, "3")).unwrap();
    let done = form.step(&says(&session, "large")).unwrap();
    assert!(matches!(done, FormStep::Done(Order { qty: 3, ref size }) if size == "l"));
    assert!(!form.is_running(&session));
    assert!(matches!(
        form.step(&says(&session, "3")),
        Ok(FormStep::NotRunning)
    ));
}

#[test]
fn a_state_of_an_older_format_version_is_dropped_with_the_lost_text() {
    let (form, session) = (form(1, true), Session::new());
    session
        .insert(
            KEY,
            &json!({ "version": 0, "state": { "step": 2, "qty": 3 } }),
        )
        .unwrap();
    assert_eq!(
        reply(form.step(&says(&session, "3"))),
        ["Sorry, I lost your answers. Send *order* to start again."]
    );
    assert!(!form.is_running(&session));
}

#[test]
fn an_unparseable_state_is_dropped_and_a_start_word_starts_afresh() {
    let (form, session) = (form(1, true), Session::new());
    session.insert(KEY, &json!("garbage")).unwrap();
    assert_eq!(reply(form.step(&says(&session, "order"))), ["How many?"]);
    assert!(form.is_running(&session));

    session
        .insert(
            KEY,
            &json!({ "version": FormState::VERSION, "state": { "phase": 7 } }),
        )
        .unwrap();
    assert_eq!(
        reply(form.step(&says(&session, "3"))),
        ["Sorry, I lost your answers. Send *order* to start again."]
    );
}

#[test]
fn a_new_form_version_drops_answers_given_to_the_old_questions() {
    let session = Session::new();
    let old = form(1, true);
    old.step(&says(&session, "order")).unwrap();
    old.step(&says(&session, "3")).unwrap();

    let new = form(2, true);
    assert_eq!(
        reply(new.step(&says(&session, "small"))),
        ["Sorry, I lost your answers. Send *order* to start again."]
    );
    assert!(!new.is_running(&session));
}

#[test]
fn answers_that_do_not_fit_the_type_are_an_error_and_keep_the_state() {
    #[derive(Debug, Clone, Deserialize)]
    #[allow(dead_code)]
    struct Wrong {
        qty: String,
    }
    let form: Form<Wrong> = Form::builder("order")
        .field(Field::number("qty", "How many?"))
        .build()
        .unwrap();
    let session = Session::new();
    form.start(&session).unwrap();
    assert!(matches!(
        form.step(&says(&session, "3")),
        Err(FormError::Answers { .. })
    ));
    assert!(form.is_running(&session));
}

#[test]
fn a_form_needs_the_session() {
    assert!(matches!(
        form(1, true).step(&crate::doc::text("order")),
        Err(FormError::NoSession)
    ));
}

#[test]
fn a_handler_can_start_and_stop_a_form() {
    let (form, session) = (form(1, true), Session::new());
    let first = form.start(&session).unwrap();
    assert_eq!(first.replies()[0].body(), Some("How many?"));
    assert!(form.stop(&session));
    assert!(!form.is_running(&session));
}

#[test]
fn a_tap_on_an_old_button_does_not_answer_a_text_question() {
    let (form, session) = (form(1, true), Session::new());
    form.step(&says(&session, "order")).unwrap();
    let mut tap = crate::doc::tap("l");
    tap.extensions_mut().insert(session.clone());
    assert_eq!(
        reply(form.step(&tap)),
        ["Please answer with a text message.\n\nHow many?"]
    );
    let mut photo = InboundMessage::new(
        crate::Provider::Local,
        crate::doc::fresh_id(),
        crate::doc::key(),
        Content::Unsupported {
            kind: "sticker".to_owned(),
            detail: None,
        },
    );
    photo.extensions_mut().insert(session.clone());
    assert_eq!(
        reply(form.step(&photo)),
        ["Please answer with a text message.\n\nHow many?"]
    );
}

#[test]
fn long_choices_become_a_list_then_numbered_text() {
    let many = |n: usize| {
        Form::<Order>::builder("pick")
            .start_on(["pick"])
            .field(Field::one_of(
                "size",
                "Which?",
                (1..=n).map(|i| (format!("id{i}"), format!("Option {i}"))),
            ))
            .build()
            .unwrap()
    };
    let session = Session::new();
    let first = |form: Form<Order>| match form.step(&says(&session, "pick")) {
        Ok(FormStep::Reply(r)) => r.replies()[0].clone(),
        other => panic!("{other:?}"),
    };
    assert!(matches!(first(many(3)), Reply::Buttons(_)));
    assert!(matches!(first(many(4)), Reply::List(_)));
    let text = first(many(11));
    assert!(matches!(text, Reply::Text(_)));
    assert!(
        text.body()
            .unwrap()
            .ends_with("10. Option 10\n11. Option 11")
    );
}

#[test]
fn build_refuses_definitions_that_cannot_work() {
    let build = |b: FormBuilder<Order>| b.build().map(|_| ()).unwrap_err();
    assert!(matches!(
        build(Form::builder("f")),
        FormError::NoFields { .. }
    ));
    assert!(matches!(
        build(
            Form::builder("f")
                .field(Field::text("a", "?"))
                .field(Field::email("a", "?"))
        ),
        FormError::DuplicateField { .. }
    ));
    assert!(matches!(
        build(Form::builder("f").field(Field::text("", "?"))),
        FormError::EmptyName { .. }
    ));
    assert!(matches!(
        build(Form::builder("f").field(Field::one_of("a", "?", [("x", "X"), ("x", "Y")]))),
        FormError::BadOptions { .. }
    ));
    assert!(matches!(
        build(Form::builder("f").field(Field::one_of("a", "?", Vec::<(String, String)>::new()))),
        FormError::BadOptions { .. }
    ));
    #[allow(clippy::reversed_empty_ranges)]
    let empty = Field::number("a", "?").range(5..=1);
    assert!(matches!(
        build(Form::builder("f").field(empty)),
        FormError::EmptyRange { .. }
    ));
    assert!(matches!(
        build(Form::builder("f").field(Field::pattern("a", "?", "(unclosed"))),
        FormError::Pattern { .. }
    ));
}

/// A Hindi localizer for the `order` form: the question, the choice titles,
/// a refusal, a cancel word; nothing for the rest.
fn hindi(locale: &crate::locale::Locale, key: &str) -> Option<String> {
    if locale.language() != "hi" {
        return None;
    }
    Some(
        match key {
            "order-qty-question" => "कितने?",
            "order-size-option-l" => "बड़ा",
            "form-not-a-number" => "कृपया पूरी संख्या भेजें, जैसे {example}।",
            "form-cancel-words" => "रद्द, बंद",
            "form-cancelled" => "ठीक है, फ़ॉर्म बंद किया। फिर से शुरू करने के लिए *{keyword}* भेजें।",
            "order-start-words" => "ऑर्डर",
            "too-big" => "बहुत बड़ा",
            _ => return None,
        }
        .to_owned(),
    )
}

fn in_hindi(session: &Session, text: &str) -> InboundMessage {
    let mut msg = says(session, text);
    msg.extensions_mut()
        .insert(crate::locale::Locale::parse("hi-IN").unwrap());
    msg
}

#[test]
fn a_localized_form_asks_in_the_messages_language_and_keeps_its_own_texts_elsewhere() {
    let form: Form<Order> = Form::builder("order")
        .start_on(["order"])
        .clock(ManualClock::new(1_795_329_000_000).clock())
        .field(Field::number("qty", "How many?").range(1..=10))
        .field(Field::one_of(
            "size",
            "Which size?",
            [("s", "Small"), ("l", "Large")],
        ))
        .localizer(hindi)
        .build()
        .unwrap();
    let session = Session::new();
    // A localized start word; the question in Hindi.
    assert_eq!(reply(form.step(&in_hindi(&session, "ऑर्डर"))), ["कितने?"]);
    // A refusal in Hindi, with its placeholder filled, then the question.
    assert_eq!(
        reply(form.step(&in_hindi(&session, "दस"))),
        ["कृपया पूरी संख्या भेजें, जैसे 1।\n\nकितने?"]
    );
    // The next question has no translation: the builder's text, with one
    // option translated.
    let step = form.step(&in_hindi(&session, "2")).unwrap();
    let FormStep::Reply(response) = step else {
        panic!("expected the next question")
    };
    let shown = format!("{:?}", response.replies());
    let large = format!("{:?}", "बड़ा");
    assert!(
        shown.contains("Which size?")
            && shown.contains(large.trim_matches('"'))
            && shown.contains("Small"),
        "{shown}"
    );
    // The Hindi cancel word stops it, with the Hindi notice naming the
    // builder's start word.
    assert_eq!(
        reply(form.step(&in_hindi(&session, "रद्द"))),
        ["ठीक है, फ़ॉर्म बंद किया। फिर से शुरू करने के लिए *order* भेजें।"]
    );
    // Without a locale, the same form speaks English and ignores the Hindi
    // start word.
    assert!(matches!(
        form.step(&says(&session, "ऑर्डर")),
        Ok(FormStep::NotRunning)
    ));
    assert_eq!(reply(form.step(&says(&session, "order"))), ["How many?"]);
}

#[test]
fn a_custom_refusal_is_looked_up_as_a_key() {
    let form: Form<serde_json::Value> = Form::builder("order")
        .start_on(["order"])
        .field(Field::custom("qty", "How many?", |a: &str| match a {
            "1000" => Err("too-big"),
            _ => Ok(a.to_owned()),
        }))
        .localizer(hindi)
        .build()
        .unwrap();
    let session = Session::new();
    form.step(&in_hindi(&session, "order")).unwrap();
    let step = form.step(&in_hindi(&session, "1000")).unwrap();
    let FormStep::Reply(response) = step else {
        panic!("expected a refusal")
    };
    assert_eq!(
        response.replies()[0].body(),
        Some("बहुत बड़ा\n\nकितने?"),
        "the reason translated as a key"
    );
}
