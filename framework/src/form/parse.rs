//! The built-in parsers: a customer's answer to a value, or why not.
//!
//! Pure functions of the answer (and, for dates, of today's date), so each is
//! tested on its own.

use jiff::civil::{Date, Weekday};

use crate::PhoneNumber;
use crate::handler::normalize_text;

/// What the customer answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Input<'a> {
    /// Typed text (or a media caption).
    Text(&'a str),
    /// A tapped button or list row.
    Choice {
        /// Its id.
        id: &'a str,
    },
    /// Anything else: a photo without a caption, a location...
    Other,
}

impl<'a> Input<'a> {
    /// The text a text field reads: what was typed. A tap is not an answer to
    /// a text question (it answers an older menu).
    pub(crate) fn text(self) -> Result<&'a str, Refusal> {
        match self {
            Self::Text(text) => Ok(text.trim()),
            Self::Choice { .. } | Self::Other => Err(Refusal::NotText),
        }
    }
}

/// Why an answer was refused; [`FormTexts`](super::FormTexts) words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    NotText,
    TextLength {
        min: usize,
        max: usize,
    },
    NotANumber {
        example: i64,
    },
    NumberRange {
        min: i64,
        max: i64,
    },
    NotAnOption,
    NotADate,
    DateRange {
        min: Date,
        max: Date,
    },
    NotAPhone,
    NotAnEmail,
    NoMatch,
    /// A custom field's own reason.
    Custom(String),
}

/// Text of `min..=max` characters (after trimming).
pub(crate) fn text(answer: &str, min: usize, max: usize) -> Result<String, Refusal> {
    let answer = answer.trim();
    let chars = answer.chars().count();
    if chars == 0 || !(min..=max).contains(&chars) {
        return Err(Refusal::TextLength { min, max });
    }
    Ok(answer.to_owned())
}

/// A whole number in `min..=max`; spaces, commas and underscores between
/// digits are allowed ("1,00,000", "10 000").
pub(crate) fn number(answer: &str, min: i64, max: i64) -> Result<i64, Refusal> {
    let digits: String = answer
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' '))
        .collect();
    let example = 0.clamp(min, max);
    let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits.as_str());
    if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Refusal::NotANumber { example });
    }
    let n: i64 = digits
        .parse()
        .map_err(|_| Refusal::NumberRange { min, max })?;
    if !(min..=max).contains(&n) {
        return Err(Refusal::NumberRange { min, max });
    }
    Ok(n)
}

/// One of `options` (`(id, title)`): tapped, typed by title or id (compared
/// like router keywords), or by its number in the list.
pub(crate) fn one_of<'o>(
    input: Input<'_>,
    options: &'o [(String, String)],
) -> Result<&'o (String, String), Refusal> {
    let found = match input {
        Input::Choice { id } => options.iter().find(|(i, _)| i == id),
        Input::Text(text) => {
            let typed = normalize_text(text);
            options
                .iter()
                .find(|(id, title)| normalize_text(title) == typed || normalize_text(id) == typed)
                .or_else(|| {
                    typed
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| n.checked_sub(1))
                        .and_then(|i| options.get(i))
                })
        }
        Input::Other => None,
    };
    found.ok_or(Refusal::NotAnOption)
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A date in `earliest..=latest`, as a customer writes one: "today",
/// "tomorrow", a weekday ("fri": the next one, today included), day first
/// ("21/11", "21-11-2026", "21.11.26"), ISO ("2026-11-21"), or with the
/// month's name ("21 Nov", "21st November 2026", "Nov 21"). Without a year:
/// the next such date from today.
pub(crate) fn date(
    answer: &str,
    today: Date,
    earliest: Date,
    latest: Date,
) -> Result<Date, Refusal> {
    let date = read_date(&normalize_text(answer), today).ok_or(Refusal::NotADate)?;
    if date < earliest || date > latest {
        return Err(Refusal::DateRange {
            min: earliest,
            max: latest,
        });
    }
    Ok(date)
}

fn read_date(answer: &str, today: Date) -> Option<Date> {
    match answer {
        "today" => return Some(today),
        "tomorrow" | "tmrw" => return today.tomorrow().ok(),
        _ => {}
    }
    if answer.len() >= 3
        && let Some((_, weekday)) = WEEKDAYS.iter().find(|(name, _)| name.starts_with(answer))
    {
        let ahead = weekday.to_monday_zero_offset() - today.weekday().to_monday_zero_offset();
        return today
            .checked_add(jiff::Span::new().days(i64::from(ahead.rem_euclid(7))))
            .ok();
    }
    let parts: Vec<&str> = answer
        .split(['/', '-', '.', ' ', ','])
        .filter(|p| !p.is_empty())
        .collect();
    let (day, month, year) = match parts.as_slice() {
        [y, m, d] if y.len() == 4 => (number_of(d)?, month_of(m)?, Some(year_of(y)?)),
        [d, m] => day_month(d, m)?,
        [d, m, y] => {
            let (day, month, _) = day_month(d, m)?;
            (day, month, Some(year_of(y)?))
        }
        _ => return None,
    };
    match year {
        Some(year) => Date::new(year, month, day).ok(),
        None => {
            let this_year = Date::new(today.year(), month, day).ok();
            match this_year {
                Some(d) if d >= today => Some(d),
                _ => Date::new(today.year().checked_add(1)?, month, day).ok(),
            }
        }
    }
}

/// Day and month in either order when the month is a name ("nov 21").
fn day_month(a: &str, b: &str) -> Option<(i8, i8, Option<i16>)> {
    match (number_of(a), number_of(b)) {
        (Some(day), _) => Some((day, month_of(b)?, None)),
        (None, Some(day)) => Some((day, month_of(a)?, None)),
        (None, None) => None,
    }
}

/// "21", "21st", "2nd", "3rd", "4th".
fn number_of(part: &str) -> Option<i8> {
    let digits = part.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &part[digits.len()..];
    if !matches!(suffix, "" | "st" | "nd" | "rd" | "th") || digits.is_empty() {
        return None;
    }
    digits.parse().ok()
}

/// "11", "nov", "november".
fn month_of(part: &str) -> Option<i8> {
    if part.bytes().all(|b| b.is_ascii_digit()) {
        return part.parse().ok();
    }
    if part.len() < 3 {
        return None;
    }
    let index = MONTHS.iter().position(|m| m.starts_with(part))?;
    i8::try_from(index + 1).ok()
}

/// "2026" or "26" (2026).
fn year_of(part: &str) -> Option<i16> {
    if !part.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i16 = part.parse().ok()?;
    match part.len() {
        2 => Some(2000 + year),
        4 => Some(year),
        _ => None,
    }
}

/// A date as the summary shows it: "Sat 21 Nov 2026".
pub(crate) fn show_date(date: Date) -> String {
    let weekday = WEEKDAYS
        .iter()
        .find(|(_, w)| *w == date.weekday())
        .map_or("", |(name, _)| name);
    let month = usize::try_from(date.month() - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .map_or("", |m| m);
    format!(
        "{} {} {} {}",
        capitalized_prefix(weekday),
        date.day(),
        capitalized_prefix(month),
        date.year()
    )
}

/// "Fri" for "friday".
fn capitalized_prefix(name: &str) -> String {
    let mut chars = name.chars().take(3);
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A phone number with its country code ("+91 98123 45678", "0091..."),
/// or a national one with `default_country` (its digits, e.g. "91"; a
/// leading trunk 0 is dropped).
pub(crate) fn phone(answer: &str, default_country: Option<&str>) -> Result<PhoneNumber, Refusal> {
    let answer = answer.trim();
    let international = if let Some(rest) = answer.strip_prefix('+') {
        format!("+{rest}")
    } else if let Some(rest) = answer.strip_prefix("00") {
        format!("+{rest}")
    } else if let Some(country) = default_country {
        format!("+{country}{}", answer.trim_start_matches('0'))
    } else {
        return Err(Refusal::NotAPhone);
    };
    PhoneNumber::parse(&international).map_err(|_| Refusal::NotAPhone)
}

/// An email address: one `@`, a local part of at most 64 characters without
/// spaces, a domain of dot-separated labels (letters, digits, hyphens) whose
/// last has two letters or more. The domain is lower-cased.
pub(crate) fn email(answer: &str) -> Result<String, Refusal> {
    let answer = answer.trim();
    let (local, domain) = answer.split_once('@').ok_or(Refusal::NotAnEmail)?;
    let local_ok = !local.is_empty()
        && local.chars().count() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '@' | '<' | '>' | ','));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
    if !(local_ok && domain_ok) {
        return Err(Refusal::NotAnEmail);
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn d(y: i16, m: i8, day: i8) -> Date {
        Date::new(y, m, day).unwrap_or_default()
    }

    /// Saturday 21 November 2026.
    fn today() -> Date {
        d(2026, 11, 21)
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(text("  Asha  ", 2, 40), Ok("Asha".to_owned()));
        assert_eq!(
            text("अशा", 2, 3),
            Ok("अशा".to_owned()),
            "characters, not bytes"
        );
        assert_eq!(
            text("A", 2, 40),
            Err(Refusal::TextLength { min: 2, max: 40 })
        );
        assert_eq!(
            text("   ", 0, 40),
            Err(Refusal::TextLength { min: 0, max: 40 })
        );
        assert_eq!(
            text(&"x".repeat(41), 2, 40),
            Err(Refusal::TextLength { min: 2, max: 40 })
        );
    }

    #[test]
    fn numbers_accept_separators_and_refuse_words_decimals_and_the_out_of_range() {
        assert_eq!(number(" 42 ", 18, 99), Ok(42));
        assert_eq!(number("1,00,000", 0, i64::MAX), Ok(100_000));
        assert_eq!(number("-5", -10, 10), Ok(-5));
        assert_eq!(number("+7", 0, 10), Ok(7));
        assert_eq!(
            number("forty", 18, 99),
            Err(Refusal::NotANumber { example: 18 })
        );
        assert_eq!(
            number("2.5", 0, 10),
            Err(Refusal::NotANumber { example: 0 })
        );
        assert_eq!(number("", 0, 10), Err(Refusal::NotANumber { example: 0 }));
        assert_eq!(number("-", 0, 10), Err(Refusal::NotANumber { example: 0 }));
        assert_eq!(
            number("17", 18, 99),
            Err(Refusal::NumberRange { min: 18, max: 99 })
        );
        assert_eq!(
            number("99999999999999999999", 0, 10),
            Err(Refusal::NumberRange { min: 0, max: 10 }),
            "too large for i64 is out of range, not a panic"
        );
    }

    fn days() -> Vec<(String, String)> {
        [("mon", "Monday"), ("tue", "Tuesday"), ("sat", "Saturday")]
            .map(|(i, t)| (i.to_owned(), t.to_owned()))
            .to_vec()
    }

    #[test]
    fn an_option_is_tapped_typed_by_title_or_id_or_numbered() {
        let options = days();
        let id = |input| one_of(input, &options).map(|(id, _)| id.as_str());
        assert_eq!(id(Input::Choice { id: "tue" }), Ok("tue"));
        assert_eq!(id(Input::Text("  monday! ")), Ok("mon"));
        assert_eq!(id(Input::Text("SAT")), Ok("sat"));
        assert_eq!(id(Input::Text("2")), Ok("tue"));
        assert_eq!(id(Input::Text("4")), Err(Refusal::NotAnOption));
        assert_eq!(id(Input::Text("0")), Err(Refusal::NotAnOption));
        assert_eq!(id(Input::Text("sunday")), Err(Refusal::NotAnOption));
        assert_eq!(id(Input::Choice { id: "sun" }), Err(Refusal::NotAnOption));
        assert_eq!(id(Input::Other), Err(Refusal::NotAnOption));
    }

    #[test]
    fn dates_are_read_the_way_customers_write_them() {
        let read = |s: &str| date(s, today(), d(2000, 1, 1), d(2100, 1, 1));
        assert_eq!(read("today"), Ok(today()));
        assert_eq!(read("Tomorrow"), Ok(d(2026, 11, 22)));
        assert_eq!(read("sat"), Ok(today()), "today is a Saturday");
        assert_eq!(read("friday"), Ok(d(2026, 11, 27)));
        assert_eq!(read("Mon"), Ok(d(2026, 11, 23)));
        assert_eq!(read("2026-12-03"), Ok(d(2026, 12, 3)));
        assert_eq!(read("3/12"), Ok(d(2026, 12, 3)), "day first");
        assert_eq!(read("3.12.27"), Ok(d(2027, 12, 3)));
        assert_eq!(read("03-12-2026"), Ok(d(2026, 12, 3)));
        assert_eq!(read("21st November"), Ok(today()));
        assert_eq!(read("Nov 25"), Ok(d(2026, 11, 25)));
        assert_eq!(
            read("2 jan"),
            Ok(d(2027, 1, 2)),
            "passed this year: next year's"
        );
        assert_eq!(read("5 Feb 2027"), Ok(d(2027, 2, 5)));
        for bad in [
            "",
            "soon",
            "31/2",
            "32 jan",
            "2/13",
            "mo",
            "5 ja",
            "21 nov 123",
            "1/2/3/4",
        ] {
            assert_eq!(read(bad), Err(Refusal::NotADate), "{bad:?}");
        }
    }

    #[test]
    fn dates_outside_the_range_are_refused_with_it() {
        let (min, max) = (today(), d(2026, 12, 21));
        assert_eq!(date("yesterday", today(), min, max), Err(Refusal::NotADate));
        assert_eq!(
            date("20/11/2026", today(), min, max),
            Err(Refusal::DateRange { min, max })
        );
        assert_eq!(
            date("1 jan", today(), min, max),
            Err(Refusal::DateRange { min, max })
        );
    }

    #[test]
    fn dates_are_shown_with_their_weekday() {
        assert_eq!(show_date(today()), "Sat 21 Nov 2026");
        assert_eq!(show_date(d(2027, 1, 4)), "Mon 4 Jan 2027");
    }

    #[test]
    fn phones_need_a_country_code_unless_the_field_has_one() {
        let e164 = |r: Result<PhoneNumber, Refusal>| r.map(|p| p.as_str().to_owned());
        assert_eq!(
            e164(phone("+91 98123 45678", None)),
            Ok("+919812345678".to_owned())
        );
        assert_eq!(
            e164(phone("0091-98123-45678", None)),
            Ok("+919812345678".to_owned())
        );
        assert_eq!(
            e164(phone("98123 45678", Some("91"))),
            Ok("+919812345678".to_owned())
        );
        assert_eq!(
            e164(phone("098123 45678", Some("91"))),
            Ok("+919812345678".to_owned())
        );
        assert_eq!(e164(phone("98123 45678", None)), Err(Refusal::NotAPhone));
        assert_eq!(e164(phone("+91 call me", None)), Err(Refusal::NotAPhone));
        assert_eq!(e164(phone("+12", None)), Err(Refusal::NotAPhone));
    }

    #[test]
    fn emails_have_a_local_part_and_a_dotted_domain() {
        assert_eq!(
            email(" Asha@Example.COM "),
            Ok("Asha@example.com".to_owned())
        );
        assert_eq!(
            email("a.b+shop@mail.co.in"),
            Ok("a.b+shop@mail.co.in".to_owned())
        );
        for bad in [
            "",
            "asha",
            "asha@",
            "@example.com",
            "asha@example",
            "asha@@example.com",
            "as ha@example.com",
            "asha@exa mple.com",
            "asha@-example.com",
            "asha@example.c",
            "asha@example.123",
            ".asha@example.com",
            "asha@example..com",
        ] {
            assert_eq!(email(bad), Err(Refusal::NotAnEmail), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn every_number_in_range_is_read_back(n in -1_000_000_i64..1_000_000) {
            prop_assert_eq!(number(&n.to_string(), -1_000_000, 1_000_000), Ok(n));
        }

        #[test]
        fn no_answer_panics_a_parser(answer in "\\PC{0,40}") {
            let _ = text(&answer, 1, 10);
            let _ = number(&answer, 0, 10);
            let _ = date(&answer, today(), d(2000, 1, 1), d(2100, 1, 1));
            let _ = phone(&answer, Some("91"));
            let _ = email(&answer);
            let _ = one_of(Input::Text(&answer), &days());
        }

        #[test]
        fn every_date_is_read_back_from_its_day_first_form(offset in 0_i64..3650) {
            let day = today().checked_add(jiff::Span::new().days(offset)).unwrap_or_default();
            let typed = format!("{}/{}/{}", day.day(), day.month(), day.year());
            prop_assert_eq!(date(&typed, today(), today(), d(2100, 1, 1)), Ok(day));
        }
    }
}
