//! What a campaign sends ([`CampaignMessage`]: a template, and a text for
//! recipients inside their window) and how it is personalised for one
//! [`Recipient`] ([`Personalised`]).

use crate::shared::CustomerPhone;

/// A value put into a message for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Variable {
    /// The customer's name (their WhatsApp profile name), or "there".
    Name,
    /// Their last order's number and date, or "your last order".
    LastOrder,
    /// The same text for everyone.
    Text(String),
}

impl Variable {
    /// Parses `{{name}}`, `{{last_order}}`, or takes the text as it is.
    #[must_use]
    pub fn parse(text: &str) -> Self {
        match text.trim() {
            "{{name}}" => Self::Name,
            "{{last_order}}" => Self::LastOrder,
            _ => Self::Text(text.to_owned()),
        }
    }

    /// As written: `{{name}}`, `{{last_order}}` or the text
    /// ([`parse`](Self::parse) reads it back).
    #[must_use]
    pub fn as_text(&self) -> &str {
        match self {
            Self::Name => "{{name}}",
            Self::LastOrder => "{{last_order}}",
            Self::Text(text) => text,
        }
    }

    /// Its value for `recipient`.
    #[must_use]
    pub fn value(&self, recipient: &Recipient) -> String {
        match self {
            Self::Name => recipient.name.clone().unwrap_or_else(|| "there".to_owned()),
            Self::LastOrder => recipient
                .last_order
                .clone()
                .unwrap_or_else(|| "your last order".to_owned()),
            Self::Text(text) => text.clone(),
        }
    }
}

/// An approved template and its variables, in order ({{1}}, {{2}}, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateMessage {
    /// The template's name as approved.
    pub name: String,
    /// Its language code (`en`, `hi`, …).
    pub language: String,
    /// Twilio's Content SID for it, when sent through Twilio.
    pub content_sid: Option<String>,
    /// Its variables, in order.
    pub variables: Vec<Variable>,
}

/// What a campaign sends: a template (required outside the customer's
/// 24-hour window), and a free text for recipients inside it. At least one
/// of the two.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CampaignMessage {
    /// The template, for anyone.
    pub template: Option<TemplateMessage>,
    /// Free text with `{{name}}` and `{{last_order}}`, for recipients whose
    /// window is open.
    pub text: Option<String>,
}

impl CampaignMessage {
    /// Whether there is nothing to send.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.template.is_none() && self.text.as_deref().is_none_or(|t| t.trim().is_empty())
    }

    /// The message for `recipient`: the text when their window is open and
    /// there is one, else the template; `None` when their window is closed
    /// and there is no template (they cannot be reached now).
    #[must_use]
    pub fn personalise(&self, recipient: &Recipient, window_open: bool) -> Option<Personalised> {
        if window_open && let Some(text) = self.text.as_deref().filter(|t| !t.trim().is_empty()) {
            let filled = text
                .replace("{{name}}", &Variable::Name.value(recipient))
                .replace("{{last_order}}", &Variable::LastOrder.value(recipient));
            return Some(Personalised::Text(filled));
        }
        let template = self.template.as_ref()?;
        Some(Personalised::Template {
            name: template.name.clone(),
            language: template.language.clone(),
            content_sid: template.content_sid.clone(),
            params: template
                .variables
                .iter()
                .map(|v| v.value(recipient))
                .collect(),
        })
    }
}

/// A campaign's message for one recipient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Personalised {
    /// Free text (inside the window).
    Text(String),
    /// A template with its variables filled in.
    Template {
        /// The template's name.
        name: String,
        /// Its language.
        language: String,
        /// Twilio's Content SID, if any.
        content_sid: Option<String>,
        /// The variables' values, in order.
        params: Vec<String>,
    },
}

impl Personalised {
    /// A one-line summary for logs and previews.
    #[must_use]
    pub fn summary(&self) -> String {
        match self {
            Self::Text(text) => text.clone(),
            Self::Template { name, params, .. } => format!("{name}({})", params.join(", ")),
        }
    }
}

/// One person a campaign reaches, with what personalises their message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    /// Their number.
    pub phone: CustomerPhone,
    /// Their name, when known.
    pub name: Option<String>,
    /// Their last order, as shown ("ORD-00042 of 3 Dec"), when they have one.
    pub last_order: Option<String>,
}

impl Recipient {
    /// A recipient known only by number.
    #[must_use]
    pub fn number(phone: CustomerPhone) -> Self {
        Self {
            phone,
            name: None,
            last_order: None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn phone(p: &str) -> CustomerPhone {
        CustomerPhone::parse(p).unwrap()
    }

    #[test]
    fn the_message_is_personalised_by_window() {
        let message = CampaignMessage {
            text: Some("Hi {{name}}, about {{last_order}}".to_owned()),
            template: Some(TemplateMessage {
                name: "offer".to_owned(),
                language: "en".to_owned(),
                content_sid: None,
                variables: vec![Variable::Name, Variable::parse("20% off")],
            }),
        };
        let asha = Recipient {
            phone: phone("+919812345678"),
            name: Some("Asha".to_owned()),
            last_order: Some("ORD-00042".to_owned()),
        };
        assert_eq!(
            message.personalise(&asha, true),
            Some(Personalised::Text("Hi Asha, about ORD-00042".to_owned()))
        );
        let closed = message.personalise(&Recipient::number(phone("+919800000001")), false);
        assert_eq!(
            closed.map(|p| p.summary()),
            Some("offer(there, 20% off)".to_owned())
        );
        let text_only = CampaignMessage {
            template: None,
            ..message
        };
        assert_eq!(
            text_only.personalise(&asha, false),
            None,
            "closed window, no template"
        );
    }
}
