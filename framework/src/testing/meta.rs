//! Signed Meta Cloud API webhook builders.
//!
//! Build a notification the way Meta sends it (non-ASCII as `\uXXXX`, `/` as
//! `\/`), sign it, and hand it to a router as an HTTP request:
//!
//! ```
//! use framework::provider::meta::{parse_webhook, verify_signature, SIGNATURE_HEADER};
//! use framework::testing::meta::{MetaMessage, MetaStatus, MetaWebhook};
//! use framework::WebhookEvent;
//!
//! let hello = MetaMessage::text("16505551234", "¿Tienen café?").with_profile_name("José");
//! let webhook = MetaWebhook::new("106540352242922", "+1 555-078-3881")
//!     .message(hello.clone())
//!     .status(MetaStatus::new("wamid.OUT", "delivered"));
//!
//! let body = webhook.body();
//! assert!(body.is_ascii()); // "caf\u00e9"
//! verify_signature(b"secret", &body, Some(&webhook.signature(b"secret"))).unwrap();
//!
//! let events = parse_webhook(&body).unwrap();
//! let WebhookEvent::Message(msg) = &events[0] else { unreachable!() };
//! assert_eq!(msg.id().as_str(), hello.id());
//! assert_eq!(msg.text(), Some("¿Tienen café?"));
//! assert!(matches!(events[1], WebhookEvent::Status(_)));
//!
//! let request = webhook.signed_request(b"secret", "/webhooks/meta");
//! assert!(request.headers().contains_key(SIGNATURE_HEADER));
//! ```

use std::io;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use http::{HeaderValue, Method, Request, Uri, header};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::provider::meta::{SIGNATURE_HEADER, sign};

/// A fresh wamid: unique within this process (a counter) and, with high
/// probability, across processes (a per-process seed), so tests that share a
/// dedup store across runs do not see each other's messages as duplicates.
fn fresh_wamid() -> String {
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // Truncation is fine: this only needs to differ between runs.
        let nanos = nanos as u64;
        nanos ^ (u64::from(std::process::id()) << 32)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("wamid.TEST{seed:016X}{n:08X}")
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// One inbound message of a [`MetaWebhook`] (an entry of `value.messages[]`).
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
    profile_name: Option<String>,
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

    fn to_json(&self) -> Value {
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

/// One status update of a [`MetaWebhook`] (an entry of `value.statuses[]`).
#[derive(Debug, Clone, PartialEq)]
pub struct MetaStatus {
    id: String,
    status: String,
    timestamp: u64,
    recipient: String,
    errors: Vec<Value>,
    pricing: Option<Value>,
}

impl MetaStatus {
    /// A status update for the bot's message `wamid` (`sent`, `delivered`,
    /// `read`, `failed`, `played`, or anything else to test unknown ones).
    #[must_use]
    pub fn new(wamid: &str, status: &str) -> Self {
        Self {
            id: wamid.to_owned(),
            status: status.to_owned(),
            timestamp: now_secs(),
            recipient: "16505551234".to_owned(),
            errors: Vec::new(),
            pricing: None,
        }
    }

    /// Adds an error (`errors[]`), as on a `failed` status.
    #[must_use]
    pub fn with_error(mut self, code: i64, title: &str) -> Self {
        self.errors.push(error_object(code, title));
        self
    }

    /// Sets the recipient (`recipient_id`, digits; a leading `+` is dropped).
    /// Defaults to `16505551234`.
    #[must_use]
    pub fn with_recipient(mut self, phone: &str) -> Self {
        phone
            .trim_start_matches('+')
            .clone_into(&mut self.recipient);
        self
    }

    /// Sets the timestamp (Unix seconds).
    #[must_use]
    pub fn with_timestamp(mut self, unix_secs: u64) -> Self {
        self.timestamp = unix_secs;
        self
    }

    /// Sets the `pricing` object: `category` (`marketing`, `utility`,
    /// `service`, …) and `type` (`regular` is charged, `free_…` is not),
    /// per-message model. Without it a `sent` or `delivered` status carries
    /// a free service message's pricing, as in a customer-service window.
    #[must_use]
    pub fn with_pricing(mut self, category: &str, kind: &str) -> Self {
        self.pricing = Some(json!({
            "billable": kind == "regular",
            "pricing_model": "PMP",
            "category": category,
            "type": kind,
        }));
        self
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".to_owned(), json!(self.id));
        m.insert("status".to_owned(), json!(self.status));
        m.insert("timestamp".to_owned(), json!(self.timestamp.to_string()));
        m.insert("recipient_id".to_owned(), json!(self.recipient));
        if let Some(pricing) = &self.pricing {
            m.insert("pricing".to_owned(), pricing.clone());
        } else if self.status == "sent" || self.status == "delivered" {
            m.insert(
                "pricing".to_owned(),
                json!({ "billable": true, "pricing_model": "PMP", "category": "service", "type": "free_customer_service" }),
            );
        }
        if !self.errors.is_empty() {
            m.insert("errors".to_owned(), Value::Array(self.errors.clone()));
        }
        Value::Object(m)
    }
}

fn error_object(code: i64, title: &str) -> Value {
    json!({
        "code": code,
        "title": title,
        "message": title,
        "error_data": { "details": format!("{title} (test)") },
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Message(MetaMessage),
    Status(MetaStatus),
    Error { code: i64, title: String },
}

/// A Cloud API webhook notification, built item by item.
///
/// Items are spread over [`entries`](Self::entries) ×
/// [`changes_per_entry`](Self::changes_per_entry) changes in contiguous runs,
/// so the order of the items is the order [`parse_webhook`] returns them in,
/// except that within one change messages come before statuses, and statuses
/// before errors (they are separate arrays on the wire).
///
/// See the [module docs](self) for an example.
///
/// [`parse_webhook`]: crate::provider::meta::parse_webhook
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct MetaWebhook {
    phone_number_id: String,
    display_phone_number: String,
    items: Vec<Item>,
    entries: usize,
    changes_per_entry: usize,
}

impl MetaWebhook {
    /// A notification for the business number `display_phone_number` (written
    /// any way Meta might, e.g. `15550783881` or `+1 555-078-3881`), whose
    /// Cloud API id is `phone_number_id`.
    pub fn new(phone_number_id: &str, display_phone_number: &str) -> Self {
        Self {
            phone_number_id: phone_number_id.to_owned(),
            display_phone_number: display_phone_number.to_owned(),
            items: Vec::new(),
            entries: 1,
            changes_per_entry: 1,
        }
    }

    /// Adds an inbound message.
    pub fn message(mut self, message: MetaMessage) -> Self {
        self.items.push(Item::Message(message));
        self
    }

    /// Adds a status update.
    pub fn status(mut self, status: MetaStatus) -> Self {
        self.items.push(Item::Status(status));
        self
    }

    /// Adds a change-level error (`value.errors[]`).
    pub fn error(mut self, code: i64, title: &str) -> Self {
        self.items.push(Item::Error {
            code,
            title: title.to_owned(),
        });
        self
    }

    /// Spreads the items over `n` entries (at least 1; default 1).
    pub fn entries(mut self, n: usize) -> Self {
        self.entries = n.max(1);
        self
    }

    /// Spreads each entry's items over `n` changes (at least 1; default 1).
    pub fn changes_per_entry(mut self, n: usize) -> Self {
        self.changes_per_entry = n.max(1);
        self
    }

    /// The notification as a JSON value.
    #[must_use]
    pub fn to_json(&self) -> Value {
        let buckets = self.entries.saturating_mul(self.changes_per_entry);
        let total = self.items.len();
        let bucket = |k: usize| {
            let start = k * total / buckets;
            let end = (k + 1) * total / buckets;
            self.items.get(start..end).unwrap_or_default()
        };
        let entries: Vec<Value> = (0..self.entries)
            .map(|e| {
                let changes: Vec<Value> = (0..self.changes_per_entry)
                    .map(|c| self.change(bucket(e * self.changes_per_entry + c)))
                    .collect();
                json!({ "id": format!("10229012934{e:04}"), "changes": changes })
            })
            .collect();
        json!({ "object": "whatsapp_business_account", "entry": entries })
    }

    fn change(&self, items: &[Item]) -> Value {
        let mut contacts = Vec::new();
        let mut messages = Vec::new();
        let mut statuses = Vec::new();
        let mut errors = Vec::new();
        for item in items {
            match item {
                Item::Message(m) => {
                    if let Some(name) = &m.profile_name {
                        contacts.push(json!({ "profile": { "name": name }, "wa_id": m.from }));
                    }
                    messages.push(m.to_json());
                }
                Item::Status(s) => statuses.push(s.to_json()),
                Item::Error { code, title } => errors.push(error_object(*code, title)),
            }
        }
        let mut value = Map::new();
        value.insert("messaging_product".to_owned(), json!("whatsapp"));
        value.insert(
            "metadata".to_owned(),
            json!({
                "display_phone_number": self.display_phone_number,
                "phone_number_id": self.phone_number_id,
            }),
        );
        for (name, list) in [
            ("contacts", contacts),
            ("messages", messages),
            ("statuses", statuses),
            ("errors", errors),
        ] {
            if !list.is_empty() {
                value.insert(name.to_owned(), Value::Array(list));
            }
        }
        json!({ "value": value, "field": "messages" })
    }

    /// The body bytes, as Meta would send them (see [`meta_json`]).
    #[must_use]
    pub fn body(&self) -> Vec<u8> {
        meta_json(&self.to_json())
    }

    /// The `X-Hub-Signature-256` value for [`body`](Self::body).
    #[must_use]
    pub fn signature(&self, app_secret: &[u8]) -> String {
        sign(app_secret, &self.body())
    }

    /// A signed `POST` of the notification to `path`, with
    /// `Content-Type: application/json`.
    ///
    /// # Panics
    ///
    /// If `path` is not a valid request target.
    pub fn signed_request(&self, app_secret: &[u8], path: &str) -> Request<Body> {
        let body = self.body();
        let signature = sign(app_secret, &body);
        let mut request = Request::new(Body::from(body));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = uri(path);
        let headers = request.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        match HeaderValue::try_from(signature) {
            Ok(value) => {
                headers.insert(SIGNATURE_HEADER, value);
            }
            Err(e) => panic!("a hex signature is always a valid header value: {e}"),
        }
        request
    }
}

/// The verification handshake Meta sends: `GET {path}?hub.mode=subscribe&
/// hub.challenge=…&hub.verify_token=…` (percent-encoded).
///
/// # Panics
///
/// If `path` is not a valid request target.
#[must_use]
pub fn verification_request(path: &str, verify_token: &str, challenge: &str) -> Request<Body> {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("hub.mode", "subscribe")
        .append_pair("hub.challenge", challenge)
        .append_pair("hub.verify_token", verify_token)
        .finish();
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut request = Request::new(Body::empty());
    *request.method_mut() = Method::GET;
    *request.uri_mut() = uri(&format!("{path}{separator}{query}"));
    request
}

fn uri(target: &str) -> Uri {
    match target.parse() {
        Ok(uri) => uri,
        Err(e) => panic!("{target:?} is not a valid request target: {e}"),
    }
}

/// Serialises JSON the way Meta's webhook sender escapes it: compact, every
/// non-ASCII character as a lower-case `\uXXXX` escape (UTF-16 surrogate
/// pairs beyond the BMP), and `/` as `\/`.
///
/// Object keys come out in `serde_json::Map` order (sorted), not Meta's order;
/// nothing may depend on key order. Sign the bytes this returns, never a
/// re-serialisation of them.
#[must_use]
pub fn meta_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, MetaFormatter);
    // Writing a `Value` into a `Vec` cannot fail: keys are strings and the
    // writer is infallible.
    if value.serialize(&mut serializer).is_err() {
        out.clear();
    }
    out
}

/// A compact formatter that escapes like Meta (see [`meta_json`]).
#[derive(Debug, Clone, Copy)]
struct MetaFormatter;

impl serde_json::ser::Formatter for MetaFormatter {
    fn write_string_fragment<W>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()>
    where
        W: ?Sized + io::Write,
    {
        let mut plain_from = 0;
        for (i, c) in fragment.char_indices() {
            if c.is_ascii() && c != '/' {
                continue;
            }
            writer.write_all(fragment.get(plain_from..i).unwrap_or_default().as_bytes())?;
            if c == '/' {
                writer.write_all(b"\\/")?;
            } else {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    write!(writer, "\\u{unit:04x}")?;
                }
            }
            plain_from = i + c.len_utf8();
        }
        writer.write_all(fragment.get(plain_from..).unwrap_or_default().as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::meta::parse_webhook;

    #[test]
    fn escapes_like_meta() {
        let bytes = meta_json(&json!({ "a/b": "é😀\"\\\n\u{1}/x" }));
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            r#"{"a\/b":"\u00e9\ud83d\ude00\"\\\n\u0001\/x"}"#
        );
    }

    #[test]
    fn escapes_like_the_computed_signature_vector() {
        // Fragments of vectors/signatures.json, "meta-text-webhook-escaped-unicode-computed".
        let body = meta_json(&json!({ "body": "¿Tienen café?" }));
        assert_eq!(body, br#"{"body":"\u00bfTienen caf\u00e9?"}"#);
        let profile = meta_json(&json!({ "profile": { "name": "José" } }));
        assert_eq!(profile, br#"{"profile":{"name":"Jos\u00e9"}}"#);
    }

    #[test]
    fn wamids_are_unique() {
        let a = MetaMessage::text("1", "x");
        let b = MetaMessage::text("1", "x");
        assert_ne!(a.id(), b.id());
        assert!(a.id().starts_with("wamid."));
    }

    #[test]
    fn spreads_items_over_entries_and_changes_in_order() {
        let messages: Vec<_> = (0..7)
            .map(|i| MetaMessage::text("16505551234", &format!("m{i}")))
            .collect();
        let webhook = messages
            .iter()
            .cloned()
            .fold(MetaWebhook::new("P", "15550783881"), MetaWebhook::message)
            .entries(2)
            .changes_per_entry(2);
        let json = webhook.to_json();
        assert_eq!(json["entry"].as_array().unwrap().len(), 2);
        assert_eq!(json["entry"][1]["changes"].as_array().unwrap().len(), 2);
        let ids: Vec<String> = parse_webhook(&webhook.body())
            .unwrap()
            .into_iter()
            .map(|e| match e {
                crate::WebhookEvent::Message(m) => m.id().as_str().to_owned(),
                other => panic!("{other:?}"),
            })
            .collect();
        let expected: Vec<_> = messages.iter().map(|m| m.id().to_owned()).collect();
        assert_eq!(ids, expected);
    }
}
