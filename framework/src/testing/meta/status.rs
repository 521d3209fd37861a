//! [`MetaStatus`]: one status update of a webhook, as Meta sends it.

use serde_json::{Map, Value, json};

use super::{error_object, now_secs};

/// One status update of a [`MetaWebhook`](super::MetaWebhook) (an entry of `value.statuses[]`).
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

    pub(super) fn to_json(&self) -> Value {
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
