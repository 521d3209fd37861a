//! [`MetaMessage`]: one inbound message of a webhook, as Meta sends it.

use serde_json::{Map, Value, json};

use super::{error_object, fresh_wamid, now_secs};

/// One inbound message of a [`MetaWebhook`](super::MetaWebhook) (an entry of `value.messages[]`).
///
/// Each constructor gives the message a fresh, unique wamid ([`id`](Self::id))
/// and the current time as its timestamp.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaMessage {
    id: String,
    from: String,
    timestamp: u64,
    kind: String,
    body: Option<Value>,
    errors: Option<Value>,
    context: Option<Value>,
    pub(super) profile_name: Option<String>,
}

impl MetaMessage {
    /// A message of any `type` with the given body object (`None` for none).
    ///
    /// `from` is the customer's number, digits only as Meta sends it (a leading
    /// `+` is dropped).
    #[must_use]
    pub fn custom(from: &str, kind: &str, body: Option<Value>) -> Self {
        Self {
            id: fresh_wamid(),
            from: from.trim_start_matches('+').to_owned(),
            timestamp: now_secs(),
            kind: kind.to_owned(),
            body,
            errors: None,
            context: None,
            profile_name: None,
        }
    }

    /// A text message.
    #[must_use]
    pub fn text(from: &str, body: &str) -> Self {
        Self::custom(from, "text", Some(json!({ "body": body })))
    }

    /// A tap on one of the bot's reply buttons (`interactive.button_reply`).
    #[must_use]
    pub fn button_reply(from: &str, id: &str, title: &str) -> Self {
        Self::custom(
            from,
            "interactive",
            Some(json!({ "type": "button_reply", "button_reply": { "id": id, "title": title } })),
        )
    }

    /// A pick from the bot's list message (`interactive.list_reply`).
    #[must_use]
    pub fn list_reply(from: &str, id: &str, title: &str) -> Self {
        Self::custom(
            from,
            "interactive",
            Some(json!({ "type": "list_reply", "list_reply": { "id": id, "title": title } })),
        )
    }

    /// A tap on a template's quick-reply button (`type: button`).
    #[must_use]
    pub fn quick_reply(from: &str, payload: &str, text: &str) -> Self {
        Self::custom(
            from,
            "button",
            Some(json!({ "payload": payload, "text": text })),
        )
    }

    /// An image, with the media id and MIME type Meta gives.
    #[must_use]
    pub fn image(from: &str, media_id: &str, mime: &str) -> Self {
        Self::custom(
            from,
            "image",
            Some(json!({
                "id": media_id,
                "mime_type": mime,
                "sha256": "0".repeat(64),
                "url": format!("https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={media_id}"),
            })),
        )
    }

    /// A shared location.
    #[must_use]
    pub fn location(from: &str, latitude: f64, longitude: f64) -> Self {
        Self::custom(
            from,
            "location",
            Some(json!({ "latitude": latitude, "longitude": longitude })),
        )
    }

    /// A reaction to `message_id`; an empty emoji removes the reaction (Meta
    /// then omits the emoji field, and so does this builder).
    #[must_use]
    pub fn reaction(from: &str, message_id: &str, emoji: &str) -> Self {
        let body = if emoji.is_empty() {
            json!({ "message_id": message_id })
        } else {
            json!({ "message_id": message_id, "emoji": emoji })
        };
        Self::custom(from, "reaction", Some(body))
    }

    /// A message of a type the adapter does not model, e.g. `ephemeral`, with
    /// no body.
    #[must_use]
    pub fn unknown_type(from: &str, type_name: &str) -> Self {
        Self::custom(from, type_name, None)
    }

    /// Sets the wamid.
    #[must_use]
    pub fn with_id(mut self, wamid: &str) -> Self {
        wamid.clone_into(&mut self.id);
        self
    }

    /// Sets the sender's profile name (sent in `value.contacts[]`). Without it
    /// the notification carries no contact for this sender.
    #[must_use]
    pub fn with_profile_name(mut self, name: &str) -> Self {
        self.profile_name = Some(name.to_owned());
        self
    }

    /// Sets the timestamp (Unix seconds).
    #[must_use]
    pub fn with_timestamp(mut self, unix_secs: u64) -> Self {
        self.timestamp = unix_secs;
        self
    }

    /// Quotes one of the bot's messages (`context.id`).
    #[must_use]
    pub fn with_reply_to(mut self, wamid: &str) -> Self {
        let context = self.context.get_or_insert_with(|| json!({}));
        context["id"] = json!(wamid);
        self
    }

    /// Marks the message as forwarded (`context.forwarded`).
    #[must_use]
    pub fn forwarded(mut self) -> Self {
        let context = self.context.get_or_insert_with(|| json!({}));
        context["forwarded"] = json!(true);
        self
    }

    /// Adds an error object to `errors[]` (as Meta does for `unsupported`).
    #[must_use]
    pub fn with_error(mut self, code: i64, title: &str) -> Self {
        let errors = self.errors.get_or_insert_with(|| json!([]));
        if let Value::Array(list) = errors {
            list.push(error_object(code, title));
        }
        self
    }

    /// The wamid.
    #[must_use]
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The sender, digits only.
    #[must_use]
    pub fn from(&self) -> &str {
        &self.from
    }

    pub(super) fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("from".to_owned(), json!(self.from));
        m.insert("id".to_owned(), json!(self.id));
        m.insert("timestamp".to_owned(), json!(self.timestamp.to_string()));
        if let Some(context) = &self.context {
            m.insert("context".to_owned(), context.clone());
        }
        if let Some(errors) = &self.errors {
            m.insert("errors".to_owned(), errors.clone());
        }
        m.insert("type".to_owned(), json!(self.kind));
        if let Some(body) = &self.body {
            m.insert(self.kind.clone(), body.clone());
        }
        Value::Object(m)
    }
}
