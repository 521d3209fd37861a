//! How a campaign's audience and message are stored: JSON, in a shape of
//! its own (so a rename in the domain does not change stored rows).

use features::campaigns::{Audience, BoughtWithin, CampaignMessage, TemplateMessage, Variable};
use features::shared::{CustomerPhone, RepositoryError};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct StoredAudience {
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    bought: Option<StoredBought>,
    #[serde(default)]
    numbers: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredBought {
    product: String,
    days: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredMessage {
    #[serde(default)]
    template: Option<StoredTemplate>,
    #[serde(default)]
    text: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredTemplate {
    name: String,
    language: String,
    #[serde(default)]
    content_sid: Option<String>,
    /// `{{name}}`, `{{last_order}}` or a text.
    #[serde(default)]
    variables: Vec<String>,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> RepositoryError {
    RepositoryError::Corrupt(format!("campaign {what}: {e}"))
}

/// `audience` as stored.
pub(super) fn audience_json(audience: &Audience) -> Result<String, RepositoryError> {
    serde_json::to_string(&StoredAudience {
        tags: audience.tags.clone(),
        bought: audience.bought.as_ref().map(|b| StoredBought {
            product: b.product.clone(),
            days: b.days,
        }),
        numbers: audience
            .numbers
            .iter()
            .map(|n| n.as_str().to_owned())
            .collect(),
    })
    .map_err(|e| corrupt("audience", e))
}

/// The stored audience `json`.
pub(super) fn audience(json: &str) -> Result<Audience, RepositoryError> {
    let stored: StoredAudience = serde_json::from_str(json).map_err(|e| corrupt("audience", e))?;
    Ok(Audience {
        tags: stored.tags,
        bought: stored.bought.map(|b| BoughtWithin {
            product: b.product,
            days: b.days,
        }),
        numbers: stored
            .numbers
            .iter()
            .map(|n| CustomerPhone::parse(n).map_err(|e| corrupt("audience number", e)))
            .collect::<Result<_, _>>()?,
    })
}

/// `message` as stored.
pub(super) fn message_json(message: &CampaignMessage) -> Result<String, RepositoryError> {
    serde_json::to_string(&StoredMessage {
        template: message.template.as_ref().map(|t| StoredTemplate {
            name: t.name.clone(),
            language: t.language.clone(),
            content_sid: t.content_sid.clone(),
            variables: t.variables.iter().map(|v| v.as_text().to_owned()).collect(),
        }),
        text: message.text.clone(),
    })
    .map_err(|e| corrupt("message", e))
}

/// The stored message `json`.
pub(super) fn message(json: &str) -> Result<CampaignMessage, RepositoryError> {
    let stored: StoredMessage = serde_json::from_str(json).map_err(|e| corrupt("message", e))?;
    Ok(CampaignMessage {
        template: stored.template.map(|t| TemplateMessage {
            name: t.name,
            language: t.language,
            content_sid: t.content_sid,
            variables: t.variables.iter().map(|v| Variable::parse(v)).collect(),
        }),
        text: stored.text,
    })
}
