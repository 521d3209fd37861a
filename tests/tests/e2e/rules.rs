//! Automation rules end to end (issue 16): the README's rule file imported
//! as the CLI does, then customers writing over Twilio; a birthday rule
//! run by the job queue on a virtual clock.

use std::time::Duration;

use features::rules::{GetRule, ImportRules, RunResult};
use features::shared::CustomerPhone;
use framework::clock::ManualClock;
use framework::testing::twilio::TwilioWebhook;
use http::StatusCode;
use infra_shop::rules::DbRuleSubjects;
use sea_orm::{ConnectionTrait, Statement};

use crate::support::{
    BUSINESS, Bot, CUSTOMER, spawn_bot, spawn_bot_at, spawn_bot_with, wait_for, wait_for_async,
};

const RULES: &str = include_str!("../../../docs/examples/rules.toml");

/// On Twilio a template goes by its Content SID.
const BIRTHDAY_SID: &str = "HX0000000000000000000000000birthday";

/// Imports the rules of a TOML text, as `campanile rules import` does.
async fn import_text(bot: &Bot, text: &str) {
    let file = bot::rules::read_rule_file(text).unwrap();
    bot.services
        .shop
        .rules
        .import(ImportRules { file })
        .await
        .unwrap();
}

async fn import(bot: &Bot) {
    let rules = RULES.replace(
        r#"name = "birthday_greeting","#,
        &format!(r#"name = "birthday_greeting", content_sid = "{BIRTHDAY_SID}","#),
    );
    assert_ne!(rules, RULES);
    import_text(bot, &rules).await;
}

/// Says `text` and waits for `n` more answers; returns them.
async fn say(bot: &Bot, text: &str, n: usize) -> Vec<String> {
    let before = bot.chat_texts().len();
    let (status, _) = bot.twilio_says(text).await;
    assert_eq!(status, StatusCode::OK);
    let texts = bot.twilio_texts(before + n).await;
    texts[before..].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_rules_welcome_a_new_contact_and_answer_price_list_alone() {
    let bot = spawn_bot().await;
    import(&bot).await;

    // First message ever: the welcome rule, then the shop's own greeting.
    let first = say(&bot, "hello", 2).await;
    assert!(
        first[0].starts_with("Welcome to Campanile Demo Shop, Asha!"),
        "{first:?}"
    );
    assert!(first[1].contains("I can take your order"), "{first:?}");

    // A keyword rule that stops processing answers alone: the shop does
    // not also try to read "price list" as an order.
    let prices = say(&bot, "Please send the PRICE-list", 1).await;
    assert!(prices[0].starts_with("Our prices today"), "{prices:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        bot.chat_texts().len(),
        3,
        "one answer: {:?}",
        bot.chat_texts()
    );

    // An order is the shop's, with no rule in the way; no second welcome.
    let order = say(&bot, "Cement x 2", 1).await;
    assert!(order[0].contains("Your order summary"), "{order:?}");

    // Capped at 3 a day: the fourth ask goes to the shop.
    for _ in 0..2 {
        say(&bot, "price list", 1).await;
    }
    let fourth = say(&bot, "price list", 1).await;
    assert!(!fourth[0].starts_with("Our prices today"), "{fourth:?}");

    let report = bot
        .services
        .shop
        .rules
        .get(GetRule {
            name: "price-list".to_owned(),
        })
        .await
        .unwrap();
    let c = report.counts;
    assert_eq!((c.fired(), c.succeeded, c.skipped), (4, 3, 1), "{c:?}");
    let (_, metrics) = bot.get("/metrics").await;
    assert!(
        metrics.contains(r#"campanile_rule_runs{rule="price-list",result="succeeded"} 3"#)
            && metrics.contains(r#"campanile_rule_runs{rule="price-list",result="skipped"} 1"#),
        "{metrics}"
    );
    let customer = CustomerPhone::parse(CUSTOMER).unwrap();
    let profile = bot
        .services
        .shop
        .customers
        .customer(features::customers::GetCustomer { customer })
        .await
        .unwrap();
    let tags: Vec<_> = profile.tags.iter().map(|t| t.as_str().to_owned()).collect();
    assert_eq!(
        tags,
        ["asked-prices", "new"],
        "the rules' tags, committed with their turns"
    );
    bot.stop().await;
}

/// 2 March 2026, 04:29:30 UTC: 09:59:30 in Asia/Kolkata.
const BEFORE_TEN_IN_KOLKATA: i64 = 1_772_425_770_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_birthday_rule_greets_at_ten_in_kolkata_once_and_never_a_customer_who_stopped() {
    let hand = ManualClock::new(BEFORE_TEN_IN_KOLKATA);
    let bot = spawn_bot_at(hand.clock(), |_| {}).await;
    import(&bot).await;
    let asha = CustomerPhone::parse(CUSTOMER).unwrap();
    let ravi = CustomerPhone::parse("+919811111111").unwrap();
    // Both wrote; Ravi then wrote STOP.
    bot.twilio_says("hi").await;
    let (status, _) = bot
        .twilio(&TwilioWebhook::text(ravi.as_str(), BUSINESS, "hi").with_profile_name("Ravi"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = bot
        .twilio(&TwilioWebhook::text(ravi.as_str(), BUSINESS, "STOP").with_profile_name("Ravi"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let subjects = DbRuleSubjects::new(bot.services.db.clone());
    for who in [&asha, &ravi] {
        subjects
            .set_attribute(who, "birthday", "1990-03-02", 0)
            .await
            .unwrap();
    }
    let greetings = |to: &str| {
        bot.twilio
            .accepted()
            .iter()
            .filter(|r| r.field("To") == Some(&format!("whatsapp:{to}")))
            .filter(|r| r.field("ContentSid") == Some(BIRTHDAY_SID))
            .count()
    };
    let runs = || async {
        bot.services
            .shop
            .rules
            .runs(features::rules::RuleRuns {
                rule: "birthday".to_owned(),
                limit: 10,
            })
            .await
            .unwrap()
    };
    // 09:59 local: nothing yet.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(runs().await.is_empty());

    // 10:00 local (04:30 UTC): the minute's tick fans the rule out.
    hand.advance(Duration::from_secs(40));
    let done = wait_for(|| (greetings(asha.as_str()) > 0).then_some(()));
    assert!(
        done.await.is_some(),
        "Asha greeted: {:?}",
        bot.twilio.accepted()
    );
    let logged = runs().await;
    let results: Vec<_> = logged
        .iter()
        .map(|r| (r.customer.as_str().to_owned(), r.result.clone()))
        .collect();
    assert!(
        results.contains(&(
            ravi.as_str().to_owned(),
            RunResult::Skipped("opted out".to_owned())
        )),
        "{results:?}"
    );
    assert_eq!(logged.len(), 2, "{results:?}");

    // The occurrence's fan-out asked for again (a job re-enqueued under a
    // new id, as after a relay hiccup), a little later: nobody is greeted
    // twice.
    hand.advance(Duration::from_secs(5));
    bot::jobs::rule_fan_out::enqueue(
        &bot.services.jobs,
        &bot::jobs::rule_fan_out::RuleFanOut {
            rule: "birthday".to_owned(),
            occurrence: "2026-03-02".to_owned(),
            at_ms: BEFORE_TEN_IN_KOLKATA + 30_000,
            after: None,
        },
        "again",
        Duration::ZERO,
    )
    .await
    .unwrap();
    let rerun = wait_for_async(|| async {
        let conn = bot.services.db.connection();
        let row = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                "SELECT COUNT(*) FROM jobs WHERE dedup_id = 'rule-fan-out:birthday:2026-03-02:again' \
                 AND status = 'completed'"
                    .to_owned(),
            ))
            .await
            .unwrap()?;
        let n: i64 = row.try_get_by_index(0).unwrap();
        (n == 1).then_some(())
    })
    .await;
    assert!(rerun.is_some(), "the fan-out ran again");
    // The next minutes greet nobody again.
    for _ in 0..3 {
        hand.advance(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(700)).await;
    }
    assert_eq!(greetings(asha.as_str()), 1, "once");
    assert_eq!(greetings(ravi.as_str()), 0, "never after STOP");
    assert_eq!(runs().await.len(), 2);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_reaches_the_shop_even_past_a_rule_that_answers_every_message_alone() {
    let bot = spawn_bot_with(|_| {}).await;
    import_text(
        &bot,
        r#"
        [[rule]]
        name = "away"
        stop_processing = true
        trigger = { any_message = true }
        actions = [{ send = { text = "We are closed for Diwali; back on Monday." } }]
        "#,
    )
    .await;
    let away = say(&bot, "Cement x 2", 1).await;
    assert_eq!(away, ["We are closed for Diwali; back on Monday."]);
    let stop = say(&bot, "STOP", 1).await;
    assert!(stop[0].contains("Reply START to opt back in"), "{stop:?}");
    let customer = CustomerPhone::parse(CUSTOMER).unwrap();
    assert!(
        !bot.services
            .shop
            .customers
            .may_receive_marketing(&customer)
            .await
            .unwrap(),
        "the STOP was recorded"
    );
    bot.stop().await;
}

/// 2 March 2026, 04:00 UTC: 09:30 in Asia/Kolkata, out of the quiet hours.
const MORNING_IN_KOLKATA: i64 = 1_772_424_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_and_invoice_rules_thank_for_an_order_and_chase_an_overdue_invoice_once() {
    const OVERDUE_SID: &str = "HX000000000000000000000000000overdue";
    let hand = ManualClock::new(MORNING_IN_KOLKATA);
    let bot = spawn_bot_at(hand.clock(), |_| {}).await;
    import_text(&bot, &format!(
        r#"
        [[rule]]
        name = "thanks"
        trigger = {{ order_confirmed = true }}
        actions = [{{ send = {{ text = "Thank you, {{{{name}}}}! We are packing {{{{last_order}}}}." }} }}]

        [[rule]]
        name = "chase"
        trigger = {{ invoice_overdue = true }}
        actions = [{{ send = {{ template = {{ name = "payment_reminder", content_sid = "{OVERDUE_SID}", variables = ["{{{{name}}}}"] }} }} }}]
        "#
    )).await;
    say(&bot, "Cement x 2", 1).await;
    bot.twilio_says("confirm").await;
    let thanked = wait_for(|| {
        bot.chat_texts()
            .into_iter()
            .find(|t| t.starts_with("Thank you, Asha!"))
    })
    .await;
    assert_eq!(
        thanked.as_deref(),
        Some("Thank you, Asha! We are packing ORD-00001."),
        "{:?}",
        bot.chat_texts()
    );

    // Fifteen days on, the invoice is due and unpaid.
    let chased = || {
        bot.twilio
            .accepted()
            .iter()
            .filter(|r| r.field("ContentSid") == Some(OVERDUE_SID))
            .count()
    };
    hand.advance(Duration::from_secs(15 * 24 * 3600 + 60));
    assert!(
        wait_for(|| (chased() > 0).then_some(())).await.is_some(),
        "the overdue rule fired: {:?}",
        bot.twilio.accepted()
    );
    hand.advance(Duration::from_secs(3600));
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(chased(), 1, "once");
    let thanks = bot
        .services
        .shop
        .rules
        .get(GetRule {
            name: "thanks".to_owned(),
        })
        .await
        .unwrap();
    assert_eq!(thanks.counts.succeeded, 1);
    let dry = bot
        .services
        .shop
        .rules
        .dry_run(features::rules::DryRun {
            rule: "chase".to_owned(),
            since_ms: MORNING_IN_KOLKATA,
        })
        .await
        .unwrap();
    assert_eq!(
        dry.len(),
        1,
        "the dry run replays the overdue invoice: {dry:?}"
    );
    assert_eq!(dry[0].occurrence, "INV-00001");
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_action_posts_the_run_to_its_url_once_from_a_job() {
    use std::sync::{Arc, Mutex};
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let app = axum::Router::new()
        .route(
            "/leads",
            axum::routing::post(
                |axum::extract::State(seen): axum::extract::State<
                    Arc<Mutex<Vec<serde_json::Value>>>,
                >,
                 axum::Json(body): axum::Json<serde_json::Value>| async move {
                    seen.lock().unwrap().push(body);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(Arc::clone(&received));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/leads", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let bot = spawn_bot().await;
    import_text(
        &bot,
        &format!(
            r#"
        [[rule]]
        name = "crm-lead"
        trigger = {{ keyword = "bulk quote" }}
        actions = [{{ tag = ["lead"] }}, {{ webhook = {{ url = "{url}" }} }}]
        "#
        ),
    )
    .await;
    bot.twilio_says("I need a bulk quote for cement").await;
    let got = wait_for(|| {
        let seen = received.lock().unwrap();
        (!seen.is_empty()).then(|| seen.clone())
    })
    .await
    .expect("the webhook was called");
    assert_eq!(got[0]["rule"], "crm-lead");
    assert_eq!(got[0]["trigger"], "keyword");
    assert_eq!(got[0]["customer"], CUSTOMER);
    assert!(got[0]["occurrence"].as_str().is_some_and(|o| !o.is_empty()));
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(received.lock().unwrap().len(), 1, "once");
    bot.stop().await;
}
