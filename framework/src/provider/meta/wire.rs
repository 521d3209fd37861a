//! Private serde mirrors of the Cloud API webhook JSON.
//!
//! Only the fields the adapter reads are declared; serde ignores the rest, so
//! fields Meta adds later do no harm. Every field is optional here: which ones
//! are required is decided (and reported with a JSON path) in
//! [`super::webhook`].
//!
//! Parts whose shape depends on something else (a change's `value` depends on
//! its `field`, a message's body on its `type`) are kept as [`RawValue`] and
//! parsed only once we know they matter. A `message_template_status_update`
//! change or an unknown message type therefore never fails the batch, and a
//! shape error names the message it is in.

use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The top-level notification.
#[derive(Debug, Deserialize)]
pub(super) struct Notification {
    pub(super) object: Option<String>,
    pub(super) entry: Option<Vec<Entry>>,
}

/// One WhatsApp Business Account's changes.
#[derive(Debug, Deserialize)]
pub(super) struct Entry {
    pub(super) changes: Option<Vec<Change>>,
}

/// One change; only `field: "messages"` is read.
#[derive(Debug, Deserialize)]
pub(super) struct Change {
    pub(super) field: Option<String>,
    pub(super) value: Option<Box<RawValue>>,
}

/// The `value` of a `messages` change.
#[derive(Debug, Deserialize)]
pub(super) struct ChangeValue {
    pub(super) metadata: Option<Metadata>,
    pub(super) contacts: Option<Vec<Profile>>,
    pub(super) messages: Option<Vec<Box<RawValue>>>,
    pub(super) statuses: Option<Vec<Box<RawValue>>>,
    pub(super) errors: Option<Vec<ErrorObject>>,
}

/// The receiving business number.
#[derive(Debug, Deserialize)]
pub(super) struct Metadata {
    pub(super) display_phone_number: Option<String>,
    pub(super) phone_number_id: Option<String>,
}

/// A sender's profile (`value.contacts[]`).
#[derive(Debug, Deserialize)]
pub(super) struct Profile {
    pub(super) profile: Option<ProfileName>,
    /// The phone number; absent for a user known only by a business-scoped
    /// user id.
    pub(super) wa_id: Option<String>,
    /// The business-scoped user id (BSUID), e.g. `US.13491208655302741918`.
    pub(super) user_id: Option<String>,
}

/// `contacts[].profile`.
#[derive(Debug, Deserialize)]
pub(super) struct ProfileName {
    pub(super) name: Option<String>,
}

/// One inbound message; the body matching `type` is parsed separately.
#[derive(Debug, Deserialize)]
pub(super) struct Message {
    pub(super) id: Option<String>,
    /// The sender's phone number; absent when Meta identifies the sender by
    /// `from_user_id` only.
    pub(super) from: Option<String>,
    /// The sender's business-scoped user id (BSUID).
    pub(super) from_user_id: Option<String>,
    /// Unix seconds; a string on the wire, a number tolerated.
    pub(super) timestamp: Option<Value>,
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) context: Option<Context>,
    pub(super) errors: Option<Vec<ErrorObject>>,
    pub(super) text: Option<Box<RawValue>>,
    pub(super) image: Option<Box<RawValue>>,
    pub(super) video: Option<Box<RawValue>>,
    pub(super) audio: Option<Box<RawValue>>,
    pub(super) sticker: Option<Box<RawValue>>,
    pub(super) document: Option<Box<RawValue>>,
    pub(super) location: Option<Box<RawValue>>,
    pub(super) contacts: Option<Box<RawValue>>,
    pub(super) interactive: Option<Box<RawValue>>,
    pub(super) button: Option<Box<RawValue>>,
    pub(super) reaction: Option<Box<RawValue>>,
    pub(super) order: Option<Box<RawValue>>,
    pub(super) system: Option<Box<RawValue>>,
    pub(super) unsupported: Option<Box<RawValue>>,
}

impl Message {
    /// The body object named like a message type, if the message has one.
    pub(super) fn body(&self, kind: &str) -> Option<&RawValue> {
        let body = match kind {
            "text" => &self.text,
            "image" => &self.image,
            "video" => &self.video,
            "audio" => &self.audio,
            "sticker" => &self.sticker,
            "document" => &self.document,
            "location" => &self.location,
            "contacts" => &self.contacts,
            "interactive" => &self.interactive,
            "button" => &self.button,
            "reaction" => &self.reaction,
            "order" => &self.order,
            "system" => &self.system,
            "unsupported" => &self.unsupported,
            _ => return None,
        };
        body.as_deref()
    }
}

/// `messages[].context`: the quoted message and forwarding flags.
#[derive(Debug, Deserialize)]
pub(super) struct Context {
    pub(super) id: Option<String>,
    pub(super) forwarded: Option<bool>,
    pub(super) frequently_forwarded: Option<bool>,
}

/// `text`.
#[derive(Debug, Deserialize)]
pub(super) struct TextBody {
    pub(super) body: Option<String>,
}

/// `image`, `video`, `audio`, `sticker`, `document`.
#[derive(Debug, Deserialize)]
pub(super) struct MediaBody {
    pub(super) id: Option<String>,
    pub(super) url: Option<String>,
    pub(super) mime_type: Option<String>,
    pub(super) sha256: Option<String>,
    pub(super) caption: Option<String>,
    pub(super) filename: Option<String>,
    pub(super) voice: Option<bool>,
    pub(super) animated: Option<bool>,
}

/// `location`.
#[derive(Debug, Deserialize)]
pub(super) struct LocationBody {
    pub(super) latitude: Option<f64>,
    pub(super) longitude: Option<f64>,
    pub(super) name: Option<String>,
    pub(super) address: Option<String>,
    pub(super) url: Option<String>,
}

/// One card of `contacts[]` (inside a message).
#[derive(Debug, Deserialize)]
pub(super) struct ContactCard {
    pub(super) name: Option<ContactName>,
    pub(super) phones: Option<Vec<ContactCardPhone>>,
    pub(super) emails: Option<Vec<ContactCardEmail>>,
}

/// `contacts[].name`.
#[derive(Debug, Deserialize)]
pub(super) struct ContactName {
    pub(super) formatted_name: Option<String>,
    pub(super) first_name: Option<String>,
    pub(super) middle_name: Option<String>,
    pub(super) last_name: Option<String>,
}

/// `contacts[].phones[]`.
#[derive(Debug, Deserialize)]
pub(super) struct ContactCardPhone {
    pub(super) phone: Option<String>,
    pub(super) wa_id: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
}

/// `contacts[].emails[]`.
#[derive(Debug, Deserialize)]
pub(super) struct ContactCardEmail {
    pub(super) email: Option<String>,
}

/// `interactive`.
#[derive(Debug, Deserialize)]
pub(super) struct Interactive {
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) button_reply: Option<ChoiceReply>,
    pub(super) list_reply: Option<ChoiceReply>,
    pub(super) nfm_reply: Option<FlowReply>,
}

/// `interactive.button_reply` / `interactive.list_reply`.
#[derive(Debug, Deserialize)]
pub(super) struct ChoiceReply {
    pub(super) id: Option<String>,
    pub(super) title: Option<String>,
    pub(super) description: Option<String>,
}

/// `interactive.nfm_reply` (WhatsApp Flows, address messages).
#[derive(Debug, Deserialize)]
pub(super) struct FlowReply {
    pub(super) name: Option<String>,
    pub(super) body: Option<String>,
    pub(super) response_json: Option<String>,
}

/// `button`: a template quick-reply button was tapped.
#[derive(Debug, Deserialize)]
pub(super) struct ButtonBody {
    pub(super) payload: Option<String>,
    pub(super) text: Option<String>,
}

/// `reaction`.
#[derive(Debug, Deserialize)]
pub(super) struct ReactionBody {
    pub(super) message_id: Option<String>,
    pub(super) emoji: Option<String>,
}

/// `order`.
#[derive(Debug, Deserialize)]
pub(super) struct OrderBody {
    pub(super) catalog_id: Option<String>,
    pub(super) text: Option<String>,
    pub(super) product_items: Option<Vec<OrderItem>>,
}

/// `order.product_items[]`.
#[derive(Debug, Deserialize)]
pub(super) struct OrderItem {
    pub(super) product_retailer_id: Option<String>,
    /// An integer on the wire; a numeric string is tolerated.
    pub(super) quantity: Option<Value>,
    /// Kept raw so the decimal text survives exactly (`12.50` stays `12.50`).
    pub(super) item_price: Option<Box<RawValue>>,
    pub(super) currency: Option<String>,
}

/// `system`.
#[derive(Debug, Deserialize)]
pub(super) struct SystemBody {
    pub(super) body: Option<String>,
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
    pub(super) new_wa_id: Option<String>,
    pub(super) wa_id: Option<String>,
}

/// `unsupported` (newer payloads say which type was not supported).
#[derive(Debug, Deserialize)]
pub(super) struct UnsupportedBody {
    #[serde(rename = "type")]
    pub(super) kind: Option<String>,
}

/// One entry of `statuses[]`.
#[derive(Debug, Deserialize)]
pub(super) struct Status {
    pub(super) id: Option<String>,
    pub(super) status: Option<String>,
    pub(super) timestamp: Option<Value>,
    pub(super) recipient_id: Option<String>,
    pub(super) errors: Option<Vec<ErrorObject>>,
    /// `{billable, pricing_model, type, category}`, read leniently: a
    /// pricing object of an unexpected shape never costs the status.
    pub(super) pricing: Option<Value>,
}

/// An error object (`value.errors[]`, `messages[].errors[]`,
/// `statuses[].errors[]`).
#[derive(Debug, Deserialize)]
pub(super) struct ErrorObject {
    /// An integer on the wire; a string is tolerated.
    pub(super) code: Option<Value>,
    pub(super) title: Option<String>,
    pub(super) message: Option<String>,
    pub(super) error_data: Option<ErrorData>,
}

/// `errors[].error_data`.
#[derive(Debug, Deserialize)]
pub(super) struct ErrorData {
    pub(super) details: Option<String>,
}
