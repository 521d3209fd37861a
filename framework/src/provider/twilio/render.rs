//! [`Reply`]s to Messages API form requests
//! (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::message::{PhoneNumber, Provider};
use crate::provider::RenderError;
use crate::reply::{Buttons, List, Reply, Template, split_text};

/// The longest `Body` Twilio accepts, in characters. Longer text is sent as
/// several messages.
pub const BODY_LIMIT: usize = 1600;

/// What every outbound request carries besides the reply: the sender, the
/// status callback URL and the Content SIDs of the templates.
///
/// ```
/// use framework::PhoneNumber;
/// use framework::provider::twilio::OutboundConfig;
///
/// let config = OutboundConfig::new(PhoneNumber::parse("whatsapp:+14155238886").unwrap())
///     .with_status_callback("https://bot.example.com/webhooks/twilio")
///     .with_template("order_update", "HXb5b62575e6e4ff6129ad7c8efe1f983e");
/// assert_eq!(config.content_sid("order_update"), Some("HXb5b62575e6e4ff6129ad7c8efe1f983e"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboundConfig {
    from: Option<PhoneNumber>,
    messaging_service_sid: Option<String>,
    status_callback: Option<String>,
    templates: BTreeMap<String, String>,
}

impl OutboundConfig {
    /// Sends from a WhatsApp sender number (`From=whatsapp:+E164`).
    #[must_use]
    pub fn new(from: PhoneNumber) -> Self {
        Self {
            from: Some(from),
            messaging_service_sid: None,
            status_callback: None,
            templates: BTreeMap::new(),
        }
    }

    /// Sends through a Messaging Service (`MessagingServiceSid=MG…`), which
    /// picks the sender.
    #[must_use]
    pub fn messaging_service(sid: impl Into<String>) -> Self {
        Self {
            from: None,
            messaging_service_sid: Some(sid.into()),
            status_callback: None,
            templates: BTreeMap::new(),
        }
    }

    /// Also passes a Messaging Service SID alongside `From` (for service
    /// features such as scheduling).
    #[must_use]
    pub fn with_messaging_service_sid(mut self, sid: impl Into<String>) -> Self {
        self.messaging_service_sid = Some(sid.into());
        self
    }

    /// Asks Twilio to POST status callbacks for every message to `url`
    /// (overrides the Messaging Service's callback). Defaults to none.
    #[must_use]
    pub fn with_status_callback(mut self, url: impl Into<String>) -> Self {
        self.status_callback = Some(url.into());
        self
    }

    /// Maps a template name to its Twilio Content SID (`HX…`).
    #[must_use]
    pub fn with_template(
        mut self,
        name: impl Into<String>,
        content_sid: impl Into<String>,
    ) -> Self {
        self.templates.insert(name.into(), content_sid.into());
        self
    }

    /// The sender number, if sending from a number.
    #[must_use]
    pub fn from(&self) -> Option<&PhoneNumber> {
        self.from.as_ref()
    }

    /// The Messaging Service SID, if any.
    #[must_use]
    pub fn messaging_service_sid(&self) -> Option<&str> {
        self.messaging_service_sid.as_deref()
    }

    /// The status callback URL, if any.
    #[must_use]
    pub fn status_callback(&self) -> Option<&str> {
        self.status_callback.as_deref()
    }

    /// The Content SID configured for a template name.
    #[must_use]
    pub fn content_sid(&self, template: &str) -> Option<&str> {
        self.templates.get(template).map(String::as_str)
    }
}

/// One Messages API request: form fields in the order they are sent.
///
/// POST [`encode`](Self::encode)d to [`MessageRequest::path`] with HTTP Basic
/// auth; the response is read by [`parse_send_response`](super::parse_send_response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRequest {
    fields: Vec<(&'static str, String)>,
}

impl MessageRequest {
    /// The path to POST to, relative to the API base (`https://api.twilio.com`):
    /// `/2010-04-01/Accounts/{account_sid}/Messages.json`.
    #[must_use]
    pub fn path(account_sid: &str) -> String {
        format!("/2010-04-01/Accounts/{account_sid}/Messages.json")
    }

    /// The form fields, in order. Repeated names (several `MediaUrl`) appear
    /// once per value.
    #[must_use]
    pub fn fields(&self) -> &[(&'static str, String)] {
        &self.fields
    }

    /// The first value of a field, e.g. `get("Body")`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `application/x-www-form-urlencoded` body.
    #[must_use]
    pub fn encode(&self) -> String {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(self.fields.iter().map(|(n, v)| (*n, v.as_str())))
            .finish()
    }
}

/// Renders a reply to `to` as one or more Messages API requests, to be sent in
/// order (WhatsApp does not guarantee the delivery order of a burst; wait for
/// each send to be accepted before the next).
///
/// Every request starts with `To=whatsapp:+E164`, then `From` and/or
/// `MessagingServiceSid`, the content, and `StatusCallback` when configured.
///
/// | Reply | Fields |
/// |---|---|
/// | Text | `Body`; text over [`BODY_LIMIT`] characters becomes several requests split with [`split_text`], never truncated (`preview_url` has no Twilio equivalent) |
/// | Media | `MediaUrl`, plus `Body` = caption (Twilio names documents after the URL's last path segment) |
/// | Buttons, List | a numbered text menu in `Body` (see below) |
/// | Template | `ContentSid` + `ContentVariables`, no `Body` |
/// | Reaction, MarkRead | [`RenderError::Unsupported`] |
///
/// # Menus
///
/// Free-form buttons and lists need pre-approved Content Templates on Twilio,
/// so they are sent as text. The layout is fixed, so the bot can map "1", "2"…
/// back to ids (the [`menu`](crate::menu) layer does, with the same numbering):
///
/// ```text
/// Header            (when set, then a blank line)
/// Body
///
/// 1. First button
/// 2. Second button
///
/// Footer            (when set, after a blank line)
/// ```
///
/// Lists number their rows consecutively across sections (1 to at most 10), in
/// display order; each titled section starts with its title on its own line,
/// sections are separated by blank lines, and a row's description follows its
/// title after `" - "`. The list's button label is not shown.
///
/// # Templates
///
/// The Content SID is [`Template::content_sid`] or else the one configured for
/// the template's name. Positional body parameters become variables `"1"`,
/// `"2"`… in order (named parameters do not take a number); named parameters
/// use their name. Twilio numbers all of a Content template's variables
/// (header, media and button ones included), so Meta-style header and button
/// parameters cannot be mapped: put those values in the body parameters in the
/// Content template's numbering.
///
/// # Errors
///
/// - [`RenderError::Unsupported`] for reactions, read receipts, and templates
///   with header or button parameters.
/// - [`RenderError::MissingContentSid`] for a template without a Content SID.
/// - [`RenderError::Empty`] for a text with nothing but whitespace.
pub fn render(
    reply: &Reply,
    to: &PhoneNumber,
    config: &OutboundConfig,
) -> Result<Vec<MessageRequest>, RenderError> {
    let request = |content: Vec<(&'static str, String)>| {
        let mut fields = Vec::with_capacity(content.len() + 4);
        fields.push(("To", whatsapp_address(to)));
        if let Some(from) = &config.from {
            fields.push(("From", whatsapp_address(from)));
        }
        if let Some(sid) = &config.messaging_service_sid {
            fields.push(("MessagingServiceSid", sid.clone()));
        }
        fields.extend(content);
        if let Some(url) = &config.status_callback {
            fields.push(("StatusCallback", url.clone()));
        }
        MessageRequest { fields }
    };
    let text = |body: &str| -> Result<Vec<MessageRequest>, RenderError> {
        if body.trim().is_empty() {
            return Err(RenderError::Empty { kind: reply.kind() });
        }
        Ok(split_text(body, BODY_LIMIT)
            .into_iter()
            // Only a run of whitespace longer than a message gives a blank piece.
            .filter(|piece| !piece.trim().is_empty())
            .map(|piece| request(vec![("Body", piece.to_owned())]))
            .collect())
    };
    match reply {
        Reply::Text(t) => text(&t.body),
        Reply::Buttons(b) => text(&buttons_menu(b)),
        Reply::List(l) => text(&list_menu(l)),
        Reply::Media(m) => {
            let mut content = vec![("MediaUrl", m.url().to_owned())];
            if let Some(caption) = m.caption().filter(|c| !c.is_empty()) {
                content.push(("Body", caption.to_owned()));
            }
            Ok(vec![request(content)])
        }
        Reply::Template(t) => Ok(vec![request(template_fields(t, config)?)]),
        Reply::Reaction { .. } | Reply::MarkRead { .. } => Err(RenderError::Unsupported {
            provider: Provider::Twilio,
            kind: reply.kind(),
        }),
    }
}

fn whatsapp_address(number: &PhoneNumber) -> String {
    format!("whatsapp:{number}")
}

pub(super) fn buttons_menu(b: &Buttons) -> String {
    let mut out = String::new();
    if let Some(header) = b.header() {
        out.push_str(header);
        out.push_str("\n\n");
    }
    out.push_str(b.body());
    out.push('\n');
    for (i, button) in b.buttons().iter().enumerate() {
        let _ = write!(out, "\n{}. {}", i + 1, button.title);
    }
    if let Some(footer) = b.footer() {
        out.push_str("\n\n");
        out.push_str(footer);
    }
    out
}

pub(super) fn list_menu(l: &List) -> String {
    let mut out = String::new();
    if let Some(header) = l.header() {
        out.push_str(header);
        out.push_str("\n\n");
    }
    out.push_str(l.body());
    let mut number = 0;
    for section in l.sections() {
        out.push('\n');
        if let Some(title) = &section.title {
            out.push('\n');
            out.push_str(title);
        }
        for row in &section.rows {
            number += 1;
            let _ = write!(out, "\n{number}. {}", row.title);
            if let Some(description) = &row.description {
                let _ = write!(out, " - {description}");
            }
        }
    }
    if let Some(footer) = l.footer() {
        out.push_str("\n\n");
        out.push_str(footer);
    }
    out
}

fn template_fields(
    t: &Template,
    config: &OutboundConfig,
) -> Result<Vec<(&'static str, String)>, RenderError> {
    if t.header.is_some() || !t.buttons.is_empty() {
        return Err(RenderError::Unsupported {
            provider: Provider::Twilio,
            kind: "template header/button parameter",
        });
    }
    let sid = t
        .content_sid
        .as_deref()
        .or_else(|| config.content_sid(&t.name))
        .ok_or_else(|| RenderError::MissingContentSid {
            name: t.name.clone(),
        })?;
    let mut fields = vec![("ContentSid", sid.to_owned())];
    if !t.body.is_empty() {
        // Sorted keys, so the JSON is the same whatever serde_json features are on.
        let mut variables = BTreeMap::new();
        let mut position = 0;
        for param in &t.body {
            let key = match &param.name {
                Some(name) => name.clone(),
                None => {
                    position += 1;
                    position.to_string()
                }
            };
            variables.insert(key, serde_json::Value::String(param.value.clone()));
        }
        let object: serde_json::Map<String, serde_json::Value> = variables.into_iter().collect();
        fields.push((
            "ContentVariables",
            serde_json::Value::Object(object).to_string(),
        ));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MediaKind;
    use crate::reply::{MediaReply, Row};

    fn to() -> PhoneNumber {
        PhoneNumber::parse("+919812345678").unwrap()
    }

    fn config() -> OutboundConfig {
        OutboundConfig::new(PhoneNumber::parse("+14155238886").unwrap())
    }

    #[test]
    fn every_request_carries_the_addresses_first_and_the_callback_last() {
        let config = config()
            .with_messaging_service_sid("MG1")
            .with_status_callback("https://bot.example.com/s");
        let requests = render(&Reply::text("hi"), &to(), &config).unwrap();
        assert_eq!(
            requests[0].fields(),
            [
                ("To", "whatsapp:+919812345678".to_owned()),
                ("From", "whatsapp:+14155238886".to_owned()),
                ("MessagingServiceSid", "MG1".to_owned()),
                ("Body", "hi".to_owned()),
                ("StatusCallback", "https://bot.example.com/s".to_owned()),
            ]
        );
        assert_eq!(
            requests[0].encode(),
            "To=whatsapp%3A%2B919812345678&From=whatsapp%3A%2B14155238886&MessagingServiceSid=MG1\
             &Body=hi&StatusCallback=https%3A%2F%2Fbot.example.com%2Fs"
        );
    }

    #[test]
    fn messaging_service_only_has_no_from() {
        let config = OutboundConfig::messaging_service("MG1");
        let requests = render(&Reply::text("hi"), &to(), &config).unwrap();
        assert_eq!(requests[0].get("From"), None);
        assert_eq!(requests[0].get("MessagingServiceSid"), Some("MG1"));
    }

    #[test]
    fn text_at_the_limit_is_one_message_and_one_more_char_is_two() {
        let exact = "a".repeat(BODY_LIMIT);
        assert_eq!(
            render(&Reply::text(exact), &to(), &config()).unwrap().len(),
            1
        );
        let over = "a".repeat(BODY_LIMIT + 1);
        let requests = render(&Reply::text(over.clone()), &to(), &config()).unwrap();
        assert_eq!(requests.len(), 2);
        let joined: String = requests.iter().filter_map(|r| r.get("Body")).collect();
        assert_eq!(joined, over);
    }

    #[test]
    fn empty_text_is_refused_before_sending() {
        assert_eq!(
            render(&Reply::text(""), &to(), &config()),
            Err(RenderError::Empty { kind: "text" })
        );
    }

    #[test]
    fn media_with_caption() {
        let reply = Reply::from(
            MediaReply::new(MediaKind::Image, "https://cdn.example.com/a.jpg")
                .unwrap()
                .with_caption("Your cement")
                .unwrap(),
        );
        let r = &render(&reply, &to(), &config()).unwrap()[0];
        assert_eq!(r.get("MediaUrl"), Some("https://cdn.example.com/a.jpg"));
        assert_eq!(r.get("Body"), Some("Your cement"));
    }

    #[test]
    fn buttons_become_a_numbered_menu() {
        let reply = Reply::from(
            Buttons::builder("Cement x 100: ₹38,000. Confirm?")
                .header("Order summary")
                .footer("Prices include GST")
                .button("confirm", "Confirm")
                .button("cancel", "Cancel")
                .build()
                .unwrap(),
        );
        let r = &render(&reply, &to(), &config()).unwrap()[0];
        assert_eq!(
            r.get("Body"),
            Some(
                "Order summary\n\nCement x 100: ₹38,000. Confirm?\n\n1. Confirm\n2. Cancel\n\n\
                 Prices include GST"
            )
        );
        // The menu layer numbers the options the way the text shows them.
        let options = crate::menu::last_menu(std::slice::from_ref(&reply)).unwrap();
        let picked = |a: &str| crate::menu::pick(&options, a, true).map(|o| o.id.clone());
        assert_eq!(picked("1").as_deref(), Some("confirm"));
        assert_eq!(picked("2.").as_deref(), Some("cancel"));
        assert_eq!(picked("CANCEL").as_deref(), Some("cancel"));
        assert_eq!(picked("0"), None);
        assert_eq!(picked(""), None);
    }

    #[test]
    fn list_rows_are_numbered_across_sections() {
        let reply = Reply::from(
            List::builder("Which cement?", "Choose")
                .section(
                    "PPC",
                    [Row::new("ppc-50", "PPC 50kg").with_description("₹380")],
                )
                .section(
                    "OPC",
                    [Row::new("opc-43", "OPC 43"), Row::new("opc-53", "OPC 53")],
                )
                .footer("Reply with a number")
                .build()
                .unwrap(),
        );
        let r = &render(&reply, &to(), &config()).unwrap()[0];
        assert_eq!(
            r.get("Body"),
            Some(
                "Which cement?\n\nPPC\n1. PPC 50kg - ₹380\n\nOPC\n2. OPC 43\n3. OPC 53\n\n\
                 Reply with a number"
            )
        );
        let options = crate::menu::last_menu(std::slice::from_ref(&reply)).unwrap();
        let picked = |a: &str| crate::menu::pick(&options, a, true).map(|o| o.id.clone());
        assert_eq!(picked("3").as_deref(), Some("opc-53"));
        assert_eq!(picked("4"), None);
    }

    #[test]
    fn templates_use_content_sid_and_variables() {
        let t = Template::new("order_update", "en_US")
            .param("Ana")
            .named_param("order", "#1234")
            .param("ready");
        let config = config().with_template("order_update", "HXconfigured");
        let r = &render(&Reply::from(t.clone()), &to(), &config).unwrap()[0];
        assert_eq!(r.get("ContentSid"), Some("HXconfigured"));
        assert_eq!(
            r.get("ContentVariables"),
            Some(r##"{"1":"Ana","2":"ready","order":"#1234"}"##)
        );
        assert_eq!(r.get("Body"), None);
        // The template's own SID wins over the configured one.
        let own = t.with_content_sid("HXown");
        let r = &render(&Reply::from(own), &to(), &config).unwrap()[0];
        assert_eq!(r.get("ContentSid"), Some("HXown"));
    }

    #[test]
    fn template_without_sid_or_with_header_is_refused() {
        let t = Template::new("unknown", "en_US");
        assert_eq!(
            render(&Reply::from(t), &to(), &config()),
            Err(RenderError::MissingContentSid {
                name: "unknown".to_owned()
            })
        );
        let t = Template::new("x", "en")
            .with_content_sid("HX1")
            .quick_reply(0, "PAY");
        assert!(matches!(
            render(&Reply::from(t), &to(), &config()),
            Err(RenderError::Unsupported { .. })
        ));
        // No parameters: no ContentVariables field at all.
        let t = Template::new("x", "en").with_content_sid("HX1");
        let r = &render(&Reply::from(t), &to(), &config()).unwrap()[0];
        assert_eq!(r.get("ContentVariables"), None);
    }
}
