//! Proactive messages: a notification, a reminder, a broadcast, sent from
//! outside a turn (a job, a timer, an operator's command) through the same
//! durable outbox as the turns' replies, so they go out in the customer's
//! conversation order and survive a crash.
//!
//! The customer's last channel and message come from the message log,
//! which the durable inbound path records
//! ([`InboxIngress`](crate::inbound::InboxIngress)); a bot that answers
//! webhooks with `framework::webhook::routes` and a
//! `DbOutbox` alone records no inbound messages,
//! and every send answers [`SenderError::NeverWrote`]. The time is the
//! outbox's [`Database`](crate::Database) clock
//! ([`Database::with_clock`](crate::Database::with_clock) in tests).
//!
//! WhatsApp lets a business send free-form messages only within 24 hours of
//! the customer's last message (the customer-service window); after that,
//! only an approved template. [`Sender::send`] finds the customer's last
//! channel in the message log, checks the window, and stores the message,
//! or the template given with [`Outgoing::or_template`] when the window has
//! closed. Without a template outside the window it stores nothing and says
//! so ([`SenderError::WindowClosed`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use framework::reply::{Reply, Template};
//! use framework::PhoneNumber;
//! use infra_sql::outbox::{DbOutbox, RenderConfig};
//! use infra_sql::sender::{Outgoing, Sender, SenderError};
//! use infra_sql::{Database, DatabaseSettings};
//!
//! let db = Database::connect(&DatabaseSettings::in_memory()).await?;
//! db.migrate().await?;
//! let sender = Sender::new(DbOutbox::new(db.clone(), RenderConfig::default()));
//!
//! // Nobody can be reached who never wrote: there is no channel.
//! let customer = PhoneNumber::parse("+15550001111")?;
//! let err = sender.send(&customer, Reply::text("Your order shipped")).await.unwrap_err();
//! assert!(matches!(err, SenderError::NeverWrote { .. }));
//!
//! // With a template for when the window has closed, and a key so that a
//! // second call (a job's retry) stores nothing.
//! let outgoing = Outgoing::new(Reply::text("Your order shipped"))
//!     .or_template(Template::new("order_shipped", "en"))
//!     .with_key("shipped:order-42");
//! # let _ = outgoing;
//! # Ok(())
//! # }
//! ```
//!
//! The window is judged by the earlier of the provider's time and the
//! log's time of the customer's last message (a late redelivery does not
//! reopen it), less a margin ([`Sender::with_margin`], 30 minutes by
//! default): a message stored just inside the window may be sent after the
//! outbox's retries, just outside it, and be refused.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use framework::reply::{Reply, Template};
use framework::webhook::{OutboundTurn, OutboxError};
use framework::{ConversationKey, MessageId, Outcome, PhoneNumber, Provider};

use crate::messages::MessageQueries;
use crate::outbox::DbOutbox;
use crate::{DbError, corrupt};

/// WhatsApp's customer-service window: free-form messages only this long
/// after the customer's last message (Twilio and Meta alike).
pub const SERVICE_WINDOW: Duration = Duration::from_secs(24 * 60 * 60);

/// The default margin before the window closes from which a [`Sender`]
/// already uses the template.
pub const WINDOW_MARGIN: Duration = Duration::from_secs(30 * 60);

/// Sends proactive messages; see the [module docs](self).
#[derive(Debug, Clone)]
pub struct Sender {
    outbox: DbOutbox,
    log: MessageQueries,
    margin: Duration,
}

/// A message to send from outside a turn: the replies for an open window,
/// and optionally a template for a closed one.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    replies: Vec<Reply>,
    template: Option<Template>,
    key: Option<String>,
}

/// How a customer can be reached now: their last channel and whether the
/// window is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// The provider of their latest message.
    pub provider: Provider,
    /// The business number they wrote to and their own.
    pub key: ConversationKey,
    /// The provider's business channel (Meta `phone_number_id`), if any.
    pub channel_id: Option<String>,
    /// When their latest message was sent (ms since the Unix epoch).
    pub last_inbound_ms: i64,
    /// Whether free-form messages may go (inside the window, less the
    /// margin).
    pub window_open: bool,
}

impl Reach {
    /// Whether a free-form message may go: inside the window, or a
    /// terminal chat (no window there).
    #[must_use]
    pub fn free_form(&self) -> bool {
        self.window_open || self.provider == Provider::Local
    }
}

/// What a [`Sender`] stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sent {
    /// The free-form replies: the window is open.
    FreeForm,
    /// The template: the window has closed.
    Template,
    /// Nothing: a message with the same key was stored before.
    AlreadySent,
}

/// Why a proactive message was not stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SenderError {
    /// The customer never wrote: there is no channel to reach them.
    #[error("{customer} never wrote: no channel to reach them")]
    NeverWrote {
        /// Who.
        customer: PhoneNumber,
    },
    /// Outside the 24-hour window (less the margin), and no template was
    /// given.
    #[error(
        "{customer} is outside the 24-hour window (less its margin): only a template may go, and none was given"
    )]
    WindowClosed {
        /// Who.
        customer: PhoneNumber,
        /// When they last wrote (ms since the Unix epoch).
        last_inbound_ms: i64,
    },
    /// Twilio sends templates by their Content SID, and the template has
    /// none.
    #[error("Twilio sends templates by their Content SID: template {name:?} has none")]
    TemplateNeedsContentSid {
        /// The template's name.
        name: String,
    },
    /// Nothing to send: no replies and no template.
    #[error("nothing to send: no replies and no template")]
    Empty,
    /// The message log could not be read.
    #[error("cannot read the message log: {0}")]
    Log(#[source] DbError),
    /// The outbox could not store the message.
    #[error("cannot store the message in the outbox: {0}")]
    Outbox(#[source] OutboxError),
}

impl SenderError {
    /// Whether trying again later may succeed (the database was
    /// unreachable), as opposed to a message that can never go as it is.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Log(DbError::Corrupt { .. }) => false,
            Self::Log(_) | Self::Outbox(_) => true,
            Self::NeverWrote { .. }
            | Self::WindowClosed { .. }
            | Self::TemplateNeedsContentSid { .. }
            | Self::Empty => false,
        }
    }
}

impl Outgoing {
    /// `reply`, as a free-form message.
    #[must_use]
    pub fn new(reply: Reply) -> Self {
        Self::replies(vec![reply])
    }

    /// Several replies, in order, as free-form messages.
    #[must_use]
    pub fn replies(replies: Vec<Reply>) -> Self {
        Self {
            replies,
            template: None,
            key: None,
        }
    }

    /// Only `template`, inside the window and outside it (a template may
    /// always go).
    #[must_use]
    pub fn template(template: Template) -> Self {
        Self::replies(vec![Reply::Template(template.clone())]).or_template(template)
    }

    /// Sends `template` instead when the window has closed.
    #[must_use]
    pub fn or_template(mut self, template: Template) -> Self {
        self.template = Some(template);
        self
    }

    /// Stores the message once per customer and `key`: a second send to
    /// the same customer with the same key (a job's retry) stores nothing
    /// and answers [`Sent::AlreadySent`]; the same key for another customer
    /// is another message (a broadcast may use one key for everyone).
    /// Without a key every send is a new message (keyed `send:…`).
    ///
    /// The outbox keeps a turn's replies under the id of the message they
    /// answer (here `{key}:{customer}`), so give keys a prefix no
    /// provider's message id has (the shop's jobs use `job:{queue}:…`).
    #[must_use]
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl From<Reply> for Outgoing {
    fn from(reply: Reply) -> Self {
        Self::new(reply)
    }
}

impl Sender {
    /// Sends through `outbox`, reading the window from the message log of
    /// the outbox's database.
    #[must_use]
    pub fn new(outbox: DbOutbox) -> Self {
        Self {
            log: MessageQueries::new(outbox.database().clone()),
            outbox,
            margin: WINDOW_MARGIN,
        }
    }

    /// Uses the template from `margin` before the window closes (default
    /// [`WINDOW_MARGIN`]).
    #[must_use]
    pub fn with_margin(mut self, margin: Duration) -> Self {
        self.margin = margin;
        self
    }

    /// How `customer` can be reached now; `None` when they never wrote.
    ///
    /// # Errors
    ///
    /// [`SenderError::Log`].
    pub async fn reach(&self, customer: &PhoneNumber) -> Result<Option<Reach>, SenderError> {
        let Some(contact) = self
            .log
            .last_contact(customer.as_str())
            .await
            .map_err(SenderError::Log)?
        else {
            return Ok(None);
        };
        let business = PhoneNumber::parse(&contact.business)
            .map_err(|e| SenderError::Log(corrupt("messages", e)))?;
        let open_for = SERVICE_WINDOW.saturating_sub(self.margin);
        let open_for = i64::try_from(open_for.as_millis()).unwrap_or(i64::MAX);
        let now = self.outbox.database().now_ms();
        Ok(Some(Reach {
            provider: contact.provider,
            key: ConversationKey::new(business, customer.clone()),
            channel_id: contact.channel_id,
            last_inbound_ms: contact.last_inbound_ms,
            window_open: now.saturating_sub(contact.last_inbound_ms) < open_for,
        }))
    }

    /// Stores `outgoing` for `customer` in the outbox: the free-form
    /// replies inside the window, the template outside it. Inside a
    /// [`UnitOfWork`](crate::UnitOfWork) it commits with the unit.
    ///
    /// # Errors
    ///
    /// [`SenderError`]: never wrote, window closed without a template, a
    /// Twilio template without its Content SID, or the database's.
    pub async fn send(
        &self,
        customer: &PhoneNumber,
        outgoing: impl Into<Outgoing>,
    ) -> Result<Sent, SenderError> {
        let reach = self
            .reach(customer)
            .await?
            .ok_or_else(|| SenderError::NeverWrote {
                customer: customer.clone(),
            })?;
        self.send_to(&reach, outgoing).await
    }

    /// [`send`](Self::send) to a customer already [reached](Self::reach),
    /// for a caller that shapes the message by channel first.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send).
    pub async fn send_to(
        &self,
        reach: &Reach,
        outgoing: impl Into<Outgoing>,
    ) -> Result<Sent, SenderError> {
        let outgoing = outgoing.into();
        if outgoing.replies.is_empty() && outgoing.template.is_none() {
            return Err(SenderError::Empty);
        }
        let (replies, sent, fallback) = if reach.free_form() && !outgoing.replies.is_empty() {
            // The template, if any, goes instead should the provider say the
            // window closed after all (at once, or in a later status).
            let fallback = outgoing.template.map(Reply::Template);
            (outgoing.replies, Sent::FreeForm, fallback)
        } else {
            let template = outgoing.template.ok_or_else(|| SenderError::WindowClosed {
                customer: reach.key.customer().clone(),
                last_inbound_ms: reach.last_inbound_ms,
            })?;
            (vec![Reply::Template(template)], Sent::Template, None)
        };
        // A template on Twilio goes by its Content SID: without one the
        // provider could never send it, so it is not stored.
        if reach.provider == Provider::Twilio
            && let Some(Reply::Template(t)) = replies
                .iter()
                .find(|r| matches!(r, Reply::Template(t) if t.content_sid.is_none()))
        {
            return Err(SenderError::TemplateNeedsContentSid {
                name: t.name.clone(),
            });
        }
        let key = match outgoing.key {
            Some(key) => format!("{key}:{}", reach.key.customer()),
            None => format!("send:{}", fresh_key(self.outbox.database().now_ms())),
        };
        let stored = self
            .outbox
            .store_proactive(
                OutboundTurn {
                    provider: reach.provider,
                    key: reach.key.clone(),
                    in_reply_to: MessageId::new(key),
                    channel_id: reach.channel_id.clone(),
                    outcome: Outcome::Handled,
                    replies,
                },
                fallback,
            )
            .await
            .map_err(SenderError::Outbox)?;
        Ok(if stored == 0 { Sent::AlreadySent } else { sent })
    }
}

/// A key no other message has: the time, 64 random bits and a counter of
/// this process (so two sends in one millisecond differ even without
/// randomness).
fn fresh_key(now_ms: i64) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut bytes = [0_u8; 8];
    let _ = getrandom::fill(&mut bytes);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{now_ms:x}-{:016x}-{n:x}", u64::from_le_bytes(bytes))
}
