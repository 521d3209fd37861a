//! Text normalization shared by request parsing, product matching and
//! [`Unit`](super::Unit): transliterate to ASCII, lowercase, split into
//! words, strip English plurals, and the table of unit words customers use.

/// Transliterates to ASCII (`सीमेंट` → `siimentt`, `×` → `x`) and lowercases.
///
/// Transliterates one character at a time: `deunicode::deunicode` drops a
/// line break that follows a transliterated character (`"× 1\nsand"` →
/// `"x 1sand"`), and line breaks separate items.
pub(crate) fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            let ascii = deunicode::deunicode_char(c).unwrap_or(" ");
            out.extend(ascii.chars().map(|a| a.to_ascii_lowercase()));
        }
    }
    out
}

/// The words of `text` (after [`normalize`]): maximal runs of ASCII letters
/// and digits. `"M-Sand (20mm)"` → `["m", "sand", "20mm"]`.
pub(crate) fn words(text: &str) -> Vec<String> {
    normalize(text)
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Strips a regular English plural: `bricks` → `brick`, `boxes` → `box`,
/// `inches` → `inch`, `batteries` → `battery`. Words of three letters or
/// fewer, words ending in `ss`/`us`/`is`, and numbers are left alone.
pub(crate) fn singular(word: &str) -> String {
    let bytes = word.as_bytes();
    if bytes.len() <= 3 || !word.ends_with('s') || bytes.iter().any(u8::is_ascii_digit) {
        return word.to_owned();
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies")
        && stem.len() >= 2
    {
        return format!("{stem}y");
    }
    for suffix in ["sses", "xes", "ches", "shes", "zes"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    word[..word.len() - 1].to_owned()
}

/// Unit words customers use, each mapped to its canonical singular unit.
const UNIT_WORDS: &[(&str, &[&str])] = &[
    (
        "bag",
        &[
            "bag", "bags", "bori", "boris", "boriya", "boriyan", "katta", "kattas", "katte",
            "sack", "sacks",
        ],
    ),
    (
        "piece",
        &[
            "piece", "pieces", "pc", "pcs", "nos", "no", "nag", "number", "numbers", "unit",
            "units",
        ],
    ),
    (
        "kg",
        &["kg", "kgs", "kilo", "kilos", "kilogram", "kilograms"],
    ),
    ("ton", &["ton", "tons", "tonne", "tonnes"]),
    ("cft", &["cft", "cuft", "ft", "feet", "foot"]),
    ("rod", &["rod", "rods"]),
    (
        "litre",
        &[
            "litre", "litres", "liter", "liters", "l", "ltr", "ltrs", "lit",
        ],
    ),
    ("box", &["box", "boxes"]),
    ("bundle", &["bundle", "bundles"]),
    ("brass", &["brass"]),
    ("length", &["length", "lengths"]),
    (
        "trolley",
        &["trolley", "trolleys", "trolly", "tractor", "tractors"],
    ),
    (
        "truck",
        &[
            "truck", "trucks", "tipper", "tippers", "dumper", "dumpers", "lorry", "lorries",
        ],
    ),
    (
        "packet",
        &["packet", "packets", "pkt", "pkts", "pack", "packs"],
    ),
    ("drum", &["drum", "drums"]),
    ("bucket", &["bucket", "buckets"]),
    (
        "metre",
        &["metre", "metres", "meter", "meters", "mtr", "mtrs"],
    ),
    ("sheet", &["sheet", "sheets"]),
];

/// The canonical unit for a unit word (`"bori"` → `"bag"`, `"pcs"` →
/// `"piece"`, `"ft"` → `"cft"`), or `None` if `word` is not a unit word.
pub(crate) fn canonical_unit(word: &str) -> Option<&'static str> {
    UNIT_WORDS
        .iter()
        .find(|(_, spellings)| spellings.contains(&word))
        .map(|(canonical, _)| *canonical)
}

/// Whether a customer who wrote `asked` (a canonical unit from
/// [`canonical_unit`]) can mean `sold`: the same unit, or `piece`, which
/// counts anything ("20 pcs" of steel rods).
pub(crate) fn unit_fits(asked: &str, sold: &str) -> bool {
    asked == sold || asked == "piece"
}

/// Units whose plural is the same word (abbreviations and mass nouns).
pub(crate) const INVARIANT_UNITS: &[&str] = &[
    "kg", "g", "mg", "cft", "sqft", "ft", "l", "ml", "mm", "cm", "m", "brass", "nos", "pcs", "mt",
];

/// Words that mark a number as a size (part of a product name such as
/// "PVC Pipe 1 inch"), never a quantity.
pub(crate) const SIZE_WORDS: &[&str] = &[
    "inch", "inches", "mm", "cm", "grade", "gauge", "sq", "sqft", "dia",
];

/// Words that carry no product meaning in an order message ("please send
/// 100 bags of cement", "mujhe cement chahiye"). Dropped before matching.
pub(crate) const FILLER_WORDS: &[&str] = &[
    "please", "pls", "plz", "plss", "kindly", "chahiye", "chahie", "chaiye", "chahye", "chiye",
    "do", "de", "dedo", "dena", "dijiye", "bhejo", "bhej", "bhejiye", "bhejna", "send", "deliver",
    "want", "wanted", "need", "needed", "required", "require", "i", "we", "me", "us", "my", "our",
    "mujhe", "humko", "hume", "hame", "hamein", "humein", "order", "of", "the", "a", "an", "some",
    "hi", "hello", "hey", "namaste", "sir", "madam", "bhai", "bhaiya", "ji", "ka", "ki", "ke",
    "qty", "quantity", "for", "get", "give", "to", "is", "are", "thanks", "thank", "you", "ok",
    "okay", "also", "more", "chahte", "hai", "hain", "hoga", "ko", "urgent", "urgently", "asap",
    "jaldi", "today", "tomorrow", "aaj", "kal", "by", "at", "on", "in", "site",
];

/// Whether `word` is a [filler](FILLER_WORDS).
pub(crate) fn is_filler(word: &str) -> bool {
    FILLER_WORDS.contains(&word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_transliterate_lowercase_and_split() {
        assert_eq!(words("M-Sand (20mm)"), ["m", "sand", "20mm"]);
        assert_eq!(words("CEMENT × 100"), ["cement", "x", "100"]);
        assert_eq!(words("सीमेंट"), ["siimentt"]);
        assert!(words("!!!").is_empty());
        assert_eq!(normalize("Cement × 1\nSand"), "cement x 1\nsand");
    }

    #[test]
    fn singular_strips_regular_plurals_only() {
        for (plural, single) in [
            ("bricks", "brick"),
            ("rods", "rod"),
            ("tiles", "tile"),
            ("boxes", "box"),
            ("inches", "inch"),
            ("batteries", "battery"),
            ("glass", "glass"),
            ("brass", "brass"),
            ("gas", "gas"),
            ("pcs", "pcs"),
            ("20mms", "20mms"),
            ("cement", "cement"),
        ] {
            assert_eq!(singular(plural), single, "{plural}");
        }
    }

    #[test]
    fn unit_words_map_to_canonical_units() {
        assert_eq!(canonical_unit("bori"), Some("bag"));
        assert_eq!(canonical_unit("pcs"), Some("piece"));
        assert_eq!(canonical_unit("ft"), Some("cft"));
        assert_eq!(canonical_unit("l"), Some("litre"));
        assert_eq!(canonical_unit("cement"), None);
    }
}
