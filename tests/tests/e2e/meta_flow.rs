//! The shop conversation over the Meta Cloud API: reply buttons and lists.

use framework::testing::meta::{MetaMessage, MetaWebhook};
use http::StatusCode;

use crate::support::{PHONE_NUMBER_ID, spawn_bot};

pub(crate) const WA_ID: &str = "919812345678";
const TO: &str = "+919812345678";

/// A notification of `message` from the customer (profile name Ravi).
pub(crate) fn hook(message: MetaMessage) -> MetaWebhook {
    MetaWebhook::new(PHONE_NUMBER_ID, "15550783881").message(message.with_profile_name("Ravi"))
}

#[tokio::test]
async fn order_with_buttons_then_confirm_by_tap() {
    let bot = spawn_bot().await;
    assert_eq!(
        bot.meta(&hook(MetaMessage::text(WA_ID, "Cement x 100")))
            .await
            .0,
        StatusCode::OK
    );
    let texts = bot.meta_texts(TO, 1).await;
    assert!(texts[0].contains("Total: ₹35,000"), "{texts:?}");

    // The summary went out as an interactive message with three reply buttons.
    let request = bot.meta.requests().into_iter().last().unwrap();
    let body = request.json.clone().unwrap();
    assert_eq!(body["type"], "interactive", "{body}");
    assert_eq!(body["interactive"]["type"], "button", "{body}");
    let titles: Vec<&str> = body["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["reply"]["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Confirm", "Edit", "Cancel"]);
    assert_eq!(
        request.phone_number_id.as_deref(),
        Some(PHONE_NUMBER_ID),
        "sent from the number the customer wrote to"
    );

    let edit = bot
        .meta(&hook(MetaMessage::button_reply(WA_ID, "edit", "Edit")))
        .await;
    assert_eq!(edit.0, StatusCode::OK);
    let texts = bot.meta_texts(TO, 2).await;
    assert!(texts[1].contains("corrected order"), "{texts:?}");

    assert_eq!(
        bot.meta(&hook(MetaMessage::text(WA_ID, "Cement x 120")))
            .await
            .0,
        StatusCode::OK
    );
    let texts = bot.meta_texts(TO, 3).await;
    assert!(
        texts[2].contains("Total: ₹42,000"),
        "the edit replaced the cart: {texts:?}"
    );

    assert_eq!(
        bot.meta(&hook(MetaMessage::button_reply(
            WA_ID, "confirm", "Confirm"
        )))
        .await
        .0,
        StatusCode::OK
    );
    let texts = bot.meta_texts(TO, 4).await;
    assert!(
        texts[3].contains("Order confirmed") && texts[3].contains("₹42,000"),
        "{texts:?}"
    );
    bot.stop().await;
}

#[tokio::test]
async fn ambiguous_products_come_as_a_list_and_cancel_by_tap() {
    let bot = spawn_bot().await;
    assert_eq!(
        bot.meta(&hook(MetaMessage::text(WA_ID, "pipe x 3")))
            .await
            .0,
        StatusCode::OK
    );
    bot.meta_texts(TO, 1).await;
    let request = bot.meta.requests().into_iter().last().unwrap();
    let body = request.json.clone().unwrap();
    assert_eq!(body["interactive"]["type"], "list", "{body}");
    let first_row = body["interactive"]["action"]["sections"][0]["rows"][0].clone();
    let id = first_row["id"].as_str().unwrap().to_owned();
    let title = first_row["title"].as_str().unwrap().to_owned();

    assert_eq!(
        bot.meta(&hook(MetaMessage::list_reply(WA_ID, &id, &title)))
            .await
            .0,
        StatusCode::OK
    );
    let texts = bot.meta_texts(TO, 2).await;
    assert!(
        texts[1].contains(&title) || texts[1].contains("Total:"),
        "{texts:?}"
    );

    assert_eq!(
        bot.meta(&hook(MetaMessage::button_reply(WA_ID, "cancel", "Cancel")))
            .await
            .0,
        StatusCode::OK
    );
    let texts = bot.meta_texts(TO, 3).await;
    assert!(texts[2].contains("discarded"), "{texts:?}");
    bot.stop().await;
}

#[tokio::test]
async fn a_batch_of_two_customers_is_answered_to_each() {
    let bot = spawn_bot().await;
    let batch = MetaWebhook::new(PHONE_NUMBER_ID, "15550783881")
        .message(MetaMessage::text(WA_ID, "menu"))
        .message(MetaMessage::text("919812345679", "Cement x 2"));
    assert_eq!(bot.meta(&batch).await.0, StatusCode::OK);
    let first = bot.meta_texts(TO, 1).await;
    let second = bot.meta_texts("+919812345679", 1).await;
    assert!(first[0].contains("Welcome"), "{first:?}");
    assert!(second[0].contains("₹700"), "{second:?}");
    bot.stop().await;
}
