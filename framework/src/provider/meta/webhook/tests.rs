use super::*;

fn wrap(value: &str) -> Vec<u8> {
    format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{value}}}]}}]}}"#
    )
    .into_bytes()
}

fn with_message(message: &str) -> Vec<u8> {
    wrap(&format!(
        r#"{{"metadata":{{"display_phone_number":"+1 555-078-3881","phone_number_id":"PNID"}},"messages":[{message}]}}"#
    ))
}

fn one_message(message: &str) -> InboundMessage {
    let events = parse_webhook(&with_message(message)).unwrap();
    match events.as_slice() {
        [WebhookEvent::Message(m)] => m.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn keeps_the_exact_decimal_text_of_prices() {
    let m = one_message(
        r#"{"from":"16505551234","id":"w","type":"order","order":{"catalog_id":"c","product_items":[
            {"product_retailer_id":"a","quantity":2,"item_price":12.50,"currency":"INR"},
            {"product_retailer_id":"b","quantity":"1","item_price":"0.10","currency":"USD"},
            {"product_retailer_id":"c","quantity":1,"item_price":100,"currency":"EUR"}]}}"#,
    );
    let Content::Order(order) = m.content() else {
        panic!()
    };
    let prices: Vec<_> = order.items.iter().map(|i| i.item_price.as_str()).collect();
    assert_eq!(prices, ["12.50", "0.10", "100"]);
    assert_eq!(order.items[1].quantity, 1);
}

#[test]
fn refuses_prices_that_are_not_plain_decimals() {
    // The order is routed as unsupported, with the problem as its detail.
    for price in ["1e3", "\"abc\"", "true", "null", "{}", "\"1.\"", "\"\""] {
        let m = one_message(&format!(
            r#"{{"from":"16505551234","id":"w","type":"order","order":{{"catalog_id":"c","product_items":[
                {{"product_retailer_id":"a","quantity":1,"item_price":{price},"currency":"INR"}}]}}}}"#
        ));
        let Content::Unsupported { kind, detail } = m.content() else {
            panic!("{price}: {:?}", m.content())
        };
        assert_eq!(kind, "order");
        assert!(
            detail
                .as_deref()
                .is_some_and(|d| d.contains("product_items[0].item_price")),
            "{price}: {detail:?}"
        );
    }
    // A price with more digits than a float holds is kept exactly.
    let long = "12345678901234567890.12345678901234567890";
    let m = one_message(&format!(
        r#"{{"from":"16505551234","id":"w","type":"order","order":{{"catalog_id":"c","product_items":[
            {{"product_retailer_id":"a","quantity":1,"item_price":{long},"currency":"INR"}}]}}}}"#
    ));
    let Content::Order(order) = m.content() else {
        panic!()
    };
    assert_eq!(order.items[0].item_price, long);
}

#[test]
fn never_borrows_another_senders_name() {
    let body = wrap(
        r#"{"metadata":{"display_phone_number":"15550783881","phone_number_id":"P"},
           "contacts":[{"profile":{"name":"Ana"},"wa_id":"16505550001"},{"profile":{"name":"Bo"},"wa_id":"16505550002"}],
           "messages":[
             {"from":"16505550002","id":"a","type":"text","text":{"body":"x"}},
             {"from":"16505550003","id":"b","type":"text","text":{"body":"y"}}]}"#,
    );
    let names: Vec<_> = parse_webhook(&body)
        .unwrap()
        .into_iter()
        .map(|e| match e {
            WebhookEvent::Message(m) => m.profile_name().map(str::to_owned),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, [Some("Bo".to_owned()), None]);
}

#[test]
fn timestamps_out_of_range_are_dropped_not_panics() {
    let m = one_message(
        r#"{"from":"16505551234","id":"w","timestamp":"18446744073709551615","type":"text","text":{"body":"x"}}"#,
    );
    assert_eq!(m.timestamp(), None);
    assert_eq!(m.text(), Some("x"));
}

#[test]
fn describes_errors_by_title_and_details() {
    let e = wire::ErrorObject {
        code: Some(Value::from(131051)),
        title: Some("Message type unknown".to_owned()),
        message: Some("Message type unknown".to_owned()),
        error_data: Some(wire::ErrorData {
            details: Some("Message type is currently not supported.".to_owned()),
        }),
    };
    assert_eq!(
        first_error(Some(&[e])).as_deref(),
        Some("Message type unknown: Message type is currently not supported. (code 131051)")
    );
}
