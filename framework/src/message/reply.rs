//! Replies the bot sends, validated against WhatsApp's limits.
//!
//! Every interactive reply is built through a builder whose `build()` checks the
//! limits WhatsApp enforces (3 buttons, 20-character button titles, 10 list rows,
//! 24-character row titles, ...), so an invalid reply is a [`ReplyError`] at the
//! place it was written, not a provider error after the turn committed.
//!
//! Text has no length limit here: providers cap a message (Meta 4096 characters,
//! Twilio 1600) and the renderers split longer text into several messages with
//! [`split_text`]. Nothing is ever cut off.

use std::collections::HashSet;

use super::inbound::MediaKind;
use super::key::MessageId;

/// WhatsApp's limits on outbound messages (Meta Cloud API documentation).
pub mod limits {
    /// Longest text message body, in characters.
    pub const TEXT_BODY: usize = 4096;
    /// Most reply buttons on one message.
    pub const BUTTONS: usize = 3;
    /// Longest reply-button title, in characters.
    pub const BUTTON_TITLE: usize = 20;
    /// Longest reply-button id, in characters.
    pub const BUTTON_ID: usize = 256;
    /// Longest body of a reply-button message, in characters.
    pub const BUTTONS_BODY: usize = 1024;
    /// Longest header or footer of an interactive message, in characters.
    pub const HEADER_FOOTER: usize = 60;
    /// Most sections in one list message.
    pub const LIST_SECTIONS: usize = 10;
    /// Most rows in one list message, over all its sections.
    pub const LIST_ROWS: usize = 10;
    /// Longest list row title, in characters.
    pub const ROW_TITLE: usize = 24;
    /// Longest list row description, in characters.
    pub const ROW_DESCRIPTION: usize = 72;
    /// Longest list row id, in characters.
    pub const ROW_ID: usize = 200;
    /// Longest list section title, in characters.
    pub const SECTION_TITLE: usize = 24;
    /// Longest label of the button that opens a list, in characters.
    pub const LIST_BUTTON: usize = 20;
    /// Longest body of a list message, in characters.
    pub const LIST_BODY: usize = 4096;
    /// Longest media caption, in characters.
    pub const CAPTION: usize = 1024;
}

/// Why a reply does not fit WhatsApp's limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplyError {
    /// A required field is empty or only whitespace.
    #[error("{field} must not be empty")]
    Empty {
        /// The field, e.g. `button title`.
        field: &'static str,
    },
    /// A field is longer than WhatsApp allows.
    #[error("{field} {value:?} is {len} characters long; WhatsApp allows at most {max}")]
    TooLong {
        /// The field, e.g. `button title`.
        field: &'static str,
        /// The offending value.
        value: String,
        /// Its length in characters.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Too few or too many items.
    #[error("{what}: {count} given; WhatsApp allows {min} to {max}")]
    Count {
        /// What was counted, e.g. `reply buttons`.
        what: &'static str,
        /// How many were given.
        count: usize,
        /// The least allowed.
        min: usize,
        /// The most allowed.
        max: usize,
    },
    /// Two items share a value that must be unique.
    #[error("{field} {value:?} is used twice; it must be unique")]
    Duplicate {
        /// The field, e.g. `button id`.
        field: &'static str,
        /// The repeated value.
        value: String,
    },
}

fn check_text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<(), ReplyError> {
    if required && value.trim().is_empty() {
        return Err(ReplyError::Empty { field });
    }
    let len = value.chars().count();
    if len > max {
        return Err(ReplyError::TooLong {
            field,
            value: value.to_owned(),
            len,
            max,
        });
    }
    Ok(())
}

fn check_optional(field: &'static str, value: Option<&str>, max: usize) -> Result<(), ReplyError> {
    value.map_or(Ok(()), |v| check_text(field, v, max, true))
}

fn check_count(what: &'static str, count: usize, max: usize) -> Result<(), ReplyError> {
    if count == 0 || count > max {
        return Err(ReplyError::Count {
            what,
            count,
            min: 1,
            max,
        });
    }
    Ok(())
}

fn check_unique<'a>(
    field: &'static str,
    values: impl IntoIterator<Item = &'a str>,
) -> Result<(), ReplyError> {
    let mut seen = HashSet::new();
    for v in values {
        if !seen.insert(v) {
            return Err(ReplyError::Duplicate {
                field,
                value: v.to_owned(),
            });
        }
    }
    Ok(())
}

/// One message the bot sends.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reply {
    /// Plain text, of any length (split when rendered).
    Text(TextReply),
    /// An image, audio, video, document or sticker by URL.
    Media(MediaReply),
    /// Text with up to three reply buttons.
    Buttons(Buttons),
    /// Text with a button that opens a list of up to ten rows.
    List(List),
    /// An approved template message (the only kind allowed outside the 24-hour
    /// customer-service window).
    Template(Template),
    /// An emoji reaction to one of the customer's messages.
    Reaction {
        /// The message reacted to.
        message_id: MessageId,
        /// The emoji; empty removes an earlier reaction.
        emoji: String,
    },
    /// Marks a customer's message (and those before it) as read.
    MarkRead {
        /// The message to mark.
        message_id: MessageId,
    },
}

impl Reply {
    /// A text reply.
    #[must_use]
    pub fn text(body: impl Into<String>) -> Self {
        Self::Text(TextReply {
            body: body.into(),
            preview_url: false,
        })
    }

    /// A reaction to a customer's message.
    #[must_use]
    pub fn reaction(message_id: MessageId, emoji: impl Into<String>) -> Self {
        Self::Reaction {
            message_id,
            emoji: emoji.into(),
        }
    }

    /// Marks a customer's message as read.
    #[must_use]
    pub fn mark_read(message_id: MessageId) -> Self {
        Self::MarkRead { message_id }
    }

    /// A short name of the reply kind, for logs and metrics.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Text(_) => "text",
            Self::Media(m) => m.kind.as_str(),
            Self::Buttons(_) => "buttons",
            Self::List(_) => "list",
            Self::Template(_) => "template",
            Self::Reaction { .. } => "reaction",
            Self::MarkRead { .. } => "mark_read",
        }
    }

    /// The text a person reads in this reply, without buttons or rows
    /// (used by transcripts and logs).
    #[must_use]
    pub fn body(&self) -> Option<&str> {
        match self {
            Self::Text(t) => Some(&t.body),
            Self::Media(m) => m.caption.as_deref(),
            Self::Buttons(b) => Some(&b.body),
            Self::List(l) => Some(&l.body),
            Self::Template(_) | Self::Reaction { .. } | Self::MarkRead { .. } => None,
        }
    }
}

impl From<TextReply> for Reply {
    fn from(t: TextReply) -> Self {
        Self::Text(t)
    }
}

impl From<MediaReply> for Reply {
    fn from(m: MediaReply) -> Self {
        Self::Media(m)
    }
}

impl From<Buttons> for Reply {
    fn from(b: Buttons) -> Self {
        Self::Buttons(b)
    }
}

impl From<List> for Reply {
    fn from(l: List) -> Self {
        Self::List(l)
    }
}

impl From<Template> for Reply {
    fn from(t: Template) -> Self {
        Self::Template(t)
    }
}

impl From<String> for Reply {
    fn from(s: String) -> Self {
        Self::text(s)
    }
}

impl From<&str> for Reply {
    fn from(s: &str) -> Self {
        Self::text(s)
    }
}

/// A text reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextReply {
    /// The text; any length (the renderer splits it at the provider's limit).
    pub body: String,
    /// Whether WhatsApp should show a preview of the first URL in the text.
    pub preview_url: bool,
}

/// A media reply: the provider fetches the file from a public URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaReply {
    kind: MediaKind,
    url: String,
    caption: Option<String>,
    filename: Option<String>,
}

impl MediaReply {
    /// A media reply of the given kind fetched from `url`.
    ///
    /// # Errors
    ///
    /// [`ReplyError::Empty`] when the URL is empty.
    pub fn new(kind: MediaKind, url: impl Into<String>) -> Result<Self, ReplyError> {
        let url = url.into();
        check_text("media url", &url, usize::MAX, true)?;
        Ok(Self {
            kind,
            url,
            caption: None,
            filename: None,
        })
    }

    /// A document (e.g. a PDF invoice) with the file name the customer sees.
    ///
    /// # Errors
    ///
    /// [`ReplyError::Empty`] when the URL or the file name is empty.
    pub fn document(
        url: impl Into<String>,
        filename: impl Into<String>,
    ) -> Result<Self, ReplyError> {
        let filename = filename.into();
        check_text("document filename", &filename, 240, true)?;
        let mut reply = Self::new(MediaKind::Document, url)?;
        reply.filename = Some(filename);
        Ok(reply)
    }

    /// Adds a caption (image, video and document only).
    ///
    /// # Errors
    ///
    /// [`ReplyError::TooLong`] over 1024 characters.
    pub fn with_caption(mut self, caption: impl Into<String>) -> Result<Self, ReplyError> {
        let caption = caption.into();
        check_text("media caption", &caption, limits::CAPTION, false)?;
        self.caption = Some(caption);
        Ok(self)
    }

    /// The media kind.
    #[must_use]
    pub fn kind(&self) -> MediaKind {
        self.kind
    }

    /// Where the provider fetches the file.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The caption, if any.
    #[must_use]
    pub fn caption(&self) -> Option<&str> {
        self.caption.as_deref()
    }

    /// The document file name, if any.
    #[must_use]
    pub fn filename(&self) -> Option<&str> {
        self.filename.as_deref()
    }
}

/// One reply button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    /// The id the bot receives back when the button is tapped.
    pub id: String,
    /// The title shown on the button (at most 20 characters).
    pub title: String,
}

impl Button {
    /// A button with an id and a title.
    #[must_use]
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
        }
    }
}

/// Text with up to three reply buttons. Build it with [`Buttons::builder`].
///
/// ```
/// use framework::reply::{Buttons, ReplyError};
///
/// let summary = Buttons::builder("Cement x 100: ₹38,000. Confirm?")
///     .button("confirm", "Confirm")
///     .button("cancel", "Cancel")
///     .build()
///     .unwrap();
/// assert_eq!(summary.buttons().len(), 2);
///
/// let err = Buttons::builder("?").button("x", "A title that is far too long").build();
/// assert!(matches!(err, Err(ReplyError::TooLong { field: "button title", .. })));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buttons {
    header: Option<String>,
    body: String,
    footer: Option<String>,
    buttons: Vec<Button>,
}

impl Buttons {
    /// Starts a reply-button message with its body text.
    pub fn builder(body: impl Into<String>) -> ButtonsBuilder {
        ButtonsBuilder {
            header: None,
            body: body.into(),
            footer: None,
            buttons: Vec::new(),
        }
    }

    /// The header text, if any.
    #[must_use]
    pub fn header(&self) -> Option<&str> {
        self.header.as_deref()
    }

    /// The body text.
    #[must_use]
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The footer text, if any.
    #[must_use]
    pub fn footer(&self) -> Option<&str> {
        self.footer.as_deref()
    }

    /// The buttons, in display order.
    #[must_use]
    pub fn buttons(&self) -> &[Button] {
        &self.buttons
    }
}

/// Builds a [`Buttons`] reply; `build()` validates it.
#[derive(Debug, Clone)]
#[must_use]
pub struct ButtonsBuilder {
    header: Option<String>,
    body: String,
    footer: Option<String>,
    buttons: Vec<Button>,
}

impl ButtonsBuilder {
    /// Sets a text header (at most 60 characters).
    pub fn header(mut self, header: impl Into<String>) -> Self {
        self.header = Some(header.into());
        self
    }

    /// Sets a footer (at most 60 characters).
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }

    /// Adds a button.
    pub fn button(mut self, id: impl Into<String>, title: impl Into<String>) -> Self {
        self.buttons.push(Button::new(id, title));
        self
    }

    /// Checks the limits and returns the reply.
    ///
    /// # Errors
    ///
    /// [`ReplyError`] for an empty body, more than 3 or no buttons, a title over
    /// 20 characters, an id over 256, a body over 1024, a header or footer over 60,
    /// or repeated ids or titles.
    pub fn build(self) -> Result<Buttons, ReplyError> {
        check_text("buttons body", &self.body, limits::BUTTONS_BODY, true)?;
        check_optional("header", self.header.as_deref(), limits::HEADER_FOOTER)?;
        check_optional("footer", self.footer.as_deref(), limits::HEADER_FOOTER)?;
        check_count("reply buttons", self.buttons.len(), limits::BUTTONS)?;
        for b in &self.buttons {
            check_text("button title", &b.title, limits::BUTTON_TITLE, true)?;
            check_text("button id", &b.id, limits::BUTTON_ID, true)?;
        }
        check_unique("button id", self.buttons.iter().map(|b| b.id.as_str()))?;
        check_unique(
            "button title",
            self.buttons.iter().map(|b| b.title.as_str()),
        )?;
        Ok(Buttons {
            header: self.header,
            body: self.body,
            footer: self.footer,
            buttons: self.buttons,
        })
    }
}

/// One row of a list message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The id the bot receives back when the row is picked.
    pub id: String,
    /// The row title (at most 24 characters).
    pub title: String,
    /// An optional description (at most 72 characters).
    pub description: Option<String>,
}

impl Row {
    /// A row with an id and a title.
    #[must_use]
    pub fn new(id: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            title: title.into(),
            description: None,
        }
    }

    /// Adds a description.
    #[must_use]
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// One section of a list message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// The section title (required when the list has more than one section).
    pub title: Option<String>,
    /// The section's rows.
    pub rows: Vec<Row>,
}

/// Text with a button that opens a list of rows. Build it with [`List::builder`].
///
/// ```
/// use framework::reply::{List, Row};
///
/// let which = List::builder("Which cement did you mean?", "Choose")
///     .rows([Row::new("sku-ppc", "Cement PPC 50kg"), Row::new("sku-opc", "Cement OPC 53")])
///     .build()
///     .unwrap();
/// assert_eq!(which.rows().count(), 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct List {
    header: Option<String>,
    body: String,
    footer: Option<String>,
    button: String,
    sections: Vec<Section>,
}

impl List {
    /// Starts a list message with its body text and the label of the button that
    /// opens the list.
    pub fn builder(body: impl Into<String>, button: impl Into<String>) -> ListBuilder {
        ListBuilder {
            header: None,
            body: body.into(),
            footer: None,
            button: button.into(),
            sections: Vec::new(),
        }
    }

    /// The header text, if any.
    #[must_use]
    pub fn header(&self) -> Option<&str> {
        self.header.as_deref()
    }

    /// The body text.
    #[must_use]
    pub fn body(&self) -> &str {
        &self.body
    }

    /// The footer text, if any.
    #[must_use]
    pub fn footer(&self) -> Option<&str> {
        self.footer.as_deref()
    }

    /// The label of the button that opens the list.
    #[must_use]
    pub fn button(&self) -> &str {
        &self.button
    }

    /// The sections, in display order.
    #[must_use]
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// All rows of all sections, in display order.
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.sections.iter().flat_map(|s| s.rows.iter())
    }
}

/// Builds a [`List`] reply; `build()` validates it.
#[derive(Debug, Clone)]
#[must_use]
pub struct ListBuilder {
    header: Option<String>,
    body: String,
    footer: Option<String>,
    button: String,
    sections: Vec<Section>,
}

impl ListBuilder {
    /// Sets a text header (at most 60 characters).
    pub fn header(mut self, header: impl Into<String>) -> Self {
        self.header = Some(header.into());
        self
    }

    /// Sets a footer (at most 60 characters).
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }

    /// Adds a titled section.
    pub fn section(
        mut self,
        title: impl Into<String>,
        rows: impl IntoIterator<Item = Row>,
    ) -> Self {
        self.sections.push(Section {
            title: Some(title.into()),
            rows: rows.into_iter().collect(),
        });
        self
    }

    /// Adds rows in an untitled section (for lists with one section).
    pub fn rows(mut self, rows: impl IntoIterator<Item = Row>) -> Self {
        self.sections.push(Section {
            title: None,
            rows: rows.into_iter().collect(),
        });
        self
    }

    /// Checks the limits and returns the reply.
    ///
    /// # Errors
    ///
    /// [`ReplyError`] for an empty body or button label, no rows or more than 10
    /// over all sections, more than 10 sections, a row title over 24 characters,
    /// a description over 72, a section title over 24, a button label over 20,
    /// repeated row ids, or a missing section title when there are several
    /// sections.
    pub fn build(self) -> Result<List, ReplyError> {
        check_text("list body", &self.body, limits::LIST_BODY, true)?;
        check_text("list button", &self.button, limits::LIST_BUTTON, true)?;
        check_optional("header", self.header.as_deref(), limits::HEADER_FOOTER)?;
        check_optional("footer", self.footer.as_deref(), limits::HEADER_FOOTER)?;
        check_count("list sections", self.sections.len(), limits::LIST_SECTIONS)?;
        let rows: usize = self.sections.iter().map(|s| s.rows.len()).sum();
        check_count("list rows", rows, limits::LIST_ROWS)?;
        for section in &self.sections {
            match &section.title {
                Some(t) => check_text("section title", t, limits::SECTION_TITLE, true)?,
                None if self.sections.len() > 1 => {
                    return Err(ReplyError::Empty {
                        field: "section title (required with several sections)",
                    });
                }
                None => {}
            }
            if section.rows.is_empty() {
                return Err(ReplyError::Count {
                    what: "rows in a section",
                    count: 0,
                    min: 1,
                    max: limits::LIST_ROWS,
                });
            }
            for row in &section.rows {
                check_text("row title", &row.title, limits::ROW_TITLE, true)?;
                check_text("row id", &row.id, limits::ROW_ID, true)?;
                check_optional(
                    "row description",
                    row.description.as_deref(),
                    limits::ROW_DESCRIPTION,
                )?;
            }
        }
        check_unique(
            "row id",
            self.sections
                .iter()
                .flat_map(|s| s.rows.iter().map(|r| r.id.as_str())),
        )?;
        Ok(List {
            header: self.header,
            body: self.body,
            footer: self.footer,
            button: self.button,
            sections: self.sections,
        })
    }
}

/// A template message: a pre-approved message with parameters.
///
/// Meta addresses templates by name and language; Twilio by a Content SID
/// (`HX…`). The Twilio renderer maps names to SIDs through its configuration,
/// or uses [`Template::content_sid`] when set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// The template's name (Meta), e.g. `order_update`.
    pub name: String,
    /// The language code of the approved translation, e.g. `en_US`.
    pub language: String,
    /// The Twilio Content SID, when the template is known there.
    pub content_sid: Option<String>,
    /// The header parameter, if the template has one.
    pub header: Option<TemplateHeader>,
    /// The body parameters, in order.
    pub body: Vec<TemplateParam>,
    /// Parameters of the template's buttons.
    pub buttons: Vec<TemplateButton>,
}

impl Template {
    /// A template with no parameters.
    #[must_use]
    pub fn new(name: impl Into<String>, language: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            language: language.into(),
            content_sid: None,
            header: None,
            body: Vec::new(),
            buttons: Vec::new(),
        }
    }

    /// Adds a positional body parameter (`{{1}}`, `{{2}}`, ...).
    #[must_use]
    pub fn param(mut self, value: impl Into<String>) -> Self {
        self.body.push(TemplateParam {
            name: None,
            value: value.into(),
        });
        self
    }

    /// Adds a named body parameter (`{{customer_name}}`).
    #[must_use]
    pub fn named_param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.body.push(TemplateParam {
            name: Some(name.into()),
            value: value.into(),
        });
        self
    }

    /// Sets the header parameter.
    #[must_use]
    pub fn with_header(mut self, header: TemplateHeader) -> Self {
        self.header = Some(header);
        self
    }

    /// Sets the payload of the quick-reply button at `index`.
    #[must_use]
    pub fn quick_reply(mut self, index: u8, payload: impl Into<String>) -> Self {
        self.buttons.push(TemplateButton::QuickReply {
            index,
            payload: payload.into(),
        });
        self
    }

    /// Sets the Twilio Content SID of this template.
    #[must_use]
    pub fn with_content_sid(mut self, sid: impl Into<String>) -> Self {
        self.content_sid = Some(sid.into());
        self
    }
}

/// One body parameter of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateParam {
    /// The parameter's name for named templates; `None` for positional ones.
    pub name: Option<String>,
    /// The value.
    pub value: String,
}

/// The header parameter of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateHeader {
    /// A text parameter.
    Text(String),
    /// An image fetched from a URL.
    Image {
        /// The image URL.
        url: String,
    },
    /// A document fetched from a URL.
    Document {
        /// The document URL.
        url: String,
        /// The file name the customer sees.
        filename: String,
    },
    /// A video fetched from a URL.
    Video {
        /// The video URL.
        url: String,
    },
}

/// A parameter of one of a template's buttons.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TemplateButton {
    /// The payload a quick-reply button sends back.
    QuickReply {
        /// The button's position in the template (0-based).
        index: u8,
        /// The payload.
        payload: String,
    },
    /// The dynamic suffix of a URL button.
    Url {
        /// The button's position in the template (0-based).
        index: u8,
        /// Appended to the URL approved with the template.
        suffix: String,
    },
}

/// Splits `text` into pieces of at most `max_chars` characters each, preferring
/// paragraph breaks, then line breaks, then spaces; a word longer than the limit
/// is cut between characters.
///
/// The pieces concatenate to exactly `text`: nothing is dropped or changed, the
/// separator stays at the end of the piece before the cut. A piece may be
/// blank (only whitespace), e.g. trailing line breaks cut off a full piece;
/// renderers skip blank pieces.
///
/// ```
/// use framework::reply::split_text;
///
/// let pieces = split_text("one two three", 8);
/// assert_eq!(pieces, ["one two ", "three"]);
/// assert_eq!(pieces.concat(), "one two three");
/// ```
///
/// # Panics
///
/// Panics if `max_chars` is 0.
#[must_use]
pub fn split_text(text: &str, max_chars: usize) -> Vec<&str> {
    assert!(max_chars > 0, "split_text: max_chars must be positive");
    let mut pieces = Vec::new();
    let mut rest = text;
    loop {
        // Byte offset just past the `max_chars`-th character, if `rest` is longer.
        let Some((limit, _)) = rest.char_indices().nth(max_chars) else {
            if !rest.is_empty() || pieces.is_empty() {
                pieces.push(rest);
            }
            return pieces;
        };
        let window = &rest[..limit];
        // A break is only worth taking if the piece before it has text: a
        // piece of only whitespace would be a blank message.
        let has_text = |cut: &usize| !window[..*cut].trim().is_empty();
        let cut = window
            .rfind("\n\n")
            .map(|i| i + 2)
            .filter(has_text)
            .or_else(|| window.rfind('\n').map(|i| i + 1).filter(has_text))
            .or_else(|| {
                window
                    .char_indices()
                    .rev()
                    .find(|(_, c)| c.is_whitespace())
                    .map(|(i, c)| i + c.len_utf8())
                    .filter(has_text)
            })
            .unwrap_or(limit);
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn buttons_enforce_whatsapp_limits() {
        let four = Buttons::builder("pick")
            .button("a", "A")
            .button("b", "B")
            .button("c", "C")
            .button("d", "D")
            .build();
        assert!(matches!(
            four,
            Err(ReplyError::Count {
                count: 4,
                max: 3,
                ..
            })
        ));
        assert!(matches!(
            Buttons::builder("pick").build(),
            Err(ReplyError::Count { count: 0, .. })
        ));
        let exactly_20 = "x".repeat(20);
        assert!(
            Buttons::builder("pick")
                .button("a", &exactly_20)
                .build()
                .is_ok()
        );
        // Characters, not bytes: 20 Devanagari characters are fine.
        let hindi_20: String = "क".repeat(20);
        assert!(
            Buttons::builder("pick")
                .button("a", hindi_20)
                .build()
                .is_ok()
        );
        assert!(matches!(
            Buttons::builder("pick").button("a", "x".repeat(21)).build(),
            Err(ReplyError::TooLong {
                len: 21,
                max: 20,
                ..
            })
        ));
        assert!(matches!(
            Buttons::builder("pick")
                .button("a", "Yes")
                .button("a", "No")
                .build(),
            Err(ReplyError::Duplicate {
                field: "button id",
                ..
            })
        ));
        assert!(matches!(
            Buttons::builder("   ").button("a", "Yes").build(),
            Err(ReplyError::Empty { .. })
        ));
        assert!(matches!(
            Buttons::builder("b")
                .button("a", "Yes")
                .header("h".repeat(61))
                .build(),
            Err(ReplyError::TooLong {
                field: "header",
                ..
            })
        ));
    }

    #[test]
    fn lists_enforce_whatsapp_limits() {
        let rows = |n: usize| (0..n).map(|i| Row::new(format!("r{i}"), format!("Row {i}")));
        assert!(List::builder("b", "Open").rows(rows(10)).build().is_ok());
        assert!(matches!(
            List::builder("b", "Open").rows(rows(11)).build(),
            Err(ReplyError::Count {
                what: "list rows",
                count: 11,
                ..
            })
        ));
        // Ten rows over two sections is still ten in total.
        assert!(matches!(
            List::builder("b", "Open")
                .section("One", rows(6))
                .section("Two", (6..11).map(|i| Row::new(format!("r{i}"), "x")))
                .build(),
            Err(ReplyError::Count { count: 11, .. })
        ));
        assert!(matches!(
            List::builder("b", "Open")
                .rows([Row::new("a", "x".repeat(25))])
                .build(),
            Err(ReplyError::TooLong {
                field: "row title",
                max: 24,
                ..
            })
        ));
        assert!(matches!(
            List::builder("b", "Open")
                .rows([Row::new("a", "ok").with_description("d".repeat(73))])
                .build(),
            Err(ReplyError::TooLong {
                field: "row description",
                ..
            })
        ));
        assert!(matches!(
            List::builder("b", "Open")
                .rows(rows(1))
                .rows([Row::new("z", "z")])
                .build(),
            Err(ReplyError::Empty { .. })
        ));
        assert!(matches!(
            List::builder("b", "Open")
                .rows([Row::new("a", "x"), Row::new("a", "y")])
                .build(),
            Err(ReplyError::Duplicate { .. })
        ));
        assert!(matches!(
            List::builder("b", "x".repeat(21)).rows(rows(1)).build(),
            Err(ReplyError::TooLong {
                field: "list button",
                ..
            })
        ));
    }

    #[test]
    fn split_prefers_paragraphs_then_lines_then_spaces() {
        assert_eq!(
            split_text("aaaa\n\nbbbb cccc", 12),
            ["aaaa\n\n", "bbbb cccc"]
        );
        assert_eq!(split_text("aaaa\nbbbb cccc", 12), ["aaaa\n", "bbbb cccc"]);
        assert_eq!(split_text("aaaa bbbb cccc", 12), ["aaaa bbbb ", "cccc"]);
        assert_eq!(split_text("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(split_text("", 4), [""]);
        assert_eq!(split_text("short", 4096), ["short"]);
        // Regression (review): a leading space made a blank first message.
        let spaced = format!(" {}", "x".repeat(10));
        let pieces = split_text(&spaced, 8);
        assert!(pieces.iter().all(|p| !p.trim().is_empty()), "{pieces:?}");
        assert_eq!(pieces.concat(), spaced);
    }

    #[test]
    fn a_long_reply_is_split_never_truncated() {
        let long = "Cement x 100 bags at ₹380 each. ".repeat(300);
        let pieces = split_text(&long, limits::TEXT_BODY);
        assert!(pieces.len() > 1);
        assert!(
            pieces
                .iter()
                .all(|p| p.chars().count() <= limits::TEXT_BODY)
        );
        assert_eq!(pieces.concat(), long);
    }

    proptest! {
        #[test]
        fn split_pieces_fit_and_concatenate_to_the_input(text in "\\PC{0,400}", max in 1usize..60) {
            let pieces = split_text(&text, max);
            prop_assert_eq!(pieces.concat(), text.clone());
            for p in &pieces {
                prop_assert!(p.chars().count() <= max);
                prop_assert!(!p.is_empty() || text.is_empty());
            }
        }
    }
}
