//! Inline answers: replies carried in the webhook's TwiML response.

use super::render::{BODY_LIMIT, buttons_menu, list_menu};
use crate::reply::{Reply, split_text};

/// Twilio refuses TwiML responses larger than this (error 11750).
pub const TWIML_LIMIT: usize = 64 * 1024;

/// Twilio sends at most this many `<Message>` replies to one inbound message
/// (warning 14109).
pub const TWIML_MAX_MESSAGES: usize = 10;

/// The TwiML document that answers a webhook with nothing to send.
pub const EMPTY_RESPONSE: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

/// The TwiML document that answers a webhook with `replies` as `<Message>`
/// elements, so Twilio sends them without an API call.
///
/// Text over [`BODY_LIMIT`] characters becomes several messages (never
/// truncated); buttons and lists become the numbered text menu of
/// [`render`](super::render); media become `<Media>` with the caption as
/// `<Body>`. Templates, reactions and read receipts cannot be sent inline: they
/// are left out, with a warning in the log. Characters XML 1.0 cannot carry
/// (control characters other than tab and line breaks) are left out too.
///
/// The document stays within Twilio's limits, [`TWIML_MAX_MESSAGES`]
/// messages and [`TWIML_LIMIT`] bytes: messages past them are left out whole,
/// with an error in the log (send long answers through the Messages API).
///
/// ```
/// use framework::provider::twilio::twiml_response;
/// use framework::reply::Reply;
///
/// let xml = twiml_response(&[Reply::text("Tea & biscuits <3")]);
/// assert_eq!(
///     xml,
///     "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Message><Body>Tea &amp; biscuits &lt;3</Body></Message></Response>"
/// );
/// ```
#[must_use]
pub fn twiml_response(replies: &[Reply]) -> String {
    if replies.is_empty() {
        return EMPTY_RESPONSE.to_owned();
    }
    let mut messages = Vec::new();
    for reply in replies {
        match reply {
            Reply::Text(t) => text_messages(&mut messages, &t.body),
            Reply::Buttons(b) => text_messages(&mut messages, &buttons_menu(b)),
            Reply::List(l) => text_messages(&mut messages, &list_menu(l)),
            Reply::Media(m) => messages.push(message(
                m.caption().filter(|c| !c.is_empty()),
                Some(m.url()),
            )),
            other => tracing::warn!(
                kind = other.kind(),
                "this reply cannot be answered inline in TwiML; it is not sent"
            ),
        }
    }
    const OPEN: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>";
    const CLOSE: &str = "</Response>";
    let mut out = String::from(OPEN);
    let mut left_out = 0;
    for (i, message) in messages.into_iter().enumerate() {
        let fits = i < TWIML_MAX_MESSAGES && out.len() + message.len() + CLOSE.len() <= TWIML_LIMIT;
        if left_out == 0 && fits {
            out.push_str(&message);
        } else {
            left_out += 1;
        }
    }
    if left_out > 0 {
        tracing::error!(
            left_out,
            "an inline answer exceeds Twilio's TwiML limits (10 messages, 64 kB); the messages past them are not sent"
        );
    }
    out.push_str(CLOSE);
    out
}

fn text_messages(messages: &mut Vec<String>, body: &str) {
    for piece in split_text(body, BODY_LIMIT)
        .into_iter()
        .filter(|p| !p.trim().is_empty())
    {
        messages.push(message(Some(piece), None));
    }
}

fn message(body: Option<&str>, media: Option<&str>) -> String {
    let mut out = String::from("<Message>");
    if let Some(body) = body {
        out.push_str("<Body>");
        escape_into(&mut out, body);
        out.push_str("</Body>");
    }
    if let Some(url) = media {
        out.push_str("<Media>");
        escape_into(&mut out, url);
        out.push_str("</Media>");
    }
    out.push_str("</Message>");
    out
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MediaKind;
    use crate::reply::{Buttons, MediaReply, Template};

    #[test]
    fn no_replies_is_the_empty_response() {
        assert_eq!(twiml_response(&[]), EMPTY_RESPONSE);
    }

    #[test]
    fn long_text_becomes_several_messages_and_nothing_is_lost() {
        let long = "x".repeat(BODY_LIMIT + 10);
        let xml = twiml_response(&[Reply::text(long.clone())]);
        assert_eq!(xml.matches("<Message>").count(), 2);
        let bodies: String = xml
            .split("<Body>")
            .skip(1)
            .map(|s| s.split("</Body>").next().unwrap_or_default())
            .collect();
        assert_eq!(bodies, long);
    }

    #[test]
    fn menus_media_and_unsendable_kinds() {
        let buttons = Buttons::builder("Confirm?")
            .button("y", "Yes")
            .button("n", "No")
            .build()
            .unwrap();
        let media = MediaReply::new(MediaKind::Image, "https://x.test/a.png?x=1&y=2")
            .unwrap()
            .with_caption("A picture")
            .unwrap();
        let xml = twiml_response(&[
            buttons.into(),
            media.into(),
            Template::new("order_update", "en").into(),
        ]);
        assert!(
            xml.contains("<Body>Confirm?\n\n1. Yes\n2. No</Body>"),
            "{xml}"
        );
        assert!(
            xml.contains("<Message><Body>A picture</Body><Media>https://x.test/a.png?x=1&amp;y=2</Media></Message>"),
            "{xml}"
        );
        assert_eq!(
            xml.matches("<Message>").count(),
            2,
            "the template is left out: {xml}"
        );
    }

    #[test]
    fn the_answer_stays_within_twilios_limit() {
        // Regression (review finding 8): a long answer made a TwiML document
        // Twilio refuses whole.
        let catalogue = "Cement PPC 50kg ₹380\n".repeat(10_000);
        let xml = twiml_response(&[Reply::text(catalogue)]);
        assert!(xml.len() <= TWIML_LIMIT, "{}", xml.len());
        assert!(xml.ends_with("</Message></Response>"));
        assert_eq!(xml.matches("<Message>").count(), TWIML_MAX_MESSAGES);
        // Fifty short messages: ten go inline.
        let many: Vec<Reply> = (0..50).map(|i| Reply::text(format!("line {i}"))).collect();
        let xml = twiml_response(&many);
        assert_eq!(xml.matches("<Message>").count(), TWIML_MAX_MESSAGES);
        assert!(xml.contains("line 9") && !xml.contains("line 10"));
    }

    #[test]
    fn control_characters_are_dropped_not_emitted() {
        let xml = twiml_response(&[Reply::text("a\u{0}b\u{7}c\nd")]);
        assert!(xml.contains("<Body>abc\nd</Body>"), "{xml}");
    }
}
