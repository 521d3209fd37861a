//! Reading an order message ("2 bags cement, 5 steel rods and 10 bricks")
//! into [`RequestedItem`]s: a product phrase, a quantity and an optional
//! unit word. No catalog knowledge: matching the phrase to a product is
//! [`Catalog::find`](super::Catalog::find)'s job.
//!
//! # What is understood
//!
//! - Items are separated by `,` `;` `&` `+` new lines and the words `and` /
//!   `aur`. Several items without separators are split too when every item
//!   has the same shape: `100 cement 50 sand`, `cement 100 sand 50`,
//!   `cement x 100 sand x 50`.
//! - The quantity is, in order of preference: a number after a marker
//!   (`x 100`, `x100`, `× 100`, `: 100`, `- 100`, `= 100`, `* 100`), a
//!   number before one (`100x`), a number followed by a unit word
//!   (`100 bags`, `100 bori`, `10kg`), the first word, the last word, the
//!   only number. Other numbers stay in the phrase, so sizes in product
//!   names survive (`PVC Pipe 1 inch x 10`, `OPC 53 x 100`): a number
//!   followed by a size word (`inch`, `mm`, `grade`...) is never a quantity.
//! - Number words (`ek sau`, `hundred`) are not read: the quantity is then
//!   [`QuantitySpec::Missing`].
//! - Thousands separators: `1,000`, `1,00,000` (Indian) and `100,000`.
//! - A minus sign glued to the number (`-5 cement`, `cement x -5`) makes it
//!   [`QuantitySpec::Negative`]; `cement - 5` is a separator.
//! - Decimals (`2.5`) are [`QuantitySpec::Fraction`] unless the decimals are
//!   zeros (`2.0` is 2): every product is sold in whole units.
//! - Filler words in English and Hinglish (`please`, `pls`, `chahiye`,
//!   `bhejo`, `i`, `want`, `need`, `order`, `of`, `send`...) are dropped.
//! - Text is transliterated to ASCII and lowercased first (`×` → `x`).
//!
//! A fragment with no product words (`"please"`, `"100"`) is skipped. When no
//! fragment has product words the result is [`ParseError::Nothing`].
//!
//! ```
//! use features::catalog::{parse_request, QuantitySpec};
//!
//! let items = parse_request("2 bags cement, 5 steel rods and 10 bricks").unwrap();
//! let got: Vec<_> = items.iter().map(|i| (i.phrase.as_str(), &i.quantity)).collect();
//! assert_eq!(
//!     got,
//!     [
//!         ("cement", &QuantitySpec::Amount(2)),
//!         ("steel rods", &QuantitySpec::Amount(5)),
//!         ("bricks", &QuantitySpec::Amount(10)),
//!     ]
//! );
//! assert_eq!(items[0].unit.as_deref(), Some("bag"));
//! ```

use serde::{Deserialize, Serialize};

use super::text;

/// Longest message [`parse_request`] reads, in characters (WhatsApp's own
/// limit).
pub const MAX_REQUEST_CHARS: usize = 4096;
/// Most items [`parse_request`] returns for one message.
pub const MAX_REQUEST_ITEMS: usize = 50;

/// One product the customer asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestedItem {
    /// The product words, normalized (ASCII, lowercase, single spaces,
    /// fillers and quantity removed): `"steel rods"`.
    pub phrase: String,
    /// How many, as written.
    pub quantity: QuantitySpec,
    /// The unit word the customer used next to the quantity, canonical
    /// singular (`"bori"` → `"bag"`, `"pcs"` → `"piece"`), if any.
    pub unit: Option<String>,
}

/// A quantity as the customer wrote it, before it is checked against the
/// product and the shop's limits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum QuantitySpec {
    /// No quantity given ("cement please").
    Missing,
    /// A whole number of one or more (saturates at `u64::MAX`).
    Amount(u64),
    /// Zero.
    Zero,
    /// A negative number ("-5").
    Negative,
    /// A number with non-zero decimals, as written ("2.5").
    Fraction(String),
}

/// Why a message could not be read as an order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The message has no product words at all.
    #[error("no products found in the message")]
    Nothing,
    /// The message is longer than [`MAX_REQUEST_CHARS`].
    #[error("the message is too long ({chars} characters, at most {max})")]
    TooLong {
        /// Length of the message.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// The message lists more than [`MAX_REQUEST_ITEMS`] items.
    #[error("the message lists too many items (at most {max} per order)")]
    TooManyItems {
        /// The limit.
        max: usize,
    },
}

/// Reads an order message into requested items, in message order.
///
/// See the [module docs](self) for the phrasings understood.
///
/// # Errors
///
/// [`ParseError::Nothing`] when no item has product words;
/// [`ParseError::TooLong`] / [`ParseError::TooManyItems`] over the limits.
pub fn parse_request(text: &str) -> Result<Vec<RequestedItem>, ParseError> {
    let chars = text.chars().count();
    if chars > MAX_REQUEST_CHARS {
        return Err(ParseError::TooLong {
            chars,
            max: MAX_REQUEST_CHARS,
        });
    }
    let normalized = remove_digit_group_commas(&text::normalize(text));
    let mut items = Vec::new();
    for fragment in normalized.split([',', ';', '\n', '\r', '&', '+', '|']) {
        for clause in split_on_words(lex(fragment)) {
            for tokens in split_items(clause) {
                if let Some(item) = read_item(tokens) {
                    items.push(item);
                    if items.len() > MAX_REQUEST_ITEMS {
                        return Err(ParseError::TooManyItems {
                            max: MAX_REQUEST_ITEMS,
                        });
                    }
                }
            }
        }
    }
    if items.is_empty() {
        return Err(ParseError::Nothing);
    }
    Ok(items)
}

/// A lexed piece of a fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// Letters and digits, starting with a letter (or a number glued to a
    /// non-unit suffix such as `20mm`).
    Word(String),
    /// A number; `text` is as written without grouping commas.
    Num { text: String, negative: bool },
    /// `x`, `×`, `:`, `=`, `*` or a free-standing `-` between a name and a
    /// quantity.
    Marker,
}

impl Token {
    fn word(&self) -> Option<&str> {
        match self {
            Self::Word(w) => Some(w),
            _ => None,
        }
    }

    fn is_unit_word(&self) -> bool {
        self.word().and_then(text::canonical_unit).is_some()
    }

    fn is_size_word(&self) -> bool {
        self.word().is_some_and(|w| text::SIZE_WORDS.contains(&w))
    }
}

/// Removes commas that group digits (`1,000`, `1,00,000`, `100,000`) so the
/// comma is left only where it separates items (`cement,5 rods`).
fn remove_digit_group_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_run = chars[i].is_ascii_digit() && (i == 0 || !chars[i - 1].is_ascii_digit());
        if !starts_run {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // Collect `digits(,digits)*`.
        let mut groups: Vec<String> = Vec::new();
        let mut j = i;
        loop {
            let start = j;
            while j < chars.len() && chars[j].is_ascii_digit() {
                j += 1;
            }
            groups.push(chars[start..j].iter().collect());
            if j + 1 < chars.len() && chars[j] == ',' && chars[j + 1].is_ascii_digit() {
                j += 1;
            } else {
                break;
            }
        }
        if groups.len() > 1 && is_digit_grouping(&groups) {
            out.extend(groups.iter().flat_map(|g| g.chars()));
        } else {
            out.push_str(&groups.join(","));
        }
        i = j;
    }
    out
}

/// Western (`1,250,000`) or Indian (`12,50,000`) digit grouping.
fn is_digit_grouping(groups: &[String]) -> bool {
    let (first, rest) = match groups.split_first() {
        Some(split) => split,
        None => return false,
    };
    let Some((last, middle)) = rest.split_last() else {
        return false;
    };
    if first.is_empty() || last.len() != 3 {
        return false;
    }
    let western = first.len() <= 3 && middle.iter().all(|g| g.len() == 3);
    let indian = first.len() <= 2 && middle.iter().all(|g| g.len() == 2);
    western || indian
}

/// Splits a fragment into tokens.
fn lex(fragment: &str) -> Vec<Token> {
    let chars: Vec<char> = fragment.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let negative = i > 0 && is_minus_sign(&chars, i - 1);
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i + 1 < chars.len() && chars[i] == '.' && chars[i + 1].is_ascii_digit() {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let number: String = chars[start..i].iter().collect();
            let suffix_start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let suffix: String = chars[suffix_start..i].iter().collect();
            if suffix.is_empty() {
                tokens.push(Token::Num {
                    text: number,
                    negative,
                });
            } else if suffix == "x" {
                tokens.push(Token::Num {
                    text: number,
                    negative,
                });
                tokens.push(Token::Marker);
            } else if text::canonical_unit(&suffix).is_some() {
                tokens.push(Token::Num {
                    text: number,
                    negative,
                });
                tokens.push(Token::Word(suffix));
            } else {
                tokens.push(Token::Word(format!("{number}{suffix}")));
            }
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_alphanumeric() {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match word.strip_prefix('x') {
                Some("") => tokens.push(Token::Marker),
                Some(digits) if digits.bytes().all(|b| b.is_ascii_digit()) => {
                    tokens.push(Token::Marker);
                    tokens.push(Token::Num {
                        text: digits.to_owned(),
                        negative: false,
                    });
                }
                _ => tokens.push(Token::Word(word)),
            }
        } else {
            if matches!(c, ':' | '=' | '*') || (c == '-' && !is_minus_sign(&chars, i)) {
                tokens.push(Token::Marker);
            }
            i += 1;
        }
    }
    tokens.retain(|t| t.word().is_none_or(|w| !text::is_filler(w)));
    tokens
}

/// Whether the `-` at `i` is a minus sign: glued to the digit after it and
/// not glued to a word before it (`-5`, `x -5`, `x-5`; not `m-5`).
fn is_minus_sign(chars: &[char], i: usize) -> bool {
    if chars[i] != '-' || !chars.get(i + 1).is_some_and(char::is_ascii_digit) {
        return false;
    }
    let before = |k: usize| i.checked_sub(k).map(|j| chars[j]);
    match before(1) {
        None => true,
        Some(c) if !c.is_ascii_alphanumeric() => true,
        // A lone `x` marker: `cement x-5`.
        Some('x') => before(2).is_none_or(|c| !c.is_ascii_alphanumeric()),
        Some(_) => false,
    }
}

/// Splits on the words `and` / `aur`.
fn split_on_words(tokens: Vec<Token>) -> Vec<Vec<Token>> {
    let mut clauses = vec![Vec::new()];
    for token in tokens {
        if matches!(token.word(), Some("and" | "aur")) {
            clauses.push(Vec::new());
        } else if let Some(last) = clauses.last_mut() {
            last.push(token);
        }
    }
    clauses
}

/// Indices of numbers that can be a quantity (not a size such as the `1` in
/// `1 inch`).
fn quantity_candidates(tokens: &[Token]) -> Vec<usize> {
    tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            matches!(t, Token::Num { .. }) && !tokens.get(i + 1).is_some_and(Token::is_size_word)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Splits a clause listing several items without separators
/// (`100 cement 50 sand`, `cement 100 bags sand 50 cft`). Each quantity
/// with its marker and unit word forms a group; if the clause starts with a
/// group, items start at each group; if it ends with one, items end at each
/// group. Splitting happens only if every item keeps a product word.
fn split_items(tokens: Vec<Token>) -> Vec<Vec<Token>> {
    let candidates = quantity_candidates(&tokens);
    if candidates.len() < 2 {
        return vec![tokens];
    }
    let groups: Vec<(usize, usize)> = candidates
        .iter()
        .map(|&n| {
            let start = if n > 0 && tokens[n - 1] == Token::Marker {
                n - 1
            } else {
                n
            };
            let end = match tokens.get(n + 1) {
                Some(next) if next.is_unit_word() || *next == Token::Marker => n + 1,
                _ => n,
            };
            (start, end)
        })
        .collect();
    let last_index = tokens.len() - 1;
    let bounds: Vec<(usize, usize)> = if groups[0].0 == 0 {
        groups
            .iter()
            .enumerate()
            .map(|(k, &(start, _))| (start, groups.get(k + 1).map_or(tokens.len(), |g| g.0)))
            .collect()
    } else if groups.last().is_some_and(|g| g.1 == last_index) {
        groups
            .iter()
            .enumerate()
            .map(|(k, &(_, end))| (if k == 0 { 0 } else { groups[k - 1].1 + 1 }, end + 1))
            .collect()
    } else {
        return vec![tokens];
    };
    let every_item_named = bounds.iter().zip(&groups).all(|(&(from, to), &(gs, ge))| {
        (from..to).any(|i| (i < gs || i > ge) && tokens[i].word().is_some())
    });
    if !every_item_named {
        return vec![tokens];
    }
    bounds
        .into_iter()
        .map(|(from, to)| tokens[from..to].to_vec())
        .collect()
}

/// Picks the quantity and unit of one item; `None` if no product words.
fn read_item(tokens: Vec<Token>) -> Option<RequestedItem> {
    let candidates = quantity_candidates(&tokens);
    let after_marker = |&&i: &&usize| i > 0 && tokens[i - 1] == Token::Marker;
    let before_marker = |&&i: &&usize| tokens.get(i + 1) == Some(&Token::Marker);
    let before_unit = |&&i: &&usize| tokens.get(i + 1).is_some_and(Token::is_unit_word);
    let only = || match candidates.as_slice() {
        [one] => Some(one),
        _ => None,
    };
    let chosen = candidates
        .iter()
        .find(after_marker)
        .or_else(|| candidates.iter().find(before_marker))
        .or_else(|| candidates.iter().find(before_unit))
        .or_else(|| candidates.iter().find(|&&i| i == 0))
        .or_else(|| candidates.iter().find(|&&i| i + 1 == tokens.len()))
        .or_else(only)
        .copied();

    let mut unit = None;
    let mut unit_index = None;
    if let Some(q) = chosen
        && let Some(canonical) = tokens
            .get(q + 1)
            .and_then(Token::word)
            .and_then(text::canonical_unit)
    {
        unit = Some(canonical.to_owned());
        unit_index = Some(q + 1);
    }
    let phrase_words = |skip_unit: bool| -> Vec<String> {
        tokens
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != chosen && !(skip_unit && Some(*i) == unit_index))
            .filter_map(|(_, t)| match t {
                Token::Word(w) => Some(w.clone()),
                Token::Num { text, .. } => Some(text.clone()),
                Token::Marker => None,
            })
            .collect()
    };
    let mut words = phrase_words(true);
    if words
        .iter()
        .all(|w| w.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
    {
        // "10 rods": the unit word is the only product word, keep it.
        words = phrase_words(false);
    }
    if !words
        .iter()
        .any(|w| w.bytes().any(|b| b.is_ascii_alphabetic()))
    {
        return None;
    }
    let quantity = match chosen.map(|i| &tokens[i]) {
        Some(Token::Num { text, negative }) => quantity_spec(text, *negative),
        _ => QuantitySpec::Missing,
    };
    Some(RequestedItem {
        phrase: words.join(" "),
        quantity,
        unit,
    })
}

/// Reads a lexed number.
fn quantity_spec(text: &str, negative: bool) -> QuantitySpec {
    let (whole, decimals) = text.split_once('.').unwrap_or((text, ""));
    if decimals.bytes().any(|b| b != b'0') {
        return if negative {
            QuantitySpec::Negative
        } else {
            QuantitySpec::Fraction(text.to_owned())
        };
    }
    let value = whole.bytes().fold(0u64, |acc, b| {
        acc.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    match (value, negative) {
        (0, _) => QuantitySpec::Zero,
        (_, true) => QuantitySpec::Negative,
        (n, false) => QuantitySpec::Amount(n),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn one(text: &str) -> (String, QuantitySpec, Option<String>) {
        let items = parse_request(text).unwrap();
        assert_eq!(items.len(), 1, "{text}: {items:?}");
        let item = items.into_iter().next().unwrap();
        (item.phrase, item.quantity, item.unit)
    }

    fn amount(text: &str) -> (String, u64) {
        match one(text) {
            (phrase, QuantitySpec::Amount(n), _) => (phrase, n),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn understands_the_common_phrasings() {
        for text in [
            "Cement x 100",
            "cement x100",
            "100 cement",
            "cement 100 bags",
            "100 bags of cement",
            "CEMENT X 100",
            "cement 100 bori",
            "cement: 100",
            "100x cement",
            "cement - 100",
            "cement × 100",
            "cement ×100",
            "cement = 100",
            "cement * 100",
            "cement 100",
            "please send 100 bags cement",
            "mujhe 100 bori cement chahiye",
            "I need cement x 100 pls",
            "100bags cement",
            "cement 100 katta",
            "cement x 100.",
            "cement x 100.0",
        ] {
            assert_eq!(amount(text), ("cement".to_owned(), 100), "{text}");
        }
    }

    #[test]
    fn records_the_unit_word_in_canonical_form() {
        assert_eq!(one("cement 100 bori").2.as_deref(), Some("bag"));
        assert_eq!(one("100 bags of cement").2.as_deref(), Some("bag"));
        assert_eq!(one("wire 10kg").2.as_deref(), Some("kg"));
        assert_eq!(one("tiles 5 pcs").2.as_deref(), Some("piece"));
        assert_eq!(one("sand 100 ft").2.as_deref(), Some("cft"));
        assert_eq!(one("paint 4 l").2.as_deref(), Some("litre"));
        assert_eq!(one("cement x 100").2, None);
    }

    #[test]
    fn splits_items_on_separators_and_words() {
        let items = parse_request("2 bags cement, 5 steel rods and 10 bricks").unwrap();
        let got: Vec<_> = items
            .iter()
            .map(|i| (i.phrase.as_str(), i.quantity.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("cement", QuantitySpec::Amount(2)),
                ("steel rods", QuantitySpec::Amount(5)),
                ("bricks", QuantitySpec::Amount(10))
            ]
        );
        for text in [
            "cement 10; sand 20",
            "cement 10 & sand 20",
            "cement 10 + sand 20",
            "cement 10\nsand 20",
            "cement 10 aur sand 20",
            "cement 10, sand 20",
            "cement 10,sand 20",
        ] {
            let items = parse_request(text).unwrap();
            assert_eq!(items.len(), 2, "{text}: {items:?}");
            assert_eq!(items[1].phrase, "sand", "{text}");
            assert_eq!(items[1].quantity, QuantitySpec::Amount(20), "{text}");
        }
    }

    #[test]
    fn splits_items_written_without_separators() {
        for text in [
            "100 cement 50 sand",
            "cement 100 sand 50",
            "cement x 100 sand x 50",
            "cement 100 bags sand 50 cft",
            "100x cement 50x sand",
            "Cement 100. Sand 50.",
        ] {
            let items = parse_request(text).unwrap();
            let got: Vec<_> = items
                .iter()
                .map(|i| (i.phrase.as_str(), i.quantity.clone()))
                .collect();
            assert_eq!(
                got,
                [
                    ("cement", QuantitySpec::Amount(100)),
                    ("sand", QuantitySpec::Amount(50))
                ],
                "{text}"
            );
        }
    }

    #[test]
    fn prefers_the_number_after_a_marker_and_falls_back_to_the_only_number() {
        assert_eq!(amount("opc 53 x 100"), ("opc 53".to_owned(), 100));
        assert_eq!(amount("cement 100 urgent"), ("cement".to_owned(), 100));
        assert_eq!(amount("cement 100 by tomorrow"), ("cement".to_owned(), 100));
        assert_eq!(one("sand 2 trolley").2.as_deref(), Some("trolley"));
        // Two bare numbers in the middle: no guess.
        assert_eq!(one("cement 10 opc 20 grey").1, QuantitySpec::Missing);
    }

    #[test]
    fn keeps_sizes_in_product_names() {
        assert_eq!(
            amount("pvc pipe 1 inch x 10"),
            ("pvc pipe 1 inch".to_owned(), 10)
        );
        assert_eq!(
            amount("PVC Pipe 1 inch 10"),
            ("pvc pipe 1 inch".to_owned(), 10)
        );
        assert_eq!(
            amount("10 pvc pipe 1 inch"),
            ("pvc pipe 1 inch".to_owned(), 10)
        );
        assert_eq!(amount("1 inch pipe 10 pcs"), ("1 inch pipe".to_owned(), 10));
        assert_eq!(
            amount("aggregate 20mm 500"),
            ("aggregate 20mm".to_owned(), 500)
        );
        assert_eq!(one("pvc pipe 2 inch").1, QuantitySpec::Missing);
    }

    #[test]
    fn reads_grouped_numbers() {
        assert_eq!(amount("cement 1,000"), ("cement".to_owned(), 1000));
        assert_eq!(amount("cement x 1,00,000"), ("cement".to_owned(), 100_000));
        assert_eq!(amount("100,000 bricks"), ("bricks".to_owned(), 100_000));
        assert_eq!(amount("1,250,000 bricks"), ("bricks".to_owned(), 1_250_000));
        // Not a grouping: two items.
        assert_eq!(parse_request("cement 10,20 bricks").unwrap().len(), 2);
    }

    #[test]
    fn flags_missing_zero_negative_and_fractional_quantities() {
        assert_eq!(one("cement please").1, QuantitySpec::Missing);
        assert_eq!(one("cement x 0").1, QuantitySpec::Zero);
        assert_eq!(one("-5 cement").1, QuantitySpec::Negative);
        assert_eq!(one("cement x -5").1, QuantitySpec::Negative);
        assert_eq!(one("cement -5").1, QuantitySpec::Negative);
        assert_eq!(one("cement x -2.5").1, QuantitySpec::Negative);
        assert_eq!(one("cement x-5").1, QuantitySpec::Negative);
        assert_eq!(one("cement-5").1, QuantitySpec::Amount(5));
        assert_eq!(
            one("cement x 2.5").1,
            QuantitySpec::Fraction("2.5".to_owned())
        );
        assert_eq!(
            one("2.5 bags cement").1,
            QuantitySpec::Fraction("2.5".to_owned())
        );
        assert_eq!(
            one("cement x 99999999999999999999999").1,
            QuantitySpec::Amount(u64::MAX)
        );
    }

    #[test]
    fn a_lone_unit_word_stays_the_phrase() {
        assert_eq!(
            one("10 rods"),
            (
                "rods".to_owned(),
                QuantitySpec::Amount(10),
                Some("rod".to_owned())
            )
        );
    }

    #[test]
    fn hyphenated_names_keep_their_words() {
        assert_eq!(amount("m-sand x 50"), ("m sand".to_owned(), 50));
        assert_eq!(amount("50 cft of M-Sand"), ("m sand".to_owned(), 50));
    }

    #[test]
    fn nothing_to_order() {
        for text in ["", "   ", "please", "100", "hi, thanks", "!!!", "x 100"] {
            assert_eq!(parse_request(text), Err(ParseError::Nothing), "{text}");
        }
        // Fragments without product words are skipped.
        assert_eq!(parse_request("hi, cement 5, 100").unwrap().len(), 1);
    }

    #[test]
    fn limits_length_and_items() {
        let long = "a".repeat(MAX_REQUEST_CHARS + 1);
        assert!(matches!(
            parse_request(&long),
            Err(ParseError::TooLong { .. })
        ));
        let many = vec!["cement 1"; MAX_REQUEST_ITEMS + 1].join(", ");
        assert_eq!(
            parse_request(&many),
            Err(ParseError::TooManyItems {
                max: MAX_REQUEST_ITEMS
            })
        );
        let enough = vec!["cement 1"; MAX_REQUEST_ITEMS].join(", ");
        assert_eq!(parse_request(&enough).unwrap().len(), MAX_REQUEST_ITEMS);
    }

    #[test]
    fn transliterates_non_ascii() {
        assert_eq!(amount("सीमेंट x 5").1, 5);
    }
}
