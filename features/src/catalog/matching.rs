//! Finding the product a customer means: [`Catalog::find`].
//!
//! A phrase is compared with each active product's name and aliases, all
//! normalized the same way (ASCII, lowercase, words, plurals stripped). The
//! first step that matches decides:
//!
//! 1. **Exact**: the phrase equals a name or alias (`"bricks"` = alias
//!    `"brick"`; spaces ignored: `"msand"` = `"M-Sand"`).
//! 2. **Contained**: every phrase word is a word of a name or alias, in
//!    any order (`"bag cement"` is in alias `"cement bag"`; `"pipe"` is in
//!    `"PVC Pipe 1 inch"` and `"PVC Pipe 2 inch"`).
//! 3. **Fuzzy**: a score in `0.0..=1.0`, the better of
//!    - word by word: 75% how well the phrase's words are found in the key
//!      plus 25% how much of the key is covered, where two words score their
//!      normalized Damerau-Levenshtein similarity (`"cemnt"`/`"cement"` =
//!      0.83; words with digits must be equal), and
//!    - the whole phrase against the whole key (`"stel rod"`/`"steel rod"`
//!      = 0.89), used only when both have the same numbers.
//!
//!    A score of at least [`MATCH_THRESHOLD`] (0.78, one typo in five
//!    letters) matches.
//! 4. **Key inside the phrase**: a whole name or alias appears among the
//!    phrase's words (`"good quality cement"`); the longest such key wins.
//!
//! Several products in the deciding step make the match
//! [`ProductMatch::Ambiguous`]; in the fuzzy step only those within
//! [`AMBIGUITY_MARGIN`] (0.05) of the best score count. No match gives
//! [`ProductMatch::NotFound`] with up to three products scoring at least
//! [`SUGGESTION_THRESHOLD`] (0.5) as suggestions.
//!
//! ```
//! use features::catalog::{demo, Catalog, ProductMatch};
//!
//! let catalog = Catalog::new(demo::products());
//! assert!(matches!(catalog.find("cemnt"), ProductMatch::Found(p) if p.name() == "Cement"));
//! assert!(matches!(catalog.find("pipe"), ProductMatch::Ambiguous(options) if options.len() == 2));
//! assert!(matches!(catalog.find("plywood"), ProductMatch::NotFound { .. }));
//! ```

use std::cmp::Ordering;

use super::domain::{Product, Sku};
use super::text;

/// Lowest fuzzy score that counts as a match.
pub const MATCH_THRESHOLD: f64 = 0.78;
/// Fuzzy scores this close to the best one make the match ambiguous.
pub const AMBIGUITY_MARGIN: f64 = 0.05;
/// Lowest fuzzy score for a product to be suggested after no match.
pub const SUGGESTION_THRESHOLD: f64 = 0.5;
/// Most suggestions returned with [`ProductMatch::NotFound`].
pub const MAX_SUGGESTIONS: usize = 3;

/// The active products, prepared for matching customer phrases.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// Active products, sorted by name, with their normalized keys.
    entries: Vec<Entry>,
}

/// A product with its name and aliases as normalized word lists.
#[derive(Debug, Clone)]
struct Entry {
    product: Product,
    /// The name first, then each alias; singular words.
    keys: Vec<Vec<String>>,
}

/// What [`Catalog::find`] found for a phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProductMatch<'a> {
    /// Exactly one product.
    Found(&'a Product),
    /// Several products fit equally well; ask the customer which.
    Ambiguous(Vec<&'a Product>),
    /// No product fits; these are the closest, best first (maybe none).
    NotFound {
        /// Up to three products worth suggesting.
        suggestions: Vec<&'a Product>,
    },
}

impl Catalog {
    /// Prepares a catalog; inactive products are left out.
    #[must_use]
    pub fn new(products: Vec<Product>) -> Self {
        let mut entries: Vec<Entry> = products
            .into_iter()
            .filter(Product::is_active)
            .map(|product| {
                let keys = std::iter::once(product.name())
                    .chain(product.aliases().iter().map(String::as_str))
                    .map(key_words)
                    .filter(|words| !words.is_empty())
                    .collect();
                Entry { product, keys }
            })
            .collect();
        entries.sort_by(|a, b| a.product.name().cmp(b.product.name()));
        Self { entries }
    }

    /// The active products, by name.
    pub fn products(&self) -> impl Iterator<Item = &Product> {
        self.entries.iter().map(|e| &e.product)
    }

    /// The active product with this SKU.
    #[must_use]
    pub fn get(&self, sku: &Sku) -> Option<&Product> {
        self.products().find(|p| p.sku() == sku)
    }

    /// Number of active products.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no active products.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Finds the product a phrase names. See the [module docs](self) for the
    /// steps and thresholds.
    #[must_use]
    pub fn find(&self, phrase: &str) -> ProductMatch<'_> {
        let phrase = key_words(phrase);
        if phrase.is_empty() {
            return ProductMatch::NotFound {
                suggestions: Vec::new(),
            };
        }

        let exact = self.filter(|key| key == phrase.as_slice() || key.concat() == phrase.concat());
        if let Some(found) = decide(exact) {
            return found;
        }
        let contained = self.filter(|key| is_sub_multiset(&phrase, key));
        if let Some(found) = decide(contained) {
            return found;
        }

        let mut scored: Vec<(f64, &Product)> = self
            .entries
            .iter()
            .map(|e| {
                let best = e.keys.iter().map(|k| score(&phrase, k)).fold(0.0, f64::max);
                (best, &e.product)
            })
            .collect();
        scored.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(Ordering::Equal));
        if let Some(&(best, _)) = scored.first()
            && best >= MATCH_THRESHOLD
        {
            let close = scored
                .iter()
                .take_while(|(s, _)| *s >= best - AMBIGUITY_MARGIN && *s >= MATCH_THRESHOLD)
                .map(|(_, p)| *p)
                .collect();
            if let Some(found) = decide(close) {
                return found;
            }
        }

        let longest_inside = self
            .entries
            .iter()
            .filter_map(|e| {
                e.keys
                    .iter()
                    .filter(|k| is_sub_multiset(k, &phrase))
                    .map(Vec::len)
                    .max()
                    .map(|len| (len, &e.product))
            })
            .collect::<Vec<_>>();
        if let Some(max_len) = longest_inside.iter().map(|(len, _)| *len).max() {
            let inside = longest_inside
                .into_iter()
                .filter(|(len, _)| *len == max_len)
                .map(|(_, p)| p)
                .collect();
            if let Some(found) = decide(inside) {
                return found;
            }
        }

        let suggestions = scored
            .into_iter()
            .filter(|(s, _)| *s >= SUGGESTION_THRESHOLD)
            .take(MAX_SUGGESTIONS)
            .map(|(_, p)| p)
            .collect();
        ProductMatch::NotFound { suggestions }
    }

    /// Products with at least one key satisfying `keep`, by name.
    fn filter<F>(&self, keep: F) -> Vec<&Product>
    where
        F: Fn(&[String]) -> bool,
    {
        self.entries
            .iter()
            .filter(|e| e.keys.iter().any(|k| keep(k)))
            .map(|e| &e.product)
            .collect()
    }
}

/// One product → found, several → ambiguous, none → keep looking.
fn decide(products: Vec<&Product>) -> Option<ProductMatch<'_>> {
    match products.len() {
        0 => None,
        1 => products.into_iter().next().map(ProductMatch::Found),
        _ => Some(ProductMatch::Ambiguous(products)),
    }
}

/// A name or alias as singular words, without filler words (unless it has
/// nothing else): normalized exactly like a phrase.
fn key_words(text: &str) -> Vec<String> {
    let mut words = text::words(text);
    if words.iter().any(|w| !text::is_filler(w)) {
        words.retain(|w| !text::is_filler(w));
    }
    words.iter().map(|w| text::singular(w)).collect()
}

/// Whether every word of `small` is in `big`, counting repeats.
fn is_sub_multiset(small: &[String], big: &[String]) -> bool {
    let mut used = vec![false; big.len()];
    small.iter().all(|w| {
        let free = big.iter().enumerate().position(|(i, b)| !used[i] && b == w);
        if let Some(i) = free {
            used[i] = true;
        }
        free.is_some()
    })
}

/// Similarity of two words: equal → 1; words with digits must be equal;
/// otherwise normalized Damerau-Levenshtein.
fn word_similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let has_digit = |w: &str| w.bytes().any(|c| c.is_ascii_digit());
    if has_digit(a) || has_digit(b) {
        return 0.0;
    }
    strsim::normalized_damerau_levenshtein(a, b)
}

/// The words of `words` that contain digits, sorted.
fn numbers(words: &[String]) -> Vec<&String> {
    let mut n: Vec<&String> = words
        .iter()
        .filter(|w| w.bytes().any(|c| c.is_ascii_digit()))
        .collect();
    n.sort();
    n
}

/// The fuzzy score of a phrase against one key (see the module docs).
fn score(phrase: &[String], key: &[String]) -> f64 {
    let best_in = |word: &String, others: &[String]| {
        others
            .iter()
            .map(|o| word_similarity(word, o))
            .fold(0.0, f64::max)
    };
    #[allow(clippy::cast_precision_loss)] // word counts are tiny
    let mean = |sum: f64, n: usize| sum / n.max(1) as f64;
    let phrase_cover = mean(phrase.iter().map(|w| best_in(w, key)).sum(), phrase.len());
    let key_cover = mean(key.iter().map(|w| best_in(w, phrase)).sum(), key.len());
    let by_words = 0.75f64.mul_add(phrase_cover, 0.25 * key_cover);

    let whole = if numbers(phrase) == numbers(key) {
        strsim::normalized_damerau_levenshtein(&phrase.join(" "), &key.join(" "))
    } else {
        0.0
    };
    by_words.max(whole)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::catalog::demo;

    fn catalog() -> Catalog {
        Catalog::new(demo::products())
    }

    fn found(phrase: &str) -> String {
        match catalog().find(phrase) {
            ProductMatch::Found(p) => p.name().to_owned(),
            other => panic!("{phrase}: {other:?}"),
        }
    }

    fn ambiguous(phrase: &str) -> Vec<String> {
        match catalog().find(phrase) {
            ProductMatch::Ambiguous(ps) => ps.iter().map(|p| p.name().to_owned()).collect(),
            other => panic!("{phrase}: {other:?}"),
        }
    }

    fn suggestions(phrase: &str) -> Vec<String> {
        match catalog().find(phrase) {
            ProductMatch::NotFound { suggestions } => {
                suggestions.iter().map(|p| p.name().to_owned()).collect()
            }
            other => panic!("{phrase}: {other:?}"),
        }
    }

    #[test]
    fn exact_names_and_aliases() {
        assert_eq!(found("cement"), "Cement");
        assert_eq!(found("CEMENT"), "Cement");
        assert_eq!(found("opc"), "Cement");
        assert_eq!(found("cement bag"), "Cement");
        assert_eq!(found("white cement"), "White Cement");
        assert_eq!(found("steel rod"), "Steel Rod");
        for alias in [
            "tmt",
            "sariya",
            "saria",
            "steel",
            "rod",
            "rods",
            "steel rods",
            "सरिया",
        ] {
            assert_eq!(found(alias), "Steel Rod", "{alias}");
        }
        for alias in ["bricks", "brick", "eent", "int", "ईंट"] {
            assert_eq!(found(alias), "Red Bricks", "{alias}");
        }
        for alias in ["sand", "ret", "balu", "river sand", "reti"] {
            assert_eq!(found(alias), "Sand", "{alias}");
        }
        assert_eq!(found("msand"), "M-Sand");
        assert_eq!(found("m sand"), "M-Sand");
        assert_eq!(found("gitti"), "Aggregate 20mm");
        assert_eq!(found("सीमेंट"), "Cement");
    }

    #[test]
    fn contained_words() {
        assert_eq!(found("pipe 1 inch"), "PVC Pipe 1 inch");
        assert_eq!(found("2 inch pipe"), "PVC Pipe 2 inch");
        assert_eq!(found("fly ash"), "Fly Ash Bricks");
        assert_eq!(found("white"), "White Cement");
    }

    #[test]
    fn small_typos_match() {
        assert_eq!(found("cemnt"), "Cement");
        assert_eq!(found("cemet"), "Cement");
        assert_eq!(found("siment"), "Cement");
        assert_eq!(found("brics"), "Red Bricks");
        assert_eq!(found("stel rod"), "Steel Rod");
        assert_eq!(found("steelrod"), "Steel Rod");
        assert_eq!(found("whte cement"), "White Cement");
        assert_eq!(found("binding wir"), "Binding Wire");
    }

    #[test]
    fn a_known_key_inside_a_longer_phrase() {
        assert_eq!(found("good quality cement"), "Cement");
        assert_eq!(found("cement bori"), "Cement");
    }

    #[test]
    fn shared_words_are_ambiguous() {
        assert_eq!(ambiguous("pipe"), ["PVC Pipe 1 inch", "PVC Pipe 2 inch"]);
        assert_eq!(
            ambiguous("pvc pipes"),
            ["PVC Pipe 1 inch", "PVC Pipe 2 inch"]
        );
    }

    #[test]
    fn unknown_products_get_suggestions() {
        assert!(suggestions("plywood").is_empty());
        let near = suggestions("pvc pipe 3 inch");
        assert_eq!(near, ["PVC Pipe 1 inch", "PVC Pipe 2 inch"]);
        assert!(suggestions("").is_empty());
    }

    #[test]
    fn inactive_products_are_never_matched() {
        let products: Vec<Product> = demo::products()
            .into_iter()
            .map(|p| {
                if p.name() == "Cement" {
                    p.with_active(false)
                } else {
                    p
                }
            })
            .collect();
        let catalog = Catalog::new(products);
        assert!(catalog.products().all(Product::is_active));
        match catalog.find("cement") {
            ProductMatch::Found(p) => assert_eq!(p.name(), "White Cement"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(catalog.find("opc"), ProductMatch::NotFound { .. }));
    }

    #[test]
    fn scores_are_documented_values() {
        let w = |s: &str| key_words(s);
        assert!((score(&w("cemnt"), &w("cement")) - 0.8333).abs() < 1e-3);
        assert!(score(&w("pvc pipe 3 inch"), &w("pvc pipe 1 inch")) < MATCH_THRESHOLD);
        assert!(score(&w("stel rod"), &w("steel rod")) >= 0.88);
        assert!(score(&w("simant"), &w("cement")) < SUGGESTION_THRESHOLD + 0.01);
    }

    #[test]
    fn filler_words_in_names_do_not_matter() {
        let product = crate::testing::fixtures::product("ADH", "Adhesive for Tiles", 1, None);
        let catalog = Catalog::new(vec![product]);
        for phrase in ["adhesive for tiles", "adhesive tiles", "tile adhesive"] {
            assert!(
                matches!(catalog.find(phrase), ProductMatch::Found(_)),
                "{phrase}"
            );
        }
    }

    #[test]
    fn sub_multiset_counts_repeats() {
        let w = |s: &str| key_words(s);
        assert!(is_sub_multiset(&w("pipe"), &w("pvc pipe 1 inch")));
        assert!(!is_sub_multiset(&w("pipe pipe"), &w("pvc pipe 1 inch")));
        assert!(is_sub_multiset(&[], &w("x")));
    }
}
