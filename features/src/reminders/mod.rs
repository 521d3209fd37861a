//! Reminders: payment reminders for unpaid invoices and reminders a shop
//! schedules for a customer, sent when due, never at night.
//!
//! The bot schedules each reminder as a delayed `send-reminder` job; when
//! it fires, [`ReminderService::prepare_reminder`] decides whether to send
//! it, wait or skip it. The facts (invoice paid or void, customer opted
//! out) are checked then, not only when it was scheduled.
//!
//! # Example
//!
//! ```
//! use features::reminders::{QuietHours, ShopClock};
//!
//! // 22:30 in Kolkata (17:00 UTC) is inside 21:00–09:00: moved to 09:00.
//! let clock = ShopClock::new("Asia/Kolkata", QuietHours::parse("21:00-09:00")?)?;
//! let at = "2026-11-22T17:00:00Z".parse::<jiff::Timestamp>()?.as_millisecond();
//! let sent = clock.next_allowed(at);
//! assert_eq!(
//!     jiff::Timestamp::from_millisecond(sent)?.to_string(),
//!     "2026-11-23T03:30:00Z" // 09:00 in Kolkata
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Layout
//!
//! - [`domain`]: the [`Reminder`] and its life cycle, the shop's
//!   [`QuietHours`] in its time zone ([`ShopClock`], Asia/Kolkata by
//!   default), the default payment reminder schedule.
//! - [`commands`]: [`SchedulePaymentReminders`] when an invoice is issued,
//!   [`ScheduleReminder`] for anything else, [`StopReminders`] /
//!   [`StartReminders`], [`PrepareReminder`] (answered with a [`Fire`])
//!   and [`MarkReminderSent`]; [`queries`]: [`GetReminder`],
//!   [`RemindersStopped`].
//! - [`ports`]: storage is a [`ReminderRepository`].
//! - [`service`]: the [`ReminderService`], one method per command and
//!   query.
//! - [`error`]: [`ReminderError`], with `is_user_error()` and
//!   `is_retryable()`.

pub mod commands;
pub mod domain;
pub mod error;
pub mod ports;
pub mod queries;
pub mod service;

pub use commands::{
    Fire, MarkReminderSent, PrepareReminder, SchedulePaymentReminders, ScheduleReminder,
    ScheduledReminder, StartReminders, StopReminders,
};
pub use domain::{
    QuietHours, Readiness, Reminder, ReminderKind, ReminderStatus, ShopClock,
    payment_reminder_times,
};
pub use error::ReminderError;
pub use ports::{ReminderId, ReminderRepository};
pub use queries::{GetReminder, RemindersStopped};
pub use service::ReminderService;
