//! The responder in memory: the sample FAQ ([`SAMPLE_FAQ`]) and a
//! [`ScriptedModel`].
//!
//! Scores of the sample FAQ the tests lean on: "can I pay by card" ≈ 0.64
//! (`payment`, between the thresholds), "do you have cement?" ≈ 0.40
//! (`delivery`, below `maybe`), "who won the cricket match yesterday"
//! shares no word with any question.

use super::*;
use crate::testing::support::{SAMPLE_FAQ, ScriptedModel, faq, json_reply};

fn lang(tag: &str) -> Language {
    Language::parse(tag).unwrap()
}

fn ask(question: &str, language: &str) -> AskSupport {
    AskSupport {
        question: question.to_owned(),
        language: lang(language),
    }
}

fn id(id: &str) -> FaqId {
    FaqId::parse(id).unwrap()
}

fn with_model(model: &ScriptedModel) -> SupportService<ScriptedModel> {
    SupportService::new(
        faq(),
        SupportConfig::default().with_shop_name("Sharma Hardware"),
    )
    .with_model(model.clone())
}

/// Between the thresholds: the model is asked, `payment` stands in.
const FAIR: &str = "can I pay by card";
/// Below `maybe`: the model is asked, a person stands in.
const WEAK: &str = "do you have cement?";
/// No word in common with any question.
const NONE: &str = "who won the cricket match yesterday";

// --- the FAQ alone ---------------------------------------------------------

#[tokio::test]
async fn an_english_question_gets_the_english_answer_without_the_model() {
    // Arrange
    let model = ScriptedModel::new();
    let service = with_model(&model);

    // Act
    let answer = service
        .answer(ask("Hello sir, what are your opening hours please?", "en"))
        .await;

    // Assert
    let SupportAnswer::Faq { hit, reason } = answer else {
        panic!("{answer:?}");
    };
    assert_eq!(reason, Reason::FaqMatch);
    assert_eq!(hit.id, id("opening-hours"));
    assert_eq!(hit.answer, "We're open Monday to Saturday, 9 am to 7 pm.");
    assert!(hit.score >= 0.7, "{}", hit.score);
    assert_eq!(model.calls(), 0, "a good FAQ match asks no model");
}

#[tokio::test]
async fn a_hindi_question_gets_the_hindi_answer() {
    let service = SupportService::new(faq(), SupportConfig::default());
    for question in [
        "दुकान कब खुलती है?",
        // The customer's own wording and punctuation.
        "भैया दुकान कब खुलती है।",
    ] {
        let answer = service.answer(ask(question, "hi")).await;
        assert_eq!(answer.reason(), Reason::FaqMatch, "{question}");
        assert_eq!(
            answer.text(),
            Some("हम सोमवार से शनिवार, सुबह 9 से शाम 7 बजे तक खुले हैं।")
        );
    }
    // "Do you deliver to Pune?" in Hindi, with a nukta the FAQ lacks.
    let faq = faq();
    let hit = faq.best("क्या आप पुणे में डिलीवरी करते हैं?", &lang("hi")).unwrap();
    assert_eq!(hit.id, id("delivery"));
    assert_eq!(hit.language, lang("hi"));
    let nukta = faq
        .best("क्या आप \u{095C}िलीवरी करते हैं", &lang("hi"))
        .unwrap();
    let plain = faq.best("क्या आप डिलीवरी करते हैं", &lang("hi")).unwrap();
    assert_eq!(nukta.score, plain.score);
}

#[test]
fn the_answer_is_in_the_customers_language_where_the_entry_has_one() {
    let faq = faq();
    // Asked in English by a Hindi customer: the Hindi answer.
    let hit = faq.best("Do you deliver to Pune?", &lang("hi")).unwrap();
    assert_eq!((hit.id.as_str(), hit.language.as_str()), ("delivery", "hi"));
    assert!(hit.answer.starts_with("हाँ"), "{}", hit.answer);
    // An entry only in English: English, whatever the customer's language.
    let hit = faq.best("Can I get a GST bill?", &lang("hi")).unwrap();
    assert_eq!(
        (hit.id.as_str(), hit.language.as_str()),
        ("gst-invoice", "en")
    );
    // A regional tag finds its primary language.
    let hit = faq.best("When are you open?", &lang("en-IN")).unwrap();
    assert_eq!(hit.language, lang("en"));
    assert_eq!(hit.score, 1.0, "every word of a question");
}

#[tokio::test]
async fn a_weak_match_without_a_model_offers_a_person() {
    let service = SupportService::new(faq(), SupportConfig::default());
    assert!(!service.has_model());

    let answer = service.answer(ask(WEAK, "en")).await;
    let SupportAnswer::Unsure { best_guess, reason } = answer else {
        panic!("{answer:?}");
    };
    assert_eq!(reason, Reason::NoModel);
    let guess = best_guess.unwrap();
    assert_eq!(guess.id, id("delivery"));
    assert!(guess.score < 0.5, "{}", guess.score);
    assert_eq!(service.faq().best(WEAK, &lang("en")), None);

    // Between the thresholds: the FAQ's answer stands in.
    let answer = service.answer(ask(FAIR, "en")).await;
    assert!(
        matches!(&answer, SupportAnswer::Faq { hit, reason: Reason::NoModel } if hit.id == id("payment")),
        "{answer:?}"
    );
}

#[tokio::test]
async fn a_message_without_words_asks_nobody() {
    let model = ScriptedModel::new();
    let answer = with_model(&model).answer(ask(" 🙏 ?? ", "en")).await;
    assert_eq!(
        answer,
        SupportAnswer::Unsure {
            best_guess: None,
            reason: Reason::NoQuestion
        }
    );
    assert_eq!(model.calls(), 0);
}

// --- the model -------------------------------------------------------------

#[tokio::test]
async fn a_checked_model_answer_is_sent_with_its_sources() {
    // Arrange
    let model = ScriptedModel::new().replying(json_reply(
        "Yes, card at the counter; UPI for deliveries.",
        &["payment"],
        true,
    ));

    // Act
    let answer = with_model(&model).answer(ask(FAIR, "hi")).await;

    // Assert
    assert_eq!(
        answer,
        SupportAnswer::Model {
            text: "Yes, card at the counter; UPI for deliveries.".to_owned(),
            sources: vec![id("payment")],
        }
    );
    assert_eq!(answer.reason(), Reason::ModelAnswered);
    let request = &model.requests()[0];
    assert_eq!(request.messages, [(Role::User, FAIR.to_owned())]);
    let system = &request.system;
    assert!(system.contains("Sharma Hardware"), "{system}");
    assert!(
        system.contains("\"hi\""),
        "the customer's language: {system}"
    );
    assert!(system.contains("\"on_topic\""), "{system}");
    // The sample FAQ has 6 entries, the default context 6: all of them, the
    // best match first, each in Hindi where it has Hindi.
    let at = |id: &str| system.find(&format!("[{id}]")).unwrap();
    assert!(at("payment") < at("opening-hours"), "{system}");
    assert!(system.contains("पेमेंट कैसे करें?"), "{system}");
    assert!(
        system.contains("Can I get a GST bill?"),
        "English only: {system}"
    );
    assert!(!system.contains("How can I pay?"), "{system}");
}

#[tokio::test]
async fn the_context_is_the_best_matches_up_to_its_size() {
    let model = ScriptedModel::new();
    let service = SupportService::new(faq(), SupportConfig::default().with_context_entries(2))
        .with_model(model.clone());
    let _ = service.answer(ask(NONE, "en")).await;
    let _ = service.answer(ask(FAIR, "en")).await;

    let requests = model.requests();
    let ids = |system: &str| {
        [
            "opening-hours",
            "delivery",
            "payment",
            "location",
            "returns",
            "gst-invoice",
        ]
        .into_iter()
        .filter(|id| system.contains(&format!("[{id}]")))
        .collect::<Vec<_>>()
    };
    // Nothing matched: the first entries of the file.
    assert_eq!(ids(&requests[0].system), ["opening-hours", "delivery"]);
    // The best two matches.
    assert_eq!(ids(&requests[1].system).len(), 2);
    assert!(ids(&requests[1].system).contains(&"payment"));
}

#[tokio::test]
async fn replies_that_fail_the_guard_fall_back_with_their_reason() {
    for (reply, rejection) in [
        (
            "Sure! Here's a poem about the sea instead.".to_owned(),
            Rejection::NotJson,
        ),
        (
            json_reply("India won by 5 wickets.", &["payment"], false),
            Rejection::OffTopic,
        ),
        (
            json_reply("We take Amex.", &["amex-policy"], true),
            Rejection::UnknownSource,
        ),
        (json_reply("We take Amex.", &[], true), Rejection::NoSources),
        (json_reply("", &["payment"], true), Rejection::Empty),
        (
            json_reply(&"card ".repeat(200), &["payment"], true),
            Rejection::TooLong,
        ),
    ] {
        // Between the thresholds: the FAQ's answer.
        let model = ScriptedModel::new().replying(reply.clone());
        let answer = with_model(&model).answer(ask(FAIR, "en")).await;
        let SupportAnswer::Faq { hit, reason } = &answer else {
            panic!("{reply}: {answer:?}");
        };
        assert_eq!(hit.id, id("payment"));
        assert_eq!(*reason, Reason::Rejected(rejection), "{reply}");

        // Below `maybe`: a person.
        let model = ScriptedModel::new().replying(reply.clone());
        let answer = with_model(&model).answer(ask(WEAK, "en")).await;
        assert!(
            matches!(answer, SupportAnswer::Unsure { best_guess: Some(_), reason } if reason == Reason::Rejected(rejection)),
            "{reply}: {answer:?}"
        );
    }
}

#[tokio::test]
async fn model_failures_are_never_errors() {
    for (error, failure) in [
        (ModelError::Down("HTTP 500".to_owned()), ModelFailure::Down),
        (ModelError::TimedOut, ModelFailure::TimedOut),
        (
            ModelError::CircuitOpen { retry_in: None },
            ModelFailure::CircuitOpen,
        ),
        (
            ModelError::Refused("HTTP 401".to_owned()),
            ModelFailure::Refused,
        ),
        (
            ModelError::BadResponse("no choices".to_owned()),
            ModelFailure::BadResponse,
        ),
    ] {
        let reason = Reason::ModelFailed(failure);
        let model = ScriptedModel::new().failing(error.clone());
        let answer = with_model(&model).answer(ask(FAIR, "en")).await;
        assert!(
            matches!(&answer, SupportAnswer::Faq { hit, reason: r } if hit.id == id("payment") && *r == reason),
            "{error}: {answer:?}"
        );
        let model = ScriptedModel::new().failing(error.clone());
        let answer = with_model(&model).answer(ask(NONE, "en")).await;
        assert_eq!(
            answer,
            SupportAnswer::Unsure {
                best_guess: None,
                reason
            },
            "{error}"
        );
        assert!(answer.text().is_none());
    }
    assert_eq!(
        Reason::ModelFailed(ModelFailure::TimedOut).as_str(),
        "model_timed_out"
    );
    assert_eq!(
        Reason::Rejected(Rejection::OffTopic).as_str(),
        "rejected_off_topic"
    );
}

// --- the file --------------------------------------------------------------

fn error(toml: &str) -> String {
    Faq::from_toml(toml).unwrap_err().to_string()
}

#[test]
fn the_sample_reads_with_its_entries_in_file_order() {
    let faq = Faq::from_toml(SAMPLE_FAQ).unwrap();
    let ids: Vec<&str> = faq.entries().iter().map(|e| e.id().as_str()).collect();
    assert_eq!(
        ids,
        [
            "opening-hours",
            "delivery",
            "payment",
            "location",
            "returns",
            "gst-invoice"
        ]
    );
    let hours = faq.get(&id("opening-hours")).unwrap();
    let tags: Vec<&str> = hours.languages().iter().map(|(l, _)| l.as_str()).collect();
    assert_eq!(tags, ["en", "hi"]);
    assert_eq!(faq.thresholds(), Thresholds::default());
}

#[test]
fn mistakes_in_the_file_are_named_by_field() {
    const ENTRY: &str =
        "[[faq]]\nid = \"a\"\n[faq.en]\nquestions = [\"Why?\"]\nanswer = \"Because.\"\n";
    let third = |body: &str| {
        format!(
            "{ENTRY}{}\n[[faq]]\n{body}",
            ENTRY.replace("\"a\"", "\"b\"")
        )
    };
    for (toml, expected) in [
        (
            third("id = \"c\"\n[faq.hi]\nquestions = [\"क्यों?\"]\nanswer = \"  \""),
            "faq[2].hi.answer: empty",
        ),
        (
            third("id = \"c\"\n[faq.en]\nquestions = []\nanswer = \"x\""),
            "faq[2].en.questions: empty",
        ),
        (
            third("id = \"c\"\n[faq.en]\nquestions = [\"ok\", \"?!\"]\nanswer = \"x\""),
            "faq[2].en.questions[1]: no words",
        ),
        (
            third("[faq.en]\nquestions = [\"ok\"]\nanswer = \"x\""),
            "faq[2].id: missing",
        ),
        (third("id = \"c\""), "faq[2]: no language"),
        (
            third("id = \"a\"\n[faq.en]\nquestions = [\"ok\"]\nanswer = \"x\""),
            "faq[2].id: \"a\" is the id of faq[0] too",
        ),
        (
            third("id = \"Opening Hours\"\n[faq.en]\nquestions = [\"ok\"]\nanswer = \"x\""),
            "faq[2].id: \"Opening Hours\" is not an id",
        ),
        (
            third("id = \"c\"\n[faq.en]\nquestions = [\"ok\"]\nanswer = \"x\"\nanwser = \"y\""),
            "faq[2].en: unknown field `anwser`",
        ),
        (
            third("id = \"c\"\nanswer = \"x\""),
            "faq[2].answer: unknown field",
        ),
        (third("id = \"c\"\nen = \"x\""), "faq[2].en: not a table"),
        (
            third(
                "id = \"c\"\n[faq.en]\nquestions = [\"ok\"]\nanswer = \"x\"\n[faq.EN]\nquestions = [\"ok\"]\nanswer = \"x\"",
            ),
            "faq[2].en: the same language as faq[2].EN",
        ),
        (String::new(), "faq: no entries"),
        (
            "\n[[faqs]]\nid = \"a\"".to_owned(),
            "the FAQ file is not valid: line 2: unknown field `faqs`",
        ),
        ("[[faq]\n".to_owned(), "the FAQ file is not valid: line 1: "),
    ] {
        let got = error(&toml);
        assert!(
            got.starts_with(expected),
            "{got:?} should start with {expected:?}\n{toml}"
        );
    }
}

#[test]
fn tags_ids_and_thresholds_are_checked() {
    assert_eq!(lang("en_IN").as_str(), "en-in");
    assert_eq!(lang("en-IN").primary(), "en");
    for bad in ["", "e", "english", "en-", "हि", "en-toolongsubtag"] {
        assert!(Language::parse(bad).is_err(), "{bad}");
    }
    assert!(FaqId::parse("gst-invoice_2").is_ok());
    for bad in ["", "-a", "A", "a b", &"a".repeat(65)] {
        assert!(FaqId::parse(bad).is_err(), "{bad}");
    }
    assert!(Thresholds::new(0.8, 0.4).is_ok());
    for (answer, maybe) in [(0.4, 0.8), (1.1, 0.5), (0.7, 0.0)] {
        assert!(Thresholds::new(answer, maybe).is_err(), "{answer} {maybe}");
    }
    // A stricter threshold: a fair match no longer answers alone.
    let strict = faq().with_thresholds(Thresholds::new(0.9, 0.6).unwrap());
    assert!(
        strict
            .best("Do you deliver to Pune?", &lang("en"))
            .is_none()
    );
    assert!(faq().best("Do you deliver to Pune?", &lang("en")).is_some());
}

#[test]
fn entries_built_in_code_are_checked_like_the_file() {
    let entry = FaqEntry::new(
        id("x"),
        vec![(
            lang("mr"),
            vec!["दुकान कधी उघडते?".to_owned()],
            "सकाळी ९ वाजता.".to_owned(),
        )],
    )
    .unwrap();
    let faq = Faq::new(vec![entry.clone()]).unwrap();
    assert_eq!(faq.best("दुकान कधी उघडते", &lang("mr")).unwrap().id, id("x"));
    assert!(
        Faq::new(vec![entry.clone(), entry]).is_err(),
        "one id twice"
    );
    assert!(FaqEntry::new(id("y"), vec![]).is_err());
    let empty = FaqEntry::new(
        id("y"),
        vec![(lang("en"), vec!["q".to_owned()], " ".to_owned())],
    );
    assert_eq!(empty.unwrap_err().to_string(), "y.en.answer: empty");
}
