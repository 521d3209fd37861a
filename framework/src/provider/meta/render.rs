//! [`Reply`] → Cloud API message JSON (`POST /{version}/{phone-number-id}/messages`).

use serde_json::{Map, Value, json};

use crate::message::reply::{
    Buttons, List, MediaReply, Reply, Template, TemplateButton, TemplateHeader, TextReply, limits,
    split_text,
};
use crate::message::{MediaKind, MessageId, PhoneNumber};
use crate::provider::RenderError;

/// The JSON body of one `POST {base}/{version}/{phone_number_id}/messages`
/// call.
///
/// Every kind of reply, mark-as-read included, goes to that same endpoint;
/// only the body differs. See the [module docs](super) for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRequest {
    body: Value,
}

impl MessageRequest {
    /// The request body as JSON.
    #[must_use]
    pub fn json(&self) -> &Value {
        &self.body
    }

    /// The request body as bytes, ready to send with
    /// `Content-Type: application/json`.
    #[must_use]
    pub fn to_vec(&self) -> Vec<u8> {
        self.body.to_string().into_bytes()
    }

    /// The request body as JSON, by value.
    #[must_use]
    pub fn into_json(self) -> Value {
        self.body
    }

    /// The message `type` (`text`, `interactive`, ...), or `None` for a
    /// mark-as-read request, which has none.
    #[must_use]
    pub fn kind(&self) -> Option<&str> {
        self.body.get("type").and_then(Value::as_str)
    }
}

/// Renders a reply as the Cloud API requests that send it, in order.
///
/// Text longer than 4096 characters is split into several messages (never
/// cut); a caption on audio or a sticker, which WhatsApp cannot show, follows
/// as a text message. Everything else is one request.
///
/// ```
/// use framework::provider::meta::render;
/// use framework::reply::Reply;
/// use framework::PhoneNumber;
///
/// let to = PhoneNumber::parse("+919812345678").unwrap();
/// let requests = render(&Reply::text("Your order #42 is confirmed."), &to).unwrap();
/// assert_eq!(
///     requests[0].json(),
///     &serde_json::json!({
///         "messaging_product": "whatsapp",
///         "recipient_type": "individual",
///         "to": "+919812345678",
///         "type": "text",
///         "text": { "body": "Your order #42 is confirmed.", "preview_url": false },
///     })
/// );
/// ```
///
/// # Errors
///
/// [`RenderError::Empty`] for a text reply with nothing but whitespace (the
/// Cloud API refuses it). Every other kind can be sent.
pub fn render(reply: &Reply, to: &PhoneNumber) -> Result<Vec<MessageRequest>, RenderError> {
    render_with_context(reply, to, None)
}

/// Like [`render`], but quotes `reply_to` (WhatsApp shows the customer's
/// message above the reply).
///
/// Only the first request carries the quote. Reactions and mark-as-read
/// already point at a message, so they ignore it.
///
/// # Errors
///
/// See [`render`].
pub fn render_with_context(
    reply: &Reply,
    to: &PhoneNumber,
    reply_to: Option<&MessageId>,
) -> Result<Vec<MessageRequest>, RenderError> {
    let mut requests = match reply {
        Reply::Text(text) if text.body.trim().is_empty() => {
            return Err(RenderError::Empty { kind: reply.kind() });
        }
        Reply::Text(text) => text_messages(text, to),
        Reply::Media(media) => media_messages(media, to),
        Reply::Buttons(buttons) => vec![message(to, "interactive", buttons_body(buttons))],
        Reply::List(list) => vec![message(to, "interactive", list_body(list))],
        Reply::Template(template) => vec![message(to, "template", template_body(template))],
        Reply::Reaction { message_id, emoji } => {
            return Ok(vec![message(
                to,
                "reaction",
                json!({ "message_id": message_id.as_str(), "emoji": emoji }),
            )]);
        }
        Reply::MarkRead { message_id } => {
            return Ok(vec![MessageRequest {
                body: json!({
                    "messaging_product": "whatsapp",
                    "status": "read",
                    "message_id": message_id.as_str(),
                }),
            }]);
        }
    };
    if let (Some(quoted), Some(first)) = (reply_to, requests.first_mut())
        && let Value::Object(fields) = &mut first.body
    {
        fields.insert(
            "context".to_owned(),
            json!({ "message_id": quoted.as_str() }),
        );
    }
    Ok(requests)
}

/// The common envelope around a message of `kind`.
fn message(to: &PhoneNumber, kind: &str, payload: Value) -> MessageRequest {
    let mut body = Map::new();
    body.insert("messaging_product".to_owned(), json!("whatsapp"));
    body.insert("recipient_type".to_owned(), json!("individual"));
    // Always with '+': without it Meta prepends the business number's country code.
    body.insert("to".to_owned(), json!(to.as_str()));
    body.insert("type".to_owned(), json!(kind));
    body.insert(kind.to_owned(), payload);
    MessageRequest {
        body: Value::Object(body),
    }
}

fn text_messages(text: &TextReply, to: &PhoneNumber) -> Vec<MessageRequest> {
    split_text(&text.body, limits::TEXT_BODY)
        .into_iter()
        // Only a run of whitespace longer than a message can give a blank
        // piece; it carries nothing and Meta would refuse it.
        .filter(|piece| !piece.trim().is_empty())
        .map(|piece| {
            message(
                to,
                "text",
                json!({ "body": piece, "preview_url": text.preview_url }),
            )
        })
        .collect()
}

fn media_messages(media: &MediaReply, to: &PhoneNumber) -> Vec<MessageRequest> {
    let kind = media.kind();
    let mut payload = Map::new();
    payload.insert("link".to_owned(), json!(media.url()));
    let shows_caption = matches!(
        kind,
        MediaKind::Image | MediaKind::Video | MediaKind::Document
    );
    let mut trailing_caption = None;
    if let Some(caption) = media.caption().filter(|c| !c.is_empty()) {
        if shows_caption {
            payload.insert("caption".to_owned(), json!(caption));
        } else {
            trailing_caption = Some(caption);
        }
    }
    if kind == MediaKind::Document
        && let Some(filename) = media.filename()
    {
        payload.insert("filename".to_owned(), json!(filename));
    }
    let mut requests = vec![message(to, kind.as_str(), Value::Object(payload))];
    if let Some(caption) = trailing_caption {
        requests.extend(text_messages(
            &TextReply {
                body: caption.to_owned(),
                preview_url: false,
            },
            to,
        ));
    }
    requests
}

/// `header`, `body`, `footer` of an interactive message.
fn interactive_frame(
    kind: &str,
    header: Option<&str>,
    body: &str,
    footer: Option<&str>,
    action: Value,
) -> Value {
    let mut interactive = Map::new();
    interactive.insert("type".to_owned(), json!(kind));
    if let Some(header) = header {
        interactive.insert(
            "header".to_owned(),
            json!({ "type": "text", "text": header }),
        );
    }
    interactive.insert("body".to_owned(), json!({ "text": body }));
    if let Some(footer) = footer {
        interactive.insert("footer".to_owned(), json!({ "text": footer }));
    }
    interactive.insert("action".to_owned(), action);
    Value::Object(interactive)
}

fn buttons_body(buttons: &Buttons) -> Value {
    let items: Vec<Value> = buttons
        .buttons()
        .iter()
        .map(|b| json!({ "type": "reply", "reply": { "id": b.id, "title": b.title } }))
        .collect();
    interactive_frame(
        "button",
        buttons.header(),
        buttons.body(),
        buttons.footer(),
        json!({ "buttons": items }),
    )
}

fn list_body(list: &List) -> Value {
    let sections: Vec<Value> = list
        .sections()
        .iter()
        .map(|section| {
            let rows: Vec<Value> = section
                .rows
                .iter()
                .map(|row| {
                    let mut r = Map::new();
                    r.insert("id".to_owned(), json!(row.id));
                    r.insert("title".to_owned(), json!(row.title));
                    if let Some(description) = &row.description {
                        r.insert("description".to_owned(), json!(description));
                    }
                    Value::Object(r)
                })
                .collect();
            let mut s = Map::new();
            if let Some(title) = &section.title {
                s.insert("title".to_owned(), json!(title));
            }
            s.insert("rows".to_owned(), Value::Array(rows));
            Value::Object(s)
        })
        .collect();
    interactive_frame(
        "list",
        list.header(),
        list.body(),
        list.footer(),
        json!({ "button": list.button(), "sections": sections }),
    )
}

fn template_body(template: &Template) -> Value {
    let mut components = Vec::new();
    if let Some(header) = &template.header {
        let parameter = match header {
            TemplateHeader::Text(text) => json!({ "type": "text", "text": text }),
            TemplateHeader::Image { url } => json!({ "type": "image", "image": { "link": url } }),
            TemplateHeader::Video { url } => json!({ "type": "video", "video": { "link": url } }),
            TemplateHeader::Document { url, filename } => json!({
                "type": "document",
                "document": { "link": url, "filename": filename },
            }),
        };
        components.push(json!({ "type": "header", "parameters": [parameter] }));
    }
    if !template.body.is_empty() {
        let parameters: Vec<Value> = template
            .body
            .iter()
            .map(|param| match &param.name {
                Some(name) => {
                    json!({ "type": "text", "parameter_name": name, "text": param.value })
                }
                None => json!({ "type": "text", "text": param.value }),
            })
            .collect();
        components.push(json!({ "type": "body", "parameters": parameters }));
    }
    for button in &template.buttons {
        components.push(match button {
            TemplateButton::QuickReply { index, payload } => json!({
                "type": "button",
                "sub_type": "quick_reply",
                "index": index.to_string(),
                "parameters": [{ "type": "payload", "payload": payload }],
            }),
            TemplateButton::Url { index, suffix } => json!({
                "type": "button",
                "sub_type": "url",
                "index": index.to_string(),
                "parameters": [{ "type": "text", "text": suffix }],
            }),
        });
    }
    let mut body = Map::new();
    body.insert("name".to_owned(), json!(template.name));
    body.insert("language".to_owned(), json!({ "code": template.language }));
    if !components.is_empty() {
        body.insert("components".to_owned(), Value::Array(components));
    }
    Value::Object(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to() -> PhoneNumber {
        PhoneNumber::parse("+919812345678").unwrap()
    }

    #[test]
    fn long_text_becomes_several_messages_that_concatenate_to_the_input() {
        let long = "Cement x 100 bags at ₹380 each.\n".repeat(400);
        let requests = render(&Reply::text(long.clone()), &to()).unwrap();
        assert!(requests.len() > 1);
        let joined: String = requests
            .iter()
            .map(|r| r.json()["text"]["body"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(joined, long);
    }

    #[test]
    fn a_sticker_caption_follows_as_text() {
        let sticker = MediaReply::new(MediaKind::Sticker, "https://x.test/s.webp")
            .unwrap()
            .with_caption("thanks!")
            .unwrap();
        let requests = render(&sticker.into(), &to()).unwrap();
        assert_eq!(requests.len(), 2);
        assert_eq!(
            requests[0].json()["sticker"],
            json!({ "link": "https://x.test/s.webp" })
        );
        assert_eq!(requests[1].json()["text"]["body"], "thanks!");
    }

    #[test]
    fn quotes_only_the_first_piece() {
        let id = MessageId::new("wamid.Q");
        let long = "word ".repeat(2000);
        let requests = render_with_context(&Reply::text(long), &to(), Some(&id)).unwrap();
        assert_eq!(
            requests[0].json()["context"],
            json!({ "message_id": "wamid.Q" })
        );
        assert!(requests[1].json().get("context").is_none());
        let read = render_with_context(&Reply::mark_read(id.clone()), &to(), Some(&id)).unwrap();
        assert!(read[0].json().get("context").is_none());
        assert_eq!(read[0].kind(), None);
    }
}
