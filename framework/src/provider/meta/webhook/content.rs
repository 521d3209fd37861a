//! What a message says: its `type` and the object of that name (`text`,
//! media, `location`, `contacts`, `interactive`, `button`, `order`, ...)
//! → [`Content`]. A type this crate does not know is
//! [`Content::Unsupported`], never an error.

use serde_json::Value;
use serde_json::value::RawValue;

use super::super::wire;
use super::{body, first_error, invalid, message_id, parse_raw, required, required_id};
use crate::message::{
    CatalogOrder, CatalogOrderItem, Contact, ContactPhone, Content, Location, Media, MediaKind,
};
use crate::provider::WebhookError;

pub(super) fn parse_content(
    msg: &wire::Message,
    kind: &str,
    path: &str,
) -> Result<Content, WebhookError> {
    let content = match kind {
        "text" => {
            let (text, at): (wire::TextBody, _) = body(msg, kind, path)?;
            Content::Text {
                body: required(text.body.as_deref(), &at, "body")?.to_owned(),
            }
        }
        "image" | "video" | "audio" | "sticker" | "document" => media(msg, kind, path)?,
        "location" => {
            let (loc, at): (wire::LocationBody, _) = body(msg, kind, path)?;
            Content::Location(Location {
                latitude: loc
                    .latitude
                    .ok_or_else(|| WebhookError::MissingField(format!("{at}.latitude")))?,
                longitude: loc
                    .longitude
                    .ok_or_else(|| WebhookError::MissingField(format!("{at}.longitude")))?,
                name: loc.name,
                address: loc.address,
                url: loc.url,
            })
        }
        "contacts" => {
            let (cards, _): (Vec<wire::ContactCard>, _) = body(msg, kind, path)?;
            Content::Contacts(cards.into_iter().map(contact).collect())
        }
        "interactive" => interactive(msg, path)?,
        "button" => {
            let (button, at): (wire::ButtonBody, _) = body(msg, kind, path)?;
            let text = required(button.text.as_deref(), &at, "text")?.to_owned();
            Content::QuickReply {
                // Meta always sends the payload; should it not, the button text
                // is what a template without custom payloads sends back.
                payload: button.payload.unwrap_or_else(|| text.clone()),
                text,
            }
        }
        "reaction" => {
            let (reaction, at): (wire::ReactionBody, _) = body(msg, kind, path)?;
            Content::Reaction {
                message_id: message_id(reaction.message_id.as_deref(), &at, "message_id")?,
                emoji: reaction.emoji.filter(|e| !e.is_empty()),
            }
        }
        "order" => order(msg, path)?,
        "system" => {
            let (system, _): (wire::SystemBody, _) = body(msg, kind, path)?;
            Content::System {
                body: system.body.unwrap_or_default(),
                kind: system.kind,
                new_wa_id: system.new_wa_id.or(system.wa_id),
            }
        }
        "unsupported" => {
            let inner = match msg.body(kind) {
                Some(raw) => {
                    parse_raw::<wire::UnsupportedBody>(raw, &format!("{path}.unsupported"))?.kind
                }
                None => None,
            };
            Content::Unsupported {
                kind: inner.unwrap_or_else(|| kind.to_owned()),
                detail: first_error(msg.errors.as_deref()),
            }
        }
        other => Content::Unsupported {
            kind: other.to_owned(),
            detail: first_error(msg.errors.as_deref()),
        },
    };
    Ok(content)
}

fn media(msg: &wire::Message, kind: &str, path: &str) -> Result<Content, WebhookError> {
    let (body, at): (wire::MediaBody, _) = body(msg, kind, path)?;
    let media_kind = match kind {
        "image" => MediaKind::Image,
        "video" => MediaKind::Video,
        "audio" => MediaKind::Audio,
        "sticker" => MediaKind::Sticker,
        _ => MediaKind::Document,
    };
    if body.id.is_none() && body.url.is_none() {
        return Err(WebhookError::MissingField(format!("{at}.id")));
    }
    let mut item = Media::new(media_kind);
    item.id = body.id;
    item.url = body.url;
    item.mime_type = body.mime_type;
    item.sha256 = body.sha256;
    item.filename = body.filename;
    item.voice = body.voice.unwrap_or(false);
    item.animated = body.animated.unwrap_or(false);
    Ok(Content::Media {
        items: vec![item],
        caption: body.caption,
    })
}

fn contact(card: wire::ContactCard) -> Contact {
    let name = card
        .name
        .map(|n| {
            n.formatted_name
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| {
                    [n.first_name, n.middle_name, n.last_name]
                        .into_iter()
                        .flatten()
                        .filter(|part| !part.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ")
                })
        })
        .unwrap_or_default();
    let phones = card
        .phones
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| {
            let phone = p.phone.or_else(|| p.wa_id.clone())?;
            Some(ContactPhone {
                phone,
                wa_id: p.wa_id,
                kind: p.kind,
            })
        })
        .collect();
    let emails = card
        .emails
        .unwrap_or_default()
        .into_iter()
        .filter_map(|e| e.email)
        .collect();
    Contact {
        name,
        phones,
        emails,
    }
}

fn interactive(msg: &wire::Message, path: &str) -> Result<Content, WebhookError> {
    let (body, at): (wire::Interactive, _) = body(msg, "interactive", path)?;
    let sub = required_id(body.kind.as_deref(), &at, "type")?;
    let content = match sub {
        "button_reply" => {
            let reply = body
                .button_reply
                .ok_or_else(|| WebhookError::MissingField(format!("{at}.button_reply")))?;
            let at = format!("{at}.button_reply");
            Content::ButtonReply {
                id: required(reply.id.as_deref(), &at, "id")?.to_owned(),
                title: reply.title.unwrap_or_default(),
            }
        }
        "list_reply" => {
            let reply = body
                .list_reply
                .ok_or_else(|| WebhookError::MissingField(format!("{at}.list_reply")))?;
            let at = format!("{at}.list_reply");
            Content::ListReply {
                id: required(reply.id.as_deref(), &at, "id")?.to_owned(),
                title: reply.title.unwrap_or_default(),
                description: reply.description,
            }
        }
        "nfm_reply" => {
            let reply = body
                .nfm_reply
                .ok_or_else(|| WebhookError::MissingField(format!("{at}.nfm_reply")))?;
            let at = format!("{at}.nfm_reply");
            Content::FlowReply {
                name: reply.name.unwrap_or_else(|| "flow".to_owned()),
                body: reply.body.unwrap_or_default(),
                response_json: required(reply.response_json.as_deref(), &at, "response_json")?
                    .to_owned(),
            }
        }
        other => Content::Unsupported {
            kind: format!("interactive.{other}"),
            detail: first_error(msg.errors.as_deref()),
        },
    };
    Ok(content)
}

fn order(msg: &wire::Message, path: &str) -> Result<Content, WebhookError> {
    let (body, at): (wire::OrderBody, _) = body(msg, "order", path)?;
    let catalog_id = required(body.catalog_id.as_deref(), &at, "catalog_id")?.to_owned();
    let mut items = Vec::new();
    for (i, item) in body
        .product_items
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let at = format!("{at}.product_items[{i}]");
        let quantity = item
            .quantity
            .as_ref()
            .ok_or_else(|| WebhookError::MissingField(format!("{at}.quantity")))?;
        let quantity = match quantity {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .and_then(|q| u32::try_from(q).ok())
        .ok_or_else(|| {
            invalid(
                &format!("{at}.quantity"),
                "expected a whole number of items",
            )
        })?;
        let price = item
            .item_price
            .as_deref()
            .ok_or_else(|| WebhookError::MissingField(format!("{at}.item_price")))?;
        items.push(CatalogOrderItem {
            product_id: required(
                item.product_retailer_id.as_deref(),
                &at,
                "product_retailer_id",
            )?
            .to_owned(),
            quantity,
            item_price: decimal_text(price, &format!("{at}.item_price"))?,
            currency: required(item.currency.as_deref(), &at, "currency")?.to_owned(),
        });
    }
    Ok(Content::Order(CatalogOrder {
        catalog_id,
        text: body.text.filter(|t| !t.is_empty()),
        items,
    }))
}

/// The exact text of a JSON number (or of a string holding one): `12.50` stays
/// `12.50`, never `12.5` or a float.
fn decimal_text(raw: &RawValue, path: &str) -> Result<String, WebhookError> {
    let text = raw.get().trim();
    let text = if text.starts_with('"') {
        serde_json::from_str::<String>(text)
            .map_err(|e| invalid(path, &e.to_string()))?
            .trim()
            .to_owned()
    } else {
        // A valid JSON value that passes the digit check below is a number
        // literal; its text is kept as is, whatever its size.
        text.to_owned()
    };
    let (int, frac) = text.split_once('.').unwrap_or((text.as_str(), "0"));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if digits(int.strip_prefix('-').unwrap_or(int)) && digits(frac) {
        Ok(text)
    } else {
        Err(invalid(path, "expected a plain decimal number like 12.50"))
    }
}
