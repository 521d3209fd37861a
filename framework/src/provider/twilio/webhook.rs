//! Form-encoded Twilio webhooks (inbound messages and status callbacks) to
//! [`WebhookEvent`]s.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::message::{
    Content, ConversationKey, DeliveryFailure, DeliveryStatus, InboundMessage, Location, Media,
    MediaKind, MessageId, PhoneNumber, Provider, StatusEvent, UnaddressableMessage, WebhookEvent,
};
use crate::provider::WebhookError;

/// Parses a Twilio WhatsApp webhook body (`application/x-www-form-urlencoded`).
///
/// Check the signature first ([`verify_form`](super::verify_form)); this
/// function only translates.
///
/// # Status callbacks
///
/// A body with `MessageStatus` is a status callback for a message the bot sent
/// and becomes [`WebhookEvent::Status`] (one exception: `received` with a `Body`
/// or `NumMedia` is the customer's message itself and is parsed as one):
///
/// | `MessageStatus` | [`DeliveryStatus`] |
/// |---|---|
/// | `queued`, `accepted`, `scheduled`, `sending` | `Queued` |
/// | `sent` | `Sent` |
/// | `delivered` | `Delivered` |
/// | `read` | `Read` |
/// | `failed`, `undelivered`, `canceled` | `Failed` with `ErrorCode` and `ErrorMessage` (or `ChannelStatusMessage`) |
/// | `partially_delivered` | `Sent` (some recipients got it; never claim more) |
/// | anything else (`receiving`, `received`, future values) | `Queued` |
///
/// Unknown statuses map to `Queued` rather than an error: Twilio adds statuses
/// without notice, a 4xx would only make it retry, and `Queued` has the lowest
/// [rank](DeliveryStatus::rank), so it never moves a tracked message backwards.
/// `received`/`receiving` describe inbound messages, whose ids no outbound
/// tracker knows. `To` becomes the recipient when it is a valid number.
///
/// # Inbound messages
///
/// Anything else is a customer's message ([`WebhookEvent::Message`]): the id is
/// `MessageSid`, the conversation is (business = `To`, customer = `From`),
/// `ProfileName`, `MessagingServiceSid` (as the channel id),
/// `OriginalRepliedMessageSid`, `Forwarded`/`FrequentlyForwarded` and
/// `ExternalUserId` (the sender's business-scoped user id, as
/// [`InboundMessage::user_id`] without its `whatsapp:` prefix) are kept.
/// A message with an `ExternalUserId` but no `From` that is a phone number
/// cannot be answered and becomes [`WebhookEvent::Unaddressable`] (not an
/// error: the message is real, only unsupported).
/// The content is the first that applies:
///
/// 1. `ButtonPayload` → [`Content::QuickReply`] (text from `ButtonText`, else `Body`).
/// 2. `ListId` → [`Content::ListReply`] (`ListTitle`, `ListDescription`), the
///    reply to a Twilio list-picker content template.
/// 3. `Latitude` + `Longitude` → [`Content::Location`] (`Label` is the name,
///    `Address` the address).
/// 4. `NumMedia` > 0 → [`Content::Media`] from `MediaUrl{N}`/`MediaContentType{N}`,
///    kinds guessed with [`MediaKind::from_mime`] (a vCard is a document), a
///    non-empty `Body` as caption.
/// 5. A non-empty `Body` → [`Content::Text`], exactly as sent (not trimmed).
/// 6. Otherwise [`Content::Unsupported`] with `kind` = `MessageType` (or
///    `"empty"` when Twilio gave none or said `text`): WhatsApp never sends an
///    empty text, so an empty body means a type Twilio forwards without content.
///
/// Unknown parameters are ignored. When a name repeats, its first value counts.
///
/// # Errors
///
/// - [`WebhookError::EmptyBody`], [`WebhookError::NotUtf8`] for unreadable bodies.
/// - [`WebhookError::MissingField`] for a missing or empty `MessageSid`, `From`
///   (unless there is an `ExternalUserId`) or
///   `To` (status callbacks only need `MessageSid`), a lone `Latitude` or
///   `Longitude`, or a `MediaUrl{N}` below `NumMedia`. A body that is not a form
///   at all (e.g. JSON) ends up here too.
/// - [`WebhookError::InvalidField`] for a `From`/`To` that is not a phone number,
///   a `NumMedia` that is not a count, or coordinates that are not numbers in range.
///
/// Every error answers 400 ([`WebhookError::status`]).
pub fn parse_webhook(body: &[u8]) -> Result<WebhookEvent, WebhookError> {
    if body.is_empty() {
        return Err(WebhookError::EmptyBody);
    }
    if let Err(e) = std::str::from_utf8(body) {
        return Err(WebhookError::NotUtf8 {
            offset: e.valid_up_to(),
        });
    }
    let pairs: Vec<(Cow<'_, str>, Cow<'_, str>)> = form_urlencoded::parse(body).collect();
    let params = Params::new(&pairs);
    match params.get("MessageStatus") {
        Some(status) if !is_inbound_with_status(&params, status) => {
            parse_status(&params, status).map(WebhookEvent::Status)
        }
        _ => parse_message(&params),
    }
}

/// Whether a body with `MessageStatus` is nevertheless a customer's message:
/// `received` is the status of inbound messages, and a form that also carries
/// `Body` or `NumMedia` is the message itself. Reading it as a message is the
/// safe side: a copy of a message already seen is dropped by dedup (same
/// `MessageSid`), while a message read as a status would be lost.
fn is_inbound_with_status(params: &Params<'_>, status: &str) -> bool {
    status.trim().eq_ignore_ascii_case("received")
        && (params.get("Body").is_some() || params.get("NumMedia").is_some())
}

/// Form parameters by name; the first value of a repeated name wins.
struct Params<'a> {
    map: HashMap<&'a str, &'a str>,
}

impl<'a> Params<'a> {
    fn new(pairs: &'a [(Cow<'a, str>, Cow<'a, str>)]) -> Self {
        let mut map = HashMap::with_capacity(pairs.len());
        for (name, value) in pairs {
            map.entry(name.as_ref()).or_insert(value.as_ref());
        }
        Self { map }
    }

    fn len(&self) -> usize {
        self.map.len()
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.map.get(name).copied()
    }

    /// The value when present and not empty.
    fn non_empty(&self, name: &str) -> Option<&'a str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    fn required(&self, name: &str) -> Result<&'a str, WebhookError> {
        self.non_empty(name)
            .ok_or_else(|| WebhookError::MissingField(name.to_owned()))
    }

    fn message_id(&self, name: &str) -> Result<MessageId, WebhookError> {
        crate::provider::message_id(self.required(name)?, name)
    }

    fn phone(&self, name: &str) -> Result<PhoneNumber, WebhookError> {
        PhoneNumber::parse(self.required(name)?).map_err(|e| WebhookError::InvalidField {
            field: name.to_owned(),
            reason: e.to_string(),
        })
    }

    fn is_true(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
    }
}

fn parse_status(params: &Params<'_>, status: &str) -> Result<StatusEvent, WebhookError> {
    let message_id = params.message_id("MessageSid")?;
    let recipient = params.get("To").and_then(|to| PhoneNumber::parse(to).ok());
    let status = match status.trim().to_ascii_lowercase().as_str() {
        "sent" | "partially_delivered" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" => DeliveryStatus::Read,
        "failed" | "undelivered" | "canceled" => DeliveryStatus::Failed(DeliveryFailure {
            code: params.non_empty("ErrorCode").map(str::to_owned),
            message: params
                .non_empty("ErrorMessage")
                .or_else(|| params.non_empty("ChannelStatusMessage"))
                .map(str::to_owned),
        }),
        "queued" | "accepted" | "scheduled" | "sending" => DeliveryStatus::Queued,
        other => {
            tracing::debug!(
                message_status = other,
                "unmodelled Twilio MessageStatus, treated as queued"
            );
            DeliveryStatus::Queued
        }
    };
    Ok(StatusEvent {
        provider: Provider::Twilio,
        message_id,
        recipient,
        status,
        timestamp: None,
        // Twilio's status callbacks carry no price.
        pricing: None,
    })
}

fn parse_message(params: &Params<'_>) -> Result<WebhookEvent, WebhookError> {
    let id = params.message_id("MessageSid")?;
    let user_id = params
        .non_empty("ExternalUserId")
        .map(|u| {
            let u = u.trim();
            u.get(..9)
                .filter(|p| p.eq_ignore_ascii_case("whatsapp:"))
                .and_then(|_| u.get(9..))
                .unwrap_or(u)
                .trim()
        })
        .filter(|u| !u.is_empty())
        .map(str::to_owned);
    let customer = match (params.phone("From"), &user_id) {
        (Ok(customer), _) => customer,
        (Err(e), None) => return Err(e),
        // A user known by a business-scoped id only: real, but unanswerable.
        (Err(_), Some(user_id)) => {
            let kind = params.non_empty("MessageType").map_or_else(
                || {
                    parse_content(params)
                        .map_or_else(|_| "unknown".to_owned(), |c| c.kind().to_owned())
                },
                str::to_owned,
            );
            return Ok(WebhookEvent::Unaddressable(UnaddressableMessage {
                provider: Provider::Twilio,
                message_id: id,
                user_id: Some(user_id.clone()),
                kind,
                channel_id: params.non_empty("MessagingServiceSid").map(str::to_owned),
            }));
        }
    };
    let business = params.phone("To")?;
    let content = parse_content(params)?;
    let mut message = InboundMessage::new(
        Provider::Twilio,
        id,
        ConversationKey::new(business, customer),
        content,
    )
    .with_forwarded(params.is_true("Forwarded") || params.is_true("FrequentlyForwarded"));
    if let Some(name) = params.non_empty("ProfileName") {
        message = message.with_profile_name(name);
    }
    if let Some(service) = params.non_empty("MessagingServiceSid") {
        message = message.with_channel_id(service);
    }
    // A quote is a detail: an unusable one is dropped, not refused.
    if let Ok(quoted) = params.message_id("OriginalRepliedMessageSid") {
        message = message.with_reply_to(quoted);
    }
    if let Some(user_id) = user_id {
        message = message.with_user_id(user_id);
    }
    Ok(WebhookEvent::Message(message))
}

fn parse_content(params: &Params<'_>) -> Result<Content, WebhookError> {
    let body = params.get("Body").unwrap_or_default();
    if let Some(payload) = params.non_empty("ButtonPayload") {
        return Ok(Content::QuickReply {
            payload: payload.to_owned(),
            text: params.non_empty("ButtonText").unwrap_or(body).to_owned(),
        });
    }
    if let Some(id) = params.non_empty("ListId") {
        return Ok(Content::ListReply {
            id: id.to_owned(),
            title: params.non_empty("ListTitle").unwrap_or(body).to_owned(),
            description: params.non_empty("ListDescription").map(str::to_owned),
        });
    }
    if let Some(location) = parse_location(params)? {
        return Ok(Content::Location(location));
    }
    let items = parse_media(params)?;
    if !items.is_empty() {
        return Ok(Content::Media {
            items,
            caption: (!body.is_empty()).then(|| body.to_owned()),
        });
    }
    if !body.is_empty() {
        return Ok(Content::Text {
            body: body.to_owned(),
        });
    }
    let kind = params
        .non_empty("MessageType")
        .filter(|t| !t.eq_ignore_ascii_case("text"))
        .unwrap_or("empty");
    Ok(Content::Unsupported {
        kind: kind.to_owned(),
        detail: Some("no body, media, location or button payload".to_owned()),
    })
}

fn parse_location(params: &Params<'_>) -> Result<Option<Location>, WebhookError> {
    let (latitude, longitude) = match (params.non_empty("Latitude"), params.non_empty("Longitude"))
    {
        (None, None) => return Ok(None),
        (Some(_), None) => return Err(WebhookError::MissingField("Longitude".to_owned())),
        (None, Some(_)) => return Err(WebhookError::MissingField("Latitude".to_owned())),
        (Some(lat), Some(lon)) => (
            coordinate("Latitude", lat, 90.0)?,
            coordinate("Longitude", lon, 180.0)?,
        ),
    };
    Ok(Some(Location {
        latitude,
        longitude,
        name: params.non_empty("Label").map(str::to_owned),
        address: params.non_empty("Address").map(str::to_owned),
        url: None,
    }))
}

fn coordinate(field: &str, value: &str, max_abs: f64) -> Result<f64, WebhookError> {
    let invalid = |reason: String| WebhookError::InvalidField {
        field: field.to_owned(),
        reason,
    };
    let degrees: f64 = value
        .trim()
        .parse()
        .map_err(|_| invalid(format!("{value:?} is not a number")))?;
    if !degrees.is_finite() || degrees.abs() > max_abs {
        return Err(invalid(format!("{value} is outside ±{max_abs} degrees")));
    }
    Ok(degrees)
}

fn parse_media(params: &Params<'_>) -> Result<Vec<Media>, WebhookError> {
    let count = match params.non_empty("NumMedia") {
        None => 0,
        Some(n) => n
            .trim()
            .parse::<usize>()
            .map_err(|_| WebhookError::InvalidField {
                field: "NumMedia".to_owned(),
                reason: format!("{n:?} is not a count"),
            })?,
    };
    // Each item needs its own MediaUrlN field, so a count above the number of
    // fields is a lie; checking it first also bounds the loop below by the
    // input's size.
    if count > params.len() {
        return Err(WebhookError::InvalidField {
            field: "NumMedia".to_owned(),
            reason: format!("{count} media items in a body of {} fields", params.len()),
        });
    }
    (0..count)
        .map(|i| {
            let url_field = format!("MediaUrl{i}");
            let url = params.required(&url_field)?;
            let mime = params.non_empty(&format!("MediaContentType{i}"));
            let mut media = Media::new(mime.map_or(MediaKind::Document, MediaKind::from_mime));
            media.url = Some(url.to_owned());
            media.mime_type = mime.map(str::to_owned);
            Ok(media)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<WebhookEvent, WebhookError> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        parse_webhook(body.as_bytes())
    }

    fn message(pairs: &[(&str, &str)]) -> InboundMessage {
        match parse(pairs) {
            Ok(WebhookEvent::Message(m)) => m,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    const BASE: [(&str, &str); 3] = [
        ("MessageSid", "SM0123456789abcdef0123456789abcdef"),
        ("From", "whatsapp:+919812345678"),
        ("To", "whatsapp:+14155238886"),
    ];

    fn with(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
        let mut v = BASE.to_vec();
        v.extend_from_slice(extra);
        v
    }

    #[test]
    fn empty_body_without_media_is_unsupported_not_an_error() {
        let m = message(&with(&[("Body", ""), ("MessageType", "text")]));
        assert_eq!(
            m.content(),
            &Content::Unsupported {
                kind: "empty".to_owned(),
                detail: Some("no body, media, location or button payload".to_owned())
            }
        );
        let m = message(&with(&[("Body", ""), ("MessageType", "reaction")]));
        assert!(matches!(m.content(), Content::Unsupported { kind, .. } if kind == "reaction"));
    }

    #[test]
    fn body_is_kept_exactly() {
        let m = message(&with(&[("Body", "  two  spaces\n")]));
        assert_eq!(m.text(), Some("  two  spaces\n"));
    }

    #[test]
    fn list_picker_replies_carry_the_row_id() {
        let m = message(&with(&[
            ("Body", "Cement PPC"),
            ("ListId", "sku-ppc"),
            ("ListTitle", "Cement PPC"),
            ("MessageType", "interactive"),
        ]));
        assert_eq!(m.choice_id(), Some("sku-ppc"));
    }

    #[test]
    fn half_a_location_or_bad_coordinates_are_rejected() {
        assert!(matches!(
            parse(&with(&[("Latitude", "12.9")])),
            Err(WebhookError::MissingField(f)) if f == "Longitude"
        ));
        for (lat, lon) in [
            ("north", "77.5"),
            ("91", "77.5"),
            ("12.9", "inf"),
            ("NaN", "1"),
        ] {
            assert!(
                matches!(
                    parse(&with(&[("Latitude", lat), ("Longitude", lon)])),
                    Err(WebhookError::InvalidField { .. })
                ),
                "{lat},{lon}"
            );
        }
    }

    #[test]
    fn media_count_must_match_the_fields() {
        assert!(matches!(
            parse(&with(&[("NumMedia", "2"), ("MediaUrl0", "https://x/0")])),
            Err(WebhookError::MissingField(f)) if f == "MediaUrl1"
        ));
        assert!(matches!(
            parse(&with(&[("NumMedia", "18446744073709551615")])),
            Err(WebhookError::InvalidField { field, .. }) if field == "NumMedia"
        ));
        assert!(matches!(
            parse(&with(&[("NumMedia", "-1")])),
            Err(WebhookError::InvalidField { field, .. }) if field == "NumMedia"
        ));
    }

    #[test]
    fn unknown_statuses_do_not_fail_the_callback() {
        for status in ["receiving", "received", "something_new", ""] {
            match parse(&[("MessageSid", "SM1"), ("MessageStatus", status)]) {
                Ok(WebhookEvent::Status(s)) => assert_eq!(s.status, DeliveryStatus::Queued),
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_received_status_with_content_is_the_message_itself() {
        let m = message(&with(&[("MessageStatus", "received"), ("Body", "hi")]));
        assert_eq!(m.text(), Some("hi"));
    }

    #[test]
    fn first_value_of_a_repeated_name_wins() {
        let m = message(&with(&[("Body", "first"), ("Body", "second")]));
        assert_eq!(m.text(), Some("first"));
    }
}
