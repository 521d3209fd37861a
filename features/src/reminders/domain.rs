//! The reminder domain (pure): the [`Reminder`] and its life cycle, the
//! shop's [`QuietHours`] in its time zone ([`ShopClock`]), and the default
//! payment reminder schedule.

use jiff::civil::Time;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Zoned};

use super::error::ReminderError;
use crate::invoices::InvoiceNumber;
use crate::shared::CustomerPhone;

/// The hours a shop sends no reminders, in its local time; the window may
/// cross midnight (`21:00-09:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    start: Time,
    end: Time,
}

impl QuietHours {
    /// Reads `HH:MM-HH:MM`; an empty text means no quiet hours (`None`).
    ///
    /// # Errors
    ///
    /// [`ReminderError::BadQuietHours`].
    pub fn parse(text: &str) -> Result<Option<Self>, ReminderError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let bad = || ReminderError::BadQuietHours(text.to_owned());
        let (start, end) = text.split_once('-').ok_or_else(bad)?;
        let time = |t: &str| -> Result<Time, ReminderError> {
            let (h, m) = t.trim().split_once(':').ok_or_else(bad)?;
            let (h, m): (i8, i8) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
            Time::new(h, m, 0, 0).map_err(|_| bad())
        };
        let (start, end) = (time(start)?, time(end)?);
        if start == end {
            return Err(bad());
        }
        Ok(Some(Self { start, end }))
    }

    /// Whether `t` falls in the window.
    fn contains(self, t: Time) -> bool {
        if self.start < self.end {
            self.start <= t && t < self.end
        } else {
            t >= self.start || t < self.end
        }
    }
}

impl std::str::FromStr for QuietHours {
    type Err = ReminderError;

    /// `HH:MM-HH:MM`, as [`QuietHours::parse`] reads it, except that an
    /// empty text is an error.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)?.ok_or_else(|| ReminderError::BadQuietHours(text.to_owned()))
    }
}

/// A shop's clock: its time zone and quiet hours.
#[derive(Debug, Clone, PartialEq)]
pub struct ShopClock {
    tz: TimeZone,
    quiet: Option<QuietHours>,
}

impl ShopClock {
    /// The clock of a shop in time zone `tz` (an IANA name).
    ///
    /// # Errors
    ///
    /// [`ReminderError::UnknownTimeZone`].
    pub fn new(tz: &str, quiet: Option<QuietHours>) -> Result<Self, ReminderError> {
        let tz = TimeZone::get(tz).map_err(|_| ReminderError::UnknownTimeZone(tz.to_owned()))?;
        Ok(Self { tz, quiet })
    }

    /// The shop's time zone.
    #[must_use]
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// The first moment at or after `at_ms` outside the quiet hours (the
    /// end of the window, in the morning, when `at_ms` falls inside it).
    #[must_use]
    pub fn next_allowed(&self, at_ms: i64) -> i64 {
        let Some(quiet) = self.quiet else {
            return at_ms;
        };
        let Ok(at) = Timestamp::from_millisecond(at_ms) else {
            return at_ms;
        };
        let local: Zoned = at.to_zoned(self.tz.clone());
        if !quiet.contains(local.time()) {
            return at_ms;
        }
        // Inside the window: it ends today when we are past midnight
        // (before its end), else tomorrow.
        let date = if local.time() >= quiet.end {
            local.date().checked_add(1.day()).unwrap_or(local.date())
        } else {
            local.date()
        };
        date.to_datetime(quiet.end)
            .to_zoned(self.tz.clone())
            .map_or(at_ms, |z| z.timestamp().as_millisecond())
    }
}

/// What a reminder is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReminderKind {
    /// An unpaid invoice.
    Payment {
        /// The invoice.
        invoice: InvoiceNumber,
    },
    /// A message the shop chose.
    Custom {
        /// The text.
        text: String,
    },
}

/// Where a reminder stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReminderStatus {
    /// Waiting for its time.
    Scheduled,
    /// Sent at (ms since the epoch).
    Sent(i64),
    /// Not to be sent, and why.
    Cancelled(String),
}

/// What to do with a reminder whose job fired.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// Send it now.
    Send,
    /// Not before this time (quiet hours, or its time has not come).
    Wait(i64),
    /// Never: the invoice was paid or voided, the customer said "stop
    /// reminders", or it was sent or cancelled already.
    Skip(&'static str),
}

/// A reminder for one customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Who.
    pub customer: CustomerPhone,
    /// About what.
    pub kind: ReminderKind,
    /// When it is due (ms since the epoch).
    pub due_at_ms: i64,
    status: ReminderStatus,
}

impl Reminder {
    /// A scheduled reminder.
    #[must_use]
    pub fn new(customer: CustomerPhone, kind: ReminderKind, due_at_ms: i64) -> Self {
        Self {
            customer,
            kind,
            due_at_ms,
            status: ReminderStatus::Scheduled,
        }
    }

    /// A stored reminder, as it was saved.
    #[must_use]
    pub fn restore(
        customer: CustomerPhone,
        kind: ReminderKind,
        due_at_ms: i64,
        status: ReminderStatus,
    ) -> Self {
        Self {
            customer,
            kind,
            due_at_ms,
            status,
        }
    }

    /// Its status.
    #[must_use]
    pub fn status(&self) -> &ReminderStatus {
        &self.status
    }

    /// Decides, when its job fires at `now_ms`, whether to send it: the
    /// facts are checked now, not when it was scheduled.
    /// `invoice_awaits_payment` is the invoice's state now (`None` for a
    /// custom reminder); `opted_out` whether the customer said "stop
    /// reminders".
    #[must_use]
    pub fn is_ready_to_send(
        &self,
        now_ms: i64,
        clock: &ShopClock,
        invoice_awaits_payment: Option<bool>,
        opted_out: bool,
    ) -> Readiness {
        match self.status {
            ReminderStatus::Sent(_) => return Readiness::Skip("sent already"),
            ReminderStatus::Cancelled(_) => return Readiness::Skip("cancelled"),
            ReminderStatus::Scheduled => {}
        }
        if matches!(self.kind, ReminderKind::Payment { .. }) && invoice_awaits_payment != Some(true)
        {
            return Readiness::Skip("the invoice is paid or void");
        }
        if opted_out {
            return Readiness::Skip("the customer asked for no reminders");
        }
        if now_ms < self.due_at_ms {
            return Readiness::Wait(clock.next_allowed(self.due_at_ms));
        }
        match clock.next_allowed(now_ms) {
            allowed if allowed > now_ms => Readiness::Wait(allowed),
            _ => Readiness::Send,
        }
    }

    /// Records that it was sent.
    ///
    /// # Errors
    ///
    /// [`ReminderError::AlreadySent`], [`ReminderError::Cancelled`].
    pub fn mark_as_sent(&mut self, now_ms: i64) -> Result<(), ReminderError> {
        match self.status {
            ReminderStatus::Scheduled => {
                self.status = ReminderStatus::Sent(now_ms);
                Ok(())
            }
            ReminderStatus::Sent(_) => Err(ReminderError::AlreadySent),
            ReminderStatus::Cancelled(_) => Err(ReminderError::Cancelled),
        }
    }

    /// Cancels it (a paid invoice, "stop reminders").
    ///
    /// # Errors
    ///
    /// [`ReminderError::AlreadySent`].
    pub fn cancel(&mut self, reason: &str) -> Result<(), ReminderError> {
        match self.status {
            ReminderStatus::Sent(_) => Err(ReminderError::AlreadySent),
            _ => {
                self.status = ReminderStatus::Cancelled(reason.to_owned());
                Ok(())
            }
        }
    }
}

/// When the payment reminders of an invoice are due: one day before its
/// due date and three days after, or, with `first_after` (the operator's
/// `CAMPANILE_PAYMENT_REMINDER_AFTER`), the first that long after issue.
#[must_use]
pub fn payment_reminder_times(
    issued_at_ms: i64,
    due_at_ms: i64,
    first_after: Option<std::time::Duration>,
) -> [i64; 2] {
    const DAY_MS: i64 = 24 * 60 * 60 * 1000;
    let first = match first_after {
        Some(d) => issued_at_ms.saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
        None => due_at_ms.saturating_sub(DAY_MS).max(issued_at_ms),
    };
    [first, due_at_ms.saturating_add(3 * DAY_MS)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quiet_hours_read_from_text() {
        let night: QuietHours = "21:00-09:00".parse().unwrap();
        assert_eq!(Some(night), QuietHours::parse("21:00-09:00").unwrap());
        assert!("".parse::<QuietHours>().is_err(), "empty is no window");
        assert!("night".parse::<QuietHours>().is_err());
    }

    fn ms(utc: &str) -> i64 {
        utc.parse::<Timestamp>().unwrap().as_millisecond()
    }

    fn utc(ms: i64) -> String {
        Timestamp::from_millisecond(ms).unwrap().to_string()
    }

    fn kolkata(quiet: &str) -> ShopClock {
        ShopClock::new("Asia/Kolkata", QuietHours::parse(quiet).unwrap()).unwrap()
    }

    #[test]
    fn quiet_hours_move_a_night_time_to_the_morning_in_the_shops_time_zone() {
        let clock = kolkata("21:00-09:00");
        // 22:30 IST → 09:00 IST the next day.
        assert_eq!(
            utc(clock.next_allowed(ms("2026-11-22T17:00:00Z"))),
            "2026-11-23T03:30:00Z"
        );
        // 02:00 IST → 09:00 IST the same day.
        assert_eq!(
            utc(clock.next_allowed(ms("2026-11-22T20:30:00Z"))),
            "2026-11-23T03:30:00Z"
        );
        // 12:00 IST: allowed as is.
        assert_eq!(
            utc(clock.next_allowed(ms("2026-11-22T06:30:00Z"))),
            "2026-11-22T06:30:00Z"
        );
        // 09:00 IST exactly: the window is over.
        assert_eq!(
            utc(clock.next_allowed(ms("2026-11-23T03:30:00Z"))),
            "2026-11-23T03:30:00Z"
        );
        // A window within one day.
        let lunch = kolkata("13:00-14:00");
        assert_eq!(
            utc(lunch.next_allowed(ms("2026-11-22T07:45:00Z"))),
            "2026-11-22T08:30:00Z"
        );
        // No quiet hours.
        let open = kolkata("");
        assert_eq!(open.next_allowed(42), 42);
    }

    #[test]
    fn bad_settings_are_refused_with_the_reason() {
        assert!(matches!(
            QuietHours::parse("21-9"),
            Err(ReminderError::BadQuietHours(_))
        ));
        assert!(matches!(
            QuietHours::parse("25:00-09:00"),
            Err(ReminderError::BadQuietHours(_))
        ));
        assert!(matches!(
            QuietHours::parse("09:00-09:00"),
            Err(ReminderError::BadQuietHours(_))
        ));
        assert!(matches!(
            ShopClock::new("Asia/Bombay-ish", None),
            Err(ReminderError::UnknownTimeZone(_))
        ));
    }

    #[test]
    fn a_reminder_is_checked_when_it_fires_not_only_when_scheduled() {
        let clock = kolkata("21:00-09:00");
        let noon = ms("2026-11-22T06:30:00Z");
        let reminder = Reminder::new(
            CustomerPhone::parse("+919812345678").unwrap(),
            ReminderKind::Payment {
                invoice: InvoiceNumber::new(1),
            },
            noon,
        );
        assert_eq!(
            reminder.is_ready_to_send(noon, &clock, Some(true), false),
            Readiness::Send
        );
        assert_eq!(
            reminder.is_ready_to_send(noon, &clock, Some(false), false),
            Readiness::Skip("the invoice is paid or void"),
            "paid before it fired"
        );
        assert_eq!(
            reminder.is_ready_to_send(noon, &clock, Some(true), true),
            Readiness::Skip("the customer asked for no reminders")
        );
        let night = ms("2026-11-22T17:00:00Z");
        assert_eq!(
            reminder.is_ready_to_send(night, &clock, Some(true), false),
            Readiness::Wait(ms("2026-11-23T03:30:00Z")),
            "not at night"
        );
        assert_eq!(
            reminder.is_ready_to_send(noon - 1_000, &clock, Some(true), false),
            Readiness::Wait(noon),
            "not early"
        );
    }

    #[test]
    fn sent_and_cancelled_are_final() {
        let mut r = Reminder::new(
            CustomerPhone::parse("+919812345678").unwrap(),
            ReminderKind::Custom {
                text: "Your tiles are ready".to_owned(),
            },
            0,
        );
        r.mark_as_sent(5).unwrap();
        assert!(matches!(r.mark_as_sent(6), Err(ReminderError::AlreadySent)));
        assert!(matches!(r.cancel("late"), Err(ReminderError::AlreadySent)));
        assert_eq!(
            r.is_ready_to_send(10, &kolkata(""), None, false),
            Readiness::Skip("sent already")
        );
        let mut c = Reminder::new(
            CustomerPhone::parse("+919812345678").unwrap(),
            ReminderKind::Custom {
                text: "x".to_owned(),
            },
            0,
        );
        c.cancel("stop reminders").unwrap();
        assert!(matches!(c.mark_as_sent(1), Err(ReminderError::Cancelled)));
    }

    #[test]
    fn payment_reminders_come_a_day_before_and_three_days_after_the_due_date() {
        const DAY: i64 = 24 * 60 * 60 * 1000;
        let (issued, due) = (0, 15 * DAY);
        assert_eq!(
            payment_reminder_times(issued, due, None),
            [14 * DAY, 18 * DAY]
        );
        assert_eq!(
            payment_reminder_times(issued, due, Some(std::time::Duration::from_secs(2))),
            [2_000, 18 * DAY],
            "CAMPANILE_PAYMENT_REMINDER_AFTER overrides the first"
        );
        assert_eq!(
            payment_reminder_times(issued, DAY / 2, None)[0],
            issued,
            "never before the invoice"
        );
    }
}
