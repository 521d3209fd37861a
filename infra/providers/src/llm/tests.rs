//! The client against [`FakeLlm`]; with feature `support`, the support
//! responder end to end over the client and the fake.

use std::time::Duration;

use framework::settings::Variables as _;

use super::*;
use crate::policy::{BreakerConfig, BreakerState};
use crate::testing::{FakeLlm, LlmMode, OFF_TOPIC_PROSE};

fn question() -> Vec<ChatMessage> {
    vec![
        ChatMessage::system("You answer for the shop."),
        ChatMessage::user("When do you open?"),
    ]
}

fn breaker(failures: usize) -> BreakerConfig {
    BreakerConfig {
        failure_threshold: failures,
        open_for: Duration::from_secs(60),
        half_open_probes: 1,
    }
}

#[tokio::test]
async fn a_completion_is_asked_for_as_openai_takes_it() {
    // Arrange
    let fake = FakeLlm::start_with_key("sk-test").await;
    fake.set_mode(LlmMode::Reply("{\"answer\": \"9 am\"}".to_owned()));
    let client = ChatClient::new(&fake.config().with_api_key("sk-test")).unwrap();

    // Act
    let reply = client.chat(&question()).await;

    // Assert
    assert_eq!(reply.unwrap(), "{\"answer\": \"9 am\"}");
    let request = &fake.requests()[0];
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(request.model(), Some("fake-model"));
    assert_eq!(request.bearer_token(), Some("sk-test"));
    assert_eq!(
        request.messages(),
        [
            ("system".to_owned(), "You answer for the shop.".to_owned()),
            ("user".to_owned(), "When do you open?".to_owned()),
        ]
    );
    assert_eq!(request.response_format(), Some("json_object"));
    let json = request.json.as_ref().unwrap();
    assert_eq!(json["temperature"], serde_json::json!(0.0));
    assert_eq!(client.model(), "fake-model");
    assert_eq!(client.breaker().target, "llm");
}

#[tokio::test]
async fn without_a_key_or_json_mode_neither_is_sent() {
    let fake = FakeLlm::start().await;
    let client = ChatClient::new(&fake.config().with_json_mode(false)).unwrap();
    assert_eq!(client.chat(&question()).await.unwrap(), "OK");
    let request = &fake.requests()[0];
    assert_eq!(request.authorization, None);
    assert_eq!(request.response_format(), None);
    assert!(
        request
            .json
            .as_ref()
            .unwrap()
            .get("response_format")
            .is_none()
    );
}

#[tokio::test]
async fn a_slow_model_times_out() {
    let fake = FakeLlm::start().await;
    // Far longer than the client waits; the fake ends it when dropped.
    fake.set_mode(LlmMode::Slow {
        delay: Duration::from_secs(60),
        reply: "late".to_owned(),
    });
    let client = ChatClient::new(&fake.config().with_timeout(Duration::from_millis(200))).unwrap();

    let e = client.chat(&question()).await.unwrap_err();

    assert_eq!(e, ChatError::TimedOut(Duration::from_millis(200)));
    assert!(e.is_retryable());
}

#[tokio::test]
async fn server_errors_open_the_breaker() {
    // Arrange
    let fake = FakeLlm::start().await;
    fake.set_mode(LlmMode::Fail);
    let client = ChatClient::new(&fake.config().with_breaker(breaker(2))).unwrap();

    // Act: two failures in a row, then a call.
    for _ in 0..2 {
        let e = client.chat(&question()).await.unwrap_err();
        assert!(
            matches!(&e, ChatError::Failed(m) if m.starts_with("HTTP 500")),
            "{e}"
        );
    }
    let refused = client.chat(&question()).await.unwrap_err();

    // Assert
    assert!(
        matches!(refused, ChatError::CircuitOpen { .. }),
        "{refused}"
    );
    assert_eq!(fake.requests().len(), 2, "refused without a call");
    let report = client.breaker();
    assert_eq!((report.state, report.openings), (BreakerState::Open, 1));
}

#[tokio::test]
async fn a_refusal_is_not_retried_nor_counted() {
    let fake = FakeLlm::start_with_key("sk-right").await;
    let client = ChatClient::new(
        &fake
            .config()
            .with_api_key("sk-wrong")
            .with_breaker(breaker(1)),
    )
    .unwrap();

    for _ in 0..2 {
        let e = client.chat(&question()).await.unwrap_err();
        let ChatError::Refused { status, message } = &e else {
            panic!("{e}");
        };
        assert_eq!(*status, 401);
        assert!(message.starts_with("Incorrect API key"), "{message}");
        assert!(!e.is_retryable());
    }
    assert_eq!(
        fake.requests().len(),
        2,
        "a refusal does not open the breaker"
    );
    fake.then(LlmMode::Refuse);
    assert!(matches!(
        ChatClient::new(&fake.config().with_api_key("sk-right"))
            .unwrap()
            .chat(&question())
            .await,
        Err(ChatError::Refused { status: 401, .. })
    ));
    // JSON mode refused by a server that does not take it: a 400.
    fake.then(LlmMode::Raw {
        status: 400,
        body: r#"{"error": {"message": "response_format is not supported"}}"#.to_owned(),
    });
    let client = ChatClient::new(&fake.config().with_api_key("sk-right")).unwrap();
    assert_eq!(
        client.chat(&question()).await,
        Err(ChatError::Refused {
            status: 400,
            message: "response_format is not supported".to_owned()
        })
    );
}

#[tokio::test]
async fn an_answer_that_is_not_a_completion_is_named() {
    let fake = FakeLlm::start().await;
    let client = ChatClient::new(&fake.config().with_breaker(breaker(10))).unwrap();
    for (body, expected) in [
        ("<html>gateway</html>", "not a chat completion"),
        (r#"{"choices": []}"#, "no choices"),
        (
            r#"{"choices": [{"message": {"role": "assistant", "content": null}}]}"#,
            "choices[0].message.content is missing",
        ),
    ] {
        fake.then(LlmMode::Raw {
            status: 200,
            body: body.to_owned(),
        });
        let e = client.chat(&question()).await.unwrap_err();
        assert!(
            matches!(&e, ChatError::BadResponse(m) if m.starts_with(expected)),
            "{body}: {e}"
        );
    }
    fake.then(LlmMode::Raw {
        status: 429,
        body: r#"{"error": {"message": "Rate limit reached"}}"#.to_owned(),
    });
    assert_eq!(
        client.chat(&question()).await,
        Err(ChatError::Failed("HTTP 429: Rate limit reached".to_owned()))
    );
    fake.then(LlmMode::OffTopic);
    assert_eq!(client.chat(&question()).await.unwrap(), OFF_TOPIC_PROSE);
}

#[tokio::test]
async fn a_server_that_is_not_there_failed() {
    let fake = FakeLlm::start().await;
    let config = fake.config();
    drop(fake);
    let e = ChatClient::new(&config)
        .unwrap()
        .chat(&question())
        .await
        .unwrap_err();
    assert!(matches!(e, ChatError::Failed(_)), "{e}");
}

#[test]
fn the_endpoint_is_the_base_and_chat_completions() {
    for (base, endpoint) in [
        (
            "https://api.openai.com/v1",
            "https://api.openai.com/v1/chat/completions",
        ),
        (
            "http://127.0.0.1:11434/v1/",
            "http://127.0.0.1:11434/v1/chat/completions",
        ),
        (
            "https://gw.example/openai/v1/chat/completions",
            "https://gw.example/openai/v1/chat/completions",
        ),
    ] {
        assert_eq!(ChatConfig::new(base, "m").endpoint(), endpoint);
    }
    assert!(matches!(
        ChatClient::new(&ChatConfig::new("ftp://x/v1", "m")),
        Err(ChatConfigError::BadUrl(_))
    ));
    assert!(matches!(
        ChatClient::new(&ChatConfig::new("not a url", "m")),
        Err(ChatConfigError::BadUrl(_))
    ));
    assert!(matches!(
        ChatClient::new(&ChatConfig::new("http://127.0.0.1:1/v1", " ")),
        Err(ChatConfigError::NoModel)
    ));
}

#[test]
fn the_settings_are_the_documented_variables() {
    let names: Vec<_> = LlmSettings::VARIABLES.iter().map(|v| v.name).collect();
    assert_eq!(
        names,
        [
            "CAMPANILE_LLM_URL",
            "CAMPANILE_LLM_MODEL",
            "CAMPANILE_LLM_API_KEY",
            "CAMPANILE_LLM_TIMEOUT",
            "CAMPANILE_LLM_JSON_MODE",
        ]
    );
    assert!(LlmSettings::VARIABLES[2].secret);
    let settings: LlmSettings = serde_json::from_value(serde_json::json!({
        "CAMPANILE_LLM_URL": "https://api.openai.com/v1",
        "CAMPANILE_LLM_MODEL": "gpt-4o-mini",
        "CAMPANILE_LLM_API_KEY": "sk-hunter2",
        "CAMPANILE_LLM_TIMEOUT": "3s",
        "CAMPANILE_LLM_JSON_MODE": false,
    }))
    .unwrap();
    let config = settings.client_config().unwrap();
    assert_eq!(config.model(), "gpt-4o-mini");
    assert_eq!(config.timeout(), Duration::from_secs(3));
    assert!(!config.json_mode());
    let shown = format!("{settings:?} {config:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
    let defaults = LlmSettings::default();
    assert_eq!(
        (defaults.timeout, defaults.json_mode),
        (DEFAULT_TIMEOUT, true)
    );
    let only_url = LlmSettings {
        url: Some("https://api.openai.com/v1".to_owned()),
        ..LlmSettings::default()
    };
    assert!(only_url.client_config().is_none(), "no model: FAQ only");
}

/// The support responder over the client and the fake: the model slow,
/// failing, off topic, refusing, and answering well.
#[cfg(feature = "support")]
mod support_end_to_end {
    use features::support::{
        AskSupport, Language, ModelFailure, Reason, Rejection, SupportAnswer, SupportConfig,
        SupportService,
    };
    use features::testing::support::{faq, json_reply};

    use super::*;

    /// Scores between the thresholds in the sample FAQ (`payment`).
    const FAIR: &str = "can I pay by card";
    /// Scores below `maybe` (`delivery`).
    const WEAK: &str = "do you have cement?";

    fn ask(question: &str) -> AskSupport {
        AskSupport {
            question: question.to_owned(),
            language: Language::parse("en").unwrap(),
        }
    }

    fn service(config: &ChatConfig) -> SupportService<ChatClient> {
        SupportService::new(
            faq(),
            SupportConfig::default().with_shop_name("Sharma Hardware"),
        )
        .with_model(ChatClient::new(config).unwrap())
    }

    #[tokio::test]
    async fn a_good_answer_from_the_model_reaches_the_customer() {
        // Arrange
        let fake = FakeLlm::start().await;
        fake.set_mode(LlmMode::Reply(json_reply(
            "Yes: card at the counter, UPI for deliveries.",
            &["payment"],
            true,
        )));
        let service = service(&fake.config());

        // Act
        let answer = service.answer(ask(FAIR)).await;

        // Assert
        assert_eq!(
            answer.text(),
            Some("Yes: card at the counter, UPI for deliveries.")
        );
        assert_eq!(answer.reason(), Reason::ModelAnswered);
        let request = &fake.requests()[0];
        assert_eq!(request.model(), Some("fake-model"));
        let system = request.system().unwrap();
        assert!(system.contains("Sharma Hardware"), "{system}");
        assert!(system.contains("[payment]"), "the FAQ as context: {system}");
        assert!(
            system.contains("UPI, cash or card at the counter"),
            "{system}"
        );
        assert_eq!(request.messages().last().unwrap().1, FAIR);
    }

    #[tokio::test]
    async fn a_good_faq_match_asks_no_model() {
        let fake = FakeLlm::start().await;
        let answer = service(&fake.config())
            .answer(ask("What are your opening hours?"))
            .await;
        assert_eq!(answer.reason(), Reason::FaqMatch);
        assert!(fake.requests().is_empty());
    }

    #[tokio::test]
    async fn a_slow_model_gives_way_to_the_faq() {
        let fake = FakeLlm::start().await;
        fake.set_mode(LlmMode::Slow {
            delay: Duration::from_secs(60),
            reply: json_reply("late", &["payment"], true),
        });
        let service = service(&fake.config().with_timeout(Duration::from_millis(200)));

        let answer = service.answer(ask(FAIR)).await;

        let SupportAnswer::Faq { hit, reason } = &answer else {
            panic!("{answer:?}");
        };
        assert_eq!(hit.id.as_str(), "payment");
        assert_eq!(*reason, Reason::ModelFailed(ModelFailure::TimedOut));
    }

    #[tokio::test]
    async fn a_failing_model_gives_way_then_is_not_called() {
        // Arrange
        let fake = FakeLlm::start().await;
        fake.set_mode(LlmMode::Fail);
        let service = service(&fake.config().with_breaker(breaker(2)));

        // Act and assert: a weak match offers a person, a fair one the FAQ.
        let answer = service.answer(ask(WEAK)).await;
        assert!(
            matches!(
                answer,
                SupportAnswer::Unsure {
                    reason: Reason::ModelFailed(ModelFailure::Down),
                    ..
                }
            ),
            "{answer:?}"
        );
        let answer = service.answer(ask(FAIR)).await;
        assert_eq!(answer.reason(), Reason::ModelFailed(ModelFailure::Down));
        assert!(answer.text().is_some());
        // Two failures: the breaker is open, the model is not called.
        let answer = service.answer(ask(FAIR)).await;
        assert_eq!(
            answer.reason(),
            Reason::ModelFailed(ModelFailure::CircuitOpen)
        );
        assert!(answer.text().is_some(), "still the FAQ's answer");
        assert_eq!(fake.requests().len(), 2);
    }

    #[tokio::test]
    async fn an_off_topic_or_refusing_model_is_not_heard() {
        let fake = FakeLlm::start().await;
        let service = service(&fake.config());
        for (mode, reason) in [
            (LlmMode::OffTopic, Reason::Rejected(Rejection::NotJson)),
            (
                LlmMode::Reply(json_reply("India won by 5 wickets.", &["payment"], false)),
                Reason::Rejected(Rejection::OffTopic),
            ),
            (
                LlmMode::Reply(json_reply("We take Amex.", &["amex"], true)),
                Reason::Rejected(Rejection::UnknownSource),
            ),
            (LlmMode::Refuse, Reason::ModelFailed(ModelFailure::Refused)),
        ] {
            fake.then(mode.clone());
            let answer = service.answer(ask(FAIR)).await;
            assert!(
                matches!(&answer, SupportAnswer::Faq { hit, reason: r } if hit.id.as_str() == "payment" && *r == reason),
                "{mode:?}: {answer:?}"
            );
            fake.then(mode.clone());
            let answer = service.answer(ask(WEAK)).await;
            assert!(
                matches!(&answer, SupportAnswer::Unsure { reason: r, .. } if *r == reason),
                "{mode:?}: {answer:?}"
            );
        }
    }
}
