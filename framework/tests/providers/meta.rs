//! Meta Cloud API: webhooks to `WebhookEvent`s, the verification handshake,
//! replies to Graph API message JSON, API responses to `SentMessage`/`ApiError`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use framework::provider::meta::{
    ApiError, SIGNATURE_HEADER, SendOutcome, SubscriptionError, parse_response,
    parse_send_response, parse_webhook, render, render_with_context, sign, verify_signature,
    verify_subscription,
};
use framework::provider::{SignatureError, WebhookError};
use framework::reply::{
    Buttons, List, MediaReply, Reply, Row, Template, TemplateButton, TemplateHeader, limits,
};
use framework::testing::meta::{
    MetaMessage, MetaStatus, MetaWebhook, meta_json, verification_request,
};
use framework::{
    CatalogOrder, CatalogOrderItem, Contact, ContactPhone, Content, DeliveryFailure,
    DeliveryStatus, InboundMessage, Location, MediaKind, MessageId, PhoneNumber, Pricing, Provider,
    ProviderErrorEvent, StatusEvent, UnaddressableMessage, WebhookEvent,
};
use http::StatusCode;
use proptest::prelude::*;
use serde_json::{Value, json};

const PHONE_NUMBER_ID: &str = "106540352242922";
const CUSTOMER: &str = "16505551234";

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).unwrap()
}

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A notification with one `messages` change holding `value`.
fn notification(value: &Value) -> Vec<u8> {
    meta_json(&json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": value }] }],
    }))
}

/// A notification with one inbound message (and its sender's contact).
fn with_message(message: &Value) -> Vec<u8> {
    notification(&json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
        "contacts": [{ "profile": { "name": "Ana" }, "wa_id": CUSTOMER }],
        "messages": [message],
    }))
}

/// A message envelope of `type` with `body` under the type's key.
fn typed(kind: &str, body: Value) -> Value {
    let mut m =
        json!({ "from": CUSTOMER, "id": "wamid.IN", "timestamp": "1749416383", "type": kind });
    m[kind] = body;
    m
}

fn only_message(body: &[u8]) -> InboundMessage {
    match parse_webhook(body).unwrap().as_slice() {
        [WebhookEvent::Message(m)] => m.clone(),
        other => panic!("expected one message, got {other:?}"),
    }
}

fn content_of(kind: &str, body: Value) -> Content {
    only_message(&with_message(&typed(kind, body)))
        .content()
        .clone()
}

fn only_status(status: &Value) -> Option<StatusEvent> {
    let events = parse_webhook(&notification(&json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
        "statuses": [status],
    })))
    .unwrap();
    match events.as_slice() {
        [] => None,
        [WebhookEvent::Status(s)] => Some(s.clone()),
        other => panic!("expected at most one status, got {other:?}"),
    }
}

fn kind_of(event: &WebhookEvent) -> String {
    match event {
        WebhookEvent::Message(m) => format!("message {} {}", m.id(), m.content().kind()),
        WebhookEvent::Status(s) => format!("status {} {}", s.message_id, s.status.as_str()),
        WebhookEvent::ProviderError(e) => format!("error {}", e.code.as_deref().unwrap_or("-")),
        other => panic!("unexpected event {other:?}"),
    }
}

// ---------------------------------------------------------------- inbound

/// Two entries, five changes (one of another field), messages, statuses and a
/// change-level error, written the way Meta writes them (escaped non-ASCII,
/// escaped slashes, fields this crate does not read).
const BATCH: &str = r##"{"object":"whatsapp_business_account","entry":[
{"id":"102290129340398","changes":[
 {"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"1 555-078-3881","phone_number_id":"106540352242922"},
  "contacts":[{"profile":{"name":"Jos\u00e9"},"wa_id":"16505551234","identity_key_hash":"DF2lS5v2W6x="},{"profile":{"name":"Mar\u00eda"},"wa_id":"5215512345678"}],
  "messages":[
   {"from":"16505551234","id":"wamid.A1","timestamp":"1749416383","type":"text","text":{"body":"\u00bfTienen caf\u00e9? \u2615"}},
   {"from":"5215512345678","id":"wamid.A2","timestamp":"1749416390","type":"image","image":{"caption":"this one","mime_type":"image\/jpeg","sha256":"f3a1","id":"1479537139650973","url":"https:\/\/lookaside.fbsbx.com\/whatsapp_business\/attachments\/?mid=1479537139650973"}}],
  "statuses":[{"id":"wamid.OUT1","status":"delivered","timestamp":"1749416391","recipient_id":"16505551234",
   "conversation":{"id":"c1","origin":{"type":"service"}},"pricing":{"billable":true,"pricing_model":"PMP","category":"service","type":"free_customer_service"}}]},
  "field":"messages"},
 {"value":{"event":"APPROVED","message_template_id":594425479261596,"message_template_name":"order_update","message_template_language":"en_US","reason":"NONE"},
  "field":"message_template_status_update"},
 {"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
  "errors":[{"code":131000,"title":"Something went wrong","message":"Something went wrong","error_data":{"details":"Unknown error"},"href":"https:\/\/developers.facebook.com\/docs\/whatsapp\/cloud-api\/support\/error-codes\/"}]},
  "field":"messages"}]},
{"id":"102290129340399","changes":[
 {"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
  "statuses":[
   {"id":"wamid.OUT1","status":"read","timestamp":"1749416400","recipient_id":"16505551234"},
   {"id":"wamid.OUT2","status":"failed","timestamp":"1749416401","recipient_id":"5215512345678",
    "errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"Message failed to send because more than 24 hours have passed since the customer last replied to this number."}}]},
   {"id":"wamid.OUT3","status":"deleted","timestamp":"1749416402","recipient_id":"16505551234"},
   {"id":"wamid.OUT4","status":"played","timestamp":"1749416403","recipient_id":"16505551234"}]},
  "field":"messages"},
 {"value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
  "contacts":[{"profile":{"name":"Jos\u00e9"},"wa_id":"16505551234"}],
  "messages":[{"context":{"from":"15550783881","id":"wamid.OUT1"},"from":"16505551234","id":"wamid.A3","timestamp":"1749416410","type":"interactive",
   "interactive":{"type":"button_reply","button_reply":{"id":"confirm","title":"Confirm"}}}]},
  "field":"messages"}]}]}"##;

#[test]
fn a_batched_notification_yields_every_event_in_payload_order() {
    // Arrange
    let secret = b"app-secret";
    let header = sign(secret, BATCH.as_bytes());

    // Act
    verify_signature(secret, BATCH.as_bytes(), Some(&header)).unwrap();
    let events = parse_webhook(BATCH.as_bytes()).unwrap();

    // Assert: order, then details.
    let kinds: Vec<_> = events.iter().map(kind_of).collect();
    assert_eq!(
        kinds,
        [
            "message wamid.A1 text",
            "message wamid.A2 image",
            "status wamid.OUT1 delivered",
            "error 131000",
            "status wamid.OUT1 read",
            "status wamid.OUT2 failed",
            // wamid.OUT3 ("deleted") is unknown and skipped, not a 400.
            "status wamid.OUT4 read",
            "message wamid.A3 button_reply",
        ]
    );

    let WebhookEvent::Message(first) = &events[0] else {
        unreachable!()
    };
    assert_eq!(first.provider(), Provider::Meta);
    assert_eq!(first.text(), Some("¿Tienen café? ☕"));
    assert_eq!(first.profile_name(), Some("José"));
    assert_eq!(first.key().customer(), &phone("+16505551234"));
    // "1 555-078-3881" on the wire.
    assert_eq!(first.key().business(), &phone("+15550783881"));
    assert_eq!(first.channel_id(), Some(PHONE_NUMBER_ID));
    assert_eq!(first.timestamp(), Some(at(1_749_416_383)));
    assert_eq!(first.dedup_key(), "meta:106540352242922:wamid.A1");

    let WebhookEvent::Message(second) = &events[1] else {
        unreachable!()
    };
    assert_eq!(second.profile_name(), Some("María"));
    assert_eq!(second.key().customer(), &phone("+5215512345678"));
    let Content::Media { items, caption } = second.content() else {
        panic!()
    };
    assert_eq!(caption.as_deref(), Some("this one"));
    assert_eq!(
        items[0].url.as_deref(),
        Some("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1479537139650973")
    );

    assert_eq!(
        events[2].clone_status(),
        StatusEvent {
            provider: Provider::Meta,
            message_id: MessageId::new("wamid.OUT1"),
            recipient: Some(phone("+16505551234")),
            status: DeliveryStatus::Delivered,
            timestamp: Some(at(1_749_416_391)),
            // `type` decides over the deprecated `billable`: a free reply.
            pricing: Some(Pricing {
                category: "service".to_owned(),
                model: Some("PMP".to_owned()),
                kind: Some("free_customer_service".to_owned()),
                billable: Some(true),
            }),
        }
    );
    assert!(!events[2].clone_status().pricing.unwrap().charged());
    let WebhookEvent::ProviderError(error) = &events[3] else {
        unreachable!()
    };
    assert_eq!(
        error,
        &ProviderErrorEvent {
            provider: Provider::Meta,
            code: Some("131000".to_owned()),
            message: "Something went wrong: Unknown error".to_owned(),
        }
    );
    assert_eq!(
        events[5].clone_status().status,
        DeliveryStatus::Failed(DeliveryFailure {
            code: Some("131047".to_owned()),
            message: Some(
                "Re-engagement message: Message failed to send because more than 24 hours \
                 have passed since the customer last replied to this number."
                    .to_owned()
            ),
        })
    );
    let WebhookEvent::Message(last) = &events[7] else {
        unreachable!()
    };
    assert_eq!(last.reply_to(), Some(&MessageId::new("wamid.OUT1")));
    assert_eq!(last.choice_id(), Some("confirm"));
}

trait CloneStatus {
    fn clone_status(&self) -> StatusEvent;
}

impl CloneStatus for WebhookEvent {
    fn clone_status(&self) -> StatusEvent {
        match self {
            WebhookEvent::Status(s) => s.clone(),
            other => panic!("expected a status, got {other:?}"),
        }
    }
}

#[test]
fn text_and_media_messages() {
    assert_eq!(
        content_of("text", json!({ "body": "Cement x 100, 20 bags sand" })),
        Content::Text {
            body: "Cement x 100, 20 bags sand".to_owned()
        }
    );

    let media = |kind: &str, body: Value| match content_of(kind, body) {
        Content::Media { items, caption } => {
            assert_eq!(items.len(), 1);
            (items.into_iter().next().unwrap(), caption)
        }
        other => panic!("{other:?}"),
    };

    let (image, caption) = media(
        "image",
        json!({ "id": "IMG", "mime_type": "image/jpeg", "sha256": "abc", "caption": "site photo", "url": "https://x.test/i" }),
    );
    assert_eq!(image.kind, MediaKind::Image);
    assert_eq!(image.id.as_deref(), Some("IMG"));
    assert_eq!(image.mime_type.as_deref(), Some("image/jpeg"));
    assert_eq!(image.sha256.as_deref(), Some("abc"));
    assert_eq!(image.url.as_deref(), Some("https://x.test/i"));
    assert_eq!(caption.as_deref(), Some("site photo"));

    let (video, _) = media("video", json!({ "id": "VID", "mime_type": "video/mp4" }));
    assert_eq!(video.kind, MediaKind::Video);

    let (voice, caption) = media(
        "audio",
        json!({ "id": "AUD", "mime_type": "audio/ogg; codecs=opus", "voice": true }),
    );
    assert_eq!(
        (voice.kind, voice.voice, caption),
        (MediaKind::Audio, true, None)
    );

    let (sticker, _) = media(
        "sticker",
        json!({ "id": "STK", "mime_type": "image/webp", "animated": true }),
    );
    assert_eq!((sticker.kind, sticker.animated), (MediaKind::Sticker, true));

    let (doc, caption) = media(
        "document",
        json!({ "id": "DOC", "mime_type": "application/pdf", "filename": "invoice-42.pdf", "caption": "my GST certificate" }),
    );
    assert_eq!(doc.kind, MediaKind::Document);
    assert_eq!(doc.filename.as_deref(), Some("invoice-42.pdf"));
    assert_eq!(caption.as_deref(), Some("my GST certificate"));
}

#[test]
fn location_and_contacts_messages() {
    assert_eq!(
        content_of(
            "location",
            json!({ "latitude": 19.076, "longitude": 72.8777, "name": "Site", "address": "Andheri", "url": "https://maps.test" })
        ),
        Content::Location(Location {
            latitude: 19.076,
            longitude: 72.8777,
            name: Some("Site".to_owned()),
            address: Some("Andheri".to_owned()),
            url: Some("https://maps.test".to_owned()),
        })
    );

    let contacts = content_of(
        "contacts",
        json!([
            {
                "name": { "formatted_name": "Ravi Kumar", "first_name": "Ravi", "last_name": "Kumar" },
                "phones": [
                    { "phone": "+91 98123 45678", "wa_id": "919812345678", "type": "CELL" },
                    { "phone": "+91 22 1234 5678", "type": "WORK" }
                ],
                "emails": [{ "email": "ravi@example.com", "type": "WORK" }],
                "org": { "company": "Ravi Builders" }
            },
            { "name": { "first_name": "Only", "last_name": "Names" } }
        ]),
    );
    assert_eq!(
        contacts,
        Content::Contacts(vec![
            Contact {
                name: "Ravi Kumar".to_owned(),
                phones: vec![
                    ContactPhone {
                        phone: "+91 98123 45678".to_owned(),
                        wa_id: Some("919812345678".to_owned()),
                        kind: Some("CELL".to_owned()),
                    },
                    ContactPhone {
                        phone: "+91 22 1234 5678".to_owned(),
                        wa_id: None,
                        kind: Some("WORK".to_owned()),
                    },
                ],
                emails: vec!["ravi@example.com".to_owned()],
            },
            Contact {
                name: "Only Names".to_owned(),
                ..Contact::default()
            },
        ])
    );
}

#[test]
fn interactive_replies_and_template_quick_replies() {
    assert_eq!(
        content_of(
            "interactive",
            json!({ "type": "button_reply", "button_reply": { "id": "confirm", "title": "Confirm" } })
        ),
        Content::ButtonReply {
            id: "confirm".to_owned(),
            title: "Confirm".to_owned()
        }
    );
    assert_eq!(
        content_of(
            "interactive",
            json!({ "type": "list_reply", "list_reply": { "id": "sku-ppc", "title": "Cement PPC", "description": "50 kg" } })
        ),
        Content::ListReply {
            id: "sku-ppc".to_owned(),
            title: "Cement PPC".to_owned(),
            description: Some("50 kg".to_owned()),
        }
    );
    assert_eq!(
        content_of(
            "interactive",
            json!({ "type": "nfm_reply", "nfm_reply": { "name": "flow", "body": "Sent", "response_json": "{\"flow_token\":\"t\",\"qty\":\"3\"}" } })
        ),
        Content::FlowReply {
            name: "flow".to_owned(),
            body: "Sent".to_owned(),
            response_json: r#"{"flow_token":"t","qty":"3"}"#.to_owned(),
        }
    );
    assert_eq!(
        content_of(
            "interactive",
            json!({ "type": "call_permission_reply", "call_permission_reply": { "response": "accept" } })
        ),
        Content::Unsupported {
            kind: "interactive.call_permission_reply".to_owned(),
            detail: None,
        }
    );

    let quick = only_message(&with_message(&typed(
        "button",
        json!({ "payload": "PAY_NOW", "text": "Pay now" }),
    )));
    assert_eq!(
        quick.content(),
        &Content::QuickReply {
            payload: "PAY_NOW".to_owned(),
            text: "Pay now".to_owned()
        }
    );
    assert_eq!(quick.choice_id(), Some("PAY_NOW"));
}

#[test]
fn reactions_orders_and_system_notices() {
    assert_eq!(
        content_of(
            "reaction",
            json!({ "message_id": "wamid.OUT1", "emoji": "\u{1F44D}" })
        ),
        Content::Reaction {
            message_id: MessageId::new("wamid.OUT1"),
            emoji: Some("👍".to_owned())
        }
    );
    for removed in [
        json!({ "message_id": "wamid.OUT1" }),
        json!({ "message_id": "wamid.OUT1", "emoji": "" }),
    ] {
        assert_eq!(
            content_of("reaction", removed),
            Content::Reaction {
                message_id: MessageId::new("wamid.OUT1"),
                emoji: None
            }
        );
    }

    // Prices keep their decimal text: written by hand so 12.50 stays 12.50 on the wire.
    let body = with_message(&typed("text", json!({ "body": "placeholder" })));
    let body = String::from_utf8(body).unwrap().replace(
        r#""text":{"body":"placeholder"},"timestamp":"1749416383","type":"text""#,
        r#""order":{"catalog_id":"CAT1","text":"urgent","product_items":[
            {"product_retailer_id":"SKU-CEM","quantity":100,"item_price":380.00,"currency":"INR"},
            {"product_retailer_id":"SKU-SAND","quantity":20,"item_price":12.5,"currency":"INR"}]},
           "timestamp":"1749416383","type":"order""#,
    );
    assert_eq!(
        only_message(body.as_bytes()).content(),
        &Content::Order(CatalogOrder {
            catalog_id: "CAT1".to_owned(),
            text: Some("urgent".to_owned()),
            items: vec![
                CatalogOrderItem {
                    product_id: "SKU-CEM".to_owned(),
                    quantity: 100,
                    item_price: "380.00".to_owned(),
                    currency: "INR".to_owned(),
                },
                CatalogOrderItem {
                    product_id: "SKU-SAND".to_owned(),
                    quantity: 20,
                    item_price: "12.5".to_owned(),
                    currency: "INR".to_owned(),
                },
            ],
        })
    );

    assert_eq!(
        content_of(
            "system",
            json!({ "body": "Ana changed from 16505551234 to 16505559999", "type": "user_changed_number", "new_wa_id": "16505559999" })
        ),
        Content::System {
            body: "Ana changed from 16505551234 to 16505559999".to_owned(),
            kind: Some("user_changed_number".to_owned()),
            new_wa_id: Some("16505559999".to_owned()),
        }
    );
}

#[test]
fn unsupported_and_unknown_types_are_routed_not_refused() {
    // Arrange: Meta's own "unsupported" shape, and a type nobody knows yet.
    let mut unsupported = typed("unsupported", json!({ "type": "poll_update" }));
    unsupported["errors"] = json!([{
        "code": 131051,
        "title": "Message type unknown",
        "message": "Message type unknown",
        "error_data": { "details": "Message type is currently not supported." }
    }]);
    let unknown = typed("hologram", json!({ "beam": [1, 2, 3] }));

    // Act + Assert
    assert_eq!(
        only_message(&with_message(&unsupported)).content(),
        &Content::Unsupported {
            kind: "poll_update".to_owned(),
            detail: Some(
                "Message type unknown: Message type is currently not supported. (code 131051)"
                    .to_owned()
            ),
        }
    );
    let mut bare = unsupported.clone();
    bare.as_object_mut().unwrap().remove("unsupported");
    assert!(matches!(
        only_message(&with_message(&bare)).content(),
        Content::Unsupported { kind, .. } if kind == "unsupported"
    ));
    assert_eq!(
        only_message(&with_message(&unknown)).content(),
        &Content::Unsupported {
            kind: "hologram".to_owned(),
            detail: None
        }
    );
    // The builder's unknown type, end to end.
    let msg =
        MetaMessage::unknown_type(CUSTOMER, "ephemeral").with_error(131051, "Message type unknown");
    let webhook = MetaWebhook::new(PHONE_NUMBER_ID, "15550783881").message(msg.clone());
    let parsed = only_message(&webhook.body());
    assert_eq!(parsed.id().as_str(), msg.id());
    assert!(
        matches!(parsed.content(), Content::Unsupported { kind, detail: Some(_) } if kind == "ephemeral")
    );
}

#[test]
fn context_sets_reply_to_and_forwarded() {
    let mut quoted = typed("text", json!({ "body": "this one" }));
    quoted["context"] = json!({ "from": "15550783881", "id": "wamid.OUT9" });
    let m = only_message(&with_message(&quoted));
    assert_eq!(m.reply_to(), Some(&MessageId::new("wamid.OUT9")));
    assert!(!m.forwarded());

    for flag in ["forwarded", "frequently_forwarded"] {
        let mut fwd = typed("text", json!({ "body": "fwd" }));
        fwd["context"] = json!({ flag: true });
        let m = only_message(&with_message(&fwd));
        assert!(m.forwarded(), "{flag}");
        assert_eq!(m.reply_to(), None);
    }
}

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let body = notification(&json!({
        "messaging_product": "whatsapp",
        "brand_new": { "nested": [1, "two", null] },
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID, "extra": 1 },
        "contacts": [{ "profile": { "name": "Ana", "avatar": "x" }, "wa_id": CUSTOMER, "user_id": "US.1" }],
        "messages": [{
            "from": CUSTOMER, "id": "wamid.X", "timestamp": "1749416383", "type": "text",
            "text": { "body": "hi", "lang": "en" },
            "referral": { "source_url": "https://fb.me/x", "source_type": "ad", "ctwa_clid": "c" },
            "from_user_id": "US.1",
            "image": "a field of another type, with another shape"
        }],
    }));
    let m = only_message(&body);
    assert_eq!(m.text(), Some("hi"));
    assert_eq!(m.profile_name(), Some("Ana"));
}

#[test]
fn changes_of_other_fields_are_skipped() {
    let body = meta_json(&json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [
            { "field": "message_template_status_update", "value": { "event": "APPROVED", "message_template_id": 1 } },
            { "field": "account_update", "value": [1, 2, 3] },
            { "field": "phone_number_quality_update", "value": "whatever" },
        ] }],
    }));
    assert!(parse_webhook(&body).unwrap().is_empty());
    // An empty entry list is a valid, empty notification.
    assert!(
        parse_webhook(br#"{"object":"whatsapp_business_account","entry":[]}"#)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn other_objects_are_ignored_not_refused() {
    // A Page or Instagram subscription on the same URL would otherwise be
    // retried by Meta for a week.
    assert!(
        parse_webhook(br#"{"object":"page","entry":[]}"#)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn bad_bodies_get_the_right_error_and_status() {
    assert!(matches!(parse_webhook(b""), Err(WebhookError::EmptyBody)));
    assert!(matches!(
        parse_webhook(b" \r\n"),
        Err(WebhookError::EmptyBody)
    ));
    assert!(matches!(
        parse_webhook(b"{\"object\":\"wh\xffatsapp\"}"),
        Err(WebhookError::NotUtf8 { offset: 13 })
    ));
    for garbage in [
        &b"{"[..],
        b"not json",
        b"[]",
        b"\"object\"",
        b"42",
        b"{\"object\":5}",
    ] {
        let err = parse_webhook(garbage).unwrap_err();
        assert!(matches!(err, WebhookError::InvalidJson(_)), "{err:?}");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    }
    assert!(matches!(
        parse_webhook(br#"{"entry":[]}"#),
        Err(WebhookError::MissingField(f)) if f == "object"
    ));
    assert!(matches!(
        parse_webhook(br#"{"object":"whatsapp_business_account"}"#),
        Err(WebhookError::MissingField(f)) if f == "entry"
    ));
    assert!(matches!(
        parse_webhook(br#"{"object":"whatsapp_business_account","entry":[{"id":"1"}]}"#),
        Err(WebhookError::MissingField(f)) if f == "entry[0].changes"
    ));
}

#[test]
fn deeply_nested_json_is_refused_not_a_stack_overflow() {
    let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    for nested in [deep(100_000), format!("{{\"a\":{}}}", deep(100_000))] {
        // Top level, as a change value, and inside a message body.
        assert!(parse_webhook(nested.as_bytes()).is_err());
        let wrapped = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"changes":[{{"field":"messages","value":{nested}}}]}}]}}"#
        );
        // An object value with one unknown (deep) field is a valid, empty change.
        let wrapped = parse_webhook(wrapped.as_bytes());
        assert!(wrapped.is_err() || wrapped.is_ok_and(|events| events.is_empty()));
        let in_body = format!(
            r#"{{"object":"whatsapp_business_account","entry":[{{"changes":[{{"field":"messages","value":{{
                "metadata":{{"display_phone_number":"15550783881","phone_number_id":"P"}},
                "messages":[{{"from":"16505551234","id":"w","type":"text","text":{{"body":{nested}}}}}]}}}}]}}]}}"#
        );
        // The message is real; its body is not a text body: routed as
        // unsupported (or refused), never a stack overflow.
        match parse_webhook(in_body.as_bytes()) {
            Err(_) => {}
            Ok(events) => assert!(
                matches!(events.as_slice(), [WebhookEvent::Message(m)] if matches!(m.content(), Content::Unsupported { .. })),
                "{events:?}"
            ),
        }
    }
}

#[test]
fn an_unreadable_message_is_skipped_and_the_rest_of_the_batch_kept() {
    // Arrange: the second message of a change lacks one field at a time.
    // (A message without `from` is not unreadable but unaddressable: see
    // `a_message_without_a_phone_number_is_unaddressable_never_a_400`.)
    for (field, expected) in [
        ("id", "entry[0].changes[0].value.messages[1].id"),
        ("type", "entry[0].changes[0].value.messages[1].type"),
    ] {
        let good = typed("text", json!({ "body": "fine" }));
        let mut bad = typed("text", json!({ "body": "broken" }));
        bad.as_object_mut().unwrap().remove(field);
        let batch = notification(&json!({
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
            "messages": [good, bad.clone()],
        }));
        let alone = with_message(&bad);

        // Act / Assert: in a batch, the good message survives...
        let events = parse_webhook(&batch).unwrap();
        assert!(
            matches!(events.as_slice(), [WebhookEvent::Message(m)] if m.text() == Some("fine")),
            "{field}: {events:?}"
        );
        // ...alone, the problem is a 400 naming its path.
        let err = parse_webhook(&alone).unwrap_err();
        let expected_alone = expected.replace("messages[1]", "messages[0]");
        assert!(
            matches!(&err, WebhookError::MissingField(path) if *path == expected_alone),
            "{field}: {err:?}"
        );
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    }

    // A message whose body does not match its type is routed as unsupported.
    let mut no_text = typed("text", json!({ "body": "x" }));
    no_text.as_object_mut().unwrap().remove("text");
    let Content::Unsupported { kind, detail } =
        only_message(&with_message(&no_text)).content().clone()
    else {
        panic!("expected unsupported")
    };
    assert_eq!(kind, "text");
    assert!(detail.unwrap_or_default().contains("messages[0].text"));

    let no_metadata = notification(&json!({ "messages": [typed("text", json!({ "body": "x" }))] }));
    assert!(matches!(
        parse_webhook(&no_metadata),
        Err(WebhookError::MissingField(f)) if f == "entry[0].changes[0].value.metadata"
    ));
    let empty_id = with_message(
        &json!({ "from": CUSTOMER, "id": "", "type": "text", "text": { "body": "x" } }),
    );
    assert!(
        matches!(parse_webhook(&empty_id), Err(WebhookError::MissingField(f)) if f.ends_with("messages[0].id"))
    );
    let no_status = only_status_err(&json!({ "id": "wamid.OUT" }));
    assert!(
        matches!(no_status, WebhookError::MissingField(f) if f == "entry[0].changes[0].value.statuses[0].status")
    );
}

fn only_status_err(status: &Value) -> WebhookError {
    parse_webhook(&notification(&json!({ "statuses": [status] }))).unwrap_err()
}

/// Regression (issue 11): a message without a phone number was skipped, and
/// alone answered 400, so Meta retried it for days. Meta sends one for every
/// user known only by a business-scoped user id (BSUID).
#[test]
fn a_message_without_a_phone_number_is_unaddressable_never_a_400() {
    let unaddressable = |user_id: Option<&str>| {
        WebhookEvent::Unaddressable(UnaddressableMessage {
            provider: Provider::Meta,
            message_id: MessageId::new("wamid.IN"),
            user_id: user_id.map(str::to_owned),
            kind: "text".to_owned(),
            channel_id: Some(PHONE_NUMBER_ID.to_owned()),
        })
    };
    let events = |value: Value| {
        let events = parse_webhook(&notification(&value)).unwrap();
        events
            .into_iter()
            .map(|e| match e {
                WebhookEvent::Message(m) => format!("message {}", m.text().unwrap_or_default()),
                WebhookEvent::Unaddressable(u) => format!("{:?}", WebhookEvent::Unaddressable(u)),
                other => format!("{other:?}"),
            })
            .collect::<Vec<_>>()
    };
    let metadata =
        json!({ "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID });

    // BSUID on the message, no `from`, no `wa_id` (Meta's username users).
    let mut bsuid_only = typed("text", json!({ "body": "hello" }));
    bsuid_only.as_object_mut().unwrap().remove("from");
    bsuid_only["from_user_id"] = json!("US.13491208655302741918");
    assert_eq!(
        events(json!({
            "metadata": metadata,
            "contacts": [{ "profile": { "name": "Ana", "username": "@ana" }, "user_id": "US.13491208655302741918" }],
            "messages": [bsuid_only],
        })),
        [format!(
            "{:?}",
            unaddressable(Some("US.13491208655302741918"))
        )]
    );

    // BSUID only on the contact (published by netflie/whatsapp-cloud-api).
    let mut no_from = typed("text", json!({ "body": "hello" }));
    no_from.as_object_mut().unwrap().remove("from");
    assert_eq!(
        events(json!({
            "metadata": metadata,
            "contacts": [{ "profile": { "name": "NAME" }, "user_id": "BSUID_123" }],
            "messages": [no_from.clone()],
        })),
        [format!("{:?}", unaddressable(Some("BSUID_123")))]
    );

    // No id of the sender at all, a `from` that is not a number, and one
    // refused by the phone rule (a leading 0): unaddressable too.
    let mut not_a_phone = no_from.clone();
    not_a_phone["from"] = json!("not-a-phone");
    let mut leading_zero = no_from.clone();
    leading_zero["from"] = json!("0919812345678");
    for message in [no_from.clone(), not_a_phone, leading_zero] {
        assert_eq!(
            events(json!({ "metadata": metadata, "messages": [message.clone()] })),
            [format!("{:?}", unaddressable(None))],
            "{message}"
        );
    }

    // In a batch, the others are ordinary messages, in order.
    let good = typed("text", json!({ "body": "fine" }));
    assert_eq!(
        events(json!({ "metadata": metadata, "messages": [good, no_from] })),
        [
            "message fine".to_owned(),
            format!("{:?}", unaddressable(None))
        ]
    );
}

#[test]
fn a_sender_with_a_number_and_a_bsuid_is_an_ordinary_message_keeping_the_bsuid() {
    // Shape of Meta's v25 payloads (Secreto31126/whatsapp-api-js test/payloads/v25).
    let mut message = typed("text", json!({ "body": "this is a text message" }));
    message["from_user_id"] = json!("US.13491208655302741918");
    message["from_parent_user_id"] = json!("US.11815799212886844830");
    let body = notification(&json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
        "contacts": [{
            "profile": { "name": "test user name", "username": "@testusername" },
            "wa_id": CUSTOMER,
            "user_id": "US.13491208655302741918",
            "parent_user_id": "US.11815799212886844830",
        }],
        "messages": [message],
    }));
    let m = only_message(&body);
    assert_eq!(m.key().customer().digits(), CUSTOMER);
    assert_eq!(m.user_id(), Some("US.13491208655302741918"));
    assert_eq!(m.profile_name(), Some("test user name"));

    // Only the contact has the BSUID (pywa's payloads): it is the sender's.
    let m = only_message(&notification(&json!({
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
        "contacts": [{ "profile": { "name": "Ana" }, "wa_id": CUSTOMER, "user_id": "IN.42" }],
        "messages": [typed("text", json!({ "body": "x" }))],
    })));
    assert_eq!(m.user_id(), Some("IN.42"));

    // A contact for another number lends neither its name nor its BSUID; one
    // without a number lends its name (as before BSUIDs) but not its BSUID.
    let m = only_message(&notification(&json!({
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
        "contacts": [
            { "profile": { "name": "Bo" }, "wa_id": "16505559999", "user_id": "US.9" },
            { "profile": { "name": "Cy" }, "user_id": "US.8" },
        ],
        "messages": [typed("text", json!({ "body": "x" }))],
    })));
    assert_eq!(m.user_id(), None);
    assert_eq!(m.profile_name(), Some("Cy"));
}

#[test]
fn a_status_for_a_bsuid_recipient_is_kept() {
    // `recipient_user_id` without `recipient_id`: the status still counts.
    let body = notification(&json!({
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID },
        "statuses": [{
            "id": "wamid.OUT", "status": "delivered", "timestamp": "1749416400",
            "recipient_user_id": "US.13491208655302741918",
            "parent_recipient_user_id": "US.11815799212886844830",
        }],
    }));
    match parse_webhook(&body).unwrap().as_slice() {
        [WebhookEvent::Status(s)] => {
            assert_eq!(s.message_id.as_str(), "wamid.OUT");
            assert_eq!(s.status, DeliveryStatus::Delivered);
            assert_eq!(s.recipient, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_json_types_are_invalid_fields_with_a_path() {
    // What identifies a message: alone, a 400 naming the path.
    let unreadable = [
        (
            json!({ "from": 16505551234_u64, "id": "wamid.X", "type": "text", "text": { "body": "x" } }),
            "entry[0].changes[0].value.messages[0]",
        ),
        (
            json!({ "from": CUSTOMER, "id": 7, "type": "text", "text": { "body": "x" } }),
            "entry[0].changes[0].value.messages[0]",
        ),
    ];
    for (message, expected) in unreadable {
        let err = parse_webhook(&with_message(&message)).unwrap_err();
        assert!(
            matches!(&err, WebhookError::InvalidField { field, .. } if field == expected),
            "{message}: {err:?}"
        );
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    }
    // What a body holds: the message is routed as unsupported, the problem
    // (with its path) as the detail.
    let malformed_bodies = [
        (
            json!({ "from": CUSTOMER, "id": "wamid.X", "type": "text", "text": "just a string" }),
            "entry[0].changes[0].value.messages[0].text",
        ),
        (
            json!({ "from": CUSTOMER, "id": "wamid.X", "type": "text", "text": { "body": 42 } }),
            "entry[0].changes[0].value.messages[0].text",
        ),
        (
            json!({ "from": CUSTOMER, "id": "wamid.X", "type": "location", "location": { "latitude": "north", "longitude": 1.0 } }),
            "entry[0].changes[0].value.messages[0].location",
        ),
    ];
    for (message, expected) in malformed_bodies {
        let msg = only_message(&with_message(&message));
        let Content::Unsupported { detail, .. } = msg.content() else {
            panic!("{message}: {:?}", msg.content())
        };
        assert!(
            detail.as_deref().is_some_and(|d| d.contains(expected)),
            "{message}: {detail:?}"
        );
    }
    // An unreadable timestamp is dropped.
    for timestamp in [json!("yesterday"), json!(true)] {
        let msg = only_message(&with_message(
            &json!({ "from": CUSTOMER, "id": "wamid.X", "timestamp": timestamp, "type": "text", "text": { "body": "x" } }),
        ));
        assert_eq!((msg.timestamp(), msg.text()), (None, Some("x")));
    }
    // The value itself of the wrong type.
    let err = parse_webhook(&notification(&json!({ "messages": "many" }))).unwrap_err();
    assert!(
        matches!(&err, WebhookError::InvalidField { field, .. } if field == "entry[0].changes[0].value"),
        "{err:?}"
    );
    // A business number Meta would never send.
    let bad_business = notification(&json!({
        "metadata": { "display_phone_number": "ACME", "phone_number_id": PHONE_NUMBER_ID },
        "messages": [typed("text", json!({ "body": "x" }))],
    }));
    assert!(matches!(
        parse_webhook(&bad_business),
        Err(WebhookError::InvalidField { field, .. }) if field == "entry[0].changes[0].value.metadata.display_phone_number"
    ));
    // A numeric timestamp is tolerated.
    let numeric = typed("text", json!({ "body": "x" }));
    let mut numeric = numeric;
    numeric["timestamp"] = json!(1_749_416_383_u64);
    assert_eq!(
        only_message(&with_message(&numeric)).timestamp(),
        Some(at(1_749_416_383))
    );
}

#[test]
fn status_updates_map_to_delivery_statuses() {
    let status = |name: &str| {
        only_status(&json!({ "id": "wamid.OUT", "status": name, "timestamp": "1749416400", "recipient_id": CUSTOMER }))
            .map(|s| s.status)
    };
    assert_eq!(status("sent"), Some(DeliveryStatus::Sent));
    assert_eq!(status("delivered"), Some(DeliveryStatus::Delivered));
    assert_eq!(status("read"), Some(DeliveryStatus::Read));
    assert_eq!(status("played"), Some(DeliveryStatus::Read));
    assert_eq!(
        status("failed"),
        Some(DeliveryStatus::Failed(DeliveryFailure::default()))
    );
    assert_eq!(status("deleted"), None);
    assert_eq!(status("warning"), None);

    // A group recipient is not a phone number: no recipient, still an event.
    let group = only_status(&json!({ "id": "wamid.G", "status": "sent", "recipient_id": "120363025246125244@g.us", "recipient_type": "group" })).unwrap();
    assert_eq!(group.recipient, None);
    assert_eq!(group.timestamp, None);

    // The test kit's statuses, with an error.
    let webhook = MetaWebhook::new(PHONE_NUMBER_ID, "15550783881").status(
        MetaStatus::new("wamid.OUT", "failed")
            .with_error(131026, "Message undeliverable")
            .with_recipient("+5215512345678")
            .with_timestamp(1_700_000_000),
    );
    let events = parse_webhook(&webhook.body()).unwrap();
    let [WebhookEvent::Status(failed)] = events.as_slice() else {
        panic!("{events:?}")
    };
    assert_eq!(failed.recipient, Some(phone("+5215512345678")));
    assert_eq!(failed.timestamp, Some(at(1_700_000_000)));
    assert_eq!(
        failed.status,
        DeliveryStatus::Failed(DeliveryFailure {
            code: Some("131026".to_owned()),
            message: Some("Message undeliverable: Message undeliverable (test)".to_owned()),
        })
    );
}

#[test]
fn the_test_kit_builds_what_the_parser_reads() {
    // Arrange
    let text = MetaMessage::text("+919812345678", "Cement x 100")
        .with_profile_name("Ravi")
        .with_timestamp(1_749_416_383);
    let button =
        MetaMessage::button_reply("919812345678", "confirm", "Confirm").with_reply_to("wamid.OUT1");
    let list = MetaMessage::list_reply("919812345678", "sku-ppc", "Cement PPC");
    let quick = MetaMessage::quick_reply("919812345678", "PAY", "Pay now");
    let image = MetaMessage::image("919812345678", "MEDIA1", "image/png").forwarded();
    let location = MetaMessage::location("919812345678", 19.076, 72.8777);
    let reaction = MetaMessage::reaction("919812345678", "wamid.OUT1", "🙏");
    let unreaction =
        MetaMessage::reaction("919812345678", "wamid.OUT1", "").with_id("wamid.CUSTOM");
    let all = [
        text, button, list, quick, image, location, reaction, unreaction,
    ];
    let webhook = all
        .iter()
        .cloned()
        .fold(
            MetaWebhook::new(PHONE_NUMBER_ID, "+1 555-078-3881"),
            MetaWebhook::message,
        )
        .error(131000, "Something went wrong")
        .entries(2)
        .changes_per_entry(2);

    // Act
    let events = parse_webhook(&webhook.body()).unwrap();

    // Assert
    let messages: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            WebhookEvent::Message(m) => Some(m),
            _ => None,
        })
        .collect();
    let ids: Vec<_> = messages.iter().map(|m| m.id().as_str()).collect();
    let expected: Vec<_> = all.iter().map(MetaMessage::id).collect();
    assert_eq!(ids, expected);
    assert_eq!(ids[7], "wamid.CUSTOM");
    assert!(matches!(
        events.last(),
        Some(WebhookEvent::ProviderError(_))
    ));
    assert_eq!(messages[0].profile_name(), Some("Ravi"));
    assert_eq!(messages[0].timestamp(), Some(at(1_749_416_383)));
    assert_eq!(messages[0].key().customer(), &phone("+919812345678"));
    assert_eq!(messages[0].key().business(), &phone("+15550783881"));
    assert_eq!(messages[1].choice_id(), Some("confirm"));
    assert_eq!(messages[1].reply_to(), Some(&MessageId::new("wamid.OUT1")));
    // Same sender, same change: Ravi's contact names this message too.
    assert_eq!(messages[1].profile_name(), Some("Ravi"));
    // Another change carries no contact for the sender.
    assert_eq!(messages[2].profile_name(), None);
    assert_eq!(messages[2].choice_id(), Some("sku-ppc"));
    assert_eq!(messages[3].choice_id(), Some("PAY"));
    assert!(messages[4].forwarded());
    assert!(
        matches!(messages[4].content(), Content::Media { items, .. } if items[0].id.as_deref() == Some("MEDIA1"))
    );
    assert!(matches!(messages[5].content(), Content::Location(l) if l.latitude == 19.076));
    assert!(matches!(messages[6].content(), Content::Reaction { emoji: Some(e), .. } if e == "🙏"));
    assert!(matches!(
        messages[7].content(),
        Content::Reaction { emoji: None, .. }
    ));
}

#[test]
fn the_test_kit_signs_requests_and_handshakes() {
    let webhook = MetaWebhook::new(PHONE_NUMBER_ID, "15550783881")
        .message(MetaMessage::text(CUSTOMER, "olá/ça va"));
    let body = webhook.body();
    assert!(body.is_ascii());
    assert!(
        String::from_utf8(body.clone())
            .unwrap()
            .contains(r"ol\u00e1\/\u00e7a va")
    );

    let request = webhook.signed_request(b"secret", "/webhooks/meta");
    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri(), "/webhooks/meta");
    assert_eq!(
        request.headers()[http::header::CONTENT_TYPE],
        "application/json"
    );
    let signature = request.headers()[SIGNATURE_HEADER].to_str().unwrap();
    assert_eq!(signature, webhook.signature(b"secret"));
    assert_eq!(verify_signature(b"secret", &body, Some(signature)), Ok(()));
    assert_eq!(
        verify_signature(b"wrong", &body, Some(signature)),
        Err(SignatureError::Mismatch)
    );

    let handshake = verification_request("/webhooks/meta", "my token&more", "1158201444");
    assert_eq!(handshake.method(), http::Method::GET);
    assert_eq!(handshake.uri().path(), "/webhooks/meta");
    let query = handshake.uri().query().unwrap();
    assert_eq!(
        verify_subscription(query, "my token&more").unwrap(),
        "1158201444"
    );
}

// ---------------------------------------------------------------- handshake

#[test]
fn the_handshake_echoes_the_challenge_only_for_the_right_token() {
    let good = "hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock";
    assert_eq!(
        verify_subscription(good, "meatyhamhock").unwrap(),
        "1158201444"
    );

    let wrong = verify_subscription(good, "other").unwrap_err();
    assert_eq!(wrong, SubscriptionError::TokenMismatch);
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);

    for (query, param) in [
        ("hub.challenge=1&hub.verify_token=t", "hub.mode"),
        ("hub.mode=subscribe&hub.verify_token=t", "hub.challenge"),
        ("hub.mode=subscribe&hub.challenge=1", "hub.verify_token"),
        ("", "hub.mode"),
    ] {
        let err = verify_subscription(query, "t").unwrap_err();
        assert_eq!(err, SubscriptionError::MissingParam(param), "{query}");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST);
    }
    let mode = verify_subscription(
        "hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=t",
        "t",
    )
    .unwrap_err();
    assert!(matches!(mode, SubscriptionError::WrongMode(_)));
    assert_eq!(mode.status(), StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------- outbound

fn customer() -> PhoneNumber {
    phone("+919812345678")
}

fn one(reply: &Reply) -> Value {
    let requests = render(reply, &customer()).unwrap();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let json = requests[0].json().clone();
    // The bytes are the same JSON.
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[0].to_vec()).unwrap(),
        json
    );
    json
}

#[test]
fn renders_text() {
    let mut reply = framework::reply::TextReply {
        body: "See https://shop.test/o/42".to_owned(),
        preview_url: true,
    };
    assert_eq!(
        one(&reply.clone().into()),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919812345678",
            "type": "text",
            "text": { "body": "See https://shop.test/o/42", "preview_url": true },
        })
    );
    reply.preview_url = false;
    assert_eq!(one(&reply.into())["text"]["preview_url"], false);
}

#[test]
fn long_text_is_split_at_4096_characters_never_truncated() {
    // Arrange: 3 × 4096 characters plus some, multi-byte, with line breaks.
    let line = "सीमेंट x 100 बोरी ₹380 प्रति बोरी — ok\n";
    let long = line.repeat(limits::TEXT_BODY * 3 / line.chars().count() + 7);

    // Act
    let requests = render(&Reply::text(long.clone()), &customer()).unwrap();

    // Assert
    assert!(requests.len() >= 4, "{}", requests.len());
    let mut joined = String::new();
    for r in &requests {
        let body = r.json()["text"]["body"].as_str().unwrap();
        assert!(body.chars().count() <= limits::TEXT_BODY);
        assert_eq!(r.json()["to"], "+919812345678");
        joined.push_str(body);
    }
    assert_eq!(joined, long);

    // Exactly 4096 is one message.
    assert_eq!(
        render(&Reply::text("a".repeat(4096)), &customer())
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        render(&Reply::text("a".repeat(4097)), &customer())
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn renders_media_by_link() {
    let image = MediaReply::new(MediaKind::Image, "https://cdn.test/cement.jpg")
        .unwrap()
        .with_caption("PPC 50 kg")
        .unwrap();
    assert_eq!(
        one(&image.into()),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919812345678",
            "type": "image",
            "image": { "link": "https://cdn.test/cement.jpg", "caption": "PPC 50 kg" },
        })
    );
    let invoice = MediaReply::document("https://cdn.test/inv-42.pdf", "Invoice 42.pdf")
        .unwrap()
        .with_caption("Your invoice")
        .unwrap();
    assert_eq!(
        one(&invoice.into())["document"],
        json!({ "link": "https://cdn.test/inv-42.pdf", "caption": "Your invoice", "filename": "Invoice 42.pdf" })
    );
    let voice = MediaReply::new(MediaKind::Audio, "https://cdn.test/a.ogg").unwrap();
    assert_eq!(
        one(&voice.into())["audio"],
        json!({ "link": "https://cdn.test/a.ogg" })
    );
}

#[test]
fn renders_reply_buttons() {
    let buttons = Buttons::builder("Cement x 100: ₹38,000. Confirm?")
        .header("Order summary")
        .footer("Prices incl. GST")
        .button("confirm", "Confirm")
        .button("cancel", "Cancel")
        .build()
        .unwrap();
    assert_eq!(
        one(&buttons.into()),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919812345678",
            "type": "interactive",
            "interactive": {
                "type": "button",
                "header": { "type": "text", "text": "Order summary" },
                "body": { "text": "Cement x 100: ₹38,000. Confirm?" },
                "footer": { "text": "Prices incl. GST" },
                "action": { "buttons": [
                    { "type": "reply", "reply": { "id": "confirm", "title": "Confirm" } },
                    { "type": "reply", "reply": { "id": "cancel", "title": "Cancel" } },
                ] },
            },
        })
    );
    // Without header and footer, the keys are absent (not null).
    let bare = Buttons::builder("Ok?").button("y", "Yes").build().unwrap();
    let json = one(&bare.into());
    assert!(json["interactive"].get("header").is_none());
    assert!(json["interactive"].get("footer").is_none());
}

#[test]
fn renders_lists() {
    let list = List::builder("Which cement did you mean?", "Choose")
        .header("Cement")
        .footer("Tap to pick")
        .section(
            "PPC",
            [Row::new("sku-ppc", "Cement PPC 50kg").with_description("₹380 per bag")],
        )
        .section("OPC", [Row::new("sku-opc", "Cement OPC 53")])
        .build()
        .unwrap();
    assert_eq!(
        one(&list.into()),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919812345678",
            "type": "interactive",
            "interactive": {
                "type": "list",
                "header": { "type": "text", "text": "Cement" },
                "body": { "text": "Which cement did you mean?" },
                "footer": { "text": "Tap to pick" },
                "action": {
                    "button": "Choose",
                    "sections": [
                        { "title": "PPC", "rows": [{ "id": "sku-ppc", "title": "Cement PPC 50kg", "description": "₹380 per bag" }] },
                        { "title": "OPC", "rows": [{ "id": "sku-opc", "title": "Cement OPC 53" }] },
                    ],
                },
            },
        })
    );
    let single = List::builder("Pick", "Open")
        .rows([Row::new("a", "A")])
        .build()
        .unwrap();
    assert_eq!(
        one(&single.into())["interactive"]["action"]["sections"],
        json!([{ "rows": [{ "id": "a", "title": "A" }] }])
    );
}

#[test]
fn renders_templates() {
    let mut template = Template::new("order_update", "en_US")
        .with_header(TemplateHeader::Image {
            url: "https://cdn.test/banner.png".to_owned(),
        })
        .param("Ana")
        .named_param("order_id", "#42")
        .quick_reply(0, "PAY");
    template.buttons.push(TemplateButton::Url {
        index: 1,
        suffix: "o/42".to_owned(),
    });
    assert_eq!(
        one(&template.into()),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919812345678",
            "type": "template",
            "template": {
                "name": "order_update",
                "language": { "code": "en_US" },
                "components": [
                    { "type": "header", "parameters": [{ "type": "image", "image": { "link": "https://cdn.test/banner.png" } }] },
                    { "type": "body", "parameters": [
                        { "type": "text", "text": "Ana" },
                        { "type": "text", "parameter_name": "order_id", "text": "#42" },
                    ] },
                    { "type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [{ "type": "payload", "payload": "PAY" }] },
                    { "type": "button", "sub_type": "url", "index": "1", "parameters": [{ "type": "text", "text": "o/42" }] },
                ],
            },
        })
    );

    let headers = [
        (
            TemplateHeader::Text("Hi".to_owned()),
            json!({ "type": "text", "text": "Hi" }),
        ),
        (
            TemplateHeader::Video {
                url: "https://cdn.test/v.mp4".to_owned(),
            },
            json!({ "type": "video", "video": { "link": "https://cdn.test/v.mp4" } }),
        ),
        (
            TemplateHeader::Document {
                url: "https://cdn.test/i.pdf".to_owned(),
                filename: "i.pdf".to_owned(),
            },
            json!({ "type": "document", "document": { "link": "https://cdn.test/i.pdf", "filename": "i.pdf" } }),
        ),
    ];
    for (header, expected) in headers {
        let t = Template::new("t", "es").with_header(header);
        assert_eq!(
            one(&t.into())["template"]["components"][0]["parameters"][0],
            expected
        );
    }
    // No parameters: no components key.
    assert_eq!(
        one(&Template::new("hello_world", "en_US").into())["template"],
        json!({ "name": "hello_world", "language": { "code": "en_US" } })
    );
}

#[test]
fn renders_reactions_and_mark_read() {
    assert_eq!(
        one(&Reply::reaction(MessageId::new("wamid.IN"), "👍")),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": "+919812345678",
            "type": "reaction",
            "reaction": { "message_id": "wamid.IN", "emoji": "👍" },
        })
    );
    assert_eq!(
        one(&Reply::reaction(MessageId::new("wamid.IN"), ""))["reaction"]["emoji"],
        ""
    );
    let read = render(&Reply::mark_read(MessageId::new("wamid.IN")), &customer()).unwrap();
    assert_eq!(
        read[0].json(),
        &json!({ "messaging_product": "whatsapp", "status": "read", "message_id": "wamid.IN" })
    );
    assert_eq!(read[0].kind(), None);
}

#[test]
fn a_quoted_reply_carries_context() {
    let requests = render_with_context(
        &Reply::text("Yes, in stock."),
        &customer(),
        Some(&MessageId::new("wamid.IN")),
    )
    .unwrap();
    assert_eq!(
        requests[0].json()["context"],
        json!({ "message_id": "wamid.IN" })
    );
    assert_eq!(requests[0].kind(), Some("text"));
}

// ---------------------------------------------------------------- API responses

#[test]
fn parses_a_successful_send() {
    let body = br#"{"messaging_product":"whatsapp","contacts":[{"input":"+919812345678","wa_id":"919812345678"}],"messages":[{"id":"wamid.HBgMOTE5ODEyMzQ1Njc4FQIAERgSQzVBRkQ5"}]}"#;
    let sent = parse_send_response(200, body).unwrap();
    assert_eq!(
        sent.id.as_str(),
        "wamid.HBgMOTE5ODEyMzQ1Njc4FQIAERgSQzVBRkQ5"
    );
    assert_eq!(sent.message_status, None);

    let paced = br#"{"messaging_product":"whatsapp","contacts":[],"messages":[{"id":"wamid.T","message_status":"accepted"}]}"#;
    assert_eq!(
        parse_send_response(200, paced)
            .unwrap()
            .message_status
            .as_deref(),
        Some("accepted")
    );
    assert_eq!(
        parse_response(200, br#"{"success":true}"#),
        Ok(SendOutcome::Success)
    );
}

fn graph_error(code: i64, message: &str, details: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({ "error": {
        "message": message,
        "type": "OAuthException",
        "code": code,
        "error_data": { "messaging_product": "whatsapp", "details": details },
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    } }))
    .unwrap()
}

#[test]
fn a_closed_window_needs_a_template() {
    let err = parse_send_response(
        400,
        &graph_error(131_047, "(#131047) Re-engagement message", "Message failed to send because more than 24 hours have passed since the customer last replied to this number."),
    )
    .unwrap_err();
    assert_eq!(
        err,
        ApiError {
            http_status: 400,
            code: Some(131_047),
            subcode: None,
            kind: Some("OAuthException".to_owned()),
            message: "(#131047) Re-engagement message".to_owned(),
            details: Some("Message failed to send because more than 24 hours have passed since the customer last replied to this number.".to_owned()),
            fbtrace_id: Some("Az8or2yhqkZfEZ-_4Qn_Bam".to_owned()),
        }
    );
    assert!(err.needs_template());
    assert!(err.is_permanent());
    assert!(!err.is_retryable());
    assert!(err.to_string().contains("131047"));
}

#[test]
fn throughput_limits_are_retryable() {
    let err = parse_send_response(
        400,
        &graph_error(
            130_429,
            "(#130429) Rate limit hit",
            "Cloud API message throughput has been reached.",
        ),
    )
    .unwrap_err();
    assert!(err.is_retryable());
    assert!(!err.is_permanent());
    assert!(!err.needs_template());
    for code in [4, 80_007, 131_000, 131_016, 131_056, 131_057] {
        assert!(
            parse_send_response(400, &graph_error(code, "m", "d"))
                .unwrap_err()
                .is_retryable(),
            "{code}"
        );
    }
    for code in [100, 131_026, 131_047, 131_051, 132_001, 368] {
        assert!(
            parse_send_response(400, &graph_error(code, "m", "d"))
                .unwrap_err()
                .is_permanent(),
            "{code}"
        );
    }
}

#[test]
fn an_expired_token_is_permanent_and_says_so() {
    let body = br#"{"error":{"message":"Error validating access token: Session has expired on Friday, 21-Nov-25 10:00:00 PST.","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"AbC"}}"#;
    let err = parse_send_response(401, body).unwrap_err();
    assert_eq!(err.http_status, 401);
    assert_eq!(err.code, Some(190));
    assert_eq!(err.subcode, Some(463));
    assert_eq!(err.details, None);
    assert!(err.is_auth_error());
    assert!(err.is_permanent());
}

#[test]
fn garbage_responses_are_errors_not_panics() {
    let html = parse_send_response(502, b"<html><body>502 Bad Gateway</body></html>").unwrap_err();
    assert_eq!(html.http_status, 502);
    assert!(html.is_retryable());
    assert!(html.message.contains("502 Bad Gateway"));

    let empty_ok = parse_send_response(200, b"").unwrap_err();
    assert!(empty_ok.is_permanent());
    let weird_ok = parse_send_response(200, br#"{"messages":"nope"}"#).unwrap_err();
    assert_eq!(weird_ok.code, None);
    let too_many = parse_send_response(429, b"slow down").unwrap_err();
    assert!(too_many.is_retryable());
}

// ---------------------------------------------------------------- properties

/// Arbitrary JSON values, nested up to a few levels, with keys drawn partly from
/// the names the parser looks for so that deep paths are exercised.
fn arb_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        3 => prop::sample::select(vec![
            "object", "entry", "changes", "field", "value", "metadata", "display_phone_number",
            "phone_number_id", "contacts", "profile", "name", "wa_id", "messages", "statuses",
            "errors", "id", "from", "timestamp", "type", "text", "body", "image", "location",
            "latitude", "longitude", "interactive", "button_reply", "list_reply", "nfm_reply",
            "button", "payload", "reaction", "emoji", "message_id", "order", "product_items",
            "item_price", "quantity", "currency", "catalog_id", "system", "context", "status",
            "recipient_id", "code", "title", "error_data", "details", "unsupported", "phones",
            "emails", "formatted_name", "response_json",
        ])
        .prop_map(str::to_owned),
        1 => any::<String>(),
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        prop::sample::select(vec![
            "whatsapp_business_account",
            "messages",
            "text",
            "image",
            "interactive",
            "button_reply",
            "list_reply",
            "nfm_reply",
            "order",
            "reaction",
            "system",
            "unsupported",
            "location",
            "contacts",
            "button",
            "sent",
            "delivered",
            "read",
            "failed",
            "played",
            "16505551234",
            "1749416383",
            "12.50",
            "",
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// A customer number as Meta writes it: 7 to 15 digits, no leading zero.
fn arb_sender() -> impl Strategy<Value = String> {
    "[1-9][0-9]{6,14}"
}

/// Text that stresses escaping: anything, or heavy on quotes, backslashes,
/// slashes, control characters, emoji and combining marks.
fn arb_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[\"\\\\/\u{0}-\u{1f}\u{7f}a-zé€😀👍🏽\u{301}\u{200d}\u{fffd}\u{2028}]{0,40}",
    ]
}

#[derive(Debug, Clone)]
enum Sent {
    Text(String, String),
    Location(String, f64, f64),
}

fn arb_item() -> impl Strategy<Value = Sent> {
    prop_oneof![
        3 => (arb_sender(), arb_text()).prop_map(|(from, text)| Sent::Text(from, text)),
        1 => (arb_sender(), -90.0..=90.0_f64, -180.0..=180.0_f64)
            .prop_map(|(from, lat, lon)| Sent::Location(from, lat, lon)),
    ]
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_webhook(&bytes);
        let _ = parse_send_response(200, &bytes);
        let _ = parse_send_response(400, &bytes);
        let _ = verify_signature(b"k", &bytes, std::str::from_utf8(&bytes).ok());
        let _ = verify_subscription(&String::from_utf8_lossy(&bytes), "token");
    }

    #[test]
    fn arbitrary_json_never_panics(value in arb_json(), inner in arb_json()) {
        // The value on its own, and as each level of a real notification.
        let _ = parse_webhook(&meta_json(&value));
        let _ = parse_webhook(&notification(&inner));
        let _ = parse_webhook(&with_message(&inner));
        let _ = parse_webhook(&notification(&json!({
            "metadata": { "display_phone_number": "15550783881", "phone_number_id": "P" },
            "messages": [inner.clone(), value.clone()],
            "statuses": [inner.clone()],
            "errors": [value.clone()],
        })));
        if let Value::Object(mut fields) = inner.clone() {
            // A message with a real envelope and arbitrary type-specific parts.
            fields.insert("from".to_owned(), json!(CUSTOMER));
            fields.insert("id".to_owned(), json!("wamid.P"));
            let _ = parse_webhook(&with_message(&Value::Object(fields)));
        }
        let _ = parse_send_response(200, &meta_json(&value));
        let _ = parse_send_response(500, &meta_json(&json!({ "error": inner })));
    }

    #[test]
    fn arbitrary_bodies_of_known_types_never_panic(
        kind in prop::sample::select(vec![
            "text", "image", "video", "audio", "sticker", "document", "location", "contacts",
            "interactive", "button", "reaction", "order", "system", "unsupported",
        ]),
        body in arb_json(),
        extra in arb_json(),
        status in arb_json(),
    ) {
        let mut message = typed(kind, body);
        message["context"] = extra.clone();
        let _ = parse_webhook(&with_message(&message));
        message.as_object_mut().unwrap().remove("context");
        message["errors"] = json!([extra]);
        let _ = parse_webhook(&with_message(&message));
        let _ = parse_webhook(&notification(&json!({ "statuses": [status] })));
    }

    #[test]
    fn well_formed_batches_round_trip(
        items in prop::collection::vec(arb_item(), 1..24),
        entries in 1usize..4,
        changes in 1usize..4,
        timestamp in 0u64..=4_102_444_800,
        name in arb_text(),
        secret in prop::collection::vec(any::<u8>(), 1..64),
        flip in any::<prop::sample::Index>(),
    ) {
        // Arrange
        let messages: Vec<MetaMessage> = items
            .iter()
            .map(|item| match item {
                Sent::Text(from, text) => MetaMessage::text(from, text),
                Sent::Location(from, lat, lon) => MetaMessage::location(from, *lat, *lon),
            }
            .with_timestamp(timestamp)
            .with_profile_name(&name))
            .collect();
        let webhook = messages
            .iter()
            .cloned()
            .fold(MetaWebhook::new(PHONE_NUMBER_ID, "15550783881"), MetaWebhook::message)
            .entries(entries)
            .changes_per_entry(changes);
        let body = webhook.body();

        // Act
        let events = parse_webhook(&body).unwrap();

        // Assert: same ids, senders and contents, in order.
        prop_assert_eq!(events.len(), items.len());
        for ((event, item), sent) in events.iter().zip(&items).zip(&messages) {
            let WebhookEvent::Message(m) = event else { panic!("{event:?}") };
            prop_assert_eq!(m.id().as_str(), sent.id());
            prop_assert_eq!(m.timestamp(), Some(at(timestamp)));
            prop_assert_eq!(m.profile_name(), Some(name.as_str()).filter(|n| !n.is_empty()));
            match (item, m.content()) {
                (Sent::Text(from, text), Content::Text { body }) => {
                    prop_assert_eq!(m.key().customer().digits(), from.as_str());
                    prop_assert_eq!(body, text);
                }
                (Sent::Location(from, lat, lon), Content::Location(l)) => {
                    prop_assert_eq!(m.key().customer().digits(), from.as_str());
                    prop_assert!(close(l.latitude, *lat) && close(l.longitude, *lon), "{l:?} vs {lat},{lon}");
                }
                (item, content) => prop_assert!(false, "{item:?} parsed as {content:?}"),
            }
        }

        // The signature covers exactly these bytes: one changed byte breaks it.
        let header = sign(&secret, &body);
        prop_assert_eq!(verify_signature(&secret, &body, Some(&header)), Ok(()));
        let mut tampered = body.clone();
        let i = flip.index(tampered.len());
        tampered[i] ^= 0x01;
        prop_assert_eq!(verify_signature(&secret, &tampered, Some(&header)), Err(SignatureError::Mismatch));
    }

    #[test]
    fn status_batches_round_trip(
        statuses in prop::collection::vec(
            (prop::sample::select(vec!["sent", "delivered", "read", "played", "failed"]), arb_sender(), any::<u32>()),
            1..20,
        ),
        entries in 1usize..4,
    ) {
        let built: Vec<MetaStatus> = statuses
            .iter()
            .enumerate()
            .map(|(i, (status, to, ts))| {
                MetaStatus::new(&format!("wamid.S{i}"), status)
                    .with_recipient(to)
                    .with_timestamp(u64::from(*ts))
            })
            .collect();
        let webhook = built
            .iter()
            .cloned()
            .fold(MetaWebhook::new(PHONE_NUMBER_ID, "15550783881"), MetaWebhook::status)
            .entries(entries);
        let events = parse_webhook(&webhook.body()).unwrap();
        prop_assert_eq!(events.len(), statuses.len());
        for (i, (event, (status, to, ts))) in events.iter().zip(&statuses).enumerate() {
            let WebhookEvent::Status(s) = event else { panic!("{event:?}") };
            prop_assert_eq!(s.message_id.as_str(), format!("wamid.S{i}"));
            prop_assert_eq!(s.recipient.as_ref().map(PhoneNumber::digits), Some(to.as_str()));
            prop_assert_eq!(s.timestamp, Some(at(u64::from(*ts))));
            let expected = match *status { "played" => "read", other => other };
            prop_assert_eq!(s.status.as_str(), expected);
        }
    }
}

#[test]
fn blank_text_is_refused_before_the_send() {
    // Regression (review finding 6): Meta got {"body": ""} and refused it.
    for blank in ["", "   ", "\n\t"] {
        assert!(
            matches!(
                framework::provider::meta::render(&Reply::text(blank), &phone(CUSTOMER)),
                Err(framework::provider::RenderError::Empty { .. })
            ),
            "{blank:?}"
        );
    }
}

#[test]
fn a_change_without_metadata_still_delivers_its_statuses() {
    // Second review: a missing metadata dropped the change's statuses too.
    let body = notification(&json!({
        "messages": [typed("text", json!({ "body": "x" }))],
        "statuses": [{ "id": "wamid.OUT", "status": "delivered", "recipient_id": CUSTOMER }],
    }));
    let events = parse_webhook(&body).unwrap();
    assert!(
        matches!(events.as_slice(), [WebhookEvent::Status(_)]),
        "{events:?}"
    );
}
