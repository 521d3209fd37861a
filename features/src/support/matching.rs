//! How a customer's question is matched to the FAQ: words, then BM25 (the
//! `bm25` crate) over every question of every entry in every language,
//! normalised so that a threshold means the same in any FAQ.
//!
//! # Words
//!
//! Text is split into words by Unicode's word boundaries (UAX #29: a
//! Devanagari vowel sign or virama stays in its word, the danda `।` and
//! punctuation split), then each word is folded:
//!
//! - lower case; Latin accents dropped (`Café` → `cafe`), other Latin
//!   letters spelled in ASCII (`ß` → `ss`, `æ` → `ae`);
//! - Devanagari is **kept** (not transliterated: `deunicode` would spell
//!   `कब` and `कप` alike, and Hindi questions match Hindi phrasings), with
//!   the variants people type folded: the nukta dropped (`ज़` → `ज`),
//!   chandrabindu read as anusvara (`ँ` → `ं`), zero-width joiners dropped,
//!   Devanagari digits read as ASCII digits (`९` → `9`);
//! - other scripts are kept as they are, lower-cased.
//!
//! No stemming and no stop words: stemmers exist for few of the shop's
//! languages, and stop lists drop the words that tell questions apart
//! ("*when* are you open" against "*where* are you"). BM25's inverse
//! document frequency already weighs common words down. An FAQ lists the
//! phrasings customers use instead.
//!
//! # Score
//!
//! Each question of each entry (in each language) is one BM25 document
//! (`k1` 1.2, `b` 0.75), and each word weighs its inverse document
//! frequency over these questions (rarer words weigh more; a word no
//! question has weighs the most). A customer's message `q` scores against
//! a question `d` by two shares, each word counted once:
//!
//! ```text
//! recall    R = BM25(q, d) / BM25(d, d)      the question's weight found in the message
//! precision P = idf(q ∩ d) / idf(q)          the message's weight found in the question
//! score       = 5·P·R / (4·P + R)            F2: recall counts four times as much
//! ```
//!
//! The score is 1.0 when the message is the question's words, 0.0 when
//! they share none. Recall leads: "do you deliver to Pune?" finds "Do you
//! deliver?" (R 1.0) although "Pune" is in no question. Precision keeps a
//! message that shares only common words with a short question low ("do
//! you have cement?" against "Do you deliver?"). An entry scores its best
//! question's score.

use std::collections::{HashMap, HashSet};

use bm25::{Embedder, EmbedderBuilder, Embedding, Scorer, Tokenizer};
use unicode_normalization::UnicodeNormalization as _;
use unicode_segmentation::UnicodeSegmentation as _;

use super::domain::{FaqEntry, Language};

/// The folded words of `text` (see the [module docs](self)).
#[must_use]
pub fn words(text: &str) -> Vec<String> {
    text.unicode_words()
        .map(fold)
        .filter(|w| !w.is_empty())
        .collect()
}

/// Whether `text` has at least one word.
#[must_use]
pub fn has_words(text: &str) -> bool {
    !words(text).is_empty()
}

/// One word, folded.
fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    // Canonical decomposition: `é` is `e` and a combining accent, `ज़`
    // (U+095B) is `ज` and the nukta.
    for c in word.nfd() {
        match c {
            // Combining diacritics, the nukta, zero-width (non-)joiners.
            '\u{0300}'..='\u{036F}' | '\u{093C}' | '\u{200C}' | '\u{200D}' => {}
            // Chandrabindu, often typed as anusvara.
            '\u{0901}' => out.push('\u{0902}'),
            '\u{0966}'..='\u{096F}' => {
                out.extend(char::from_digit(u32::from(c) - 0x0966, 10));
            }
            c if c.is_ascii() => out.push(c.to_ascii_lowercase()),
            c if is_latin(c) => match deunicode::deunicode_char(c) {
                Some(ascii) => out.extend(ascii.chars().map(|a| a.to_ascii_lowercase())),
                None => out.extend(c.to_lowercase()),
            },
            c => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Latin letters outside ASCII: Latin-1 Supplement, Latin Extended-A and
/// -B, Latin Extended Additional.
fn is_latin(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

/// [`words`] as the `bm25` crate's tokenizer.
#[derive(Debug, Clone, Copy, Default)]
struct Words;

impl Tokenizer for Words {
    fn tokenize(&self, input_text: &str) -> Vec<String> {
        words(input_text)
    }
}

/// One question of one entry in one language.
#[derive(Debug)]
struct Doc {
    entry: usize,
    language: Language,
    /// Its distinct words.
    words: HashSet<String>,
    /// `BM25(d, d)`, the score of a message with all its words.
    own: f32,
}

/// An entry that shares words with a message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Match {
    /// The entry's position in the FAQ.
    pub(crate) entry: usize,
    /// The language of its best question.
    pub(crate) language: Language,
    /// Its normalised score (0 to 1).
    pub(crate) score: f32,
}

/// Every question of an FAQ, indexed.
pub(crate) struct Index {
    embedder: Embedder<u64, Words>,
    scorer: Scorer<usize, u64>,
    docs: Vec<Doc>,
    /// In how many questions each word is.
    frequency: HashMap<String, usize>,
}

impl std::fmt::Debug for Index {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Index")
            .field("docs", &self.docs)
            .finish_non_exhaustive()
    }
}

/// An embedding with each word once (the first occurrence).
fn distinct(embedding: Embedding<u64>) -> Embedding<u64> {
    let mut seen = HashSet::new();
    Embedding(
        embedding
            .0
            .into_iter()
            .filter(|t| seen.insert(t.index))
            .collect(),
    )
}

/// `5·P·R / (4·P + R)`, 0 when both are.
fn f2(precision: f32, recall: f32) -> f32 {
    let denominator = 4.0f32.mul_add(precision, recall);
    if denominator > 0.0 {
        (5.0 * precision * recall / denominator).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

impl Index {
    /// Indexes every question of `entries`.
    pub(crate) fn build(entries: &[FaqEntry]) -> Self {
        let mut texts: Vec<&str> = Vec::new();
        let mut docs = Vec::new();
        let mut frequency: HashMap<String, usize> = HashMap::new();
        for (entry, e) in entries.iter().enumerate() {
            for (language, localized) in e.languages() {
                for question in localized.questions() {
                    let words: HashSet<String> = words(question).into_iter().collect();
                    for word in &words {
                        *frequency.entry(word.clone()).or_default() += 1;
                    }
                    texts.push(question);
                    docs.push(Doc {
                        entry,
                        language: language.clone(),
                        words,
                        own: 0.0,
                    });
                }
            }
        }
        let embedder =
            EmbedderBuilder::<u64, Words>::with_tokenizer_and_fit_to_corpus(Words, &texts).build();
        let mut scorer = Scorer::<usize, u64>::new();
        for (d, text) in texts.iter().enumerate() {
            scorer.upsert(&d, embedder.embed(text));
        }
        // After every upsert: a word's weight depends on every question.
        for (d, text) in texts.iter().enumerate() {
            if let Some(doc) = docs.get_mut(d) {
                doc.own = scorer
                    .score(&d, &distinct(embedder.embed(text)))
                    .unwrap_or(0.0);
            }
        }
        Self {
            embedder,
            scorer,
            docs,
            frequency,
        }
    }

    /// A word's weight: its inverse document frequency, as BM25 computes
    /// it, over the questions.
    #[allow(clippy::cast_precision_loss)] // counts of questions, far below 2^24
    fn idf(&self, word: &str) -> f32 {
        let n = self.docs.len() as f32;
        let with = self.frequency.get(word).copied().unwrap_or(0) as f32;
        ((n - with + 0.5) / (with + 0.5)).ln_1p()
    }

    /// The entries that share words with `question`, best first (ties: the
    /// earlier entry first).
    pub(crate) fn rank(&self, question: &str) -> Vec<Match> {
        let query = distinct(self.embedder.embed(question));
        if query.is_empty() {
            return Vec::new();
        }
        let message: HashSet<String> = words(question).into_iter().collect();
        let weights: Vec<(&String, f32)> = message.iter().map(|w| (w, self.idf(w))).collect();
        let total: f32 = weights.iter().map(|(_, idf)| idf).sum();
        let mut best: Vec<Match> = Vec::new();
        for scored in self.scorer.matches(&query) {
            let Some(doc) = self.docs.get(scored.id) else {
                continue;
            };
            if doc.own <= 0.0 || total <= 0.0 {
                continue;
            }
            let recall = (scored.score / doc.own).clamp(0.0, 1.0);
            let shared: f32 = weights
                .iter()
                .filter(|(w, _)| doc.words.contains(*w))
                .map(|(_, idf)| idf)
                .sum();
            let score = f2(shared / total, recall);
            match best.iter_mut().find(|m| m.entry == doc.entry) {
                Some(m) if m.score >= score => {}
                Some(m) => {
                    m.score = score;
                    m.language = doc.language.clone();
                }
                None => best.push(Match {
                    entry: doc.entry,
                    language: doc.language.clone(),
                    score,
                }),
            }
        }
        best.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entry.cmp(&b.entry)));
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latin_words_are_lowercased_and_lose_their_accents() {
        assert_eq!(
            words("Café OPEN, 9 a.m.? Straße"),
            ["cafe", "open", "9", "a.m", "strasse"]
        );
    }

    #[test]
    fn devanagari_stays_devanagari_with_its_variants_folded() {
        // The vowel signs stay in their words; the danda splits.
        assert_eq!(words("दुकान कब खुलती है।"), ["दुकान", "कब", "खुलती", "है"]);
        // A precomposed nukta letter, a decomposed one and none: one word.
        assert_eq!(words("\u{095B}रूरत"), words("ज\u{093C}रूरत"));
        assert_eq!(words("\u{095B}रूरत"), words("जरूरत"));
        // Chandrabindu and anusvara; Devanagari digits.
        assert_eq!(words("हाँ"), words("हां"));
        assert_eq!(words("९ बजे"), ["9", "बजे"]);
        // Not transliterated: कब (when) and कप (cup) stay apart.
        assert_ne!(words("कब"), words("कप"));
    }

    #[test]
    fn punctuation_alone_has_no_words() {
        assert!(!has_words("?? !! ।"));
        assert!(has_words("hi!"));
    }
}
