//! Twilio: webhooks to `WebhookEvent`s, replies to Messages API requests, API
//! responses to `SentMessage`/`ApiError`.

use framework::provider::twilio::{
    BODY_LIMIT, MessageRequest, OutboundConfig, SIGNATURE_HEADER, compute_signature,
    parse_send_response, parse_webhook, render, verify_form,
};
use framework::provider::{RenderError, SignatureError, WebhookError};
use framework::reply::{Buttons, List, Reply, Row, Template};
use framework::testing::twilio::TwilioWebhook;
use framework::{
    Content, DeliveryFailure, DeliveryStatus, InboundMessage, Location, MediaKind, MessageId,
    PhoneNumber, Provider, StatusEvent, UnaddressableMessage, WebhookEvent,
};
use http::StatusCode;
use proptest::prelude::*;

const CUSTOMER: &str = "+919812345678";
const BUSINESS: &str = "+14155238886";

fn message(body: &[u8]) -> InboundMessage {
    match parse_webhook(body) {
        Ok(WebhookEvent::Message(m)) => m,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn status(body: &[u8]) -> StatusEvent {
    match parse_webhook(body) {
        Ok(WebhookEvent::Status(s)) => s,
        other => panic!("expected a status, got {other:?}"),
    }
}

fn phone(s: &str) -> PhoneNumber {
    PhoneNumber::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

// ---------------------------------------------------------------- inbound

#[test]
fn a_raw_whatsapp_text_webhook_verifies_and_parses() {
    // Arrange: the body as Twilio sends it (its own parameter order), and the
    // computed vector `twilio-whatsapp-inbound-computed` for the same params.
    let body = "SmsMessageSid=SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&NumMedia=0&ProfileName=Ana\
                &MessageType=text&SmsSid=SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb&WaId=5215512345678\
                &SmsStatus=received&Body=Hola%2C+%C2%BFtienen+caf%C3%A9%3F+%E2%98%95\
                &To=whatsapp%3A%2B14155238886&NumSegments=1\
                &MessageSid=SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\
                &AccountSid=ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
                &From=whatsapp%3A%2B5215512345678&ApiVersion=2010-04-01";

    // Act
    let verified = verify_form(
        "test_auth_token_0123456789abcdef",
        "https://bot.example.com/webhooks/twilio/whatsapp",
        body.as_bytes(),
        Some("B25O7UtLFszpdyZdxOPmBplqxoQ="),
    );
    let m = message(body.as_bytes());

    // Assert
    assert_eq!(verified, Ok(()));
    assert_eq!(m.provider(), Provider::Twilio);
    assert_eq!(m.id().as_str(), "SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    assert_eq!(m.key().customer().as_str(), "+5215512345678");
    assert_eq!(m.key().business().as_str(), "+14155238886");
    assert_eq!(
        m.content(),
        &Content::Text {
            body: "Hola, ¿tienen café? ☕".to_owned()
        }
    );
    assert_eq!(m.profile_name(), Some("Ana"));
    assert_eq!(m.channel_id(), None);
    assert_eq!(m.reply_to(), None);
    assert!(!m.forwarded());
    assert_eq!(m.timestamp(), None);
    assert_eq!(m.dedup_key(), "twilio:SMbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
}

#[test]
fn message_metadata_is_kept() {
    let hook = TwilioWebhook::text(CUSTOMER, BUSINESS, "see this")
        .with_profile_name("Ravi")
        .with_param("MessagingServiceSid", "MG0123456789abcdef0123456789abcdef")
        .with_param(
            "OriginalRepliedMessageSid",
            "SMfeedfacefeedfacefeedfacefeedface",
        )
        .with_param("OriginalRepliedMessageSender", "whatsapp:+14155238886")
        .with_param("Forwarded", "true");

    let m = message(hook.form_body().as_bytes());

    assert_eq!(m.id().as_str(), hook.sid());
    assert_eq!(m.profile_name(), Some("Ravi"));
    assert_eq!(m.channel_id(), Some("MG0123456789abcdef0123456789abcdef"));
    assert_eq!(
        m.reply_to(),
        Some(&MessageId::new("SMfeedfacefeedfacefeedfacefeedface"))
    );
    assert!(m.forwarded());
    let frequently =
        TwilioWebhook::text(CUSTOMER, BUSINESS, "x").with_param("FrequentlyForwarded", "true");
    assert!(message(frequently.form_body().as_bytes()).forwarded());
}

#[test]
fn media_with_two_items_and_a_caption() {
    let hook = TwilioWebhook::media(
        CUSTOMER,
        BUSINESS,
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
        "image/jpeg",
    )
    .with_param("NumMedia", "2")
    .with_param("MediaContentType1", "application/pdf")
    .with_param(
        "MediaUrl1",
        "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME2",
    )
    .with_param("Body", "site photo + quote");

    let m = message(hook.form_body().as_bytes());

    let Content::Media { items, caption } = m.content() else {
        panic!("expected media, got {:?}", m.content());
    };
    assert_eq!(caption.as_deref(), Some("site photo + quote"));
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].kind, MediaKind::Image);
    assert_eq!(items[0].mime_type.as_deref(), Some("image/jpeg"));
    assert!(items[0].url.as_deref().unwrap().ends_with("/ME1"));
    assert_eq!(items[1].kind, MediaKind::Document);
    assert!(items[1].url.as_deref().unwrap().ends_with("/ME2"));
    assert_eq!(m.text(), Some("site photo + quote"));
}

#[test]
fn media_without_caption_and_a_vcard() {
    let hook = TwilioWebhook::media(
        CUSTOMER,
        BUSINESS,
        "https://api.twilio.com/m/ME1",
        "text/vcard",
    );
    let m = message(hook.form_body().as_bytes());
    let Content::Media { items, caption } = m.content() else {
        panic!("expected media, got {:?}", m.content());
    };
    assert_eq!(caption, &None);
    assert_eq!(items[0].kind, MediaKind::Document);
    assert!(hook.sid().starts_with("MM"));
}

#[test]
fn location_with_label_and_address() {
    let hook = TwilioWebhook::location(CUSTOMER, BUSINESS, 12.9716, 77.5946)
        .with_param("Label", "Site office")
        .with_param("Address", "MG Road, Bengaluru");

    let m = message(hook.form_body().as_bytes());

    assert_eq!(
        m.content(),
        &Content::Location(Location {
            latitude: 12.9716,
            longitude: 77.5946,
            name: Some("Site office".to_owned()),
            address: Some("MG Road, Bengaluru".to_owned()),
            url: None,
        })
    );
}

#[test]
fn quick_reply_button() {
    let hook = TwilioWebhook::quick_reply(CUSTOMER, BUSINESS, "PAY_NOW", "Pay now");
    let m = message(hook.form_body().as_bytes());
    assert_eq!(
        m.content(),
        &Content::QuickReply {
            payload: "PAY_NOW".to_owned(),
            text: "Pay now".to_owned()
        }
    );
    assert_eq!(m.choice_id(), Some("PAY_NOW"));
}

#[test]
fn unknown_message_type_without_content_is_unsupported() {
    let hook = TwilioWebhook::text(CUSTOMER, BUSINESS, "")
        .with_param("MessageType", "ephemeral")
        .with_param("NumMedia", "0");
    let m = message(hook.form_body().as_bytes());
    assert!(
        matches!(m.content(), Content::Unsupported { kind, .. } if kind == "ephemeral"),
        "{:?}",
        m.content()
    );
}

#[test]
fn unknown_extra_params_are_ignored() {
    let hook = TwilioWebhook::text(CUSTOMER, BUSINESS, "from an ad")
        .with_param("ReferralBody", "50% off cement")
        .with_param("ReferralCtwaClid", "ARAkLkA8rmlFeiCktEJQ")
        .with_param("SomethingTwilioAddsNextYear", "whatever")
        .with_param("", "nameless");
    let m = message(hook.form_body().as_bytes());
    assert_eq!(m.text(), Some("from an ad"));
}

#[test]
fn external_user_id_is_kept_as_the_user_id() {
    // As captured (conformance `twilio/capture__inbound_text_externaluserid`).
    let hook = TwilioWebhook::text(CUSTOMER, BUSINESS, "Hola")
        .with_param("ExternalUserId", "whatsapp:CO.1000000000000001");
    let m = message(hook.form_body().as_bytes());
    assert_eq!(m.user_id(), Some("CO.1000000000000001"));
    assert_eq!(m.key().customer(), &phone(CUSTOMER));
    // Without the channel prefix, and absent or empty.
    let bare = TwilioWebhook::text(CUSTOMER, BUSINESS, "x").with_param("ExternalUserId", "US.42");
    assert_eq!(
        message(bare.form_body().as_bytes()).user_id(),
        Some("US.42")
    );
    for value in ["", "whatsapp:"] {
        let empty =
            TwilioWebhook::text(CUSTOMER, BUSINESS, "x").with_param("ExternalUserId", value);
        assert_eq!(
            message(empty.form_body().as_bytes()).user_id(),
            None,
            "{value:?}"
        );
    }
    let none = TwilioWebhook::text(CUSTOMER, BUSINESS, "x");
    assert_eq!(message(none.form_body().as_bytes()).user_id(), None);
}

#[test]
fn a_user_id_without_a_phone_number_is_unaddressable_not_a_400() {
    let hook = TwilioWebhook::text(CUSTOMER, BUSINESS, "Hola")
        .with_param("ExternalUserId", "whatsapp:CO.1000000000000001")
        .with_param("MessagingServiceSid", "MG00000000000000000000000000000001");
    for form in [
        hook.clone().without_param("From"),
        hook.clone()
            .with_param("From", "whatsapp:CO.1000000000000001"),
    ] {
        match parse_webhook(form.form_body().as_bytes()) {
            Ok(WebhookEvent::Unaddressable(u)) => assert_eq!(
                u,
                UnaddressableMessage {
                    provider: Provider::Twilio,
                    message_id: MessageId::new(hook.sid()),
                    user_id: Some("CO.1000000000000001".to_owned()),
                    kind: "text".to_owned(),
                    channel_id: Some("MG00000000000000000000000000000001".to_owned()),
                }
            ),
            other => panic!("{other:?}"),
        }
    }
}

// ---------------------------------------------------------------- status callbacks

#[test]
fn status_callbacks_map_to_delivery_statuses() {
    let cases = [
        ("queued", DeliveryStatus::Queued),
        ("accepted", DeliveryStatus::Queued),
        ("scheduled", DeliveryStatus::Queued),
        ("sending", DeliveryStatus::Queued),
        ("sent", DeliveryStatus::Sent),
        ("delivered", DeliveryStatus::Delivered),
        ("read", DeliveryStatus::Read),
        ("partially_delivered", DeliveryStatus::Sent),
        ("receiving", DeliveryStatus::Queued),
        ("received", DeliveryStatus::Queued),
        (
            "canceled",
            DeliveryStatus::Failed(DeliveryFailure::default()),
        ),
    ];
    for (twilio_status, expected) in cases {
        let hook = TwilioWebhook::status("SM00000000000000000000000000000001", twilio_status, None);
        let s = status(hook.form_body().as_bytes());
        assert_eq!(s.status, expected, "{twilio_status}");
        assert_eq!(s.provider, Provider::Twilio);
        assert_eq!(s.message_id.as_str(), "SM00000000000000000000000000000001");
        assert_eq!(s.recipient, Some(phone(CUSTOMER)));
    }
}

#[test]
fn a_failed_status_carries_the_error_code() {
    // Outside the 24-hour window: Twilio error 63016.
    let hook = TwilioWebhook::status(
        "SMcccccccccccccccccccccccccccccccc",
        "failed",
        Some("63016"),
    );

    let s = status(hook.form_body().as_bytes());

    assert_eq!(
        s.status,
        DeliveryStatus::Failed(DeliveryFailure {
            code: Some("63016".to_owned()),
            message: None,
        })
    );
    assert!(s.status.is_terminal());

    let undelivered = TwilioWebhook::status("SM2", "undelivered", Some("63024"))
        .with_param("ChannelStatusMessage", "Invalid message recipient");
    assert_eq!(
        status(undelivered.form_body().as_bytes()).status,
        DeliveryStatus::Failed(DeliveryFailure {
            code: Some("63024".to_owned()),
            message: Some("Invalid message recipient".to_owned()),
        })
    );
    let with_message = undelivered.with_param("ErrorMessage", "Recipient invalid");
    assert_eq!(
        status(with_message.form_body().as_bytes()).status,
        DeliveryStatus::Failed(DeliveryFailure {
            code: Some("63024".to_owned()),
            message: Some("Recipient invalid".to_owned()),
        })
    );
}

#[test]
fn the_computed_status_callback_vector_verifies_and_parses() {
    let params: Vec<(String, String)> = [
        ("AccountSid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
        ("ApiVersion", "2010-04-01"),
        ("ChannelPrefix", "whatsapp"),
        ("ErrorCode", "63016"),
        ("From", "whatsapp:+14155238886"),
        ("MessageSid", "SMcccccccccccccccccccccccccccccccc"),
        ("MessageStatus", "failed"),
        ("SmsSid", "SMcccccccccccccccccccccccccccccccc"),
        ("SmsStatus", "failed"),
        ("To", "whatsapp:+5215512345678"),
    ]
    .map(|(n, v)| (n.to_owned(), v.to_owned()))
    .to_vec();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    assert_eq!(
        verify_form(
            "test_auth_token_0123456789abcdef",
            "https://bot.example.com/webhooks/twilio/status?tenant=acme",
            body.as_bytes(),
            Some("g1qjJ/rSE+gy/iHMcMcW1c1lOX8="),
        ),
        Ok(())
    );
    let s = status(body.as_bytes());
    assert_eq!(s.recipient, Some(phone("+5215512345678")));
    assert_eq!(s.status.as_str(), "failed");
}

#[test]
fn a_status_callback_needs_only_its_sid() {
    let hook = TwilioWebhook::status("SM1", "delivered", None)
        .without_param("To")
        .without_param("From");
    assert_eq!(status(hook.form_body().as_bytes()).recipient, None);
    let no_sid = TwilioWebhook::status("SM1", "delivered", None).without_param("MessageSid");
    assert!(matches!(
        parse_webhook(no_sid.form_body().as_bytes()),
        Err(WebhookError::MissingField(f)) if f == "MessageSid"
    ));
}

// ---------------------------------------------------------------- bad input

#[test]
fn bad_bodies_are_400s_with_a_reason() {
    let cases: Vec<(&str, Vec<u8>, fn(&WebhookError) -> bool)> = vec![
        ("empty", Vec::new(), |e| {
            matches!(e, WebhookError::EmptyBody)
        }),
        ("not UTF-8", b"Body=caf\xe9&MessageSid=SM1".to_vec(), |e| {
            matches!(e, WebhookError::NotUtf8 { offset: 8 })
        }),
        (
            "JSON",
            br#"{"MessageSid":"SM1","From":"whatsapp:+14155238886"}"#.to_vec(),
            |e| matches!(e, WebhookError::MissingField(f) if f == "MessageSid"),
        ),
        (
            "missing MessageSid",
            TwilioWebhook::text(CUSTOMER, BUSINESS, "x")
                .without_param("MessageSid")
                .form_body()
                .into_bytes(),
            |e| matches!(e, WebhookError::MissingField(f) if f == "MessageSid"),
        ),
        (
            "missing From",
            TwilioWebhook::text(CUSTOMER, BUSINESS, "x")
                .without_param("From")
                .form_body()
                .into_bytes(),
            |e| matches!(e, WebhookError::MissingField(f) if f == "From"),
        ),
        (
            "missing To",
            TwilioWebhook::text(CUSTOMER, BUSINESS, "x")
                .without_param("To")
                .form_body()
                .into_bytes(),
            |e| matches!(e, WebhookError::MissingField(f) if f == "To"),
        ),
        (
            "From not a number",
            TwilioWebhook::text("whatsapp:+1415abc5555", BUSINESS, "x")
                .form_body()
                .into_bytes(),
            |e| matches!(e, WebhookError::InvalidField { field, .. } if field == "From"),
        ),
        (
            "NumMedia not a number",
            TwilioWebhook::text(CUSTOMER, BUSINESS, "x")
                .with_param("NumMedia", "two")
                .form_body()
                .into_bytes(),
            |e| matches!(e, WebhookError::InvalidField { field, .. } if field == "NumMedia"),
        ),
        (
            "NumMedia larger than the body",
            TwilioWebhook::text(CUSTOMER, BUSINESS, "x")
                .with_param("NumMedia", "1000000")
                .form_body()
                .into_bytes(),
            |e| matches!(e, WebhookError::InvalidField { field, .. } if field == "NumMedia"),
        ),
    ];
    for (name, body, expected) in cases {
        let err = parse_webhook(&body).expect_err(name);
        assert!(expected(&err), "{name}: {err:?}");
        assert_eq!(err.status(), StatusCode::BAD_REQUEST, "{name}");
    }
}

#[test]
fn a_bad_signature_is_a_403() {
    let hook = TwilioWebhook::text(CUSTOMER, BUSINESS, "x");
    let url = "https://bot.example.com/webhooks/twilio";
    let err = verify_form(
        "token",
        url,
        hook.form_body().as_bytes(),
        Some(&hook.signature("other", url)),
    )
    .unwrap_err();
    assert_eq!(err, SignatureError::Mismatch);
    assert_eq!(WebhookError::from(err).status(), StatusCode::FORBIDDEN);
    let missing = verify_form("token", url, hook.form_body().as_bytes(), None).unwrap_err();
    assert_eq!(missing, SignatureError::Missing(SIGNATURE_HEADER));
}

#[tokio::test]
async fn signed_requests_look_like_twilios() {
    let hook = TwilioWebhook::text(CUSTOMER, BUSINESS, "hi & bye");
    let url = "https://bot.example.com/webhooks/twilio?tenant=acme";

    let request = hook.signed_request("token", url);

    assert_eq!(request.method(), http::Method::POST);
    assert_eq!(request.uri(), "/webhooks/twilio?tenant=acme");
    assert_eq!(request.headers()["host"], "bot.example.com");
    assert_eq!(
        request.headers()["content-type"],
        "application/x-www-form-urlencoded"
    );
    let signature = request.headers()[SIGNATURE_HEADER]
        .to_str()
        .unwrap()
        .to_owned();
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(verify_form("token", url, &body, Some(&signature)), Ok(()));
    assert_eq!(message(&body).text(), Some("hi & bye"));
}

// ---------------------------------------------------------------- rendering

fn config() -> OutboundConfig {
    OutboundConfig::new(phone(BUSINESS))
        .with_status_callback("https://bot.example.com/webhooks/twilio")
}

fn bodies(requests: &[MessageRequest]) -> Vec<&str> {
    requests
        .iter()
        .map(|r| r.get("Body").unwrap_or_else(|| panic!("no Body in {r:?}")))
        .collect()
}

#[test]
fn long_text_is_split_at_1600_characters_and_nothing_is_lost() {
    // Arrange: multi-byte characters, so bytes and characters differ.
    let text = "Cement PPC 50kg × 100 bags at ₹380 each.\n".repeat(120);
    assert!(text.chars().count() > 3 * BODY_LIMIT);

    // Act
    let requests = render(&Reply::text(text.clone()), &phone(CUSTOMER), &config()).unwrap();

    // Assert
    assert_eq!(requests.len(), 4);
    for r in &requests {
        assert!(r.get("Body").unwrap().chars().count() <= BODY_LIMIT);
        assert_eq!(r.get("To"), Some("whatsapp:+919812345678"));
        assert_eq!(r.get("From"), Some("whatsapp:+14155238886"));
        assert_eq!(
            r.get("StatusCallback"),
            Some("https://bot.example.com/webhooks/twilio")
        );
    }
    assert_eq!(bodies(&requests).concat(), text);

    let exactly = "x".repeat(BODY_LIMIT);
    let one = render(&Reply::text(exactly.clone()), &phone(CUSTOMER), &config()).unwrap();
    assert_eq!(bodies(&one), [exactly.as_str()]);
    let over = "x".repeat(BODY_LIMIT + 1);
    let two = render(&Reply::text(over.clone()), &phone(CUSTOMER), &config()).unwrap();
    assert_eq!(
        bodies(&two)
            .iter()
            .map(|b| b.chars().count())
            .collect::<Vec<_>>(),
        [BODY_LIMIT, 1]
    );
    assert_eq!(bodies(&two).concat(), over);
}

#[test]
fn buttons_render_as_a_numbered_menu() {
    let reply = Reply::from(
        Buttons::builder("Cement x 100: ₹38,000. Confirm?")
            .button("confirm", "Confirm")
            .button("change", "Change")
            .button("cancel", "Cancel")
            .build()
            .unwrap(),
    );

    let requests = render(&reply, &phone(CUSTOMER), &config()).unwrap();

    assert_eq!(
        bodies(&requests),
        ["Cement x 100: ₹38,000. Confirm?\n\n1. Confirm\n2. Change\n3. Cancel"]
    );
    let options = framework::menu::last_menu(std::slice::from_ref(&reply)).unwrap();
    assert_eq!(
        framework::menu::pick(&options, "3", true).map(|o| o.id.as_str()),
        Some("cancel")
    );
    assert_eq!(
        framework::menu::pick(&options, " change", true).map(|o| o.id.as_str()),
        Some("change")
    );
}

#[test]
fn a_single_section_list_renders_without_a_heading() {
    let reply = Reply::from(
        List::builder("Which cement did you mean?", "Choose")
            .rows([
                Row::new("sku-ppc", "Cement PPC 50kg"),
                Row::new("sku-opc", "Cement OPC 53"),
            ])
            .build()
            .unwrap(),
    );
    let requests = render(&reply, &phone(CUSTOMER), &config()).unwrap();
    assert_eq!(
        bodies(&requests),
        ["Which cement did you mean?\n\n1. Cement PPC 50kg\n2. Cement OPC 53"]
    );
    let options = framework::menu::last_menu(std::slice::from_ref(&reply)).unwrap();
    assert_eq!(
        framework::menu::pick(&options, "2", true).map(|o| o.id.as_str()),
        Some("sku-opc")
    );
}

#[test]
fn templates_send_content_sid_and_variables() {
    let config = config().with_template("order_update", "HXb5b62575e6e4ff6129ad7c8efe1f983e");
    let reply = Reply::from(
        Template::new("order_update", "en_US")
            .param("Ana")
            .param("#1234"),
    );

    let requests = render(&reply, &phone(CUSTOMER), &config).unwrap();

    assert_eq!(requests.len(), 1);
    let fields: Vec<(&str, &str)> = requests[0]
        .fields()
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    assert_eq!(
        fields,
        [
            ("To", "whatsapp:+919812345678"),
            ("From", "whatsapp:+14155238886"),
            ("ContentSid", "HXb5b62575e6e4ff6129ad7c8efe1f983e"),
            ("ContentVariables", r##"{"1":"Ana","2":"#1234"}"##),
            ("StatusCallback", "https://bot.example.com/webhooks/twilio"),
        ]
    );
    let named = Reply::from(
        Template::new("order_update", "en_US").named_param("customer_name", "Ana \"A\""),
    );
    let r = &render(&named, &phone(CUSTOMER), &config).unwrap()[0];
    assert_eq!(
        r.get("ContentVariables"),
        Some(r#"{"customer_name":"Ana \"A\""}"#)
    );
    assert_eq!(
        render(
            &Reply::from(Template::new("unknown", "en")),
            &phone(CUSTOMER),
            &config
        ),
        Err(RenderError::MissingContentSid {
            name: "unknown".to_owned()
        })
    );
}

#[test]
fn reactions_and_read_receipts_are_unsupported() {
    let id = MessageId::new("SM1");
    for (reply, kind) in [
        (Reply::reaction(id.clone(), "👍"), "reaction"),
        (Reply::mark_read(id), "mark_read"),
    ] {
        assert_eq!(
            render(&reply, &phone(CUSTOMER), &config()),
            Err(RenderError::Unsupported {
                provider: Provider::Twilio,
                kind
            })
        );
    }
}

#[test]
fn requests_encode_as_forms() {
    let r = &render(
        &Reply::text("a&b=c+d%"),
        &phone(CUSTOMER),
        &OutboundConfig::messaging_service("MG1"),
    )
    .unwrap()[0];
    assert_eq!(
        r.encode(),
        "To=whatsapp%3A%2B919812345678&MessagingServiceSid=MG1&Body=a%26b%3Dc%2Bd%25"
    );
    assert_eq!(
        MessageRequest::path("AC1"),
        "/2010-04-01/Accounts/AC1/Messages.json"
    );
}

// ---------------------------------------------------------------- API responses

#[test]
fn a_201_gives_the_message_sid() {
    let body = br#"{"account_sid":"AC5ef8732a3c49700934481addd5ce1659","api_version":"2010-04-01",
        "body":"100 bags: \u20b938,000","date_created":"Thu, 24 Aug 2023 05:01:45 +0000",
        "date_sent":null,"date_updated":"Thu, 24 Aug 2023 05:01:45 +0000","direction":"outbound-api",
        "error_code":null,"error_message":null,"from":"whatsapp:+14155238886",
        "messaging_service_sid":null,"num_media":"0","num_segments":"1","price":null,
        "price_unit":null,"sid":"SM3a7c8f9e2b1d4c6a8e0f2b4d6c8a0e2f","status":"queued",
        "subresource_uris":{"media":"/2010-04-01/Accounts/AC5ef8732a3c49700934481addd5ce1659/Messages/SM3a7c8f9e2b1d4c6a8e0f2b4d6c8a0e2f/Media.json"},
        "to":"whatsapp:+919812345678","uri":"/2010-04-01/Accounts/AC5ef8732a3c49700934481addd5ce1659/Messages/SM3a7c8f9e2b1d4c6a8e0f2b4d6c8a0e2f.json"}"#;

    let sent = parse_send_response(201, body).unwrap();

    assert_eq!(
        sent.sid,
        MessageId::new("SM3a7c8f9e2b1d4c6a8e0f2b4d6c8a0e2f")
    );
    assert_eq!(sent.status, "queued");
}

#[test]
fn a_400_invalid_to_is_permanent() {
    let body = br#"{"code": 21211, "message": "The 'To' number whatsapp:+91000 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;

    let err = parse_send_response(400, body).unwrap_err();

    assert_eq!(err.http_status, 400);
    assert_eq!(err.code, Some(21211));
    assert_eq!(
        err.message,
        "The 'To' number whatsapp:+91000 is not a valid phone number."
    );
    assert_eq!(
        err.more_info.as_deref(),
        Some("https://www.twilio.com/docs/errors/21211")
    );
    assert!(err.is_permanent());
    assert!(!err.is_retryable());
    assert!(!err.needs_template());
}

#[test]
fn a_429_too_many_requests_is_retryable() {
    let body = br#"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#;
    let err = parse_send_response(429, body).unwrap_err();
    assert_eq!(err.code, Some(20429));
    assert!(err.is_retryable());
    assert!(err.is_rate_limited());
    assert!(!err.is_permanent());
}

#[test]
fn a_500_with_an_html_body_is_retryable() {
    let body =
        b"<html><head><title>500 Internal Server Error</title></head><body>oops</body></html>";
    let err = parse_send_response(500, body).unwrap_err();
    assert_eq!(err.http_status, 500);
    assert_eq!(err.code, None);
    assert!(err.message.starts_with("<html>"));
    assert!(err.is_retryable());
}

#[test]
fn outside_the_window_asks_for_a_template() {
    let body = br#"{"code": 63016, "message": "Failed to send freeform message because you are outside the allowed window.", "more_info": "https://www.twilio.com/docs/errors/63016", "status": 400}"#;
    let err = parse_send_response(400, body).unwrap_err();
    assert!(err.needs_template());
    assert!(err.is_permanent());
    let throughput =
        parse_send_response(400, br#"{"code":63018,"message":"Rate limit exceeded"}"#).unwrap_err();
    assert!(throughput.is_retryable());
}

// ---------------------------------------------------------------- properties

fn phone_number() -> impl Strategy<Value = String> {
    "[1-9][0-9]{6,14}".prop_map(|digits| format!("+{digits}"))
}

/// Text with the characters that matter to form encoding mixed into Unicode.
fn message_body() -> impl Strategy<Value = String> {
    "(\\PC|[&=+%\n\r\t ;#?]){1,300}"
}

/// Form fields the parser looks at, with hostile values.
fn fuzzed_form() -> impl Strategy<Value = String> {
    let names = prop::sample::select(vec![
        "MessageSid",
        "From",
        "To",
        "Body",
        "NumMedia",
        "MediaUrl0",
        "MediaContentType0",
        "MediaUrl1",
        "Latitude",
        "Longitude",
        "ButtonPayload",
        "ButtonText",
        "ListId",
        "MessageStatus",
        "ErrorCode",
        "MessageType",
        "Forwarded",
        "ProfileName",
        "Label",
    ]);
    let values = prop_oneof![
        "\\PC{0,12}",
        "[0-9]{1,25}",
        "-?[0-9]{1,4}\\.[0-9]{0,6}",
        "whatsapp:\\+[0-9]{0,17}",
        Just("NaN".to_owned()),
        Just("failed".to_owned()),
        Just("received".to_owned()),
    ];
    prop::collection::vec((names, values), 0..16).prop_map(|pairs| {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
    })
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_webhook(&body);
    }

    #[test]
    fn arbitrary_forms_never_panic(body in fuzzed_form()) {
        let _ = parse_webhook(body.as_bytes());
    }

    #[test]
    fn well_formed_webhooks_round_trip(
        from in phone_number(),
        to in phone_number(),
        body in message_body(),
    ) {
        let hook = TwilioWebhook::text(&from, &to, &body);

        let event = parse_webhook(hook.form_body().as_bytes());

        let Ok(WebhookEvent::Message(m)) = event else {
            return Err(TestCaseError::fail(format!("{event:?}")));
        };
        prop_assert_eq!(m.content(), &Content::Text { body });
        prop_assert_eq!(m.key().customer().as_str(), from.as_str());
        prop_assert_eq!(m.key().business().as_str(), to.as_str());
        prop_assert_eq!(m.id().as_str(), hook.sid());
    }

    #[test]
    fn signatures_bind_the_decoded_params(
        from in phone_number(),
        body in message_body(),
        token in "[A-Za-z0-9]{1,40}",
        flip_at in any::<prop::sample::Index>(),
        flip_mask in 1u8..=255,
    ) {
        let hook = TwilioWebhook::text(&from, "+14155238886", &body);
        let url = "https://bot.example.com/webhooks/twilio?tenant=acme";
        let signature = compute_signature(&token, url, hook.params());
        let form = hook.form_body().into_bytes();
        prop_assert_eq!(verify_form(&token, url, &form, Some(&signature)), Ok(()));

        let mut tampered = form.clone();
        tampered[flip_at.index(form.len())] ^= flip_mask;
        // Some flips re-encode the same params ('+' and ' ' both decode to a
        // space, "%2B" and "%2b" are the same byte); only a change to the
        // decoded params must break the signature.
        let decoded = |b: &[u8]| -> Vec<(String, String)> {
            form_urlencoded::parse(b).into_owned().collect()
        };
        prop_assume!(decoded(&tampered) != decoded(&form));
        prop_assert_eq!(
            verify_form(&token, url, &tampered, Some(&signature)),
            Err(SignatureError::Mismatch)
        );
    }
}

#[test]
fn blank_text_is_refused_before_the_send() {
    for blank in ["", "   ", "\n\t"] {
        assert!(
            matches!(
                render(&Reply::text(blank), &phone(CUSTOMER), &config()),
                Err(framework::provider::RenderError::Empty { .. })
            ),
            "{blank:?}"
        );
    }
}
