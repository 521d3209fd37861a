use framework::PhoneNumber;
use framework::reply::{Buttons, MediaReply, Reply, Template, TemplateHeader};

use super::*;

fn to() -> PhoneNumber {
    PhoneNumber::parse("+919812345678").unwrap()
}

#[test]
fn summaries_name_the_text_or_the_kind() {
    let config = twilio::OutboundConfig::new(PhoneNumber::parse("+14155238886").unwrap())
        .with_template("order_update", "HXabc");
    let t = |reply: Reply| {
        OutboundRequest::from_twilio(&twilio::render(&reply, &to(), &config).unwrap()[0]).summary()
    };
    assert_eq!(t(Reply::text("hello")), "hello");
    assert_eq!(
        t(Reply::from(Template::new("order_update", "en"))),
        "template HXabc"
    );
    let long = "é".repeat(200);
    assert_eq!(t(Reply::text(long)), format!("{}…", "é".repeat(80)));

    let m = |reply: Reply| {
        OutboundRequest::from_meta("1", &meta::render(&reply, &to()).unwrap()[0]).summary()
    };
    assert_eq!(m(Reply::text("hi there")), "hi there");
    let buttons = Buttons::builder("Confirm?")
        .button("y", "Yes")
        .build()
        .unwrap();
    assert_eq!(m(Reply::from(buttons)), "Confirm?");
    assert_eq!(
        m(Reply::from(Template::new("order_update", "en"))),
        "template order_update"
    );
    assert_eq!(
        m(Reply::MarkRead {
            message_id: framework::MessageId::new("wamid.X")
        }),
        "read receipt"
    );
}

/// The dry run logs each request's summary: a signed document link (valid
/// for days) is never part of it, whatever the reply.
#[test]
fn summaries_never_carry_a_documents_link() {
    let link = "https://bot.example.com/invoices/INV-00001.pdf?expires=1795329000&signature=9f86d0";
    let config = twilio::OutboundConfig::new(PhoneNumber::parse("+14155238886").unwrap())
        .with_template("invoice_ready", "HXinvoice");
    let document = || MediaReply::document(link, "INV-00001.pdf").unwrap();
    let replies = [
        Reply::Media(document()),
        Reply::Media(document().with_caption("Invoice INV-00001").unwrap()),
        Reply::from(
            Template::new("invoice_ready", "en")
                .param("INV-00001")
                .param(link),
        ),
        Reply::from(
            Template::new("invoice_ready", "en").with_header(TemplateHeader::Document {
                url: link.to_owned(),
                filename: "INV-00001.pdf".to_owned(),
            }),
        ),
    ];
    for reply in replies {
        let mut summaries = Vec::new();
        if let Ok(requests) = twilio::render(&reply, &to(), &config) {
            summaries.push(OutboundRequest::from_twilio(&requests[0]).summary());
        }
        summaries.push(
            OutboundRequest::from_meta("1", &meta::render(&reply, &to()).unwrap()[0]).summary(),
        );
        for summary in summaries {
            assert!(!summary.contains("signature"), "{reply:?}: {summary}");
        }
    }
}

#[test]
fn the_provider_follows_the_variant() {
    let t = OutboundRequest::Twilio { fields: vec![] };
    let m = OutboundRequest::Meta {
        phone_number_id: "1".to_owned(),
        body: Value::Null,
    };
    assert_eq!(
        (t.provider(), m.provider()),
        (Provider::Twilio, Provider::Meta)
    );
}

#[test]
fn retry_after_reads_seconds_and_dates() {
    let headers = |v: &str| {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, v.parse().unwrap());
        h
    };
    assert_eq!(retry_after(&headers("7")), Some(Duration::from_secs(7)));
    assert_eq!(retry_after(&headers(" 0 ")), Some(Duration::ZERO));
    assert_eq!(retry_after(&headers("soon")), None);
    assert_eq!(retry_after(&headers("-1")), None);
    assert_eq!(retry_after(&http::HeaderMap::new()), None);
    // A date in the past: retry now.
    assert_eq!(
        retry_after(&headers("Sun, 06 Nov 1994 08:49:37 GMT")),
        Some(Duration::ZERO)
    );
    // A date far ahead: a long wait.
    let far = retry_after(&headers("Sat, 01 Jan 2400 00:00:00 GMT")).unwrap();
    assert!(far > Duration::from_secs(300 * 365 * 86_400));
}

#[test]
fn http_dates_in_every_form_rfc_9110_allows() {
    let headers = |v: &str| {
        let mut h = http::HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, v.parse().unwrap());
        h
    };
    // An hour ahead, as a server writes it: about an hour.
    let ahead = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(3600));
    let wait = retry_after(&headers(&ahead)).unwrap();
    assert!(
        wait <= Duration::from_secs(3600) && wait > Duration::from_secs(3000),
        "{ahead}: {wait:?}"
    );
    // The obsolete forms a recipient must accept, here in the past: now.
    for past in [
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Tue, 29 Feb 2000 12:00:00 GMT",
    ] {
        assert_eq!(retry_after(&headers(past)), Some(Duration::ZERO), "{past}");
    }
    // Not HTTP dates: no advice at all.
    for bad in [
        "Sun, 06 Nov 1994 08:49:37 PST",
        "Sun, 06 Nov 1994 25:49:37 GMT",
        "Mon, 06 Nov 1994 08:49:37 GMT",
        "Tue, 30 Feb 2000 12:00:00 GMT",
        "06 Nov 1994",
    ] {
        assert_eq!(retry_after(&headers(bad)), None, "{bad}");
    }
}

#[test]
fn only_retryable_errors_say_so() {
    let retryable = SendError::Retryable {
        message: "m".to_owned(),
        retry_after: Some(Duration::from_secs(2)),
        code: Some("20429".to_owned()),
    };
    assert!(retryable.is_retryable());
    assert_eq!(retryable.retry_after(), Some(Duration::from_secs(2)));
    assert_eq!(retryable.code(), Some("20429"));
    let permanent = SendError::Permanent {
        message: "m".to_owned(),
        code: Some("63016".to_owned()),
        needs_template: true,
    };
    assert!(!permanent.is_retryable() && permanent.needs_template());
    assert!(!SendError::NotConfigured(Provider::Meta).is_retryable());
    assert_eq!(
        SendError::NotConfigured(Provider::Meta).to_string(),
        "meta is not configured (no credentials): the message was not sent"
    );
}
