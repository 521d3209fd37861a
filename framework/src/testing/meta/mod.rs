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

mod message;
mod status;

pub use self::message::MetaMessage;
pub use self::status::MetaStatus;

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

pub(super) fn error_object(code: i64, title: &str) -> Value {
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
                        contacts.push(json!({ "profile": { "name": name }, "wa_id": m.from() }));
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
