//! An uploaded list of numbers: [`parse_numbers`].
//!
//! One number per line, or a CSV whose first column (or the column headed
//! `phone`, `number` or `mobile`) holds it. Each is validated to E.164 the
//! way the shop reads numbers ([`CustomerPhone::parse`]: `+91 98123 45678`,
//! `whatsapp:+91…`); a bad one is reported with its line number and the
//! rest are kept. A number listed twice is kept once.
//!
//! ```
//! use features::campaigns::parse_numbers;
//!
//! let list = parse_numbers("phone,name\n+91 98123 45678,Asha\n12345,Bad\n+919812345678,Asha again\n");
//! assert_eq!(list.numbers.len(), 1);
//! assert_eq!(list.rejected[0].line, 3);
//! assert_eq!(list.duplicates, 1);
//! ```

use std::collections::HashSet;

use crate::catalog::RejectedRow;
use crate::shared::CustomerPhone;

/// The numbers read from an upload.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NumberList {
    /// Valid numbers, in file order, each once.
    pub numbers: Vec<CustomerPhone>,
    /// Lines refused, with why.
    pub rejected: Vec<RejectedRow>,
    /// Valid numbers left out because they were listed before.
    pub duplicates: u64,
}

const HEADERS: [&str; 3] = ["phone", "number", "mobile"];

/// Reads the numbers of `text` (see the [module docs](self)).
#[must_use]
pub fn parse_numbers(text: &str) -> NumberList {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut list = NumberList::default();
    let mut seen = HashSet::new();
    let mut column = 0;
    for (index, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(index as u64 + 1, csv::Position::line);
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                list.rejected.push(RejectedRow {
                    line,
                    reason: format!("not readable as CSV: {e}"),
                });
                continue;
            }
        };
        if index == 0
            && let Some(at) = record
                .iter()
                .position(|h| HEADERS.contains(&h.to_ascii_lowercase().as_str()))
        {
            column = at;
            continue;
        }
        let cell = record.get(column).unwrap_or_default();
        if record.iter().all(str::is_empty) {
            continue;
        }
        match CustomerPhone::parse(cell) {
            Ok(phone) if seen.insert(phone.clone()) => list.numbers.push(phone),
            Ok(_) => list.duplicates += 1,
            Err(e) => list.rejected.push(RejectedRow {
                line,
                reason: format!("{cell:?} is not a phone number in international form: {e}"),
            }),
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_lines_and_a_headed_column_are_read() {
        let plain = parse_numbers("+919812345678\n\n+14155550100\n");
        assert_eq!(plain.numbers.len(), 2);
        assert!(plain.rejected.is_empty());

        let headed = parse_numbers("name,Mobile\nAsha,+919812345678\nRavi,not a number\n");
        assert_eq!(headed.numbers[0].as_str(), "+919812345678");
        assert_eq!(headed.rejected.len(), 1);
        assert_eq!(headed.rejected[0].line, 3);
        assert!(headed.rejected[0].reason.contains("not a number"));
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert_eq!(parse_numbers(""), NumberList::default());
    }
}
