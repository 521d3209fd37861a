//! Issue 17's transcript over Twilio, with the shop's defaults (the choice
//! of language on first contact, the profile before a first order): a
//! customer picks Hindi, registers (a mistyped GSTIN refused with the
//! reason, then accepted), asks two questions the FAQ answers and one it
//! cannot, takes the offer of a person, hears from an operator through the
//! API while the bot stays quiet, and is handed back to the bot; the GSTIN
//! then goes on their invoice.

use std::time::{Duration, Instant};

use http::StatusCode;
use infra_sql::messages::{Direction, InboundStatus, MessageStatus};

use crate::api::{ADMIN, get, post_json};
use crate::support::{Bot, CUSTOMER, PATIENCE, spawn_bot_with};

/// Says `text` and waits for `n` replies; returns them.
async fn ask(bot: &Bot, text: &str, n: usize) -> Vec<String> {
    let before = bot.chat_texts().len();
    let (status, body) = bot.twilio_says(text).await;
    assert_eq!(status, StatusCode::OK, "{text:?} → {body}");
    let texts = bot.twilio_texts(before + n).await;
    texts[before..].to_vec()
}

/// Says `text`, waits until its turn committed, and checks that the bot
/// sent nothing.
async fn says_unanswered(bot: &Bot, text: &str) {
    let before = bot.chat_texts().len();
    let (status, _) = bot.twilio_says(text).await;
    assert_eq!(status, StatusCode::OK);
    let start = Instant::now();
    loop {
        let handled = bot.log().await.iter().any(|r| {
            r.direction() == Direction::In
                && r.body.as_deref() == Some(text)
                && r.status == MessageStatus::In(InboundStatus::Handled)
        });
        if handled {
            break;
        }
        assert!(start.elapsed() < PATIENCE, "{text:?} never handled");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        bot.chat_texts()[before..],
        [] as [String; 0],
        "the bot stays quiet while a person has the conversation"
    );
}

#[tokio::test]
async fn a_customer_registers_in_hindi_asks_and_is_handed_to_a_person_and_back() {
    let bot = spawn_bot_with(|s| {
        s.api.admin_token = Some(ADMIN.into());
        s.support = bot::config::SupportSettings::default();
    })
    .await;

    // First contact: the choice, in both languages; the greeting waits.
    let choice = ask(&bot, "namaste", 1).await;
    assert!(
        choice[0].contains("Which language would you like?")
            && choice[0].contains("आप कौन सी भाषा चाहेंगे?")
            && choice[0].contains("1. English")
            && choice[0].contains("2. हिन्दी"),
        "{choice:?}"
    );
    // "2": Hindi, then the greeting the first message asked for, in Hindi.
    let hindi = ask(&bot, "2", 2).await;
    assert!(hindi[0].contains("अब से मैं हिन्दी में लिखूँगा"), "{hindi:?}");
    assert!(
        !hindi[1].contains("Welcome"),
        "the greeting in Hindi: {hindi:?}"
    );

    // "register": the profile form, in Hindi.
    assert_eq!(ask(&bot, "register", 1).await, ["आपका नाम क्या है?"]);
    let business = ask(&bot, "आशा राव", 1).await;
    assert!(business[0].contains("आपके व्यवसाय का नाम?"), "{business:?}");
    let gstin = ask(&bot, "राव ट्रेडर्स", 1).await;
    assert!(gstin[0].contains("GSTIN"), "{gstin:?}");
    // A typo in the GSTIN: refused, with why, and asked again.
    let refused = ask(&bot, "27AAPFU0939F1ZW", 1).await;
    assert!(
        refused[0].contains("आख़िरी अक्षर बाकी से मेल नहीं खाता")
            && refused[0].contains("GSTIN (15 अक्षर"),
        "{refused:?}"
    );
    let address = ask(&bot, "27aapfu0939f1zv", 1).await;
    assert!(address[0].contains("डिलीवरी का पता"), "{address:?}");
    let language = ask(&bot, "12 एमजी रोड, पुणे 411001", 1).await;
    assert!(
        language[0].contains("हम किस भाषा में बात करें?") && language[0].contains("2. हिन्दी"),
        "{language:?}"
    );
    let summary = ask(&bot, "2", 1).await;
    assert!(
        summary[0].contains("आशा राव")
            && summary[0].contains("27aapfu0939f1zv")
            && summary[0].contains("1."),
        "the summary to confirm: {summary:?}"
    );
    let saved = ask(&bot, "1", 1).await;
    assert!(saved[0].starts_with("धन्यवाद, आशा राव!"), "{saved:?}");
    let details = bot
        .services
        .shop
        .customers
        .details(features::customers::GetDetails {
            customer: features::shared::CustomerPhone::parse(CUSTOMER).unwrap(),
        })
        .await
        .unwrap();
    let registration = details.registration.expect("registered");
    assert_eq!(registration.business.as_deref(), Some("राव ट्रेडर्स"));
    assert_eq!(
        registration.gstin.map(|g| g.as_str().to_owned()),
        Some("27AAPFU0939F1ZV".to_owned())
    );
    assert_eq!(
        details.language.map(|l| l.to_string()),
        Some("hi".to_owned())
    );

    // Two questions the FAQ answers, in Hindi.
    let hours = ask(&bot, "दुकान कब खुलती है?", 1).await;
    assert!(hours[0].contains("सुबह 9 बजे से शाम 7 बजे"), "{hours:?}");
    let delivery = ask(&bot, "क्या आप पुणे में डिलीवरी करते हैं?", 1).await;
    assert!(delivery[0].contains("40 किमी"), "{delivery:?}");

    // One it cannot: the offer of a person, taken.
    let offer = ask(&bot, "क्या आप मेरी छत की मरम्मत करेंगे?", 1).await;
    assert!(
        offer[0].contains("व्यक्ति से बात करना चाहेंगे?") && offer[0].contains("1. व्यक्ति से बात करें"),
        "{offer:?}"
    );
    let handed = ask(&bot, "1", 1).await;
    assert!(
        handed[0].contains("मैंने दुकान के एक व्यक्ति को बुलाया है"),
        "{handed:?}"
    );

    // The operators' queue shows it, with the question the bot could not
    // answer; the bot says nothing more.
    let (status, queue) = get(&bot, "/api/handoffs").await;
    assert_eq!(status, StatusCode::OK, "{queue}");
    assert_eq!(queue["items"][0]["customer"], CUSTOMER, "{queue}");
    assert_eq!(queue["items"][0]["status"], "waiting");
    assert_eq!(queue["items"][0]["reason"], "offered");
    assert_eq!(queue["items"][0]["question"], "क्या आप मेरी छत की मरम्मत करेंगे?");
    says_unanswered(&bot, "हेलो? कोई है?").await;

    // An operator answers through the API.
    let reply = format!(
        "/api/conversations/{}/messages",
        CUSTOMER.replace('+', "%2B")
    );
    let before = bot.chat_texts().len();
    let (status, sent) = post_json(
        &bot,
        &reply,
        r#"{"text": "नमस्ते, मैं प्रिया हूँ। हम छत की मरम्मत नहीं करते, पर वॉटरप्रूफ़िंग का सामान है।", "operator": "Priya"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{sent}");
    assert_eq!(sent["handoff"]["status"], "active", "{sent}");
    assert_eq!(sent["handoff"]["operator"], "Priya");
    let heard = bot.twilio_texts(before + 1).await;
    assert!(
        heard.iter().any(|t| t.contains("मैं प्रिया हूँ")),
        "the operator's text reaches the customer: {heard:?}"
    );
    says_unanswered(&bot, "ठीक है, धन्यवाद").await;

    // Released: the customer is told, and the bot answers again.
    let count = bot.chat_texts().len();
    let release = format!("/api/handoffs/{}/release", CUSTOMER.replace('+', "%2B"));
    let (status, released) = post_json(&bot, &release, "{}").await;
    assert_eq!(status, StatusCode::OK, "{released}");
    assert_eq!(released["status"], "released");
    assert_eq!(released["released_by"], "operator");
    let told = bot.twilio_texts(count + 1).await;
    assert!(
        told[count].contains("दुकान की टीम ने आपको वापस मेरे पास भेज दिया है"),
        "{told:?}"
    );
    assert_eq!(
        get(&bot, "/api/handoffs").await.1["items"],
        serde_json::json!([])
    );
    let back = ask(&bot, "menu", 1).await;
    assert!(
        back[0].contains("Cement x 100"),
        "the bot again, in Hindi: {back:?}"
    );
    assert!(
        back[0].starts_with("नमस्ते आशा राव!"),
        "by the registered name: {back:?}"
    );

    bot.stop().await;
}

#[tokio::test]
async fn cancel_in_the_profile_form_cancels_the_form_and_opts_nobody_out() {
    let bot = spawn_bot_with(|s| s.support = bot::config::SupportSettings::default()).await;
    ask(&bot, "hello", 1).await;
    ask(&bot, "1", 2).await; // English, then the greeting.

    // Before a first order: the profile first; "cancel" skips it and the
    // order still waits for "confirm".
    let first = ask(&bot, "Cement x 10", 2).await;
    assert!(
        first[0].contains("Before your first order") && first[1] == "What's your name?",
        "{first:?}"
    );
    let cancelled = ask(&bot, "cancel", 1).await;
    assert!(cancelled[0].contains("stopped the form"), "{cancelled:?}");
    let consent = bot
        .services
        .shop
        .customers
        .consent(features::customers::GetConsent {
            customer: features::shared::CustomerPhone::parse(CUSTOMER).unwrap(),
        })
        .await
        .unwrap();
    assert!(consent.opt_out().is_none(), "not opted out: {consent:?}");
    let placed = ask(&bot, "confirm", 1).await;
    assert!(placed[0].contains("Order confirmed"), "{placed:?}");

    // A second order: no form (they have ordered before).
    let second = ask(&bot, "Cement x 5", 1).await;
    assert!(second[0].contains("Total"), "{second:?}");
    bot.stop().await;
}

#[tokio::test]
async fn yes_to_the_person_places_no_order_and_a_typed_language_answers_the_form() {
    let bot = spawn_bot_with(|s| s.api.admin_token = Some(ADMIN.into())).await;

    // A cart waits; the customer asks for a person, and says "yes" to
    // them: no order, no bot reply.
    ask(&bot, "Cement x 10", 1).await;
    ask(&bot, "talk to a person", 1).await;
    says_unanswered(&bot, "yes").await;
    says_unanswered(&bot, "cancel").await;
    assert!(bot.orders_of(CUSTOMER).await.is_empty(), "no order placed");
    let release = format!("/api/handoffs/{}/release", CUSTOMER.replace('+', "%2B"));
    let before = bot.chat_texts().len();
    assert_eq!(post_json(&bot, &release, "{}").await.0, StatusCode::OK);
    let told = bot.twilio_texts(before + 1).await;
    assert!(told[before].contains("handed you back"), "{told:?}");

    // The profile form's language question answered by typing the
    // language's name: the form takes it (the language layer, which also
    // knows that name, leaves it alone when its own choice is not shown).
    assert_eq!(ask(&bot, "register", 1).await, ["What's your name?"]);
    ask(&bot, "Ravi Kumar", 1).await;
    ask(&bot, "skip", 1).await;
    ask(&bot, "skip", 1).await;
    let language = ask(&bot, "MG Road, Pune 411001", 1).await;
    assert!(language[0].contains("Which language"), "{language:?}");
    let summary = ask(&bot, "हिन्दी", 1).await;
    assert!(
        summary[0].contains("हिन्दी"),
        "the form's summary: {summary:?}"
    );
    // "yes" is the form's (a reason, the summary again), never an order.
    let again = ask(&bot, "yes", 1).await;
    assert!(again[0].contains("Please tap Confirm"), "{again:?}");
    assert!(bot.orders_of(CUSTOMER).await.is_empty(), "no order placed");
    let saved = ask(&bot, "confirm", 1).await;
    assert!(saved[0].starts_with("धन्यवाद, Ravi Kumar!"), "{saved:?}");
    bot.stop().await;
}
