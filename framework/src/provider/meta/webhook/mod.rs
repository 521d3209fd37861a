//! Cloud API webhook notifications (`POST`) → [`WebhookEvent`]s.

use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::wire;
use crate::message::{
    Content, ConversationKey, DeliveryFailure, DeliveryStatus, InboundMessage, MessageId,
    PhoneNumber, Pricing, Provider, ProviderErrorEvent, StatusEvent, UnaddressableMessage,
    WebhookEvent,
};
use crate::provider::WebhookError;
use content::parse_content;

mod content;

/// The only `object` this adapter reads.
const OBJECT: &str = "whatsapp_business_account";

/// The only change `field` that carries messages and statuses.
const MESSAGES_FIELD: &str = "messages";

/// Parses a webhook notification into events, in payload order.
///
/// Call it on the raw body **after** [`verify_signature`](super::verify_signature)
/// accepted it. One notification can carry many messages, statuses and errors
/// over several entries and changes; all are returned, entry by entry, change
/// by change, and within a change its messages, then its statuses, then its
/// errors. Changes of other fields (`message_template_status_update`, ...) are
/// skipped. Unknown fields are ignored everywhere, and a message of a type this
/// crate does not model becomes [`Content::Unsupported`].
///
/// One bad item must not cost the others their answers: refusing a batch
/// makes Meta retry all of it, and fail the same way, for a week. So:
///
/// - a message whose body does not have the shape its `type` promises (a
///   location without a longitude) becomes [`Content::Unsupported`] with the
///   problem as its detail, and is routed like any other message;
/// - a message without a phone number to answer (no `from`: a user known only
///   by a business-scoped user id, `from_user_id`; or a `from` that is not a
///   phone number) becomes [`WebhookEvent::Unaddressable`], never an error:
///   a refusal would make Meta send it again for days;
/// - a message, status or change that cannot be read at all (no `id`, no
///   `type`, a field of the wrong JSON type) is skipped and logged at
///   `error` level, and the rest of the batch is returned;
/// - only when nothing in the notification could be read is its first problem
///   returned as an error (a 400);
/// - statuses this crate does not know and notifications for another `object`
///   (a Page subscription on the same URL) are skipped with a warning;
/// - an unreadable timestamp is dropped with a warning (the message is then
///   never "stale").
///
/// ```
/// use framework::provider::meta::parse_webhook;
/// use framework::{Content, WebhookEvent};
///
/// let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
///   "messaging_product":"whatsapp",
///   "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
///   "contacts":[{"profile":{"name":"Ana"},"wa_id":"16505551234"}],
///   "messages":[{"from":"16505551234","id":"wamid.A","timestamp":"1749416383","type":"text","text":{"body":"hi"}}]}}]}]}"#;
/// let events = parse_webhook(body).unwrap();
/// let [WebhookEvent::Message(msg)] = events.as_slice() else { panic!("{events:?}") };
/// assert_eq!(msg.text(), Some("hi"));
/// assert_eq!(msg.key().customer().as_str(), "+16505551234");
/// assert_eq!(msg.profile_name(), Some("Ana"));
/// ```
///
/// A sender's business-scoped user id (BSUID) is kept next to the number; a
/// message with a BSUID and no number cannot be answered:
///
/// ```
/// use framework::provider::meta::parse_webhook;
/// use framework::WebhookEvent;
///
/// let body = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
///   "messaging_product":"whatsapp",
///   "metadata":{"display_phone_number":"15550783881","phone_number_id":"106540352242922"},
///   "contacts":[{"profile":{"name":"Ana"},"wa_id":"16505551234","user_id":"US.1349120865"},
///               {"profile":{"name":"Bo","username":"@bo"},"user_id":"US.7700112233"}],
///   "messages":[
///     {"from":"16505551234","from_user_id":"US.1349120865","id":"wamid.A","timestamp":"1749416383","type":"text","text":{"body":"hi"}},
///     {"from_user_id":"US.7700112233","id":"wamid.B","timestamp":"1749416384","type":"text","text":{"body":"hello"}}]}}]}]}"#;
/// let events = parse_webhook(body).unwrap();
/// let [WebhookEvent::Message(ana), WebhookEvent::Unaddressable(bo)] = events.as_slice() else {
///     panic!("{events:?}")
/// };
/// assert_eq!(ana.user_id(), Some("US.1349120865"));
/// assert_eq!(bo.message_id.as_str(), "wamid.B");
/// assert_eq!(bo.user_id.as_deref(), Some("US.7700112233"));
/// assert_eq!(bo.kind, "text");
/// ```
///
/// # Errors
///
/// - [`WebhookError::EmptyBody`] for an empty (or all-whitespace) body.
/// - [`WebhookError::NotUtf8`] when the body is not UTF-8.
/// - [`WebhookError::InvalidJson`] when it is not JSON or not a JSON object.
/// - [`WebhookError::MissingField`] when the envelope lacks `object`, `entry`
///   or `changes`, or when no item could be read and the first one lacked a
///   field, named by its path, e.g. `entry[0].changes[0].value.messages[1].id`.
/// - [`WebhookError::InvalidField`] when no item could be read and the first
///   one had a field of the wrong JSON type or an unusable value, named by the
///   path of the object it is in.
pub fn parse_webhook(body: &[u8]) -> Result<Vec<WebhookEvent>, WebhookError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WebhookError::EmptyBody);
    }
    let text = std::str::from_utf8(body).map_err(|e| WebhookError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let notification: wire::Notification =
        serde_json::from_str(text).map_err(WebhookError::InvalidJson)?;
    match notification.object.as_deref() {
        Some(OBJECT) => {}
        Some(other) => {
            tracing::warn!(
                object = other,
                "ignoring a Meta notification that is not about WhatsApp"
            );
            return Ok(Vec::new());
        }
        None => return Err(WebhookError::MissingField("object".to_owned())),
    }
    let entries = notification
        .entry
        .ok_or_else(|| WebhookError::MissingField("entry".to_owned()))?;

    let mut events = Vec::new();
    let mut skipped = Vec::new();
    for (e, entry) in entries.iter().enumerate() {
        let Some(changes) = entry.changes.as_ref() else {
            skipped.push(WebhookError::MissingField(format!("entry[{e}].changes")));
            continue;
        };
        for (c, change) in changes.iter().enumerate() {
            let path = format!("entry[{e}].changes[{c}]");
            let Some(field) = change.field.as_deref() else {
                skipped.push(WebhookError::MissingField(format!("{path}.field")));
                continue;
            };
            if field != MESSAGES_FIELD {
                tracing::debug!(
                    field,
                    "skipping a Meta webhook change that carries no messages"
                );
                continue;
            }
            let Some(value) = change.value.as_deref() else {
                skipped.push(WebhookError::MissingField(format!("{path}.value")));
                continue;
            };
            if let Err(e) = parse_value(value, &format!("{path}.value"), &mut events, &mut skipped)
            {
                skipped.push(e);
            }
        }
    }
    if events.is_empty() {
        return match skipped.into_iter().next() {
            Some(first) => Err(first),
            None => Ok(events),
        };
    }
    for problem in &skipped {
        tracing::error!(
            error.message = %problem,
            "skipped an unreadable item of a Meta notification; the rest of it is processed"
        );
    }
    Ok(events)
}

/// What every message of one change shares.
struct Recipient<'a> {
    business: PhoneNumber,
    channel_id: &'a str,
    profiles: &'a [wire::Profile],
}

/// Parses one change's value into `events`; items that cannot be read go to
/// `skipped`. Errors only when the value itself, or what all its messages
/// share (the business number), cannot be read.
fn parse_value(
    raw: &RawValue,
    path: &str,
    events: &mut Vec<WebhookEvent>,
    skipped: &mut Vec<WebhookError>,
) -> Result<(), WebhookError> {
    let value: wire::ChangeValue = parse_raw(raw, path)?;
    let messages = value.messages.unwrap_or_default();
    if !messages.is_empty() {
        // What all the change's messages share; without it they are skipped,
        // but the change's statuses still count.
        match recipient(&value.metadata, value.contacts.as_deref(), path) {
            Ok(recipient) => {
                for (i, raw) in messages.iter().enumerate() {
                    match parse_message(raw, &format!("{path}.messages[{i}]"), &recipient) {
                        Ok(event) => events.push(event),
                        Err(e) => skipped.push(e),
                    }
                }
            }
            Err(e) => skipped.push(e),
        }
    }
    for (i, raw) in value.statuses.unwrap_or_default().iter().enumerate() {
        match parse_status(raw, &format!("{path}.statuses[{i}]")) {
            Ok(Some(status)) => events.push(WebhookEvent::Status(status)),
            Ok(None) => {}
            Err(e) => skipped.push(e),
        }
    }
    for error in value.errors.unwrap_or_default() {
        events.push(WebhookEvent::ProviderError(ProviderErrorEvent {
            provider: Provider::Meta,
            code: error.code.as_ref().and_then(scalar_text),
            message: describe(&error).unwrap_or_else(|| "unknown error".to_owned()),
        }));
    }
    Ok(())
}

fn recipient<'a>(
    metadata: &'a Option<wire::Metadata>,
    contacts: Option<&'a [wire::Profile]>,
    path: &str,
) -> Result<Recipient<'a>, WebhookError> {
    let metadata = metadata
        .as_ref()
        .ok_or_else(|| WebhookError::MissingField(format!("{path}.metadata")))?;
    let display = required_id(
        metadata.display_phone_number.as_deref(),
        path,
        "metadata.display_phone_number",
    )?;
    Ok(Recipient {
        business: phone(display, &format!("{path}.metadata.display_phone_number"))?,
        channel_id: required_id(
            metadata.phone_number_id.as_deref(),
            path,
            "metadata.phone_number_id",
        )?,
        profiles: contacts.unwrap_or_default(),
    })
}

/// One message: a [`WebhookEvent::Message`], or a
/// [`WebhookEvent::Unaddressable`] when it has no phone number to answer.
fn parse_message(
    raw: &RawValue,
    path: &str,
    recipient: &Recipient<'_>,
) -> Result<WebhookEvent, WebhookError> {
    let msg: wire::Message = parse_raw(raw, path)?;
    let id = message_id(msg.id.as_deref(), path, "id")?;
    let kind = required_id(msg.kind.as_deref(), path, "type")?;
    let from = msg.from.as_deref().filter(|f| !f.is_empty());
    let from_user_id = msg.from_user_id.as_deref().filter(|u| !u.is_empty());
    let contact = sender_contact(recipient.profiles, from, from_user_id);
    let user_id = from_user_id.or_else(|| {
        // The contact's BSUID, when the contact is surely the sender's: the
        // same number, or no number on either side.
        contact
            .filter(|c| c.wa_id.as_deref().filter(|w| !w.is_empty()) == from)
            .and_then(|c| c.user_id.as_deref())
            .filter(|u| !u.is_empty())
    });
    let customer = match from.map(PhoneNumber::parse) {
        Some(Ok(customer)) => customer,
        unanswerable => {
            if let Some(Err(e)) = unanswerable {
                // The reason does not repeat the number.
                tracing::debug!(error.message = %e, "a Meta message's `from` is not a phone number");
            }
            return Ok(WebhookEvent::Unaddressable(UnaddressableMessage {
                provider: Provider::Meta,
                message_id: id,
                user_id: user_id.map(str::to_owned),
                kind: kind.to_owned(),
                channel_id: Some(recipient.channel_id.to_owned()),
            }));
        }
    };
    let content = parse_content(&msg, kind, path).unwrap_or_else(|e| {
        // The message is real (it has an id and a sender); only its body is
        // not what its type promises. Route it, so the customer hears back.
        tracing::warn!(error.message = %e, kind, "a Meta message body is malformed; routing it as unsupported");
        Content::Unsupported {
            kind: kind.to_owned(),
            detail: Some(e.to_string()),
        }
    });

    let mut inbound = InboundMessage::new(
        Provider::Meta,
        id,
        ConversationKey::new(recipient.business.clone(), customer),
        content,
    )
    .with_channel_id(recipient.channel_id);
    if let Some(name) = contact
        .and_then(|c| c.profile.as_ref())
        .and_then(|p| p.name.as_deref())
        .filter(|n| !n.is_empty())
    {
        inbound = inbound.with_profile_name(name);
    }
    if let Some(user_id) = user_id {
        inbound = inbound.with_user_id(user_id);
    }
    match timestamp(msg.timestamp.as_ref(), path) {
        Ok(Some(at)) => inbound = inbound.with_timestamp(at),
        Ok(None) => {}
        Err(e) => {
            tracing::warn!(error.message = %e, "ignoring an unreadable Meta message timestamp")
        }
    }
    if let Some(context) = &msg.context {
        // A quote is a detail: an unusable one is dropped, not refused.
        if let Ok(quoted) = message_id(context.id.as_deref(), path, "context.id") {
            inbound = inbound.with_reply_to(quoted);
        }
        let forwarded =
            context.forwarded.unwrap_or(false) || context.frequently_forwarded.unwrap_or(false);
        inbound = inbound.with_forwarded(forwarded);
    }
    Ok(WebhookEvent::Message(inbound))
}

fn parse_status(raw: &RawValue, path: &str) -> Result<Option<StatusEvent>, WebhookError> {
    let wire: wire::Status = parse_raw(raw, path)?;
    let id = message_id(wire.id.as_deref(), path, "id")?;
    let name = required_id(wire.status.as_deref(), path, "status")?;
    let status = match name {
        "sent" => DeliveryStatus::Sent,
        "delivered" => DeliveryStatus::Delivered,
        "read" | "played" => DeliveryStatus::Read,
        "failed" => DeliveryStatus::Failed(
            wire.errors
                .as_deref()
                .and_then(<[_]>::first)
                .map(|e| DeliveryFailure {
                    code: e.code.as_ref().and_then(scalar_text),
                    message: describe(e),
                })
                .unwrap_or_default(),
        ),
        other => {
            tracing::warn!(
                status = other,
                message_id = %id,
                "skipping a Meta status update with an unknown status"
            );
            return Ok(None);
        }
    };
    // Group messages carry a group id here, not a phone number.
    let recipient = wire
        .recipient_id
        .as_deref()
        .and_then(|r| PhoneNumber::parse(r).ok());
    Ok(Some(StatusEvent {
        provider: Provider::Meta,
        message_id: id,
        recipient,
        status,
        timestamp: timestamp(wire.timestamp.as_ref(), path)?,
        pricing: wire.pricing.as_ref().and_then(pricing),
    }))
}

/// A status's `pricing` object; `None` without a category (nothing to book
/// it under).
fn pricing(raw: &serde_json::Value) -> Option<Pricing> {
    let text = |field: &str| {
        raw.get(field)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    };
    Some(Pricing {
        category: text("category")?,
        model: text("pricing_model"),
        kind: text("type"),
        billable: raw.get("billable").and_then(serde_json::Value::as_bool),
    })
}

/// The sender's contact (for the profile name and the BSUID): the contact
/// whose `wa_id` is the sender's number; else the one whose `user_id` is the
/// sender's BSUID; else the only contact, or the first one that names nobody
/// else (no `wa_id`, and no `user_id` other than the sender's). A contact that
/// names someone else is never used when there is a choice, so a batch from
/// several customers cannot swap their names.
fn sender_contact<'a>(
    profiles: &'a [wire::Profile],
    from: Option<&str>,
    user_id: Option<&str>,
) -> Option<&'a wire::Profile> {
    let by_number =
        from.and_then(|from| profiles.iter().find(|p| p.wa_id.as_deref() == Some(from)));
    let by_user_id = || {
        user_id.and_then(|user_id| {
            profiles
                .iter()
                .find(|p| p.user_id.as_deref() == Some(user_id))
        })
    };
    by_number.or_else(by_user_id).or_else(|| match profiles {
        [only] => Some(only),
        _ => profiles.iter().find(|p| {
            p.wa_id.is_none()
                && p.user_id
                    .as_deref()
                    .is_none_or(|u| user_id.is_none_or(|sender| sender == u))
        }),
    })
}

/// The body object of a message type, parsed, with its path.
fn body<T: DeserializeOwned>(
    msg: &wire::Message,
    kind: &str,
    path: &str,
) -> Result<(T, String), WebhookError> {
    let at = format!("{path}.{kind}");
    let raw = msg
        .body(kind)
        .ok_or_else(|| WebhookError::MissingField(at.clone()))?;
    Ok((parse_raw(raw, &at)?, at))
}

fn parse_raw<T: DeserializeOwned>(raw: &RawValue, path: &str) -> Result<T, WebhookError> {
    serde_json::from_str(raw.get()).map_err(|e| invalid(path, &e.to_string()))
}

/// A required string field (it may be empty, e.g. a text body).
fn required<'a>(value: Option<&'a str>, path: &str, name: &str) -> Result<&'a str, WebhookError> {
    value.ok_or_else(|| WebhookError::MissingField(format!("{path}.{name}")))
}

/// A required identifier: absent and empty are both missing (an empty wamid
/// would make every such message a duplicate of the others).
fn required_id<'a>(
    value: Option<&'a str>,
    path: &str,
    name: &str,
) -> Result<&'a str, WebhookError> {
    required(value.filter(|v| !v.is_empty()), path, name)
}

/// A message id ([`crate::provider::message_id`]): present, not empty, no
/// control characters.
fn message_id(value: Option<&str>, path: &str, name: &str) -> Result<MessageId, WebhookError> {
    crate::provider::message_id(value.unwrap_or_default(), &format!("{path}.{name}"))
}

fn invalid(path: &str, reason: &str) -> WebhookError {
    WebhookError::InvalidField {
        field: path.to_owned(),
        reason: reason.to_owned(),
    }
}

fn phone(value: &str, path: &str) -> Result<PhoneNumber, WebhookError> {
    PhoneNumber::parse(value).map_err(|e| invalid(path, &e.to_string()))
}

/// Unix seconds, as a string (Meta's form) or a number.
fn timestamp(value: Option<&Value>, path: &str) -> Result<Option<SystemTime>, WebhookError> {
    let secs = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        Some(_) => None,
    };
    secs.and_then(|s| SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(s)))
        .map(Some)
        .ok_or_else(|| invalid(&format!("{path}.timestamp"), "expected Unix seconds"))
}

/// A code sent as a number or a string, as text.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// A readable explanation of an error object: its title (or message) and its
/// details, e.g. `Message type unknown: Message type is not currently supported`.
fn describe(error: &wire::ErrorObject) -> Option<String> {
    let headline = error
        .title
        .as_deref()
        .or(error.message.as_deref())
        .filter(|s| !s.is_empty());
    let details = error
        .error_data
        .as_ref()
        .and_then(|d| d.details.as_deref())
        .filter(|d| !d.is_empty() && Some(*d) != headline);
    match (headline, details) {
        (Some(h), Some(d)) => Some(format!("{h}: {d}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_owned()),
        (None, None) => None,
    }
}

/// The first error of a message, with its code, for [`Content::Unsupported`].
fn first_error(errors: Option<&[wire::ErrorObject]>) -> Option<String> {
    let error = errors?.first()?;
    let code = error.code.as_ref().and_then(scalar_text);
    match (describe(error), code) {
        (Some(text), Some(code)) => Some(format!("{text} (code {code})")),
        (Some(text), None) => Some(text),
        (None, Some(code)) => Some(format!("error code {code}")),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests;
