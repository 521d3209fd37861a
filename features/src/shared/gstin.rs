//! [`Gstin`]: an Indian GST identification number, checked as the GST
//! network checks it.

use std::fmt;

/// The 36 characters a GSTIN's check character is computed over, in order.
const CHARS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// A GSTIN: 15 characters, upper-case.
///
/// 1. two digits, the state's code (01 to 38; 97 other territory, 99
///    centre jurisdiction);
/// 2. the holder's PAN: five letters, four digits, a letter;
/// 3. the entity's number for that PAN in that state (1–9, A–Z);
/// 4. `Z` by default;
/// 5. a check character: the GST network's mod-36 check over the first
///    fourteen.
///
/// [`Gstin::parse`] takes it in any case and with spaces or dashes
/// between groups, as customers type it.
///
/// ```
/// use features::shared::Gstin;
///
/// let gstin = Gstin::parse("27aapfu0939f1zv")?;
/// assert_eq!(gstin.as_str(), "27AAPFU0939F1ZV");
/// assert_eq!(gstin.state_code(), 27);
/// assert!(Gstin::parse("27AAPFU0939F1ZW").is_err()); // the check character
/// # Ok::<(), features::shared::GstinError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gstin(String);

/// Why a text is not a [`Gstin`], in words for the customer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GstinError {
    /// Not 15 letters and digits.
    #[error("a GSTIN has 15 letters and digits; this has {0}")]
    Length(usize),
    /// The first two are not a state's code.
    #[error("a GSTIN starts with the state's two-digit code (01 to 38, 97 or 99)")]
    StateCode,
    /// Characters 3 to 12 are not a PAN.
    #[error("characters 3 to 12 of a GSTIN are a PAN: five letters, four digits, a letter")]
    Pan,
    /// The 13th or 14th is not what it must be.
    #[error("the 13th character of a GSTIN is 1-9 or a letter and the 14th is Z")]
    Entity,
    /// The last one does not match the others: a typo somewhere.
    #[error("the GSTIN's last character does not match the others: please check it for a typo")]
    Check,
}

impl Gstin {
    /// The GSTIN `text` spells, in any case, spaces and dashes ignored.
    ///
    /// # Errors
    ///
    /// [`GstinError`], saying what is wrong.
    pub fn parse(text: &str) -> Result<Self, GstinError> {
        let g: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let b = g.as_bytes();
        if g.chars().count() != 15 || !b.iter().all(u8::is_ascii_alphanumeric) {
            return Err(GstinError::Length(g.chars().count()));
        }
        let state = (b[0] as char)
            .to_digit(10)
            .zip((b[1] as char).to_digit(10))
            .map(|(a, b)| a * 10 + b);
        if !state.is_some_and(|s| (1..=38).contains(&s) || s == 97 || s == 99) {
            return Err(GstinError::StateCode);
        }
        let pan = &b[2..12];
        let pan_ok = pan[..5].iter().all(u8::is_ascii_uppercase)
            && pan[5..9].iter().all(u8::is_ascii_digit)
            && pan[9].is_ascii_uppercase();
        if !pan_ok {
            return Err(GstinError::Pan);
        }
        if b[12] == b'0' || b[13] != b'Z' {
            return Err(GstinError::Entity);
        }
        if check_char(&b[..14]) != Some(b[14]) {
            return Err(GstinError::Check);
        }
        Ok(Self(g))
    }

    /// The GSTIN, upper-case, 15 characters.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The state's code (27 for Maharashtra).
    #[must_use]
    pub fn state_code(&self) -> u8 {
        self.0[..2].parse().unwrap_or(0)
    }
}

/// The check character of a GSTIN's first fourteen characters: each
/// character's value (0–35) times 1 and 2 in turn, each product's
/// quotient and remainder by 36 summed, and the sum's complement to 36.
fn check_char(first14: &[u8]) -> Option<u8> {
    let mut sum = 0_usize;
    for (i, c) in first14.iter().enumerate() {
        let value = CHARS.iter().position(|x| x == c)?;
        let product = value * if i % 2 == 0 { 1 } else { 2 };
        sum += product / 36 + product % 36;
    }
    CHARS.get((36 - sum % 36) % 36).copied()
}

impl fmt::Display for Gstin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_gstins_are_taken_as_customers_type_them() {
        for (text, want) in [
            ("27AAPFU0939F1ZV", "27AAPFU0939F1ZV"),
            ("29AAGCB7383J1Z4", "29AAGCB7383J1Z4"),
            (" 27 aapfu 0939f 1zv ", "27AAPFU0939F1ZV"),
            ("27-AAPFU0939F-1ZV", "27AAPFU0939F1ZV"),
        ] {
            assert_eq!(
                Gstin::parse(text).map(|g| g.to_string()),
                Ok(want.to_owned()),
                "{text}"
            );
        }
    }

    #[test]
    fn each_kind_of_mistake_is_named() {
        assert_eq!(Gstin::parse("27AAPFU0939F1Z"), Err(GstinError::Length(14)));
        assert_eq!(
            Gstin::parse("27AAPFU0939F1ZV!"),
            Err(GstinError::Length(16))
        );
        assert_eq!(Gstin::parse("२७AAPFU0939F1ZV"), Err(GstinError::Length(15)));
        assert_eq!(Gstin::parse("40AAPFU0939F1ZV"), Err(GstinError::StateCode));
        assert_eq!(Gstin::parse("00AAPFU0939F1ZV"), Err(GstinError::StateCode));
        assert_eq!(Gstin::parse("27AAPF10939F1ZV"), Err(GstinError::Pan));
        assert_eq!(Gstin::parse("27AAPFU0939F0ZV"), Err(GstinError::Entity));
        assert_eq!(Gstin::parse("27AAPFU0939F1YV"), Err(GstinError::Entity));
        assert_eq!(Gstin::parse("27AAPFU0939F1ZW"), Err(GstinError::Check));
        // One character changed anywhere is caught by the check.
        assert_eq!(Gstin::parse("27AAPFU0938F1ZV"), Err(GstinError::Check));
    }

    #[test]
    fn every_single_character_typo_is_refused() {
        let valid = b"27AAPFU0939F1ZV";
        for position in 0..valid.len() {
            for &other in CHARS.iter().filter(|c| **c != valid[position]) {
                let mut typo = *valid;
                typo[position] = other;
                let text = String::from_utf8(typo.to_vec()).unwrap();
                assert!(Gstin::parse(&text).is_err(), "{text} was taken");
            }
        }
    }

    #[test]
    fn the_check_character_is_the_networks() {
        assert_eq!(check_char(b"27AAPFU0939F1Z"), Some(b'V'));
        assert_eq!(check_char(b"29AAGCB7383J1Z"), Some(b'4'));
        assert_eq!(Gstin::parse("29AAGCB7383J1Z4").unwrap().state_code(), 29);
    }
}
