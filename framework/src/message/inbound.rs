//! Messages customers send, in a provider-neutral form.

use std::time::SystemTime;

use http::Extensions;

use super::key::{ConversationKey, MessageId, Provider};

/// One message a customer sent, as the pipeline sees it.
///
/// Provider adapters ([`crate::provider::twilio`], [`crate::provider::meta`]) build
/// it from a webhook; the test kit builds it directly. Layers attach per-turn
/// data (the loaded session, the conversation state) in [`extensions`](Self::extensions).
/// Serializable (serde) so a message can be stored as it arrived and run
/// later (a durable inbox); the extensions are not stored.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct InboundMessage {
    provider: Provider,
    id: MessageId,
    key: ConversationKey,
    content: Content,
    profile_name: Option<String>,
    timestamp: Option<SystemTime>,
    reply_to: Option<MessageId>,
    forwarded: bool,
    channel_id: Option<String>,
    /// Absent in messages stored before it existed.
    #[serde(default)]
    user_id: Option<String>,
    #[serde(skip)]
    extensions: Extensions,
}

impl InboundMessage {
    /// A message with the given identity and content; the optional parts start
    /// empty and are set with the `with_*` methods.
    #[must_use]
    pub fn new(provider: Provider, id: MessageId, key: ConversationKey, content: Content) -> Self {
        Self {
            provider,
            id,
            key,
            content,
            profile_name: None,
            timestamp: None,
            reply_to: None,
            forwarded: false,
            channel_id: None,
            user_id: None,
            extensions: Extensions::new(),
        }
    }

    /// Sets the sender's WhatsApp profile name.
    #[must_use]
    pub fn with_profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// Sets when the provider says the customer sent the message.
    #[must_use]
    pub fn with_timestamp(mut self, at: SystemTime) -> Self {
        self.timestamp = Some(at);
        self
    }

    /// Sets the id of the message this one replies to (a quoted reply).
    #[must_use]
    pub fn with_reply_to(mut self, id: MessageId) -> Self {
        self.reply_to = Some(id);
        self
    }

    /// Marks the message as forwarded.
    #[must_use]
    pub fn with_forwarded(mut self, forwarded: bool) -> Self {
        self.forwarded = forwarded;
        self
    }

    /// Sets the provider's id of the receiving business channel (Meta's
    /// `phone_number_id`, Twilio's `MessagingServiceSid`).
    #[must_use]
    pub fn with_channel_id(mut self, id: impl Into<String>) -> Self {
        self.channel_id = Some(id.into());
        self
    }

    /// Sets the sender's business-scoped user id (BSUID), which Meta sends
    /// next to the phone number (see [`user_id`](Self::user_id)).
    #[must_use]
    pub fn with_user_id(mut self, id: impl Into<String>) -> Self {
        self.user_id = Some(id.into());
        self
    }

    /// The provider the message came through.
    #[must_use]
    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// The provider's message id (the dedup key).
    #[must_use]
    pub fn id(&self) -> &MessageId {
        &self.id
    }

    /// The conversation (business number + customer number).
    #[must_use]
    pub fn key(&self) -> &ConversationKey {
        &self.key
    }

    /// What the customer sent.
    #[must_use]
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// The text of a text message, or the caption of a media message.
    #[must_use]
    pub fn text(&self) -> Option<&str> {
        match &self.content {
            Content::Text { body } => Some(body),
            Content::Media { caption, .. } => caption.as_deref(),
            _ => None,
        }
    }

    /// The id the bot gave to a tapped reply button, list row or template
    /// quick-reply button.
    #[must_use]
    pub fn choice_id(&self) -> Option<&str> {
        match &self.content {
            Content::ButtonReply { id, .. } | Content::ListReply { id, .. } => Some(id),
            Content::QuickReply { payload, .. } => Some(payload),
            _ => None,
        }
    }

    /// The sender's WhatsApp profile name, when the provider sent one.
    #[must_use]
    pub fn profile_name(&self) -> Option<&str> {
        self.profile_name.as_deref()
    }

    /// When the customer sent the message, when the provider says so (Meta does,
    /// Twilio does not).
    #[must_use]
    pub fn timestamp(&self) -> Option<SystemTime> {
        self.timestamp
    }

    /// The message this one quotes, if any.
    #[must_use]
    pub fn reply_to(&self) -> Option<&MessageId> {
        self.reply_to.as_ref()
    }

    /// Whether the customer forwarded this message from elsewhere.
    #[must_use]
    pub fn forwarded(&self) -> bool {
        self.forwarded
    }

    /// The provider's id of the receiving business channel, if it has one.
    #[must_use]
    pub fn channel_id(&self) -> Option<&str> {
        self.channel_id.as_deref()
    }

    /// The sender's business-scoped user id (BSUID, e.g.
    /// `US.13491208655302741918`), when the provider sent one: Meta's
    /// `from_user_id` (or the sender's `contacts[].user_id`), Twilio's
    /// `ExternalUserId` without its `whatsapp:` prefix.
    ///
    /// Meta gives a user a new BSUID when their number changes, so it can link
    /// a customer's old and new numbers; the conversation is still keyed by
    /// the phone number ([`key`](Self::key)). A message with a BSUID and no
    /// phone number is not an `InboundMessage` at all but an
    /// [`UnaddressableMessage`](crate::UnaddressableMessage).
    #[must_use]
    pub fn user_id(&self) -> Option<&str> {
        self.user_id.as_deref()
    }

    /// A key that identifies this message across retries of its webhook:
    /// `<provider>:<message id>`, scoped by the channel id where the provider
    /// scopes its ids (Meta's wamids are unique per `phone_number_id`).
    #[must_use]
    pub fn dedup_key(&self) -> String {
        match &self.channel_id {
            Some(channel) if self.provider == Provider::Meta => {
                format!("{}:{}:{}", self.provider, channel, self.id)
            }
            _ => format!("{}:{}", self.provider, self.id),
        }
    }

    /// Replaces what the customer sent, returning the old content (a layer
    /// that interprets messages, like [`menu`](crate::menu), uses this).
    pub fn set_content(&mut self, content: Content) -> Content {
        std::mem::replace(&mut self.content, content)
    }

    /// Per-turn data attached by layers (the session, the conversation state).
    #[must_use]
    pub fn extensions(&self) -> &Extensions {
        &self.extensions
    }

    /// Mutable access to the per-turn data.
    pub fn extensions_mut(&mut self) -> &mut Extensions {
        &mut self.extensions
    }
}

/// What a customer sent.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum Content {
    /// A plain text message.
    Text {
        /// The text, exactly as the customer typed it.
        body: String,
    },
    /// One or more media items (Twilio can carry up to ten in one message).
    Media {
        /// The items, never empty.
        items: Vec<Media>,
        /// Text sent along with the media (Twilio `Body`, Meta `caption`).
        caption: Option<String>,
    },
    /// A shared location.
    Location(Location),
    /// Shared contact cards.
    Contacts(Vec<Contact>),
    /// The customer tapped one of the bot's reply buttons.
    ButtonReply {
        /// The id the bot gave the button.
        id: String,
        /// The title shown on the button.
        title: String,
    },
    /// The customer picked a row of the bot's list message.
    ListReply {
        /// The id the bot gave the row.
        id: String,
        /// The row's title.
        title: String,
        /// The row's description, if it had one.
        description: Option<String>,
    },
    /// The customer tapped a quick-reply button of a template message.
    QuickReply {
        /// The payload set on the template button.
        payload: String,
        /// The text shown on the button.
        text: String,
    },
    /// The customer reacted to a message with an emoji, or removed a reaction.
    Reaction {
        /// The message reacted to.
        message_id: MessageId,
        /// The emoji; `None` when the reaction was removed.
        emoji: Option<String>,
    },
    /// The customer sent an order from the business's WhatsApp catalog.
    Order(CatalogOrder),
    /// The customer submitted a WhatsApp Flow or address message.
    FlowReply {
        /// The flow name (`flow`, `address_message`).
        name: String,
        /// The body text shown for the response.
        body: String,
        /// The response data, a JSON document as a string.
        response_json: String,
    },
    /// A system notice, e.g. the customer changed their number.
    System {
        /// The notice text.
        body: String,
        /// The provider's notice type, e.g. `user_changed_number`.
        kind: Option<String>,
        /// The customer's new WhatsApp id, for number changes.
        new_wa_id: Option<String>,
    },
    /// A well-formed message of a type this framework does not model.
    ///
    /// It is still routed, so a bot can answer "I can't read that yet".
    Unsupported {
        /// The provider's name for the type, e.g. `ephemeral`.
        kind: String,
        /// What the provider said about it, if anything.
        detail: Option<String>,
    },
}

impl Content {
    /// A short lower-case name of the content type, for logs and metrics.
    #[must_use]
    pub fn kind(&self) -> &str {
        match self {
            Self::Text { .. } => "text",
            Self::Media { items, .. } => items.first().map_or("media", |m| m.kind.as_str()),
            Self::Location(_) => "location",
            Self::Contacts(_) => "contacts",
            Self::ButtonReply { .. } => "button_reply",
            Self::ListReply { .. } => "list_reply",
            Self::QuickReply { .. } => "quick_reply",
            Self::Reaction { .. } => "reaction",
            Self::Order(_) => "order",
            Self::FlowReply { .. } => "flow_reply",
            Self::System { .. } => "system",
            Self::Unsupported { .. } => "unsupported",
        }
    }
}

/// The kind of a media item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum MediaKind {
    /// A picture.
    Image,
    /// A voice note or audio file.
    Audio,
    /// A video.
    Video,
    /// A document (PDF, spreadsheet, vCard, ...).
    Document,
    /// A WhatsApp sticker.
    Sticker,
}

impl MediaKind {
    /// The lower-case name (`image`, `audio`, ...), as Meta spells it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Image => "image",
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Document => "document",
            Self::Sticker => "sticker",
        }
    }

    /// Guesses the kind from a MIME type (Twilio only gives the MIME type).
    #[must_use]
    pub fn from_mime(mime: &str) -> Self {
        let mime = mime.trim().to_ascii_lowercase();
        if mime == "image/webp" {
            Self::Sticker
        } else if mime.starts_with("image/") {
            Self::Image
        } else if mime.starts_with("audio/") {
            Self::Audio
        } else if mime.starts_with("video/") {
            Self::Video
        } else {
            Self::Document
        }
    }
}

/// A reference to a media item held by the provider.
///
/// Downloading it is IO and lives outside this crate, in
/// `infra_providers::media` (`Providers::download`): Twilio media URLs need
/// HTTP Basic auth, Meta media ids are exchanged for a short-lived URL.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Media {
    /// Image, audio, video, document or sticker.
    pub kind: MediaKind,
    /// The provider's media id (Meta).
    pub id: Option<String>,
    /// A URL to fetch the media from (Twilio `MediaUrlN`, Meta `url`).
    pub url: Option<String>,
    /// The MIME type, e.g. `image/jpeg`.
    pub mime_type: Option<String>,
    /// Hex SHA-256 of the file, when the provider gives it (Meta).
    pub sha256: Option<String>,
    /// The file name of a document.
    pub filename: Option<String>,
    /// Whether an audio item is a voice note.
    pub voice: bool,
    /// Whether a sticker is animated.
    pub animated: bool,
}

impl Media {
    /// A media reference of the given kind with no details yet.
    #[must_use]
    pub fn new(kind: MediaKind) -> Self {
        Self {
            kind,
            id: None,
            url: None,
            mime_type: None,
            sha256: None,
            filename: None,
            voice: false,
            animated: false,
        }
    }
}

/// A shared location.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Location {
    /// Latitude in degrees.
    pub latitude: f64,
    /// Longitude in degrees.
    pub longitude: f64,
    /// The place's name, if shared.
    pub name: Option<String>,
    /// The place's address, if shared.
    pub address: Option<String>,
    /// A URL for the place, if shared.
    pub url: Option<String>,
}

/// A shared contact card.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    /// The contact's formatted name.
    pub name: String,
    /// The contact's phone numbers.
    pub phones: Vec<ContactPhone>,
    /// The contact's email addresses.
    pub emails: Vec<String>,
}

/// One phone number of a shared contact.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ContactPhone {
    /// The number as written on the card.
    pub phone: String,
    /// The WhatsApp id, if the number is on WhatsApp.
    pub wa_id: Option<String>,
    /// The label (`CELL`, `HOME`, ...).
    pub kind: Option<String>,
}

/// An order sent from the business's WhatsApp catalog.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CatalogOrder {
    /// The catalog the products belong to.
    pub catalog_id: String,
    /// A note the customer added.
    pub text: Option<String>,
    /// The ordered products.
    pub items: Vec<CatalogOrderItem>,
}

/// One line of a catalog order.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CatalogOrderItem {
    /// The product's retailer id (the business's SKU).
    pub product_id: String,
    /// How many.
    pub quantity: u32,
    /// The unit price as a decimal string exactly as the provider sent it
    /// (e.g. `"12.50"`); turn it into integer minor units with the currency's
    /// exponent, never into a float.
    pub item_price: String,
    /// ISO 4217 currency code.
    pub currency: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PhoneNumber;

    #[test]
    fn a_message_survives_being_stored_and_read_back() {
        let key = ConversationKey::new(
            PhoneNumber::parse("whatsapp:+14155238886").unwrap(),
            PhoneNumber::parse("+91 98123 45678").unwrap(),
        );
        let mut item = Media::new(MediaKind::Image);
        item.url = Some("https://example.test/a.jpg".to_owned());
        item.mime_type = Some("image/jpeg".to_owned());
        let msg = InboundMessage::new(
            Provider::Meta,
            MessageId::new("wamid.1"),
            key,
            Content::Media {
                items: vec![item],
                caption: Some("cement bags".to_owned()),
            },
        )
        .with_profile_name("Asha")
        .with_timestamp(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000))
        .with_reply_to(MessageId::new("wamid.0"))
        .with_forwarded(true)
        .with_channel_id("106540352242922")
        .with_user_id("IN.1234567890123456789");

        let stored = serde_json::to_string(&msg).unwrap();
        let back: InboundMessage = serde_json::from_str(&stored).unwrap();

        assert_eq!(back.provider(), Provider::Meta);
        assert_eq!(back.id(), msg.id());
        assert_eq!(back.key(), msg.key());
        assert_eq!(back.content(), msg.content());
        assert_eq!(back.profile_name(), Some("Asha"));
        assert_eq!(back.timestamp(), msg.timestamp());
        assert_eq!(back.reply_to(), msg.reply_to());
        assert!(back.forwarded());
        assert_eq!(back.channel_id(), Some("106540352242922"));
        assert_eq!(back.user_id(), Some("IN.1234567890123456789"));
    }

    #[test]
    fn a_message_stored_before_user_ids_still_reads() {
        // Stored by a version without `user_id`: the inbox must still run it.
        let stored = r#"{"provider":"twilio","id":"SM1","key":{"business":"+14155238886","customer":"+919812345678"},"content":{"Text":{"body":"hi"}},"profile_name":null,"timestamp":null,"reply_to":null,"forwarded":false,"channel_id":null}"#;
        let back: InboundMessage = serde_json::from_str(stored).unwrap();
        assert_eq!(back.text(), Some("hi"));
        assert_eq!(back.user_id(), None);
    }

    #[test]
    fn a_stored_message_with_a_bad_number_is_refused() {
        let stored = r#"{"provider":"twilio","id":"SM1","key":{"business":"+14155238886","customer":"not a number"},"content":{"Text":{"body":"hi"}},"profile_name":null,"timestamp":null,"reply_to":null,"forwarded":false,"channel_id":null}"#;
        assert!(serde_json::from_str::<InboundMessage>(stored).is_err());
    }
}
