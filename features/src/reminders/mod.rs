//! Reminders: payment reminders for unpaid invoices and reminders a shop
//! schedules for a customer, sent when due, never at night.
//!
//! - The [`domain`]: the [`Reminder`] and its life cycle, the shop's
//!   [`QuietHours`] in its time zone ([`ShopClock`], Asia/Kolkata by
//!   default), the default payment reminder schedule.
//! - The [`ports`]: storage is a [`ReminderRepository`].
//! - The [`service`], [`ReminderService`]: `schedule_payment_reminders` when an
//!   invoice is issued, `schedule_reminder` for anything else, "stop
//!   reminders", and [`ReminderService::prepare`], which decides when a
//!   reminder's job fires whether to send it, wait or skip it. The facts
//!   (invoice paid or void, customer opted out) are checked then, not only
//!   when it was scheduled.
//!
//! The bot schedules each reminder as a delayed `send-reminder` job.
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

pub mod domain;
pub mod ports;
pub mod service;

pub use domain::{
    QuietHours, Readiness, Reminder, ReminderError, ReminderKind, ReminderStatus, ShopClock,
    payment_reminder_times,
};
pub use ports::{ReminderId, ReminderRepository};
pub use service::{Fire, ReminderService, ReminderServiceError};
