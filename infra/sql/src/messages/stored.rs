//! What the log keeps in its text columns, typed: the [`Direction`], the
//! provider ([`framework::Provider`]), the [`InboundStatus`] and the
//! [`OutboundStatus`] (with its forward-only rank).
//!
//! Stored text is read back in one place, [`parse`]: every value of a type
//! is listed once ([`Stored::ALL`]) and looked up by its text, so what is
//! written and what is read cannot disagree. A value this version does not
//! know is [`DbError::Corrupt`] naming the table.

use std::fmt;

use framework::Provider;
use sea_orm::{QueryResult, Value};

use crate::{DbError, corrupt};

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From a customer (stored `in`).
    In,
    /// To a customer (stored `out`).
    Out,
}

impl Direction {
    /// The stored text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }
}

/// Where an inbound message is in the inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InboundStatus {
    /// Recorded; its turn has not committed (stored `received`).
    Received,
    /// Its turn committed: a later delivery is a replay (stored `handled`).
    Handled,
    /// Its stored copy cannot be read back: set aside, so it does not block
    /// its conversation (stored `unreadable`).
    Unreadable,
    /// Recorded only: it names no phone number to answer (a user known by a
    /// business-scoped id), so it never runs (stored `unsupported`).
    Unsupported,
}

impl InboundStatus {
    /// The stored text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Handled => "handled",
            Self::Unreadable => "unreadable",
            Self::Unsupported => "unsupported",
        }
    }
}

/// Where an outbound message is. Reports move it forward only, by
/// [`rank`](Self::rank).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutboundStatus {
    /// Stored, to be sent (stored `pending`).
    Pending,
    /// Accepted by the provider (stored `queued`).
    Queued,
    /// Handed to WhatsApp (stored `sent`).
    Sent,
    /// On the customer's device (stored `delivered`).
    Delivered,
    /// Read by the customer (stored `read`).
    Read,
    /// Not delivered, for good (stored `failed`).
    Failed,
    /// No credentials for the provider: logged, never sent (stored
    /// `dry_run`).
    DryRun,
    /// A terminal chat's: shown there, never sent (stored `local`).
    Local,
    /// Sent, but whether the provider took it is unknown (a timeout after
    /// the request was written, or a dispatcher that died mid-send), and it
    /// is not sent again: a proactive message (at-most-once), or a reply
    /// already sent again once. Listed for review (stored `unknown`).
    Unknown,
}

/// The statuses reports move through, in rank order.
const FORWARD: [OutboundStatus; 6] = [
    OutboundStatus::Pending,
    OutboundStatus::Queued,
    OutboundStatus::Sent,
    OutboundStatus::Delivered,
    OutboundStatus::Read,
    OutboundStatus::Failed,
];

impl OutboundStatus {
    /// The stored text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Failed => "failed",
            Self::DryRun => "dry_run",
            Self::Local => "local",
            Self::Unknown => "unknown",
        }
    }

    /// The status stored as `text`, if any.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        <Self as Stored>::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == text)
    }

    /// The rank a report moves a message forward by: `pending` < `queued`
    /// < `sent` < `delivered` < `read` < `failed` (`failed` ranks highest:
    /// nothing follows it). `None` for `dry_run`, `local` and `unknown`, which no
    /// report moves a message to or from.
    #[must_use]
    pub const fn rank(self) -> Option<u8> {
        match self {
            Self::Pending => Some(0),
            Self::Queued => Some(1),
            Self::Sent => Some(2),
            Self::Delivered => Some(3),
            Self::Read => Some(4),
            Self::Failed => Some(5),
            Self::DryRun | Self::Local | Self::Unknown => None,
        }
    }

    /// The statuses a report of `self` moves a message from: those ranked
    /// lower (none for a status without a rank).
    #[must_use]
    pub fn ranked_below(self) -> Vec<Self> {
        let Some(rank) = self.rank() else {
            return Vec::new();
        };
        FORWARD
            .into_iter()
            .filter(|s| s.rank().is_some_and(|r| r < rank))
            .collect()
    }
}

/// A row's status: its direction's kind of status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// An inbound row's.
    In(InboundStatus),
    /// An outbound row's.
    Out(OutboundStatus),
}

impl MessageStatus {
    /// The row's direction.
    #[must_use]
    pub const fn direction(self) -> Direction {
        match self {
            Self::In(_) => Direction::In,
            Self::Out(_) => Direction::Out,
        }
    }

    /// The stored text.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::In(s) => s.as_str(),
            Self::Out(s) => s.as_str(),
        }
    }
}

impl PartialEq<InboundStatus> for MessageStatus {
    fn eq(&self, other: &InboundStatus) -> bool {
        *self == Self::In(*other)
    }
}

impl PartialEq<OutboundStatus> for MessageStatus {
    fn eq(&self, other: &OutboundStatus) -> bool {
        *self == Self::Out(*other)
    }
}

/// A value the log keeps as text.
pub(super) trait Stored: Copy + 'static {
    /// What the value is, for errors.
    const WHAT: &'static str;
    /// Every value; [`parse`] looks text up here.
    const ALL: &'static [Self];
    /// The stored text.
    fn text(self) -> &'static str;
}

impl Stored for Direction {
    const WHAT: &'static str = "direction";
    const ALL: &'static [Self] = &[Self::In, Self::Out];
    fn text(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for InboundStatus {
    const WHAT: &'static str = "inbound status";
    const ALL: &'static [Self] = &[
        Self::Received,
        Self::Handled,
        Self::Unreadable,
        Self::Unsupported,
    ];
    fn text(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for OutboundStatus {
    const WHAT: &'static str = "outbound status";
    const ALL: &'static [Self] = &[
        Self::Pending,
        Self::Queued,
        Self::Sent,
        Self::Delivered,
        Self::Read,
        Self::Failed,
        Self::DryRun,
        Self::Local,
        Self::Unknown,
    ];
    fn text(self) -> &'static str {
        self.as_str()
    }
}

/// Providers as stored: [`Provider::as_str`]. A provider the framework adds
/// is read back once it is listed here.
impl Stored for Provider {
    const WHAT: &'static str = "provider";
    const ALL: &'static [Self] = &[Self::Twilio, Self::Meta, Self::Local];
    fn text(self) -> &'static str {
        self.as_str()
    }
}

/// `text`, stored in `table`, read back.
pub(super) fn parse<T: Stored>(text: &str, table: &'static str) -> Result<T, DbError> {
    T::ALL
        .iter()
        .copied()
        .find(|value| value.text() == text)
        .ok_or_else(|| corrupt(table, format!("unknown {} {text:?}", T::WHAT)))
}

/// Column `column` of a row of `table`, read back.
pub(super) fn column<T: Stored>(
    row: &QueryResult,
    column: &str,
    table: &'static str,
) -> Result<T, DbError> {
    let text: String = row.try_get("", column)?;
    parse(&text, table)
}

/// The status of a row of `messages` (columns `direction` and `status`).
pub(super) fn message_status(row: &QueryResult) -> Result<MessageStatus, DbError> {
    let status: String = row.try_get("", "status")?;
    Ok(match column(row, "direction", "messages")? {
        Direction::In => MessageStatus::In(parse(&status, "messages")?),
        Direction::Out => MessageStatus::Out(parse(&status, "messages")?),
    })
}

macro_rules! stored_as_text {
    ($($ty:ty),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(self.as_str())
            }
        }

        impl From<$ty> for Value {
            fn from(value: $ty) -> Self {
                value.as_str().into()
            }
        }
    )*};
}

stored_as_text!(Direction, InboundStatus, OutboundStatus, MessageStatus);

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn round_trips<T: Stored + PartialEq + fmt::Debug>() {
        for value in T::ALL {
            assert_eq!(parse::<T>(value.text(), "messages").unwrap(), *value);
        }
        let e = parse::<T>("sent_by_pigeon", "messages").unwrap_err();
        assert!(
            matches!(&e, DbError::Corrupt { table: "messages", reason } if reason.contains("sent_by_pigeon")),
            "{e:?}"
        );
    }

    #[test]
    fn stored_text_reads_back_and_unknown_text_is_corrupt() {
        round_trips::<Direction>();
        round_trips::<InboundStatus>();
        round_trips::<OutboundStatus>();
        round_trips::<Provider>();
    }

    #[test]
    fn reports_only_move_forward() {
        use OutboundStatus::*;
        assert_eq!(Pending.ranked_below(), []);
        assert_eq!(Delivered.ranked_below(), [Pending, Queued, Sent]);
        assert_eq!(
            Failed.ranked_below(),
            [Pending, Queued, Sent, Delivered, Read]
        );
        assert!(
            DryRun.ranked_below().is_empty() && Local.ranked_below().is_empty(),
            "statuses outside the order move nothing"
        );
        assert!(Read.rank() > Delivered.rank() && Failed.rank() > Read.rank());
    }

    #[test]
    fn a_status_compares_with_its_direction_s_statuses() {
        let out = MessageStatus::Out(OutboundStatus::Queued);
        assert!(out == OutboundStatus::Queued && out != OutboundStatus::Sent);
        assert!(out != InboundStatus::Received);
        assert_eq!(out.direction(), Direction::Out);
        assert_eq!(format!("{out:<8}|"), "queued  |", "padded like text");
    }
}

/// A provider's failure as the log keeps it (a message's `error`, an
/// opt-out's `reason`): `code: message`, either part alone when the other
/// is missing.
#[must_use]
pub fn failure_text(code: Option<&str>, message: Option<&str>) -> String {
    [code, message]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ")
}

/// The provider's code and message in a [`failure_text`], when it starts
/// with a numeric code (`131047: Re-engagement message` → `131047`,
/// `Re-engagement message`).
#[must_use]
pub fn failure_code(text: &str) -> Option<(&str, &str)> {
    let (code, message) = text.split_once(':').unwrap_or((text, ""));
    let code = code.trim();
    (!code.is_empty() && code.bytes().all(|b| b.is_ascii_digit())).then(|| (code, message.trim()))
}

#[cfg(test)]
mod failure_tests {
    use super::*;

    #[test]
    fn a_failure_text_gives_back_its_code_and_message() {
        let text = failure_text(Some("131047"), Some("Re-engagement message"));
        assert_eq!(text, "131047: Re-engagement message");
        assert_eq!(
            failure_code(&text),
            Some(("131047", "Re-engagement message"))
        );
        assert_eq!(
            failure_code(&failure_text(Some("63016"), None)),
            Some(("63016", ""))
        );
        assert_eq!(
            failure_code(&failure_text(None, Some("timed out: no answer"))),
            None
        );
        assert_eq!(failure_code(""), None);
    }
}
